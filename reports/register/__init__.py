"""The monthly visitor register (buku tamu bulanan) of one office, A4 landscape.

`gather_register(office, period)` returns plain data (tested without a PDF);
`register_chunks(data)` turns it into page-aligned HTML documents: the first page
(letterhead, title, summary) and chunks of table pages with fixed rows per page, so
every chunk is a whole number of pages and unchanged rows give byte-identical HTML.
"""
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from markupsafe import Markup, escape

from sync.rules import mask_id_number

from ..periods import DAYS_ID, MONTHS_ID, Period, format_date_id
from ..render import fit_lines, jinja_env, read_css

PURGED_TEXT = "(data dihapus sesuai retensi)"
ID_TYPES = {"ktp": "KTP", "sim": "SIM", "passport": "Paspor", "other": "Lainnya"}
TOP_N = 8

# Table geometry (mm). A4 landscape, 12 mm side margins: 273 mm of width.
PAGE_MARGIN_MM = (15, 12, 13, 12)  # top, right, bottom, left (the @page rule is made from it)
FONT_PT = 7.0
ROWS_PER_PAGE = 20
ROW_MM = 8.0
HEADER_MM = 9.0
PAGES_PER_CHUNK = 5
# (key, heading, width mm, align)
COLUMNS = (
    ("no", "No", 9, "right"),
    ("day", "Hari/Tanggal", 22, "left"),
    ("time_in", "Jam Masuk", 13, "center"),
    ("time_out", "Jam Keluar", 13, "center"),
    ("name", "Nama", 34, "left"),
    ("origin", "Instansi/Alamat", 48, "left"),
    ("identity", "Nomor Identitas", 28, "left"),
    ("purpose", "Keperluan", 44, "left"),
    ("host", "Bertemu Dengan", 30, "left"),
    ("number", "Antrean/ Kartu", 14, "center"),
    ("signature", "Tanda Tangan", 18, "center"),
)
CLOSING_ROWS_MAX = 12  # the closing block fits below at most this many rows
# Columns of one line per row: laid out as one 8 mm line each (fewer lines for WeasyPrint),
# like any other column whose cells all fit on one line on a page.
ONE_LINE = ("no", "time_in")
# Where a signature goes in its cell (mm from the cell's top right corner; fitted, centred).
SIGNATURE_BOX = (17, 0.6, 16, 6.8)  # right inset, top, width, height


def mask_identity(id_type: str, number: str | None) -> str:
    """Return an identity number masked as everywhere else: "•••• •••• •••• 0001" for a NIK
    (sync.rules.mask_id_number; the type is printed beside it, not used to mask)."""
    return mask_id_number(number)


@dataclass
class RegisterData:
    """Everything the register shows, as plain values."""

    office: dict
    period_code: str
    period_label: str
    rows: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    signed_on: str = ""  # the date under the closing block, in Indonesian


def _local_day(office_tz, when: datetime):
    return when.astimezone(office_tz)


