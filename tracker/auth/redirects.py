"""Where to send a user after signing in: see :mod:`tracker.redirects` (shared by blueprints)."""

from tracker.redirects import FALLBACK, safe_next

__all__ = ["FALLBACK", "safe_next"]
