"""Sitamu server: the central store for every office, its web pages and its sync API."""
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import REPO_ROOT, build_config, make_private
from .crypto import DataKeys
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import TRANSLATIONS, available_languages, compile_catalogs
from .jsoncodec import OrjsonProvider

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict | object | None = None) -> Flask:
    """Build the Flask app; `config` (a dict or object) overrides the environment."""
    instance_path = os.environ.get("SITAMU_INSTANCE_PATH") or str(REPO_ROOT / "instance")
    if isinstance(config, dict) and config.get("INSTANCE_PATH"):
        instance_path = config["INSTANCE_PATH"]
    os.makedirs(instance_path, mode=0o700, exist_ok=True)
    make_private(instance_path)
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    app.config.update(build_config(instance_path))
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    app.extensions["sitamu_data_keys"] = DataKeys(
        app.config["SITAMU_DATA_KEY"],
        [k for k in os.environ.get("SITAMU_DATA_KEYS_OLD", "").split(",") if k.strip()]
        + list(app.config.get("SITAMU_DATA_KEYS_OLD", [])),
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    translations = Path(app.config.setdefault("SITAMU_TRANSLATIONS", str(TRANSLATIONS)))
    compile_catalogs(translations)  # a clean clone has the .po files only
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    app.config.setdefault("SITAMU_LANGUAGES", available_languages(translations))
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)

    from . import models  # noqa: F401  (register the tables)
    from .auth import bp as auth_bp
    from .auth import init_auth
    from .cli import register_cli
    from .errors import register_error_handlers
    from .logging import init_logging
    from .security import init_security
    from .web import register_blueprints

    init_logging(app)
    register_error_handlers(app)
    init_auth(app)
    app.register_blueprint(auth_bp)
    register_blueprints(app)
    register_cli(app)
    init_security(app)
    return app


def _select_locale():
    from flask import current_app, has_request_context, request, session

    if not has_request_context():
        return None  # a CLI or a job: BABEL_DEFAULT_LOCALE, Indonesian
    lang = request.args.get("lang") or session.get("lang")
    if lang in current_app.config["SITAMU_LANGUAGES"]:
        session["lang"] = lang
        return lang
    return "id"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys, WAL and secure delete for SQLite connections."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Zero what a delete or update frees (erasure must not leave the guest in free space);
        # Debian's SQLite does by default, other builds may not.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
