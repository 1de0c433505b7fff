"""The visit lifecycle over random walks of the shipped SOP templates (issue 12, part 9).

Walks are drawn from the real template data (every tier of every template in
server/sop/templates) by sync.test_vectors.generate_lifecycle.random_walk: at each point the
desk records what it would for the step walk_steps says is current, or turns the guest away,
cancels, skips, gives held items back; a tablet that had not seen the end may end the visit
again. The oracles here are computed from what the desk recorded, independently of
derive_visit: the outcome is the first polite refusal, screening refusal or cancellation the
desk recorded, else its first check-out; custody is the items issued minus those returned.
The same walks, seeded, are the vectors the desk app's ports are held to
(sync/test_vectors/lifecycle_walks.json, pwa/tests/lifecycle.test.mjs).
"""
import json
import random
import subprocess
import uuid
from pathlib import Path
from shutil import which

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as label_example
from hypothesis import strategies as st

from sync.rules import (
    CUSTODY_ITEMS,
    FINAL_STAGES,
    LOCATIONS,
    OUTCOMES,
    STAGE_RANK,
    corrected_time,
    derive_visit,
    format_time,
    parse_time,
    validate_event,
    walk_steps,
)
from sync.test_vectors.generate_lifecycle import VECTORS, RandomChooser, build_cases, dumps, random_walk, tiers

