"""Assignment (admin): who leads and supports items, and the milestones' departments and order."""

from flask import Blueprint

bp = Blueprint("assignment", __name__, url_prefix="/admin")

from tracker.assignment import routes  # noqa: E402, F401  (registers the views on bp)
