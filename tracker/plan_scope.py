"""Every page and API path of a plan's content is scoped by plan: ``/plans/<plan>/…``.

A URL rule's ``<plan>`` is taken off the view's arguments before the view runs and kept for
:func:`tracker.loaders.the_plan`; links built while handling the request carry the same plan
unless they name another, so templates write ``url_for("board.item", code=…)`` as before.

The paths of the time of a single plan (``/``, ``/items/T1``, ``/api/v1/plan``…) keep
working as the default plan's: the pages redirect (308, so a form posted to an old address
still arrives), and the API answers them as aliases (see :mod:`tracker.api.routes`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response

from tracker.loaders import find_plan, plan_code_for_links

legacy = Blueprint("legacy", __name__)

# The old address, and the endpoint that answers it now in the default plan.
OLD_PATHS = (
    ("/items/<code>", "board.item", ("GET",)),
    ("/board/ledger.xlsx", "board.ledger", ("GET",)),
    ("/items/<code>/report", "work.item_report", ("GET", "POST")),
    ("/items/<code>/instructions", "instructions.create", ("POST",)),
    ("/items/<code>/focus", "instructions.focus", ("POST",)),
    ("/admin/items/<code>", "assignment.item", ("GET", "POST")),
    ("/admin/items/<code>/milestones/new", "assignment.milestone_new", ("GET", "POST")),
)


def pull_plan(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Keep the URL's plan code for the loaders; views never see it."""
    if values and "plan" in values:
        g.plan_code = values.pop("plan")


def push_plan(endpoint: str, values: dict[str, Any]) -> None:
    """Links to a plan's pages stay in the request's plan unless they name one."""
    if "plan" in values or not current_app.url_map.is_endpoint_expecting(endpoint, "plan"):
        return
    code = plan_code_for_links()
    if code is not None:
        values["plan"] = code


def to_default_plan(endpoint: str) -> Any:
    """The view of an old address: the same page of the default plan, query kept."""

    def view(**values: Any) -> Response:
        plan = find_plan()
        code = plan.code if plan is not None else "-"
        target = url_for(endpoint, plan=code, **values)
        if request.query_string:
            target += "?" + request.query_string.decode("ascii", "replace")
        return redirect(target, 308)

    view.__name__ = "old_" + endpoint.replace(".", "_")
    return view


for _path, _endpoint, _methods in OLD_PATHS:
    legacy.add_url_rule(_path, view_func=to_default_plan(_endpoint), methods=list(_methods))


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(pull_plan)
    app.url_defaults(push_plan)
    app.register_blueprint(legacy)
