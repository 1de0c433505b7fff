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
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from markupsafe import Markup, escape

from sync.rules import mask_id_number

from ..outcome import NOT_MET, OUTCOME_LABELS, OUTCOMES, visit_lifecycle
from ..periods import DAYS_ID, MONTHS_ID, Period, format_date_id
from ..render import fit_lines, html_hash, jinja_env, read_css

PURGED_TEXT = "(data dihapus sesuai retensi)"
ID_TYPES = {"ktp": "KTP", "sim": "SIM", "passport": "Paspor", "other": "Lainnya"}
TOP_N = 8

# Table geometry (mm). A4 landscape, 12 mm side margins: 273 mm of width.
PAGE_MARGIN_MM = (15, 12, 13, 12)  # top, right, bottom, left (the @page rule is made from it)
FONT_PT = 7.0
LINE_MM = 4.0  # one line of a cell
ROW_LINES = 2  # a row is at least two lines (8 mm: room for the signature)
ROW_MM = LINE_MM * ROW_LINES
PAGE_LINES = 40  # cell lines a table page holds below its heading row (20 rows of two)
ROWS_PER_PAGE = PAGE_LINES // ROW_LINES
HEADER_MM = 9.0
PAGES_PER_CHUNK = 5
# (key, heading, width mm, align)
COLUMNS = (
    ("no", "No", 8, "right"),
    ("day", "Hari/Tanggal", 19, "left"),
    ("time_in", "Jam Masuk", 10, "center"),
    ("time_out", "Jam Keluar", 12, "center"),
    ("name", "Nama", 32, "left"),
    ("origin", "Instansi/Alamat", 46, "left"),
    ("identity", "Nomor Identitas", 23, "left"),
    ("purpose", "Keperluan", 42, "left"),
    ("host", "Bertemu Dengan", 28, "left"),
    ("note", "Keterangan", 24, "left"),
    ("number", "Antrean/ Kartu", 12, "center"),
    ("signature", "Tanda Tangan", 17, "center"),
)
TABLE_MM = sum(c[2] for c in COLUMNS)
# Room the closing block (total, place and date, one or two signers) needs below the rows.
CLOSING_MM = 62.0
# Columns of one line per row: laid out as one 8 mm line each (fewer lines for WeasyPrint),
# like any other column whose cells all fit on one line on a page of two-line rows.
ONE_LINE = ("no", "time_in")
# Where a signature goes in its cell (mm from the cell's top right corner; fitted, centred).
SIGNATURE_BOX = (16.5, 0.6, 16, 6.8)  # right inset, top, width, height


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
                  Visit.state, Visit.screening, Visit.unavailable_reason, Visit.cancel_reason, Visit.consent_at,
                  Host.name.label("host_name"), Service.name.label("service_name"))
        .outerjoin(Host, Host.id == Visit.host_id).outerjoin(Service, Service.id == Visit.service_id)
        .where(Visit.office_id == office.id, Visit.registered_at >= period.start,
               Visit.registered_at < period.end)
        .order_by(Visit.registered_at, Visit.id)).all()
    lives = {visit.id: visit_lifecycle(visit) for visit in visits}
    # In the order the guests arrived (the start of registration), which the form's submission
    # may not follow.
    visits.sort(key=lambda v: (lives[v.id].arrived_at or v.registered_at, v.id))

    rows = []
    per_day: Counter = Counter()
    purposes: Counter = Counter()
    purpose_text: dict[str, Counter] = {}
    hosts: Counter = Counter()
    outcomes: Counter = Counter()
    for number, visit in enumerate(visits, start=1):
        life = lives[visit.id]
        arrived = (life.arrived_at or visit.registered_at).astimezone(tz)
        left = visit.checked_out_at.astimezone(tz) if visit.checked_out_at else None
        if life.outcome == "cancelled":
            left = None  # a cancelled visit has no check-out
        per_day[arrived.day] += 1
        outcomes[life.outcome] += 1
        met = visit.host_name or visit.service_name or ""
        if life.met:  # turned away, refused or cancelled: no meeting
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
            "outcome": life.outcome,
            # The reason may name the guest's business: kept out of a purged row.
            "note": OUTCOME_LABELS.get(life.outcome, OUTCOME_LABELS[None]) if purged else life.note,
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
            "outcomes": [(OUTCOME_LABELS[o], outcomes.get(o, 0)) for o in (*OUTCOMES, None)],
            "met": sum(count for outcome, count in outcomes.items() if outcome not in NOT_MET),
            "days": _days(period, per_day),
            "busiest": max(per_day.items(), key=lambda kv: (kv[1], -kv[0])) if per_day else None,
            "active_days": len(per_day),
            "purposes": _top(top_purposes),
            "hosts": _top(hosts.most_common()),
            "sop": sop_timing(office, visits),
        },
        signed_on=signing_date(office, now),
    )
    return data


