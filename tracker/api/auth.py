"""How an API request is let in: its language, its size, and its bearer token.

Every API view is wrapped by :func:`api_view`, which answers in the caller's language
(``Accept-Language``: Chinese unless English is preferred), refuses bodies over 1 MB before
reading more than that, and finds the token's user (401 otherwise, never a redirect to the
sign-in page). What a view raises is answered by the blueprint's error handler
(:func:`tracker.api.problems.api_error`). The session cookie is never looked at: the token is
the only credential.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, g, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from tracker.access import actor_for, client_address
from tracker.api.problems import ApiProblem, api_locale, content_language
from tracker.api.schemas import parse_json_object
from tracker.clock import today, utcnow
from tracker.conditional import every_plan_version, not_modified, page_tag, tagged
from tracker.domain.policy import Action, Target, can
from tracker.domain.refusal import Who
from tracker.loaders import plan_state
from tracker.models import User
from tracker.services.commands.tokens import find_active_token, mark_used, needs_touch
from tracker.unit_of_work import unit_of_work

MAX_BODY = 1024 * 1024
CHALLENGE = 'Bearer realm="plan-tracker"'


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


def json_body() -> dict[str, Any]:
    """The body as a JSON object: 415 unless it is sent as JSON, 400 unless it is an object."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiProblem(
            "unsupported-media-type", _l("Send the body as JSON (Content-Type: application/json).")
        )
    return parse_json_object(read_body())


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
    now = utcnow()
    if needs_touch(token.last_used_at, now):  # commit only when a use is noted
        with unit_of_work():
            mark_used(token, now)
    return token.user


def api_who() -> Who:
    """The token's user acting now from this client, for the services and the history."""
    return Who(now=utcnow(), actor=g.api_user, address=client_address())


def api_require(action: Action, target: Target = None) -> None:
    """403 unless the token's user may do ``action`` (the same policy as the pages)."""
    if not can(actor_for(g.api_user), action, target, plan_state()):
        raise ApiProblem("forbidden", _l("Your role or department may not do this."))


def reading_tag(locale: str) -> str:
    """The ETag of a read: every plan's data version (a read may span plans, and shared rows
    such as departments move every plan's), the day, the reader and the language.
    """
    user: User = g.api_user
    return page_tag(
        "api", locale, user.id, user.role, user.department_id, today(), every_plan_version()
    )


def api_view(*, public: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap an API view: language, body size, token (unless ``public``)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            locale = api_locale()
            with force_locale(locale):
                if request.method == "POST":
                    read_body()
                if not public:
                    g.api_user = bearer_user()
                tag = reading_tag(locale) if request.method == "GET" and not public else None
                unchanged = not_modified(tag) if tag is not None else None
                response = unchanged if unchanged is not None else view(*args, **kwargs)
                if (
                    tag is not None
                    and isinstance(response, Response)
                    and response.status_code == 200
                ):
                    response = tagged(response, tag)
            if isinstance(response, Response):
                response.headers.setdefault("Content-Language", content_language(locale))
            return response

        return wrapper

    return decorate
