"""Host inbox: guests waiting for a host, answered by the host or their aide."""
from flask import Blueprint, render_template

from ..access import roles_required

bp = Blueprint("host", __name__, url_prefix="/host")


@bp.route("/")
@roles_required("host")
def inbox():
    """Show the guests waiting for the current host."""
    return render_template("host/inbox.html")
