"""The demo data is the same for the same seed and day: no wall-clock randomness."""
from sqlalchemy import select

from server.demo import load_demo
from server.models import Host, SurveyResponse, Visit, VisitEvent

from .conftest import TODAY, wipe


def snapshot(db):
    hosts = {h.id: h.name for h in db.session.scalars(select(Host))}
    visits = {v.id: (v.office.code, v.stage, v.queue_number, v.id_type, v.id_number, v.name, v.phone, v.institution,
                     v.address, v.purpose, hosts.get(v.host_id), v.tier, v.registered_at, v.finished_at,
                     v.checked_out_at, v.unavailable_reason, v.cancel_reason)
              for v in db.session.scalars(select(Visit))}
    events = sorted((e.id, e.visit_id, e.device_seq, e.kind, e.step, e.corrected_time, e.content_hash)
                    for e in db.session.scalars(select(VisitEvent)))
    surveys = sorted((s.id, s.visit_id, s.submitted_at, s.persyaratan, s.waktu, s.sarana, s.saran)
                     for s in db.session.scalars(select(SurveyResponse)))
    return visits, events, surveys


def test_same_seed_and_day_give_identical_visits_events_and_surveys(db):
    load_demo(seed=11, today=TODAY)
    first = snapshot(db)
    wipe()
    load_demo(seed=11, today=TODAY)
    second = snapshot(db)
    assert len(first[0]) > 500
    assert first == second
    wipe()
    load_demo(seed=12, today=TODAY)
    third = snapshot(db)
    assert not set(first[0]) & set(third[0])
