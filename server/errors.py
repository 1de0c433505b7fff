"""One error envelope for the API, plain pages for people; never a stack trace."""
import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

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


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        response = jsonify(error_body(exc.code, exc.message, exc.fields))
        response.status_code = exc.status
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if wants_json():
            response = jsonify(error_body(code, exc.description or exc.name))
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
