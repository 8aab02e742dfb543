"""The views of sign-in through the OpenID Connect provider (see :mod:`tracker.auth.oidc`).

Every answer the provider's redirect brings is checked before anyone is let in; whatever
goes wrong (a tampered state, a nonce from another session, an expired or forged ID token,
an error from the provider, a provider that does not answer) shows the sign-in page again
with words for it, is logged, and counts against the address like a wrong password.
"""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from tracker.access import client_address
from tracker.auth import bp
from tracker.auth.forms import LoginForm
from tracker.auth.oidc import (
    ID_TOKEN_KEY,
    LEEWAY,
    client,
    configured,
    kept_id_token,
    reason,
    vouched_identity,
)
from tracker.auth.redirects import safe_next
from tracker.auth.routes import landing, refusal_words, start_session
from tracker.clock import utcnow
from tracker.domain.refusal import Who
from tracker.services.commands.provider_signin import (
    address_throttled,
    answer_refused,
    provider_unavailable,
    sign_in_vouched,
)
from tracker.services.commands.signin import Outcome, SignInResult
from tracker.unit_of_work import unit_of_work

# Where to go after signing in, kept in the session while the visitor is at the provider.
NEXT_KEY = "oidc_next"


def _visitor() -> Who:
    return Who(now=utcnow(), address=client_address())  # nobody until signed in


def _refused(message: str, status: int) -> tuple[str, int]:
    """The sign-in page again, saying why."""
    return render_template("auth/login.html", form=LoginForm(), error=message), status


def _unavailable_words() -> tuple[str, int]:
    return _(
        "The sign-in provider does not answer, so nobody can be signed in through it just "
        "now. Please try again in a few minutes, or tell the administrator."
    ), 503


def _unchecked_words() -> tuple[str, int]:
    return _(
        "The answer from the sign-in provider could not be checked, so you are not signed in. "
        "Please start again from the sign-in page."
    ), 400


@bp.get("/login/oidc")
def oidc_login() -> Response | tuple[str, int]:
    """Send the visitor to the provider, with a fresh state, nonce and PKCE challenge."""
    if not configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(landing(current_user))
    visitor = _visitor()
    with unit_of_work():
        throttled = address_throttled(visitor)
    if throttled:
        return _refused(*refusal_words(SignInResult(Outcome.THROTTLED)))
    try:
        response = client().authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except (requests.RequestException, ValueError) as error:
        with unit_of_work():
            provider_unavailable(visitor, reason(error))
        return _refused(*_unavailable_words())
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    return response


@bp.get("/login/oidc/callback")
def oidc_callback() -> Response | tuple[str, int]:
    """Check the provider's answer and sign the person in, or say why not (never a 500)."""
    if not configured():
        abort(404)
    visitor = _visitor()
    with unit_of_work():
        throttled = address_throttled(visitor)
    if throttled:
        return _refused(*refusal_words(SignInResult(Outcome.THROTTLED)))
    if request.args.get("error"):
        # The person declined, or the provider would not sign them in: nothing to check.
        with unit_of_work():
            answer_refused(visitor, f"provider said {request.args['error'][:100]}")
        return _refused(
            _(
                "The sign-in provider did not sign you in. Please try again, or tell the "
                "administrator if it keeps happening."
            ),
            400,
        )
    try:
        token = client().authorize_access_token(leeway=LEEWAY)
        vouched = vouched_identity(token)
    except requests.RequestException as error:
        with unit_of_work():
            provider_unavailable(visitor, reason(error))
        return _refused(*_unavailable_words())
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as error:
        with unit_of_work():
            answer_refused(visitor, reason(error))
        return _refused(*_unchecked_words())
    next_url = session.get(NEXT_KEY)
    with unit_of_work():
        result = sign_in_vouched(visitor, vouched)
    if result.outcome is Outcome.OK and result.user is not None:
        response = start_session(result.user, next_url if isinstance(next_url, str) else None)
        session[ID_TOKEN_KEY] = kept_id_token(token["id_token"])
        return response
    return _refused(*refusal_words(result))
