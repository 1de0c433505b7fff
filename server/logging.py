"""Structured JSON logs with a request id; personal data is never logged."""
import logging
import sys
import time
import uuid

from flask import g, request
from pythonjsonlogger.json import JsonFormatter


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
    access = logging.getLogger("sitamu.access")

    @app.before_request
    def _start():
        g.request_id = request.headers.get("X-Request-Id", "")[:32] or uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        # The path only, never the query string: queries may carry search terms.
        access.info("request", extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        })
        return response
