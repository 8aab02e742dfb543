"""Board views: read the plan, roll it up, render."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, render_template

from tracker.auth.access import require
from tracker.board import bp
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.rollup import roll_up_item
from tracker.extensions import db
from tracker.models import Indicator, Item, Milestone
from tracker.services.instructions import instructions_for_item
from tracker.services.progress import current_plan, item_input, load_progress
from tracker.services.timeline import timeline_for_item


@bp.get("/")
def index() -> str:
    """The board: overall progress, then each group's items with owner and status."""
    require(Action.VIEW_BOARD)
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        return render_template("board/empty.html")
    progress = load_progress(plan, today(), current_app.config["TRACKER_BEHIND_MARGIN"])
    return render_template("board/index.html", progress=progress)


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
