"""How an API request is let in: its language, its size, and its bearer token.

Every API view is wrapped by :func:`api_view`, which answers in the caller's language
(``Accept-Language``: Chinese unless English is preferred), refuses bodies over 1 MB before
reading more than that, finds the token's user (401 otherwise, never a redirect to the sign-in
page), and turns an :class:`~tracker.api.problems.ApiProblem` into a problem document. The
session cookie is never looked at: the token is the only credential.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from tracker.access import actor_for
from tracker.api.problems import ApiProblem, from_http_error, problem_response
from tracker.clock import utcnow
from tracker.domain.policy import Action, Target, can
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import User
from tracker.services.commands.tokens import find_active_token, mark_used

MAX_BODY = 1024 * 1024
CHALLENGE = 'Bearer realm="plan-tracker"'


def api_locale() -> str:
    """``en`` when the caller prefers English, else Chinese (the default)."""
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh")
    return "en" if best == "en" else "zh_CN"


def read_body() -> bytes:
    """The request body, at most 1 MB; larger bodies (declared or chunked) answer 413."""
    if "body" in g:
        return g.body
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise ApiProblem("too-large", _l("The body may be at most 1 MB."))
    data = request.stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise ApiProblem("too-large", _l("The body may be at most 1 MB."))
    g.body = data
    return data


def bearer_user() -> User:
    """The user of the request's token; 401 when it is missing, unknown or revoked, or when
    its user is deactivated.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and credential.strip():
        token = find_active_token(credential.strip())
    if token is None:
        raise ApiProblem(
            "unauthorized",
            _l("Send a valid API token: Authorization: Bearer TOKEN."),
            headers={"WWW-Authenticate": CHALLENGE},
        )
    if mark_used(token, utcnow()):
        db.session.commit()
    return token.user


def current_api_user() -> User:
    return g.api_user


def api_who() -> Who:
    return Who(now=utcnow(), actor=g.api_user, address=request.remote_addr or "")


def api_require(action: Action, target: Target = None) -> None:
    """403 unless the token's user may do ``action`` (the same policy as the pages)."""
    if not can(actor_for(g.api_user), action, target):
        raise ApiProblem("forbidden", _l("Your role or department may not do this."))


def answer(problem: ApiProblem) -> Response:
    with force_locale(api_locale()):
        response = problem_response(problem)
    response.headers["Content-Language"] = "en" if api_locale() == "en" else "zh"
    return response


def api_view(*, public: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an API view: language, body size, token (unless ``public``), problems."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            locale = api_locale()
            with force_locale(locale):
                try:
                    if request.method == "POST":
                        read_body()
                    if not public:
                        g.api_user = bearer_user()
                    response = view(*args, **kwargs)
                except ApiProblem as problem:
                    db.session.rollback()
                    response = problem_response(problem)
                except HTTPException as error:
                    db.session.rollback()
                    response = problem_response(from_http_error(error))
            if isinstance(response, Response):
                response.headers.setdefault("Content-Language", "en" if locale == "en" else "zh")
            return response

        return wrapper

    return decorate
