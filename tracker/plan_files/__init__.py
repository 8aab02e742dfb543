"""Plans from files: upload the spreadsheet template or a plan file, preview, confirm; export."""

from flask import Blueprint

bp = Blueprint("plan_files", __name__, url_prefix="/admin/plans")

from tracker.plan_files import routes  # noqa: E402, F401  (registers the views on bp)
