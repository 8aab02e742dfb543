"""Assignment views (admins): an item's lead and supporting departments, and its milestones.

Views stay thin: load, check the permission, read the form, call one service of
:mod:`tracker.services.commands.assignment`, commit once (or roll back and show the problems,
writing nothing), then redirect or render. A form opened before someone else's change is refused
with what is saved now beside the user's input, which is kept; saving again then overwrites."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import require
from tracker.assignment import bp
from tracker.assignment.forms import (
    NOBODY,
    ItemDepartmentsForm,
    MilestoneEditForm,
    MilestoneNewForm,
    MoveForm,
)
from tracker.clock import today, utcnow
from tracker.domain.assignment import MAX_WEIGHT, TITLE_EN_MAX, TITLE_ZH_MAX, UP, AssignmentProblem
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.forms import MAX_ID, find_department, find_user, version_number
from tracker.i18n import local_time, localized
from tracker.models import Department, Item, Milestone, Plan, Update, User
from tracker.services.commands.assignment import (
    create_milestone,
    milestone_code_taken,
    move_milestone,
    ordered_milestones,
    set_item_departments,
    update_milestone,
)
from tracker.services.queries.progress import current_plan

RECENT_CHANGES = 20

# How history fields are named on the page; other fields show as stored.
FIELD_LABELS = {
    "created": _l("Created"),
    "lead_department": _l("Lead department"),
    "supporting_departments": _l("Supporting departments"),
    "title_zh": _l("Chinese title"),
    "title_en": _l("English title"),
    "due": _l("Due date"),
    "baseline_due": _l("Original due date"),
    "weight": _l("Weight"),
    "department": _l("Department"),
    "assignee": _l("Assignee"),
    "position": _l("Order"),
}


def _who() -> dict[str, Any]:
    return {"user": current_user._get_current_object(), "now": utcnow(), "today": today()}


def _plan_or_404() -> Plan:
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        abort(404)
    return plan


def _item_or_404(code: str) -> Item:
    plan = _plan_or_404()
    item = db.session.scalar(
        sa.select(Item)
        .where(Item.plan_id == plan.id, Item.code == code)
        .options(
            so.joinedload(Item.plan),
            so.joinedload(Item.lead_department),
            so.selectinload(Item.supporting_departments),
        )
    )
    if item is None:
        abort(404)
    return item


def _milestone_or_404(milestone_id: int) -> Milestone:
    if not 0 < milestone_id <= MAX_ID:
        abort(404)
    plan = _plan_or_404()
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.id == milestone_id, Milestone.plan_id == plan.id)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.plan),
            so.joinedload(Milestone.department),
            so.joinedload(Milestone.assignee),
        )
    )
    if milestone is None:
        abort(404)
    return milestone


def _department_label(department: Department) -> str:
    label = f"{department.code} · {localized(department, 'name')}"
    if not department.active:
        label = _("%(department)s (deactivated)", department=label)
    return label


def _department_choices(*current: Department) -> list[SelectChoice]:
    """Active departments, and those already named here even if deactivated, by code."""
    condition = Department.active
    if current:
        condition = sa.or_(Department.active, Department.id.in_([d.id for d in current]))
    departments = db.session.scalars(
        sa.select(Department).where(condition).order_by(Department.code)
    )
    return [SelectChoice(d.id, _department_label(d)) for d in departments]


def _user_label(user: User) -> str:
    label = f"{user.label} ({user.username})"
    if user.department is not None:
        label = f"{label} · {user.department.code}"
    if not user.active:
        label = _("%(user)s (deactivated)", user=label)
    return label


def _assignee_choices(current: User | None) -> list[SelectChoice]:
    """Nobody, then active users who belong to a department (and the current assignee)."""
    condition = sa.and_(User.active, User.department_id.is_not(None))
    if current is not None:
        condition = sa.or_(condition, User.id == current.id)
    users = db.session.scalars(
        sa.select(User)
        .where(condition)
        .options(so.joinedload(User.department))
        .order_by(sa.func.lower(User.username))
    )
    return [SelectChoice(NOBODY, "—"), *(SelectChoice(u.id, _user_label(u)) for u in users)]


def _problem_message(problem: AssignmentProblem, plan: Plan) -> str:
    messages = {
        AssignmentProblem.STALE: _(
            "Someone else saved a change after you opened this form. What is saved now is "
            "shown below; your input is kept. Check it and save again to replace it."
        ),
        AssignmentProblem.LEAD_IS_SUPPORTING: _(
            "The lead department cannot also be a supporting department."
        ),
        AssignmentProblem.DEPARTMENT_INACTIVE: _("This department is deactivated."),
        AssignmentProblem.CODE_INVALID: _(
            "A code has 1 to 32 letters, digits, dots, dashes or underscores, "
            "and starts with a letter or digit."
        ),
        AssignmentProblem.CODE_TAKEN: _("This code is already used in the plan."),
        AssignmentProblem.TITLE_REQUIRED: _("Enter the Chinese title."),
        AssignmentProblem.TITLE_TOO_LONG: _(
            "A title may have at most %(zh)d characters in Chinese and %(en)d in English.",
            zh=TITLE_ZH_MAX,
            en=TITLE_EN_MAX,
        ),
        AssignmentProblem.DUE_OUTSIDE_PLAN: _(
            "The due date must lie within the plan's period, %(start)s to %(end)s.",
            start=plan.start.isoformat(),
            end=plan.end.isoformat(),
        ),
        AssignmentProblem.WEIGHT_INVALID: _(
            "The weight must be above 0 and at most %(max)s.", max=f"{MAX_WEIGHT:g}"
        ),
        AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT: _(
            "The assignee must be a user of the milestone's department."
        ),
        AssignmentProblem.ASSIGNEE_INACTIVE: _("This user is deactivated."),
        AssignmentProblem.UNKNOWN_DIRECTION: _("Choose up or down."),
    }
    return messages[problem]


def _refused(error: Refused, plan: Plan) -> list[str]:
    db.session.rollback()
    return [_problem_message(p, plan) for p in error.problems]


def _recent_changes(item: Item, milestone: Milestone | None = None) -> list[Update]:
    query = sa.select(Update).where(Update.item_id == item.id)
    if milestone is not None:
        query = query.where(Update.milestone_id == milestone.id)
    return list(
        db.session.scalars(
            query.options(so.joinedload(Update.user))
            .order_by(Update.created_at.desc(), Update.id.desc())
            .limit(RECENT_CHANGES)
        )
    )


def _page(template: str, **context: Any) -> str:
    return render_template(
        template, field_labels=FIELD_LABELS, local_time=local_time, up=UP, **context
    )


# Items


def _department_names(departments: list[Department]) -> str:
    return "、".join(_department_label(d) for d in departments) or "—"


def _item_conflicts(item: Item, form: ItemDepartmentsForm) -> list[tuple[str, str, str]]:
    """What is saved now beside what the user sent, for the fields that differ."""
    chosen_lead = find_department(form.lead.data)
    chosen = sorted(
        (d for d in (find_department(i) for i in form.supporting.data or []) if d is not None),
        key=lambda d: d.code,
    )
    rows = [
        (
            str(FIELD_LABELS["lead_department"]),
            _department_label(item.lead_department),
            _department_label(chosen_lead) if chosen_lead else "—",
        ),
        (
            str(FIELD_LABELS["supporting_departments"]),
            _department_names(list(item.supporting_departments)),
            _department_names(chosen),
        ),
    ]
    return [row for row in rows if row[1] != row[2]]


@bp.route("/items/<code>", methods=["GET", "POST"])
def item(code: str) -> Response | str:
    """An item's lead and supporting departments, and its milestones in order."""
    require(Action.MANAGE_PLAN)
    found = _item_or_404(code)
    initial = None
    if request.method == "GET":
        initial = {
            "lead": found.lead_department_id,
            "supporting": [d.id for d in found.supporting_departments],
            "version": found.version,
        }
    form = ItemDepartmentsForm(data=initial)
    form.lead.choices = _department_choices(found.lead_department)
    form.supporting.choices = _department_choices(*found.supporting_departments)
    errors: list[str] = []
    conflicts: list[tuple[str, str, str]] = []
    if form.validate_on_submit():
        lead = find_department(form.lead.data)
        assert lead is not None  # the form checked it
        supporting = [find_department(i) for i in form.supporting.data or []]
        try:
            changes = set_item_departments(
                found,
                lead=lead,
                supporting=[d for d in supporting if d is not None],
                version=version_number(form.version.data),
                **_who(),
            )
        except Refused as error:
            errors = _refused(error, found.plan)
            if AssignmentProblem.STALE in error.problems:
                conflicts = _item_conflicts(found, form)
                form.version.data = str(found.version)
        else:
            db.session.commit()
            if changes:
                flash(_("The departments of %(code)s are saved.", code=found.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("assignment.item", code=found.code))
    milestones = ordered_milestones(found)
    return _page(
        "assignment/item.html",
        item=found,
        form=form,
        errors=errors,
        conflicts=conflicts,
        milestones=milestones,
        milestone_codes={m.id: m.code for m in milestones},
        changes=_recent_changes(found),
    )


# Milestones


def _next_code(item: Item) -> str:
    """A suggestion for a new milestone's code: the item's code and the next free number."""
    number = len(item.milestones) + 1
    while milestone_code_taken(item.plan_id, f"{item.code}-{number}"):
        number += 1
    return f"{item.code}-{number}"


def _milestone_page(
    form: MilestoneNewForm | MilestoneEditForm,
    item: Item,
    milestone: Milestone | None,
    errors: list[str],
    conflicts: list[tuple[str, str, str]] | None = None,
) -> str:
    return _page(
        "assignment/milestone_form.html",
        form=form,
        item=item,
        milestone=milestone,
        errors=errors,
        conflicts=conflicts or [],
        changes=_recent_changes(item, milestone) if milestone is not None else [],
    )


@bp.route("/items/<code>/milestones/new", methods=["GET", "POST"])
def milestone_new(code: str) -> Response | str:
    """Add a milestone to an item, at the end of its order."""
    require(Action.MANAGE_PLAN)
    found = _item_or_404(code)
    initial = None
    if request.method == "GET":
        initial = {
            "code": _next_code(found),
            "department": found.lead_department_id,
            "weight": 1.0,
            "assignee": NOBODY,
        }
    form = MilestoneNewForm(data=initial)
    form.department.choices = _department_choices()
    form.assignee.choices = _assignee_choices(None)
    errors: list[str] = []
    if form.validate_on_submit():
        department = find_department(form.department.data)
        assert department is not None  # the form checked it
        assert form.due.data is not None
        try:
            milestone = create_milestone(
                found,
                code=form.code.data or "",
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                due=form.due.data,
                weight=float(form.weight.data),
                department=department,
                assignee=find_user(form.assignee.data),
                **_who(),
            )
        except Refused as error:
            errors = _refused(error, found.plan)
        else:
            db.session.commit()
            flash(_("Milestone %(code)s is added.", code=milestone.code), "success")
            return redirect(url_for("assignment.item", code=found.code))
    return _milestone_page(form, found, None, errors)


def _milestone_conflicts(
    milestone: Milestone, form: MilestoneEditForm
) -> list[tuple[str, str, str]]:
    """What is saved now beside what the user sent, for the fields that differ."""
    department = find_department(form.department.data)
    assignee = find_user(form.assignee.data)
    weight = form.weight.data
    rows = [
        (FIELD_LABELS["title_zh"], milestone.title_zh, form.title_zh.data or ""),
        (FIELD_LABELS["title_en"], milestone.title_en, form.title_en.data or ""),
        (
            FIELD_LABELS["due"],
            milestone.due.isoformat(),
            form.due.data.isoformat() if form.due.data else "",
        ),
        (
            FIELD_LABELS["weight"],
            f"{milestone.weight:g}",
            f"{weight:g}" if isinstance(weight, float) else str(weight or ""),
        ),
        (
            FIELD_LABELS["department"],
            _department_label(milestone.department),
            _department_label(department) if department else "—",
        ),
        (
            FIELD_LABELS["assignee"],
            _user_label(milestone.assignee) if milestone.assignee else "—",
            _user_label(assignee) if assignee else "—",
        ),
    ]
    return [(str(label), saved, sent) for label, saved, sent in rows if saved != sent]


@bp.route("/milestones/<int:milestone_id>", methods=["GET", "POST"])
def milestone_edit(milestone_id: int) -> Response | str:
    """Change a milestone's titles, due date (re-planning it), weight, department, assignee."""
    require(Action.MANAGE_PLAN)
    milestone = _milestone_or_404(milestone_id)
    initial = None
    if request.method == "GET":
        initial = {
            "title_zh": milestone.title_zh,
            "title_en": milestone.title_en,
            "due": milestone.due,
            "weight": milestone.weight,
            "department": milestone.department_id,
            "assignee": milestone.assignee_id or NOBODY,
            "version": milestone.version,
        }
    form = MilestoneEditForm(data=initial)
    form.department.choices = _department_choices(milestone.department)
    form.assignee.choices = _assignee_choices(milestone.assignee)
    errors: list[str] = []
    conflicts: list[tuple[str, str, str]] = []
    if form.validate_on_submit():
        department = find_department(form.department.data)
        assert department is not None  # the form checked it
        assert form.due.data is not None
        try:
            changes = update_milestone(
                milestone,
                title_zh=form.title_zh.data or "",
                title_en=form.title_en.data or "",
                due=form.due.data,
                weight=float(form.weight.data),
                department=department,
                assignee=find_user(form.assignee.data),
                version=version_number(form.version.data),
                **_who(),
            )
        except Refused as error:
            errors = _refused(error, milestone.item.plan)
            if AssignmentProblem.STALE in error.problems:
                conflicts = _milestone_conflicts(milestone, form)
                form.version.data = str(milestone.version)
        else:
            db.session.commit()
            if changes:
                flash(_("Milestone %(code)s is saved.", code=milestone.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("assignment.item", code=milestone.item.code))
    return _milestone_page(form, milestone.item, milestone, errors, conflicts)


@bp.post("/milestones/<int:milestone_id>/move")
def milestone_move(milestone_id: int) -> Response:
    """Move a milestone one place up or down among its item's milestones."""
    require(Action.MANAGE_PLAN)
    milestone = _milestone_or_404(milestone_id)
    back = url_for("assignment.item", code=milestone.item.code, _anchor="milestones")
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Choose up or down."), "error")
        return redirect(back)
    code, direction = milestone.code, form.direction.data or ""
    try:
        moved = move_milestone(milestone, direction, **_who())
    except Refused as error:
        for message in _refused(error, milestone.item.plan):
            flash(message, "error")
        return redirect(back)
    if not moved:
        if direction == UP:
            flash(_("%(code)s is already the first milestone.", code=code), "info")
        else:
            flash(_("%(code)s is already the last milestone.", code=code), "info")
        return redirect(back)
    db.session.commit()
    if direction == UP:
        flash(_("%(code)s is moved up.", code=code), "success")
    else:
        flash(_("%(code)s is moved down.", code=code), "success")
    return redirect(back)
