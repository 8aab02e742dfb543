"""The portfolio: every plan side by side, for leadership; the plan list, where admins move a
plan through its life.
"""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from tracker.portfolio import routes  # noqa: E402, F401  (registers the views on bp)
