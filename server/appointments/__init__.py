"""Appointments and invitations: the public booking page (/janji/<office code>), the guest's
status page, the staff list, decisions, office settings and invitations (/appointments/)."""

from flask import Blueprint

public_bp = Blueprint(
    "appointments_public", __name__, url_prefix="/janji", static_folder="static"
)
bp = Blueprint("appointments", __name__, url_prefix="/appointments")


def _helpers():
    from .. import lifecycle
    from .routes import requested_text
    from .staff import STATUS_LABELS

    return {
        **lifecycle.template_helpers(),
        "status_labels": STATUS_LABELS,
        "requested_text": requested_text,
    }


bp.context_processor(_helpers)
public_bp.context_processor(_helpers)

from . import routes, staff  # noqa: E402,F401
