"""Evaluation views: the ranked table for a period and its workbook, the scheme form, the
calendar upload. Thin: read the period, ask the policy, call one query or command, answer.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.access import allowed, allowed_by_role, current_who, forbid, require
from tracker.clock import today
from tracker.domain.evaluation import (
    CRITERIA,
    PeriodKind,
    PeriodProblem,
    Scheme,
    parse_period,
    period_of,
)
from tracker.domain.policy import Action
from tracker.evaluation import bp
from tracker.evaluation.forms import CalendarUploadForm, SchemeForm
from tracker.loaders import find_plan, the_plan
from tracker.messages import message, messages
from tracker.models import EvaluationScheme, Plan
from tracker.services.commands.calendar import load_calendar
from tracker.services.commands.evaluation import save_scheme, scheme_from
from tracker.services.exports.evaluation import (
    CRITERION_LABELS,
    MIMETYPE,
    build_evaluation_workbook,
    finding_text,
)
from tracker.services.queries.evaluation import (
    calendar_summary,
    load_evaluation,
    scheme_of,
    scheme_row,
)
from tracker.services.queries.plans import figures_day_of
from tracker.unit_of_work import attempt

CUSTOM = "custom"
PERIODS = (*(k.value for k in PeriodKind), CUSTOM)
TEXT_MAX = 40  # characters of a typed value the page repeats


@dataclass
class Asked:
    """The period asked for (``?period=month|quarter|year|custom&from=&to=``), read
    forgivingly: the problem in words when it is not one.
    """

    period: str
    start_text: str
    end_text: str
    start: date | None = None
    end: date | None = None
    problem: str = ""


def _asked(values: Mapping[str, str], plan: Plan) -> Asked:
    """This month, quarter or year of the plan's figures day (today, or the day a closed
    plan closed), or custom dates; this month when nothing is asked.
    """
    start_text = (values.get("from") or "").strip()[:TEXT_MAX]
    end_text = (values.get("to") or "").strip()[:TEXT_MAX]
    period = (values.get("period") or (CUSTOM if start_text or end_text else "month"))[:TEXT_MAX]
    asked = Asked(period, start_text, end_text)
    if period not in PERIODS:
        asked.problem = _("Choose this month, this quarter, this year or custom dates.")
        asked.period = CUSTOM
        return asked
    if period != CUSTOM:
        asked.start, asked.end = period_of(PeriodKind(period), figures_day_of(plan, today()))
        asked.start_text, asked.end_text = asked.start.isoformat(), asked.end.isoformat()
        return asked
    read = parse_period(start_text, end_text)
    if isinstance(read, PeriodProblem):
        asked.problem = message(read)
    else:
        asked.start, asked.end = read
    return asked


def _page(plan: Plan, asked: Asked, status: int = 200) -> tuple[str, int]:
    evaluation = None
    if asked.start is not None and asked.end is not None and not asked.problem:
        evaluation = load_evaluation(plan, asked.start, asked.end, today=today())
    html = render_template(
        "evaluation/index.html",
        plan=plan,
        asked=asked,
        evaluation=evaluation,
        criteria=CRITERIA,
        labels=CRITERION_LABELS,
        finding_text=finding_text,
        may_configure=allowed(Action.CONFIGURE_EVALUATION),
    )
    return html, 400 if asked.problem else status


@bp.get("/evaluation")
def home() -> Response:
    """The default plan's evaluation (the navigation's link)."""
    if not allowed_by_role(Action.VIEW_EVALUATION):
        forbid()
    plan = find_plan()
    if plan is None:
        return redirect(url_for("board.home"))
    return redirect(url_for("evaluation.index", plan=plan.code))


@bp.get("/plans/<plan>/evaluation")
def index() -> tuple[str, int]:
    """The ranked table for the period asked for, with the events behind each lost point."""
    plan = the_plan()
    require(Action.VIEW_EVALUATION)
    return _page(plan, _asked(request.args, plan))


@bp.get("/plans/<plan>/evaluation.xlsx")
def export() -> Response | tuple[str, int]:
    """The same evaluation as an Excel workbook: the ranking and the events."""
    plan = the_plan()
    require(Action.VIEW_EVALUATION)
    asked = _asked(request.args, plan)
    if asked.start is None or asked.end is None or asked.problem:
        return _page(plan, asked)
    evaluation = load_evaluation(plan, asked.start, asked.end, today=today())
    return send_file(
        io.BytesIO(build_evaluation_workbook(evaluation)),
        mimetype=MIMETYPE,
        as_attachment=True,
        download_name=f"evaluation-{plan.code}-{asked.start_text}-{asked.end_text}.xlsx",
    )


@bp.route("/plans/<plan>/evaluation/scheme", methods=["GET", "POST"])
def scheme() -> Response | tuple[str, int]:
    """The plan's scheme from a day on (``?from=``; default: the one in force today): the
    points of each criterion and the deductions.
    """
    plan = the_plan()
    require(Action.CONFIGURE_EVALUATION)
    form = SchemeForm()
    if request.method == "GET":
        wanted = _day(request.args.get("from"))
        if wanted is not None:
            day, row = wanted, scheme_from(plan, wanted)
        else:
            row = scheme_row(plan, today())
            day = row.valid_from if row is not None else plan.start
        _fill(form, day, row)
        return _scheme_page(plan, form, [])
    if not form.validate_on_submit():
        return _scheme_page(plan, form, [], status=400)
    with attempt() as outcome:
        save_scheme(
            current_who(),
            plan,
            form.valid_from.data,
            form.scheme(),
            version=form.expected_version(),
        )
    if outcome.stale:
        saved = scheme_from(plan, form.valid_from.data)
        form.base_from.data = form.valid_from.data.isoformat()
        form.version.data = saved.version if saved is not None else 0
        return _scheme_page(plan, form, [_stale_text(saved)], status=409)
    if outcome.refused:
        return _scheme_page(plan, form, messages(outcome.refused), status=400)
    flash(_("The evaluation scheme is saved."), "success")
    return redirect(url_for("evaluation.scheme", **{"from": form.valid_from.data.isoformat()}))


def _day(raw: str | None) -> date | None:
    """A day written YYYY-MM-DD that a plan could mean (a one-day period), else None."""
    read = parse_period(raw, raw)
    return read[0] if isinstance(read, tuple) else None


def _fill(form: SchemeForm, day: date, row: EvaluationScheme | None) -> None:
    """The form as the day's scheme stands (the default scheme when it has none)."""
    shown = scheme_of(row)
    form.valid_from.data = day
    for name in Scheme.__slots__:
        getattr(form, name).data = getattr(shown, name)
    form.base_from.data = day.isoformat()
    form.version.data = row.version if row is not None else 0