def signing_date(office, now: datetime | None = None) -> str:
    """Return the day a document is made, in the office's zone, in Indonesian."""
    return format_date_id((now or utcnow()).astimezone(office.tz).date())


def utcnow() -> datetime:
    """Return the current time (one place, so a test can move the day a document is made)."""
    return datetime.now(timezone.utc)


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
        "city": (office.city or "").strip(), "signers": signers(office),
    }


def signers(office) -> list[dict]:
    """Return the signing block's signers, left to right: the maker ("Dibuat oleh") when the
    office names one, then the head of the office ("Mengetahui"), or the head alone
    ("Kepala ..."); blanks to fill in by hand where a name or NIP is not set."""
    head = {"label": "Mengetahui," if office.maker_name else "",
            "position": office.signer_position or f"Kepala {office.name}",
            "name": office.signer_name, "rank": office.signer_rank or "", "nip": office.signer_nip}
    if not office.maker_name:
        return [head]
    maker = {"label": "Dibuat oleh,", "position": office.maker_position or "", "name": office.maker_name,
             "rank": office.maker_rank or "", "nip": office.maker_nip or ""}
    return [maker, head]


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
        for key, minutes in step_durations(steps, visit_events, places=None).items():
            samples.setdefault(key, []).append(minutes)
    for tier in template.get("tiers", []):
        for step in tier["steps"]:
            steps_by_key.setdefault(step["key"], step)
    result = []
    order = []
    for tier in template.get("tiers", []):
        for step in tier["steps"]:
            if step["key"] not in order:
                order.append(step["key"])
    for key in order:
        step = steps_by_key.get(key)
        if step is None or step.get("minutes") is None:
            continue
        title = step.get("title", {})
        title = title.get("id") if isinstance(title, dict) else str(title)
        standard = step["minutes"]
        if key not in samples:  # a timed step no visit measured: said so, not left out
            result.append({"key": key, "title": title, "standard": standard, "median": None,
                           "visits": 0, "late": False})
            continue
        # Rounded once, half-up, from the unrounded minutes (4.054 -> 4.1, never 4.05 -> 4.0).
        median = Decimal(repr(statistics.median(samples[key])))
        result.append({"key": key, "title": title, "standard": standard,
                       "median": median.quantize(Decimal("0.1"), ROUND_HALF_UP),
                       "visits": len(samples[key]), "late": median > standard})
    return result


# --- HTML -----------------------------------------------------------------------------------

_TEXT_WIDTHS = {key: width - 2 for key, _, width, _ in COLUMNS}
SHEET_MM = 180.0  # a table page's sheet (the page's height inside its margins, about)
EMPTY = Markup("")


@lru_cache(maxsize=50_000)
def _wrapped(text: str, key: str) -> tuple[Markup, ...]:
    """Return `text` wrapped to column `key`, every line of it, escaped (cached: hosts,
    institutions and purposes come back on many rows)."""
    return tuple(escape(line) for line in fit_lines(text, _TEXT_WIDTHS[key], FONT_PT, None))


def _cell_lines(row: dict) -> dict[str, tuple[Markup, ...]]:
    """Return each column's lines of text for one row (escaped, wrapped to the column: a
    long text takes more lines, nothing is cut)."""
    if row["purged"]:
        name = (Markup('<span class="purged">(data dihapus</span>'),
                Markup('<span class="purged">sesuai retensi)</span>'))
        origin = identity = purpose = (EMPTY,)
    else:
        name = _wrapped(row["name"], "name")
        inst, addr = row["institution"].strip(), row["address"].strip()
        origin = (_wrapped(inst, "origin") + _wrapped(addr, "origin") if inst and addr
                  else _wrapped(inst or addr, "origin"))
        identity = ((escape(row["id_type"]), *_wrapped(row["identity"], "identity")) if row["identity"]
                    else (EMPTY,))
        purpose = _wrapped(row["purpose"], "purpose")
    number = tuple(escape(x) for x in (row["queue_number"], row["card_number"] and f"K-{row['card_number']}")
                   if x)
    time_out = (escape(row["time_out"]),)
    if row["out_day_differs"]:
        time_out += (Markup('<span class="note">hari berikut</span>'),)
    return {
        "no": (escape(str(row["no"])),),
        "day": (escape(row["weekday"] + ","), escape(row["date"])),
        "time_in": (escape(row["time_in"]),),
        "time_out": time_out,
        "name": name,
        "origin": origin,
        "identity": identity,
        "purpose": purpose,
        "host": _wrapped(row["host"], "host"),
        "note": _wrapped(row["note"], "note"),
        "number": number or (Markup("-"),),
        "signature": (),
    }


