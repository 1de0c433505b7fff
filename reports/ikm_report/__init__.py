"""The IKM report (laporan hasil SKM) of one office and period, A4 portrait.

Follows the published structure in shared/reference/skm-ikm.md: pendahuluan, pengumpulan
data (with the Krejcie-Morgan check), hasil (profile, NRR per element, IKM and mutu, bar
chart), analisis (weakest and strongest elements with the rencana tindak lanjut, trend
chart), penutup and the signing block. `gather_ikm_report` returns plain data; the
figures come straight from reports.ikm, so the PDF can be checked against the engine.
"""
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup, escape

from ..ikm import (
    CONVENTION_LABELS,
    ELEMENT_KEYS,
    PROFILE_TITLES,
    format_id,
    format_konversi,
    ikm_for,
    ikm_trend,
    profile_breakdown,
    round_half_up,
    sample_check,
)
from ..numbers import format_figure
from ..periods import Period, format_date_id
from ..render import html_to_pdf, jinja_env, read_css
from ..saran import theme_label

TREND_PERIODS = 4
WEAKEST = 3
TABLE_PLACES = 6  # NRR tertimbang and IKM in the element table (exact under 0,111)
DEFAULT_THRESHOLD = 30  # respondents before a host or service is graded (Office.respondent_threshold)


def gather_ikm_report(office, period: Period, population: int | None = None,
                      now: datetime | None = None) -> dict:
    """Return everything the IKM report shows for `office` and `period`.

    The population is, in order: the one asked for, the one the office states for the
    period (Office.population), the visits recorded in the period."""
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Host, Service, SurveyResponse, Visit

    from ..follow_up import plans_for
    from ..population import stated_population
    from ..register import office_info, signing_date, utcnow
    from ..saran import period_saran, summarise

    period = period.in_zone(office.timezone)
    now = now or utcnow()
    convention = office.ikm_convention if office.ikm_convention in CONVENTION_LABELS else "exact"
    threshold = office.respondent_threshold or DEFAULT_THRESHOLD
    result = ikm_for(office.id, period, convention=convention)
    visits = db.session.scalar(db.select(func.count(Visit.id)).where(
        Visit.office_id == office.id, Visit.registered_at >= period.start, Visit.registered_at < period.end))
    if population is not None:
        population_source = "given"
    elif stated_population(office, period) is not None:
        population, population_source = stated_population(office, period), "stated"
    else:
        population, population_source = visits or None, "visits"
    trend = ikm_trend(office.id, [*period.previous(TREND_PERIODS), period], convention=convention)
    services = []
    for service in db.session.scalars(db.select(Service).where(Service.office_id == office.id)
                                      .order_by(Service.name)):
        by_service = ikm_for(office.id, period, service_id=service.id, convention=convention)
        if by_service.respondents:
            services.append({"name": service.name, "result": by_service,
                             "graded": by_service.respondents >= threshold})
    hosts = []
    for host in db.session.scalars(db.select(Host).where(Host.office_id == office.id).order_by(Host.name)):
        by_host = ikm_for(office.id, period, host_id=host.id, convention=convention)
        if by_host.respondents:
            hosts.append({"name": host.name, "position": host.position, "result": by_host,
                          "graded": by_host.respondents >= threshold})
    sources = dict(db.session.execute(
        db.select(SurveyResponse.source, func.count(SurveyResponse.id))
        .where(SurveyResponse.office_id == office.id, SurveyResponse.submitted_at >= period.start,
               SurveyResponse.submitted_at < period.end).group_by(SurveyResponse.source)).all())
    saran = summarise(period_saran(office.id, period))
    plans = plans_for(office.id, period)
    weakest = result.weakest(WEAKEST)
    sample = sample_check(result.respondents, population)
    # An unfinished period: the data runs to today, and the report says so.
    running = period.start <= now < period.end
    return {
        "office": office_info(office),
        "period": period,
        "convention": convention,
        "convention_label": CONVENTION_LABELS[convention][0],
        "result": result,
        "table": calculation_table(result),
        "profile": profile_breakdown(office.id, period),
        "sample": sample,
        "population_source": population_source,
        "over_population": bool(population) and result.respondents > population,
        "small_sample": sample["sample_enough"] is False,
        "visits": visits,
        "data_until": format_date_id(now.astimezone(office.tz).date()) if running else None,
        "trend": trend,
        "services": services,
        "hosts": hosts,
        "threshold": threshold,
        "sources": sources,
        "saran": saran,
        "weakest": [{"element": e, "plan": plans.get(e.key, "")} for e in weakest],
        "strongest": result.strongest(WEAKEST),
        "signed_on": signing_date(office, now),
    }


