"""Serve the desk app (the repository's pwa/ folder) under /app/."""
from flask import Blueprint, send_from_directory

from ..config import REPO_ROOT

PWA_DIR = REPO_ROOT / "pwa"
bp = Blueprint("pwa", __name__, url_prefix="/app")


@bp.route("/")
@bp.route("/<path:path>")
def static_file(path: str = "index.html"):
    """Serve a file of the desk app."""
    response = send_from_directory(PWA_DIR, path)
    if path in ("sw.js", "index.html"):
        response.headers["Cache-Control"] = "no-cache"
    if path == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/app/"
    return response