@dataclass
class Piece:
    """A row of the table as laid on one page: the whole row, or a part of a row too tall
    for a page (continued on the next)."""

    row: dict
    cells: dict[str, tuple[Markup, ...]]
    lines: int  # its height in cell lines (at least ROW_LINES)
    first: bool = True  # False for the continuation of a row from the page before


def _pieces(row: dict) -> list[Piece]:
    """Return a row as the pieces it is laid out in: one, or several of at most a page each."""
    cells = _cell_lines(row)
    piece = Piece(row, cells, max(ROW_LINES, *(len(c) for c in cells.values())))
    pieces = []
    while piece.lines > PAGE_LINES:
        head, piece = _split(piece, PAGE_LINES)
        pieces.append(head)
    return pieces + [piece]


def _split(piece: Piece, at: int) -> tuple[Piece, Piece]:
    """Return a piece cut after `at` lines: its first part and the rest, which repeats the
    row's number and says "(lanjutan)" (continued)."""
    head = {key: c[:at] for key, c in piece.cells.items()}
    rest = {key: c[at:] for key, c in piece.cells.items()}
    rest["no"] = (escape(str(piece.row["no"])),)
    rest["day"] = (Markup('<span class="note">(lanjutan)</span>'),)
    return (Piece(piece.row, head, at, piece.first),
            Piece(piece.row, rest, max(ROW_LINES, *(len(c) for c in rest.values())), False))


def paginate(rows: list[dict]) -> list[list[Piece]]:
    """Return the table pages: rows in order, as many as fit in PAGE_LINES lines a page, and
    the last page with room for the closing block below its rows: the last row moves to a
    page of its own with it (or the end of a tall row does) rather than leave the signing
    block alone on a page."""
    return _paginate(rows)[0]


def _paginate(rows: list[dict]) -> tuple[list[list[Piece]], bool]:
    """Return paginate's pages and whether the end of the last page moved to a closing page
    (the page before the last then lacks it)."""
    pages: list[list[Piece]] = []
    used = PAGE_LINES
    for row in rows:
        for piece in _pieces(row):
            if used + piece.lines > PAGE_LINES:
                pages.append([])
                used = 0
            pages[-1].append(piece)
            used += piece.lines
    if pages and closing_top(pages[-1]) + CLOSING_MM > SHEET_MM:
        last = pages[-1]
        moved = last.pop()
        if closing_top([moved]) + CLOSING_MM > SHEET_MM or not last:
            # Too tall to go with the closing block, or alone on its page: its last lines go.
            head, moved = _split(moved, moved.lines - ROW_LINES)
            last.append(head)
        pages.append([moved])
        return pages, True
    return pages, False


def closing_top(pieces: list["Piece"]) -> float:
    """Return where the closing block starts below a page's rows (mm from the sheet's top)."""
    return HEADER_MM + sum(p.lines for p in pieces) * LINE_MM + 6


def _page(pieces: list[Piece], closing: dict | None) -> dict:
    """Return one table page: a text block per column, the rows' heights, the signatures."""
    x = 0.0
    cols = []
    plain = all(p.lines == ROW_LINES for p in pieces)  # rows of two lines only
    for key, heading, width, align in COLUMNS:
        if plain:
            # WeasyPrint's time goes by lines, empty ones too: a column with no second line on
            # this page is one 8 mm line per row, its text where a first line would be.
            one = key in ONE_LINE or not any(line for p in pieces for line in p.cells[key][1:])
            wanted = 1 if one else 2
            lines = [line for p in pieces for line in (p.cells[key] + (EMPTY, EMPTY))[:wanted]]
        else:  # some row is taller: every row's lines, padded to its height
            one = False
            lines = [line for p in pieces for line in (p.cells[key] + (EMPTY,) * p.lines)[:p.lines]]
        cols.append({"key": key, "heading": heading, "x": x, "width": width,
                     "align": align + (" one" if one else ""),
                     # The lines are escaped already: joined as text (Markup.join escapes each again).
                     "text": Markup("\n".join(lines)) if any(lines) else ""})
        x += width
    signatures, top = [], HEADER_MM
    for piece in pieces:
        if piece.first and piece.row["signature_sha"]:
            signatures.append((top, piece.row["signature_sha"]))
        top += piece.lines * LINE_MM
    return {"columns": cols, "rows": len(pieces), "layout": tuple(p.lines for p in pieces),
            "signatures": signatures, "closing": closing,
            "closing_top": closing_top(pieces) if pieces else 4}


