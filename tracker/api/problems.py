"""RFC 9457 problem details: every API error is ``application/problem+json``.

A problem has a ``type`` (a link to its entry on the API docs page), a ``title`` and a
``detail`` in the caller's language, the HTTP ``status``, and for invalid input (422) an
``errors`` list naming each field and a stable code programs can act on (also in a 409 of
the ``state-conflict`` type: a valid request that the milestone's current state refuses).

Views raise; :func:`api_error`, the one error handler of the API blueprint, answers: an
:class:`ApiProblem` as it is, a refused command (:class:`~tracker.domain.refusal.Refused`) as
422 with the rules' own codes and sentences, a lost race as 409 with the current version, and a
loader's 404 as "nothing here". Views therefore hold no ``try``/``except``.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask import Response, g, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, NotFound

from tracker.domain.refusal import Refused, StaleVersion
from tracker.domain.reporting import STATE_PROBLEMS, ReportProblem
from tracker.loaders import current_version, find_plan
from tracker.messages import messages
from tracker.models import Item, Milestone
from tracker.unit_of_work import unit_of_work

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
    "state-conflict": (409, _l("Not possible against the current state")),
    "too-large": (413, _l("The request body is too large")),
    "unsupported-media-type": (415, _l("Send the body as JSON")),
    "invalid-input": (422, _l("The request has invalid values")),
}
_BY_STATUS = {status: slug for slug, (status, _title) in reversed(TYPES.items())}

# Which field a report problem is about, for the 422 ``errors`` list ("" for the whole body).
PROBLEM_FIELDS: dict[StrEnum, str] = {
    ReportProblem.PROGRESS_RANGE: "progress",
    ReportProblem.NOTE_REQUIRED_FOR_STATUS: "note",
    ReportProblem.NOTE_REQUIRED_FOR_DECREASE: "note",
    ReportProblem.NOTE_TOO_LONG: "note",
    ReportProblem.COMPLETION_DATE_REQUIRED: "completed_on",
    ReportProblem.COMPLETION_DATE_IN_FUTURE: "completed_on",
    ReportProblem.COMPLETION_DATE_WITHOUT_DONE: "completed_on",
    ReportProblem.NOTHING_TO_REPORT: "",
    ReportProblem.SUMMARY_REQUIRED: "note",
    ReportProblem.MEASUREMENT_INCOMPLETE: "",
    ReportProblem.MEASUREMENT_VALUE: "value",
    ReportProblem.MEASUREMENT_DATE_IN_FUTURE: "date",
}


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


def api_locale() -> str:
    """``en`` when the caller prefers English, else Chinese (the default)."""
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh")
    return "en" if best == "en" else "zh_CN"


def content_language(locale: str) -> str:
    """The ``Content-Language`` of an answer in ``locale``."""
    return "en" if locale == "en" else "zh"


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


def answer(problem: ApiProblem) -> Response:
    """The problem document in the caller's language."""
    locale = api_locale()
    with force_locale(locale):
        response = problem_response(problem)
    response.headers["Content-Language"] = content_language(locale)
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


def changing(row: Item | Milestone) -> AbstractContextManager[None]:
    """The unit of work of an API write to ``row``; remembering ``row`` lets a race lost at
    flush time (when the refusal cannot know it yet) report ``row``'s current version.
    """
    g.api_changing = row
    return unit_of_work()


def nothing_here() -> ApiProblem:
    """A loader found nothing: either no plan is loaded at all, or not what the URL names."""
    if find_plan() is None:
        return ApiProblem("not-found", _l("No plan is loaded."))
    return ApiProblem("not-found", _l("There is nothing at this address."))


def stale(refusal: StaleVersion) -> ApiProblem:
    """409 naming the version to read again (looked up when found only at flush time)."""
    version = refusal.current_version
    if version is None:
        version = current_version(g.api_changing)
    if version is None:
        return nothing_here()
    return ApiProblem(
        "stale-version",
        _l(
            "Someone changed this since you read it (now version %(version)d). "
            "Read it again and send your update against the current version.",
            version=version,
        ),
        extra={"current_version": version},
    )


def refused(refusal: Refused) -> ApiProblem:
    """422 listing each problem the rules found, with its code, field and sentence; 409 when
    only the milestone's current state makes a valid request fail (the request alone is fine).
    """
    worded = messages(refusal)
    errors = [
        FieldError(PROBLEM_FIELDS.get(problem, ""), str(problem), text)
        for problem, text in zip(refusal.problems, worded, strict=True)
    ]
    if all(problem in STATE_PROBLEMS for problem in refusal.problems):
        return ApiProblem("state-conflict", "; ".join(str(e.detail) for e in errors), errors=errors)
    return invalid(errors)


def as_problem(error: Exception) -> ApiProblem:
    """Whatever ended an API view, as the problem that answers it."""
    if isinstance(error, ApiProblem):
        return error
    if isinstance(error, StaleVersion):
        return stale(error)
    if isinstance(error, Refused):
        return refused(error)
    if isinstance(error, NotFound):
        return nothing_here()
    if isinstance(error, HTTPException):
        return from_http_error(error)
    raise error


def api_error(error: Exception) -> Response:
    """The API blueprint's error handler: every refusal and problem as a problem document."""
    with force_locale(api_locale()):
        return answer(as_problem(error))
