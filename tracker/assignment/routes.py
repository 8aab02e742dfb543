"""Assignment views (admins): an item's lead and supporting departments, and its milestones.

Each write is load → require → validate the form → one command of
:mod:`tracker.services.commands.assignment` inside :func:`~tracker.unit_of_work.attempt` →
redirect, or the form again with the refusal in words (nothing written). A form opened before
someone else's change is refused with what is saved now beside the user's input, which is
kept; saving again then overwrites."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import current_who, require
from tracker.assignment import bp
from tracker.assignment.forms import (
    NOBODY,
    ItemDepartmentsForm,
    MilestoneEditForm,
    MilestoneNewForm,
    MoveForm,
)
from tracker.domain.assignment import UP, AssignmentProblem
from tracker.domain.policy import Action
from tracker.domain.refusal import Who
from tracker.forms import find_department, find_user, version_number
from tracker.i18n import local_time, localized
from tracker.loaders import item_by_code, plan_milestone
from tracker.messages import FIELD_LABELS, messages, plan_facts
from tracker.models import Department, Item, Milestone, Plan, User
from tracker.services.commands.assignment import (
    create_milestone,
    move_milestone,
    set_item_departments,
    update_milestone,
)
from tracker.services.queries.assignment import (
    assignment_changes,
    milestone_code_taken,
    ordered_milestones,
    selectable_assignees,
    selectable_departments,
)
from tracker.unit_of_work import Attempt, attempt

# A flash: its text and its category.
Flash = tuple[str, str]
# What the user saw beside what the user sent: (field label, saved now, sent).
Conflict = tuple[str, str, str]


def _department_label(department: Department) -> str:
    label = f"{department.code} · {localized(department, 'name')}"
    if not department.active:
        label = _("%(department)s (deactivated)", department=label)
    return label


def _department_choices(*current: Department) -> list[SelectChoice]:
    """Active departments, and those already named here even if deactivated, by code."""
    return [SelectChoice(d.id, _department_label(d)) for d in selectable_departments(*current)]


def _user_label(user: User) -> str:
    label = f"{user.label} ({user.username})"
    if user.department is not None:
        label = f"{label} · {user.department.code}"
    if not user.active:
        label = _("%(user)s (deactivated)", user=label)
    return label


def _assignee_choices(current: User | None) -> list[SelectChoice]:
    """Nobody, then active users who belong to a department (and the current assignee)."""
    users = selectable_assignees(current)
    return [SelectChoice(NOBODY, "—"), *(SelectChoice(u.id, _user_label(u)) for u in users)]


def _errors(outcome: Attempt, plan: Plan) -> list[str]:
    """The refusal in words, naming the plan's period where a date is outside it."""
    return messages(outcome.refused, **plan_facts(plan)) if outcome.refused is not None else []


def _lost_race(outcome: Attempt) -> bool:
    """Refused because someone else saved first: show what is saved now beside the input."""
    refused = outcome.refused
    return refused is not None and (
        outcome.stale is not None or AssignmentProblem.STALE in refused.problems
    )


def _saved(changes: Sequence[str], text: str) -> Flash:
    return (text, "success") if changes else (_("Nothing was changed."), "info")


def _page(template: str, **context: Any) -> str:
    return render_template(template, local_time=local_time, **context)


# Items


def _department_names(departments: Sequence[Department]) -> str:
    return "、".join(_department_label(d) for d in departments) or "—"


def _item_conflicts(item: Item, form: ItemDepartmentsForm) -> list[Conflict]:
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


def _saved_departments(item: Item) -> dict[str, Any]:
    return {
        "lead": item.lead_department_id,
        "supporting": [d.id for d in item.supporting_departments],
        "version": item.version,
    }


@bp.route("/plans/<plan>/items/<code>", methods=["GET", "POST"])
def item(code: str) -> Response | str:
    """An item's lead and supporting departments, and its milestones in order."""
    require(Action.MANAGE_PLAN)
    found = item_by_code(code)
    form = ItemDepartmentsForm(data=_saved_departments(found) if request.method == "GET" else None)
    form.lead.choices = _department_choices(found.lead_department)
    form.supporting.choices = _department_choices(*found.supporting_departments)
    outcome = Attempt()
    if form.validate_on_submit():
        lead = find_department(form.lead.data)
        assert lead is not None  # the form checked it
        supporting = [find_department(i) for i in form.supporting.data or []]
        with attempt() as outcome:
            changes = set_item_departments(
                current_who(),
                found,
                lead=lead,
                supporting=[d for d in supporting if d is not None],
                version=version_number(form.version.data),
            )
            done = _saved(changes, _("The departments of %(code)s are saved.", code=found.code))
        if outcome.refused is None:
            flash(*done)
            return redirect(url_for("assignment.item", code=found.code))
    conflicts = _after_race(outcome, found, form, lambda: _item_conflicts(found, form))
    milestones = ordered_milestones(found)
    return _page(
        "assignment/item.html",
        item=found,
        form=form,
        errors=_errors(outcome, found.plan),
        conflicts=conflicts,
        milestones=milestones,
        milestone_codes={m.id: m.code for m in milestones},
        changes=assignment_changes(found),
    )


def _after_race(
    outcome: Attempt,
    saved: Item | Milestone,
    form: ItemDepartmentsForm | MilestoneEditForm,
    conflicts: Callable[[], list[Conflict]],
) -> list[Conflict]:
    """After a lost race: what differs, and the form now based on the version saved."""
    if not _lost_race(outcome):
        return []
    form.version.data = str(saved.version)
    return conflicts()


