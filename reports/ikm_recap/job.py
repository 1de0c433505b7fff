"""Building the recap in the background: the same job files and workers as the other reports
(reports/jobs.py), keyed by the offices, the period, the format and what the figures depend on."""
import logging
import time
import uuid
from datetime import datetime, timedelta, timezone

from flask import current_app

from .. import jobs
from ..periods import PeriodError, parse_period

log = logging.getLogger("sitamu.reports")
FORMATS = ("pdf", "xlsx")
MIMETYPES = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _offices(office_ids: list[int]) -> list:
    from server.extensions import db
    from server.models import Office

    return db.session.scalars(db.select(Office).where(Office.id.in_(office_ids)).order_by(Office.code)).all()


def recap_stamp(office_ids: list[int], period_code: str, fmt: str) -> dict:
    """Return what a recap depends on, cheaply (counts and latest changes)."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Office, SurveyResponse, Visit

    period = parse_period(period_code)
    first, last = period.shift(-1).start - timedelta(days=1), period.end + timedelta(days=1)
    responses, latest = db.session.execute(db.select(func.count(SurveyResponse.id), func.max(SurveyResponse.received_at))
                                           .where(SurveyResponse.office_id.in_(office_ids),
                                                  SurveyResponse.submitted_at >= first,
                                                  SurveyResponse.submitted_at < last)).one()
    visits = db.session.scalar(db.select(func.count(Visit.id)).where(
        Visit.office_id.in_(office_ids), Visit.registered_at >= first, Visit.registered_at < last))
    offices = db.session.scalar(db.select(func.max(Office.updated_at)).where(Office.id.in_(office_ids)))
    return {"kind": "recap", "offices": sorted(office_ids), "period": period.code, "format": fmt,
            "responses": responses, "latest": str(latest), "visits": visits, "offices_updated": str(offices),
            "template": jobs.TEMPLATE_VERSION, "version": 1}


def build_recap(office_ids: list[int], period_code: str, fmt: str, progress=None) -> tuple[bytes, dict]:
    """Make the recap of the offices for the period as PDF or XLSX bytes."""
    import io

    from . import gather_recap, render_recap_pdf, render_recap_xlsx

    if fmt not in FORMATS:
        raise jobs.ReportError(f"unknown format {fmt!r}")
    progress = progress or (lambda percent, message: None)
    period = parse_period(period_code)
    offices = _offices(office_ids)
    progress(5, "computing IKM")
    data = gather_recap(offices, period)
    progress(50, "rendering")
    if fmt == "pdf":
        body = render_recap_pdf(data)
    else:
        out = io.BytesIO()
        render_recap_xlsx(data, out)
        body = out.getvalue()
    return body, {"offices": len(offices), "respondents": data["total"]["respondents"]}


def start_recap(office_ids: list[int], period_code: str, fmt: str, user_id: int | None = None) -> dict:
    """Queue a recap (or find it made or running); return its status."""
    if fmt not in FORMATS:
        raise jobs.ReportError(f"unknown format {fmt!r}")
    period = parse_period(period_code)
    job_id = jobs.report_key(recap_stamp(office_ids, period.code, fmt))
    base = {"job_id": job_id, "kind": "recap", "office_ids": sorted(office_ids), "period": period.code,
            "format": fmt, "filename": f"rekap-ikm-{period.code}.{fmt}".lower()}
    if jobs.document_exists(job_id):
        return jobs.write_status(job_id, **base, state="done", progress=100, message="cached")
    current = jobs.job_status(job_id)
    if current and current.get("state") in ("queued", "running"):
        updated = datetime.fromisoformat(current["updated_at"])
        if datetime.now(timezone.utc) - updated < jobs.STALE_AFTER:
            return current
    status = jobs.write_status(job_id, **base, state="queued", progress=0, message="queued", error=None,
                                requested_by=user_id)
    if current_app.config.get("SITAMU_REDIS_URL"):
        from rq import Queue

        Queue(jobs.QUEUE_NAME, connection=jobs.redis_connection()).enqueue(
            "reports.ikm_recap.job.run_recap", job_id, sorted(office_ids), period.code, fmt,
            job_id=f"recap-{job_id}-{uuid.uuid4().hex[:8]}", job_timeout=900, result_ttl=3600, failure_ttl=86400)
    else:
        app = current_app._get_current_object()
        jobs._threads().submit(_run_in_app, app, job_id, sorted(office_ids), period.code, fmt)
    return status


def _run_in_app(app, *args):
    with app.app_context():
        run_recap(*args)


def run_recap(job_id: str, office_ids: list[int], period_code: str, fmt: str) -> None:
    """Build one recap and record its progress (the RQ task and the thread's body; both run it
    inside an app context: server/worker.py for RQ)."""
    from server.extensions import db

    last = [0.0]

    def progress(percent, message):
        now = time.monotonic()
        if percent >= 100 or now - last[0] > 0.3:
            last[0] = now
            jobs.write_status(job_id, state="running", progress=min(int(percent), 99), message=message)

    jobs.write_status(job_id, state="running", progress=1, message="started")
    try:
        body, stats = build_recap(office_ids, period_code, fmt, progress)
    except (jobs.ReportError, PeriodError) as exc:
        jobs.write_status(job_id, state="failed", error=str(exc), message="failed")
        return
    except Exception as exc:  # noqa: BLE001 -- a failed job must say so, not stay "running"
        from server.logging import log_failure

        log_failure(log, "recap job %s failed", exc, job_id)
        jobs.write_status(job_id, state="failed", error="internal error", message="failed")
        db.session.rollback()
        return
    try:  # kept in the database, where every node serves it
        jobs.store_document(job_id, "recap", None, parse_period(period_code).code, body, MIMETYPES[fmt])
    except jobs.ReportError as exc:
        jobs.write_status(job_id, state="failed", error=str(exc), message="failed")
        return
    jobs.write_status(job_id, state="done", progress=100, message="done", stats=stats)


def recap_file(job_id: str):
    """Return the finished recap of a job as an open file (jobs.open_document), if it is kept."""
    status = jobs.job_status(job_id)
    if not status or status.get("kind") != "recap" or status.get("format") not in FORMATS:
        return None
    return jobs.open_document(job_id)
