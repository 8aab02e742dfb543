"""Instruction views: write (批示), reply, mark handled, close, and flag an item as focus.

The forms live on the item page (``instructions/_panel.html``); these views only take POSTs.
They stay thin: load → require → validate the form → call one service of
:mod:`tracker.services.commands.instructions` → commit once → back to the item page. Bad input
is shown again with its messages (status 200) and writes nothing; a step the instruction's state
does not allow (closing twice, replying to a closed one) is flashed and sends the user back."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from tracker.access import allowed, current_who, forbid, item_target, require
from tracker.clock import today
from tracker.domain.instructions import (
    TEXT_MAX,
    InstructionProblem,
    close_problems,
    handled_problems,
    is_overdue,
    reply_problems,
)
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.forms import MAX_ID
from tracker.instructions import bp
from tracker.instructions.forms import (
    CloseForm,
    FocusForm,
    HandledForm,
    InstructionForm,
    ReplyForm,
)
from tracker.models import Instruction, Item
from tracker.services.commands import instructions as service
from tracker.services.queries.progress import current_plan

_MESSAGES = {
    InstructionProblem.TEXT_REQUIRED: _l("Please write some text."),
    InstructionProblem.DUE_IN_PAST: _l("The reply-by date cannot be before today."),
    InstructionProblem.CLOSED: _l("This instruction is closed; nothing more can be added to it."),
    InstructionProblem.ALREADY_HANDLED: _l("This instruction is already marked handled."),
    InstructionProblem.ALREADY_CLOSED: _l("This instruction is already closed."),
    InstructionProblem.STALE_ITEM: _l(
        "Someone else changed this item while you were looking at it. "
        "Check what it shows now and submit again."
    ),
}

# Problems of the instruction's state rather than of what the user typed.
_STATE_PROBLEMS = {
    InstructionProblem.CLOSED,
    InstructionProblem.ALREADY_HANDLED,
    InstructionProblem.ALREADY_CLOSED,
}


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """What the partials need besides their page's context, so other pages can include them."""
    state.app.jinja_env.globals.update(
        item_target=item_target,
        district_today=today,
        instruction_overdue=is_overdue,
        INSTRUCTION_TEXT_MAX=TEXT_MAX,
    )


def problem_message(problem: InstructionProblem) -> str:
    """One problem in words, in the user's language."""
    if problem is InstructionProblem.TEXT_TOO_LONG:
        return _("At most %(max)d characters, please.", max=TEXT_MAX)
    return str(_MESSAGES[problem])


def _item_or_404(code: str) -> Item:
    plan = current_plan(current_app.config.get("TRACKER_PLAN_CODE"))
    if plan is None:
        abort(404)
    found = db.session.scalar(
        sa.select(Item)
        .where(Item.plan_id == plan.id, Item.code == code)
        .options(so.selectinload(Item.supporting_departments))
    )
    if found is None:
        abort(404)
    return found


def _instruction_or_404(instruction_id: int) -> Instruction:
    if not 0 < instruction_id <= MAX_ID:
        abort(404)
    found = db.session.scalar(
        sa.select(Instruction)
        .where(Instruction.id == instruction_id)
        .options(so.joinedload(Instruction.item).selectinload(Item.supporting_departments))
    )
    if found is None:
        abort(404)
    return found


def _item_page(item: Item, anchor: str | None = "instructions") -> Response:
    return redirect(url_for("board.item", code=item.code, _anchor=anchor))


def _refused(item: Item, problems: list[InstructionProblem]) -> Response:
    """A step the instruction's state does not allow: say so, write nothing, go back."""
    db.session.rollback()
    for problem in problems:
        flash(problem_message(problem), "warning")
    return _item_page(item)


def _errors(error: Refused) -> list[str]:
    db.session.rollback()
    return [problem_message(p) for p in error.problems]


def _may_reply(item: Item) -> bool:
    """The lead department answers; leadership (and admins) may follow up."""
    return allowed(Action.UPDATE_ITEM, item_target(item)) or allowed(Action.INSTRUCT)