def gather_register(office, period: Period, now: datetime | None = None) -> RegisterData:
    """Return the register data of `office` for the month `period` (in the office's zone)."""
    from server.extensions import db
    from server.models import Host, Service, Visit

    period = period.in_zone(office.timezone)
    tz = office.tz
    # Plain rows, not ORM objects: several times faster for a busy month.
    visits = db.session.execute(
        db.select(Visit.id, Visit.registered_at, Visit.checked_out_at, Visit.name, Visit.institution,
                  Visit.address, Visit.id_type, Visit.id_number, Visit.purpose, Visit.queue_number,
                  Visit.card_number, Visit.signature_sha, Visit.stage, Visit.purged_at, Visit.tier,
                  Host.name.label("host_name"), Service.name.label("service_name"))
        .outerjoin(Host, Host.id == Visit.host_id).outerjoin(Service, Service.id == Visit.service_id)
        .where(Visit.office_id == office.id, Visit.registered_at >= period.start,
               Visit.registered_at < period.end)
        .order_by(Visit.registered_at, Visit.id)).all()

    rows = []
    per_day: Counter = Counter()
    purposes: Counter = Counter()
    purpose_text: dict[str, Counter] = {}
    hosts: Counter = Counter()
    for number, visit in enumerate(visits, start=1):
        arrived = visit.registered_at.astimezone(tz)
        left = visit.checked_out_at.astimezone(tz) if visit.checked_out_at else None
        per_day[arrived.day] += 1
        met = visit.host_name or visit.service_name or ""
        hosts[met or "(tidak tercatat)"] += 1
        key = " ".join((visit.purpose or "").lower().split()) if not visit.purged_at else ""
        purposes[key or "(tidak tercatat)"] += 1
        purpose_text.setdefault(key, Counter())[" ".join((visit.purpose or "").split())] += 1
        purged = visit.purged_at is not None
        rows.append({
            "no": number,
            "weekday": DAYS_ID[arrived.weekday()],
            "date": arrived.strftime("%d/%m/%Y"),
            "time_in": arrived.strftime("%H.%M"),
            "time_out": left.strftime("%H.%M") if left else "-",
            "out_day_differs": bool(left and left.date() != arrived.date()),
            "purged": purged,
            "name": "" if purged else visit.name,
            "institution": "" if purged else visit.institution,
            "address": "" if purged else visit.address,
            "id_type": ID_TYPES.get(visit.id_type, visit.id_type.upper()),
            "identity": "" if purged else mask_identity(visit.id_type, visit.id_number),
            "purpose": "" if purged else visit.purpose,
            "host": met,
            "queue_number": visit.queue_number,
            "card_number": visit.card_number,
            "signature_sha": None if purged else visit.signature_sha,
            "stage": visit.stage,
        })

    top_purposes = []
    for key, count in purposes.most_common():
        label = purpose_text.get(key, Counter()).most_common(1)[0][0] if purpose_text.get(key) else key
        top_purposes.append((label or "(tidak tercatat)", count))

    data = RegisterData(
        office=office_info(office),
        period_code=period.code,
        period_label=period.label_id,
        rows=rows,
        summary={
            "total": len(rows),
            "purged": sum(1 for r in rows if r["purged"]),
            "checked_out": sum(1 for r in rows if r["time_out"] != "-"),
            "days": _days(period, per_day),
            "busiest": max(per_day.items(), key=lambda kv: (kv[1], -kv[0])) if per_day else None,
            "active_days": len(per_day),
            "purposes": _top(top_purposes),
            "hosts": _top(hosts.most_common()),
            "sop": sop_timing(office, visits),
        },
        signed_on=format_date_id((now or datetime.now(timezone.utc)).astimezone(tz).date()),
    )
    return data


def office_info(office) -> dict:
    """Return the office fields the letterhead and signing block use."""
    from server.extensions import db
    from server.models import Attachment

    logo = None
    if office.logo_sha:
        blob = db.session.get(Attachment, office.logo_sha)
        if blob is not None:
            logo = f"sitamu-blob:{blob.sha256}"
    return {
        "id": office.id, "code": office.code, "name": office.name, "region": office.region,
        "letterhead": list(office.letterhead or []) or [office.name.upper()],
        "address": office.address, "phone": office.phone, "email": office.email,
        "logo": logo, "logo_sha": office.logo_sha if logo else None,
        "tz_label": office.tz_label, "timezone": office.timezone,
        "signer_name": office.signer_name, "signer_position": office.signer_position,
        "signer_nip": office.signer_nip, "ikm_convention": office.ikm_convention,
    }


def _days(period: Period, per_day: Counter) -> list[dict]:
    days = []
    day = period.first_day
    while day < period.end_day:
        days.append({"day": day.day, "weekday": DAYS_ID[day.weekday()][:3], "count": per_day.get(day.day, 0),
                     "weekend": day.weekday() >= 5})
        day = day.fromordinal(day.toordinal() + 1)
    return days


