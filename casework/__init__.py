"""Casework: case management for a migration agency's country mission in Nepal."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from config import config_for

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(env: str | None = None, **overrides) -> Flask:
    config = config_for(env)
    if hasattr(config, "check"):
        config.check()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from casework.log_privacy import configure_logging

    configure_logging()  # no personal data in the logs: see casework.log_privacy
    if env == "production" or app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    _init_extensions(app)
    app.url_map.converters["int"] = BoundedIntConverter
    _register_blueprints(app)
    from casework.errors import register_error_handlers

    register_error_handlers(app)
    from casework.security_headers import register_security_headers

    register_security_headers(app)
    from casework.cli import register_cli

    register_cli(app)
    from casework.templating import register_template_helpers

    register_template_helpers(app)
    return app


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` of at most 10 digits; services answer 404 for ids no column can hold.

    A `max` here would make Werkzeug answer 405 for PATCH on a too-large id (the GET rule
    would be the only one left matching), so the bound is checked by the services instead.
    """

    regex = r"\d{1,10}"


def _init_extensions(app: Flask) -> None:
    from casework import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from casework.auth.login import init_login
    from casework.extensions import babel, bootstrap, csrf, db, migrate
    from casework.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"))
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_login(app)


def _register_blueprints(app: Flask) -> None:
    from casework.blueprints.admin.views import bp as admin_bp
    from casework.blueprints.api import init_api
    from casework.blueprints.auth.views import bp as auth_bp
    from casework.blueprints.beneficiaries.views import bp as beneficiaries_bp
    from casework.blueprints.cases.views import bp as cases_bp
    from casework.blueprints.exports.views import bp as exports_bp
    from casework.blueprints.imports.views import bp as imports_bp
    from casework.blueprints.main.views import bp as main_bp
    from casework.blueprints.referrals.views import bp as referrals_bp
    from casework.blueprints.reports.views import bp as reports_bp
    from casework.blueprints.resettlement.views import bp as resettlement_bp

    for blueprint in (
        main_bp,
        auth_bp,
        beneficiaries_bp,
        imports_bp,
        cases_bp,
        referrals_bp,
        resettlement_bp,
        exports_bp,
        reports_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on and write-ahead logging for SQLite (readers never block writers)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        # 32 MB of page cache per connection (the default is 2 MB): reports over a million
        # rows read each page once, not once per query. Heap, not mmap, so an export's
        # memory stays what the process itself holds.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()
