"""Plan Tracker: follow how a policy plan is carried out, milestone by milestone."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import (
    access,
    api,
    catalogs,
    cli,
    config,
    data_version,
    engines,
    errors,
    headers,
    i18n,
    log_redaction,
    models,
    plan_scope,
    request_log,
    session_cookies,
    snapshots,
    static_files,
)
from tracker.admin import bp as admin_bp
from tracker.assignment import bp as assignment_bp
from tracker.attachments import bp as attachments_bp
from tracker.auth import bp as auth_bp
from tracker.auth import oidc
from tracker.auth.tokens import bp as tokens_bp
from tracker.board import bp as board_bp
from tracker.bulletins import bp as bulletins_bp
from tracker.evaluation import bp as evaluation_bp
from tracker.extensions import csrf, db, migrate
from tracker.health import bp as health_bp
from tracker.instructions import bp as instructions_bp
from tracker.plan_files import bp as plan_files_bp
from tracker.portfolio import bp as portfolio_bp
from tracker.postponements import bp as postponements_bp
from tracker.receipts import bp as receipts_bp
from tracker.screens import bp as screens_bp
from tracker.subtasks import bp as subtasks_bp
from tracker.work import bp as work_bp

__all__ = ["create_app", "models"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, commands and error pages.

    ``test_config`` replaces values read from the environment, so tests can point the app
    at their own database without touching the process environment.
    """
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    overrides = dict(test_config or {})
    app.config.from_mapping(
        config.from_environment(Path(app.instance_path), secret_key=overrides.get("SECRET_KEY"))
    )
    app.config.from_mapping(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    proxies = int(app.config.get("TRACKER_PROXY_COUNT", 0))
    if proxies:
        # Behind a reverse proxy the client address (used by sign-in throttling) is in a header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    engines.install()
    data_version.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    session_cookies.init_app(app)
    i18n.init_app(app)
    catalogs.init_app(app)
    access.init_app(app)
    plan_scope.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    static_files.init_app(app)
    snapshots.init_app(app, PROJECT_ROOT)
    log_redaction.init_app_logging()
    request_log.init_app(app)
    oidc.init_app(app)

    app.register_blueprint(auth_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(portfolio_bp)
    app.register_blueprint(work_bp)
    app.register_blueprint(instructions_bp)
    app.register_blueprint(postponements_bp)
    app.register_blueprint(receipts_bp)
    app.register_blueprint(assignment_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(screens_bp)
    app.register_blueprint(plan_files_bp)
    app.register_blueprint(bulletins_bp)
    app.register_blueprint(subtasks_bp)
    app.register_blueprint(evaluation_bp)
    app.register_blueprint(health_bp)
    api.init_app(app)
    cli.init_app(app)
    return app
