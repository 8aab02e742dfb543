"""Sub-task pages: a milestone's sub-tasks (the lead adds, edits, deletes and chooses how the
milestone's progress is kept), and the assignee's report on one.

Sub-tasks are the department's business: the page answers 403 to anyone the policy does not
let see them (other departments, viewers), 404 to a sub-task of another milestone.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import allowed, current_who, milestone_target, require
from tracker.clock import today
from tracker.domain.policy import Action, SubtaskTarget
from tracker.domain.status import Status
from tracker.domain.subtasks import ProgressMode, SubtaskReport
from tracker.extensions import db
from tracker.forms import version_number
from tracker.i18n import ROLE_LABELS
from tracker.loaders import find_row, scope_to, the_plan, valid_id
from tracker.messages import messages
from tracker.models import Item, Milestone, Subtask, User
from tracker.services.commands.subtasks import (
    SubtaskInput,
    create_subtask,
    delete_subtask,
    edit_subtask,
    report_subtask,
    set_progress_mode,
)
from tracker.services.queries.subtasks import (
    assignable_people,
    latest_notes,
    milestone_subtasks,
    rollup_of,
)
from tracker.subtasks import bp
from tracker.subtasks.forms import (
    DeleteSubtaskForm,
    ProgressModeForm,
    SubtaskForm,
    SubtaskReportForm,
)
from tracker.subtasks.views import subtask_report_forms
from tracker.unit_of_work import Attempt, attempt

MILESTONE_CODE_MAX = 32


def plan_milestone_by_code(code: str) -> Milestone:
    """The milestone of the URL's plan with this code, with its item and plan, or 404."""
    plan = the_plan()
    if not code or len(code) > MILESTONE_CODE_MAX:
        abort(404)
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.plan_id == plan.id, Milestone.code == code)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.plan),
            so.joinedload(Milestone.department),
        )
    )
    if milestone is None:
        abort(404)
    return milestone


def milestone_subtask(milestone: Milestone, subtask_id: int) -> Subtask:
    """A sub-task of this milestone, or 404 (an id of another milestone's is not found here)."""
    subtask = db.session.get(Subtask, subtask_id) if valid_id(subtask_id) else None
    if subtask is None or subtask.milestone_id != milestone.id:
        abort(404)
    return subtask


def people_choices(milestone: Milestone) -> list[SelectChoice]:
    """The department's active staff and leads, named with their role."""
    return [
        SelectChoice(user.id, f"{user.label} · {ROLE_LABELS.get(user.role, user.role)}")
        for user in assignable_people(milestone.department_id)
    ]


def subtask_input(form: SubtaskForm) -> SubtaskInput:
    """What the form says, with the chosen person looked up (None when unknown)."""
    person = find_row(User, form.assignee.data) if form.assignee.data else None
    return SubtaskInput(
        title=form.title.data or "",
        due=form.due.data,
        weight=form.weight.data,
        assignee=person,
    )


def form_errors(form: SubtaskForm | SubtaskReportForm, outcome: Attempt) -> list[str]:
    """The form's own errors (a malformed date), else the command's refusal in words."""
    found = [str(e) for field in form for e in field.errors]
    if found:
        return found
    return messages(outcome.refused) if outcome.refused is not None else []


def _page(
    milestone: Milestone, form: SubtaskForm, errors: list[str], status: int = 200
) -> tuple[str, int]:
    subtasks = milestone_subtasks(milestone.id)
    manage = allowed(Action.MANAGE_SUBTASKS, milestone_target(milestone))
    mode_form = ProgressModeForm(
        formdata=None, mode=milestone.progress_mode, version=milestone.version
    )
    return render_template(
        "subtasks/milestone.html",
        milestone=milestone,
        subtasks=subtasks,
        notes=latest_notes(s.id for s in subtasks),
        rolled=rollup_of(subtasks),
        manage=manage,
        form=form,
        errors=errors,
        mode_form=mode_form,
        delete_form=DeleteSubtaskForm(formdata=None),
        report_forms=subtask_report_forms(
            [
                s
                for s in subtasks
                if allowed(Action.REPORT_SUBTASK, SubtaskTarget(s.department_id, s.assignee_id))
            ]
        ),
    ), status


@bp.route("/plans/<plan>/milestones/<milestone_code>/subtasks", methods=["GET", "POST"])
def milestone_page(milestone_code: str) -> Response | tuple[str, int]:
    """A milestone's sub-tasks with their roll-up; its department's lead adds them here."""
    milestone = plan_milestone_by_code(milestone_code)
    if request.method == "GET":
        require(Action.VIEW_SUBTASKS, milestone_target(milestone))
        form = SubtaskForm(formdata=None)
        form.fill_people(people_choices(milestone))
        return _page(milestone, form, [])
    require(Action.MANAGE_SUBTASKS, milestone_target(milestone))
    form = SubtaskForm()
    form.fill_people(people_choices(milestone))
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            create_subtask(current_who(), milestone, subtask_input(form))
        if outcome.refused is None:
            flash(_("The sub-task is added."), "success")
            return redirect(url_for("subtasks.milestone_page", milestone_code=milestone.code))
    return _page(milestone, form, form_errors(form, outcome))


