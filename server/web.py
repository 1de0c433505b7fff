"""Register every area's blueprint and the template helpers they share."""
from flask_babel import get_locale

from reports.ikm import convention_label

from .i18n import decimal, language_name, translate


def register_blueprints(app) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .appointments import bp as appointments_bp
    from .appointments import public_bp as appointments_public_bp
    from .dashboard import bp as dashboard_bp
    from .host import bp as host_bp
    from .privacy import bp as privacy_bp
    from .public import bp as public_bp
    from .pwa import bp as pwa_bp

    for bp in (admin_bp, api_bp, dashboard_bp, host_bp, public_bp, pwa_bp, privacy_bp, appointments_bp,
               appointments_public_bp):
        app.register_blueprint(bp)

    app.add_template_filter(decimal, "decimal")
    app.add_template_filter(lambda key: convention_label(key, str(get_locale())), "convention")

    @app.context_processor
    def _template_helpers():
        return {"_": translate, "lang": str(get_locale()),
                "languages": [(code, language_name(code)) for code in app.config["SITAMU_LANGUAGES"]]}
