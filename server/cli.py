"""The `sitamu` command line (also `flask --app server ...`)."""
import sys

import click
from flask.cli import FlaskGroup

from .extensions import db
from .models import ROLES, Office, StaffUser


def register_cli(app) -> None:
    """Attach Sitamu's commands to the app's CLI."""
    from reports.cli import ikm_group, report_group
    from sync.cli import sync_sim

    from .appointments.cli import appointments_cli
    from .notify import notify_cli
    from .privacy import cli as privacy_cli
    from .worker import worker

    for command in (create_admin, demo, sync_sim, ikm_group, report_group, worker,
                    privacy_cli.rotate_key, privacy_cli.retention, privacy_cli.backup,
                    privacy_cli.restore, notify_cli, appointments_cli):
        app.cli.add_command(command)


def fail(message: str, code: int = 2):
    """Print a message for the user and exit with `code`."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--name", default="Administrator")
@click.option("--password", envvar="SITAMU_ADMIN_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Or set SITAMU_ADMIN_PASSWORD.")
@click.option("--role", type=click.Choice(["central_admin", "office_admin"]), default="central_admin")
@click.option("--office", "office_code", default=None, help="Office code (office admins).")
def create_admin(username, name, password, role, office_code):
    """Create an admin account."""
    username = username.strip()
    if not username or len(username) > 64:
        fail("--username must be 1 to 64 characters")
    if len(password) < 10:
        fail("--password must be at least 10 characters")
    if db.session.scalar(db.select(StaffUser).where(StaffUser.username == username)):
        fail(f"username {username!r} is taken")
    office = None
    if role == "office_admin":
        if not office_code:
            fail("--office is required for an office admin")
        office = db.session.scalar(db.select(Office).where(Office.code == office_code))
        if office is None:
            fail(f"no office with code {office_code!r}")
    user = StaffUser(username=username, name=name, role=role, office_id=office.id if office else None)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {ROLES[role]} {username!r}.")


@click.command("demo")
@click.option("--office", "office_code", default=None, help="Add volume to this office only.")
@click.option("--month", default=None, help="YYYY-MM of the extra visits.")
@click.option("--visits", type=int, default=None, help="How many extra visits.")
@click.option("--seed", type=int, default=2026)
@click.option("--if-empty", is_flag=True, help="Load only if the database has no offices yet.")
def demo(office_code, month, visits, seed, if_empty):
    """Load the three demo offices with a month of visits (or add volume with --office)."""
    from .demo import DemoError, add_volume, load_demo

    try:
        if office_code or month or visits is not None:
            if not (office_code and month and visits is not None):
                fail("--office, --month and --visits go together")
            if if_empty:
                fail("--if-empty is for loading the demo offices, not for adding volume")
            summary = add_volume(office_code, month, visits, seed=seed)
        elif if_empty and db.session.scalar(db.select(db.func.count()).select_from(Office)):
            summary = "The database already has offices; demo data not loaded."
        else:
            summary = load_demo(seed=seed)
    except DemoError as exc:
        db.session.rollback()
        fail(str(exc))
    click.echo(summary)


def main() -> None:
    """Entry point of the `sitamu` console script."""
    from . import create_app

    FlaskGroup(create_app=create_app, name="sitamu").main(prog_name="sitamu")
