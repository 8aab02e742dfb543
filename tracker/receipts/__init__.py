"""Receipts (签收): the department signs for or declines an assignment; the coordinating
office watches what is unsigned and assigns declined milestones again.
"""

from flask import Blueprint

bp = Blueprint("receipts", __name__)

from tracker.receipts import routes  # noqa: E402, F401  (registers the views on bp)
