"""Public pages: the survey behind a visit's QR code and each office's published IKM."""
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, Optional

from reports.ikm import ELEMENT_KEYS, ELEMENT_LABELS, ikm_for
from reports.periods import period_containing

from ..dashboard.charts import line_chart, short_label
from ..errors import ApiError
from ..extensions import db, limiter
from ..models import Office
from ..webutil import select_choices
from . import questions as q

bp = Blueprint("public", __name__, url_prefix="/p")

TREND_MONTHS = 6


def _choice(label, choices):
    return RadioField(label, choices=select_choices(choices), validators=[Optional()], validate_choice=True)


class SurveyForm(FlaskForm):
    gender = _choice("Jenis kelamin", q.GENDERS)
    age_band = _choice("Usia", [(a, a) for a in q.AGE_BANDS])
    education = _choice("Pendidikan terakhir", q.EDUCATION)
    occupation = _choice("Pekerjaan", q.OCCUPATION)
    saran = TextAreaField("Saran dan masukan (boleh dikosongkan)", validators=[
        Optional(), Length(max=2000, message="Paling banyak 2000 karakter.")])


for _key in ELEMENT_KEYS:
    setattr(SurveyForm, f"q_{_key}", RadioField(
        q.QUESTIONS[_key], choices=select_choices((str(i + 1), text) for i, text in enumerate(q.ANSWERS[_key])),
        validators=[Optional()], validate_choice=True))


def _office_for_link(link) -> Office:
    return db.session.get(Office, link.office_id)


