"""API views: thin, like the pages. Load → check the token's permission → read the input →
call one service → commit once → answer; a refused change rolls back and answers a problem.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from tracker.access import item_target, milestone_target
from tracker.api import bp
from tracker.api.auth import api_require, api_view, api_who, read_body
from tracker.api.problems import ApiProblem, FieldError, invalid
from tracker.api.schemas import (
    department_json,
    group_json,
    indicator_json,
    item_json,
    measurement_input,
    milestone_json,
    milestone_update_input,
    parse_date,
    parse_json_object,
    plan_json,
    report_json,
    update_json,
)
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused, StaleVersion
from tracker.domain.reporting import ItemReport, MilestoneReport, ReportProblem
from tracker.domain.rollup import roll_up_item
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.forms import MAX_ID
from tracker.messages import message as problem_message
from tracker.models import Department, Indicator, Item, Milestone, Plan, Report, Update
from tracker.services.commands.reports import submit_item_report, submit_milestone_report
from tracker.services.queries.progress import current_plan, item_input, load_progress
from tracker.services.queries.reports import pending_report

UPDATES_DEFAULT_LIMIT = 50
UPDATES_MAX_LIMIT = 200
# The note of a figure sent without note or source: the item-report rule wants a summary.
DEFAULT_MEASUREMENT_NOTE = "通过接口报送的指标数据 (figure sent through the API)"

# Which field a report problem is about, for the 422 ``errors`` list.
PROBLEM_FIELDS = {
    ReportProblem.PROGRESS_RANGE: "progress",
    ReportProblem.NOTE_REQUIRED_FOR_STATUS: "note",
    ReportProblem.NOTE_REQUIRED_FOR_DECREASE: "note",
    ReportProblem.NOTE_TOO_LONG: "note",
    ReportProblem.COMPLETION_DATE_REQUIRED: "completed_on",
    ReportProblem.COMPLETION_DATE_IN_FUTURE: "completed_on",
    ReportProblem.COMPLETION_DATE_WITHOUT_DONE: "completed_on",
    ReportProblem.NOTHING_TO_REPORT: "",
    ReportProblem.SUMMARY_REQUIRED: "note",
    ReportProblem.MEASUREMENT_INCOMPLETE: "",
    ReportProblem.MEASUREMENT_VALUE: "value",
    ReportProblem.MEASUREMENT_DATE_IN_FUTURE: "date",
}


def the_plan() -> Plan:
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        raise ApiProblem("not-found", _l("No plan is loaded."))
    return plan


def margin() -> float:
    return float(current_app.config["TRACKER_BEHIND_MARGIN"])


def not_found() -> ApiProblem:
    return ApiProblem("not-found", _l("There is nothing at this address."))


def load_item(code: str) -> Item:
    plan = the_plan()
    if len(code) > 32 or not code.isascii() or not code.isprintable():
        raise not_found()
    item = db.session.scalar(
        sa.select(Item)
        .where(Item.plan_id == plan.id, Item.code == code)
        .options(
            so.joinedload(Item.lead_department),
            so.joinedload(Item.group),
            so.selectinload(Item.supporting_departments),
            so.selectinload(Item.milestones).joinedload(Milestone.department),
        )
    )
    if item is None:
        raise not_found()
    return item


def load_milestone(milestone_id: int) -> Milestone:
    if milestone_id > MAX_ID:
        raise not_found()
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.id == milestone_id)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.lead_department),
            so.joinedload(Milestone.department),
        )
    )
    if milestone is None:
        raise not_found()
    return milestone


def report_errors(problems: list) -> ApiProblem:
    return invalid(
        [FieldError(PROBLEM_FIELDS.get(p, ""), str(p), problem_message(p)) for p in problems]
    )


def stale(error: StaleVersion) -> ApiProblem:
    return ApiProblem(
        "stale-version",
        _l(
            "Someone changed this since you read it (now version %(version)d). "
            "Read it again and send your update against the current version.",
            version=error.current_version,
        ),
        extra={"current_version": error.current_version},
    )


def query_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    errors: list[FieldError] = []
    value = parse_date(raw, name, errors)
    if errors:
        raise invalid(errors)
    return value


def created(body: dict[str, Any], location: str) -> Response:
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


# Reading.


@bp.get("/plan")
@api_view()
def plan() -> Response:
    """The plan rolled up at ``as_of`` (default today); a past day is rebuilt from history."""
    api_require(Action.VIEW_BOARD)
    found = the_plan()
    now = today()
    as_of = query_date("as_of") or now
    progress = load_progress(found, as_of, margin(), today=now)
    state_by_item = last_item_report_states(found)
    groups = []
    for section, group_result in zip(progress.sections, progress.result.groups, strict=True):
        items = [
            item_json(
                row.item,
                row.result,
                pending=progress.pending_by_item.get(row.item.id, 0),
                last_report_state=state_by_item.get(row.item.id),
            )
            for row in section.rows
        ]
        groups.append(group_json(section.group, group_result.summary, items))
    return jsonify(plan_json(found, as_of, progress.result.summary, groups))


def last_item_report_states(plan: Plan, item_id: int | None = None) -> dict[int, str]:
    """Per item, the review state of its latest item report (a summary or a figure)."""
    latest = (
        sa.select(sa.func.max(Report.id))
        .where(Report.plan_id == plan.id, Report.milestone_id.is_(None))
        .group_by(Report.item_id)
    )
    if item_id is not None:
        latest = latest.where(Report.item_id == item_id)
    rows = db.session.execute(sa.select(Report.item_id, Report.state).where(Report.id.in_(latest)))
    return {row_item: state for row_item, state in rows}  # noqa: C416  (Row to tuple)


@bp.get("/items/<code>")
@api_view()
def item(code: str) -> Response:
    """One item with its milestones, as of today."""
    api_require(Action.VIEW_ITEM)
    found = load_item(code)
    result = roll_up_item(item_input(found), today(), margin())
    pending = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.item_id == found.id, Report.state == "submitted")
    )
    states = last_item_report_states(found.plan, found.id)
    return jsonify(
        item_json(found, result, pending=pending or 0, last_report_state=states.get(found.id))
    )


@bp.get("/milestones/<int:milestone_id>")
@api_view()
def milestone(milestone_id: int) -> Response:
    """One milestone, as of today, with the report waiting for review on it (if any)."""
    api_require(Action.VIEW_ITEM)
    found = load_milestone(milestone_id)
    result = roll_up_item(item_input(found.item), today(), margin())
    milestone_result = next(m for m in result.milestones if m.key == found.id)
    waiting = pending_report(item=found.item, milestone=found)
    return jsonify(milestone_json(found, milestone_result, waiting))


@bp.get("/departments")
@api_view()
def departments() -> Response:
    api_require(Action.VIEW_BOARD)
    rows = db.session.scalars(sa.select(Department).order_by(Department.code))
    return jsonify({"departments": [department_json(d) for d in rows]})


@bp.get("/indicators")
@api_view()
def indicators() -> Response:
    """Every indicator with its baseline, targets and approved measurements."""
    api_require(Action.VIEW_BOARD)
    plan = the_plan()
    rows = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .options(
            so.joinedload(Indicator.item),
            so.selectinload(Indicator.targets),
            so.selectinload(Indicator.measurements),
        )
        .order_by(Indicator.position, Indicator.id)
    )
    return jsonify({"indicators": [indicator_json(i) for i in rows]})


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"u{last_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    """The last id the previous page held; 422 for anything this API did not hand out."""
    error = invalid([FieldError("cursor", "invalid_cursor", _l("This cursor is not valid."))])
    if len(raw) > 24 or not raw.isascii():
        raise error
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise error from None
    if not text.startswith("u") or not text[1:].isdigit() or int(text[1:]) > MAX_ID:
        raise error
    return int(text[1:])


def query_limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return UPDATES_DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw[:6]) <= UPDATES_MAX_LIMIT or len(raw) > 6:
        raise invalid(
            [
                FieldError(
                    "limit",
                    "range",
                    _l("The limit is a whole number from 1 to %(n)d.", n=UPDATES_MAX_LIMIT),
                )
            ]
        )
    return int(raw)


@bp.get("/updates")
@api_view()
def updates() -> Response:
    """The history (one row per changed field), oldest first in id order, paged by cursor.

    ``since`` keeps rows whose change counts from that day on; ``item`` keeps one item's rows.
    Follow ``next_cursor`` until it is null; new rows appear on later pages, never earlier.
    """
    api_require(Action.VIEW_BOARD)
    plan = the_plan()
    limit = query_limit()
    since = query_date("since")
    cursor = request.args.get("cursor")
    after = decode_cursor(cursor) if cursor else 0
    query = (
        sa.select(Update, Item.code, Milestone.code)
        .join(Item, Item.id == Update.item_id)
        .outerjoin(Milestone, Milestone.id == Update.milestone_id)
        .where(Update.plan_id == plan.id, Update.id > after)
        .options(so.joinedload(Update.user))
        .order_by(Update.id)
        .limit(limit + 1)
    )
    item_code = request.args.get("item")
    if item_code:
        query = query.where(Item.id == load_item(item_code).id)
    if since is not None:
        query = query.where(Update.effective_on >= since)
    rows = db.session.execute(query).all()
    page = rows[:limit]
    more = len(rows) > limit
    return jsonify(
        {
            "updates": [update_json(u, code, m_code) for u, code, m_code in page],
            "next_cursor": encode_cursor(page[-1][0].id) if more and page else None,
        }
    )


# Writing.


def json_body() -> dict[str, Any]:
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiProblem(
            "unsupported-media-type", _l("Send the body as JSON (Content-Type: application/json).")
        )
    return parse_json_object(read_body())


@bp.post("/milestones/<int:milestone_id>/updates")
@api_view()
def milestone_update(milestone_id: int) -> Response:
    """Report a milestone's status and progress, pending review, as the report page does."""
    found = load_milestone(milestone_id)
    api_require(Action.UPDATE_MILESTONE, milestone_target(found))
    sent = milestone_update_input(json_body())
    proposed = MilestoneReport(
        status=Status(sent.status),
        progress=sent.progress,
        completed_on=sent.completed_on,
        note=sent.note,
    )
    try:
        report = submit_milestone_report(
            api_who(), found, proposed, version=sent.version, today=today()
        )
        db.session.commit()
    except StaleVersion as error:
        db.session.rollback()
        raise stale(error) from None
    except StaleDataError:
        db.session.rollback()
        raise stale(StaleVersion(load_milestone(milestone_id).version)) from None
    except Refused as error:
        db.session.rollback()
        raise report_errors(error.problems) from None
    return created(report_json(report), url_for("api.milestone", milestone_id=milestone_id))