def _top(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    if len(items) <= TOP_N:
        return items
    rest = items[TOP_N - 1:]
    return items[:TOP_N - 1] + [(f"Lainnya ({len(rest)})", sum(c for _, c in rest))]


def sop_timing(office, visits) -> list[dict]:
    """Return the median minutes of each timed SOP step over the visits, against its standard."""
    try:
        from server.sop import SopError, resolve_template, step_durations, steps_for
    except ImportError:  # the SOP module is optional for the register
        return []
    from server.extensions import db
    from server.models import VisitEvent

    try:
        template = resolve_template(office)
    except (SopError, KeyError, ValueError):
        return []
    ids = [v.id for v in visits]
    events: dict[str, list[dict]] = {}
    for start in range(0, len(ids), 900):
        batch = ids[start:start + 900]
        for visit_id, kind, step, when, offset, payload in db.session.execute(
                db.select(VisitEvent.visit_id, VisitEvent.kind, VisitEvent.step, VisitEvent.corrected_time,
                          VisitEvent.clock_offset_ms, VisitEvent.payload)
                .where(VisitEvent.office_id == office.id, VisitEvent.visit_id.in_(batch))):
            events.setdefault(visit_id, []).append(
                {"kind": kind, "corrected_time": when, "clock_offset_ms": offset, "payload": payload or {},
                 "step": step or None})
    samples: dict[str, list[float]] = {}
    steps_by_key: dict[str, dict] = {}
    for visit in visits:
        visit_events = events.get(visit.id)
        if not visit_events:
            continue
        try:
            steps = steps_for(template, visit.tier or None)
        except SopError:
            continue
        for step in steps:
            steps_by_key.setdefault(step["key"], step)
        # One sample per visit and step: a step walked again counts its rounds' total.
        for key, minutes in step_durations(steps, visit_events).items():
            samples.setdefault(key, []).append(minutes)
    result = []
    order = []
    for tier in template.get("tiers", []):
        for step in tier["steps"]:
            if step["key"] not in order:
                order.append(step["key"])
    for key in order:
        step = steps_by_key.get(key)
        if step is None or step.get("minutes") is None or key not in samples:
            continue
        median = statistics.median(samples[key])
        title = step.get("title", {})
        result.append({"key": key, "title": title.get("id") if isinstance(title, dict) else str(title),
                       "standard": step["minutes"], "median": round(median, 1), "visits": len(samples[key]),
                       "late": median > step["minutes"]})
    return result


# --- HTML -----------------------------------------------------------------------------------

_TEXT_WIDTHS = {key: width - 2 for key, _, width, _ in COLUMNS}


@lru_cache(maxsize=50_000)
def _fitted(text: str, key: str, lines: int) -> tuple[Markup, ...]:
    """Return `text` fitted to column `key` in at most `lines` lines, escaped (cached: hosts,
    institutions and purposes come back on many rows)."""
    return tuple(escape(line) for line in fit_lines(text, _TEXT_WIDTHS[key], FONT_PT, lines))


def _cell_lines(row: dict) -> dict[str, list[Markup]]:
    """Return each column's two lines of text for one row (escaped, fitted to the column)."""
    def fit(text, key, lines=2):
        return list(_fitted(text, key, lines))

    if row["purged"]:
        name = [Markup('<span class="purged">(data dihapus</span>'),
                Markup('<span class="purged">sesuai retensi)</span>')]
        origin = identity = purpose = [Markup("")]
    else:
        name = fit(row["name"], "name")
        inst, addr = row["institution"].strip(), row["address"].strip()
        if inst and addr:
            origin = fit(inst, "origin", 1) + fit(addr, "origin", 1)
        else:
            origin = fit(inst or addr, "origin")
        identity = [escape(row["id_type"]), escape(row["identity"])] if row["identity"] else [Markup("")]
        purpose = fit(row["purpose"], "purpose")
    number = [escape(x) for x in (row["queue_number"], row["card_number"] and f"K-{row['card_number']}") if x]
    time_out = [escape(row["time_out"])]
    if row["out_day_differs"]:
        time_out.append(Markup('<span class="note">hari berikut</span>'))
    return {
        "no": [escape(str(row["no"]))],
        "day": [escape(row["weekday"] + ","), escape(row["date"])],
        "time_in": [escape(row["time_in"])],
        "time_out": time_out,
        "name": name,
        "origin": origin,
        "identity": identity,
        "purpose": purpose,
        "host": fit(row["host"], "host"),
        "number": number or [Markup("-")],
        "signature": [],
    }


def _page(rows: list[dict], closing: dict | None) -> dict:
    cells = [_cell_lines(row) for row in rows]
    x = 0.0
    cols = []
    for key, heading, width, align in COLUMNS:
        # WeasyPrint's time goes by lines, empty ones too: a column with no second line on
        # this page is one 8 mm line per row, its text where a first line would be.
        one = key in ONE_LINE or not any(line for cell in cells for line in cell[key][1:])
        wanted = 1 if one else 2
        lines = [line for cell in cells for line in (cell[key] + [Markup(""), Markup("")])[:wanted]]
        cols.append({"key": key, "heading": heading, "x": x, "width": width,
                     "align": align + (" one" if one else ""),
                     "text": Markup("\n").join(lines) if any(lines) else ""})
        x += width
    signatures = [(i, row["signature_sha"]) for i, row in enumerate(rows) if row["signature_sha"]]
    return {"columns": cols, "rows": len(rows), "signatures": signatures, "closing": closing,
            "closing_top": HEADER_MM + len(rows) * ROW_MM + 6 if rows else 4}


def grid_svg(rows: int) -> str:
    """Return the SVG of a table page's rules and heading row: rendered once per row count
    as a page of its own and laid under every table page with that many rows (one shared
    PDF form instead of dozens of bordered boxes, or of the same SVG drawn on every page)."""
    from xml.sax.saxutils import escape as xml_escape

    width = sum(c[2] for c in COLUMNS)
    height = HEADER_MM + rows * ROW_MM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{height:g}mm" '
           f'viewBox="0 0 {width:g} {height:g}" font-family="Liberation Sans" font-size="2.47" '
           f'font-weight="bold">',
           f'<rect x="0" y="0" width="{width:g}" height="{HEADER_MM:g}" fill="#e6e6e6"/>',
           f'<g stroke="#000" stroke-width="0.2">']
    for y in [0, HEADER_MM, *(HEADER_MM + (i + 1) * ROW_MM for i in range(rows))]:
        out.append(f'<line x1="0" x2="{width:g}" y1="{y:g}" y2="{y:g}"/>')
    x = 0.0
    for _ in range(len(COLUMNS) + 1):
        out.append(f'<line x1="{x:g}" x2="{x:g}" y1="0" y2="{height:g}"/>')
        x += COLUMNS[_][2] if _ < len(COLUMNS) else 0
    out.append("</g>")
    x = 0.0
    for _, heading, col_width, _ in COLUMNS:
        lines = fit_lines(heading, col_width - 1.5, FONT_PT, 2)
        first = HEADER_MM / 2 + (0.9 if len(lines) == 1 else -0.6)
        for n, line in enumerate(lines):
            out.append(f'<text x="{x + col_width / 2:g}" y="{first + n * 3.2:g}" text-anchor="middle">'
                       f'{xml_escape(line)}</text>')
        x += col_width
    out.append("</svg>")
    return "".join(out)


