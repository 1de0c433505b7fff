"""Data-subject requests (UU 27/2022): find a guest's visits by NIK, export, correct, erase.

Each operation writes the audit log (ids and field names only). A search never stores or
logs the NIK; it is turned into the keyed lookup hash at once.
"""
import base64
from datetime import datetime

from sqlalchemy import select

from ..audit import record_audit
from ..crypto import nik_lookup_hash
from ..extensions import db
from ..models import Attachment, Host, Service, SurveyResponse, Visit, VisitEvent
from ..models.base import utcnow
from .retention import delete_unreferenced_blobs, forget_freed_pages, purge_visit

# Fields an admin may correct, as the sync rules' correction event names them.
CORRECTABLE = ("name", "id_number", "phone", "institution", "address", "purpose")
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
            "pengaduan", "sarana")


def find_visits_by_nik(nik: str, office_ids: list[int] | None) -> list[Visit]:
    """Return the visits (not yet purged) whose NIK is `nik`, within `office_ids` (None: all)."""
    query = select(Visit).where(Visit.nik_hash == nik_lookup_hash(nik), Visit.purged_at.is_(None))
    if office_ids is not None:
        query = query.where(Visit.office_id.in_(office_ids))
    return list(db.session.scalars(query.order_by(Visit.registered_at.desc().nulls_last(), Visit.id)))


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def _blob(sha: str | None) -> dict | None:
    if not sha:
        return None
    attachment = db.session.get(Attachment, sha)
    if attachment is None:
        return {"sha256": sha, "received": False}
    return {"sha256": sha, "received": True, "content_type": attachment.content_type,
            "base64": base64.b64encode(attachment.data).decode()}


def export_visit(visit: Visit) -> dict:
    """Return everything Sitamu holds about one visit, personal data decrypted."""
    from ..api.operations import unseal_payload

    office = visit.office
    host = db.session.get(Host, visit.host_id) if visit.host_id else None
    service = db.session.get(Service, visit.service_id) if visit.service_id else None
    events = db.session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id)
                                .order_by(VisitEvent.corrected_time, VisitEvent.id)).all()
    surveys = db.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)).all()
    return {
        "visit_id": visit.id,
        "office": {"code": office.code, "name": office.name, "timezone": office.timezone},
        "guest": {"id_type": visit.id_type, "id_number": visit.id_number, "name": visit.name,
                  "phone": visit.phone, "institution": visit.institution, "address": visit.address},
        "purpose": visit.purpose,
        "host": {"name": host.name, "position": host.position} if host else None,
        "service": service.name if service else None,
        "stage": visit.stage,
        "queue_number": visit.queue_number,
        "card_number": visit.card_number,
        "consent": {"version": visit.consent_version, "at": _iso(visit.consent_at)},
        "times_utc": {"registered": _iso(visit.registered_at), "admitted": _iso(visit.admitted_at),
                      "finished": _iso(visit.finished_at), "checked_out": _iso(visit.checked_out_at)},
        "photo": _blob(visit.photo_sha),
        "signature": _blob(visit.signature_sha),
        "events": [{"id": e.id, "kind": e.kind, "step": getattr(e, "step", None), "actor": e.actor,
                    "time_utc": _iso(e.corrected_time), "payload": unseal_payload(e.kind, e.payload or {})}
                   for e in events],
        "survey": [{"submitted_utc": _iso(s.submitted_at), "answers": {k: getattr(s, k) for k in ELEMENTS},
                    "saran": s.saran} for s in surveys],
        "retention_days": office.retention_days,
    }


def export_visits(visits: list[Visit], user) -> dict:
    """Return the export document for a guest's visits; audit each visit exported."""
    for visit in visits:
        record_audit("privacy.export", office_id=visit.office_id, target_type="visit",
                     target_id=visit.id, user_id=user.id)
    db.session.commit()
    return {"exported_at": _iso(utcnow()), "generator": "Sitamu",
            "note": "Salinan data pribadi tamu (UU No. 27 Tahun 2022, hak akses dan salinan).",
            "visits": [export_visit(v) for v in visits]}


def correct_visit(visit: Visit, changes: dict, user) -> list[str]:
    """Correct registration fields through a server-made correction event; return the fields changed."""
    from ..api.operations import record_server_event

    current = {name: getattr(visit, name) or "" for name in CORRECTABLE}
    fields = {k: v for k, v in changes.items() if k in CORRECTABLE and v != current[k]}
    if not fields:
        return []
    visit_id, office_id = visit.id, visit.office_id
    record_audit("privacy.correct", office_id=office_id, target_type="visit", target_id=visit_id,
                 detail={"fields": sorted(fields)}, user_id=user.id)
    record_server_event(visit, "correction", {"fields": fields}, actor=f"staff:{user.id}")
    return sorted(fields)


def erase_visits(visits: list[Visit], user, reference: str = "") -> int:
    """Erase the personal data of these visits at the guest's request, in one transaction."""
    from ..appointments.operations import purge_guest_appointments

    blobs: set[str] = set()
    now = utcnow()
    # The guest's bookings go with the visits: those checked in by them, and those made with
    # the same NIK at the same offices (read before the purge clears the lookup hash).
    purge_guest_appointments(visits, now)
    for visit in visits:
        blobs |= purge_visit(visit, now)
        record_audit("privacy.erase", office_id=visit.office_id, target_type="visit",
                     target_id=visit.id, detail={"reference": reference}, user_id=user.id)
    db.session.flush()
    delete_unreferenced_blobs(blobs)
    db.session.commit()
    forget_freed_pages()
    return len(visits)
