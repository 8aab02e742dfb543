"""Signing in through the OpenID Connect provider, under the same throttle and audit log as a
password.

The provider checks the password, so there is nothing to guess here; but a client replaying
callbacks, or an account the mapping refuses, still fails against the window every other way
in counts (tracker.domain.throttle), and every refusal is in the audit log.
"""

from __future__ import annotations

from tracker.domain.directory import Identity
from tracker.domain.refusal import Who
from tracker.domain.throttle import MAX_ADDRESS_FAILURES
from tracker.services.commands import audit
from tracker.services.commands.signin import (
    Outcome,
    SignInResult,
    recent_failures,
    sign_in_identity,
    throttled,
)

# What a refused answer of the provider is logged under before anyone is known.
UNKNOWN = ""


def address_throttled(who: Who) -> bool:
    """Whether this address has failed too often to start or finish a provider sign-in.

    Only the address counts: before the provider answers nobody is known, and counting
    every anonymous failure against one name would let anyone lock everybody out.
    """
    _account, by_address = recent_failures(f"oidc address {who.address}", who.address, who.now)
    if by_address >= MAX_ADDRESS_FAILURES:
        audit.record("login_throttled", now=who.now, username=UNKNOWN, address=who.address)
        return True
    return False


def sign_in_vouched(who: Who, identity: Identity) -> SignInResult:
    """Let in someone the provider vouched for, unless their account or address is throttled."""
    if throttled(who, identity.username.strip().lower()[:64]):
        return SignInResult(Outcome.THROTTLED)
    return sign_in_identity(who, identity)


def answer_refused(who: Who, reason: str) -> None:
    """Log a provider answer that vouches for nobody (state, nonce, an expired or forged ID
    token, an error from the provider): a failure of this address."""
    audit.record(
        "login_failed", now=who.now, username=UNKNOWN, address=who.address, detail=f"oidc: {reason}"
    )


def provider_unavailable(who: Who, reason: str) -> None:
    """Log that the provider could not be asked; nothing else is tried in its place."""
    audit.record(
        "login_unavailable",
        now=who.now,
        username=UNKNOWN,
        address=who.address,
        detail=f"oidc: {reason}",
    )