def geometry_css() -> str:
    """Return the CSS of the page margins and the column positions (classes, not inline
    styles: WeasyPrint parses every style attribute on its own)."""
    out = ["@page{margin:%s}" % " ".join(f"{m:g}mm" for m in PAGE_MARGIN_MM)]
    x = 0.0
    for key, _, width, _ in COLUMNS:
        out.append(f".t-{key}{{left:{x + 1:g}mm;width:{width - 2:g}mm;top:{HEADER_MM + 0.2:g}mm}}")
        x += width
    # A one-line column's 8 mm line centres its text where a two-line cell's first line is.
    out.append(f".col.one{{line-height:{ROW_MM:g}mm;margin-top:{-ROW_MM / 4:g}mm}}")
    return "\n".join(out)


def signature_box(row: int) -> tuple[float, float, float, float]:
    """Return the box of a table page's row `row` signature: (left, top, width, height) in mm
    from the page's top left corner. Signatures are drawn there after rendering (see
    reports.render.stamp_images), not by WeasyPrint."""
    inset, top, width, height = SIGNATURE_BOX
    table_width = sum(c[2] for c in COLUMNS)
    return (PAGE_MARGIN_MM[3] + table_width - inset, PAGE_MARGIN_MM[0] + HEADER_MM + row * ROW_MM + top,
            width, height)