def grid_svg() -> str:
    """Return the SVG of the table's heading row: rendered once as a page of its own (with the
    running head and foot) and laid under every table page (one shared PDF form instead of
    the same drawing on every page). The rules of the rows are drawn per page when the parts
    are merged (page_rules), as rows differ in height."""
    from xml.sax.saxutils import escape as xml_escape

    width = TABLE_MM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{HEADER_MM:g}mm" '
           f'viewBox="0 0 {width:g} {HEADER_MM:g}" font-family="Liberation Sans" font-size="2.47" '
           f'font-weight="bold">',
           f'<rect x="0" y="0" width="{width:g}" height="{HEADER_MM:g}" fill="#e6e6e6"/>',
           '<g stroke="#000" stroke-width="0.2">']
    for y in (0.1, HEADER_MM):
        out.append(f'<line x1="0" x2="{width:g}" y1="{y:g}" y2="{y:g}"/>')
    x = 0.0
    for index in range(len(COLUMNS) + 1):
        out.append(f'<line x1="{x:g}" x2="{x:g}" y1="0" y2="{HEADER_MM:g}"/>')
        x += COLUMNS[index][2] if index < len(COLUMNS) else 0
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


@lru_cache(maxsize=4096)
def page_rules(layout: tuple[int, ...], page_height_pt: float = 595.28) -> bytes:
    """Return the PDF drawing of a table page's rules below the heading row: a line under
    each row (of `layout`'s heights in lines) and the column lines down to the last row."""
    if not layout:
        return b""
    mm = 72 / 25.4
    left = PAGE_MARGIN_MM[3] * mm
    right = (PAGE_MARGIN_MM[3] + TABLE_MM) * mm

    def y(mm_from_top: float) -> float:
        return page_height_pt - (PAGE_MARGIN_MM[0] + mm_from_top) * mm

    top, bottom = HEADER_MM, HEADER_MM + sum(layout) * LINE_MM
    out = [f"{0.2 * mm:.3f} w 0 G"]
    edge = HEADER_MM
    for lines in layout:
        edge += lines * LINE_MM
        out.append(f"{left:.2f} {y(edge):.2f} m {right:.2f} {y(edge):.2f} l")
    x = PAGE_MARGIN_MM[3]
    for index in range(len(COLUMNS) + 1):
        out.append(f"{x * mm:.2f} {y(top):.2f} m {x * mm:.2f} {y(bottom):.2f} l")
        x += COLUMNS[index][2] if index < len(COLUMNS) else 0
    out.append("S")
    return ("\n".join(out) + "\n").encode()


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


def signature_box(top_mm: float) -> tuple[float, float, float, float]:
    """Return the box of the signature of a row starting `top_mm` below a table page's sheet
    top: (left, top, width, height) in mm from the page's top left corner. Signatures are
    drawn there after rendering (see reports.render.stamp_images), not by WeasyPrint."""
    inset, top, width, height = SIGNATURE_BOX
    return (PAGE_MARGIN_MM[3] + TABLE_MM - inset, PAGE_MARGIN_MM[0] + top_mm + top, width, height)


@lru_cache(maxsize=1)
def register_css() -> str:
    """Return the register's stylesheet with its geometry (the same for every document)."""
    return read_css("register/register.css") + "\n" + geometry_css()


