"""Appointments and invitations: the public booking page (/janji/<office code>), the guest's
status page, the staff list, decisions, office settings and invitations (/appointments/)."""

from flask import Blueprint

public_bp = Blueprint(
    "appointments_public", __name__, url_prefix="/janji", static_folder="static"
)
bp = Blueprint("appointments", __name__, url_prefix="/appointments")


def _helpers():
    from flask_babel import get_locale

    from reports.periods import day_names

    from .. import lifecycle
    from .routes import requested_text
    from .staff import STATUS_LABELS

    return {
        **lifecycle.template_helpers(),
        "status_labels": STATUS_LABELS,
        "requested_text": requested_text,
        "weekdays": day_names(str(get_locale())),  # Monday first, in the page's language (Babel)
    }


bp.context_processor(_helpers)
public_bp.context_processor(_helpers)

from . import routes, staff  # noqa: E402,F401
