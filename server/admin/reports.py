"""Report downloads (made in the background, with progress), paper SKM upload, IKM follow-up plans."""
import os
from datetime import datetime, timezone

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from reports import jobs
from reports.follow_up import FollowUpError, plans_for, save_plans
from reports.ikm import ELEMENT_KEYS, ELEMENT_LABELS, format_id, format_konversi, ikm_for
from reports.paper import CsvError, import_paper_responses, parse_survey_csv, problem_id
from reports.periods import PeriodError, parse_period, period_containing

from ..access import ADMINS, can_access_office, office_or_403, roles_required
from ..audit import record_audit
from ..errors import ApiError, json_endpoint
from ..i18n import translate as _
from . import bp
from .routes import scoped_offices

READERS = (*ADMINS, "supervisor")
MAX_CSV_BYTES = 5 * 1024 * 1024


def _this_month(office=None) -> str:
    tz = office.timezone if office else "Asia/Jakarta"
    return period_containing(datetime.now(timezone.utc), "month", tz).code


def _office_from(value) -> "Office":  # noqa: F821
    try:
        office_id = int(value)
    except (TypeError, ValueError):
        abort(400)
    return office_or_403(office_id)


@bp.route("/reports")
@roles_required(*READERS)
def reports():
    """Show the report page: register and IKM downloads, paper upload and plans."""
    offices = scoped_offices()
    return render_template("admin/reports/index.html", offices=offices, month=_this_month(),
                           can_edit=current_user.role in ADMINS)


@bp.route("/reports/jobs", methods=["POST"])
@roles_required(*READERS)
def report_start():
    """Start (or reuse) a report job; JSON for scripts, a redirect to its page otherwise."""
    kind = request.form.get("kind", "")
    office = _office_from(request.form.get("office_id"))
    period = (request.form.get("period") or "").strip()
    population = request.form.get("population", "").strip()
    fields = {}
    if kind not in jobs.KINDS:
        fields["kind"] = "must be register or ikm"
    pop = None
    if population:
        if not population.isdigit() or not 0 < int(population) <= 10_000_000:
            fields["population"] = "must be a whole number from 1 to 10000000"
        else:
            pop = int(population)
    if not fields:
        try:
            jobs.report_period(kind, office, period)
        except PeriodError as exc:
            fields["period"] = str(exc)
    if fields:
        if _wants_json():
            raise ApiError(400, "invalid", "The report cannot be made.", fields)
        for name, message in fields.items():
            flash(f"{name}: {message}", "error")
        return redirect(url_for("admin.reports"))
    status = jobs.start_job(kind, office.id, period, user_id=current_user.id,
                            population=pop if kind == "ikm" else None)
    record_audit("report.request", office_id=office.id, target_type="report", target_id=status["job_id"],
                 detail={"kind": kind, "period": status["period"]})
    from ..extensions import db

    db.session.commit()
    if _wants_json():
        return jsonify(_public_status(status)), 202
    return redirect(url_for("admin.report_job", job_id=status["job_id"]))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _job_or_404(job_id: str) -> dict:
    try:
        status = jobs.job_status(job_id)
    except jobs.ReportError:
        abort(404)
    if status is None:
        abort(404)
    if not can_access_office(current_user, status.get("office_id")):
        abort(403)
    return status


def _public_status(status: dict) -> dict:
    done = status.get("state") == "done"
    return {
        "job_id": status["job_id"], "kind": status["kind"], "period": status["period"],
        "state": status.get("state"), "progress": status.get("progress", 0),
        "message": status.get("message", ""), "error": status.get("error"),
        "status_url": url_for("admin.report_job_status", job_id=status["job_id"]),
        "download_url": url_for("admin.report_download", job_id=status["job_id"]) if done else None,
    }


@bp.route("/reports/jobs/<job_id>")
@roles_required(*READERS)
def report_job(job_id: str):
    """Show a report job's progress and, when done, its download link."""
    status = _job_or_404(job_id)
    from ..extensions import db
    from ..models import Office

    office = db.session.get(Office, status["office_id"])
    return render_template("admin/reports/job.html", job=_public_status(status), office=office)


@bp.route("/reports/jobs/<job_id>/status")
@json_endpoint
@roles_required(*READERS)
def report_job_status(job_id: str):
    """Return a report job's progress as JSON."""
    return jsonify(_public_status(_job_or_404(job_id)))


