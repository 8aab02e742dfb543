"""The JSON API (``/api/v1``): the plan's progress for other systems, and reports from them.

Requests carry a personal token (``Authorization: Bearer …``) and act with its user's role;
no session cookie and no CSRF token are used here. Every answer is JSON; errors are RFC 9457
``application/problem+json``. The API reuses the services and domain rules of the pages and
adds no rule of its own. The OpenAPI 3.1 description is at ``/api/v1/openapi.json``.
"""

from flask import Blueprint, Flask

from tracker.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from tracker.api import routes  # noqa: E402, F401  (registers the views on bp)
from tracker.api.openapi import init_app as init_errors  # noqa: E402


def init_app(app: Flask) -> None:
    """Register the API; it uses no CSRF token (it takes no cookie), and answers unknown
    ``/api/`` addresses with problem documents.
    """
    app.register_blueprint(bp)
    csrf.exempt(bp)
    init_errors(app)
