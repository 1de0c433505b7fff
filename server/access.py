"""Who may see what: roles and office scope, applied the same way on every staff page."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .extensions import db
from .models import Office

ADMINS = ("central_admin", "office_admin")
DESK = ("receptionist", "security")
ALL_STAFF = ("central_admin", "office_admin", "supervisor", "receptionist", "security", "host")


def roles_required(*roles: str):
    """Let only logged-in staff with one of `roles` through (403 for other roles)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def scoped_office_ids(user) -> list[int] | None:
    """Return the office ids a user may see, or None for every office."""
    if user.role == "central_admin" or (user.role == "supervisor" and user.office_id is None):
        return None
    if user.office_id is None:
        return []
    if user.role == "supervisor":  # an office and the offices under it
        ids, frontier = [user.office_id], [user.office_id]
        while frontier:
            children = db.session.scalars(
                db.select(Office.id).where(Office.parent_id.in_(frontier))).all()
            frontier = [c for c in children if c not in ids]
            ids.extend(frontier)
        return ids
    return [user.office_id]


def can_access_office(user, office_id: int | None) -> bool:
    ids = scoped_office_ids(user)
    return ids is None or office_id in ids


def office_or_403(office_id: int) -> Office:
    """Return the office if the current user may see it; 404 if missing, 403 if out of scope."""
    office = db.get_or_404(Office, office_id)
    if not can_access_office(current_user, office.id):
        abort(403)
    return office


def scope_query(query, office_column):
    """Restrict a select to the current user's offices."""
    ids = scoped_office_ids(current_user)
    return query if ids is None else query.where(office_column.in_(ids))
