"""Public pages: the survey behind a visit's QR code and each office's published IKM."""
from datetime import datetime, timezone

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, Optional

from reports.ikm import ELEMENT_KEYS, ELEMENT_LABELS, ikm_for
from reports.periods import period_containing

from ..extensions import db, limiter
from ..models import Office
from ..webutil import select_choices
from ..dashboard.charts import line_chart, short_label
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
                    for field, why in exc.fields.items():
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


@bp.route("/ikm/<code>")
def ikm(code: str):
    """Show an office's published IKM: the latest period, its mutu, and the trend."""
    office = db.session.scalar(db.select(Office).where(Office.code == code))
    if office is None or not office.ikm_published:
        abort(404)
    lang = str(get_locale())
    current = period_containing(datetime.now(timezone.utc), "month", office.timezone)
    periods = current.previous(TREND_MONTHS - 1) + [current]
    results = [(p, ikm_for([office.id], p)) for p in periods]
    # The latest period with answers; the running month counts only once it has some.
    latest = next(((p, r) for p, r in reversed(results) if not r.empty), None)
    chart = line_chart({office.code: [None if r.konversi_rounded is None else float(r.konversi_rounded)
                                      for _, r in results]},
                       [short_label(p, lang) for p in periods], title="Tren IKM", lo=25, hi=100,
                       width=380, height=230, legend=False,
                       bands=((65, "C"), (76.61, "B"), (88.31, "A")))
    return render_template("public/ikm.html", office=office, latest=latest, results=results,
                           chart=chart, element_keys=ELEMENT_KEYS, element_labels=ELEMENT_LABELS,
                           lang=lang)
