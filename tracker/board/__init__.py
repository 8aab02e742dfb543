"""The progress board: where leadership sees whether the plan is on track."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from tracker.board import exports, routes  # noqa: E402, F401  (registers the views on bp)