@bp.route(
    "/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>", methods=["GET", "POST"]
)
def edit(milestone_code: str, subtask_id: int) -> Response | str:
    """The lead changes a sub-task's title, person, due date or weight."""
    milestone = plan_milestone_by_code(milestone_code)
    require(Action.MANAGE_SUBTASKS, milestone_target(milestone))
    subtask = milestone_subtask(milestone, subtask_id)
    if request.method == "GET":
        form = SubtaskForm(
            formdata=None,
            title=subtask.title,
            assignee=subtask.assignee_id,
            due=subtask.due,
            weight=subtask.weight,
            version=subtask.version,
        )
    else:
        form = SubtaskForm()
    form.fill_people(people_choices(milestone))
    outcome = Attempt()
    if form.validate_on_submit():
        version = version_number(form.version.data)
        with attempt() as outcome:
            edit_subtask(
                current_who(),
                subtask,
                subtask_input(form),
                version=-1 if version is None else version,
            )
        if outcome.refused is None:
            flash(_("The sub-task is saved."), "success")
            return redirect(url_for("subtasks.milestone_page", milestone_code=milestone.code))
    return render_template(
        "subtasks/edit.html",
        milestone=milestone,
        subtask=subtask,
        form=form,
        errors=form_errors(form, outcome) if request.method == "POST" else [],
    )


@bp.post("/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>/delete")
def delete(milestone_code: str, subtask_id: int) -> Response:
    """The lead removes a sub-task made by mistake (one reported on is kept)."""
    milestone = plan_milestone_by_code(milestone_code)
    require(Action.MANAGE_SUBTASKS, milestone_target(milestone))
    subtask = milestone_subtask(milestone, subtask_id)
    if not DeleteSubtaskForm().validate_on_submit():
        abort(400)
    with attempt() as outcome:
        delete_subtask(current_who(), subtask)
    if outcome.refused is None:
        flash(_("The sub-task is deleted."), "success")
    else:
        for message in messages(outcome.refused):
            flash(message, "error")
    return redirect(url_for("subtasks.milestone_page", milestone_code=milestone.code))


@bp.post("/plans/<plan>/milestones/<milestone_code>/progress-mode")
def progress_mode(milestone_code: str) -> Response:
    """The lead chooses how the milestone's progress is kept: reported or rolled up."""
    milestone = plan_milestone_by_code(milestone_code)
    require(Action.MANAGE_SUBTASKS, milestone_target(milestone))
    form = ProgressModeForm()
    if not form.validate_on_submit():
        flash(_("Choose how the milestone's progress is kept."), "error")
        return redirect(url_for("subtasks.milestone_page", milestone_code=milestone.code))
    version = version_number(form.version.data)
    with attempt() as outcome:
        changed = set_progress_mode(
            current_who(),
            milestone,
            ProgressMode(form.mode.data),
            today=today(),
            version=-1 if version is None else version,
        )
    if outcome.refused is not None:
        for message in messages(outcome.refused):
            flash(message, "error")
    elif changed:
        flash(_("How the milestone's progress is kept is changed."), "success")
    return redirect(url_for("subtasks.milestone_page", milestone_code=milestone.code))


@bp.post("/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>/report")
def report(milestone_code: str, subtask_id: int) -> Response:
    """The assignee (or the department's lead) reports a sub-task's status and progress.

    Sent from "my department" (``?back=my``) or the milestone's page, and back there, with
    the refusal's words if it was refused (nothing is then written).
    """
    milestone = plan_milestone_by_code(milestone_code)
    subtask = milestone_subtask(milestone, subtask_id)
    require(Action.REPORT_SUBTASK, SubtaskTarget(subtask.department_id, subtask.assignee_id))
    form = SubtaskReportForm()
    back = (
        url_for("work.mine") + f"#subtask-{subtask.id}"
        if request.args.get("back") == "my"
        else url_for("subtasks.milestone_page", milestone_code=milestone.code)
    )
    if not form.validate_on_submit():
        for error in [str(e) for field in form for e in field.errors]:
            flash(error, "error")
        return redirect(back)
    version = version_number(form.version.data)
    with attempt() as outcome:
        report_subtask(
            current_who(),
            subtask,
            SubtaskReport(Status(form.status.data), form.progress.data or 0, form.note.data or ""),
            version=-1 if version is None else version,
            today=today(),
        )
    if outcome.refused is None:
        flash(_("Your report on the sub-task is saved."), "success")
    else:
        for message in messages(outcome.refused):
            flash(message, "error")
    scope_to(milestone.item.plan)
    return redirect(back)
