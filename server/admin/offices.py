"""Office settings: letterhead and logo, time zone, SOP and its minutes, IKM, retention, signer."""
import hashlib

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from reports.population import format_population

from ..access import ADMINS, office_or_403, roles_required
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import Attachment, Office
from . import bp, sop_bridge
from .forms import OfficeForm, SopForm
from .routes import scoped_offices

OFFICE_FIELDS = ("code", "name", "region", "address", "phone", "email", "timezone",
                 "ikm_convention", "ikm_published", "signer_name", "signer_position", "signer_nip",
                 "retention_days", "device_retention_days", "visit_time_limit", "staff_lock_minutes")

# The signing block, the SKM population and the respondent threshold of the reports.
REPORT_FIELDS = ("signer_rank", "maker_name", "maker_position", "maker_rank", "maker_nip", "city")


def _office_form(office: Office | None) -> OfficeForm:
    form = OfficeForm(obj=office)
    parents = [(0, "—")] + [(o.id, f"{o.name} ({o.code})") for o in scoped_offices()
                            if office is None or o.id != office.id]
    form.parent_id.choices = parents
    if request.method == "GET":
        if office is not None:
            form.letterhead.data = "\n".join(office.letterhead or [])
            form.population.data = format_population(office.population)
            form.parent_id.data = office.parent_id or 0
        else:
            form.retention_days.data, form.device_retention_days.data = 365, 0
            form.visit_time_limit.data, form.ikm_published.data = 30, True
            form.respondent_threshold.data = 30
            form.staff_lock_minutes.data = 5
    return form


def _apply(form: OfficeForm, office: Office) -> list[str]:
    """Copy the form into the office; return the names of the fields that changed."""
    changed = []
    for name in OFFICE_FIELDS:
        value = getattr(form, name).data
        if value is None and name == "staff_lock_minutes":
            value = 5  # left empty: the default
        if isinstance(value, str):
            value = value.strip()
        if getattr(office, name) != value:
            setattr(office, name, value)
            changed.append(name)
    for name in REPORT_FIELDS:
        value = (getattr(form, name).data or "").strip()
        if (getattr(office, name) or "") != value:
            setattr(office, name, value)
            changed.append(name)
    threshold = form.respondent_threshold.data or 30  # left empty: the default
    if office.respondent_threshold != threshold:
        office.respondent_threshold = threshold
        changed.append("respondent_threshold")
    population = getattr(form.population, "parsed", None) or {}
    if (office.population or {}) != population:
        office.population = population
        changed.append("population")
    letterhead = [line.strip() for line in (form.letterhead.data or "").splitlines() if line.strip()]
    if office.letterhead != letterhead:
        office.letterhead = letterhead
        changed.append("letterhead")
    parent = form.parent_id.data or None
    if office.parent_id != parent:
        office.parent_id = parent
        changed.append("parent_id")
    upload = form.logo.data
    if upload and getattr(upload, "filename", ""):
        data = upload.read()
        sha = hashlib.sha256(data).hexdigest()
        if db.session.get(Attachment, sha) is None:
            content_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            db.session.add(Attachment(sha256=sha, office_id=office.id, kind="logo",
                                      content_type=content_type, size=len(data), data=data))
        if office.logo_sha != sha:
            office.logo_sha = sha
            changed.append("logo_sha")
    return changed


def _descendants(office_id: int) -> set[int]:
    """Return the ids of the offices under an office (any depth)."""
    found, frontier = set(), {office_id}
    while frontier:
        children = set(db.session.scalars(db.select(Office.id).where(Office.parent_id.in_(frontier))))
        frontier = children - found - {office_id}
        found |= frontier
    return found


def _code_taken(code: str, office: Office | None) -> bool:
    other = db.session.scalar(db.select(Office).where(Office.code == code.strip()))
    return other is not None and (office is None or other.id != office.id)


@bp.route("/offices")
@roles_required(*ADMINS)
def offices():
    """List the offices in scope."""
    return render_template("admin/offices.html", offices=scoped_offices())


