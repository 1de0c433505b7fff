"""Supervisor dashboard: IKM and SOP-time trends across offices."""
from flask import Blueprint, render_template

from ..access import roles_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@roles_required("central_admin", "office_admin", "supervisor")
def index():
    """Show the supervisor dashboard."""
    return render_template("dashboard/index.html")