REPO = Path(__file__).resolve().parents[2]
TIERS = tiers()
TIER_IDS = [f"{key}/{tier}" for key, tier, _ in TIERS]
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class DrawChooser(RandomChooser):
    """The walk's choices drawn by hypothesis, so a failing walk shrinks to a short one."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def choice(self, options):
        return self.draw(st.sampled_from(options))


@st.composite
def walks(draw, tier=None):
    """Return (steps, walk) for a random walk of a tier (a random one if None) of a shipped template."""
    _, _, steps = tier or draw(st.sampled_from(TIERS))
    visit_id = str(uuid.UUID(int=draw(st.integers(0, 2**64)), version=4))
    return steps, random_walk(DrawChooser(draw), steps, visit_id)


# --- independent oracles -------------------------------------------------------------------

def id_held(payload) -> str:
    """Return the identity document a card_issued says the desk keeps ("" for none); older
    tablets send ktp_held. A null field is an absent one."""
    if payload.get("id_held") is not None:
        return payload["id_held"]
    return "ktp" if payload.get("ktp_held") else ""


def custody_ledger(events) -> tuple[dict[str, str], dict[str, str]]:
    """Return ({item: when first issued}, {item: when first given back}) by the events."""
    issued, returned = {}, {}

    def note(ledger, item, event):
        when = format_time(corrected_time(event))
        ledger[item] = min(ledger.get(item, when), when)

    for event in events:
        payload = event["payload"]
        if event["kind"] == "card_issued":
            if payload.get("card_number"):
                note(issued, "card", event)
            if id_held(payload):
                note(issued, "id_document", event)
        elif event["kind"] == "locker" and payload["locker_number"]:
            note(issued, "locker", event)
        elif event["kind"] == "returned":
            for item in payload["items"]:
                note(returned, item, event)
        elif event["kind"] == "checked_out":  # a check-out returns all it does not name as kept
            flags = {"card_returned": "card", "ktp_returned": "id_document", "locker_returned": "locker"}
            for flag, item in flags.items():
                if payload.get(flag, True) is not False:
                    note(returned, item, event)
    return issued, returned


def issued_minus_returned(events) -> list[str]:
    """Return the custody items issued and not given back, in CUSTODY_ITEMS order."""
    issued, returned = custody_ledger(events)
    return [item for item in CUSTODY_ITEMS if item in issued and item not in returned]


def custody_details(events) -> dict[str, dict]:
    """Return what the desk wrote down for each item it holds: card number, document type, locker."""
    details = {}
    for event in events:
        payload = event["payload"]
        if event["kind"] == "card_issued":
            if payload.get("card_number"):
                details["card"] = {"number": payload["card_number"]}
            if id_held(payload):
                details["id_document"] = {"type": id_held(payload)}
        elif event["kind"] == "locker" and payload["locker_number"]:
            details["locker"] = {"number": payload["locker_number"], "items": payload.get("items") or ""}
    return details


def expected_ending(endings, k) -> tuple | None:
    """Return (outcome, reason, time) the first k events give: the first polite refusal,
    screening refusal or cancellation the desk recorded, else its first check-out (a check-out
    does not hide how a visit ended: a turned-away guest also checks out)."""
    seen = [ending[1:] for ending in endings if ending[0] < k]
    decisions = [ending for ending in seen if ending[0] != "checked_out"]
    return (decisions or seen or [None])[0]


def completion_location(completion: dict | None) -> str | None:
    """Return where a step's completion puts the guest (PROTOCOL.md's table), None for nowhere."""
    if completion is None:
        return None
    kind = completion.get("kind")
    if kind == "screening":
        return "screening" if completion.get("result") == "clear" else None
    if kind == "service_feedback":
        return "finished" if completion.get("sufficient") else "with_host"
    return {"arrived": "desk", "registration": "desk", "waiting": "waiting", "locker": "screening",
            "admitted": "with_host", "finished": "finished"}.get(kind)


def walk_is_finished(steps, walked) -> bool:
    """Return True when every step a visit must go through counts as done (the seed templates
    branch forward only past optional steps, or to an end)."""
    return all(s["key"] in walked["done"] for s in steps if not s.get("marker") and not s.get("optional"))


def shuffled_with_duplicates(events, rnd: random.Random) -> list[dict]:
    sent = list(events) + [dict(rnd.choice(events)) for _ in range(rnd.randint(0, 4))]
    rnd.shuffle(sent)
    return sent


def assert_lifecycle_holds(steps, walked):
    """Check the lifecycle after each event of a walk, and at its end."""
    events = walked["events"]
    for event in events:
        assert validate_event(event) == {}, event
    by_key = {s["key"]: s for s in steps}
    before = None
    for k in range(1, len(events) + 1):
        prefix = events[:k]
        visit = derive_visit(prefix)
        walk_now = walk_steps(steps, visit)
        current = walk_now["current"]
        ending = expected_ending(walked["endings"], k)
        where = f"after event {k} ({prefix[-1]['kind']} at {prefix[-1].get('step')})"
        # On site is "no outcome" is "not in a final stage"; the outcome is the desk's ending.
        assert visit["on_site"] == (visit["outcome"] is None) == (visit["stage"] not in FINAL_STAGES), where
        assert (visit["outcome"], visit["outcome_reason"], visit["outcome_at"]) == (ending or (None, "", None)), where
        # Where the guest is: "left" exactly when the visit has an outcome; the status word.
        assert (visit["location"] == "left") == (visit["outcome"] is not None), where
        assert visit["status"] == (visit["outcome"] or visit["location"]), where
        assert visit["status"] in OUTCOMES + LOCATIONS, where
        # The current step agrees with the outcome: none once ended, except a refused guest's
        # way out to the check-out step until the check-out.
        if visit["outcome"] == "refused":
            assert current is None or (by_key[current]["event"] == "checked_out"
                                       and not visit["checked_out_at"]), where
        elif visit["outcome"] is not None:
            assert current is None, where
        else:
            # On site: a step to do exactly while the walk is not finished, and the guest is
            # where the last step done put them.
            assert (current is None) == walk_is_finished(steps, walk_now), where
            # (The desk's "Persilakan masuk" before a meeting step that ends with `finished`,
            # Tanjabbar's audience, is an `admitted` without a step: it puts the guest with the host.)
            placed = [(walk_now["done"][key], completion_location(visit["step_last"].get(key)))
                      for key in walk_now["done"]]
            placed += [(format_time(corrected_time(e)), "with_host") for e in prefix
                       if e["kind"] == "admitted" and not e.get("step")]
            places = [p for _, p in sorted(placed, key=lambda item: item[0])]
            assert visit["location"] == next((p for p in reversed(places) if p), "desk"), where
        # Custody: issued minus returned, whatever the outcome.
        assert visit["custody_outstanding"] == issued_minus_returned(prefix), where
        issued, returned = custody_ledger(prefix)
        details = custody_details(prefix)
        assert visit["custody"] == {item: {"issued_at": at, "returned_at": returned.get(item), **details[item]}
                                    for item, at in issued.items()}, where
        assert visit["skipped"] == sorted({e["step"] for e in prefix if e["kind"] == "step_skipped"}), where
        # The guest arrived at the first arrival or registration (when the guest book was opened).
        first = next(e for e in prefix if e["kind"] in ("arrived", "registration"))
        opened = first["payload"].get("consent_at") if first["kind"] == "registration" else None
        arrival = min(filter(None, (corrected_time(first), parse_time(opened))))
        assert visit["arrived_at"] == format_time(arrival), where
        if before is not None:
            # Nothing goes back as events arrive in time order.
            assert STAGE_RANK[visit["stage"]] >= STAGE_RANK[before["stage"]], where
            if before["outcome"] not in (None, "checked_out"):
                assert (visit["outcome"], visit["outcome_at"]) == (before["outcome"], before["outcome_at"]), where
            assert set(before["custody"]) <= set(visit["custody"]), where
        before = visit
    # The desk finished the walk: nothing left to do, exactly one outcome.
    assert walk_steps(steps, before)["current"] is None
    outcome, reason, at = expected_ending(walked["endings"], len(events))
    assert before["outcome"] in OUTCOMES
    assert (before["outcome"], before["outcome_reason"], before["outcome_at"]) == (outcome, reason, at)
    assert before["stage"] in FINAL_STAGES and not before["on_site"]
    assert (before["location"], before["location_at"], before["status"]) == ("left", at, outcome)


# --- properties ----------------------------------------------------------------------------

@pytest.mark.parametrize("tier", TIERS, ids=TIER_IDS)
@SETTINGS
@given(data=st.data(), cut=st.floats(0, 1), rnd=st.randoms(use_true_random=False))
def test_derivation_and_walk_do_not_depend_on_order_or_duplicates_in_any_field(tier, data, cut, rnd):
    steps, walked = data.draw(walks(tier))
    events = walked["events"][:max(1, round(cut * len(walked["events"])))]
    visit = derive_visit(events)
    for _ in range(3):
        again = derive_visit(shuffled_with_duplicates(events, rnd))
        assert again == visit
        assert walk_steps(steps, again) == walk_steps(steps, visit)


@pytest.mark.parametrize("tier", TIERS, ids=TIER_IDS)
@SETTINGS
@given(data=st.data())
def test_every_walk_ends_in_one_outcome_and_the_lifecycle_holds_at_every_point(tier, data):
    steps, walked = data.draw(walks(tier))
    label_example(f"outcome: {expected_ending(walked['endings'], len(walked['events']))[0]}")
    assert_lifecycle_holds(steps, walked)


@pytest.mark.parametrize("tier", TIERS, ids=TIER_IDS)
def test_the_lifecycle_holds_on_seeded_walks_of_every_tier(tier):
    """Walks from a seeded random.Random: more of them, spread like the vector file's."""
    steps = tier[2]
    outcomes = set()
    for n in range(80):
        rnd = random.Random(n)
        walked = random_walk(RandomChooser(rnd), steps, str(uuid.UUID(int=rnd.getrandbits(128), version=4)))
        assert_lifecycle_holds(steps, walked)
        outcomes.add(expected_ending(walked["endings"], len(walked["events"]))[0])
    assert outcomes >= {"checked_out", "turned_away", "cancelled"}


