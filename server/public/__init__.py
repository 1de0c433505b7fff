"""Public pages: the survey behind a visit's QR code and each office's published IKM."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/p")
