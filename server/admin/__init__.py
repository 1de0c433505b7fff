"""Admin console: offices, staff, hosts, services, devices, visits, quarantine, reports, audit."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes  # noqa: E402,F401
