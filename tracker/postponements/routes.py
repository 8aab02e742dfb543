"""Views (being written)."""

from tracker.postponements import bp  # noqa: F401
