"""The JSON API the desk tablets speak (sync/PROTOCOL.md), under /api/v1."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies

from .. import changes  # noqa: E402,F401  (the change-log hooks)
from . import routes  # noqa: E402,F401
