"""Leadership instructions (批示) on items, replies, and the focus flag (重点关注)."""

from flask import Blueprint

bp = Blueprint("instructions", __name__)

from tracker.instructions import routes  # noqa: E402, F401  (registers the views on bp)
