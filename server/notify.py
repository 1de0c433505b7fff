"""Tell hosts a guest is waiting: e-mail queued in the database, WhatsApp click-to-chat links.

A Notification row is written in the same transaction as the visit that caused it, so a
message is never lost when the mail server is down: `send_due` retries it with exponential
backoff. Sending runs in a worker thread of the web process, or in an RQ worker when Redis
is configured, or from `sitamu notify send` (cron / systemd timer).
"""
import logging
import re
import smtplib
import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import quote

import click
from flask import current_app, request
from sqlalchemy.exc import IntegrityError

from sync.rules import CONTROL_RE

from .extensions import db
from .models import Host, Notification, Office, Visit

log = logging.getLogger("sitamu.notify")

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
SMTP_TIMEOUT = 15
# A claimed message is retried after this if its worker dies mid-send.
CLAIM_FOR = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """Return the wait before attempt `attempts + 1`: 30 s doubling, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LAST_RETRY)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- WhatsApp -----------------------------------------------------------------------------

def wa_number(phone: str | None) -> str | None:
    """Return an Indonesian phone number in wa.me form (62...), or None if it is not one."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if 10 <= len(digits) <= 15 else None


def whatsapp_link(phone: str | None, text: str) -> str | None:
    """Return a wa.me click-to-chat link with `text` prefilled, or None without a number."""
    number = wa_number(phone)
    return None if number is None else f"https://wa.me/{number}?text={quote(text, safe='')}"


def host_message(visit: Visit) -> str:
    """Return the short text telling a host who is waiting (no NIK, no phone)."""
    office = db.session.get(Office, visit.office_id)
    parts = [f"Tamu menunggu di {office.name if office else 'kantor'}: {visit.name or 'tamu'}"]
    if visit.institution:
        parts.append(f"dari {visit.institution}")
    text = " ".join(parts) + "."
    if visit.queue_number:
        text += f" Nomor antrean {visit.queue_number}."
    if visit.purpose:
        text += f" Keperluan: {visit.purpose[:200].rstrip('. ')}."
    return text


def whatsapp_text(visit: Visit) -> str:
    """Return the WhatsApp message for a host: no name or other personal data, since the
    text travels in a URL; the host opens the inbox to see who is waiting."""
    office = db.session.get(Office, visit.office_id)
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    number = f" dengan nomor antrean {visit.queue_number}" if visit.queue_number else ""
    return (f"Ada tamu{number} menunggu Bapak/Ibu di {office.name if office else 'kantor'}. "
            f"Mohon jawab di Sitamu: {base}/host/")


# -- E-mail queue ---------------------------------------------------------------------------

def header_text(value: str) -> str:
    """Return `value` fit for an e-mail header: one line, no control characters (a line break
    would start a header of its own)."""
    return " ".join(CONTROL_RE.sub(" ", value or "").split())


def queue_email(*, office_id: int, recipient: str, subject: str, body: str,
                host_id: int | None = None, visit_id: str | None = None) -> Notification:
    """Add an e-mail to the queue in the current transaction; it is sent after commit."""
    note = Notification(office_id=office_id, host_id=host_id, visit_id=visit_id, channel="email",
                        recipient=recipient.strip(), subject=header_text(subject)[:200], body=body,
                        status="queued", attempts=0, next_attempt_at=utcnow())
    db.session.add(note)
    return note


def notify_host_of_visit(visit: Visit, host: Host) -> Notification | None:
    """Queue the "a guest is waiting" e-mail to a host (None if the host has no address)."""
    if not host.email or not host.active:
        return None
    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    body = (host_message(visit) + "\n\n"
            + f"Jawab di kotak masuk tamu Anda: {base}/host/\n\n"
            + "Pesan ini dikirim otomatis oleh Sitamu.")
    return queue_email(office_id=visit.office_id, recipient=host.email, host_id=host.id,
                       visit_id=visit.id, subject=f"Tamu menunggu: {visit.queue_number or visit.name}",
                       body=body)


ERASED_BODY = "(dihapus: masa retensi berakhir / data dihapus atas permintaan)"


def forget_message(note: Notification, *, address: bool) -> None:
    """Scrub a message about a guest whose data is purged (retention or erasure): subject, body
    and, with `address`, the recipient. One still queued is never sent: it is marked failed
    ("erased") and kept for the record, as a stale one is."""
    if note.status == "queued":
        note.status, note.last_error = "failed", "erased"
    note.subject, note.body = "(dihapus)", ERASED_BODY
    if address:
        note.recipient = "(dihapus)"


