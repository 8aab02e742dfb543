"""RFC 9457 problem details: every API error is ``application/problem+json``.

A problem has a ``type`` (a link to its entry on the API docs page), a ``title`` and a
``detail`` in the caller's language, the HTTP ``status``, and for invalid input (422) an
``errors`` list naming each field and a stable code programs can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
DOCS_ANCHOR = "/api/v1/docs#problem-"

# The problem types, by slug: HTTP status and title. The docs page lists them.
TYPES: dict[str, tuple[int, object]] = {
    "malformed-request": (400, _l("The request is malformed")),
    "unauthorized": (401, _l("A valid API token is required")),
    "forbidden": (403, _l("Not allowed")),
    "not-found": (404, _l("Not found")),
    "method-not-allowed": (405, _l("Method not allowed")),
    "stale-version": (409, _l("Changed since you read it")),
    "too-large": (413, _l("The request body is too large")),
    "unsupported-media-type": (415, _l("Send the body as JSON")),
    "invalid-input": (422, _l("The request has invalid values")),
}
_BY_STATUS = {status: slug for slug, (status, _title) in TYPES.items()}


@dataclass(frozen=True)
class FieldError:
    """One invalid value: the field (``""`` for the body as a whole), a code and a message."""

    field: str
    code: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "detail": str(self.detail)}


@dataclass
class ApiProblem(Exception):  # noqa: N818  (a problem document, as RFC 9457 names it)
    """Raised by API code to answer with a problem document."""

    slug: str
    detail: object = ""
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return TYPES[self.slug][0]


def invalid(errors: list[FieldError], detail: object = "") -> ApiProblem:
    """A 422 listing every invalid value found."""
    return ApiProblem(
        "invalid-input",
        detail or "; ".join(str(e.detail) for e in errors if e.detail),
        errors=errors,
    )


def problem_response(problem: ApiProblem) -> Response:
    """The problem as a response (the caller's locale must already be in force)."""
    status, title = TYPES[problem.slug]
    body: dict[str, Any] = {
        "type": DOCS_ANCHOR + problem.slug,
        "title": str(title),
        "status": status,
        "detail": str(problem.detail or title),
    }
    if problem.errors:
        body["errors"] = [error.as_json() for error in problem.errors]
    body.update(problem.extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def from_http_error(error: HTTPException) -> ApiProblem:
    """A Werkzeug error (unknown URL, wrong method…) as a problem; unknown codes keep theirs."""
    slug = _BY_STATUS.get(error.code or 500)
    if slug is None:
        slug = "malformed-request" if (error.code or 500) < 500 else "not-found"
    headers = {}
    if error.code == 405:
        allowed = getattr(error, "valid_methods", None)
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    return ApiProblem(slug, headers=headers)
