"""HTTP hardening: security headers, a strict CSP, request limits, rate limits and lockouts.

Every response gets the headers below. The Content-Security-Policy allows scripts, styles,
fonts and fetches from Sitamu itself only: no inline scripts, no inline event handlers, no
CDN. The desk app (under /app/) may use the camera; no page may be framed.

Rate limits (Flask-Limiter, on Redis when SITAMU_REDIS_URL is set) are attached here by
endpoint name, so each area keeps its routes plain. Lockouts count failures only (a wrong
staff PIN, a wrong enrolment code) in the same storage, so they hold across gunicorn workers.
"""
import hashlib
import logging
import os

from flask import abort, current_app, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import error_body, wants_json
from .extensions import limiter

log = logging.getLogger("sitamu.security")

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Only the desk app needs the camera (guest photo); nothing needs the rest.
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
PERMISSIONS_PWA = PERMISSIONS.replace("camera=()", "camera=(self)")

# Endpoint -> (limit, methods[, key]): checked on the methods given, per client address, or per
# tablet when the key is "device". Endpoints that do not exist (yet) are skipped; the login form
# carries its own limit (server/auth).
# Staff PINs are checked offline on the tablet (PBKDF2 in WebCrypto); a server route that
# checks one must use `lockout()` ("pin" scope) and be listed here.
RATE_LIMITS = {
    "api.enroll": ("20 per minute;60 per hour", ["POST"]),
    # A lookup by NIK hands out a name and address: a tablet in a lobby (or one that was
    # stolen) cannot try NIK after NIK. A desk serving guests never comes near this.
    "api.guest_lookup": ("30 per minute;300 per hour", ["POST"], "device"),
}


def device_key() -> str:
    """Return the rate-limit key of the tablet making the request: the SHA-256 of its bearer
    token (as the database keeps it), or the client address when there is no token."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    if not token:
        return get_remote_address()
    return "device:" + hashlib.sha256(token.encode()).hexdigest()


RATE_LIMIT_KEYS = {"device": device_key}


def content_security_policy() -> str:
    """Return the Content-Security-Policy header value."""
    return "; ".join(f"{k} {v}" for k, v in CSP.items())


def init_security(app) -> None:
    """Add security headers, request limits, rate limits and lockouts to the app."""
    # Behind nginx (TLS, the client's address): trust that many proxies' X-Forwarded-* headers,
    # so rate limits and lockouts see each client and HSTS sees https. 0: no proxy in front.
    proxies = int(app.config.get("SITAMU_PROXY_COUNT", os.environ.get("SITAMU_PROXY_COUNT", 0)))
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", 512 * 1024)
    app.config.setdefault("MAX_FORM_PARTS", 200)
    app.extensions["sitamu_lockout"] = Lockout(
        app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
        enabled=app.config.get("SITAMU_LOCKOUT_ENABLED", app.config.get("RATELIMIT_ENABLED", True)))
    _attach_rate_limits(app)
    policy = content_security_policy()

    @app.before_request
    def _refuse_oversized_body():
        # Refuse at once, before any view or form parser reads the body.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            abort(413)

    @app.before_request
    def _refuse_nul_characters():
        # No text column (PostgreSQL) can hold U+0000; refuse it at the door with a 400.
        values = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += [*request.form.keys(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400, description="Input holds a NUL character.")

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy",
                           PERMISSIONS_PWA if request.path.startswith("/app") else PERMISSIONS)
        if request.is_secure or app.config.get("SITAMU_PUBLIC_URL", "").startswith("https://"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages and API answers may carry personal data: never keep them in a shared cache.
        if "Cache-Control" not in headers and request.endpoint not in ("static", "pwa.static_file"):
            headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded):
        retry = str(_retry_after(exc))
        if wants_json():
            response = jsonify(error_body("rate_limited", "Too many requests; try again later."))
        else:
            response = current_app.make_response(render_template("error.html", error=exc))
        response.status_code = 429
        response.headers["Retry-After"] = retry
        return response


def _retry_after(exc: RateLimitExceeded) -> int:
    try:
        return max(1, int(exc.limit.limit.get_expiry()))
    except Exception:  # the limit object's shape differs between versions
        return 60


def _attach_rate_limits(app) -> None:
    for endpoint, (value, methods, *key) in app.config.get("SITAMU_RATE_LIMITS", RATE_LIMITS).items():
        view = app.view_functions.get(endpoint)
        if view is None or getattr(view, "_sitamu_limited", False):
            continue
        key_func = RATE_LIMIT_KEYS[key[0]] if key else None
        limited = limiter.limit(value, methods=methods, key_func=key_func)(view)
        limited._sitamu_limited = True
        app.view_functions[endpoint] = limited


class Lockout:
    """Count failures per (scope, key) and lock the key after too many.

    `scope` names what is being guessed ("pin", "enroll"); `key` is a staff id, a device id
    or a client address, never the guessed value.
    """

    LIMITS = {"pin": "5 per 15 minutes", "enroll": "10 per hour", "login": "5 per 15 minutes"}

    def __init__(self, storage_uri: str, enabled: bool = True):
        self.storage = storage_from_string(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)
        # Off only where rate limits are off too (the test suite), unless said otherwise.
        self.enabled = enabled

    def _limit(self, scope: str):
        return parse(self.LIMITS.get(scope, "5 per 15 minutes"))

    def is_locked(self, scope: str, key: str | int) -> bool:
        """Return True while `key` has used up its failures for `scope`."""
        if not self.enabled:
            return False
        return not self.strategy.test(self._limit(scope), "sitamu-lockout", scope, str(key))

    def failure(self, scope: str, key: str | int) -> bool:
        """Count a failure; return True if the key is now locked."""
        if not self.enabled:
            return False
        self.strategy.hit(self._limit(scope), "sitamu-lockout", scope, str(key))
        locked = self.is_locked(scope, key)
        if locked:
            log.warning("lockout", extra={"scope": scope})
        return locked

    def retry_after(self, scope: str, key: str | int) -> int:
        """Return the seconds until a locked `key` may try again (for Retry-After)."""
        import time

        reset_at = self.strategy.get_window_stats(self._limit(scope), "sitamu-lockout", scope, str(key))[0]
        return max(1, int(reset_at - time.time()) + 1)

    def success(self, scope: str, key: str | int) -> None:
        """Forget the failures of `key` after a success."""
        self.strategy.clear(self._limit(scope), "sitamu-lockout", scope, str(key))


def lockout() -> Lockout:
    """Return the app's failure counter."""
    return current_app.extensions["sitamu_lockout"]