def _smtp_send(note: Notification, config) -> None:
    message = EmailMessage()
    message["From"] = config["SITAMU_MAIL_FROM"]
    message["To"] = note.recipient
    message["Subject"] = header_text(note.subject)  # rows queued before subjects were cleaned
    message["Message-ID"] = make_msgid(idstring=f"sitamu-{note.id}")
    if note.appointment_id:
        from .appointments.operations import with_status_link

        message.set_content(with_status_link(note.body, note.appointment_id))
        _attach_ticket(note, message)
    else:
        message.set_content(note.body)
    with smtplib.SMTP(config["SITAMU_SMTP_HOST"], config["SITAMU_SMTP_PORT"],
                      timeout=SMTP_TIMEOUT) as smtp:
        smtp.send_message(message)


def _attach_ticket(note: Notification, message: EmailMessage) -> None:
    """Attach the ticket PDF to a guest's message about an approved appointment (rendered at
    send time, so a moved appointment's e-mail carries the ticket of its new time)."""
    from .appointments.operations import ticket_pdf
    from .models import Appointment
    from .models.appointment import ACTIVE_STATUSES

    appointment = db.session.get(Appointment, note.appointment_id)
    if (appointment is None or appointment.status not in ACTIVE_STATUSES or appointment.purged_at is not None
            or note.host_id is not None or note.recipient != (appointment.email or "")):
        return
    message.add_attachment(ticket_pdf(appointment), maintype="application", subtype="pdf",
                           filename=f"tiket-{appointment.code}.pdf")


def _error_label(exc: Exception) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}{f' {code}' if code else ''}"[:200]


def send_due(now: datetime | None = None, limit: int = 100) -> dict:
    """Send every queued message that is due; return counts of sent, retrying and failed."""
    config = current_app.config
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    if not config.get("SITAMU_SMTP_HOST"):
        return counts  # no mail server configured: nothing is queued or sent
    queue_waiting_visits(now)
    now = now or utcnow()  # after queueing, so what was just queued is due
    due = db.session.scalars(
        db.select(Notification).where(Notification.status == "queued",
                                      Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id).limit(limit)).all()
    for note in due:
        if not _claim(note, now):
            continue
        if note.visit_id and note.created_at < now - ANNOUNCE_WINDOW:
            # A "guest waiting" message hours late helps nobody; keep the row for the record.
            note.status, note.last_error = "failed", "stale"
            counts["failed"] += 1
            db.session.commit()
            continue
        note.attempts += 1
        try:
            _smtp_send(note, config)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            # The server answered and refused: retrying will not help.
            note.status, note.last_error = "failed", _error_label(exc)
            counts["failed"] += 1
        except (OSError, smtplib.SMTPException) as exc:
            note.last_error = _error_label(exc)
            if note.attempts >= MAX_ATTEMPTS:
                note.status = "failed"
                counts["failed"] += 1
            else:
                note.next_attempt_at = now + backoff(note.attempts)
                counts["retry"] += 1
            log.warning("notification %s not sent (attempt %s): %s", note.id, note.attempts,
                        note.last_error)
        except Exception as exc:  # noqa: BLE001 -- a message that cannot be built (a bad
            # address or header) fails alone: it never stops the messages queued after it.
            note.status, note.last_error = "failed", _error_label(exc)
            counts["failed"] += 1
            log.warning("notification %s cannot be sent: %s", note.id, note.last_error)
        else:
            note.status, note.sent_at, note.last_error = "sent", utcnow(), ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def _claim(note: Notification, now: datetime) -> bool:
    """Take a message for this worker only (another process may run send_due too)."""
    claimed = db.session.execute(
        # Still due means nobody else claimed it: a claim moves next_attempt_at past `now`.
        db.update(Notification).where(Notification.id == note.id, Notification.status == "queued",
                                      Notification.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_FOR)).rowcount
    db.session.commit()
    return claimed == 1


def next_due() -> datetime | None:
    """Return when the earliest queued message is due, or None when the queue is empty."""
    return db.session.scalar(db.select(db.func.min(Notification.next_attempt_at))
                             .where(Notification.status == "queued"))


# -- Dispatch: thread, RQ or nothing -------------------------------------------------------

NOTIFY_QUEUE = "sitamu-notify"  # RQ queue; `sitamu worker` listens on it and on the reports queue


def notify_mode(app) -> str:
    """Return how queued messages leave: "rq", "thread" or "off" (cron / CLI only)."""
    mode = app.config.get("SITAMU_NOTIFY_MODE")
    if mode:
        return mode
    if app.testing:
        return "off"
    return "rq" if app.config.get("SITAMU_REDIS_URL") else "thread"


