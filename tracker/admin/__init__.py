"""Administration: users, departments, group robots and the audit log (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from tracker.admin import directory, routes, webhooks  # noqa: E402, F401  (registers the views on bp)
