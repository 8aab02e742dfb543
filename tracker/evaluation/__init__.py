"""The department evaluation (考评): the ranked table of a plan's departments for a period,
with the events behind every lost point, its Excel export, the scheme an admin sets per plan
and period, and the holiday calendar working days are counted by."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)

from tracker.evaluation import routes  # noqa: E402, F401  (registers the views on bp)
