"""Host inbox: guests waiting for a host, answered by the host or their aide."""
from flask import Blueprint

bp = Blueprint("host", __name__, url_prefix="/host")


@bp.record_once
def _start_notifications(state):
    from ..notify import init_notify

    init_notify(state.app)


@bp.context_processor
def _appointment_helpers():
    """Let the inbox's booking decisions read the time a guest asked for in words."""
    from ..appointments.routes import requested_text

    return {"requested_text": requested_text}


from . import routes  # noqa: E402,F401
