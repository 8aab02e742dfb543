"""Board views: read the plan, roll it up, render."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, render_template, request
from flask_babel import gettext as _

from tracker.access import require
from tracker.board import bp
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.reminders import parse_day
from tracker.domain.rollup import roll_up_item
from tracker.errors import BadRequestMessage
from tracker.extensions import db
from tracker.models import Indicator, Item, Milestone
from tracker.services.queries.board import Filters, build_board
from tracker.services.queries.charts import board_charts
from tracker.services.queries.instructions import instructions_for_item
from tracker.services.queries.progress import current_plan, item_input
from tracker.services.queries.timeline import timeline_for_item


def requested_as_of(default: date) -> date:
    """``?as_of=YYYY-MM-DD`` (the board as it stood at the end of that day), else ``default``."""
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return default
    try:
        return parse_day(raw)
    except ValueError:
        raise BadRequestMessage(
            _("The date %(value)s is not valid. Write dates as YYYY-MM-DD.", value=raw[:20])
        ) from None


BOARD_PARAMETERS = ("as_of", "group", "department", "status", "sort", "dir")


def board_args() -> dict[str, str]:
    """The board's own query parameters, to carry into its links (nothing else is echoed)."""
    return {key: request.args[key][:40] for key in BOARD_PARAMETERS if key in request.args}


@bp.get("/")
def index() -> str:
    """The board: headline, each group's items, department table, watch lists, charts."""
    require(Action.VIEW_BOARD)
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        return render_template("board/empty.html")
    now = today()
    as_of = requested_as_of(now)
    sort = request.args.get("sort", "on_time_rate")
    board = build_board(
        plan,
        as_of=as_of,
        today=now,
        margin=current_app.config["TRACKER_BEHIND_MARGIN"],
        filters=Filters.from_args(request.args),
        sort=sort,
        descending=request.args.get("dir", "desc") != "asc",
    )
    progress = board.progress
    return render_template(
        "board/index.html",
        board=board,
        progress=progress,
        sort=sort,
        args=board_args(),
        charts=board_charts(plan, progress),
    )


@bp.get("/items/<code>")
def item(code: str) -> str:
    """One item: its milestones, indicators and background facts."""
    require(Action.VIEW_ITEM)
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        abort(404)
    found = db.session.scalar(
        sa.select(Item)
        .where(Item.plan_id == plan.id, Item.code == code)
        .options(
            so.joinedload(Item.lead_department),
            so.joinedload(Item.group),
            so.selectinload(Item.supporting_departments),
            so.selectinload(Item.milestones).joinedload(Milestone.department),
            so.selectinload(Item.facts),
        )
    )
    if found is None:
        abort(404)
    as_of = today()
    result = roll_up_item(item_input(found), as_of, current_app.config["TRACKER_BEHIND_MARGIN"])
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.item_id == found.id)
        .options(so.selectinload(Indicator.targets), so.selectinload(Indicator.measurements))
        .order_by(Indicator.position)
    ).all()
    milestone_results = {m.key: m for m in result.milestones}
    return render_template(
        "board/item.html",
        item=found,
        result=result,
        milestone_results=milestone_results,
        indicators=indicators,
        as_of=as_of,
        instructions=instructions_for_item(found.id),
        timeline=timeline_for_item(found, [i.id for i in indicators]),
    )
