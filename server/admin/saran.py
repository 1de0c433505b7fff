"""Saran (suggestions) of the SKM: read, filter by theme, state or words, and answer them."""
from datetime import datetime, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reports.periods import PeriodError, parse_period, period_containing
from reports.saran import THEMES, SaranError, answer_saran, deidentify, theme_label, themes_of

from ..access import ADMINS, office_or_403, roles_required
from ..extensions import db
from ..i18n import translate as _
from ..models import SurveyResponse
from ..webutil import Page
from . import bp
from .routes import scoped_offices

READERS = (*ADMINS, "supervisor")
PER_PAGE = 30
STATES = ("all", "open", "answered")


def _filters(offices) -> dict:
    """Read the page's filters from the query string (bad values fall back to the defaults)."""
    args = request.args
    try:
        office_id = int(args.get("office_id") or (offices[0].id if offices else 0))
    except ValueError:
        abort(400)
    office = office_or_403(office_id)
    try:
        period = parse_period(args.get("period") or "", office.timezone)
    except PeriodError:
        period = period_containing(datetime.now(timezone.utc), "semester", office.timezone)
    theme = args.get("theme") if args.get("theme") in THEMES else ""
    state = args.get("state") if args.get("state") in STATES else "all"
    words = " ".join((args.get("q") or "").split())[:100]
    return {"office": office, "period": period, "theme": theme, "state": state, "q": words}


def saran_page(office, period, theme: str = "", state: str = "all", words: str = "", page: int = 1) -> Page:
    """Return one page of an office's saran in a period, newest first, filtered: each item is
    (response, its themes)."""
    period = period.in_zone(office.timezone)
    rows = db.session.scalars(db.select(SurveyResponse).where(
        SurveyResponse.office_id == office.id, SurveyResponse.submitted_at >= period.start,
        SurveyResponse.submitted_at < period.end, SurveyResponse.saran != "")
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id)).all()
    items = []
    for row in rows:
        themes = themes_of(row.saran)
        if theme and theme not in themes:
            continue
        if state == "open" and row.saran_reply or state == "answered" and not row.saran_reply:
            continue
        if words and words.lower() not in row.saran.lower():
            continue
        items.append((row, themes))
    start = (page - 1) * PER_PAGE
    return Page(items[start:start + PER_PAGE], len(items), page, PER_PAGE)


@bp.route("/saran")
@roles_required(*READERS)
def saran():
    """Show the saran of an office and period, with filters and a reply box for admins."""
    offices = scoped_offices()
    if not offices:
        abort(403)
    filters = _filters(offices)
    number = request.args.get("page", "1")
    page = saran_page(filters["office"], filters["period"], filters["theme"], filters["state"], filters["q"],
                      int(number) if number.isdigit() and int(number) > 0 else 1)
    return render_template("admin/saran.html", offices=offices, page=page, themes=THEMES, theme_label=theme_label,
                           deidentify=deidentify, can_answer=current_user.role in ADMINS, errors={},
                           **filters)


@bp.route("/saran/<response_id>/reply", methods=["POST"])
@roles_required(*ADMINS)
def saran_reply(response_id: str):
    """Store (or clear) the office's answer to one saran."""
    response = db.session.get(SurveyResponse, response_id)
    if response is None:
        abort(404)
    office = office_or_403(response.office_id)
    back = {k: v for k, v in request.form.items() if k in ("period", "theme", "state", "q", "page") and v}
    try:
        changed = answer_saran(response, request.form.get("reply", ""), current_user.id)
    except SaranError as exc:
        db.session.rollback()
        filters = {"office": office, "period": parse_period(back.get("period", ""), office.timezone)
                   if back.get("period") else period_containing(response.submitted_at, "semester", office.timezone),
                   "theme": "", "state": "all", "q": ""}
        page = saran_page(office, filters["period"])
        return render_template("admin/saran.html", offices=scoped_offices(), page=page, themes=THEMES,
                               theme_label=theme_label, deidentify=deidentify, can_answer=True,
                               errors={response.id: exc.fields["reply"]}, **filters), 400
    if changed:
        flash(_("Jawaban atas saran disimpan."), "success")
    return redirect(url_for("admin.saran", office_id=office.id, **back) + f"#saran-{response.id}")
