"""Admin console: offices, staff, hosts, services, devices, visits, quarantine, reports, audit."""
import importlib

from flask import Blueprint, current_app

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.app_context_processor
def _staff_page_helpers():
    from ..webutil import field_error, local_time, mask_id

    def has_endpoint(name: str) -> bool:
        return name in current_app.view_functions

    return {"has_endpoint": has_endpoint, "local_time": local_time, "mask_id": mask_id,
            "field_error": field_error}


# the pages of the admin area (saran: the SKM saran, read, filter and answered)
from . import devices, offices, people, quarantine, routes, saran, visits  # noqa: E402,F401

try:  # report downloads and the paper SKM upload (the reports area)
    importlib.import_module(f"{__name__}.reports")
except ModuleNotFoundError as exc:
    if exc.name != f"{__name__}.reports":
        raise
