"""Host inbox: guests waiting for a host, answered by the host or their aide."""
from flask import Blueprint

bp = Blueprint("host", __name__, url_prefix="/host")


@bp.record_once
def _start_notifications(state):
    from ..notify import init_notify

    init_notify(state.app)


from . import routes  # noqa: E402,F401
