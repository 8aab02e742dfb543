"""The JSON API (``/api/v1``): the plan's progress for other systems, and reports from them.

Requests carry a personal token (``Authorization: Bearer …``) and act with its user's role;
no session cookie and no CSRF token are used here. Every answer is JSON; errors are RFC 9457
``application/problem+json``. The API reuses the services and domain rules of the pages and
adds no rule of its own. The OpenAPI 3.1 description is at ``/api/v1/openapi.json``.
"""

from flask import Blueprint, Flask
from werkzeug.exceptions import HTTPException

from tracker.api.problems import ApiProblem, api_error
from tracker.domain.refusal import Refused
from tracker.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# One handler answers whatever ends an API view: a problem raised by the API itself, a
# loader's 404, a refused command (422) or a lost race (409). Unknown addresses and wrong
# methods under /api/ never reach a view; tracker.errors answers those.
for _ended_by in (ApiProblem, HTTPException, Refused):
    bp.register_error_handler(_ended_by, api_error)

from tracker.api import openapi, routes  # noqa: E402, F401  (registers the views on bp)


def init_app(app: Flask) -> None:
    """Register the API; it uses no CSRF token (it takes no cookie)."""
    app.register_blueprint(bp)
    csrf.exempt(bp)
    # Answers in plain UTF-8, as problem answers already are: a Chinese character takes 3
    # bytes, not the 6 of a \\uXXXX escape (the plan document is mostly Chinese text).
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
