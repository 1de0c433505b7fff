"""Scheduled delivery: on the first working day of a month, each office that asks for it gets
last month's visitor register (and, in January and July, the past semester's IKM report)
made and e-mailed to its signing official and admins, with a link to download it.

`sitamu report deliver` (run daily by deploy/systemd/sitamu-deliver.timer) plans what is due:
one `ReportDispatch` row per office, report and period, so nothing is made or mailed twice.
Each is made by a queued job (RQ with Redis, retried 3 times; else in the command itself).
A dispatch that failed is tried again by the next daily run, up to MAX_ATTEMPTS. The e-mails
go through the notification queue (server/notify.py), which retries until the mail server
answers. The link opens the report's job page, behind the staff login.
"""
import logging
import re
from datetime import date, datetime, timedelta, timezone

from flask import current_app

from . import jobs
from .periods import Period

log = logging.getLogger("sitamu.reports")

MAX_ATTEMPTS = 5
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def first_working_day(year: int, month: int) -> date:
    """Return the first Monday-to-Friday day of the month."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def due_reports(today: date) -> list[tuple[str, Period]]:
    """Return the (kind, period) due on or after the first working day of `today`'s month: the
    previous month's register, and the previous semester's IKM in January and July."""
    if today < first_working_day(today.year, today.month):
        return []
    this_month = Period("month", today.year, today.month)
    due = [("register", this_month.shift(-1))]
    if today.month in (1, 7):
        due.append(("ikm", Period("semester", today.year, today.month).shift(-1)))
    return due


def parse_recipients(text: str) -> list[str]:
    """Return the addresses in `text` (one a line, or separated by commas); raise ValueError
    naming the first that is not an e-mail address."""
    found = []
    for item in re.split(r"[\s,;]+", text or ""):
        if not item:
            continue
        if not EMAIL_RE.match(item) or len(item) > 120:
            raise ValueError(f"{item!r} is not an e-mail address")
        if item.lower() not in (f.lower() for f in found):
            found.append(item)
    return found


def recipients_of(office, settings) -> list[str]:
    """Return who gets an office's reports: its signing official, extra addresses, its admins."""
    from server.extensions import db
    from server.models import StaffUser

    addresses = []
    if settings.signer_email:
        addresses.append(settings.signer_email)
    try:
        addresses += parse_recipients(settings.recipients)
    except ValueError:
        pass  # the settings form refuses bad addresses; rows written otherwise keep the good part
    if settings.to_admins:
        addresses += db.session.scalars(db.select(StaffUser.email).where(
            StaffUser.office_id == office.id, StaffUser.role == "office_admin", StaffUser.active.is_(True),
            StaffUser.email != "").order_by(StaffUser.id)).all()
    unique = []
    for address in addresses:
        if address.lower() not in (u.lower() for u in unique):
            unique.append(address)
    return unique


def plan_deliveries(today: date | None = None) -> list[int]:
    """Create the dispatches due today for every office with delivery on, and return the ids of
    those to run (new ones, and failed ones with attempts left)."""
    from server.extensions import db
    from server.models import Office, ReportDelivery, ReportDispatch

    ready = []
    rows = db.session.execute(db.select(Office, ReportDelivery).join(
        ReportDelivery, ReportDelivery.office_id == Office.id).where(ReportDelivery.enabled.is_(True))
        .order_by(Office.code)).all()
    for office, _settings in rows:
        local_today = today or datetime.now(timezone.utc).astimezone(office.tz).date()
        for kind, period in due_reports(local_today):
            dispatch = db.session.scalar(db.select(ReportDispatch).where(
                ReportDispatch.office_id == office.id, ReportDispatch.kind == kind,
                ReportDispatch.period == period.code))
            if dispatch is None:
                dispatch = ReportDispatch(office_id=office.id, kind=kind, period=period.code, state="queued",
                                          attempts=0, job_id="", recipients=0, last_error="")
                db.session.add(dispatch)
                db.session.flush()
                ready.append(dispatch.id)
            elif dispatch.state in ("queued", "failed") and dispatch.attempts < MAX_ATTEMPTS:
                ready.append(dispatch.id)
    db.session.commit()
    return ready