def table_pages(rows: list[dict]) -> list[list[dict]]:
    return [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]


@lru_cache(maxsize=1)
def register_css() -> str:
    """Return the register's stylesheet with its geometry (the same for every document)."""
    return read_css("register/register.css") + "\n" + geometry_css()


def register_documents(data: RegisterData) -> tuple[str, list[tuple[str, list[str], list]], list[list[int]]]:
    """Return (first-page HTML, [(chunk HTML, signature shas, signature stamps)],
    [rows of each page, per chunk]).

    The logo is a "sitamu-blob:<sha>" placeholder (see reports.render.fill_blobs); the
    signatures are (page in chunk, box, sha) stamps for reports.render.stamp_images. Table
    pages carry no rules and no running head or foot: lay `grid_document(rows, data)` under
    each page (see merge_and_number)."""
    env = jinja_env()
    css = register_css()
    summary_html = env.get_template("register/summary.html").render(
        data=data, css=css, months=MONTHS_ID, columns=COLUMNS)
    pages = table_pages(data.rows)
    closing = {"office": data.office, "signed_on": data.signed_on, "total": len(data.rows),
               "period_label": data.period_label}
    page_specs = []
    for index, rows in enumerate(pages):
        last = index == len(pages) - 1
        page_specs.append(_page(rows, closing if last and len(rows) <= CLOSING_ROWS_MAX else None))
    if not pages or len(pages[-1]) > CLOSING_ROWS_MAX:
        page_specs.append(_page([], closing))
    chunks, chunk_rows = [], []
    template = env.get_template("register/pages.html")
    for start in range(0, len(page_specs), PAGES_PER_CHUNK):
        specs = page_specs[start:start + PAGES_PER_CHUNK]
        html = template.render(pages=specs, css=css, data=data, header_mm=HEADER_MM, row_mm=ROW_MM,
                               rows_per_page=ROWS_PER_PAGE)
        stamps = [(n, signature_box(row), sha) for n, p in enumerate(specs) for row, sha in p["signatures"]]
        chunks.append((html, sorted({sha for *_, sha in stamps}), stamps))
        chunk_rows.append([p["rows"] for p in specs])
    return summary_html, chunks, chunk_rows


def grid_document(rows: int, data: RegisterData) -> str:
    """Return a one-page HTML document with what every table page of `rows` rows shares:
    the running head and foot, the rules and the heading row (none for 0 rows), placed
    exactly where the table pages put their columns."""
    import base64

    env = jinja_env()
    background = ""
    if rows:
        svg = base64.b64encode(grid_svg(rows).encode()).decode()
        background = (f"background:url('data:image/svg+xml;base64,{svg}') no-repeat 0 0;"
                      f"background-size:{sum(c[2] for c in COLUMNS):g}mm {HEADER_MM + rows * ROW_MM:g}mm")
    return env.get_template("register/grid.html").render(css=register_css(), data=data, background=background)
