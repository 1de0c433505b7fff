"""Serve the desk app (the repository's pwa/ folder) under /app/."""
from pathlib import PurePosixPath

from flask import Blueprint, abort, send_from_directory

from ..config import REPO_ROOT

PWA_DIR = REPO_ROOT / "pwa"
bp = Blueprint("pwa", __name__, url_prefix="/app")

# What a tablet may fetch: the app's own files, never its tooling (node_modules, tests, tools,
# package files, READMEs) that sit beside them in the folder.
SERVED_FOLDERS = ("i18n", "icons", "screens", "vendor")
SERVED_SUFFIXES = (".js", ".css", ".html", ".webmanifest", ".png", ".svg")


def is_served(path: str) -> bool:
    """Return True when `path` (relative to pwa/) is part of the desk app."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).suffix not in SERVED_SUFFIXES:
        return False
    return len(parts) == 1 or (len(parts) == 2 and parts[0] in SERVED_FOLDERS)


@bp.route("/")
@bp.route("/<path:path>")
def static_file(path: str = "index.html"):
    """Serve a file of the desk app."""
    if not is_served(path):
        abort(404)
    response = send_from_directory(PWA_DIR, path)
    if path in ("sw.js", "index.html"):
        response.headers["Cache-Control"] = "no-cache"
    if path == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/app/"
    return response
