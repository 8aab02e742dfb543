"""Error pages that answer in the visitor's language, as JSON for API clients."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException


class BadRequestMessage(BadRequest):
    """A 400 whose description is a message for the user, shown on the error page."""

    show_description = True


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors, never an HTML page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def handle_http_error(error: HTTPException) -> tuple[object, int]:
    """Render any HTTP error with its status code kept."""
    code = error.code or 500
    if wants_json():
        return {"title": error.name, "status": code, "detail": error.description}, code
    return render_template("errors/error.html", error=error, code=code), code


def init_app(app: Flask) -> None:
    """Register the handler for every HTTP error."""
    app.register_error_handler(HTTPException, handle_http_error)