def _stale_text(saved: EvaluationScheme | None) -> str:
    """What the loser of two saves of one day's scheme is told, with what is kept now."""
    if saved is None:
        return _("The scheme changed meanwhile. Check the figures and save again.")
    kept = " · ".join(
        f"{CRITERION_LABELS[c]} {getattr(scheme_of(saved), c.value)}" for c in CRITERIA
    )
    return _(
        "Someone else saved the scheme from %(day)s meanwhile (%(kept)s). "
        "Check the figures and save again to replace it.",
        day=saved.valid_from.isoformat(),
        kept=kept,
    )


def _scheme_page(
    plan: Plan, form: SchemeForm, problems: list[str], status: int = 200
) -> tuple[str, int]:
    points = [getattr(form, c.value).data for c in CRITERIA]
    total = sum(p for p in points if isinstance(p, int))
    html = render_template(
        "evaluation/scheme.html",
        plan=plan,
        form=form,
        configured=scheme_row(plan, date.max) is not None,
        problems=problems,
        total=total,
    )
    return html, status


@bp.route("/admin/calendar", methods=["GET", "POST"])
def calendar() -> Response | tuple[str, int]:
    """The holiday calendar: what is loaded, by year, and a file to load."""
    require(Action.CONFIGURE_EVALUATION)
    form = CalendarUploadForm()
    if request.method == "GET":
        return _calendar_page(form, [])
    if not form.validate_on_submit():
        return _calendar_page(form, [], status=400)
    with attempt() as outcome:
        done = load_calendar(form.calendar_file.data.read())
    if outcome.refused:
        return _calendar_page(form, messages(outcome.refused), status=400)
    flash(
        _(
            "Calendar loaded: %(added)d days added, %(changed)d changed, "
            "%(unchanged)d already as listed.",
            added=done.added,
            changed=done.changed,
            unchanged=done.unchanged,
        ),
        "success",
    )
    return redirect(url_for("evaluation.calendar"))


def _calendar_page(
    form: CalendarUploadForm, problems: list[str], status: int = 200
) -> tuple[str, int]:
    html = render_template(
        "evaluation/calendar.html", form=form, problems=problems, years=calendar_summary()
    )
    return html, status
