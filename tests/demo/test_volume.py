"""Adding benchmark volume to a demo office: exactly N visits, or nothing at all."""
from datetime import date

import pytest
from sqlalchemy import func, select

from server.demo import DemoError, add_volume
from server.models import Office, SurveyResponse, Visit, VisitEvent

from .conftest import custody_overlaps


def counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Visit, VisitEvent, SurveyResponse, Office))


def visits_in(db, office, year, month):
    return [v for v in db.session.scalars(select(Visit).where(Visit.office_id == office.id))
            if (office.local(v.consent_at).year, office.local(v.consent_at).month) == (year, month)]


def test_add_volume_adds_exactly_n_visits_with_events_and_surveys(demo_ctx):
    office = demo_ctx.session.scalar(select(Office).where(Office.code == "KALTIM-DP2KUKM"))
    visits_before, events_before, surveys_before, _ = counts(demo_ctx)
    summary = add_volume("KALTIM-DP2KUKM", "2026-09", 120, seed=5)
    visits_after, events_after, surveys_after, _ = counts(demo_ctx)
    assert visits_after - visits_before == 120
    assert "Added 120 visits to KALTIM-DP2KUKM in 2026-09" in summary
    assert events_after - events_before >= 120 * 3
    assert 0.4 * 120 <= surveys_after - surveys_before <= 120
    september = visits_in(demo_ctx, office, 2026, 9)
    assert len(september) == 120
    assert all(office.local(v.consent_at).weekday() < 5 for v in september)
    # The same call again adds 120 new visits rather than repeating the first ones.
    add_volume("KALTIM-DP2KUKM", "2026-09", 120, seed=5)
    assert counts(demo_ctx)[0] - visits_after == 120
    assert len(visits_in(demo_ctx, office, 2026, 9)) == 240


def test_added_visits_take_only_cards_and_lockers_no_one_holds(demo_ctx):
    office = demo_ctx.session.scalar(select(Office).where(Office.code == "TANJABBAR-SETDA"))
    add_volume("TANJABBAR-SETDA", "2026-10", 600, seed=9)  # into the demo month, twice as busy
    overlaps, handed_out = custody_overlaps(demo_ctx, office)
    assert overlaps == [] and handed_out > 1000


def test_added_visits_continue_each_tablets_sequence(demo_ctx):
    office = demo_ctx.session.scalar(select(Office).where(Office.code == "TANJABBAR-SETDA"))
    add_volume("TANJABBAR-SETDA", "2026-08", 30, seed=9)
    rows = demo_ctx.session.execute(select(VisitEvent.device_id, VisitEvent.device_seq).where(
        VisitEvent.office_id == office.id)).all()
    by_device = {}
    for device_id, seq in rows:
        by_device.setdefault(device_id, []).append(seq)
    for seqs in by_device.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))


@pytest.mark.parametrize("office_code,month,visits,message", [
    ("JAKARTA-X", "2026-10", 10, "no office with code 'JAKARTA-X'"),
    ("KALBAR-BPBJ", "2026-13", 10, "month must be YYYY-MM"),
    ("KALBAR-BPBJ", "26-10", 10, "month must be YYYY-MM"),
    ("KALBAR-BPBJ", "Oktober 2026", 10, "month must be YYYY-MM"),
    ("KALBAR-BPBJ", "", 10, "month must be YYYY-MM"),
    ("KALBAR-BPBJ", "2026-10", 0, "at least 1"),
    ("KALBAR-BPBJ", "2026-10", -5, "at least 1"),
    ("KALBAR-BPBJ", "2026-10", "10", "at least 1"),
    ("KALBAR-BPBJ", "2026-10", 10**7, "at most"),
])
def test_bad_volume_request_is_refused_and_stores_nothing(demo_ctx, office_code, month, visits, message):
    before = counts(demo_ctx)
    with pytest.raises(DemoError) as info:
        add_volume(office_code, month, visits)
    assert message in str(info.value)
    assert counts(demo_ctx) == before


def test_volume_for_an_office_that_is_not_a_demo_office_is_refused(demo_ctx):
    demo_ctx.session.add(Office(code="KANTOR-LAIN", name="Kantor Lain", sop_template="kalbar-2021"))
    demo_ctx.session.commit()
    before = counts(demo_ctx)
    with pytest.raises(DemoError) as info:
        add_volume("KANTOR-LAIN", "2026-10", 5)
    assert "not one of the demo offices" in str(info.value)
    assert counts(demo_ctx) == before


def test_volume_in_a_short_future_month_lands_in_that_month(demo_ctx):
    office = demo_ctx.session.scalar(select(Office).where(Office.code == "KALBAR-BPBJ"))
    add_volume("KALBAR-BPBJ", "2027-02", 7, seed=1)
    february = visits_in(demo_ctx, office, 2027, 2)
    assert len(february) == 7
    assert {office.local(v.consent_at).date() for v in february} <= {
        date(2027, 2, d) for d in range(1, 29)}
