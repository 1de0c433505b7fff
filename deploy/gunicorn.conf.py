"""gunicorn settings for Sitamu (given with -c; kept in deploy/ with the nginx conf and the systemd units).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py -w 4 'server:create_app()'

Behind nginx (deploy/nginx/sitamu.conf), which holds slow clients and buffers bodies so the
sync workers only ever see whole requests. Rate limits and lockouts live in Flask-Limiter's
storage: in process memory without Redis, so with several workers every worker would count
on its own (30 lookups a minute becoming 30 per worker). gunicorn therefore refuses to start
more than one worker without SITAMU_REDIS_URL.

Several such nodes may run behind one nginx (README, "Several nodes"): each with its own
instance folder, all with the same database, Redis, SITAMU_SECRET_KEY and SITAMU_DATA_KEY.
"""
import os
import sys

bind = os.environ.get("SITAMU_BIND", "127.0.0.1:8000")
# Files the app writes (SQLite, cached reports, backups) are for the service user only.
umask = 0o077
# Trust nginx's X-Forwarded-* (the app's SITAMU_PROXY_COUNT=1): nginx on this machine, or its
# address when it spreads requests over several nodes (README, "Several nodes").
forwarded_allow_ips = os.environ.get("SITAMU_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
timeout = 60
graceful_timeout = 30
# No gunicorn access log: it would write full paths (a survey link's token); the app logs each
# request itself as JSON with the route pattern and a request id.
accesslog = os.environ.get("SITAMU_GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def on_starting(server):
    """Refuse several workers without Redis: limits and lockouts must be shared."""
    if server.cfg.workers > 1 and not os.environ.get("SITAMU_REDIS_URL"):
        message = (f"Error: {server.cfg.workers} workers need SITAMU_REDIS_URL: without Redis each "
                   "worker keeps its own rate limits and lockouts. Set SITAMU_REDIS_URL or run "
                   "one worker (-w 1).")
        server.log.error(message)
        print(message, file=sys.stderr)
        sys.exit(2)
