"""Phone surveys: an answer by phone completes the visit's SKM step as a kiosk survey does, and
the link a tablet mints offline (sync/PROTOCOL.md, "Survey links") is accepted by the server,
before or after the visit syncs, once per visit; a forged, expired or foreign link is not."""
import hashlib
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from reports.ikm import ELEMENT_KEYS
from server.api.operations import create_survey_link, revoke_device
from server.api.survey_links import mint_token
from server.models import SurveyLink, SurveyResponse, Visit, VisitEvent

ANSWERS = {f"q_{k}": "4" for k in ELEMENT_KEYS} | {"q_waktu": "3", "gender": "L", "age_band": "40-49"}
TOKEN_OF = {}


@pytest.fixture
def kaltim(make_office, make_service, tablet_for):
    """A Kaltim office (its SOP ends with the SKM step) with a service and an enrolled tablet."""
    office = make_office(sop_template="kaltim-2022", code="KALTIM-T", timezone="Asia/Makassar")
    service = make_service(office=office, name="Konsultasi UKM")
    tablet = tablet_for(office)
    return office, service, tablet


def push(client, tablet, *events):
    response = client.post("/api/v1/push", json={"protocol": 1, "events": list(events)}, headers=tablet.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ack"]


def minted(tablet, visit_id, expires_in=timedelta(hours=24), token=None):
    token_hash = hashlib.sha256((token or tablet.token).encode()).hexdigest()
    return mint_token(tablet.device.uid, token_hash, visit_id, datetime.now(timezone.utc) + expires_in)


def skm_done(db, visit_id):
    db.session.expire_all()
    visit = db.session.get(Visit, visit_id)
    return bool(((visit.state or {}).get("steps") or {}).get("isi_skm"))


def test_phone_answer_completes_the_skm_step_like_a_kiosk_survey(db, app, kaltim):
    office, service, tablet = kaltim
    client = app.test_client()
    registration = tablet.registration(service_id=service.id, host_id=None)
    push(client, tablet, registration)
    visit_id = registration["visit_id"]
    assert not skm_done(db, visit_id)
    token, _, _ = create_survey_link(tablet.device, visit_id)
    answer = client.post(f"/p/survey/{token}", data=ANSWERS)
    assert answer.status_code == 200 and "Terima kasih" in answer.get_data(as_text=True)
    assert skm_done(db, visit_id)
    step_event = db.session.scalar(select(VisitEvent).where(VisitEvent.visit_id == visit_id, VisitEvent.step == "isi_skm"))
    assert step_event.kind == "step_done" and step_event.actor == "guest"
    # The tablets see it in their next pull, as the server derived it.
    pulled = client.get("/api/v1/pull?cursor=&limit=500", headers=tablet.headers).get_json()
    visit = next(c["data"] for c in pulled["changes"] if c["entity"] == "visit" and c["id"] == visit_id)
    assert visit["state"]["steps"].get("isi_skm")


def test_minted_link_for_a_synced_visit_completes_the_step(db, app, kaltim):
    office, service, tablet = kaltim
    client = app.test_client()
    registration = tablet.registration(service_id=service.id, host_id=None)
    push(client, tablet, registration)
    token = minted(tablet, registration["visit_id"])
    assert client.get(f"/p/survey/{token}").status_code == 200
    assert client.post(f"/p/survey/{token}", data=ANSWERS).status_code == 200
    assert skm_done(db, registration["visit_id"])
    response = db.session.scalar(select(SurveyResponse))
    assert response.visit_id == registration["visit_id"] and response.service_id == service.id
    assert response.source == "phone" and response.waktu == 3
    link = db.session.scalar(select(SurveyLink))
    assert link.used_at is not None and link.response_id == response.id and link.device_id == tablet.device.id


def test_answer_before_the_visit_synced_is_kept_and_attached_when_it_arrives(db, app, kaltim):
    office, service, tablet = kaltim
    client = app.test_client()
    visit_id = str(uuid.uuid4())
    token = minted(tablet, visit_id)
    # The desk is offline; the guest's phone is not.
    assert client.get(f"/p/survey/{token}").status_code == 200
    answer = client.post(f"/p/survey/{token}", data=ANSWERS)
    assert answer.status_code == 200 and "Terima kasih" in answer.get_data(as_text=True)
    kept = db.session.scalar(select(SurveyResponse))
    assert kept.visit_id == visit_id and kept.office_id == office.id and kept.service_id is None
    assert db.session.get(Visit, visit_id) is None
    # The desk comes back online and pushes the visit.
    push(client, tablet, tablet.registration(visit_id=visit_id, service_id=service.id, host_id=None))
    assert skm_done(db, visit_id)
    kept = db.session.scalar(select(SurveyResponse))
    assert kept.service_id == service.id
    assert db.session.scalar(select(db.func.count()).select_from(SurveyResponse)) == 1
    # The link is spent.
    assert client.get(f"/p/survey/{token}").status_code == 404


def test_one_response_per_visit_whatever_the_link(db, app, kaltim):
    office, service, tablet = kaltim
    client = app.test_client()
    registration = tablet.registration(service_id=service.id, host_id=None)
    push(client, tablet, registration)
    first = minted(tablet, registration["visit_id"])
    second = minted(tablet, registration["visit_id"], expires_in=timedelta(hours=23))  # the QR drawn again later
    assert first != second
    assert client.post(f"/p/survey/{first}", data=ANSWERS).status_code == 200
    assert client.post(f"/p/survey/{first}", data=ANSWERS).status_code == 404
    assert client.get(f"/p/survey/{second}").status_code == 404
    assert client.post(f"/p/survey/{second}", data=ANSWERS).status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(SurveyResponse)) == 1


@pytest.mark.parametrize("case", ["other_key", "expired", "far_ahead", "revoked", "tampered", "other_office"])
def test_forged_expired_or_foreign_minted_links_are_refused(db, app, kaltim, make_office, tablet_for, case):
    office, service, tablet = kaltim
    client = app.test_client()
    visit_id = str(uuid.uuid4())
    if case == "other_key":
        token = minted(tablet, visit_id, token="not-the-device-token")
    elif case == "expired":
        token = minted(tablet, visit_id, expires_in=timedelta(minutes=-1))
    elif case == "far_ahead":
        token = minted(tablet, visit_id, expires_in=timedelta(days=30))
    elif case == "revoked":
        token = minted(tablet, visit_id)
        revoke_device(tablet.device, None)
    elif case == "tampered":
        token = minted(tablet, visit_id)
        token = token.replace(visit_id.replace("-", "")[:8], "00000000")
    else:  # the visit belongs to another office
        other = tablet_for(make_office(code="LAIN", sop_template="kaltim-2022"))
        push(client, other, other.registration(visit_id=visit_id, host_id=None))
        token = minted(tablet, visit_id)
    assert client.get(f"/p/survey/{token}").status_code == 404
    assert client.post(f"/p/survey/{token}", data=ANSWERS).status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(SurveyResponse)) == 0
    assert db.session.scalar(select(db.func.count()).select_from(SurveyLink)) == 0


def test_minted_token_matches_the_shared_vector():
    import json
    from pathlib import Path

    vector = json.loads((Path(__file__).resolve().parents[2] / "sync/test_vectors/survey_link.json").read_text())
    token_hash = hashlib.sha256(vector["device_token"].encode()).hexdigest()
    expires = datetime.fromtimestamp(vector["expires_at"], timezone.utc)
    assert mint_token(vector["device_uid"], token_hash, vector["visit_id"], expires) == vector["token"]