def enqueue_deliveries(ids: list[int]) -> str:
    """Run the dispatches: as RQ jobs (retried) with Redis, else here, one after another."""
    if current_app.config.get("SITAMU_REDIS_URL"):
        from rq import Queue, Retry

        queue = Queue(jobs.QUEUE_NAME, connection=jobs.redis_connection())
        for dispatch_id in ids:
            queue.enqueue("reports.delivery.run_dispatch", dispatch_id, job_timeout=1800,
                          retry=Retry(max=3, interval=[60, 300, 900]), result_ttl=86400, failure_ttl=7 * 86400)
        return "rq"
    for dispatch_id in ids:
        run_dispatch(dispatch_id)
    return "inline"


def run_dispatch(dispatch_id: int) -> str:
    """Make one dispatch's report and queue its e-mails; return its state (the RQ task runs it
    inside an app context: server/worker.py)."""
    from server.extensions import db
    from server.models import Office, ReportDelivery, ReportDispatch

    dispatch = db.session.get(ReportDispatch, dispatch_id)
    if dispatch is None or dispatch.state in ("mailed", "running"):
        return dispatch.state if dispatch else "missing"
    office = db.session.get(Office, dispatch.office_id)
    settings = db.session.scalar(db.select(ReportDelivery).where(ReportDelivery.office_id == office.id))
    dispatch.state, dispatch.attempts = "running", dispatch.attempts + 1
    db.session.commit()
    try:
        period = jobs.report_period(dispatch.kind, office, dispatch.period)
        job_id = jobs.report_key(jobs.data_stamp(dispatch.kind, office, period))
        # The job's status file first, so the link opens the report's job page like any other.
        jobs.write_status(job_id, job_id=job_id, kind=dispatch.kind, office_id=office.id, period=period.code,
                           filename=jobs.report_filename(dispatch.kind, office, period), state="queued",
                           progress=0, message="scheduled", error=None)
        jobs.run_job(job_id, dispatch.kind, office.id, period.code)
        status = jobs.job_status(job_id) or {}
        if status.get("state") != "done":
            raise jobs.ReportError(status.get("error") or "the report was not made")
    except Exception as exc:  # noqa: BLE001 -- recorded; the next daily run tries again
        db.session.rollback()
        dispatch = db.session.get(ReportDispatch, dispatch_id)
        dispatch.state, dispatch.last_error = "failed", type(exc).__name__[:200]
        db.session.commit()
        log.warning("scheduled report %s failed (attempt %s): %s", dispatch_id, dispatch.attempts,
                    dispatch.last_error)
        if current_app.config.get("SITAMU_REDIS_URL"):
            raise  # RQ retries the job
        return "failed"
    addresses = recipients_of(office, settings) if settings else []
    _queue_mails(office, dispatch, period, job_id, addresses)
    dispatch.state, dispatch.job_id, dispatch.recipients, dispatch.last_error = "mailed", job_id, len(addresses), ""
    db.session.commit()
    return "mailed"


def _queue_mails(office, dispatch, period: Period, job_id: str, addresses: list[str]) -> None:
    from server.notify import queue_email

    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    title = "Buku tamu bulanan" if dispatch.kind == "register" else "Laporan IKM"
    link = f"{base}/admin/reports/jobs/{job_id}"
    body = (f"{title} {office.name} untuk {period.label_id} sudah dibuat oleh Sitamu.\n\n"
            f"Unduh (masuk dengan akun Sitamu Anda): {link}\n\n"
            f"Dokumen ini siap ditandatangani oleh {office.signer_position or 'pimpinan kantor'}.\n\n"
            "Pesan ini dikirim otomatis oleh Sitamu. Pengiriman terjadwal diatur oleh admin kantor di "
            f"{base}/dashboard/delivery.")
    for address in addresses:
        queue_email(office_id=office.id, recipient=address, subject=f"{title} {office.code} {period.label_id}",
                    body=body)
    if addresses and current_app.config.get("SITAMU_REDIS_URL"):
        from server.extensions import db
        from server.notify import kick

        db.session.commit()
        kick(current_app._get_current_object())  # an RQ job sends them; inline, the command does
