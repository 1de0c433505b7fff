"""The sync quarantine: records a tablet sent that the server refused, to fix, replay or dismiss."""
import json

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMINS, office_or_403, roles_required, scope_query
from ..extensions import db
from ..i18n import translate as _
from ..models import Device, Office, Quarantine
from ..webutil import paginate
from . import bp
from .forms import DismissForm, QuarantineFixForm

# Payload keys holding personal data: never shown; kept as they are unless retyped.
HIDDEN_KEYS = ("id_number", "phone", "nik")
HIDDEN = "[tersimpan, tidak ditampilkan]"


def hide_personal(value):
    """Return a copy of a payload with identity numbers and phones replaced by a marker."""
    if isinstance(value, dict):
        return {k: (HIDDEN if k in HIDDEN_KEYS and v else hide_personal(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_personal(v) for v in value]
    return value


def restore_personal(edited, original):
    """Put back the hidden values the admin left as the marker."""
    if isinstance(edited, dict) and isinstance(original, dict):
        return {k: (original.get(k) if v == HIDDEN else restore_personal(v, original.get(k)))
                for k, v in edited.items()}
    if isinstance(edited, list) and isinstance(original, list):
        return [restore_personal(e, original[i] if i < len(original) else None)
                for i, e in enumerate(edited)]
    return edited


def _item_or_403(item_id: int) -> Quarantine:
    item = db.get_or_404(Quarantine, item_id)
    office_or_403(item.office_id)
    return item


@bp.route("/quarantine")
@roles_required(*ADMINS)
def quarantine():
    """List quarantined records in scope (open ones first)."""
    status = request.args.get("status", "open")
    query = scope_query(db.select(Quarantine), Quarantine.office_id)
    if status in ("open", "replayed", "dismissed"):
        query = query.where(Quarantine.status == status)
    page = paginate(db.session, query.order_by(Quarantine.created_at.desc(), Quarantine.id.desc()))
    device_ids = {q.device_id for q in page.items if q.device_id}
    return render_template("admin/quarantine.html", page=page, status=status,
                           offices={o.id: o for o in db.session.scalars(db.select(Office)).all()},
                           devices={d.id: d for d in db.session.scalars(
                               db.select(Device).where(Device.id.in_(device_ids))).all()})


@bp.route("/quarantine/<int:item_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def quarantine_item(item_id: int):
    """Inspect a quarantined record; fix its content and replay it."""
    item = _item_or_403(item_id)
    form = QuarantineFixForm()
    dismiss = DismissForm(formdata=None)
    error = None
    if request.method == "GET":
        form.payload.data = json.dumps(hide_personal(_record(item)), indent=2, ensure_ascii=False)
    elif item.status != "open":
        error = _("Rekaman ini sudah ditangani.")
    elif form.validate_on_submit():
        try:
            edited = json.loads(form.payload.data)
        except json.JSONDecodeError as exc:
            form.payload.errors.append(f"JSON tidak valid (baris {exc.lineno}, kolom {exc.colno}).")
        else:
            if not isinstance(edited, dict):
                form.payload.errors.append("Isi rekaman harus objek JSON {...}.")
            else:
                payload = restore_personal(edited, _record(item))
                outcome = _replay(item, payload, form.note.data or "")
                if outcome is True:
                    flash(_("Rekaman diputar ulang dan diterima."), "success")
                    return redirect(url_for("admin.quarantine"))
                error = _("Rekaman masih ditolak. Perbaiki kolom yang disebut.")
                form.payload.errors.extend(f"{k}: {v}" for k, v in (outcome or {}).items())
    status = 400 if (error or form.payload.errors) else 200
    return render_template("admin/quarantine_item.html", item=item, form=form, dismiss=dismiss,
                           error=error, shown_errors=hide_personal(item.errors)), status


def _record(item: Quarantine) -> dict:
    """Return the record as the tablet sent it (the sync engine decrypts personal fields)."""
    from ..api.operations import quarantine_record

    return quarantine_record(item)


def _replay(item: Quarantine, record: dict, note: str):
    """Replay through the sync engine; return True, or the fields still refused."""
    from ..api.operations import SyncError, replay_quarantine

    if note.strip():
        item.note = note.strip()[:2000]
    try:
        result = replay_quarantine(item, record, current_user)
    except SyncError as exc:
        db.session.rollback()
        return exc.fields or {"": exc.message}
    if item.status == "replayed":
        return True
    refused = {}
    for entry in result.get("ack", {}).get("quarantined", []) + result.get("ack", {}).get("conflict", []):
        refused.update(entry.get("fields") or {"": entry.get("message", "")})
    return refused


@bp.route("/quarantine/<int:item_id>/dismiss", methods=["POST"])
@roles_required(*ADMINS)
def quarantine_dismiss(item_id: int):
    """Dismiss a quarantined record with a reason; it stays for the record."""
    item = _item_or_403(item_id)
    form = DismissForm()
    if item.status != "open":
        flash(_("Rekaman ini sudah ditangani."), "info")
        return redirect(url_for("admin.quarantine"))
    if not form.validate_on_submit():
        fix = QuarantineFixForm(formdata=None)
        fix.payload.data = json.dumps(hide_personal(_record(item)), indent=2, ensure_ascii=False)
        return render_template("admin/quarantine_item.html", item=item, form=fix, dismiss=form,
                               error=None, shown_errors=hide_personal(item.errors)), 400
    from ..api.operations import dismiss_quarantine

    dismiss_quarantine(item, current_user, note=form.note.data.strip())
    flash(_("Rekaman diabaikan."), "success")
    return redirect(url_for("admin.quarantine"))
