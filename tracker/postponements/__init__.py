"""Requests to postpone a milestone (延期申请) and the admin's decision."""

from flask import Blueprint

bp = Blueprint("postponements", __name__)

from tracker.postponements import routes  # noqa: E402, F401  (registers the views on bp)
