"""The signed session cookie and the CSRF token, checked and signed once, not on every request.

A signed-in page kept as a snapshot costs little besides these: checking the cookie's
signature and decoding it, and signing the session's CSRF token for the page's forms, were a
quarter of a warm board request. Both results depend only on their input and the secret key,
so each process keeps the last few (a signature is still checked once per cookie, and an
expired cookie is still refused).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

from tracker.snapshots import LocalCopies

KEPT = 1024
# A token signed up to this long ago is handed out again: it stays valid for the CSRF time
# limit (an hour) less at most this.
TOKEN_REUSE_SECONDS = 60


_SCALARS = (str, int, float, bool, type(None))


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, each cookie value decoded once per process.

    Only sessions of plain values are kept (a flashed message is a list that the request
    changes in place); the expiry is checked on every use against the cookie's own signing
    time, as itsdangerous would.
    """

    def __init__(self) -> None:
        self.decoded: LocalCopies[tuple[dict[str, Any], float]] = LocalCopies(KEPT)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        kept = self.decoded.get(key)
        if kept is not None and time.time() - kept[1] <= max_age:
            return self.session_class(kept[0])
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _SCALARS) for v in data.values()):
            self.decoded.put(key, (data, signed_at.timestamp()))
        return self.session_class(data)


_TOKENS: LocalCopies[str] = LocalCopies(KEPT)


def csrf_token() -> str:
    """The session's CSRF token, signed: the one signed for the same session and secret key
    within the last minute when there is one.
    """
    if "csrf_token" in g:
        return str(g.csrf_token)
    raw = session.get("csrf_token")
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if isinstance(raw, str):
        key = (secret, raw, int(time.time()) // TOKEN_REUSE_SECONDS)
        token = _TOKENS.get(key)
        if token is not None:
            g.csrf_token = token
            return str(token)
        token = generate_csrf()
        _TOKENS.put((secret, session["csrf_token"], key[2]), token)
        return str(token)
    return str(generate_csrf())


def init_app(app: Flask) -> None:
    """Install the kept sessions, and the kept token for templates' ``csrf_token()``."""
    app.session_interface = KeptCookieSessions()
    app.jinja_env.globals["csrf_token"] = csrf_token
