"""Security headers on every answer: what the browser may load, frame, send and use.

Pages load scripts, styles, fonts and images only from this site (the front-end libraries are
vendored under ``static/``), run no inline script (chart options travel as JSON data), cannot
be framed, and send no referrer to other sites. Inline ``style`` attributes stay allowed: the
progress bars and chart heights are sized by the server. A header a view set itself (the big
screen's stricter referrer policy) is kept.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort")
)
HSTS = "max-age=31536000"


def add_security_headers(response: Response, *, secure: bool) -> Response:
    """Set the headers a view did not set itself."""
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for name, value in baseline_headers(secure=secure).items():
        headers.setdefault(name, value)
    return response


def baseline_headers(*, secure: bool) -> dict[str, str]:
    """The headers every answer carries, pages and static files alike (static files are
    answered by WhiteNoise, before Flask's hooks run: tracker.static_files)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if secure:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_app(app: Flask) -> None:
    """Add the headers to every response; HSTS only where cookies are marked secure (HTTPS)."""

    @app.after_request
    def _headers(response: Response) -> Response:
        return add_security_headers(response, secure=bool(app.config["SESSION_COOKIE_SECURE"]))
