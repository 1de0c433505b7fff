"""One error envelope for the API, plain pages for people; never a stack trace."""
import logging

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger("sitamu.errors")


class ApiError(Exception):
    """An error a client can act on: {"error": {"code", "message", "fields"}}."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# The sync API's codes for HTTP errors (sync/PROTOCOL.md), whoever raises them: a route, the
# blueprint, or the app before any route matched (an unknown path's 404 or 413).
API_ERROR_CODES = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def http_error_code(exc: HTTPException) -> str:
    """Return the envelope's code for an HTTP error: the API's own under /api/, else its name."""
    if request.path.startswith("/api/") and exc.code in API_ERROR_CODES:
        return API_ERROR_CODES[exc.code]
    return (exc.name or "error").lower().replace(" ", "_")


def json_endpoint(view):
    """Mark a view that answers JSON, so its errors (a 404, a 429) answer in the envelope too."""
    view.json_errors = True
    return view


def wants_json() -> bool:
    """Return whether the current request's errors are answered as JSON."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return True
    endpoint = request.endpoint
    if endpoint is None and isinstance(request.routing_exception, MethodNotAllowed):
        # A wrong method matched no endpoint: find the one the path names under another method.
        try:
            endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(
                method=sorted(request.routing_exception.valid_methods or ["GET"])[0])
        except HTTPException:
            endpoint = None
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "json_errors", False)


def register_error_handlers(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        response = jsonify(error_body(exc.code, exc.message, exc.fields))
        response.status_code = exc.status
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            response = jsonify(error_body(http_error_code(exc), exc.description or exc.name))
            response.status_code = exc.code or 500
            if getattr(exc, "valid_methods", None):  # 405 must say what is allowed (RFC 9110)
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return render_template("error.html", error=exc), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        from .logging import log_failure, route_of_request

        # The route pattern, not the path: a path may carry a survey token.
        log_failure(log, "unhandled error on %s %s", exc, request.method, route_of_request())
        if wants_json():
            response = jsonify(error_body("internal_error", "The server failed; nothing was stored."))
            response.status_code = 500
            return response
        return render_template("error.html", error=None), 500