class OrdinaryDesk(RandomChooser):
    """A desk that always records the step's own event with the ordinary answer (the data
    matches, the guest is cleared, the service sufficed): the main path of a template."""

    def __init__(self):
        pass

    def integer(self, lo, hi):
        return lo

    def choice(self, options):
        return options[0]


@pytest.mark.parametrize("tier", TIERS, ids=TIER_IDS)
def test_on_the_main_path_of_every_tier_the_guest_is_with_the_host_before_leaving(tier):
    steps = tier[2]
    walked = random_walk(OrdinaryDesk(), steps, "9a2c0f5e-1111-4a2b-8c3d-0000000000aa")
    statuses = [derive_visit(walked["events"][:k])["status"] for k in range(1, len(walked["events"]) + 1)]
    assert expected_ending(walked["endings"], len(walked["events"]))[0] == "checked_out"
    assert statuses[0] == "desk" and statuses[-1] == "checked_out"
    assert "with_host" in statuses, statuses


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(day=st.lists(walks(), min_size=2, max_size=8), cuts=st.lists(st.floats(0, 1), min_size=8, max_size=8))
def test_the_on_site_roll_is_the_visits_without_an_outcome_and_reconciliation_what_is_held(day, cuts):
    roll, expected_roll, held, expected_held = [], [], {}, {}
    for (_steps, walked), cut in zip(day, cuts, strict=False):  # cuts: 8, the day: 2-8 visits
        events = walked["events"][:max(1, round(cut * len(walked["events"])))]
        visit = derive_visit(events)
        if visit["on_site"]:
            roll.append(visit["id"])
        if expected_ending(walked["endings"], len(events)) is None:
            expected_roll.append(visit["id"])
        if visit["custody_outstanding"]:
            held[visit["id"]] = visit["custody_outstanding"]
        if issued_minus_returned(events):
            expected_held[visit["id"]] = issued_minus_returned(events)
    assert roll == expected_roll
    assert held == expected_held


