"""Board views: read the plan, roll it up, render."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.access import report_reader, require
from tracker.board import bp
from tracker.board.filters import board_args, requested_as_of
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.rollup import roll_up_item
from tracker.loaders import find_plan, item_by_code, the_plan
from tracker.pagination import page_number, paginate
from tracker.services.queries.board import (
    WATCH_ORDER,
    Filters,
    build_board,
    indicators_with_figures,
    item_milestones,
)
from tracker.services.queries.charts import board_charts
from tracker.services.queries.instructions import (
    INSTRUCTIONS_SHOWN,
    count_instructions,
    instructions_for_item,
)
from tracker.services.queries.plans import figures_day_of
from tracker.services.queries.progress import item_input
from tracker.services.queries.timeline import timeline_for_item


@bp.get("/")
def home() -> Response | str:
    """The default plan's board (the address of the time of a single plan)."""
    require(Action.VIEW_BOARD)
    plan = find_plan()
    if plan is None:
        return render_template("board/empty.html")
    return redirect(url_for("board.index", plan=plan.code))


@bp.get("/plans/<plan>/")
def index() -> str:
    """The board: headline, each group's items, department table, watch lists, charts."""
    plan = the_plan()
    require(Action.VIEW_BOARD)
    now = today()
    as_of = requested_as_of(figures_day_of(plan, now))
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


@bp.get("/plans/<plan>/watch/<name>")
def watch(name: str) -> str:
    """One watch list of the board in full, 50 a page, with the board's filters and day."""
    plan = the_plan()
    require(Action.VIEW_BOARD)
    if name not in WATCH_ORDER:
        abort(404)
    now = today()
    board = build_board(
        plan,
        as_of=requested_as_of(figures_day_of(plan, now)),
        today=now,
        margin=current_app.config["TRACKER_BEHIND_MARGIN"],
        filters=Filters.from_args(request.args),
        watch_limit=None,
    )
    return render_template(
        "board/watch.html",
        board=board,
        name=name,
        page=paginate(board.watch[name], page_number(request.args)),
        args=board_args(),
    )


@bp.get("/plans/<plan>/items/<code>/milestones")
def item_milestones_fragment(code: str) -> str:
    """An item's milestones as an HTML fragment, for the board's timeline to load on opening."""
    require(Action.VIEW_ITEM)
    found = item_by_code(code, in_full=True)
    now = today()
    as_of = requested_as_of(figures_day_of(found.plan, now))
    rows = item_milestones(
        found, as_of=as_of, today=now, margin=current_app.config["TRACKER_BEHIND_MARGIN"]
    )
    return render_template(
        "board/_item_milestones.html",
        item=found,
        page=paginate(rows, page_number(request.args)),
        as_of=as_of,
    )


@bp.get("/plans/<plan>/items/<code>")
def item(code: str) -> str:
    """One item: its milestones (50 a page), indicators, instructions, timeline and facts."""
    require(Action.VIEW_ITEM)
    found = item_by_code(code, in_full=True)
    as_of = figures_day_of(found.plan, today())
    result = roll_up_item(item_input(found), as_of, current_app.config["TRACKER_BEHIND_MARGIN"])
    indicators = indicators_with_figures(found)
    return render_template(
        "board/item.html",
        item=found,
        result=result,
        milestone_results={m.key: m for m in result.milestones},
        milestones=paginate(found.milestones, page_number(request.args)),
        indicators=indicators,
        as_of=as_of,
        instructions=instructions_for_item(found.id, limit=INSTRUCTIONS_SHOWN),
        instruction_total=count_instructions(found.id),
        timeline=timeline_for_item(
            found,
            [i.id for i in indicators],
            report_reader(current_user._get_current_object()),
            page=page_number(request.args, "history"),
        ),
    )
