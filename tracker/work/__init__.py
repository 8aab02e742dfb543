"""Department work: my department's page, reports on milestones and items, and their review."""

from flask import Blueprint

bp = Blueprint("work", __name__)

from tracker.work import routes  # noqa: E402, F401  (registers the views on bp)
