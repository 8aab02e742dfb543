"""API views: thin, like the pages. Load → check the token's permission → read the input →
call one service in a unit of work → answer. Whatever is refused on the way is raised and
answered by the blueprint's one error handler (:func:`tracker.api.problems.api_error`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, jsonify, url_for

from tracker.access import actor_for, item_target, milestone_target, report_reader
from tracker.api import bp
from tracker.api.auth import api_require, api_view, api_who, json_body
from tracker.api.problems import changing
from tracker.api.schemas import (
    AS_OF,
    CURSOR,
    ITEM,
    LIMIT,
    SINCE,
    UPDATES_DEFAULT_LIMIT,
    department_json,
    evaluation_json,
    evaluation_period,
    indicator_json,
    item_json,
    measurement_input,
    milestone_json,
    milestone_update_input,
    plan_summary_json,
    progress_json,
    report_json,
    updates_json,
)
from tracker.clock import today
from tracker.domain.policy import Action, can
from tracker.domain.rollup import roll_up_item
from tracker.loaders import indicator_by_id, item_by_code, milestone_by_id, the_plan
from tracker.services.commands.reports import submit_item_report, submit_milestone_report
from tracker.services.queries.api_reads import (
    all_departments,
    last_item_report_states,
    pending_report_count,
    plan_facts,
    updates_page,
)
from tracker.services.queries.board import plan_indicators
from tracker.services.queries.evaluation import load_evaluation
from tracker.services.queries.plans import figures_day_of, visible_plans
from tracker.services.queries.progress import item_input, load_progress
from tracker.services.queries.receipts import current_receipts, plan_receipts
from tracker.services.queries.reports import pending_report


def margin() -> float:
    """How far behind the elapsed time progress may be before an item counts as behind."""
    return float(current_app.config["TRACKER_BEHIND_MARGIN"])


def created(body: dict[str, Any], location: str) -> Response:
    """201 with the new resource and where to read what it is about."""
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# Reading.


@bp.get("/plans")
@api_view()
def plans() -> Response:
    """Every plan the token's user may see, with its state and headline figures."""
    api_require(Action.VIEW_BOARD)
    now = today()
    shown = visible_plans(include_drafts=can(actor_for(g.api_user), Action.MANAGE_PLANS))
    listed = []
    for found in shown:
        as_of = figures_day_of(found, now)
        progress = load_progress(found, as_of, margin(), today=now)
        listed.append(plan_summary_json(found, as_of, progress.result.summary))
    return jsonify({"plans": listed})


@bp.get("/plan")
@bp.get("/plans/<plan>")
@api_view()
def plan() -> Response:
    """The plan rolled up at ``as_of`` (default: today, or the day a closed plan closed); a
    past day is rebuilt from history. ``/plan`` is the default plan's.
    """
    api_require(Action.VIEW_BOARD)
    found = the_plan()
    now = today()
    as_of = AS_OF.value() or figures_day_of(found, now)
    progress = load_progress(found, as_of, margin(), today=now)
    states = last_item_report_states(found)
    return jsonify(
        progress_json(progress, as_of, states, plan_facts(found), receipts=plan_receipts(found.id))
    )


@bp.get("/items/<code>")
@bp.get("/plans/<plan>/items/<code>")
@api_view()
def item(code: str) -> Response:
    """One item with its milestones, as of today (a closed plan's: the day it closed)."""
    api_require(Action.VIEW_ITEM)
    found = item_by_code(code)
    result = roll_up_item(item_input(found), figures_day_of(found.plan, today()), margin())
    state = last_item_report_states(found.plan, found).get(found.id)
    return jsonify(
        item_json(
            found,
            result,
            pending=pending_report_count(found),
            last_report_state=state,
            receipts=current_receipts(m.id for m in found.milestones),
        )
    )


