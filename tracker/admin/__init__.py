"""Administration: users, departments and the audit log (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import routes  # noqa: E402, F401  (registers the views on bp)
