"""Error answers: problem documents under ``/api/``, else pages in the visitor's language
(JSON for clients that prefer it).

Errors raised inside API views are answered by the API blueprint's own handler; what reaches
this module under ``/api/`` are routing errors: an unknown address or a wrong method.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException

from tracker.api.problems import answer, from_http_error

# The errors routing itself raises, before any view: answered as problems under /api/.
ROUTING_CODES = frozenset({404, 405})


class BadRequestMessage(BadRequest):
    """A 400 whose description is a message for the user, shown on the error page."""

    show_description = True


def is_api_path() -> bool:
    return request.path.startswith("/api/")


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors, never an HTML page."""
    if is_api_path():
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """Answer any HTTP error with its status code kept."""
    code = error.code or 500
    if is_api_path() and code in ROUTING_CODES:
        return answer(from_http_error(error))
    if wants_json():
        return {"title": error.name, "status": code, "detail": error.description}, code
    return render_template("errors/error.html", error=error, code=code), code


def init_app(app: Flask) -> None:
    """Register the handler for every HTTP error."""
    app.register_error_handler(HTTPException, handle_http_error)
