"""Department work: my department's page, reports on milestones and items, and their review."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.auth.access import current_who, item_target, milestone_target, require
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.reporting import ItemReport, MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Indicator, Item, Milestone, Report, User
from tracker.services.attachments import (
    AttachmentError,
    attachment_directory,
    attachment_message,
    store_attachment,
)
from tracker.services.department_work import department_work
from tracker.services.instructions import open_instructions_for_department
from tracker.services.progress import current_plan
from tracker.services.reminders import reminders_for_department
from tracker.services.reports import (
    ReportError,
    StaleVersion,
    approve_report,
    pending_report,
    pending_reports,
    recent_changes,
    return_report,
    submit_item_report,
    submit_milestone_report,
)
from tracker.work import bp
from tracker.work.forms import ApproveForm, ItemReportForm, MilestoneReportForm, ReturnForm
from tracker.work.messages import problem_message


def load_milestone(milestone_id: int) -> Milestone:
    """The milestone with what its pages show, or 404."""
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.id == milestone_id)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.lead_department),
            so.joinedload(Milestone.department),
        )
    )
    if milestone is None:
        abort(404)
    return milestone


def load_item(code: str) -> Item:
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    item = None
    if plan is not None:
        item = db.session.scalar(
            sa.select(Item)
            .where(Item.plan_id == plan.id, Item.code == code)
            .options(
                so.joinedload(Item.lead_department), so.selectinload(Item.supporting_departments)
            )
        )
    if item is None:
        abort(404)
    return item


def uploads(form_field: object) -> list[FileStorage]:
    """The files actually chosen in a file field (browsers send an empty part for none)."""
    files: Iterable[FileStorage] = getattr(form_field, "data", None) or []
    return [f for f in files if isinstance(f, FileStorage) and f.filename]


def store_evidence(files: list[FileStorage], report: Report, actor: User) -> None:
    for upload in files:
        store_attachment(
            upload,
            item=report.item,
            milestone=report.milestone,
            report=report,
            user=actor,
            now=report.submitted_at,
            directory=attachment_directory(current_app),
        )


def parse_version(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else -1


@bp.get("/my")
def mine() -> str:
    """My department: its milestones by due date with flags, instructions and returned reports."""
    require(Action.VIEW_BOARD)
    department = current_user.department
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if department is None or plan is None:
        return render_template("work/mine.html", work=None)
    as_of = today()
    return render_template(
        "work/mine.html",
        work=department_work(plan, department, as_of),
        my_instructions=open_instructions_for_department(department.id),
        reminders=reminders_for_department(plan, department.id, as_of),
        today=as_of,
    )


@bp.route("/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
def milestone_report(milestone_id: int) -> Response | str:
    """A department reports a milestone's status and progress, for review."""
    milestone = load_milestone(milestone_id)
    require(Action.UPDATE_MILESTONE, milestone_target(milestone))
    form = MilestoneReportForm()
    if request.method == "GET":
        source = _returned_report(milestone, request.args.get("from"))
        form.status.data = (source.status if source else None) or milestone.reported_status
        form.progress.data = source.progress if source else milestone.progress
        form.completed_on.data = source.completed_on if source else milestone.completed_on
        form.note.data = source.note if source else ""
        form.version.data = str(milestone.version)
    errors: list[str] = []
    stale: StaleVersion | None = None
    if form.validate_on_submit():
        proposed = MilestoneReport(
            status=Status(form.status.data),
            progress=form.progress.data or 0,
            completed_on=form.completed_on.data,
            note=form.note.data or "",
        )
        actor = current_who()
        try:
            report = submit_milestone_report(
                actor, milestone, proposed, version=parse_version(form.version.data), today=today()
            )
            store_evidence(uploads(form.evidence), report, actor.actor)
            db.session.commit()
        except StaleVersion as error:
            db.session.rollback()
            stale = error
        except StaleDataError:
            db.session.rollback()
            current = load_milestone(milestone_id)
            stale = StaleVersion(
                current.version, recent_changes(item=current.item, milestone=current)
            )
        except ReportError as error:
            db.session.rollback()
            errors = [problem_message(p) for p in error.problems]
        except AttachmentError as error:
            db.session.rollback()
            errors = [attachment_message(error)]
        else:
            flash(
                _("Your report is submitted. It counts once the coordinating office approves it."),
                "success",
            )
            return redirect(url_for("work.mine"))
        if stale is not None:
            milestone = load_milestone(milestone_id)
            form.version.data = str(stale.current_version)
    elif request.method == "POST":
        errors = [str(e) for field in form for e in field.errors]
    return render_template(
        "work/milestone_report.html",
        milestone=milestone,
        form=form,
        errors=errors,
        stale=stale,
        pending=pending_report(item=milestone.item, milestone=milestone),
    )


