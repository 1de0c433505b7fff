"""Commands of the trust area: key rotation, retention, backup and restore."""
import json
import sys

import click
from flask.cli import with_appcontext


def _fail(message: str, code: int = 2):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.command("rotate-key")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
@click.option("--check", is_flag=True, help="Only count the values still under older keys.")
@with_appcontext
def rotate_key(batch_size, check):
    """Re-encrypt personal data under the current SITAMU_DATA_KEY (resumable).

    Put the new key in SITAMU_DATA_KEY and the old one in SITAMU_DATA_KEYS_OLD, then run
    this until it reports nothing remaining; only then remove the old key.
    """
    from .keys import count_stale, rotate_keys

    if check:
        stale = count_stale()
        click.echo(json.dumps({"remaining": stale}))
        sys.exit(0 if not any(stale.values()) else 1)
    report = rotate_keys(batch_size=batch_size,
                         progress=lambda table, n: click.echo(f"{table}: {n} re-encrypted", err=True))
    click.echo(json.dumps({"key_id": report.key_id, "rewritten": report.rewritten,
                           "unreadable": report.unreadable, "remaining": report.remaining}))
    if report.unreadable:
        _fail("some values could not be decrypted with any known key (SITAMU_DATA_KEYS_OLD); "
              "they were left untouched", 1)


@click.group("retention")
def retention():
    """Remove personal data past each office's retention period."""


@retention.command("run")
@click.option("--office", "office_code", default=None, help="Only this office (code).")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=200, show_default=True)
@with_appcontext
def retention_run(office_code, batch_size):
    """Purge visits older than the office's retention_days; print a JSON summary."""
    from ..extensions import db
    from ..models import Office
    from .retention import run_retention

    if office_code and db.session.scalar(db.select(Office.id).where(Office.code == office_code)) is None:
        _fail(f"no office with code {office_code!r}")
    report = run_retention(office_code=office_code, batch_size=batch_size)
    click.echo(json.dumps(report.as_dict()))


@retention.command("status")
@with_appcontext
def retention_status():
    """Print, per office, the retention period and how many visits are due for purging."""
    from datetime import timedelta

    from ..extensions import db
    from ..models import Office, Visit
    from ..models.base import utcnow

    now = utcnow()
    out = {}
    for office in db.session.scalars(db.select(Office).order_by(Office.code)):
        cutoff = now - timedelta(days=office.retention_days)
        due = db.session.scalar(db.select(db.func.count()).select_from(Visit).where(
            Visit.office_id == office.id, Visit.purged_at.is_(None),
            db.func.coalesce(Visit.registered_at, Visit.updated_at) < cutoff))
        out[office.code] = {"retention_days": office.retention_days, "due": due}
    click.echo(json.dumps(out))


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="File to write (SQLite file or pg_dump custom format).")
@with_appcontext
def backup(out):
    """Write a consistent backup of the database (personal data stays encrypted in it)."""
    from ..backup import BackupError, backup_database

    try:
        result = backup_database(out)
    except BackupError as exc:
        _fail(str(exc), 1)
    click.echo(json.dumps(result))
    click.echo("Keep SITAMU_DATA_KEY apart from this file: without it the NIKs and phone "
               "numbers in the backup cannot be read.", err=True)


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore(backup_file, yes):
    """Replace the whole database with a backup made by `sitamu backup`."""
    from ..backup import BackupError, restore_database

    if not yes and not click.confirm("This replaces every record in the database. Go on?"):
        _fail("restore cancelled; nothing was changed", 1)
    try:
        result = restore_database(backup_file)
    except BackupError as exc:
        _fail(str(exc), 1)
    click.echo(json.dumps(result))
