"""A liveness probe for load balancers and benchmarks."""

from flask import Blueprint, current_app

from tracker.catalogs import REQUIRED, missing_catalogs

bp = Blueprint("health", __name__)

PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Answer without touching the database, so it measures the app server alone; 503 when
    the app started without its Chinese catalog (it would serve the UI in English).
    """
    if REQUIRED in missing_catalogs(current_app):
        return f"the {REQUIRED} translation catalog is missing: run `make translations`", 503, PLAIN
    return "ok", 200, PLAIN
