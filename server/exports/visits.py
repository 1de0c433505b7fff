"""The month's visits and survey responses of an office as spreadsheet rows.

Identity numbers are masked as on every other output (sync.rules.mask_id_number); phones,
photos and signatures are never exported. Times are the office's local time.
"""
from datetime import datetime

from sqlalchemy import select

from reports.ikm import ELEMENT_KEYS
from sync.rules import mask_id_number

from ..extensions import db
from ..models import Host, Office, Service, SurveyResponse, Visit

VISIT_HEADER = ["Kode kantor", "Tanggal", "Jam daftar", "No. antrean", "Nama", "Jenis identitas",
                "No. identitas (disamarkan)", "Instansi", "Keperluan", "Pejabat dituju", "Layanan",
                "Tahap", "Hasil", "Alasan", "Diterima", "Keluar", "Lama kunjungan (menit)",
                "Menunggu sebelum diterima (menit)"]
VISIT_WIDTHS = [16, 12, 17, 10, 28, 10, 22, 28, 36, 28, 28, 14, 14, 30, 17, 17, 12, 12]
RESPONSE_HEADER = ["Kode kantor", "Tanggal", "Waktu", "Sumber", "Layanan", "Pejabat",
                   *[f"U{n} {key}" for n, key in enumerate(ELEMENT_KEYS, 1)],
                   "Jenis kelamin", "Usia", "Pendidikan", "Pekerjaan", "Saran"]
RESPONSE_WIDTHS = [16, 12, 17, 8, 28, 28, *[9] * 9, 8, 8, 12, 16, 40]


def _local(office: Office, when: datetime | None) -> datetime | None:
    return None if when is None else office.local(when).replace(tzinfo=None)


def _minutes(start, end) -> float | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _names(model, office_id: int) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name).where(model.office_id == office_id)).all())


def visit_rows(office: Office, period):
    """Yield one row per visit registered in the period (local zone), oldest first."""
    p = period.in_zone(office.timezone)
    hosts, services = _names(Host, office.id), _names(Service, office.id)
    query = (select(Visit.registered_at, Visit.admitted_at, Visit.checked_out_at, Visit.queue_number, Visit.name,
                    Visit.id_type, Visit.id_number, Visit.institution, Visit.purpose, Visit.host_id,
                    Visit.service_id, Visit.stage, Visit.unavailable_reason, Visit.cancel_reason,
                    Visit.state["outcome"].as_string().label("outcome"),
                    Visit.state["outcome_reason"].as_string().label("outcome_reason"))
             .where(Visit.office_id == office.id, Visit.registered_at >= p.start, Visit.registered_at < p.end)
             .order_by(Visit.registered_at, Visit.id).execution_options(yield_per=1000))
    tz = office.tz
    for v in db.session.execute(query):
        local = v.registered_at.astimezone(tz).replace(tzinfo=None)
        reason = v.outcome_reason or v.cancel_reason or v.unavailable_reason or ""
        yield [office.code, local.date(), local, v.queue_number, v.name, v.id_type, mask_id_number(v.id_number),
               v.institution, v.purpose, hosts.get(v.host_id, ""), services.get(v.service_id, ""), v.stage,
               v.outcome or "", reason, _local(office, v.admitted_at), _local(office, v.checked_out_at),
               _minutes(v.registered_at, v.checked_out_at), _minutes(v.registered_at, v.admitted_at)]


def response_rows(office: Office, period):
    """Yield one row per survey response submitted in the period (local zone), oldest first."""
    p = period.in_zone(office.timezone)
    hosts, services = _names(Host, office.id), _names(Service, office.id)
    query = (select(SurveyResponse).where(
        SurveyResponse.office_id == office.id, SurveyResponse.submitted_at >= p.start,
        SurveyResponse.submitted_at < p.end).order_by(SurveyResponse.submitted_at, SurveyResponse.id)
        .execution_options(yield_per=1000))
    for r in db.session.scalars(query):
        local = _local(office, r.submitted_at)
        yield [office.code, local.date(), local, r.source, services.get(r.service_id, ""), hosts.get(r.host_id, ""),
               *[getattr(r, key) for key in ELEMENT_KEYS], r.gender, r.age_band, r.education, r.occupation, r.saran]
