"""Excel downloads of the dashboard: the month's visits and survey responses (XLSX or CSV)."""
import tempfile

from flask import render_template, request, send_file
from flask_babel import get_locale

from reports.periods import PeriodError, parse_month

from ..access import roles_required
from ..audit import record_audit
from ..errors import ApiError
from ..exports.spreadsheet import Sheet, csv_text, write_xlsx
from ..exports.visits import RESPONSE_HEADER, RESPONSE_WIDTHS, VISIT_HEADER, VISIT_WIDTHS, response_rows, visit_rows
from ..extensions import db
from ..webutil import csv_download
from . import ROLES, _offices, bp, data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month():
    raw = request.args.get("period", "").strip()
    if not raw:
        return data.default_period("month")
    try:
        return parse_month(raw)
    except PeriodError as exc:
        raise ApiError(400, "invalid", "The export cannot be made.", {"period": str(exc)}) from None


@bp.route("/exports")
@roles_required(*ROLES)
def exports():
    """Show the Excel and CSV downloads of a month's visits and survey responses."""
    offices = _offices()
    try:
        month, error = _month(), None
    except ApiError as exc:
        month, error = data.default_period("month"), exc.fields["period"]
    from ..access import scope_query
    from ..models import Office

    return render_template("dashboard/exports.html", offices=offices, month=month, error=error,
                           lang=str(get_locale()), chosen=request.args.getlist("office"),
                           all_offices=db.session.scalars(scope_query(db.select(Office), Office.id)
                                                          .order_by(Office.code)).all()), 400 if error else 200


@bp.route("/exports/<any(visits, responses):what>.<any(xlsx, csv):fmt>")
@roles_required(*ROLES)
def export_file(what: str, fmt: str):
    """Download a month's visits or survey responses: XLSX (one sheet per office) or CSV."""
    offices, month = _offices(), _month()
    header, widths, rows_of = (VISIT_HEADER, VISIT_WIDTHS, visit_rows) if what == "visits" else \
        (RESPONSE_HEADER, RESPONSE_WIDTHS, response_rows)
    for office in offices:
        record_audit(f"export.{what}", office_id=office.id, target_type="office", target_id=office.id,
                     detail={"period": month.code, "format": fmt})
    db.session.commit()
    name = f"sitamu-{'kunjungan' if what == 'visits' else 'survei'}-{month.code}"
    if len(offices) == 1:
        name += f"-{offices[0].code.lower()}"
    if fmt == "csv":
        body = csv_text(header, (row for office in offices for row in rows_of(office, month)))
        return csv_download(f"{name}.csv", body)
    out = tempfile.TemporaryFile()
    write_xlsx([Sheet(office.code, header, rows_of(office, month), widths) for office in offices]
               or [Sheet("-", header, [], widths)], out)
    out.seek(0)
    response = send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
