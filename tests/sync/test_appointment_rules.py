"""Check-in by appointment in the sync rules: the registration's `appointment_id`, the derived
`by_appointment`, and first_checkin (which of several visits keeps one appointment)."""
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.rules import LIFECYCLE_KEYS, derive_visit, first_checkin, format_time, validate_event

VECTORS = Path(__file__).resolve().parents[2] / "sync" / "test_vectors" / "first_checkin.json"
T0 = datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)
APPOINTMENT = "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab"


def registration(**payload):
    return {"id": str(uuid.uuid4()), "visit_id": str(uuid.uuid4()), "seq": 1, "kind": "registration",
            "actor": "guest", "device_time": format_time(T0), "clock_offset_ms": 0,
            "payload": {"queue_number": "A-001", "id_type": "ktp", "id_number": "6171014506900001",
                        "name": "Siti Aminah", "purpose": "Audiensi", "host_id": 1, **payload}}


def test_registration_accepts_an_appointment_id():
    assert validate_event(registration(appointment_id=APPOINTMENT)) == {}
    assert validate_event(registration(appointment_id=None)) == {}


@pytest.mark.parametrize("value", ["5F0C2A9E-7B1D-4C3E-9A8F-0123456789AB", "5f0c2a9e7b1d4c3e9a8f0123456789ab",
                                   "5F0C2A9E", "not-a-uuid", 12, "", APPOINTMENT + "\n"])
def test_registration_appointment_id_must_be_a_lower_case_uuid(value):
    assert validate_event(registration(appointment_id=value)) == {"payload.appointment_id": "must be a UUID (lower case)"}


def test_visit_with_an_appointment_id_is_by_appointment():
    event = registration(appointment_id=APPOINTMENT)
    visit = derive_visit([event])
    assert visit["by_appointment"] is True and visit["appointment_id"] == APPOINTMENT
    plain = derive_visit([registration()])
    assert plain["by_appointment"] is False and plain["appointment_id"] is None


def test_appointment_id_is_a_lifecycle_key_tablets_and_pages_get():
    assert {"by_appointment", "appointment_id"} <= set(LIFECYCLE_KEYS)


def test_a_later_registration_does_not_change_the_appointment():
    first = registration()
    later = {**registration(appointment_id=APPOINTMENT), "visit_id": first["visit_id"],
             "device_time": format_time(T0 + timedelta(minutes=1))}
    assert derive_visit([later, first])["by_appointment"] is False


# --- first_checkin -------------------------------------------------------------------------

@st.composite
def checkins(draw):
    """Check-ins of one appointment with clashing times (ties are the hard case) and ids."""
    n = draw(st.integers(1, 8))
    ids = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n, unique=True))
    out = []
    for i in ids:
        seconds = draw(st.one_of(st.none(), st.integers(0, 4)))
        ms = draw(st.sampled_from([0, 1, 999]))
        at = None if seconds is None else format_time(T0 + timedelta(seconds=seconds, milliseconds=ms))
        out.append({"visit_id": str(uuid.UUID(int=i, version=4)), "registered_at": at})
    return out


@settings(max_examples=300, deadline=None)
@given(checkins(), st.randoms(use_true_random=False), st.data())
def test_first_checkin_ignores_order_and_duplicates(given_checkins, rnd, data):
    expected = first_checkin(given_checkins)
    twice = given_checkins + data.draw(st.lists(st.sampled_from(given_checkins), max_size=6))
    rnd.shuffle(twice)
    assert first_checkin(twice) == expected


@settings(max_examples=300, deadline=None)
@given(checkins())
def test_first_checkin_is_the_earliest_registration_then_the_smaller_visit_id(given_checkins):
    winner = first_checkin(given_checkins)
    kept = next(c for c in given_checkins if c["visit_id"] == winner)
    for other in given_checkins:
        if other is kept:
            continue
        if kept["registered_at"] is None:
            assert other["registered_at"] is None and winner < other["visit_id"]
        elif other["registered_at"] is not None:
            assert (kept["registered_at"], winner) < (other["registered_at"], other["visit_id"])


@settings(max_examples=200, deadline=None)
@given(checkins(), st.data())
def test_a_later_checkin_never_takes_the_appointment(given_checkins, data):
    winner = first_checkin(given_checkins)
    kept = next(c for c in given_checkins if c["visit_id"] == winner)
    if kept["registered_at"] is None:
        return
    later = format_time(datetime.fromisoformat(kept["registered_at"].replace("Z", "+00:00"))
                        + timedelta(milliseconds=data.draw(st.integers(1, 10**7))))
    newcomer = {"visit_id": str(uuid.UUID(int=data.draw(st.integers(0, 2**64)), version=4)), "registered_at": later}
    assert first_checkin(given_checkins + [newcomer]) == winner


def test_first_checkin_of_nothing_is_none():
    assert first_checkin([]) is None


def test_first_checkin_reads_the_corrected_registration_time_of_derived_visits():
    """A tablet whose clock runs 6 minutes fast wrote a later device time but registered first: it keeps it."""
    fast = registration(appointment_id=APPOINTMENT)
    fast.update(device_time=format_time(T0 + timedelta(minutes=2)), clock_offset_ms=6 * 60_000)
    slow = registration(appointment_id=APPOINTMENT)
    slow.update(device_time=format_time(T0 + timedelta(minutes=1)))
    visits = [derive_visit([fast]), derive_visit([slow])]
    assert first_checkin([{"visit_id": v["id"], "registered_at": v["registered_at"]} for v in visits]) == fast["visit_id"]


def test_first_checkin_vectors_match_rules():
    """pwa/tests/tickets.test.mjs checks the JavaScript port against the same vectors."""
    vectors = json.loads(VECTORS.read_text())
    assert len(vectors) >= 6
    for vector in vectors:
        assert first_checkin(vector["checkins"]) == vector["expected"], vector["name"]
        shuffled = vector["checkins"][::-1] + vector["checkins"]
        random.Random(7).shuffle(shuffled)
        assert first_checkin(shuffled) == vector["expected"], vector["name"]
