"""Where to send a user next (after signing in, or back from a form): only ever somewhere on
this site."""

from __future__ import annotations

from urllib.parse import urlsplit

FALLBACK = "/"


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else ``/``.

    Browsers treat ``//host`` and ``/\\host`` as other sites, and some strip control
    characters before resolving, so anything but a plain absolute path is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return FALLBACK
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return FALLBACK
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return FALLBACK
    return target


def safe_back(target: str | None, fallback: str) -> str:
    """``target`` when it is a path on this site, else ``fallback``: a form's way back to the
    page it was opened from (``?back=``)."""
    checked = safe_next(target)
    return fallback if checked == FALLBACK and target != FALLBACK else checked