def _form_page(
    kind: str,
    item: Item,
    form: object,
    errors: list[str],
    instruction: Instruction | None = None,
) -> str:
    return render_template(
        "instructions/form.html",
        kind=kind,
        item=item,
        instruction=instruction,
        form=form,
        errors=errors,
        text_max=TEXT_MAX,
    )


@bp.post("/items/<code>/instructions")
def create(code: str) -> Response | str:
    """A leader writes an instruction on the item."""
    item = _item_or_404(code)
    require(Action.INSTRUCT)
    form = InstructionForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            service.create_instruction(current_who(), item, form.text.data or "", form.due_on.data)
        except Refused as error:
            errors = _errors(error)
        else:
            db.session.commit()
            flash(_("The instruction on %(code)s is recorded.", code=item.code), "success")
            return _item_page(item)
    return _form_page("create", item, form, errors)


@bp.post("/instructions/<int:instruction_id>/reply")
def reply(instruction_id: int) -> Response | str:
    """The lead department (or leadership) replies to an open or handled instruction."""
    instruction = _instruction_or_404(instruction_id)
    item = instruction.item
    if not _may_reply(item):
        forbid()
    if problems := reply_problems(instruction.state):
        return _refused(item, problems)
    form = ReplyForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            service.reply(current_who(), instruction, form.text.data or "")
        except Refused as error:
            if _STATE_PROBLEMS & set(error.problems):
                return _refused(item, error.problems)
            errors = _errors(error)
        else:
            db.session.commit()
            flash(_("Your reply is recorded."), "success")
            return _item_page(item)
    return _form_page("reply", item, form, errors, instruction)


@bp.post("/instructions/<int:instruction_id>/handled")
def handled(instruction_id: int) -> Response | str:
    """The lead department marks the instruction handled, optionally with a reply."""
    instruction = _instruction_or_404(instruction_id)
    item = instruction.item
    require(Action.UPDATE_ITEM, item_target(item))
    if problems := handled_problems(instruction.state):
        return _refused(item, problems)
    form = HandledForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            service.mark_handled(current_who(), instruction, form.text.data or "")
        except Refused as error:
            if _STATE_PROBLEMS & set(error.problems):
                return _refused(item, error.problems)
            errors = _errors(error)
        else:
            db.session.commit()
            flash(_("The instruction is marked handled."), "success")
            return _item_page(item)
    return _form_page("handled", item, form, errors, instruction)


@bp.post("/instructions/<int:instruction_id>/close")
def close(instruction_id: int) -> Response:
    """A leader (or admin) closes an open or handled instruction."""
    instruction = _instruction_or_404(instruction_id)
    item = instruction.item
    require(Action.INSTRUCT)
    if problems := close_problems(instruction.state):
        return _refused(item, problems)
    form = CloseForm()
    if not form.validate_on_submit():  # only the CSRF token, which CSRFProtect checked already
        flash(_("The form is incomplete. Please try again."), "warning")
        return _item_page(item)
    try:
        service.close(current_who(), instruction)
    except Refused as error:
        return _refused(item, error.problems)
    db.session.commit()
    flash(_("The instruction is closed."), "success")
    return _item_page(item)


@bp.post("/items/<code>/focus")
def focus(code: str) -> Response | str:
    """Flag the item as focus (重点关注), or clear the flag."""
    item = _item_or_404(code)
    require(Action.FLAG_FOCUS)
    form = FocusForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            changed = service.set_focus(
                current_who(), item, form.wanted, expected_version=form.expected_version
            )
        except Refused as error:
            errors = _errors(error)
        else:
            db.session.commit()
            if not changed:
                flash(_("Nothing was changed."), "info")
            elif item.focus:
                flash(_("%(code)s is flagged as focus.", code=item.code), "success")
            else:
                flash(_("%(code)s is no longer flagged as focus.", code=item.code), "success")
            return _item_page(item, anchor=None)
    # Show the item as it is now, keeping what the user asked for when that was clear.
    wanted = form.wanted if form.focus.data in {"0", "1"} else not item.focus
    return render_template(
        "instructions/focus.html", item=item, form=form, errors=errors, wanted=wanted
    )
