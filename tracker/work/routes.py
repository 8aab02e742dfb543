"""Department work: my department's page, reports on milestones and items, and their review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import (
    allowed,
    allowed_by_role,
    current_who,
    item_target,
    milestone_target,
    require,
)
from tracker.clock import today
from tracker.domain.close_out import CloseOutProblem
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.domain.reporting import ItemReport, MilestoneReport, ReportState
from tracker.domain.status import Status, milestone_status
from tracker.domain.subtasks import ProgressMode, Rollup
from tracker.forms import version_number
from tracker.i18n import localized
from tracker.loaders import (
    find_row,
    item_by_code,
    item_indicators,
    milestone_by_id,
    row_by_id,
    scope_to,
    the_plan,
)
from tracker.messages import messages
from tracker.models import Indicator, Item, Milestone, Report
from tracker.pagination import page_number, paginate
from tracker.services.commands.close_out import close_out, reopen
from tracker.services.commands.reports import (
    approve_report,
    return_report,
    submit_item_report,
    submit_milestone_report,
)
from tracker.services.exports.attachment_storage import attachment_storage
from tracker.services.exports.attachments import store_attachment
from tracker.services.queries.close_out import awaiting_close_out
from tracker.services.queries.department_work import (
    MY_MILESTONES_SHOWN,
    MY_REPORTS_SHOWN,
    department_work,
)
from tracker.services.queries.instructions import open_instructions_for_department
from tracker.services.queries.plans import visible_plans
from tracker.services.queries.progress import milestone_state
from tracker.services.queries.receipts import asked_first, pending_for_department
from tracker.services.queries.reminders import reminders_for_department
from tracker.services.queries.reports import pending_report, pending_reports, recent_changes
from tracker.services.queries.subtasks import milestone_rollup, my_subtasks
from tracker.subtasks.views import subtask_report_forms
from tracker.unit_of_work import Attempt, attempt
from tracker.work import bp
from tracker.work.forms import (
    ApproveForm,
    CloseOutForm,
    ItemReportForm,
    MilestoneReportForm,
    ReopenForm,
    ReturnForm,
)


def uploads(form_field: object) -> list[FileStorage]:
    """The files actually chosen in a file field (browsers send an empty part for none)."""
    files: Iterable[object] = getattr(form_field, "data", None) or []
    return [f for f in files if isinstance(f, FileStorage) and f.filename]


def store_evidence(files: list[FileStorage], report: Report, who: Who) -> None:
    """Keep the report's evidence files; a refused file refuses the whole report."""
    storage = attachment_storage(current_app)
    for upload in files:
        store_attachment(
            upload,
            item=report.item,
            milestone=report.milestone,
            report=report,
            user=who.actor,
            now=report.submitted_at,
            storage=storage,
        )


def stale_panel(outcome: Attempt, item: Item, milestone: Milestone | None) -> StaleVersion | None:
    """After a lost race: the version saved now and what changed, read after the rollback."""
    if outcome.stale is None:
        return None
    target = milestone if milestone is not None else item
    return StaleVersion(target.version, recent_changes(item=item, milestone=milestone))


def _report_page(
    template: str,
    form: MilestoneReportForm | ItemReportForm,
    outcome: Attempt,
    target: tuple[Item, Milestone | None],
    **context: object,
) -> str:
    """A report form again: with the form's or the service's problems, or after a lost race
    with what is saved now (the form then carries the current version)."""
    item, milestone = target
    stale = stale_panel(outcome, item, milestone)
    if stale is not None:
        form.version.data = str(stale.current_version)
    return render_template(
        template,
        form=form,
        errors=_errors(form, outcome),
        stale=stale,
        pending=pending_report(item=item, milestone=milestone),
        **context,
    )


def submitted() -> Response:
    flash(
        _("Your report is submitted. It counts once the coordinating office approves it."),
        "success",
    )
    return redirect(url_for("work.mine"))


