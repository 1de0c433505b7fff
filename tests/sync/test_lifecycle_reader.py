"""One reader of a stored visit's lifecycle (sync.lifecycle): the staff pages and the reports agree.

Rows derived with the lifecycle are read from their state; older rows (a purged visit the
lifecycle migration could not derive again) from their columns, in the protocol's order.
"""
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from reports.outcome import visit_lifecycle
from server import lifecycle
from server.api.operations import ingest_batch
from server.models import Visit
from sync.lifecycle import read_custody, read_lifecycle

T0 = datetime(2026, 10, 6, 1, 0, tzinfo=timezone.utc)


def old_row(**columns):
    """Return the columns of a visit stored before the lifecycle was kept (no outcome key)."""
    row = {"state": {}, "stage": "registered", "screening": "", "unavailable_reason": "", "cancel_reason": "",
           "consent_at": None, "registered_at": T0, "checked_out_at": None, "admitted_at": None,
           "card_number": "", "ktp_held": False, "id_type": "ktp", "locker_number": ""}
    row.update(columns)
    return SimpleNamespace(**row)


OUT = T0 + timedelta(minutes=40)

# (columns, (status, outcome, outcome_reason, outcome_at))
OLD_ROWS = [
    ({}, ("desk", None, "", None)),
    ({"stage": "admitted"}, ("with_host", None, "", None)),
    ({"stage": "finished"}, ("finished", None, "", None)),
    ({"stage": "checked_out", "checked_out_at": OUT}, ("checked_out", "checked_out", "", OUT)),
    # A turned-away host decides before the check-out (PROTOCOL: "the first ... decides").
    ({"stage": "checked_out", "checked_out_at": OUT, "unavailable_reason": " Rapat di luar "},
     ("turned_away", "turned_away", "Rapat di luar", OUT)),
    ({"stage": "host_unavailable"}, ("turned_away", "turned_away", "", None)),
    ({"stage": "checked_out", "screening": "refused", "checked_out_at": OUT}, ("refused", "refused", "", OUT)),
    ({"stage": "refused", "checked_out_at": OUT}, ("refused", "refused", "", OUT)),
    ({"stage": "cancelled", "cancel_reason": "Tidak jadi", "state": {"cancelled_at": "2026-10-06T01:30:00.000Z"}},
     ("cancelled", "cancelled", "Tidak jadi", T0 + timedelta(minutes=30))),
    # A check-out time without the stage (a row whose stage was not moved on) still ended the visit.
    ({"stage": "finished", "checked_out_at": OUT}, ("checked_out", "checked_out", "", OUT)),
]


@pytest.mark.parametrize("columns, expected", OLD_ROWS)
def test_a_row_without_a_lifecycle_is_read_from_its_columns_in_the_protocol_order(columns, expected):
    life = read_lifecycle(columns.get("state", {}), old_row(**columns))
    assert (life["status"], life["outcome"], life["outcome_reason"], life["outcome_at"]) == expected
    assert life["on_site"] is (expected[1] is None)
    assert life["location"] == ("left" if expected[1] else expected[0])


@pytest.mark.parametrize("columns, expected", OLD_ROWS)
def test_the_staff_pages_and_the_reports_read_an_old_row_alike(columns, expected):
    row = old_row(**columns)
    page, report = lifecycle.read(row), visit_lifecycle(row)
    assert (page.outcome, page.outcome_reason, page.outcome_at, page.arrived_at) == \
        (report.outcome, report.reason, report.outcome_at, report.arrived_at)
    assert page.status == expected[0]


def test_an_old_row_arrived_when_the_guest_opened_the_guest_book():
    row = old_row(consent_at=T0 - timedelta(minutes=12))
    assert read_lifecycle({}, row)["arrived_at"] == T0 - timedelta(minutes=12)
    assert lifecycle.read(row).arrived_at == visit_lifecycle(row).arrived_at == T0 - timedelta(minutes=12)


def test_an_old_rows_custody_is_returned_at_the_check_out_unless_kept():
    row = old_row(stage="checked_out", checked_out_at=OUT, card_number="7", ktp_held=True, id_type="sim",
                  locker_number="L-3", state={"returned": {"ktp_returned": False}})
    custody, outstanding = read_custody(row.state, row)
    assert custody == {"card": {"number": "7", "issued_at": None, "returned_at": OUT},
                       "id_document": {"type": "sim", "issued_at": None, "returned_at": None},
                       "locker": {"number": "L-3", "items": "", "issued_at": None, "returned_at": OUT}}
    assert outstanding == ["id_document"]


def test_a_derived_state_wins_over_the_columns():
    state = {"outcome": "turned_away", "outcome_reason": "Dinas luar", "outcome_at": "2026-10-06T01:20:00.000Z",
             "arrived_at": "2026-10-06T00:55:00.000Z", "location": "left", "status": "turned_away",
             "by_appointment": True, "custody": {"card": {"number": "9", "issued_at": "2026-10-06T00:58:00.000Z",
                                                          "returned_at": None}},
             "custody_outstanding": ["card"]}
    row = old_row(state=state, stage="checked_out", checked_out_at=OUT)
    life = read_lifecycle(state, row)
    assert (life["status"], life["outcome"], life["outcome_reason"], life["by_appointment"]) == \
        ("turned_away", "turned_away", "Dinas luar", True)
    assert (life["outcome_at"], life["arrived_at"]) == (T0 + timedelta(minutes=20), T0 - timedelta(minutes=5))
    custody, outstanding = read_custody(state, row)
    assert custody["card"]["issued_at"] == T0 - timedelta(minutes=2) and outstanding == ["card"]


def test_pushed_visits_read_alike_on_the_pages_and_in_the_reports(db, make_host, tablet_for):
    tablet = tablet_for()
    host = make_host(tablet.device.office)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    events = [tablet.registration(ids[0], host.id, queue_number="A-001"),
              tablet.event(ids[0], "card_issued", {"card_number": "4", "ktp_held": True}),
              tablet.event(ids[0], "admitted", {"time_limit_minutes": 30}),
              tablet.registration(ids[1], host.id, queue_number="A-002"),
              tablet.event(ids[1], "host_unavailable", {"reason": "Sedang rapat"}),
              tablet.event(ids[1], "checked_out", {}),
              tablet.registration(ids[2], host.id, queue_number="A-003"),
              tablet.event(ids[2], "cancelled", {"reason": "Tidak jadi"})]
    ack = ingest_batch(tablet.device, events, [])["ack"]
    assert len(ack["stored"]) == len(events)
    seen = {}
    for visit_id in ids:
        visit = db.session.get(Visit, visit_id)
        page, report = lifecycle.read(visit), visit_lifecycle(visit)
        assert (page.outcome, page.outcome_reason, page.outcome_at, page.arrived_at) == \
            (report.outcome, report.reason, report.outcome_at, report.arrived_at)
        seen[visit_id] = (page.status, page.custody_outstanding)
    assert seen == {ids[0]: ("with_host", ["card", "id_document"]), ids[1]: ("turned_away", []),
                    ids[2]: ("cancelled", [])}
