"""The province IKM recap: every office of a period side by side, as PDF or XLSX, made in the
background with progress (reports/ikm_recap)."""
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from reports import jobs
from reports.ikm_recap.job import FORMATS, MIMETYPES, recap_file, start_recap
from reports.periods import PeriodError, parse_period

from ..access import can_access_office, roles_required
from ..audit import record_audit
from ..errors import ApiError, json_endpoint
from ..extensions import db
from . import _offices, bp, data

RECAP_ROLES = ("central_admin", "supervisor")


@bp.route("/recap")
@roles_required(*RECAP_ROLES)
def recap():
    """Show the recap form: period and format, for every office the user sees."""
    return render_template("dashboard/recap.html", offices=_offices(), period=data.default_period("semester"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/recap/jobs", methods=["POST"])
@roles_required(*RECAP_ROLES)
def recap_start():
    """Start (or reuse) a recap job; JSON for scripts, a redirect to its progress page otherwise."""
    offices = _offices()
    fields = {}
    fmt = request.form.get("format", "pdf")
    if fmt not in FORMATS:
        fields["format"] = "must be pdf or xlsx"
    try:
        period = parse_period(request.form.get("period", ""))
    except PeriodError as exc:
        fields["period"] = str(exc)
    if not offices:
        fields["office"] = "no office to recap"
    if fields:
        if _wants_json():
            raise ApiError(400, "invalid", "The recap cannot be made.", fields)
        for name, message in fields.items():
            flash(f"{name}: {message}", "error")
        return redirect(url_for("dashboard.recap"))
    status = start_recap([o.id for o in offices], period.code, fmt, user_id=current_user.id)
    record_audit("report.request", target_type="recap", target_id=status["job_id"],
                 detail={"kind": "recap", "period": period.code, "format": fmt, "offices": len(offices)})
    db.session.commit()
    if _wants_json():
        return jsonify(_public(status)), 202
    return redirect(url_for("dashboard.recap_job", job_id=status["job_id"]))


def _job_or_404(job_id: str) -> dict:
    try:
        status = jobs.job_status(job_id)
    except jobs.ReportError:
        abort(404)
    if status is None or status.get("kind") != "recap":
        abort(404)
    if not all(can_access_office(current_user, office_id) for office_id in status.get("office_ids", [])):
        abort(403)
    return status


def _public(status: dict) -> dict:
    done = status.get("state") == "done"
    return {"job_id": status["job_id"], "kind": "recap", "period": status["period"], "format": status["format"],
            "offices": len(status.get("office_ids", [])), "state": status.get("state"),
            "progress": status.get("progress", 0), "message": status.get("message", ""),
            "error": status.get("error"),
            "status_url": url_for("dashboard.recap_job_status", job_id=status["job_id"]),
            "download_url": url_for("dashboard.recap_download", job_id=status["job_id"]) if done else None}


@bp.route("/recap/jobs/<job_id>")
@roles_required(*RECAP_ROLES)
def recap_job(job_id: str):
    """Show a recap job's progress and, when done, its download link."""
    return render_template("dashboard/recap_job.html", job=_public(_job_or_404(job_id)))


@bp.route("/recap/jobs/<job_id>/status")
@json_endpoint
@roles_required(*RECAP_ROLES)
def recap_job_status(job_id: str):
    """Return a recap job's progress as JSON."""
    return jsonify(_public(_job_or_404(job_id)))


@bp.route("/recap/jobs/<job_id>/download")
@roles_required(*RECAP_ROLES)
def recap_download(job_id: str):
    """Send a finished recap (PDF or XLSX)."""
    status = _job_or_404(job_id)
    path = recap_file(job_id) if status.get("state") == "done" else None
    if path is None:
        abort(404)
    record_audit("report.download", target_type="recap", target_id=job_id,
                 detail={"kind": "recap", "period": status["period"], "format": status["format"]})
    db.session.commit()
    return send_file(path, mimetype=MIMETYPES[status["format"]], as_attachment=True,
                     download_name=status.get("filename") or f"rekap-ikm.{status['format']}", max_age=0)