class _Worker:
    """One sender thread per process: wakes on new messages and when a retry is due."""

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.stopped = False
        self.thread = threading.Thread(target=self.run, name="sitamu-notify", daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopped:
            wait = 60.0
            try:
                with self.app.app_context():
                    send_due()
                    due = next_due()
                    if due is not None:
                        wait = max(1.0, min(wait, (due - utcnow()).total_seconds()))
                    db.session.remove()
            except Exception as exc:  # keep the thread alive; the queue keeps the messages
                from .logging import log_failure

                log_failure(log, "notification worker pass failed", exc)
            self.wake.wait(wait)
            self.wake.clear()


_workers: dict[int, _Worker] = {}
_workers_lock = threading.Lock()


def kick(app) -> None:
    """Ask for queued messages to be sent now (after a commit added some)."""
    if not app.config.get("SITAMU_SMTP_HOST"):
        return  # no mail server: nothing is queued or sent (send_due does nothing either)
    mode = notify_mode(app)
    if mode == "thread":
        with _workers_lock:
            worker = _workers.get(id(app))
            if worker is None or not worker.thread.is_alive():
                worker = _workers[id(app)] = _Worker(app)
        worker.wake.set()
    elif mode == "rq":
        try:
            from redis import Redis
            from rq import Queue

            Queue(NOTIFY_QUEUE, connection=Redis.from_url(app.config["SITAMU_REDIS_URL"])) \
                .enqueue("server.notify.rq_send_due", job_timeout=300)
        except Exception:  # Redis down: the rows wait for the next kick or `sitamu notify send`
            log.warning("could not enqueue notification job; messages stay queued")


def stop_workers() -> None:
    """Stop this process's sender threads (tests, and a clean shutdown)."""
    with _workers_lock:
        for worker in _workers.values():
            worker.stopped = True
            worker.wake.set()
        for worker in _workers.values():
            worker.thread.join(timeout=10)
        _workers.clear()


def rq_send_due() -> dict:
    """RQ job: send what is due in a fresh app context."""
    from . import create_app

    app = create_app()
    with app.app_context():
        try:
            return send_due()
        except Exception as exc:
            from .logging import log_failure

            # RQ would log the exception's text, which for a database error may hold values.
            log_failure(log, "notification job failed", exc)
            raise RuntimeError(f"notification job failed: {type(exc).__name__}") from None


# -- Automatic "guest waiting" messages ----------------------------------------------------

# Stages in which the host still has to answer.
WAITING_STAGES = ("registered", "verified", "host_notified")
# Visits older than this are not announced any more, and their unsent messages are dropped
# (a mail server back from a long outage).
ANNOUNCE_WINDOW = timedelta(hours=4)


def queue_waiting_visits(now: datetime | None = None) -> int:
    """Queue one e-mail per waiting visit whose host has an address; return how many.

    Tablets push visits in bulk (no ORM events), so this scan is how a pushed visit
    becomes a message. A unique (visit, host, channel) row makes it safe to run anywhere.
    """
    now = now or utcnow()
    already = db.select(Notification.id).where(Notification.visit_id == Visit.id,
                                                Notification.host_id == Visit.host_id)
    rows = db.session.execute(
        db.select(Visit, Host).join(Host, Host.id == Visit.host_id).where(
            Visit.stage.in_(WAITING_STAGES), Visit.purged_at.is_(None),
            Visit.registered_at >= now - ANNOUNCE_WINDOW, Host.email != "", Host.active.is_(True),
            ~already.exists())).all()
    count = 0
    for visit, host in rows:
        try:
            with db.session.begin_nested():
                if notify_host_of_visit(visit, host) is not None:
                    count += 1
        except IntegrityError:  # another worker queued it first
            pass
    db.session.commit()
    return count


def init_notify(app) -> None:
    """Send host messages soon after a tablet push or a host-inbox change."""
    if app.extensions.get("sitamu_notify"):
        return
    app.extensions["sitamu_notify"] = True

    @app.before_request
    def _start_sender_once():
        # Messages left queued by a restart are sent without waiting for the next push.
        if not app.extensions.get("sitamu_notify_started"):
            app.extensions["sitamu_notify_started"] = True
            if notify_mode(app) == "thread":
                kick(app)

    @app.after_request
    def _kick_after_push(response):
        if request.endpoint in PUSH_ENDPOINTS and response.status_code < 300:
            kick(app)
        return response


PUSH_ENDPOINTS = ("api.push",)


# -- CLI -----------------------------------------------------------------------------------

@click.group("notify")
def notify_cli():
    """Host notifications (the e-mail queue)."""


@notify_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, sending as messages fall due.")
@click.option("--interval", type=click.FloatRange(1, 3600), default=30.0,
              help="Seconds between passes with --loop.")
def notify_send(loop: bool, interval: float):
    """Send the queued e-mails that are due (retrying failed ones with backoff)."""
    import sys
    import time

    if not current_app.config.get("SITAMU_SMTP_HOST"):
        click.echo("Error: SITAMU_SMTP_HOST is not set; nothing can be sent", err=True)
        sys.exit(2)
    while True:
        counts = send_due()
        waiting = db.session.scalar(db.select(db.func.count()).select_from(Notification)
                                    .where(Notification.status == "queued"))
        click.echo(f"sent {counts['sent']}, retrying {counts['retry']}, failed {counts['failed']}, "
                   f"still queued {waiting}")
        if not loop:
            sys.exit(1 if counts["retry"] or counts["failed"] else 0)
        time.sleep(interval)
