"""`sitamu appointments`: the day's bookings, and the daily job (no-shows, reminders)."""

import sys
from datetime import date

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Appointment, Office


@click.group("appointments")
def appointments_cli():
    """Appointments and invitations (janji temu)."""


@appointments_cli.command("list")
@click.option("--office", "office_code", required=True, help="Office code.")
@click.option("--date", "day", required=True, help="YYYY-MM-DD (office local date).")
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per line instead of a table."
)
@with_appcontext
def list_appointments(office_code: str, day: str, as_json: bool):
    """Print an office's bookings and invitations of a day (masked NIK, no phone)."""
    from sync.rules import mask_id_number

    office = db.session.scalar(db.select(Office).where(Office.code == office_code))
    if office is None:
        click.echo(f"Error: no office with code {office_code!r}", err=True)
        sys.exit(2)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        click.echo("Error: --date must be YYYY-MM-DD", err=True)
        sys.exit(2)
    rows = db.session.scalars(
        db.select(Appointment)
        .where(
            Appointment.office_id == office.id,
            Appointment.date == when,
            Appointment.purged_at.is_(None),
        )
        .order_by(Appointment.time, Appointment.queue)
    ).all()
    if as_json:
        import json

        for a in rows:
            click.echo(
                json.dumps(
                    {
                        "id": a.id,
                        "code": a.code,
                        "time": a.time,
                        "queue": a.queue,
                        "status": a.status,
                        "kind": a.kind,
                        "name": a.name,
                        "institution": a.institution,
                        "id_number_masked": mask_id_number(a.id_number),
                        "host": a.host.name if a.host else None,
                        "service": a.service.name if a.service else None,
                    },
                    ensure_ascii=False,
                )
            )
        return
    click.echo(f"{office.code} {when.isoformat()}: {len(rows)} janji temu")
    for a in rows:
        target = a.host.name if a.host else (a.service.name if a.service else "")
        click.echo(
            f"{a.time}  {a.queue:6} {a.code}  {a.status:11} {a.kind:10} {a.name} | {a.institution} | {target}"
        )


@appointments_cli.command("daily")
@with_appcontext
def daily():
    """Run the daily job: mark yesterday's missed appointments as no-shows, queue tomorrow's
    reminders, and tell desks of appointments entering their 7-day window (systemd timer)."""
    from flask import current_app

    from ..notify import kick
    from .operations import announce_coming_days, mark_no_shows, queue_reminders

    no_shows = mark_no_shows()
    reminders = queue_reminders()
    announced = announce_coming_days()
    kick(current_app._get_current_object())
    click.echo(f"no-shows {no_shows}, reminders queued {reminders}, announced to desks {announced}")


@appointments_cli.command("no-shows")
@with_appcontext
def no_shows():
    """Mark approved appointments of past days that were never checked in as no-shows."""
    from .operations import mark_no_shows

    click.echo(f"no-shows {mark_no_shows()}")


@appointments_cli.command("remind")
@with_appcontext
def remind():
    """Queue the day-before reminder e-mails of tomorrow's appointments."""
    from .operations import queue_reminders

    click.echo(f"reminders queued {queue_reminders()}")