@bp.post("/indicators/<int:indicator_id>/measurements")
@api_view()
def measurement(indicator_id: int) -> Response:
    """A new figure for an indicator: an item report of the indicator's item, pending review.

    The note defaults to the source, else to a fixed text; ``version`` (the item's) is
    optional, and when given a stale one answers 409.
    """
    indicator = db.session.get(Indicator, indicator_id) if indicator_id <= MAX_ID else None
    if indicator is None or indicator.item_id is None:
        raise not_found()
    owner = load_item(indicator.item.code)
    api_require(Action.UPDATE_ITEM, item_target(owner))
    sent = measurement_input(json_body())
    proposed = ItemReport(
        note=sent.note.strip() or sent.source.strip() or DEFAULT_MEASUREMENT_NOTE,
        value=sent.value,
        measured_on=sent.measured_on,
        has_indicator=True,
    )
    try:
        report = submit_item_report(
            api_who(),
            owner,
            proposed,
            indicator=indicator,
            source=sent.source,
            version=sent.version if sent.version is not None else owner.version,
            today=today(),
        )
        db.session.commit()
    except StaleVersion as error:
        db.session.rollback()
        raise stale(error) from None
    except StaleDataError:
        db.session.rollback()
        raise stale(StaleVersion(load_item(owner.code).version)) from None
    except Refused as error:
        db.session.rollback()
        raise report_errors(error.problems) from None
    return created(report_json(report), url_for("api.item", code=owner.code))
