"""One log line per request, and a request id that ties it to the answer.

With several app machines behind one proxy, a user's "it failed at 10:02" is found by the id
an error page shows (and every answer carries in ``X-Request-Id``): the proxy's id when it
sent a safe one, else a new one. The line (logger ``tracker.requests``) names the id, the
user, the method, the path, the status and the time taken, as plain text or, with
``TRACKER_LOG_FORMAT=json``, as one JSON object per line. It never holds a secret: no query
string, no body, no header, and a big-screen path with its token redacted
(:func:`tracker.log_redaction.redact`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from time import perf_counter
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask, Response, g, request
from flask.ctx import _AppCtxGlobals
from flask.logging import has_level_handler

from tracker.log_redaction import redact

HEADER = "X-Request-Id"
# What a proxy may hand us: short, and nothing a log line or a page would need to escape.
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Characters of a path written as they are; anything else (spaces, quotes, control
# characters, non-ASCII) is percent-encoded, so a path cannot forge or break a line.
_PATH_SAFE = "/:@!$&'()*+,;=~"

logger = logging.getLogger("tracker.requests")


def request_id() -> str:
    """This request's id: the proxy's when it is safe, else a new one (kept in ``g``)."""
    rid: str | None = g.get("request_id")
    if rid is None:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.request_id = rid
    return rid


def user_id(kept: _AppCtxGlobals) -> str:
    """The id of the user this request already knows (API token or session), else ``-``.

    Only what the request loaded is read: ``current_user`` would load a user the request did
    not need, and an expired ORM row would be read again; its identity key is not.
    """
    user = kept.get("api_user") or kept.get("_login_user")
    if user is None:
        return "-"
    state = sa.inspect(user, raiseerr=False)
    if state is not None:
        identity = state.identity
        return str(identity[0]) if identity else "-"
    found = getattr(user, "id", None)
    return "-" if found is None else str(found)


def logged_path(path: str) -> str:
    """The path as it may be logged: escaped, and with a big-screen token redacted."""
    return redact(quote(path, safe=_PATH_SAFE))


def format_line(fields: dict[str, Any], log_format: str) -> str:
    """A request's fields as one JSON object, or as one line of text."""
    if log_format == "json":
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return "{time} {request_id} user={user_id} {method} {path} {status} {duration_ms}ms".format(
        **fields
    )


def _start() -> None:
    g.request_started = perf_counter()
    request_id()


def _finish(response: Response, log_format: str) -> Response:
    rid = request_id()
    response.headers[HEADER] = rid
    if logger.isEnabledFor(logging.INFO):
        kept = g._get_current_object()  # (each proxy look-up costs: resolved once)
        asked = request._get_current_object()  # type: ignore[attr-defined]
        started = kept.get("request_started")
        duration = (perf_counter() - started) * 1000 if started is not None else 0.0
        fields = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": rid,
            "user_id": user_id(kept),
            "method": asked.method,
            "path": logged_path(asked.path),
            "status": response.status_code,
            "duration_ms": round(duration, 2),
        }
        logger.info(format_line(fields, log_format))
    return response


def _install_handler() -> None:
    """Write the lines to standard error unless logging is configured to take them.

    Like Flask's own logger: a deployment's logging configuration (or pytest's capture)
    wins; without one, nothing would show lines below WARNING.
    """
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not has_level_handler(logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)


def init_app(app: Flask) -> None:
    """Time every request from its first step and log it after its last.

    The start runs before any other ``before_request`` (one of them may answer at once: a
    redirect to sign in, a 404) and the end after every other ``after_request`` (they run
    in reverse order of registration), so each answer, error pages and 304s included, gets
    the header and the line, and the time covers the whole of the app's work.
    """
    log_format = app.config.get("TRACKER_LOG_FORMAT", "text")

    def finish(response: Response) -> Response:
        return _finish(response, log_format)

    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, finish)
    app.jinja_env.globals["request_id"] = request_id
    _install_handler()