@bp.get("/my")
def mine() -> str:
    """My department: its milestones in every plan, by due date with flags, its returned
    reports and reminders, grouped by plan; and its open instructions.

    Each plan's part is rendered in that plan's scope, so its links and buttons are that
    plan's (a closed plan shows no report buttons).
    """
    require(Action.VIEW_BOARD)
    department = current_user.department
    if department is None:
        return render_template("work/mine.html", department=None)
    as_of = today()
    sections = []
    totals = {"returned": 0, "pending": 0, "overdue": 0}
    anchors: dict[str, str] = {}  # each count's tile links to the first plan's list of it
    for plan in visible_plans(include_drafts=allowed_by_role(Action.MANAGE_PLANS)):
        work = department_work(plan, department, as_of)
        if not (work.rows or work.items_led or work.items_supported):
            continue
        scope_to(plan)
        sections.append(
            Markup(  # noqa: S704  (a rendered template: Jinja escaped it already)
                render_template(
                    "work/_plan_work.html",
                    plan=plan,
                    work=work,
                    reminders=reminders_for_department(
                        plan, department.id, as_of, latest=work.activity
                    ),
                    today=as_of,
                    shown=MY_MILESTONES_SHOWN,
                    reports_shown=MY_REPORTS_SHOWN,
                )
            )
        )
        counts = {
            "returned": len(work.returned),
            "pending": work.pending_count,
            "overdue": work.overdue_count,
        }
        for kind, count in counts.items():
            totals[kind] += count
            if count:
                anchors.setdefault(kind, f"{kind}-{plan.code}")
    g.pop("plan", None)  # the page itself belongs to no single plan
    subtasks = my_subtasks(current_user.id)
    return render_template(
        "work/mine.html",
        department=department,
        sections=sections,
        totals=totals,
        anchors=anchors,
        my_instructions=open_instructions_for_department(department.id),
        pending_receipts=asked_first(
            pending_for_department(department.id, as_of), request.args.get("answer", type=int)
        ),
        today=as_of,
        my_subtasks=subtasks,
        report_forms=subtask_report_forms(subtasks),
    )


@bp.get("/plans/<plan>/my/milestones")
def plan_milestones() -> str:
    """All my department's milestones in one plan, open ones first, 50 a page."""
    plan = the_plan()
    require(Action.VIEW_BOARD)
    department = current_user.department
    if department is None:
        return render_template("work/mine.html", department=None)
    work = department_work(plan, department, today())
    return render_template(
        "work/plan_milestones.html",
        plan=plan,
        department=department,
        page=paginate(work.rows, page_number(request.args)),
    )