@bp.get("/milestones/<int:milestone_id>")
@api_view()
def milestone(milestone_id: int) -> Response:
    """One milestone, as of today (a closed plan's: the day it closed), with the report
    waiting for review on it (if any).
    """
    api_require(Action.VIEW_ITEM)
    found = milestone_by_id(milestone_id)
    as_of = figures_day_of(found.item.plan, today())
    result = roll_up_item(item_input(found.item), as_of, margin())
    milestone_result = next(m for m in result.milestones if m.key == found.id)
    waiting = pending_report(item=found.item, milestone=found)
    receipt = current_receipts([found.id]).get(found.id)
    return jsonify(milestone_json(found, milestone_result, waiting, receipt))


@bp.get("/departments")
@api_view()
def departments() -> Response:
    """Every department, active or not."""
    api_require(Action.VIEW_BOARD)
    return jsonify({"departments": [department_json(d) for d in all_departments()]})


@bp.get("/indicators")
@bp.get("/plans/<plan>/indicators")
@api_view()
def indicators() -> Response:
    """Every indicator with its baseline, targets and approved measurements."""
    api_require(Action.VIEW_BOARD)
    rows = plan_indicators(the_plan())
    return jsonify({"indicators": [indicator_json(i) for i in rows]})


@bp.get("/updates")
@bp.get("/plans/<plan>/updates")
@api_view()
def updates() -> Response:
    """The history (one row per changed field), oldest first in id order, paged by cursor.

    ``since`` keeps rows whose change counts from that day on; ``item`` keeps one item's rows.
    Follow ``next_cursor`` until it is null; new rows appear on later pages, never earlier.
    """
    api_require(Action.VIEW_BOARD)
    found = the_plan()
    limit = LIMIT.value() or UPDATES_DEFAULT_LIMIT
    since = SINCE.value()
    after = CURSOR.value() or 0
    code = ITEM.value()
    one = item_by_code(code, found) if code is not None else None
    rows, more = updates_page(found, after=after, limit=limit, item=one, since=since)
    return jsonify(updates_json(rows, more, report_reader(g.api_user)))


@bp.get("/evaluation")
@bp.get("/plans/<plan>/evaluation")
@api_view()
def evaluation() -> Response:
    """The department evaluation for ``from``..``to``: points, total, rank and the events
    behind every point lost, as the evaluation page shows it.
    """
    api_require(Action.VIEW_EVALUATION)
    found = the_plan()
    start, end = evaluation_period()
    return jsonify(evaluation_json(load_evaluation(found, start, end, today=today())))


# Writing.


@bp.post("/milestones/<int:milestone_id>/updates")
@api_view()
def milestone_update(milestone_id: int) -> Response:
    """Report a milestone's status and progress, pending review, as the report page does."""
    found = milestone_by_id(milestone_id)
    api_require(Action.UPDATE_MILESTONE, milestone_target(found))
    sent = milestone_update_input(json_body())
    with changing(found):
        report = submit_milestone_report(
            api_who(), found, sent.report(), version=sent.version, today=today()
        )
        # Written out before the commit (the service has flushed), while every row it shows is
        # loaded: after it, the rows expire and would be read again (three round trips on the
        # busiest write).
        body = report_json(report)
    return created(body, url_for("api.milestone", milestone_id=milestone_id))


@bp.post("/indicators/<int:indicator_id>/measurements")
@api_view()
def measurement(indicator_id: int) -> Response:
    """A new figure for an indicator: an item report of the indicator's item, pending review.

    ``version`` (the item's) is optional; when given, a stale one answers 409.
    """
    indicator = indicator_by_id(indicator_id)
    assert indicator.item is not None, "indicator_by_id answers only indicators of an item"
    owner = item_by_code(indicator.item.code)
    api_require(Action.UPDATE_ITEM, item_target(owner))
    sent = measurement_input(json_body())
    version = sent.version if sent.version is not None else owner.version
    with changing(owner):
        report = submit_item_report(
            api_who(),
            owner,
            sent.report(),
            indicator=indicator,
            source=sent.source,
            version=version,
            today=today(),
        )
    return created(report_json(report), url_for("api.item", code=owner.code))
