"""Views (being written)."""

from tracker.attachments import bp  # noqa: F401
