"""Configuration: environment variables with safe defaults, overridable by create_app(config)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from . import jsoncodec

REPO_ROOT = Path(__file__).resolve().parent.parent


def _instance_secret(instance_path: str, name: str, nbytes: int) -> str:
    """Return a secret kept in the instance folder, generating it on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def make_private(instance_path: str) -> None:
    """Keep what Sitamu writes readable by its own user only: the process umask becomes 077
    (new files 0600, folders 0700: the SQLite file, cached reports, parts, job files, backups,
    report downloads), and the instance folder itself 0700, which also closes files made
    before this."""
    os.umask(0o077)
    path = Path(instance_path)
    if path.is_dir() and path.stat().st_uid == os.geteuid():
        path.chmod(0o700)


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short form."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def build_config(instance_path: str) -> dict:
    """Return the configuration read from the environment."""
    env = os.environ
    db_url = env.get("SITAMU_DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'sitamu.db'}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(db_url),
        "SECRET_KEY": env.get("SITAMU_SECRET_KEY") or _instance_secret(instance_path, "secret_key", 32),
        # Key material for personal data at rest (AES-GCM); see server/crypto.py.
        "SITAMU_DATA_KEY": env.get("SITAMU_DATA_KEY") or _instance_secret(instance_path, "data_key", 32),
        "SITAMU_REDIS_URL": env.get("SITAMU_REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": env.get("SITAMU_REDIS_URL") or "memory://",
        "SITAMU_BLOB_MAX_BYTES": int(env.get("SITAMU_BLOB_MAX_BYTES", 512 * 1024)),
        "SITAMU_SMTP_HOST": env.get("SITAMU_SMTP_HOST") or None,
        "SITAMU_SMTP_PORT": int(env.get("SITAMU_SMTP_PORT", 25)),
        "SITAMU_MAIL_FROM": env.get("SITAMU_MAIL_FROM", "sitamu@localhost"),
        # How queued host e-mails leave: "thread" (in the web process), "rq" (needs Redis and
        # `rq worker sitamu-notify`), or "off" (cron/systemd runs `sitamu notify send`).
        # Empty: "rq" when SITAMU_REDIS_URL is set, else "thread".
        "SITAMU_NOTIFY_MODE": env.get("SITAMU_NOTIFY_MODE") or None,
        "SITAMU_PUBLIC_URL": env.get("SITAMU_PUBLIC_URL", "http://127.0.0.1:5000"),
        "SITAMU_LOG_LEVEL": env.get("SITAMU_LOG_LEVEL", "INFO"),
        "MAX_CONTENT_LENGTH": int(env.get("SITAMU_MAX_REQUEST_BYTES", 8 * 1024 * 1024)),
        # hide_parameters: a database error's text (logged, or shown by a CLI) never carries
        # the statement's values, which may be a guest's name or address.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True,
                                      "json_serializer": jsoncodec.dumps,
                                      "json_deserializer": jsoncodec.loads},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SITAMU_INSECURE_COOKIES", "") != "1"
        and env.get("SITAMU_PUBLIC_URL", "").startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(env.get("SITAMU_SESSION_MINUTES", 480))),
        # Staff sessions end after this long without a request.
        "SITAMU_IDLE_MINUTES": int(env.get("SITAMU_IDLE_MINUTES", 30)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # SITAMU_LANGUAGES: Indonesian and each language with a catalog in SITAMU_TRANSLATIONS
        # (set in create_app unless given).
    }
