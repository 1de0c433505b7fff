"""The pure sync rules: validation and derive_visit's order and duplicate independence."""
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.rules import EVENT_KINDS, STAGE_RANK, content_hash, derive_visit, format_time, mask_id_number, validate_event

VECTORS = Path(__file__).resolve().parents[2] / "sync" / "test_vectors" / "derive.json"
VISIT = "9a2c0f5e-1111-4a2b-8c3d-000000000001"
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

PAYLOADS = {
    "registration": st.fixed_dictionaries({
        "queue_number": st.sampled_from(["A001", "A002", "B001"]),
        "id_type": st.just("ktp"), "id_number": st.just("6171014506900001"),
        "name": st.sampled_from(["Siti Aminah", "Budi"]), "purpose": st.just("Koordinasi"),
        "host_id": st.sampled_from([1, 2]),
    }),
    "verification": st.one_of(st.just({"ok": True}),
                              st.just({"ok": False, "fields": ["name"]})),
    "correction": st.fixed_dictionaries({"fields": st.fixed_dictionaries(
        {}, optional={"name": st.sampled_from(["Siti Aminah S.", "Siti A."]),
                      "purpose": st.sampled_from(["Rapat", "Audiensi"])}).filter(bool)}),
    "host_notified": st.just({"channel": "phone"}),
    "host_received": st.just({}),
    "host_unavailable": st.just({"reason": "Sedang rapat di luar kantor"}),
    "card_issued": st.fixed_dictionaries({"card_number": st.sampled_from(["T01", "T02"]),
                                          "ktp_held": st.booleans()}),
    "locker": st.fixed_dictionaries({"locker_number": st.sampled_from(["L1", "L2"])}),
    "waiting": st.just({}),
    "screening": st.fixed_dictionaries({"result": st.sampled_from(["clear", "refused"])}),
    "admitted": st.just({"time_limit_minutes": 30}),
    "service_feedback": st.just({"sufficient": True}),
    "finished": st.just({}),
    "checked_out": st.just({"card_returned": True, "ktp_returned": True}),
    "cancelled": st.just({"reason": "Tamu pulang"}),
}


@st.composite
def events(draw, min_size=1, max_size=14):
    """A set of valid events of one visit with clashing times (ties are the hard case)."""
    kinds = draw(st.lists(st.sampled_from(sorted(PAYLOADS)), min_size=min_size, max_size=max_size))
    ids = draw(st.lists(st.integers(0, 2**64), min_size=len(kinds), max_size=len(kinds), unique=True))
    out = []
    for seq, kind in enumerate(kinds, start=1):
        out.append({
            "id": str(uuid.UUID(int=ids[seq - 1], version=4)),
            "visit_id": VISIT, "seq": seq, "kind": kind, "actor": "staff:3",
            "device_time": format_time(T0 + timedelta(seconds=draw(st.integers(0, 5)))),
            "clock_offset_ms": draw(st.sampled_from([0, 1000, -1000, 400_000])),
            "payload": draw(PAYLOADS[kind]),
        })
    return out


@given(events(), st.randoms(use_true_random=False), st.data())
@settings(max_examples=300, deadline=None)
def test_derive_visit_ignores_order_and_duplicates(evs, rnd, data):
    for event in evs:
        assert validate_event(event) == {}, event
    shuffled = list(evs)
    rnd.shuffle(shuffled)
    dupes = data.draw(st.lists(st.sampled_from(evs), max_size=6))
    again = shuffled + [dict(e) for e in dupes]
    rnd.shuffle(again)
    assert derive_visit(again) == derive_visit(evs)


@given(events(min_size=2), st.data())
@settings(max_examples=200, deadline=None)
def test_stage_never_moves_back_when_events_arrive(evs, data):
    subset_size = data.draw(st.integers(1, len(evs) - 1))
    before = derive_visit(evs[:subset_size])
    after = derive_visit(evs)
    assert STAGE_RANK[after["stage"]] >= STAGE_RANK[before["stage"]]


def _event(kind, payload, seconds, event_id, offset=0):
    return {"id": event_id, "visit_id": VISIT, "seq": 1, "kind": kind, "actor": "staff:1",
            "device_time": format_time(T0 + timedelta(seconds=seconds)), "clock_offset_ms": offset,
            "payload": payload}