def register_documents(data: RegisterData, previous: list[list[str]] | None = None
                       ) -> tuple[str, list[tuple[str, list[str], list]], list[list[tuple]]]:
    """Return (first-page HTML, [(chunk HTML, signature shas, signature stamps)],
    [row heights of each page (a tuple of lines per row), per chunk]).

    The logo is a "sitamu-blob:<sha>" placeholder (see reports.render.fill_blobs); the
    signatures are (page in chunk, box, sha) stamps for reports.render.stamp_images. Table
    pages carry no rules and no running head or foot: lay `grid_document(True, data)` under
    each page and draw `page_rules(layout)` on it (see merge_and_number). An empty month has
    no table pages: its first page says NIHIL and carries the closing block.

    Pages are grouped in chunks by `plan_chunks`, from the chunks of the previous build of
    the same register (`previous`: the page keys of each chunk; by default read from, and
    the new ones written to, the chunk cache's plan file), so that unchanged pages come in
    the same chunks again, whose PDFs are cached."""
    env = jinja_env()
    css = register_css()
    closing = {"office": data.office, "signed_on": data.signed_on, "total": len(data.rows),
               "period_label": data.period_label}
    pages, moved = _paginate(data.rows)
    summary_html = env.get_template("register/summary.html").render(
        data=data, css=css, months=MONTHS_ID, columns=COLUMNS, closing=None if pages else closing)
    page_specs = [_page(pieces, closing if index == len(pages) - 1 else None)
                  for index, pieces in enumerate(pages)]
    sheet = env.get_template("register/sheet.html")
    frame = env.get_template("register/pages.html")
    head = frame.render(sheets=[], css=css, data=data)
    sheets, keys = [], []
    for spec in page_specs:
        html = sheet.render(page=spec)
        sheets.append(html)
        keys.append(html_hash(f"{head}\n{html}\n{spec['signatures']!r}"))
    plan_file = _plan_file(data) if previous is None else None
    if plan_file is not None:
        previous = _read_plan(plan_file)
    # The page that gave its last row to the closing page ends the chunks that stay: the
    # two go in a last chunk of their own, so the next day, when the page is whole again,
    # the chunk before them is still the same (and its PDF cached).
    ranges = plan_chunks(keys, previous or [], len(keys) - 2 if moved else len(keys))
    if moved:
        ranges.append((len(keys) - 2, len(keys)))
    chunks, chunk_layouts = [], []
    for start, stop in ranges:
        specs = page_specs[start:stop]
        html = frame.render(sheets=[Markup(x) for x in sheets[start:stop]], css=css, data=data)
        stamps = [(n, signature_box(top), sha) for n, p in enumerate(specs) for top, sha in p["signatures"]]
        chunks.append((html, sorted({sha for *_, sha in stamps}), stamps))
        chunk_layouts.append([p["layout"] for p in specs])
    if plan_file is not None:
        _write_plan(plan_file, [keys[start:stop] for start, stop in ranges])
    return summary_html, chunks, chunk_layouts


def plan_chunks(keys: list[str], previous: list[list[str]], end: int) -> list[tuple[int, int]]:
    """Return the chunks of pages `keys[:end]` (page keys: hashes of their HTML) as (start,
    stop) ranges: where the pages of a previous chunk come again, in the same order, that
    chunk comes again (its PDF is cached); the other pages go in new chunks of at most
    PAGES_PER_CHUNK pages, each ending where a previous chunk comes again. With no previous
    chunks: chunks of PAGES_PER_CHUNK pages from the first."""
    known: dict[str, list[tuple[str, ...]]] = {}
    for chunk in previous:
        if chunk and len(chunk) <= PAGES_PER_CHUNK:
            known.setdefault(chunk[0], []).append(tuple(chunk))

    def again(start: int) -> int:
        """Return the length of the longest previous chunk that starts at `start`, or 0."""
        return max((len(chunk) for chunk in known.get(keys[start], ())
                    if start + len(chunk) <= end and tuple(keys[start:start + len(chunk)]) == chunk),
                   default=0)

    ranges = []
    start = 0
    while start < end:
        size = again(start)
        if not size:
            size = 1
            while size < PAGES_PER_CHUNK and start + size < end and not again(start + size):
                size += 1
        ranges.append((start, start + size))
        start += size
    return ranges


def _plan_file(data: RegisterData):
    """Return the file that keeps the chunks of the register's last build, beside its cached
    chunks (reports.jobs.cache_dir), or None outside the application."""
    from flask import has_app_context

    if not has_app_context():
        return None
    from ..jobs import cache_dir

    return cache_dir("chunks", str(int(data.office["id"])), data.period_code) / "plan.json"


def _read_plan(path) -> list[list[str]]:
    import json

    try:
        chunks = json.loads(path.read_text(encoding="utf-8"))["chunks"]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # none yet, or unreadable: chunks from the first page, as for a first build
    return [[str(key) for key in chunk] for chunk in chunks if isinstance(chunk, list)]


def _write_plan(path, chunks: list[list[str]]) -> None:
    import json

    from ..jobs import ReportError, write_atomic

    try:
        write_atomic(path, json.dumps({"chunks": chunks}))
    except ReportError:
        pass  # only the next build's speed depends on it; the chunks' own writes report it


def grid_document(table: bool, data: RegisterData) -> str:
    """Return a one-page HTML document with what every table page shares: the running head
    and foot and (with `table`) the heading row, placed exactly where the table pages put
    their columns."""
    import base64

    env = jinja_env()
    background = ""
    if table:
        svg = base64.b64encode(grid_svg().encode()).decode()
        background = (f"background:url('data:image/svg+xml;base64,{svg}') no-repeat 0 0;"
                      f"background-size:{TABLE_MM:g}mm {HEADER_MM:g}mm")
    return env.get_template("register/grid.html").render(css=register_css(), data=data, background=background)
