"""Sub-tasks (多级分解): a department lead splits a milestone, its staff report on the parts."""

from flask import Blueprint

bp = Blueprint("subtasks", __name__)

from tracker.subtasks import routes  # noqa: E402, F401  (registers the views on bp)
