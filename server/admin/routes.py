"""Admin console routes."""
from flask import render_template

from ..access import ADMINS, DESK, roles_required
from . import bp


@bp.route("/")
@roles_required(*ADMINS)
def index():
    """Show the admin home page."""
    return render_template("admin/index.html")


@bp.route("/visits")
@roles_required(*ADMINS, *DESK)
def visits():
    """List visits."""
    return render_template("admin/index.html")
