"""Board views: read the plan, roll it up, render."""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.access import allowed, milestone_target, report_reader, require
from tracker.board import bp
from tracker.board.filters import board_args, board_snapshot_key, requested_as_of
from tracker.cached_pages import page_from_blocks, render_blocks, shared_page
from tracker.clock import today
from tracker.conditional import not_modified, page_tag, shell, tagged
from tracker.domain.plan_states import PlanState, figures_day
from tracker.domain.policy import Action
from tracker.domain.rollup import roll_up_item
from tracker.loaders import find_plan, item_by_code, plan_header, the_plan
from tracker.models import Item, Subtask
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
from tracker.services.queries.subtasks import subtasks_by_milestone
from tracker.services.queries.timeline import timeline_for_item
from tracker.snapshots import snapshots


@bp.get("/")
def home() -> Response | str:
    """The default plan's board (the address of the time of a single plan)."""
    require(Action.VIEW_BOARD)
    plan = find_plan()
    if plan is None:
        return render_template("board/empty.html")
    return redirect(url_for("board.index", plan=plan.code))


@bp.get("/plans/<plan>/")
def index() -> Response:
    """The board: headline, each group's items, department table, watch lists, charts.

    The board itself is a shared snapshot of the plan's data version; only the shell around
    it is rendered for the user asking.
    """
    header = plan_header()
    require(Action.VIEW_BOARD)
    now = today()
    as_of = requested_as_of(figures_day(PlanState(header.state), now, header.closed_on))
    args = board_args()
    tag = page_tag("board", header.id, header.data_version, now, as_of, *shell())
    if (unchanged := not_modified(tag)) is not None:
        return unchanged

    def render() -> bytes:
        plan = the_plan()
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
        return render_blocks(
            "board/index.html",
            board=board,
            progress=progress,
            sort=sort,
            args=args,
            charts=board_charts(plan, progress),
        )

    key = board_snapshot_key(header, as_of=as_of, today=now, args=args, locale=str(get_locale()))
    if key is None:
        return tagged(make_response(page_from_blocks(render())), tag)

    def blocks() -> bytes:
        the_plan()  # the shell's links stay in this plan
        return snapshots().fetch(key, render)

    return tagged(make_response(shared_page(tag, blocks)), tag)


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
def item(code: str) -> Response:
    """One item: its milestones (50 a page), indicators, instructions, timeline and facts."""
    require(Action.VIEW_ITEM)
    plan = the_plan()
    tag = page_tag("item", plan.id, plan.data_version, today(), *shell())
    if (unchanged := not_modified(tag)) is not None:
        return unchanged
    found = item_by_code(code, in_full=True)
    as_of = figures_day_of(found.plan, today())
    result = roll_up_item(item_input(found), as_of, current_app.config["TRACKER_BEHIND_MARGIN"])
    indicators = indicators_with_figures(found)
    page = render_template(
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
        subtasks=visible_subtasks(found),
    )
    return tagged(make_response(page), tag)


def visible_subtasks(item: Item) -> dict[int, list[Subtask]]:
    """The sub-tasks of the item's milestones the reader may drill down to (their department,
    leadership, admins), by milestone id; nobody else learns they exist.
    """
    return subtasks_by_milestone(
        m.id for m in item.milestones if allowed(Action.VIEW_SUBTASKS, milestone_target(m))
    )
