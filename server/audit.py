"""Write audit log entries; ids and field names only, never personal data."""
from flask import g, has_request_context
from flask_login import current_user

from .extensions import db
from .models import AuditLog


def record_audit(action: str, *, office_id: int | None = None, target_type: str = "",
                 target_id: str | int = "", detail: dict | None = None,
                 device_id: int | None = None, user_id: int | None = None) -> AuditLog:
    """Add an audit entry to the current transaction."""
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
    entry = AuditLog(action=action, office_id=office_id, target_type=target_type,
                     target_id=str(target_id), detail=detail or {}, device_id=device_id,
                     user_id=user_id,
                     request_id=g.get("request_id", "") if has_request_context() else "")
    db.session.add(entry)
    return entry