@bp.route("/survey/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def survey(token: str):
    """Show and take the one-time phone survey of a visit."""
    from ..api.operations import SyncError, find_survey_link, redeem_survey_link

    link = find_survey_link(token)
    if link is None:
        return render_template("public/survey_closed.html"), 404
    office = _office_for_link(link)
    form = SurveyForm()
    error = None
    if form.validate_on_submit():
        answers = {k: int(getattr(form, f"q_{k}").data) if getattr(form, f"q_{k}").data else None
                   for k in ELEMENT_KEYS}
        if all(v is None for v in answers.values()):
            error = "Jawab paling sedikit satu pertanyaan."
        else:
            profile = {name: getattr(form, name).data or "" for name in
                       ("gender", "age_band", "education", "occupation")}
            try:
                redeem_survey_link(token, answers, profile, (form.saran.data or "").strip())
            except SyncError as exc:
                db.session.rollback()
                if exc.status == 400:
                    for field in exc.fields:
                        name = field.split(".")[-1]
                        target = getattr(form, f"q_{name}", None) or getattr(form, name, None)
                        if target is not None:
                            target.errors = list(target.errors) + ["Jawaban tidak valid."]
                    error = "Periksa kembali jawaban yang ditandai."
                else:
                    return render_template("public/survey_closed.html", office=office), 409
            else:
                return render_template("public/survey_thanks.html", office=office)
    elif request.method == "POST":
        error = "Periksa kembali jawaban yang ditandai."
    return render_template("public/survey.html", form=form, office=office, error=error,
                           element_keys=ELEMENT_KEYS), 400 if error else 200


def _survey_answers(form) -> tuple[dict, dict, str]:
    answers = {k: int(getattr(form, f"q_{k}").data) if getattr(form, f"q_{k}").data else None
               for k in ELEMENT_KEYS}
    profile = {name: getattr(form, name).data or "" for name in ("gender", "age_band", "education", "occupation")}
    return answers, profile, (form.saran.data or "").strip()


def store_walk_in_survey(office: Office, answers: dict, profile: dict, saran: str):
    """Store one survey answered through the office's public link (the poster's QR): no visit,
    source "phone". Raises SyncError 400 with `fields` for bad answers; nothing is stored then."""
    import uuid

    from sync.rules import format_time

    from ..api.operations import SyncError, _survey_row, validate_survey
    from ..models import SurveyResponse
    from ..models.base import utcnow

    now = utcnow()
    survey = {"id": str(uuid.uuid4()), "visit_id": None, "submitted_at": format_time(now), "source": "phone",
              "answers": answers, "profile": profile, "saran": saran}
    errors = validate_survey(survey)
    if errors:
        raise SyncError(400, "invalid_request", "The answers are not valid.", errors)
    response = SurveyResponse(**_survey_row(survey, office.id, None, now))
    db.session.add(response)
    db.session.commit()
    return response


def _published_office(code: str) -> Office:
    office = db.session.scalar(db.select(Office).where(Office.code == code))
    if office is None or not office.ikm_published:
        abort(404)
    return office


@bp.route("/skm/<code>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def walk_in_survey(code: str):
    """Show and take the office's open survey (the QR on the "Maklumat hasil SKM" poster)."""
    from ..api.operations import SyncError

    office = _published_office(code)
    form = SurveyForm()
    error = None
    if form.validate_on_submit():
        answers, profile, saran = _survey_answers(form)
        if all(v is None for v in answers.values()):
            error = "Jawab paling sedikit satu pertanyaan."
        else:
            try:
                store_walk_in_survey(office, answers, profile, saran)
            except SyncError as exc:
                db.session.rollback()
                for field in exc.fields:
                    name = field.split(".")[-1]
                    target = getattr(form, f"q_{name}", None) or getattr(form, name, None)
                    if target is not None:
                        target.errors = list(target.errors) + ["Jawaban tidak valid."]
                error = "Periksa kembali jawaban yang ditandai."
            else:
                return render_template("public/survey_thanks.html", office=office)
    elif request.method == "POST":
        error = "Periksa kembali jawaban yang ditandai."
    return render_template("public/survey.html", form=form, office=office, error=error,
                           element_keys=ELEMENT_KEYS), 400 if error else 200


@bp.route("/ikm/<code>")
def ikm(code: str):
    """Show an office's published IKM: the last complete semester (and year) as the headline,
    with respondents, sample adequacy, mutu, the nine elements and the tindak lanjut; the
    months as a trend below."""
    from reports.publication import last_complete, published_ikm

    office = _published_office(code)
    lang = str(get_locale())
    now = datetime.now(timezone.utc)
    semester = published_ikm(office, last_complete("semester", office.timezone, now))
    year = published_ikm(office, last_complete("year", office.timezone, now))
    current = period_containing(now, "month", office.timezone)
    periods = current.previous(TREND_MONTHS - 1) + [current]
    results = [(p, ikm_for([office.id], p)) for p in periods]
    chart = line_chart({office.code: [None if r.konversi_rounded is None else float(r.konversi_rounded)
                                      for _, r in results]},
                       [short_label(p, lang) for p in periods], title="Tren IKM", floor=25, ceiling=100,
                       width=380, height=230, legend=False,
                       bands=((65, "C"), (76.61, "B"), (88.31, "A")))
    return render_template("public/ikm.html", office=office, semester=semester, year=year, results=results,
                           chart=chart, element_keys=ELEMENT_KEYS, element_labels=ELEMENT_LABELS,
                           lang=lang, survey_url=survey_url(office))


def survey_url(office: Office) -> str:
    """Return the public address of the office's open survey (printed as the poster's QR)."""
    from flask import current_app

    base = current_app.config.get("SITAMU_PUBLIC_URL", "").rstrip("/")
    return f"{base}/p/skm/{office.code}"


@bp.route("/ikm/<code>/maklumat.pdf")
@limiter.limit("30 per minute")
def poster(code: str):
    """Return the printable one-page "Maklumat hasil SKM" of a period (?period=2026-S1; the
    last complete semester by default) as a PDF."""
    from flask import Response

    from reports.periods import PeriodError
    from reports.poster import gather_poster, render_poster
    from reports.publication import published_period

    office = _published_office(code)
    try:
        period = published_period(office, request.args.get("period"))
    except PeriodError:
        raise ApiError(400, "invalid_request", "Periode tidak dikenal (YYYY-MM, YYYY-Qn, YYYY-Sn atau YYYY).",
                       {"period": "must be YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY"}) from None
    pdf = render_poster(gather_poster(office, period, survey_url(office)))
    name = f"maklumat-skm-{office.code}-{period.code}.pdf".lower()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})

