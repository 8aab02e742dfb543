"""Views (being written)."""

from tracker.instructions import bp  # noqa: F401