@bp.route("/offices/new", methods=["GET", "POST"])
@roles_required("central_admin")
def office_new():
    """Create an office (central admins only)."""
    form = _office_form(None)
    templates = sop_bridge.template_choices()
    template = request.form.get("sop_template", templates[0][0] if templates else "")
    if form.validate_on_submit():
        if _code_taken(form.code.data, None):
            form.code.errors.append("Kode ini sudah dipakai kantor lain.")
        elif templates and template not in dict(templates):
            flash(_("Templat SOP tidak dikenal."), "error")
        else:
            office = Office(code=form.code.data.strip(), name=form.name.data.strip(),
                            sop_template=template or "", sop_minutes={})
            db.session.add(office)
            db.session.flush()
            changed = _apply(form, office)
            record_audit("office.create", office_id=office.id, target_type="office",
                         target_id=office.id, detail={"fields": sorted(changed)})
            db.session.commit()
            flash(_("Kantor disimpan."), "success")
            return redirect(url_for("admin.office_edit", office_id=office.id))
    return render_template("admin/office_form.html", form=form, office=None, templates=templates,
                           template=template), 400 if form.errors else 200


@bp.route("/offices/<int:office_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def office_edit(office_id: int):
    """Edit an office's settings."""
    office = office_or_403(office_id)
    form = _office_form(office)
    if current_user.role != "central_admin":
        # The code and the parent decide scope: only a central admin changes them.
        form.code.data = office.code if request.method == "POST" else form.code.data
        form.parent_id.choices = [(office.parent_id or 0, "—")]
        if request.method == "POST":
            form.parent_id.data = office.parent_id or 0
    if form.validate_on_submit():
        if _code_taken(form.code.data, office):
            form.code.errors.append("Kode ini sudah dipakai kantor lain.")
        elif form.parent_id.data and form.parent_id.data in _descendants(office.id):
            form.parent_id.errors.append("Induk tidak boleh kantor di bawah kantor ini.")
        else:
            changed = _apply(form, office)
            if changed:
                record_audit("office.update", office_id=office.id, target_type="office",
                             target_id=office.id, detail={"fields": sorted(changed)})
            db.session.commit()
            flash(_("Pengaturan kantor disimpan."), "success")
            return redirect(url_for("admin.office_edit", office_id=office.id))
    return render_template("admin/office_form.html", form=form, office=office,
                           templates=None), 400 if form.errors else 200


@bp.route("/offices/<int:office_id>/logo")
@roles_required(*ADMINS)
def office_logo(office_id: int):
    """Return the office's logo image."""
    office = office_or_403(office_id)
    logo = db.session.get(Attachment, office.logo_sha) if office.logo_sha else None
    if logo is None:
        abort(404)
    return Response(logo.data, mimetype=logo.content_type,
                    headers={"Cache-Control": "private, max-age=3600"})


@bp.route("/offices/<int:office_id>/sop", methods=["GET", "POST"])
@roles_required(*ADMINS)
def office_sop(office_id: int):
    """Pick the office's SOP template and adjust its standard minutes per step."""
    office = office_or_403(office_id)
    templates = sop_bridge.template_choices()
    form = SopForm()
    form.sop_template.choices = templates or [(office.sop_template, office.sop_template)]
    if request.method == "GET":
        form.sop_template.data = office.sop_template
    chosen = form.sop_template.data if form.sop_template.data in dict(form.sop_template.choices) \
        else office.sop_template
    steps = sop_bridge.steps_with_minutes(office, chosen)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        overrides, errors = _read_minutes(steps)
        if not errors:
            errors = sop_bridge.validate_overrides(chosen, overrides)
        if not errors:
            changed = []
            if office.sop_template != chosen:
                office.sop_template = chosen
                changed.append("sop_template")
            if (office.sop_minutes or {}) != overrides:
                office.sop_minutes = overrides
                changed.append("sop_minutes")
            if changed:
                record_audit("office.sop_update", office_id=office.id, target_type="office",
                             target_id=office.id, detail={"fields": changed,
                                                          "steps": sorted(overrides)})
            db.session.commit()
            flash(_("Pengaturan SOP disimpan."), "success")
            return redirect(url_for("admin.office_sop", office_id=office.id))
    status = 400 if (errors or form.errors) else 200
    return render_template("admin/office_sop.html", office=office, form=form, steps=steps,
                           errors=errors, sop_available=sop_bridge.available()), status


def _read_minutes(steps: list[dict]) -> tuple[dict, dict]:
    """Read the per-step minute fields; keep only values that differ from the template."""
    overrides, errors = {}, {}
    for step in steps:
        raw = request.form.get(f"minutes-{step['key']}", "").strip()
        if raw == "":
            continue
        if not raw.isdigit() or not 0 <= int(raw) <= 1440:
            errors[step["key"]] = "Harus bilangan 0 sampai 1440 menit."
            continue
        if step["template_minutes"] is None or int(raw) != step["template_minutes"]:
            overrides[step["key"]] = int(raw)
    return overrides, errors
