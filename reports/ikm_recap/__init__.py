"""The province IKM recap (rekapitulasi IKM): every office of a period side by side, A4
landscape, and the same table as XLSX.

Per office: respondents, population (stated on the office for the period, else the visits
recorded in it), the Krejcie-Morgan
minimum sample and whether it is met, the nine NRR, the IKM (konversi) and mutu under the
office's convention, the previous period's IKM and the change. The last row pools every
office's responses (the province aggregate, exact convention unless all offices share one).
`gather_recap` returns plain data; `render_recap_pdf` and `recap_sheet` only lay it out.
"""
from datetime import datetime, timezone
from decimal import Decimal

from ..ikm import (
    CONVENTION_LABELS,
    CONVENTIONS,
    ELEMENT_KEYS,
    ELEMENT_LABELS,
    aggregate,
    compute_ikm,
    format_id,
    format_konversi,
    krejcie_morgan,
    response_filter,
)
from ..periods import Period, format_date_id
from ..population import stated_population
from ..render import html_to_pdf, jinja_env, read_css

TITLE = "Rekapitulasi Indeks Kepuasan Masyarakat (IKM)"


def _visits(office, period: Period) -> int:
    from sqlalchemy import func

    from server.extensions import db
    from server.models import Visit

    p = period.in_zone(office.timezone)
    return db.session.scalar(db.select(func.count(Visit.id)).where(
        Visit.office_id == office.id, Visit.registered_at >= p.start, Visit.registered_at < p.end)) or 0


def _row(result, respondents_population: int, previous) -> dict:
    required = krejcie_morgan(respondents_population) if respondents_population else None
    change = None
    if result.konversi_rounded is not None and previous is not None and previous.konversi_rounded is not None:
        change = result.konversi_rounded - previous.konversi_rounded
    return {"respondents": result.respondents, "population": respondents_population,
            "sample_required": required,
            "sample_enough": None if required is None else result.respondents >= required,
            "nrr": {k: result.elements[k].nrr3 for k in ELEMENT_KEYS}, "result": result,
            "konversi": result.konversi, "konversi_rounded": result.konversi_rounded, "mutu": result.mutu,
            "kinerja": result.kinerja, "previous": None if previous is None else previous.konversi_rounded,
            "change": change}


def gather_recap(offices: list, period: Period, title: str = "", now: datetime | None = None) -> dict:
    """Return the recap of the offices for the period, each office bounded in its own zone."""
    before = period.shift(-1)
    rows = []
    pooled = {"now": [0, dict.fromkeys(ELEMENT_KEYS, 0), dict.fromkeys(ELEMENT_KEYS, 0)],
              "before": [0, dict.fromkeys(ELEMENT_KEYS, 0), dict.fromkeys(ELEMENT_KEYS, 0)]}
    population = 0
    for office in offices:
        convention = office.ikm_convention if office.ikm_convention in CONVENTIONS else "exact"
        results = {}
        for which, p in (("now", period), ("before", before)):
            respondents, totals, counts = aggregate(response_filter([office.id], p))
            results[which] = compute_ikm(totals, counts, respondents, convention)
            acc = pooled[which]
            acc[0] += respondents
            for k in ELEMENT_KEYS:
                acc[1][k] += totals[k]
                acc[2][k] += counts[k]
        # The population the office states for the period, else the visits recorded in it.
        visits = stated_population(office, period) or _visits(office, period)
        population += visits
        rows.append({"code": office.code, "name": office.name, "convention": convention,
                     **_row(results["now"], visits, results["before"] if results["before"].respondents else None)})
    conventions = {r["convention"] for r in rows}
    convention = conventions.pop() if len(conventions) == 1 else "exact"
    now_r = compute_ikm(pooled["now"][1], pooled["now"][2], pooled["now"][0], convention)
    before_r = compute_ikm(pooled["before"][1], pooled["before"][2], pooled["before"][0], convention)
    total = _row(now_r, population, before_r if before_r.respondents else None)
    return {"title": title or TITLE, "period": period, "previous_period": before, "rows": rows, "total": total,
            "convention": convention, "convention_label": CONVENTION_LABELS[convention][0],
            "mixed_conventions": len({r["convention"] for r in rows}) > 1,
            "made_on": format_date_id((now or datetime.now(timezone.utc)).date())}


def _change(value: Decimal | None) -> str:
    if value is None:
        return "-"
    text = format_id(abs(value), 2)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def render_recap_html(data: dict) -> str:
    """Return the recap as one HTML document (CSS inline)."""
    template = jinja_env().get_template("ikm_recap/recap.html")
    return template.render(d=data, css=read_css("ikm_recap/recap.css"), element_keys=ELEMENT_KEYS,
                           element_labels=ELEMENT_LABELS, fmt=format_id, konversi=format_konversi,
                           change=_change)


def render_recap_pdf(data: dict) -> bytes:
    """Return the recap as PDF bytes."""
    return html_to_pdf(render_recap_html(data))


def recap_sheet(data: dict):
    """Return the recap as one spreadsheet sheet (server.exports.spreadsheet.Sheet)."""
    from server.exports.spreadsheet import Sheet

    header = ["Kode kantor", "Kantor", "Konvensi", "Responden", "Populasi", "Sampel minimal",
              "Sampel cukup", *[f"U{n} {ELEMENT_LABELS[k][0]}" for n, k in enumerate(ELEMENT_KEYS, 1)],
              "IKM (konversi)", "Mutu", "Kinerja", f"IKM {data['previous_period'].code}", "Perubahan"]

    def line(code, name, convention, r):
        enough = None if r["sample_enough"] is None else ("ya" if r["sample_enough"] else "tidak")
        return [code, name, convention, r["respondents"], r["population"], r["sample_required"], enough,
                *[r["nrr"][k] for k in ELEMENT_KEYS], r["konversi"], r["mutu"], r["kinerja"], r["previous"],
                r["change"]]

    rows = [line(r["code"], r["name"], r["convention"], r) for r in data["rows"]]
    rows.append(["PROVINSI", "Seluruh kantor (gabungan jawaban)", data["convention"], *line("", "", "", data["total"])[3:]])
    formats = {i: "0.000" for i in range(7, 16)}
    formats.update({16: "0.00", 19: "0.00", 20: "+0.00;-0.00;0.00"})
    return Sheet(f"Rekap {data['period'].code}", header, rows,
                 widths=[16, 40, 9, 11, 12, 11, 9, *[10] * 9, 11, 7, 12, 11, 11], number_formats=formats)


def render_recap_xlsx(data: dict, out) -> None:
    """Write the recap as an XLSX workbook to `out` (a path or a binary file)."""
    from server.exports.spreadsheet import write_xlsx

    write_xlsx([recap_sheet(data)], out)
