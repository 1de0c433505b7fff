"""Staff accounts, hosts (pejabat) and services (layanan) of the offices in scope."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMINS, can_access_office, roles_required, scope_query
from ..audit import record_audit
from ..extensions import db
from ..i18n import translate as _
from ..models import ROLES, Host, Office, Service, StaffUser
from . import bp
from .forms import TIER_LABELS, HostForm, ServiceForm, StaffForm
from .routes import office_choices

# Roles an office admin may hand out (never central admin).
OFFICE_ADMIN_GRANTS = ("office_admin", "supervisor", "receptionist", "security", "host")


def _changed_fields(obj, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _in_scope_or_403(office_id: int | None) -> None:
    if not can_access_office(current_user, office_id):
        abort(403)


# -- Staff ----------------------------------------------------------------------------------

@bp.route("/staff")
@roles_required(*ADMINS)
def staff():
    """List staff accounts in scope."""
    query = scope_query(db.select(StaffUser), StaffUser.office_id).order_by(StaffUser.username)
    users = db.session.scalars(query).all()
    offices = {o.id: o for o in db.session.scalars(db.select(Office)).all()}
    return render_template("admin/staff.html", users=users, offices=offices, roles=ROLES)


def _staff_form(user: StaffUser | None) -> StaffForm:
    form = StaffForm(obj=user)
    if current_user.role == "central_admin":
        form.office_id.choices = office_choices(blank="— (semua kantor)")
    else:
        form.office_id.choices = office_choices()
        form.role.choices = [(r, ROLES[r]) for r in OFFICE_ADMIN_GRANTS]
    office_ids = [c[0] for c in form.office_id.choices if c[0]]
    hosts = db.session.scalars(db.select(Host).where(Host.office_id.in_(office_ids))
                               .order_by(Host.name)).all()
    form.host_id.choices = [(0, "—")] + [(h.id, f"{h.name} · {h.position}") for h in hosts]
    if request.method == "GET" and user is not None:
        form.office_id.data = user.office_id or 0
        form.host_id.data = user.host_id or 0
    return form


def _validate_staff(form: StaffForm, user: StaffUser | None) -> bool:
    ok = form.validate_on_submit()
    if not ok:
        return False
    role, office_id, host_id = form.role.data, form.office_id.data or None, form.host_id.data or None
    if role in ("central_admin",) and office_id:
        form.office_id.errors.append("Admin pusat tidak terikat pada satu kantor.")
    if role not in ("central_admin", "supervisor") and not office_id:
        form.office_id.errors.append("Pilih kantor untuk peran ini.")
    if role == "host":
        host = db.session.get(Host, host_id) if host_id else None
        if host is None:
            form.host_id.errors.append("Pilih pejabat yang dilayani akun ini.")
        elif host.office_id != office_id:
            form.host_id.errors.append("Pejabat harus dari kantor yang sama.")
    elif host_id:
        form.host_id.errors.append("Hanya peran Pejabat / Ajudan yang terhubung ke pejabat.")
    if user is None and not form.password.data:
        form.password.errors.append("Wajib diisi untuk akun baru.")
    taken = db.session.scalar(db.select(StaffUser).where(StaffUser.username == form.username.data.strip()))
    if taken is not None and (user is None or taken.id != user.id):
        form.username.errors.append("Nama pengguna ini sudah dipakai.")
    if user is not None and user.id == current_user.id and (not form.active.data or role != user.role):
        form.active.errors.append("Anda tidak dapat menonaktifkan atau mengubah peran akun sendiri.")
    return not any(f.errors for f in form)


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def staff_new():
    """Create a staff account."""
    form = _staff_form(None)
    if _validate_staff(form, None):
        user = StaffUser(username=form.username.data.strip(), name=form.name.data.strip(),
                         email=(form.email.data or "").strip(), role=form.role.data,
                         office_id=form.office_id.data or None, host_id=form.host_id.data or None,
                         active=form.active.data)
        user.set_password(form.password.data)
        if form.pin.data:
            user.set_pin(form.pin.data)
        db.session.add(user)
        db.session.flush()
        record_audit("staff.create", office_id=user.office_id, target_type="staff", target_id=user.id,
                     detail={"role": user.role})
        db.session.commit()
        flash(_("Akun staf dibuat."), "success")
        return redirect(url_for("admin.staff"))
    return render_template("admin/staff_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def staff_edit(user_id: int):
    """Edit a staff account (role, office, password, PIN, active)."""
    user = db.get_or_404(StaffUser, user_id)
    _in_scope_or_403(user.office_id)
    if current_user.role != "central_admin" and user.role == "central_admin":
        abort(403)
    form = _staff_form(user)
    if _validate_staff(form, user):
        changed = _changed_fields(user, {
            "username": form.username.data, "name": form.name.data, "email": form.email.data or "",
            "role": form.role.data, "office_id": form.office_id.data or None,
            "host_id": form.host_id.data or None, "active": form.active.data})
        if form.password.data:
            user.set_password(form.password.data)
            user.failed_logins, user.locked_until = 0, None
            changed.append("password")
        if form.pin.data:
            user.set_pin(form.pin.data)
            changed.append("pin")
        if changed:
            record_audit("staff.update", office_id=user.office_id, target_type="staff",
                         target_id=user.id, detail={"fields": sorted(changed)})
        db.session.commit()
        flash(_("Akun staf disimpan."), "success")
        return redirect(url_for("admin.staff"))
    return render_template("admin/staff_form.html", form=form, user=user), 400 if form.errors else 200


# -- Hosts ----------------------------------------------------------------------------------

@bp.route("/hosts")
@roles_required(*ADMINS)
def hosts():
    """List hosts in scope with their tier, aide and availability."""
    query = scope_query(db.select(Host), Host.office_id).order_by(Host.office_id, Host.name)
    return render_template("admin/hosts.html", hosts=db.session.scalars(query).all(),
                           tier_labels=TIER_LABELS,
                           offices={o.id: o for o in db.session.scalars(db.select(Office)).all()})


def _host_values(form: HostForm) -> dict:
    return {name: getattr(form, name).data for name in (
        "office_id", "name", "position", "tier", "unit", "aide_name", "aide_role", "email", "phone",
        "available", "unavailable_reason", "active")}


@bp.route("/hosts/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def host_new():
    """Add a host."""
    form = HostForm()
    form.office_id.choices = office_choices()
    if form.validate_on_submit():
        host = Host(office_id=form.office_id.data, name=form.name.data.strip())
        _changed_fields(host, _host_values(form))
        db.session.add(host)
        db.session.flush()
        record_audit("host.create", office_id=host.office_id, target_type="host", target_id=host.id)
        db.session.commit()
        flash(_("Pejabat disimpan."), "success")
        return redirect(url_for("admin.hosts"))
    return render_template("admin/host_form.html", form=form, host=None), 400 if form.errors else 200


@bp.route("/hosts/<int:host_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def host_edit(host_id: int):
    """Edit a host, their aide and availability."""
    host = db.get_or_404(Host, host_id)
    _in_scope_or_403(host.office_id)
    form = HostForm(obj=host)
    form.office_id.choices = office_choices()
    if form.validate_on_submit():
        changed = _changed_fields(host, _host_values(form))
        if changed:
            record_audit("host.update", office_id=host.office_id, target_type="host",
                         target_id=host.id, detail={"fields": sorted(changed)})
        db.session.commit()
        flash(_("Pejabat disimpan."), "success")
        return redirect(url_for("admin.hosts"))
    return render_template("admin/host_form.html", form=form, host=host), 400 if form.errors else 200


# -- Services -------------------------------------------------------------------------------

@bp.route("/services")
@roles_required(*ADMINS)
def services():
    """List services in scope."""
    query = scope_query(db.select(Service), Service.office_id).order_by(Service.office_id, Service.name)
    return render_template("admin/services.html", services=db.session.scalars(query).all(),
                           offices={o.id: o for o in db.session.scalars(db.select(Office)).all()})


def _service_duplicate(form: ServiceForm, service: Service | None) -> bool:
    other = db.session.scalar(db.select(Service).where(
        Service.office_id == form.office_id.data, Service.name == form.name.data.strip()))
    return other is not None and (service is None or other.id != service.id)


@bp.route("/services/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def service_edit(service_id: int | None = None):
    """Add or edit a service."""
    service = None
    if service_id is not None:
        service = db.get_or_404(Service, service_id)
        _in_scope_or_403(service.office_id)
    form = ServiceForm(obj=service)
    form.office_id.choices = office_choices()
    if form.validate_on_submit():
        if _service_duplicate(form, service):
            form.name.errors.append("Kantor ini sudah punya layanan dengan nama itu.")
        else:
            created = service is None
            if created:
                service = Service(office_id=form.office_id.data, name=form.name.data.strip())
                db.session.add(service)
            changed = _changed_fields(service, {
                "office_id": form.office_id.data, "name": form.name.data,
                "description": form.description.data or "", "active": form.active.data})
            db.session.flush()
            record_audit("service.create" if created else "service.update", office_id=service.office_id,
                         target_type="service", target_id=service.id, detail={"fields": sorted(changed)})
            db.session.commit()
            flash(_("Layanan disimpan."), "success")
            return redirect(url_for("admin.services"))
    return render_template("admin/service_form.html", form=form, service=service), \
        400 if form.errors else 200
