"""Evidence files (佐证材料): download for those allowed to read them."""

from flask import Blueprint

bp = Blueprint("attachments", __name__)

from tracker.attachments import routes  # noqa: E402, F401  (registers the views on bp)
