"""Sign-in throttling: how many failures close the door, and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 50
WINDOW = timedelta(minutes=15)


def window_start(now: datetime) -> datetime:
    """Failures older than this no longer count."""
    return now - WINDOW


def is_throttled(account_failures: int, address_failures: int) -> bool:
    """Refuse further attempts once an account, or a client address, has failed too often.

    An account closes after a few failures: that stops guessing one password. An address
    closes only at a much higher count, since a whole office signs in from behind one
    address (NAT) and one person's typos must not lock out colleagues; it still stops one
    client from guessing across many accounts.
    """
    return account_failures >= MAX_FAILURES or address_failures >= MAX_ADDRESS_FAILURES