@bp.route("/reports/jobs/<job_id>/download")
@roles_required(*READERS)
def report_download(job_id: str):
    """Send a finished report PDF."""
    status = _job_or_404(job_id)
    # The document comes from the database (every node serves it), as a temporary file.
    body = jobs.job_file(job_id) if status.get("state") == "done" else None
    if body is None:
        abort(404)
    record_audit("report.download", office_id=status["office_id"], target_type="report", target_id=job_id,
                 detail={"kind": status["kind"], "period": status["period"]})
    from ..extensions import db

    db.session.commit()
    response = send_file(body, mimetype="application/pdf", as_attachment=True,
                         download_name=status.get("filename") or f"{status['kind']}.pdf", max_age=0)
    response.content_length = os.fstat(body.fileno()).st_size
    return response


@bp.route("/reports/paper", methods=["GET", "POST"])
@roles_required(*ADMINS)
def report_paper():
    """Upload a paper SKM CSV into an office's period."""
    offices = scoped_offices()
    context = {"offices": offices, "month": _this_month(), "problems": [], "result": None,
               "period_result": None, "form": request.form, "konversi": format_konversi,
               "problem_id": problem_id}
    if request.method == "GET":
        return render_template("admin/reports/paper.html", **context)
    office = _office_from(request.form.get("office_id"))
    upload = request.files.get("file")
    try:
        period = parse_period(request.form.get("period", ""), office.timezone)
    except PeriodError as exc:
        context["problems"] = [(0, f"periode: {exc}")]
        return render_template("admin/reports/paper.html", **context), 400
    if upload is None or not upload.filename:
        context["problems"] = [(0, _("Pilih berkas CSV."))]
        return render_template("admin/reports/paper.html", **context), 400
    data = upload.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        context["problems"] = [(0, _("Berkas lebih dari 5 MB."))]
        return render_template("admin/reports/paper.html", **context), 400
    try:
        survey = parse_survey_csv(data)
        batch = import_paper_responses(office, survey, period, user_id=current_user.id)
    except CsvError as exc:
        from ..extensions import db

        db.session.rollback()
        context["problems"] = exc.problems
        return render_template("admin/reports/paper.html", **context), 400
    flash(_("{n} jawaban kertas ditambahkan ke {office}, {period}.", n=len(survey.rows), office=office.name,
            period=period.label(_lang())), "success")
    context.update(result=survey.ikm(office.ikm_convention), batch=batch, office=office, period=period,
                   period_result=ikm_for(office.id, period))
    return render_template("admin/reports/paper.html", **context)


def _lang() -> str:
    from flask_babel import get_locale

    return str(get_locale())


@bp.route("/reports/plans", methods=["GET", "POST"])
@roles_required(*ADMINS)
def report_plans():
    """Edit the rencana tindak lanjut of an office's period (shown on the IKM report)."""
    offices = scoped_offices()
    office_id = request.values.get("office_id") or (offices[0].id if offices else None)
    if office_id is None:
        abort(404)
    office = _office_from(office_id)
    try:
        period = parse_period(request.values.get("period") or _this_month(office), office.timezone)
    except PeriodError as exc:
        flash(f"periode: {exc}", "error")
        return redirect(url_for("admin.report_plans", office_id=office.id))
    errors = {}
    if request.method == "POST":
        plans = {key: request.form.get(f"plan_{key}", "") for key in ELEMENT_KEYS}
        try:
            changed = save_plans(office, period, plans, user_id=current_user.id)
            flash(_("Rencana tindak lanjut disimpan ({n} unsur berubah).", n=changed), "success")
            return redirect(url_for("admin.report_plans", office_id=office.id, period=period.code))
        except FollowUpError as exc:
            errors = exc.fields
    result = ikm_for(office.id, period)
    weakest = {e.key for e in result.weakest(3)}
    plans = plans_for(office.id, period)
    rows = [{"key": key, "label": ELEMENT_LABELS[key][0 if _lang() != "en" else 1],
             "nrr": format_id(result.elements[key].nrr, 3), "mutu": result.elements[key].mutu,
             "weak": key in weakest, "plan": request.form.get(f"plan_{key}", plans.get(key, "")),
             "error": errors.get(key)} for key in ELEMENT_KEYS]
    return render_template("admin/reports/plans.html", offices=offices, office=office, period=period,
                           result=result, konversi=format_konversi(result), rows=rows), 400 if errors else 200
