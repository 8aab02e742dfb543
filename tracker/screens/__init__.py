"""Big-screen mode (大屏): the board for the meeting-room display, opened by a read-only link
that admins make and revoke.
"""

from flask import Blueprint

bp = Blueprint("screens", __name__)

from tracker.screens import routes  # noqa: E402, F401  (registers the views on bp)