# --- the shared vectors (pwa/tests/lifecycle.test.mjs) ---------------------------------------------

def _vectors():
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def test_lifecycle_vectors_are_up_to_date_with_the_rules_and_templates():
    """Run `python -m sync.test_vectors.generate_lifecycle` after a rule or template change."""
    assert VECTORS.read_text(encoding="utf-8") == dumps(build_cases()), \
        "the rules or templates changed: run python -m sync.test_vectors.generate_lifecycle"


def test_lifecycle_vectors_walk_every_branch_and_end_in_every_outcome_of_every_tier():
    cases = _vectors()
    assert len(cases) >= 200
    assert any(e["kind"] == "cancelled" and "step" not in e for c in cases for e in c["events"])
    for key, tier, steps in TIERS:
        mine = [c for c in cases if (c["template"], c["tier"]) == (key, tier)]
        outcomes = {c["expected"]["visit"]["outcome"] for c in mine}
        wanted = {None, "checked_out", "turned_away", "cancelled"}
        if any(s["event"] == "screening" for s in steps):
            wanted.add("refused")
        assert outcomes == wanted, (key, tier)
        kinds = {(e["kind"], e.get("step") is not None) for c in mine for e in c["events"]}
        assert {("host_unavailable", True), ("cancelled", True)} <= kinds, (key, tier)
        if any(s["event"] in ("card_issued", "locker") for s in steps):
            assert ("returned", False) in kinds, (key, tier)
        if any(s.get("optional") or s["event"] == "locker" for s in steps):
            assert ("step_skipped", True) in kinds, (key, tier)
        for step in steps:
            for branch in step.get("branches") or []:
                taken = [e for c in mine for e in c["events"] if e.get("step") == step["key"] and all(
                    (e["kind"] if name == "kind" else e["payload"].get(name)) == value
                    for name, value in branch["on"].items())]
                assert taken, (key, tier, step["key"], branch["key"])
        # Tablets with clocks off beyond the skew limit, and two tablets on one visit.
        assert any(len({e["actor"] for e in c["events"] if e["actor"] != "guest"}) == 2 for c in mine)
        assert any(abs(e["clock_offset_ms"]) > 300_000 for c in mine for e in c["events"])


