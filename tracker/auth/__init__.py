"""Signing in and out, and each user's own profile."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from tracker.auth import oidc_routes, routes  # noqa: E402, F401  (registers the views on bp)