def _returned_report(milestone: Milestone, report_id: str | None) -> Report | None:
    """A returned report to start the new one from (``?from=ID``), if it is this milestone's."""
    if not report_id or not report_id.isdigit() or len(report_id) > 9:
        return None
    report = db.session.get(Report, int(report_id))
    if report is None or report.milestone_id != milestone.id or report.state != "returned":
        return None
    return report


@bp.route("/items/<code>/report", methods=["GET", "POST"])
def item_report(code: str) -> Response | str:
    """The lead department summarises an item's progress, with a new indicator figure."""
    item = load_item(code)
    require(Action.UPDATE_ITEM, item_target(item))
    indicators = list(
        db.session.scalars(
            sa.select(Indicator).where(Indicator.item_id == item.id).order_by(Indicator.position)
        )
    )
    form = ItemReportForm()
    form.indicator.choices = [SelectChoice(0, "—")] + [
        SelectChoice(ind.id, f"{ind.name_zh} / {ind.name_en}") for ind in indicators
    ]
    if request.method == "GET":
        form.version.data = str(item.version)
    errors: list[str] = []
    stale: StaleVersion | None = None
    if form.validate_on_submit():
        indicator = next((i for i in indicators if i.id == form.indicator.data), None)
        proposed = ItemReport(
            note=form.note.data or "",
            value=form.value.data,
            measured_on=form.measured_on.data,
            has_indicator=indicator is not None,
        )
        actor = current_who()
        try:
            report = submit_item_report(
                actor,
                item,
                proposed,
                indicator=indicator,
                source=form.source.data or "",
                version=parse_version(form.version.data),
                today=today(),
            )
            store_evidence(uploads(form.evidence), report, actor.actor)
            db.session.commit()
        except (StaleVersion, StaleDataError) as error:
            db.session.rollback()
            item = load_item(code)
            stale = (
                error
                if isinstance(error, StaleVersion)
                else StaleVersion(item.version, recent_changes(item=item, milestone=None))
            )
            form.version.data = str(stale.current_version)
        except ReportError as error:
            db.session.rollback()
            errors = [problem_message(p) for p in error.problems]
        except AttachmentError as error:
            db.session.rollback()
            errors = [attachment_message(error)]
        else:
            flash(
                _("Your report is submitted. It counts once the coordinating office approves it."),
                "success",
            )
            return redirect(url_for("work.mine"))
    elif request.method == "POST":
        errors = [str(e) for field in form for e in field.errors]
    return render_template(
        "work/item_report.html",
        item=item,
        form=form,
        errors=errors,
        stale=stale,
        indicators=indicators,
        pending=pending_report(item=item, milestone=None),
    )


@bp.get("/reviews")
def reviews() -> str:
    """The review queue (督办): reports waiting for the coordinating office, oldest first."""
    require(Action.REVIEW_UPDATES)
    return render_template(
        "work/reviews.html",
        reports=pending_reports(),
        approve_form=ApproveForm(),
        return_form=ReturnForm(),
    )


def load_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


@bp.post("/reports/<int:report_id>/approve")
def approve(report_id: int) -> Response:
    """Approve a report: its figures now count on the board."""
    require(Action.REVIEW_UPDATES)
    report = load_report(report_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        approve_report(current_who(), report, today=today())
        db.session.commit()
    except (ReportError, StaleDataError) as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, ReportError) else []
        for message in [problem_message(p) for p in problems] or [
            _("The report could not be approved.")
        ]:
            flash(message, "error")
    else:
        flash(_("The report is approved."), "success")
    return redirect(url_for("work.reviews"))


@bp.post("/reports/<int:report_id>/return", endpoint="return_report")
def send_back(report_id: int) -> Response:
    """Return a report to its department with the reason."""
    require(Action.REVIEW_UPDATES)
    report = load_report(report_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            return_report(current_who(), report, form.reason.data or "", today=today())
            db.session.commit()
        except ReportError as error:
            db.session.rollback()
            for problem in error.problems:
                flash(problem_message(problem), "error")
        else:
            flash(_("The report is returned to the department."), "success")
    else:
        flash(_("Please give the reason for returning the report."), "error")
    return redirect(url_for("work.reviews"))