def test_lifecycle_vectors_hold_for_the_python_rules_in_any_order():
    steps_of = {(key, tier): steps for key, tier, steps in TIERS}
    rnd = random.Random(7)
    for case in _vectors():
        steps = steps_of[(case["template"], case["tier"])]
        for events in (case["events"], list(reversed(case["events"])), shuffled_with_duplicates(case["events"], rnd)):
            visit = derive_visit(events)
            assert {key: visit[key] for key in case["expected"]["visit"]} == case["expected"]["visit"], case["name"]
            assert walk_steps(steps, visit) == case["expected"]["walk"], case["name"]


@pytest.mark.skipif(which("node") is None, reason="node is not installed")
def test_the_desk_app_derives_and_walks_the_lifecycle_vectors_the_same():
    result = subprocess.run(["node", "--test", "pwa/tests/lifecycle.test.mjs"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _derive_in_the_desk_app(events) -> dict:
    script = ("import { deriveVisit } from './pwa/derive.js';"
              "process.stdout.write(JSON.stringify(deriveVisit(JSON.parse(process.argv.at(-1)))));")
    result = subprocess.run(["node", "--input-type=module", "-e", script, "--", json.dumps(events)], cwd=REPO,
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


@pytest.mark.skipif(which("node") is None, reason="node is not installed")
def test_a_check_out_with_null_flags_gives_the_same_custody_on_the_server_and_the_tablet():
    visit_id = "9a2c0f5e-1111-4a2b-8c3d-0000000000bb"
    events = [
        {"id": "00000000-0000-4000-8000-000000000001", "visit_id": visit_id, "seq": 1, "kind": "registration",
         "actor": "guest", "device_time": "2026-11-23T02:00:00.000Z", "clock_offset_ms": 0,
         "payload": {"queue_number": "A1", "id_type": "ktp", "name": "Siti"}},
        {"id": "00000000-0000-4000-8000-000000000002", "visit_id": visit_id, "seq": 2, "kind": "card_issued",
         "actor": "staff:1", "device_time": "2026-11-23T02:01:00.000Z", "clock_offset_ms": 0,
         "payload": {"card_number": "11", "id_held": "ktp"}, "step": "sambut_dan_registrasi"},
        {"id": "00000000-0000-4000-8000-000000000003", "visit_id": visit_id, "seq": 3, "kind": "checked_out",
         "actor": "staff:1", "device_time": "2026-11-23T02:05:00.000Z", "clock_offset_ms": 0,
         "payload": {"card_returned": None, "ktp_returned": None}, "step": "kembalikan_kartu"},
    ]
    assert all(validate_event(event) == {} for event in events)
    server, tablet = derive_visit(events), _derive_in_the_desk_app(events)
    assert server["custody_outstanding"] == tablet["custody_outstanding"]
    assert server["custody"] == tablet["custody"]


@pytest.mark.skipif(which("node") is None, reason="node is not installed")
def test_a_card_issued_with_a_null_ktp_held_gives_the_same_visit_on_the_server_and_the_tablet():
    visit_id = "9a2c0f5e-1111-4a2b-8c3d-0000000000cc"
    events = [
        {"id": "00000000-0000-4000-8000-000000000011", "visit_id": visit_id, "seq": 1, "kind": "card_issued",
         "actor": "staff:1", "device_time": "2026-11-23T02:01:00.000Z", "clock_offset_ms": 0,
         "payload": {"card_number": "11", "id_held": "sim"}},
        {"id": "00000000-0000-4000-8000-000000000012", "visit_id": visit_id, "seq": 2, "kind": "card_issued",
         "actor": "staff:1", "device_time": "2026-11-23T02:02:00.000Z", "clock_offset_ms": 0,
         "payload": {"card_number": "12", "ktp_held": None}},
    ]
    assert all(validate_event(event) == {} for event in events)
    server, tablet = derive_visit(events), _derive_in_the_desk_app(events)
    assert server == tablet
