"""Structured JSON logs with a request id; personal data is never logged."""
import logging
import re
import sys
import time
import traceback
import uuid

from flask import g, request
from pythonjsonlogger.json import JsonFormatter

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,36}")


def log_failure(logger: logging.Logger, message: str, exc: BaseException, *args) -> None:
    """Log an unexpected exception with its traceback, leaving out what may hold personal
    data: a database error's driver message (PostgreSQL repeats values in it, e.g. `invalid
    input syntax ...: "<value>"` or `DETAIL: Key (...)=(...)`) is replaced by its class and
    SQLSTATE; the statement's parameters are hidden by the engine (hide_parameters)."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        orig = exc.orig
        frames = "".join(traceback.format_tb(exc.__traceback__))
        logger.error(message + " (database error %s, SQLSTATE %s)\n%s", *args, type(orig).__name__,
                     getattr(orig, "sqlstate", None) or "-", frames)
    else:
        logger.error(message, *args, exc_info=exc)


def route_of_request() -> str:
    """Return the route pattern of the current request ("/p/survey/<token>"), never the
    concrete path, which may carry a token or an id."""
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


class DevServerPaths(logging.Filter):
    """Keep raw paths out of the development server's log (`sitamu run`, werkzeug): its line
    per request names the path, which may carry a status-link or survey-link token. That line
    is dropped (the app's own access log names the route pattern), and a malformed request's
    error keeps its reason without the request line quoted in it."""

    REQUEST_LINE = '"%s" %s %s'  # werkzeug's log_request: request line, status, size
    BAD_REQUEST = "code %d, message %s"  # http.server's send_error: the message may quote the line

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.endswith(self.REQUEST_LINE):
            return False
        if message.endswith(self.BAD_REQUEST) and isinstance(record.args, tuple) and len(record.args) == 2:
            code, reason = record.args
            record.args = (code, str(reason).split(" (", 1)[0])
        return True


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "")
        except RuntimeError:  # outside a request
            record.request_id = ""
        return True


def init_logging(app) -> None:
    """Send the app's logs to stderr as JSON lines, each with the request id."""
    logger = logging.getLogger("sitamu")
    if not any(getattr(h, "_sitamu", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
        handler.addFilter(_RequestIdFilter())
        handler._sitamu = True
        logger.addHandler(handler)
        logger.propagate = True
    logger.setLevel(app.config["SITAMU_LOG_LEVEL"])
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerPaths) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DevServerPaths())
    access = logging.getLogger("sitamu.access")

    @app.before_request
    def _start():
        given = request.headers.get("X-Request-Id", "")
        # A client's id is kept only if it looks like one: nothing else gets into the logs.
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        # The route pattern, never the concrete path or query: paths may carry survey-link
        # tokens, queries search terms (e.g. "/p/survey/<token>", not the token itself).
        rule = route_of_request()
        access.info("request", extra={
            "method": request.method, "path": rule, "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        })
        return response