# Milestones


def _next_code(item: Item) -> str:
    """A suggestion for a new milestone's code: the item's code and the next free number."""
    number = len(item.milestones) + 1
    while milestone_code_taken(item.plan_id, f"{item.code}-{number}"):
        number += 1
    return f"{item.code}-{number}"


def _milestone_conflicts(milestone: Milestone, form: MilestoneEditForm) -> list[Conflict]:
    """What is saved now beside what the user sent, for the fields that differ."""
    department = find_department(form.department.data)
    assignee = find_user(form.assignee.data)
    weight: object = form.weight.data  # text as typed, or the number a saved form holds
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


def _milestone_fields(form: MilestoneNewForm | MilestoneEditForm) -> dict[str, Any]:
    """What both milestone forms send, as the commands take it."""
    department = find_department(form.department.data)
    assert department is not None  # the form checked them
    assert form.due.data is not None
    return {
        "title_zh": form.title_zh.data or "",
        "title_en": form.title_en.data or "",
        "due": form.due.data,
        "weight": float(str(form.weight.data)),
        "department": department,
        "assignee": find_user(form.assignee.data),
    }


def _milestone_form(
    item: Item,
    milestone: Milestone | None,
    form: MilestoneNewForm | MilestoneEditForm,
    save: Callable[[Who, dict[str, Any]], Flash],
) -> Response | str:
    """A new milestone (``milestone`` None) or an existing one: one form, one write."""
    form.department.choices = _department_choices(*([milestone.department] if milestone else []))
    form.assignee.choices = _assignee_choices(milestone.assignee if milestone else None)
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            done = save(current_who(), _milestone_fields(form))
        if outcome.refused is None:
            flash(*done)
            return redirect(url_for("assignment.item", code=item.code))
    conflicts: list[Conflict] = []
    if milestone is not None and isinstance(form, MilestoneEditForm):
        conflicts = _after_race(
            outcome, milestone, form, lambda: _milestone_conflicts(milestone, form)
        )
    return _page(
        "assignment/milestone_form.html",
        form=form,
        item=item,
        milestone=milestone,
        errors=_errors(outcome, item.plan),
        conflicts=conflicts,
        changes=assignment_changes(item, milestone) if milestone is not None else [],
    )


@bp.route("/plans/<plan>/items/<code>/milestones/new", methods=["GET", "POST"])
def milestone_new(code: str) -> Response | str:
    """Add a milestone to an item, at the end of its order."""
    require(Action.MANAGE_PLAN)
    found = item_by_code(code)
    initial = None
    if request.method == "GET":
        initial = {
            "code": _next_code(found),
            "department": found.lead_department_id,
            "weight": 1.0,
            "assignee": NOBODY,
        }
    form = MilestoneNewForm(data=initial)

    def add(who: Who, fields: dict[str, Any]) -> Flash:
        milestone = create_milestone(who, found, code=form.code.data or "", **fields)
        return _("Milestone %(code)s is added.", code=milestone.code), "success"

    return _milestone_form(found, None, form, add)


def _saved_milestone(milestone: Milestone) -> dict[str, Any]:
    return {
        "title_zh": milestone.title_zh,
        "title_en": milestone.title_en,
        "due": milestone.due,
        "weight": milestone.weight,
        "department": milestone.department_id,
        "assignee": milestone.assignee_id or NOBODY,
        "version": milestone.version,
    }


@bp.route("/milestones/<int:milestone_id>", methods=["GET", "POST"])
def milestone_edit(milestone_id: int) -> Response | str:
    """Change a milestone's titles, due date (re-planning it), weight, department, assignee."""
    milestone = plan_milestone(milestone_id)
    require(Action.MANAGE_PLAN)
    form = MilestoneEditForm(data=_saved_milestone(milestone) if request.method == "GET" else None)

    def save(who: Who, fields: dict[str, Any]) -> Flash:
        version = version_number(form.version.data)
        changes = update_milestone(who, milestone, version=version, **fields)
        return _saved(changes, _("Milestone %(code)s is saved.", code=milestone.code))

    return _milestone_form(milestone.item, milestone, form, save)


def _moved(code: str, direction: str, moved: bool) -> Flash:
    if direction == UP:
        if moved:
            return _("%(code)s is moved up.", code=code), "success"
        return _("%(code)s is already the first milestone.", code=code), "info"
    if moved:
        return _("%(code)s is moved down.", code=code), "success"
    return _("%(code)s is already the last milestone.", code=code), "info"


@bp.post("/milestones/<int:milestone_id>/move")
def milestone_move(milestone_id: int) -> Response:
    """Move a milestone one place up or down among its item's milestones."""
    milestone = plan_milestone(milestone_id)
    require(Action.MANAGE_PLAN)
    back = url_for("assignment.item", code=milestone.item.code, _anchor="milestones")
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Choose up or down."), "error")
        return redirect(back)
    code, direction = milestone.code, form.direction.data or ""
    with attempt() as outcome:
        moved = move_milestone(current_who(), milestone, direction)
    if outcome.refused is not None:
        for text in _errors(outcome, milestone.item.plan):
            flash(text, "error")
    else:
        flash(*_moved(code, direction, moved))
    return redirect(back)
