"""Sign in through the organisation's OpenID Connect provider, and sign out of it (Authlib).

The authorization code flow with PKCE: the provider checks the password, this app checks its
answer (the state against the session, the ID token's signature against the provider's keys,
its issuer, audience, expiry and the nonce kept in the session) before anyone is let in.
What the provider says about the person then takes the same path as a directory sign-in
(:func:`tracker.services.commands.signin.sign_in_identity`). Configured by
``TRACKER_OIDC_ISSUER``, ``TRACKER_OIDC_CLIENT_ID`` and ``TRACKER_OIDC_CLIENT_SECRET``; the
provider's metadata is fetched on first use, so the app starts while the provider is down.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, url_for

from tracker.domain.directory import Identity, Source

EXTENSION = "tracker.oidc"
CLIENT = "oidc"
# Seconds to wait for the provider (metadata, keys, the token endpoint).
TIMEOUT = 10
# Kept in the session from sign-in to sign-out, for the provider's end-session endpoint.
ID_TOKEN_KEY = "oidc_id_token"  # noqa: S105  (a session key, not a secret)
# The session is a cookie, and a browser drops a cookie over 4 KB (and with it the session):
# an ID token longer than this (many groups) is not kept; sign-out then names the client only.
ID_TOKEN_KEPT_MAX = 2000
# The provider's clock and ours may differ this much (seconds) when the ID token is checked.
LEEWAY = 60


def init_app(app: Flask) -> None:
    """Register the provider when ``TRACKER_OIDC_ISSUER`` is set (one OAuth registry per app,
    so two apps in one process may use two providers)."""
    issuer = app.config.get("TRACKER_OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=app.config.get("TRACKER_OIDC_CLIENT_ID"),
        client_secret=app.config.get("TRACKER_OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email",
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT,
        },
    )
    app.extensions[EXTENSION] = oauth


def configured() -> bool:
    """Whether sign-in through the provider is offered."""
    return EXTENSION in current_app.extensions


def client() -> Any:
    return current_app.extensions[EXTENSION].create_client(CLIENT)


def reason(error: Exception) -> str:
    """What the audit log keeps of an error: its kind and the start of its message."""
    return f"{type(error).__name__}: {error}"[:300]


def vouched_identity(token: dict[str, Any]) -> Identity:
    """The person the verified ID token describes.

    Authlib has checked the ID token (signature against the provider's keys, issuer,
    audience, expiry, nonce) into ``userinfo``; without one nothing was checked, so nobody
    is let in. Groups the ID token leaves out are asked of the userinfo endpoint.
    """
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise ValueError("the provider's answer holds no ID token")
    claims = dict(claims)
    config = current_app.config
    groups_claim = config.get("TRACKER_OIDC_GROUPS_CLAIM") or "groups"
    department_claim = config.get("TRACKER_OIDC_DEPARTMENT_CLAIM") or "department"
    if groups_claim not in claims and client().load_server_metadata().get("userinfo_endpoint"):
        more = dict(client().userinfo(token=token))
        if more.get("sub") != claims["sub"]:
            raise ValueError("the userinfo endpoint describes someone else")
        claims = {**more, **claims}
    subject = str(claims["sub"])
    groups = claims.get(groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    return Identity(
        source=Source.OIDC,
        subject=subject,
        username=str(claims.get("preferred_username") or subject),
        display_name=str(claims.get("name") or ""),
        email=str(claims.get("email") or ""),
        department_hint=str(claims.get(department_claim) or ""),
        groups=tuple(str(group) for group in groups),
    )


def kept_id_token(id_token: str) -> str:
    """What of the ID token the session keeps for signing out: all of it, unless too long."""
    return id_token if len(id_token) <= ID_TOKEN_KEPT_MAX else ""


def provider_logout_url(id_token: str | None) -> str | None:
    """Where to end the provider's session too, or ``None`` when it offers no such endpoint
    (or cannot be asked: the local session is over either way). The ID token, when kept,
    tells the provider whose session; the client id and the way back are always sent."""
    if not configured():
        return None
    provider = client()
    try:
        if not provider.load_server_metadata().get("end_session_endpoint"):
            return None
    except (requests.RequestException, ValueError):
        return None
    result = provider.create_logout_url(
        post_logout_redirect_uri=url_for("auth.login", _external=True),
        id_token_hint=id_token or None,
        client_id=provider.client_id,
    )
    return str(result["url"])
