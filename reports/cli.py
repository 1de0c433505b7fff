"""Commands: `sitamu ikm compute`, `sitamu report register|ikm|ikm-recap|deliver` (`sitamu worker`
is server/worker.py)."""
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from .ikm import CONVENTIONS, sample_check
from .paper import CsvError, parse_survey_csv
from .periods import PeriodError


def _fail(message: str, code: int = 2):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group("ikm")
def ikm_group():
    """IKM (Indeks Kepuasan Masyarakat) tools."""


@ikm_group.command("compute")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--convention", type=click.Choice(CONVENTIONS), default="exact", show_default=True)
@click.option("--population", type=click.IntRange(min=1), default=None,
              help="Estimated service users in the period, for the Krejcie-Morgan sample check.")
def ikm_compute(csv_file: Path, convention: str, population: int | None):
    """Compute the IKM of a paper-survey CSV and print it as one JSON object."""
    try:
        data = csv_file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {csv_file}: {exc.strerror}")
    try:
        survey = parse_survey_csv(data)
    except CsvError as exc:
        for line, message in exc.problems:
            click.echo(f"{csv_file}:{line}: {message}" if line else f"{csv_file}: {message}", err=True)
        sys.exit(1)
    result = survey.ikm(convention).as_dict()
    if population is not None:
        check = sample_check(result["respondents"], population)
        result.update(population=population, sample_required=check["sample_required"],
                      sample_enough=check["sample_enough"])
    click.echo(json.dumps(result, ensure_ascii=False))


@click.group("report")
def report_group():
    """Make the monthly visitor register and IKM report PDFs."""


def _office(code: str):
    from server.extensions import db
    from server.models import Office

    office = db.session.scalar(db.select(Office).where(Office.code == code))
    if office is None:
        _fail(f"no office with code {code!r}")
    return office


@report_group.command("register")
@click.option("--office", "office_code", required=True, help="Office code.")
@click.option("--month", required=True, help="YYYY-MM, in the office's time zone.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Processes rendering page chunks in parallel.")
@with_appcontext
def report_register(office_code: str, month: str, out: Path, workers: int):
    """Write an office's monthly visitor register (buku tamu) as PDF."""
    from .jobs import ReportError, build_report

    office = _office(office_code)
    try:
        path, stats = build_report("register", office.id, month, workers=workers,
                                   progress=lambda done, msg: click.echo(f"{done:3d}% {msg}", err=True))
    except PeriodError as exc:
        _fail(str(exc))
    except ReportError as exc:  # e.g. a full disk
        _fail(str(exc), 1)
    _copy(path, out)
    click.echo(json.dumps({"out": str(out), **stats}))


@report_group.command("ikm")
@click.option("--office", "office_code", required=True, help="Office code.")
@click.option("--period", required=True, help="2026-10, 2026-Q4, 2026-S2 or 2026.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--population", type=click.IntRange(min=1), default=None,
              help="Estimated service users in the period (default: visits in the period).")
@with_appcontext
def report_ikm(office_code: str, period: str, out: Path, population: int | None):
    """Write an office's IKM report for a period as PDF."""
    from .jobs import ReportError, build_report

    office = _office(office_code)
    try:
        path, stats = build_report("ikm", office.id, period, population=population)
    except PeriodError as exc:
        _fail(str(exc))
    except ReportError as exc:  # e.g. a full disk
        _fail(str(exc), 1)
    _copy(path, out)
    click.echo(json.dumps({"out": str(out), **stats}))


@report_group.command("ikm-recap")
@click.option("--period", required=True, help="2026-10, 2026-Q4, 2026-S2 or 2026.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="File to write: .pdf or .xlsx (the format follows the suffix).")
@click.option("--office", "office_codes", multiple=True, help="Office code (repeat; default: every office).")
@with_appcontext
def report_ikm_recap(period: str, out: Path, office_codes: tuple[str, ...]):
    """Write the IKM recap of every office (side by side, with the province aggregate) as PDF or XLSX."""
    from server.extensions import db
    from server.models import Office

    from .ikm_recap.job import build_recap
    from .periods import parse_period

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "xlsx"):
        _fail(f"--out must end in .pdf or .xlsx, not {out.name!r}")
    try:
        parse_period(period)
    except PeriodError as exc:
        _fail(str(exc))
    if office_codes:
        offices = [_office(code) for code in office_codes]
    else:
        offices = db.session.scalars(db.select(Office).order_by(Office.code)).all()
    if not offices:
        _fail("there is no office to recap")
    body, stats = build_recap([o.id for o in offices], period, fmt,
                              progress=lambda done, msg: click.echo(f"{done:3d}% {msg}", err=True))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(body)
        tmp.replace(out)
    except OSError as exc:
        out.with_name(out.name + ".part").unlink(missing_ok=True)  # nothing half-written is left
        _fail(f"cannot write {out}: {exc.strerror}")
    click.echo(json.dumps({"out": str(out), "format": fmt, "period": period, **stats}))


@report_group.command("deliver")
@click.option("--date", "day", default=None, help="Act as if today were YYYY-MM-DD (default: today in each office's zone).")
@with_appcontext
def report_deliver(day: str | None):
    """Make and e-mail the scheduled reports that are due (run daily by a timer)."""
    from datetime import date as date_type

    from flask import current_app

    from server.notify import send_due

    from .delivery import enqueue_deliveries, plan_deliveries

    try:
        today = date_type.fromisoformat(day) if day else None
    except ValueError:
        _fail(f"--date must be YYYY-MM-DD, not {day!r}")
    ids = plan_deliveries(today)
    mode = enqueue_deliveries(ids)
    from server.extensions import db
    from server.models import ReportDispatch

    states = {}
    for dispatch in db.session.scalars(db.select(ReportDispatch).where(ReportDispatch.id.in_(ids))):
        states[dispatch.state] = states.get(dispatch.state, 0) + 1
    mail = send_due() if mode == "inline" and current_app.config.get("SITAMU_SMTP_HOST") else None
    click.echo(json.dumps({"due": len(ids), "mode": mode, "states": states, "mail": mail}))
    if states.get("failed"):
        sys.exit(1)


def _copy(path: Path, out: Path) -> None:
    import shutil

    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)  # nothing half-written is left behind (a full disk)
        _fail(f"cannot write {out}: {exc.strerror}")
