"""Helpers shared by the staff and public pages: masking, local times, paging, CSV."""
import csv
import io
import math
from datetime import date, datetime, time, timedelta

from flask import Response, request
from sqlalchemy import func, select

from .models import Office


def mask_id(value: str | None) -> str:
    """Return an identity number masked as everywhere else (sync.rules.mask_id_number)."""
    from sync.rules import mask_id_number

    return mask_id_number(value)


def mask_phone(value: str | None) -> str:
    """Return a phone number with the middle hidden."""
    if not value:
        return ""
    return value[:4] + "•" * max(len(value) - 7, 1) + value[-3:]


def local_time(when: datetime | None, office: Office | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Format a UTC time in the office's zone with its label (WIB/WITA/WIT)."""
    if when is None:
        return "–"
    if office is None:
        return when.strftime(fmt) + " UTC"
    return office.local(when).strftime(fmt) + " " + office.tz_label


def local_day_bounds(day: date, office: Office) -> tuple[datetime, datetime]:
    """Return the UTC start and end of a calendar day in the office's zone."""
    start = datetime.combine(day, time.min, tzinfo=office.tz)
    return start, start + timedelta(days=1)


class Page:
    """One page of a query's results."""

    def __init__(self, items, total: int, page: int, per_page: int):
        self.items, self.total, self.page, self.per_page = items, total, page, per_page
        self.pages = max(1, math.ceil(total / per_page))

    def url_args(self, page: int) -> dict:
        args = request.args.to_dict()
        args["page"] = page
        return args


def paginate(session, query, per_page: int = 50) -> Page:
    """Run `query` for the page named in ?page= and count the total."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total or 0, page, per_page)


def csv_response(filename: str, header: list[str], rows) -> Response:
    """Return rows as a UTF-8 CSV download (with BOM, so spreadsheet programs read it); every
    cell goes through exports.cells.neutralise, so no cell can become a live formula."""
    from .exports.cells import neutralise_row

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row) for row in rows)
    return csv_download(filename, out.getvalue())


def csv_download(filename: str, text: str) -> Response:
    """Return CSV text as a download: the one place a CSV response is made."""
    # Flask adds "; charset=utf-8" to a text/* mimetype itself; naming it here sent it twice.
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


# WTForms' own messages (it ships no Indonesian translation), shown in Indonesian.
WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Not a valid choice.": "Pilihan tidak valid.",
    "Not a valid choice": "Pilihan tidak valid.",
    "Invalid Choice: could not coerce.": "Pilihan tidak valid.",
    "Not a valid integer value.": "Harus berupa bilangan bulat.",
    "Not a valid decimal value.": "Harus berupa angka.",
    "Not a valid date value.": "Tanggal tidak valid.",
    "Invalid input.": "Isian tidak valid.",
    "The CSRF token is missing.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "The CSRF token is invalid.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "The CSRF token has expired.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
    "The CSRF session token is missing.": "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.",
}


def field_error(message: str) -> str:
    """Return a form error in Indonesian (WTForms' built-in messages are English)."""
    return WTFORMS_ID.get(str(message), str(message))


def select_choices(pairs) -> list:
    """Return WTForms choices for (value, label) pairs (WTForms 3.3 deprecates bare tuples
    in a field's declaration)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]