def calculation_table(result) -> dict:
    """Return the element table's printed figures so that they add up: each NRR tertimbang
    as computed (exact products under 0,111; six places under exact arithmetic), the IKM as
    the sum of the printed column, the konversi as that IKM x 25, and the published konversi
    (half-up to 2 places, from which the grade is read)."""
    rows, total = {}, Decimal(0)
    for key in ELEMENT_KEYS:
        element = result.elements[key]
        if element.tertimbang is None:
            rows[key] = None
            continue
        # Under 0,111 the product of two 3-place figures has at most 6 places: exact.
        printed = round_half_up(element.tertimbang, TABLE_PLACES)
        rows[key] = printed
        total += printed
    if result.empty:
        return {"rows": rows, "ikm": None, "konversi": None}
    return {"rows": rows, "ikm": total, "konversi": total * 25}


# --- charts (inline SVG) -------------------------------------------------------------------

def bar_chart(result) -> Markup:
    """Return an SVG bar chart of the NRR of the nine elements on the 1-4 scale."""
    width, height, left, bottom, top = 170.0, 72.0, 12.0, 14.0, 6.0
    plot_h = height - bottom - top
    bar_w = (width - left - 4) / 9
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
             f'viewBox="0 0 {width} {height}" font-family="Liberation Sans" font-size="2.6">']
    for value in (1, 2, 3, 4):
        y = top + plot_h * (4 - value) / 3
        parts.append(f'<line x1="{left}" x2="{width - 2}" y1="{y:.2f}" y2="{y:.2f}" stroke="#999" '
                     f'stroke-width="0.2"/><text x="{left - 1.5}" y="{y + 0.9:.2f}" text-anchor="end">{value}</text>')
    # The B/A boundary (konversi 88.31) on the NRR scale.
    threshold = Decimal("88.31") / 25
    y = top + plot_h * (4 - float(threshold)) / 3
    parts.append(f'<line x1="{left}" x2="{width - 2}" y1="{y:.2f}" y2="{y:.2f}" stroke="#000" '
                 f'stroke-width="0.3" stroke-dasharray="1.2 0.8"/>')
    for index, key in enumerate(ELEMENT_KEYS):
        element = result.elements[key]
        x = left + 1 + index * bar_w
        if element.nrr is not None:
            value = float(element.nrr)
            h = plot_h * (value - 1) / 3
            parts.append(f'<rect x="{x + bar_w * 0.15:.2f}" y="{top + plot_h - h:.2f}" width="{bar_w * 0.7:.2f}" '
                         f'height="{h:.2f}" fill="#4d4d4d"/>')
            parts.append(f'<text x="{x + bar_w / 2:.2f}" y="{top + plot_h - h - 1:.2f}" text-anchor="middle">'
                         f'{format_id(element.nrr, 3)}</text>')
        parts.append(f'<text x="{x + bar_w / 2:.2f}" y="{height - bottom + 4:.2f}" text-anchor="middle" '
                     f'font-weight="bold">U{index + 1}</text>')
        label = escape(element.label_id.split(",")[0].split(" ")[0])
        parts.append(f'<text x="{x + bar_w / 2:.2f}" y="{height - bottom + 7.5:.2f}" text-anchor="middle" '
                     f'font-size="2.1">{label}</text>')
    parts.append(f'<line x1="{left}" x2="{width - 2}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#000" stroke-width="0.3"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(trend) -> Markup:
    """Return an SVG line chart of konversi over the periods (gaps where nobody answered)."""
    width, height, left, bottom, top = 170.0, 55.0, 12.0, 10.0, 5.0
    plot_h = height - bottom - top
    lo, hi = 25, 100
    values = [r.konversi_rounded for _, r in trend]
    known = [float(v) for v in values if v is not None]
    if known:
        lo = max(25, int(min(known) // 10 * 10) - 10)
        hi = 100
    step = (width - left - 30) / max(1, len(trend) - 1)

    def y_of(value: float) -> float:
        return top + plot_h * (hi - value) / (hi - lo)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
             f'viewBox="0 0 {width} {height}" font-family="Liberation Sans" font-size="2.6">']
    for mark in range(lo, hi + 1, 10 if hi - lo > 30 else 5):
        y = y_of(mark)
        parts.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.2f}" y2="{y:.2f}" stroke="#bbb" stroke-width="0.2"/>'
                     f'<text x="{left - 1.5}" y="{y + 0.9:.2f}" text-anchor="end">{mark}</text>')
    for bound, grade in ((88.31, "A"), (76.61, "B"), (65.0, "C")):
        if lo < bound < hi:
            y = y_of(bound)
            parts.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.2f}" y2="{y:.2f}" stroke="#000" '
                         f'stroke-width="0.25" stroke-dasharray="1 0.8"/><text x="{width - 5}" y="{y - 0.8:.2f}" '
                         f'font-size="2.2" text-anchor="end">batas {grade} ({f"{bound:.2f}".replace(".", ",")})</text>')
    points = []
    for index, ((period, result), value) in enumerate(zip(trend, values, strict=True)):
        x = left + 12 + index * step
        parts.append(f'<text x="{x:.2f}" y="{height - bottom + 5:.2f}" text-anchor="middle">'
                     f'{escape(period.label_id)}</text>')
        if value is None:
            parts.append(f'<text x="{x:.2f}" y="{y_of(lo) - 1.5:.2f}" text-anchor="middle" font-size="2.2" '
                         f'fill="#555">tidak ada data</text>')
            continue
        y = y_of(float(value))
        points.append(f"{x:.2f},{y:.2f}")
        parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="0.9" fill="#000"/>'
                     f'<text x="{x:.2f}" y="{y - 2:.2f}" text-anchor="middle" font-weight="bold">'
                     f'{format_id(value, 2)} ({result.mutu})</text>')
    if len(points) > 1:
        parts.insert(1, f'<polyline points="{" ".join(points)}" fill="none" stroke="#000" stroke-width="0.4"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def format_exact(value, least: int) -> str:
    """Return a decimal the Indonesian way with every decimal it has (up to TABLE_PLACES),
    at least `least` ("3,5298", "88,245", "99,90"): the element table's figures as computed."""
    if value is None:
        return "-"
    rounded = round_half_up(value, TABLE_PLACES).normalize()
    return format_figure(rounded, max(least, -rounded.as_tuple().exponent), "id")


def render_ikm_report(data: dict) -> bytes:
    """Return the IKM report PDF."""
    html = jinja_env().get_template("ikm_report/report.html").render(
        d=data, r=data["result"], css=read_css("ikm_report/report.css"), keys=ELEMENT_KEYS,
        bar=bar_chart(data["result"]), trend=trend_chart(data["trend"]), fmt=format_id, exact=format_exact,
        konversi=format_konversi, titles=PROFILE_TITLES, round_half_up=round_half_up, theme=theme_label)
    return html_to_pdf(html)
