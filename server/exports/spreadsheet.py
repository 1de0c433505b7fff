"""Write tables as XLSX (openpyxl, write-only: rows stream to the file) or CSV.

A sheet is a title, a header row and rows of plain values: str, int, float, Decimal, date,
datetime (local, naive: spreadsheet programs have no time zones) or None. Every text cell goes
through cells.neutralise. The header row is bold and frozen; dates are real date cells.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable

from .cells import neutralise, neutralise_row

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: Iterable[list]
    widths: list[int] = field(default_factory=list)  # characters per column; guessed when empty
    number_formats: dict[int, str] = field(default_factory=dict)  # column index -> Excel format


def sheet_title(text: str, taken: set[str]) -> str:
    """Return a valid, unused sheet title (at most 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", text).strip("'") or "Sheet"
    title, n = base[:31], 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def write_xlsx(sheets: list[Sheet], out) -> None:
    """Write the sheets to `out` (a path or a binary file) as one XLSX workbook."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    taken: set[str] = set()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        ws = book.create_sheet(sheet_title(sheet.title, taken))
        ws.freeze_panes = "A2"
        widths = sheet.widths or [max(10, min(40, len(h) + 2)) for h in sheet.header]
        for index, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = width
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(ws, value=neutralise(title))
            cell.font, cell.alignment = bold, wrap
            header.append(cell)
        ws.append(header)
        formats = sheet.number_formats
        for row in sheet.rows:
            out_row = []
            for index, value in enumerate(row):
                value = neutralise(value)
                if isinstance(value, Decimal):
                    value = float(value)
                fmt = formats.get(index)
                if fmt is None and isinstance(value, datetime):
                    fmt = DATETIME_FORMAT
                elif fmt is None and isinstance(value, date):
                    fmt = DATE_FORMAT
                if fmt is None:
                    out_row.append(value)
                else:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = fmt
                    out_row.append(cell)
            ws.append(out_row)
    book.save(out)


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    """Return rows as CSV text with a BOM (so spreadsheet programs read UTF-8), cells neutralised;
    dates as YYYY-MM-DD and times as YYYY-MM-DD HH:MM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(neutralise_row(header))
    for row in rows:
        writer.writerow(neutralise_row(
            v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else
            v.isoformat() if isinstance(v, date) else v for v in row))
    return out.getvalue()
