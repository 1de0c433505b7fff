"""The SOP walk (sync.rules.walk_steps): branches of the template data, loops back included."""
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.rules import STAGE_RANK, derive_visit, format_time, walk_steps
from sync.test_vectors.generate import template_steps

VECTORS = Path(__file__).resolve().parents[2] / "sync" / "test_vectors" / "walk.json"
VISIT = "9a2c0f5e-1111-4a2b-8c3d-000000000002"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
KALBAR = template_steps("kalbar-2021")
REG = {"queue_number": "A-001", "id_type": "ktp", "name": "Siti Aminah", "host_id": 7}


def ev(kind, minute, step=None, payload=None, n=None):
    n = n if n is not None else int(minute * 1000)
    event = {"id": str(uuid.UUID(int=n, version=4)), "visit_id": VISIT, "seq": n + 1, "kind": kind,
             "actor": "staff:3", "device_time": format_time(T0 + timedelta(minutes=minute)),
             "clock_offset_ms": 0, "payload": payload or {}}
    if step:
        event["step"] = step
    return event


def at(minute):
    return format_time(T0 + timedelta(minutes=minute))


SERVED = [ev("registration", 0, "isi_buku_tamu", REG), ev("verification", 4, "cocokkan_identitas", {"ok": True}),
          ev("host_notified", 6, "hubungi_petugas", {"channel": "phone"}), ev("admitted", 10, "terima_tamu"),
          ev("finished", 70, "beri_pelayanan")]
NOT_ENOUGH = {"sufficient": False, "need": "Contoh dokumen penawaran"}


def walk(events, steps=KALBAR):
    return walk_steps(steps, derive_visit(events))


def test_walk_vectors_match_rules():
    """The vectors the desk app's sop.js is tested against hold for the Python rules."""
    cases = json.loads(VECTORS.read_text())
    assert len(cases) >= 10
    for case in cases:
        steps = template_steps(case["template"], case["tier"])
        assert walk_steps(steps, derive_visit(case["events"])) == case["expected"], case["name"]
        assert walk_steps(steps, derive_visit(list(reversed(case["events"])))) == case["expected"], case["name"]


def test_insufficient_feedback_sends_the_walk_back_to_the_service_step():
    events = SERVED + [ev("service_feedback", 75, "tanya_feedback", NOT_ENOUGH)]
    walked = walk(events)
    assert walked["current"] == "beri_pelayanan"
    # The service's timer starts again at the feedback, not at the guest's admission.
    assert walked["started"]["beri_pelayanan"] == at(75)
    assert "beri_pelayanan" not in walked["done"] and "tanya_feedback" not in walked["done"]
    # The stage does not go back: the visit stays "finished" while the service is given again.
    visit = derive_visit(events)
    assert visit["stage"] == "finished"
    assert visit["feedback"] == {"sufficient": False, "need": NOT_ENOUGH["need"]}


def test_after_the_service_again_the_feedback_step_comes_again():
    events = SERVED + [ev("service_feedback", 75, "tanya_feedback", NOT_ENOUGH),
                       ev("finished", 95, "beri_pelayanan")]
    walked = walk(events)
    assert walked["current"] == "tanya_feedback"
    assert walked["done"]["beri_pelayanan"] == at(95)
    assert walked["started"]["beri_pelayanan"] == at(75)
    assert walked["started"]["tanya_feedback"] == at(95)


def test_sufficient_feedback_completes_the_step_and_continues_at_its_goto():
    events = SERVED + [ev("service_feedback", 75, "tanya_feedback", NOT_ENOUGH), ev("finished", 95, "beri_pelayanan"),
                       ev("service_feedback", 97, "tanya_feedback", {"sufficient": True})]
    walked = walk(events)
    assert walked["current"] == "hubungi_helpdesk"
    assert walked["done"]["tanya_feedback"] == at(97)
    assert walk(events + [ev("checked_out", 99, "hubungi_helpdesk")])["current"] is None


def test_the_goto_comes_from_the_template_data():
    # An office whose SOP sends an insufficient service back to the officer's reception instead.
    steps = json.loads(json.dumps(KALBAR))
    feedback = next(s for s in steps if s["key"] == "tanya_feedback")
    feedback["branches"][0]["goto"] = "terima_tamu"
    walked = walk_steps(steps, derive_visit(SERVED + [ev("service_feedback", 75, "tanya_feedback", NOT_ENOUGH)]))
    assert walked["current"] == "terima_tamu"
    assert walked["started"]["terima_tamu"] == at(75)


def test_a_feedback_without_a_step_key_moves_nothing():
    # Tablets before this rule recorded the insufficient feedback without its step.
    events = SERVED + [ev("service_feedback", 75, None, NOT_ENOUGH)]
    assert walk(events)["current"] == "tanya_feedback"


def test_a_visit_derived_before_step_last_was_kept_walks_by_its_first_completions():
    visit = derive_visit(SERVED)
    del visit["step_last"]
    assert walk_steps(KALBAR, visit)["current"] == "tanya_feedback"


def test_refused_screening_passes_over_the_audience_to_the_card_return():
    steps = template_steps("tanjabbar-2017", "pimpinan")
    events = [ev("card_issued", 0, "sambut_dan_registrasi", {"card_number": "T1"}),
              ev("waiting", 2, "arahkan_ruang_tunggu"), ev("locker", 9, "simpan_barang_loker", {"locker_number": "4"}),
              ev("screening", 11, "pemeriksaan_metal_detektor", {"result": "refused"})]
    assert walk(events, steps)["current"] == "kembalikan_kartu"
    events[-1]["payload"] = {"result": "clear"}
    assert walk(events, steps)["current"] == "menghadap"


@st.composite
def service_rounds(draw):
    """A Kalbar visit that gets its service 1-4 times; each round ends with a feedback or not."""
    rounds = draw(st.integers(1, 4))
    last_feedback = draw(st.sampled_from(["none", "insufficient", "sufficient"]))
    events, minute, n = list(SERVED), 70, 100
    for r in range(rounds):
        if r:
            minute += draw(st.integers(1, 30))
            events.append(ev("finished", minute, "beri_pelayanan", n=n))
            n += 1
        final = r == rounds - 1
        kind = last_feedback if final else "insufficient"
        if kind != "none":
            minute += draw(st.integers(1, 10))
            events.append(ev("service_feedback", minute, "tanya_feedback",
                             {"sufficient": kind == "sufficient", **({} if kind == "sufficient" else {"need": "lagi"})}, n=n))
            n += 1
    return events, last_feedback


@given(service_rounds(), st.randoms(use_true_random=False), st.data())
@settings(max_examples=200, deadline=None)
def test_any_order_and_duplicates_give_the_walk_the_last_feedback_asks_for(case, rnd, data):
    events, last_feedback = case
    shuffled = events + [dict(e) for e in data.draw(st.lists(st.sampled_from(events), max_size=5))]
    rnd.shuffle(shuffled)
    walked = walk(shuffled)
    assert walked == walk(events)
    expected = {"none": "tanya_feedback", "insufficient": "beri_pelayanan", "sufficient": "hubungi_helpdesk"}
    assert walked["current"] == expected[last_feedback]
    if last_feedback == "insufficient":
        # The officer's timer runs from the latest feedback.
        assert walked["started"]["beri_pelayanan"] == max(e["device_time"] for e in events)
    # However often the walk goes back, the stage stays where the service took it.
    for cut in range(len(SERVED), len(events) + 1):
        assert STAGE_RANK[derive_visit(events[:cut])["stage"]] == STAGE_RANK["finished"]
