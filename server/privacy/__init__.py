"""Privacy tools for admins: find a guest's data by NIK, export, correct, erase (/admin/privacy)."""
from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/admin/privacy")

from . import routes  # noqa: E402,F401
