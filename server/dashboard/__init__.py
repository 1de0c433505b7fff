"""Supervisor dashboard: IKM and SOP-time trends across offices, volumes, data freshness."""
from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from reports.ikm import ELEMENT_KEYS, ELEMENT_LABELS
from reports.periods import PeriodError, parse_period

from ..access import roles_required, scope_query
from ..extensions import db
from ..i18n import N_, translate
from ..models import Office
from ..webutil import csv_response
from . import charts, data

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

ROLES = ("central_admin", "office_admin", "supervisor")
TREND_PERIODS = 6
GRADE_MARKS = ((65.0, "C"), (76.61, "B"), (88.31, "A"))
GRADE_BANDS = ((65, "C"), (76.61, "B"), (88.31, "A"))


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


def _period(kind: str = "month"):
    """Return (period, error) from ?period=, defaulting to the last complete month (WIB)."""
    raw = request.args.get("period", "").strip()
    if not raw:
        return data.default_period(kind), None
    try:
        return parse_period(raw), None
    except PeriodError:
        return data.default_period(kind), \
            N_("Periode tidak dikenal. Contoh: 2026-10, 2026-Q4, 2026-S2 atau 2026.")


def _title(text: str) -> str:
    return translate(text)


@bp.route("/")
@roles_required(*ROLES)
def index():
    """Show IKM per office, trends (offices, elements, services), visits, SOP step times, freshness."""
    from ..appointments.stats import appointment_stats

    offices, (period, period_error) = _offices(), _period()
    lang = str(get_locale())
    periods = period.previous(TREND_PERIODS - 1) + [period]
    labels = [p.label(lang) for p in periods]
    axis = [charts.short_label(p, lang) for p in periods]
    ikm = data.ikm_rows(offices, period)
    total = data.ikm_total(offices, period) if len(offices) > 1 else None
    trend = data.ikm_trend_rows(offices, periods)
    pooled = data.pooled_trend(offices, periods)
    elements = data.element_trend(offices, periods)
    services = data.service_trend(offices, periods)
    volumes = data.visit_volumes(offices, periods)
    steps = data.sop_step_times(offices, period)
    pooled_steps = data.remembered(("pooled_steps", tuple(o.id for o in offices), period.code, lang),
                                   lambda: data.pooled_steps(steps, lang))
    fresh = data.freshness(offices)
    ikm_chart = charts.bar_chart([(r["office"].code, r["konversi"]) for r in ikm], max_value=100,
                                 title=_title("IKM (konversi) per kantor"), marks=GRADE_MARKS)
    if len(trend) <= data.MAX_SERIES:
        trend_series = dict(trend)
    else:
        trend_series = {_title("Semua kantor terpilih"): pooled}
    trend_chart = charts.line_chart(trend_series, axis, title=_title("Tren IKM"), floor=25, ceiling=100,
                                    bands=GRADE_BANDS)
    element_chart = charts.line_chart(
        {f"U{n} {ELEMENT_LABELS[k][1 if lang == 'en' else 0]}": v for n, (k, v) in enumerate(elements.items(), 1)},
        axis, title=_title("Tren per unsur (NRR x 25)"), floor=25, ceiling=100, bands=GRADE_BANDS, values=False)
    service_chart = charts.line_chart({f"{s['service']} ({s['office']})": s["values"] for s in services}, axis,
                                      title=_title("Tren IKM per layanan"), floor=25, ceiling=100,
                                      bands=GRADE_BANDS, values=False)
    volume_series = volumes if len(volumes) <= data.MAX_SERIES else \
        {_title("Semua kantor terpilih"): [sum(v[i] for v in volumes.values()) for i in range(len(periods))]}
    volume_chart = charts.line_chart({k: [float(v) for v in vs] for k, vs in volume_series.items()}, axis,
                                     title=_title("Jumlah kunjungan"), floor=0, places=0)
    step_chart = charts.median_chart(
        [(r["title"], r["median"], r["standard"]) for r in pooled_steps], unit=" mnt" if lang != "en" else " min",
        title=_title("Median menit per langkah SOP terhadap menit baku"))
    return render_template(
        "dashboard/index.html", offices=offices, all_offices=db.session.scalars(
            scope_query(db.select(Office), Office.id).order_by(Office.code)).all(),
        period=period, period_error=period_error, periods=periods, labels=labels, ikm=ikm, total=total,
        trend=trend, pooled=pooled, elements=elements, services=services, volumes=volumes, steps=steps,
        pooled_steps=pooled_steps, fresh=fresh, element_keys=ELEMENT_KEYS, element_labels=ELEMENT_LABELS,
        ikm_chart=ikm_chart, trend_chart=trend_chart, element_chart=element_chart,
        service_chart=service_chart, volume_chart=volume_chart, step_chart=step_chart, lang=lang,
        step_title=data.step_title, chosen=request.args.getlist("office"),
        appointment_rows=appointment_stats(offices, period)), 400 if period_error else 200


@bp.route("/<any(ikm, trend, elements, services, volume, sop, freshness):table>.csv")
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
    if table == "elements":
        return csv_response(name, ["unsur", *[p.code for p in periods]],
                            [[k, *v] for k, v in data.element_trend(offices, periods).items()])
    if table == "services":
        return csv_response(name, ["kode", "layanan", *[p.code for p in periods]],
                            [[s["office"], s["service"], *s["values"]]
                             for s in data.service_trend(offices, periods, limit=10_000)])
    if table == "sop":
        rows = [[r["office"].code, r["key"], data.step_title(r["title"], "id"), r["standard"], r["measured"],
                 r["median"], r["mean"], "ya" if r["late"] else "tidak", r["over_pct"]]
                for r in data.sop_step_times(offices, period)]
        return csv_response(name, ["kode", "langkah", "judul", "menit_baku", "diukur", "median_menit",
                                   "rata_menit", "terlambat", "persen_di_atas_baku"], rows)
    rows = [[r["office"].code, r["devices"], r["last_sync"].isoformat() if r["last_sync"] else "",
             len(r["stale"]), r["pending"], r["missing"]] for r in data.freshness(offices)]
    return csv_response(name, ["kode", "tablet", "sinkron_terakhir_utc", "tablet_lama_tidak_sinkron",
                               "belum_terkirim", "urutan_hilang"], rows)


from . import delivery, downloads, insight, recap  # noqa: E402,F401 -- routes of the same blueprint
