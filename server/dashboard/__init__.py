"""Supervisor dashboard: IKM and SOP-time trends across offices, volumes, data freshness."""
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from reports.ikm import ELEMENT_KEYS, ELEMENT_LABELS
from reports.periods import PeriodError, parse_period, period_containing

from ..access import roles_required, scope_query
from ..extensions import db
from ..models import Office
from ..webutil import csv_response
from . import charts, data

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

ROLES = ("central_admin", "office_admin", "supervisor")
TREND_PERIODS = 6
GRADE_MARKS = ((65.0, "C"), (76.61, "B"), (88.31, "A"))


def _offices() -> list[Office]:
    offices = db.session.scalars(scope_query(db.select(Office), Office.id).order_by(Office.code)).all()
    chosen = request.args.getlist("office")
    if chosen:
        wanted = {int(c) for c in chosen if c.isdigit()}
        picked = [o for o in offices if o.id in wanted]
        if len(picked) != len(wanted):
            abort(403)
        return picked
    return offices


def _period():
    """Return (period, error) from ?period=, defaulting to the current month (WIB)."""
    raw = request.args.get("period", "").strip()
    if not raw:
        return period_containing(datetime.now(timezone.utc), "month"), None
    try:
        return parse_period(raw), None
    except PeriodError:
        return period_containing(datetime.now(timezone.utc), "month"), \
            "Periode tidak dikenal. Contoh: 2026-10, 2026-Q4, 2026-S2 atau 2026."


@bp.route("/")
@roles_required(*ROLES)
def index():
    """Show IKM per office, trends, visit volumes, SOP step times and data freshness."""
    offices, (period, period_error) = _offices(), _period()
    lang = str(get_locale())
    periods = period.previous(TREND_PERIODS - 1) + [period]
    labels = [p.label(lang) for p in periods]
    ikm = data.ikm_rows(offices, period)
    trend = data.ikm_trend_rows(offices, periods)
    volumes = data.visit_volumes(offices, periods)
    steps = data.sop_step_times(offices, period)
    fresh = data.freshness(offices)
    ikm_chart = charts.bar_chart([(r["office"].code, r["konversi"]) for r in ikm], max_value=100,
                                 title="IKM (konversi) per kantor", marks=GRADE_MARKS)
    axis = [charts.short_label(p, lang) for p in periods]
    trend_chart = charts.line_chart(trend, axis, title="Tren IKM", lo=25, hi=100,
                                    bands=((65, "C"), (76.61, "B"), (88.31, "A")))
    volume_chart = charts.line_chart({k: [float(v) for v in vs] for k, vs in volumes.items()}, axis,
                                     title="Jumlah kunjungan", lo=0,
                                     hi=max([max(v) for v in volumes.values() if v] + [10]) * 1.1)
    late_chart = charts.bar_chart(
        [(f"{r['office'].code} · {r['key']}", r["late_pct"]) for r in steps if r["measured"]],
        max_value=100, unit="%", places=1, title="Persentase langkah melewati menit baku")
    return render_template(
        "dashboard/index.html", offices=offices, all_offices=db.session.scalars(
            scope_query(db.select(Office), Office.id).order_by(Office.code)).all(),
        period=period, period_error=period_error, periods=periods, labels=labels, ikm=ikm,
        trend=trend, volumes=volumes, steps=steps, fresh=fresh, element_keys=ELEMENT_KEYS,
        element_labels=ELEMENT_LABELS, ikm_chart=ikm_chart, trend_chart=trend_chart,
        volume_chart=volume_chart, late_chart=late_chart, lang=lang,
        chosen=request.args.getlist("office")), 400 if period_error else 200


@bp.route("/<any(ikm, trend, volume, sop, freshness):table>.csv")
@roles_required(*ROLES)
def table_csv(table: str):
    """Download one of the dashboard's tables as CSV."""
    offices, (period, period_error) = _offices(), _period()
    if period_error:
        abort(400, period_error)
    periods = period.previous(TREND_PERIODS - 1) + [period]
    name = f"sitamu-{table}-{period.code}.csv"
    if table == "ikm":
        rows = [[r["office"].code, r["office"].name, period.code, r["respondents"], r["konversi"],
                 r["mutu"], r["convention"], *[r["nrr"][k] for k in ELEMENT_KEYS]]
                for r in data.ikm_rows(offices, period)]
        return csv_response(name, ["kode", "kantor", "periode", "responden", "ikm_konversi", "mutu",
                                   "konvensi", *[f"nrr_{k}" for k in ELEMENT_KEYS]], rows)
    if table in ("trend", "volume"):
        series = data.ikm_trend_rows(offices, periods) if table == "trend" \
            else data.visit_volumes(offices, periods)
        return csv_response(name, ["kode", *[p.code for p in periods]],
                            [[code, *values] for code, values in series.items()])
    if table == "sop":
        rows = [[r["office"].code, r["key"], r["standard"], r["measured"], r["median"], r["mean"],
                 r["late_pct"]] for r in data.sop_step_times(offices, period)]
        return csv_response(name, ["kode", "langkah", "menit_baku", "diukur", "median_menit",
                                   "rata_menit", "persen_lewat"], rows)
    rows = [[r["office"].code, r["devices"], r["last_sync"].isoformat() if r["last_sync"] else "",
             len(r["stale"]), r["pending"], r["missing"]] for r in data.freshness(offices)]
    return csv_response(name, ["kode", "tablet", "sinkron_terakhir_utc", "tablet_lama_tidak_sinkron",
                               "belum_terkirim", "urutan_hilang"], rows)
