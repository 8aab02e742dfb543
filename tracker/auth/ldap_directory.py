"""The organisation's LDAP directory, asked through ldap3 (placeholder until built)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.services.commands.signin import PasswordDirectory


def ldap_directory(config: Mapping[str, Any]) -> PasswordDirectory | None:
    """The directory the app is configured with, or ``None`` when LDAP sign-in is off."""
    if not config.get("TRACKER_LDAP_URL"):
        return None
    raise NotImplementedError("LDAP sign-in is being built")
