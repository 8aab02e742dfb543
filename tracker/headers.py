"""Security headers on every answer: what the browser may load, frame, send and use.

Pages load scripts, styles, fonts and images only from this site (the front-end libraries are
vendored under ``static/``), run no inline script (chart options travel as JSON data), cannot
be framed, and send no referrer to other sites. Inline ``style`` attributes stay allowed: the
progress bars and chart heights are sized by the server. A header a view set itself (the big
screen's stricter referrer policy) is kept.

Forms post only to this site; with an OpenID Connect provider configured, the sign-out form
may also end at the provider (its end-session endpoint), and browsers apply ``form-action``
to where a form's answer redirects too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    """The policy, with ``form_targets`` (origins) allowed after 'self' in ``form-action``."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort")
)
HSTS = "max-age=31536000"


def add_security_headers(
    response: Response, *, secure: bool, policy: str = CONTENT_SECURITY_POLICY
) -> Response:
    """Set the headers a view did not set itself."""
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", policy)
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def init_app(app: Flask) -> None:
    """Add the headers to every response; HSTS only where cookies are marked secure (HTTPS).

    With an OpenID Connect provider configured, its origin may receive forms (sign-out)."""
    provider = _origin(app.config.get("TRACKER_OIDC_ISSUER") or "")
    policy = content_security_policy((provider,) if provider else ())

    @app.after_request
    def _headers(response: Response) -> Response:
        return add_security_headers(
            response, secure=bool(app.config["SESSION_COOKIE_SECURE"]), policy=policy
        )