@bp.route("/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
def milestone_report(milestone_id: int) -> Response | str:
    """A department reports a milestone's status and progress, for review."""
    milestone = milestone_by_id(milestone_id)
    require(Action.UPDATE_MILESTONE, milestone_target(milestone))
    form = MilestoneReportForm()
    returned = _returned_report(milestone.item, milestone, request.args.get("from"))
    if request.method == "GET":
        _fill_from(form, milestone, returned)
    rolled = rolled_up_progress(milestone)
    if rolled is not None:
        form.progress.data = rolled.progress  # not typed: the command takes it from the roll-up
    outcome = Attempt()
    if form.validate_on_submit():
        proposed = MilestoneReport(
            status=Status(form.status.data),
            progress=form.progress.data or 0,
            completed_on=form.completed_on.data,
            note=form.note.data or "",
        )
        who = current_who()
        with attempt() as outcome:
            version = version_number(form.version.data)
            report = submit_milestone_report(
                who, milestone, proposed, version=-1 if version is None else version, today=today()
            )
            store_evidence(uploads(form.evidence), report, who)
        if outcome.refused is None:
            return submitted()
    return _report_page(
        "work/milestone_report.html",
        form,
        outcome,
        (milestone.item, milestone),
        milestone=milestone,
        computed=computed_status(milestone, today()),
        returned=returned,
        rolled=rolled,
    )


def rolled_up_progress(milestone: Milestone) -> Rollup | None:
    """The roll-up the report's progress is, when the milestone's is kept by its sub-tasks."""
    if milestone.progress_mode != ProgressMode.SUBTASKS:
        return None
    return milestone_rollup(milestone.id)


def computed_status(milestone: Milestone, as_of: date) -> Status:
    """The status the board shows today (a past due date makes it 滞后 whatever was reported)."""
    return milestone_status(milestone_state(milestone), as_of)


def _fill_from(form: MilestoneReportForm, milestone: Milestone, source: Report | None) -> None:
    """A new form starts from the milestone, or from the returned report being redone."""
    form.status.data = (source.status if source else None) or milestone.reported_status
    form.progress.data = source.progress if source else milestone.progress
    form.completed_on.data = source.completed_on if source else milestone.completed_on
    form.note.data = source.note if source else ""
    form.version.data = str(milestone.version)


def _errors(form: MilestoneReportForm | ItemReportForm, outcome: Attempt) -> list[str]:
    """The form's own errors after a POST, else the service's refusal (not a lost race)."""
    if request.method == "POST" and form.errors:
        return [str(e) for field in form for e in field.errors]
    if outcome.refused is None or outcome.stale is not None:
        return []
    return messages(outcome.refused)


def _returned_report(
    item: Item, milestone: Milestone | None, report_id: str | None
) -> Report | None:
    """A returned report to start the new one from (``?from=ID``), if it is this milestone's
    (or, for an item report, this item's own, not one of its milestones')."""
    if not report_id or not report_id.isdigit() or len(report_id) > 9:
        return None
    report = find_row(Report, int(report_id))
    if report is None or report.item_id != item.id:
        return None
    if report.milestone_id != (milestone.id if milestone else None):
        return None
    return report if report.state == ReportState.RETURNED else None


@bp.route("/plans/<plan>/items/<code>/report", methods=["GET", "POST"])
def item_report(code: str) -> Response | str:
    """The lead department summarises an item's progress, with a new indicator figure."""
    item = item_by_code(code)
    require(Action.UPDATE_ITEM, item_target(item))
    indicators = item_indicators(item)
    form = ItemReportForm()
    form.indicator.choices = [SelectChoice(0, "—")] + [
        SelectChoice(ind.id, indicator_choice(ind)) for ind in indicators
    ]
    returned = _returned_report(item, None, request.args.get("from"))
    if request.method == "GET":
        form.version.data = str(item.version)
        form.indicator.data = _chosen_indicator(indicators, request.args.get("indicator"))
        if returned is not None:
            _fill_item_report_from(form, returned)
    outcome = Attempt()
    if form.validate_on_submit():
        indicator = next((i for i in indicators if i.id == form.indicator.data), None)
        proposed = ItemReport(
            note=form.note.data or "",
            value=form.value.data,
            measured_on=form.measured_on.data,
            has_indicator=indicator is not None,
        )
        who = current_who()
        with attempt() as outcome:
            version = version_number(form.version.data)
            report = submit_item_report(
                who,
                item,
                proposed,
                indicator=indicator,
                source=form.source.data or "",
                version=-1 if version is None else version,
                today=today(),
            )
            store_evidence(uploads(form.evidence), report, who)
        if outcome.refused is None:
            return submitted()
    return _report_page(
        "work/item_report.html",
        form,
        outcome,
        (item, None),
        item=item,
        indicators=indicators,
        returned=returned,
    )


def _fill_item_report_from(form: ItemReportForm, source: Report) -> None:
    """Redoing a returned item report starts from what it said and proposed."""
    form.note.data = source.note
    if source.indicator_id is not None:
        form.indicator.data = source.indicator_id
        value = source.measurement_value
        # 970, not "970.0": the figure as the lead typed it.
        form.value.data = int(value) if value is not None and value.is_integer() else value
        form.measured_on.data = source.measured_on
        form.source.data = source.measurement_source


def indicator_choice(indicator: Indicator) -> str:
    """An indicator as the picker names it: with its last approved figure, its final target
    and its unit, so the lead sees what a plausible new value is."""
    last = max(indicator.measurements, key=lambda m: m.measured_on, default=None)
    target = max(indicator.targets, key=lambda t: t.due, default=None)
    value, on = (
        (last.value, last.measured_on)
        if last
        else (indicator.baseline_value, indicator.baseline_date)
    )
    parts = [
        localized(indicator, "name"),
        _("last %(value)s (%(date)s)", value=f"{value:g}", date=on.isoformat()),
    ]
    if target is not None:
        parts.append(
            _("target %(value)s (%(date)s)", value=f"{target.value:g}", date=target.due.isoformat())
        )
    unit = localized(indicator, "unit")
    if unit:
        parts.append(_("unit %(unit)s", unit=unit))
    return " · ".join(parts)


def _chosen_indicator(indicators: list[Indicator], wanted: str | None) -> int:
    """The indicator a link from "my department" asks for (``?indicator=ID``), if the item has
    it; else none (0, the "—" choice)."""
    if wanted and wanted.isdigit() and len(wanted) <= 9:
        return next((i.id for i in indicators if i.id == int(wanted)), 0)
    return 0


@bp.get("/reviews")
def reviews() -> str:
    """The review queue (督办): reports waiting for the coordinating office, oldest first."""
    require(Action.REVIEW_UPDATES)
    return render_template(
        "work/reviews.html",
        reports=pending_reports(),
        approve_form=ApproveForm(),
        return_form=ReturnForm(),
        awaiting=awaiting_close_out() if allowed(Action.CLOSE_OUT) else [],
    )


@bp.post("/reports/<int:report_id>/approve")
def approve(report_id: int) -> Response:
    """Approve a report: its figures now count on the board."""
    report = row_by_id(Report, report_id)
    require(Action.REVIEW_UPDATES)
    if not ApproveForm().validate_on_submit():
        abort(400)
    with attempt() as outcome:
        approve_report(current_who(), report, today=today())
    if outcome.refused is None:
        flash(_("The report is approved."), "success")
    elif outcome.stale is not None:
        flash(_("The report could not be approved."), "error")
    else:
        for message in messages(outcome.refused):
            flash(message, "error")
    return redirect(url_for("work.reviews"))


@bp.post("/reports/<int:report_id>/return", endpoint="return_report")
def send_back(report_id: int) -> Response:
    """Return a report to its department with the reason."""
    report = row_by_id(Report, report_id)
    require(Action.REVIEW_UPDATES)
    form = ReturnForm()
    if not form.validate_on_submit():
        flash(_("Please give the reason for returning the report."), "error")
        return redirect(url_for("work.reviews"))
    with attempt() as outcome:
        return_report(current_who(), report, form.reason.data or "", today=today())
    if outcome.refused is None:
        flash(_("The report is returned to the department."), "success")
    for message in messages(outcome.refused) if outcome.refused else []:
        flash(message, "error")
    return redirect(url_for("work.reviews"))


@bp.post("/milestones/<int:milestone_id>/close-out")
def close_out_milestone(milestone_id: int) -> Response:
    """Close out a milestone awaiting close-out (销号): the evidence was checked."""
    milestone = milestone_by_id(milestone_id)
    require(Action.CLOSE_OUT)
    form = CloseOutForm()
    version = version_number(form.version.data) if form.validate_on_submit() else None
    with attempt() as outcome:
        if version is None:
            raise Refused([CloseOutProblem.CHANGED_SINCE])
        close_out(current_who(), milestone, version=version, today=today())
    return _decided(outcome, _("Milestone %(code)s is closed out.", code=milestone.code))


@bp.post("/milestones/<int:milestone_id>/reopen")
def reopen_milestone(milestone_id: int) -> Response:
    """Send a milestone awaiting close-out back to its department (退回重办), with the reason."""
    milestone = milestone_by_id(milestone_id)
    require(Action.CLOSE_OUT)
    form = ReopenForm()
    version = version_number(form.version.data) if form.validate_on_submit() else None
    with attempt() as outcome:
        if version is None:
            raise Refused([CloseOutProblem.CHANGED_SINCE])
        reopen(current_who(), milestone, form.reason.data or "", version=version, today=today())
    return _decided(outcome, _("Milestone %(code)s is reopened.", code=milestone.code))


def _decided(outcome: Attempt, done: str) -> Response:
    """Back to the close-out queue, saying what happened or why nothing did."""
    if outcome.refused is None:
        flash(done, "success")
    for message in messages(outcome.refused) if outcome.refused else []:
        flash(message, "error")
    return redirect(url_for("work.reviews", _anchor="close-out"))