def test_correction_last_writer_wins_by_corrected_time():
    reg = _event("registration", {"queue_number": "A1", "id_type": "ktp", "name": "Siti"}, 0,
                 "00000000-0000-4000-8000-000000000001")
    late_device_clock = _event("correction", {"fields": {"name": "Late"}}, 100,
                               "00000000-0000-4000-8000-000000000002", offset=200_000)
    later = _event("correction", {"fields": {"name": "Later"}}, 60,
                   "00000000-0000-4000-8000-000000000003")
    # 100 s on a clock 200 s fast is -100 s on the server clock, before the 60 s correction.
    assert derive_visit([later, late_device_clock, reg])["name"] == "Later"


def test_correction_tie_is_broken_by_event_id():
    reg = _event("registration", {"queue_number": "A1", "id_type": "ktp", "name": "Siti"}, 0,
                 "00000000-0000-4000-8000-000000000001")
    a = _event("correction", {"fields": {"name": "A"}}, 10, "00000000-0000-4000-8000-00000000000a")
    b = _event("correction", {"fields": {"name": "B"}}, 10, "00000000-0000-4000-8000-00000000000b")
    assert derive_visit([b, a, reg])["name"] == "B"
    assert derive_visit([a, reg, b])["name"] == "B"


def test_checked_out_visit_does_not_return_to_admitted():
    out = _event("checked_out", {}, 50, "00000000-0000-4000-8000-000000000001")
    adm = _event("admitted", {}, 100, "00000000-0000-4000-8000-000000000002")
    assert derive_visit([out, adm])["stage"] == "checked_out"


def test_same_id_different_content_resolves_the_same_everywhere():
    a = _event("locker", {"locker_number": "L1"}, 0, "00000000-0000-4000-8000-000000000001")
    b = dict(a, payload={"locker_number": "L2"})
    assert derive_visit([a, b]) == derive_visit([b, a])
    assert content_hash(a) != content_hash(b)


@pytest.mark.parametrize("event, field", [
    ({"kind": "nope"}, "kind"),
    ({"seq": 0}, "seq"),
    ({"seq": True}, "seq"),
    ({"id": "not-a-uuid"}, "id"),
    ({"device_time": "2026-11-23 02:00"}, "device_time"),
    ({"device_time": "2026-11-23T02:00:00"}, "device_time"),  # no zone
    ({"actor": "admin"}, "actor"),
    ({"payload": {"queue_number": "A1", "id_type": "ktp", "name": ""}}, "payload.name"),
    ({"payload": {"queue_number": "A1", "id_type": "ktp", "name": "X", "id_number": "123"}},
     "payload.id_number"),
    ({"payload": {"queue_number": "A1", "id_type": "ktp", "name": "X", "host_id": "3"}},
     "payload.host_id"),
    ({"payload": {"queue_number": "A1", "id_type": "ktp", "name": "X", "nik": "1"}}, "payload.nik"),
    ({"payload": []}, "payload"),
    ({"extra": 1}, "extra"),
])
def test_invalid_event_names_the_field(event, field):
    base = _event("registration", {"queue_number": "A1", "id_type": "ktp", "name": "Siti"}, 0,
                  "00000000-0000-4000-8000-000000000001")
    base.update(event)
    assert field in validate_event(base)


def test_every_kind_accepts_its_documented_minimal_payload():
    minimal = {"registration": {"queue_number": "A1", "id_type": "sim", "name": "X"},
               "verification": {"ok": True}, "correction": {"fields": {"name": "Y"}},
               "host_unavailable": {"reason": "Cuti"}, "locker": {"locker_number": "1"},
               "screening": {"result": "clear"}, "service_feedback": {"sufficient": False},
               "returned": {"items": ["card"]}}
    for kind in EVENT_KINDS:
        event = _event(kind, minimal.get(kind, {}), 0, "00000000-0000-4000-8000-000000000001")
        if kind in ("step_done", "step_skipped"):
            event["step"] = "menghubungi_helpdesk"
        assert validate_event(event) == {}, kind


def test_identity_number_is_masked():
    assert mask_id_number("6171014506900001") == "•••• •••• •••• 0001"


def test_derive_vectors_match_rules():
    """The vectors the desk app's JavaScript port is tested against hold for the Python rules."""
    cases = json.loads(VECTORS.read_text())
    assert len(cases) >= 12
    for case in cases:
        assert derive_visit(case["events"]) == case["expected"], case["name"]
        assert derive_visit(list(reversed(case["events"]))) == case["expected"], case["name"]
