"""Portfolio views: the plan list (with admins' state moves) and the portfolio board."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.access import allowed, current_who, require
from tracker.cached_pages import render_blocks, shared_page
from tracker.clock import today
from tracker.conditional import every_plan_version, not_modified, page_tag, shell, tagged
from tracker.domain.plan_states import MOVES, PlanState
from tracker.domain.policy import Action
from tracker.i18n import PLAN_STATE_LABELS
from tracker.loaders import the_plan
from tracker.messages import messages
from tracker.portfolio import bp
from tracker.portfolio.forms import PlanStateForm
from tracker.services.commands.plan_states import move_plan
from tracker.services.queries.plans import (
    Portfolio,
    PortfolioFilters,
    build_portfolio,
    visible_plans,
)
from tracker.unit_of_work import attempt


def _portfolio(filters: PortfolioFilters) -> Portfolio:
    """The plans this user sees (drafts for admins), each with its board's figures."""
    return build_portfolio(
        visible_plans(include_drafts=allowed(Action.MANAGE_PLANS)),
        today=today(),
        margin=current_app.config["TRACKER_BEHIND_MARGIN"],
        filters=filters,
    )


def _plans_page(status: int = 200) -> tuple[str, int]:
    html = render_template(
        "portfolio/plans.html",
        portfolio=_portfolio(PortfolioFilters()),
        moves={s: sorted(MOVES[s]) for s in PlanState},
        form=PlanStateForm(),
    )
    return html, status


@bp.get("/plans")
def index() -> Response:
    """Every plan the user may see, with its state, period and progress (and, for admins,
    the moves between states). Kept by its ETag, as the portfolio is.
    """
    require(Action.VIEW_BOARD)
    tag = page_tag("plans", every_plan_version(), today(), *shell())
    if (unchanged := not_modified(tag)) is not None:
        return unchanged

    def blocks() -> bytes:
        return render_blocks(
            "portfolio/plans.html",
            portfolio=_portfolio(PortfolioFilters()),
            moves={s: sorted(MOVES[s]) for s in PlanState},
            form=PlanStateForm(),
        )

    return tagged(make_response(shared_page(tag, blocks)), tag)


@bp.get("/portfolio")
def portfolio() -> Response:
    """Leadership's view of every plan: progress against expected, late work, days left, and
    the departments most behind across all plans; filtered by status, department and year.

    Each plan's figures are shared snapshots; the page is kept by its ETag (every plan's data
    version, the day, the reader, the URL), so an unchanged portfolio is not rebuilt.
    """
    require(Action.VIEW_BOARD)
    drafts = allowed(Action.MANAGE_PLANS)
    tag = page_tag("portfolio", every_plan_version(), today(), drafts, *shell())
    if (unchanged := not_modified(tag)) is not None:
        return unchanged

    def blocks() -> bytes:
        filters = PortfolioFilters.from_args(request.args)
        return render_blocks("portfolio/portfolio.html", portfolio=_portfolio(filters))

    return tagged(make_response(shared_page(tag, blocks)), tag)


@bp.post("/plans/<plan>/state")
def move(**_values: str) -> Response | tuple[str, int]:
    """An admin moves a plan to another state (publish, close, reopen, archive)."""
    plan = the_plan()
    require(Action.MANAGE_PLANS)
    form = PlanStateForm()
    if not form.validate_on_submit() or form.seen.data not in tuple(PlanState):
        flash(_("The form is incomplete. Please try again."), "warning")
        return _plans_page(400)
    wanted = PlanState(form.wanted.data)
    with attempt() as outcome:
        move_plan(current_who(), plan, seen=PlanState(form.seen.data), wanted=wanted, today=today())
    if outcome.stale is not None:
        flash(_("Someone moved this plan meanwhile; here is where it stands now."), "warning")
    elif outcome.refused is not None:
        for text in messages(outcome.refused):
            flash(text, "error")
    else:
        state = PLAN_STATE_LABELS[wanted]
        flash(_("Plan %(code)s is now: %(state)s.", code=plan.code, state=state), "success")
    return redirect(url_for("plans.index"))
