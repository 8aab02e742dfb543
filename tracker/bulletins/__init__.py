"""The monthly bulletin (督办通报): pick a plan and a month, preview, issue the .docx, and the
history of the bulletins issued. For the coordinating office, leadership and admins."""

from flask import Blueprint

bp = Blueprint("bulletins", __name__)

from tracker.bulletins import routes  # noqa: E402, F401  (registers the views on bp)
