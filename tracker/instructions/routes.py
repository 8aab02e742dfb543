"""Instruction views: write (批示), reply, mark handled, close, and flag an item as focus.

The forms live on the item page (``instructions/_panel.html``); these views only take POSTs.
Each is load → require → validate the form → one command of
:mod:`tracker.services.commands.instructions` inside :func:`~tracker.unit_of_work.attempt` →
back to the item page. Bad input is shown again with its messages (status 200) and writes
nothing; a step the instruction's state does not allow (closing twice, replying to a closed
one) is flashed and sends the user back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import NamedTuple

from flask import flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from tracker.access import allowed, current_who, forbid, item_target, require
from tracker.clock import today
from tracker.domain.instructions import (
    TEXT_MAX,
    InstructionProblem,
    InstructionState,
    close_problems,
    handled_problems,
    is_overdue,
    reply_problems,
)
from tracker.domain.policy import Action
from tracker.domain.refusal import Who
from tracker.instructions import bp
from tracker.instructions.forms import (
    CloseForm,
    FocusForm,
    HandledForm,
    InstructionForm,
    ReplyForm,
)
from tracker.loaders import item_by_code, row_by_id
from tracker.messages import message, messages
from tracker.models import Instruction, Item
from tracker.services.commands import instructions as service
from tracker.unit_of_work import Attempt, attempt

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
        district_today=today,
        instruction_overdue=is_overdue,
        InstructionState=InstructionState,
        INSTRUCTION_TEXT_MAX=TEXT_MAX,
    )


def _item_page(item: Item, anchor: str | None = "instructions") -> Response:
    return redirect(url_for("board.item", code=item.code, _anchor=anchor))


def _refused(item: Item, problems: Sequence[StrEnum]) -> Response:
    """A step the instruction's state does not allow: say so, write nothing, go back."""
    for problem in problems:
        flash(message(problem), "warning")
    return _item_page(item)


def _errors(outcome: Attempt) -> list[str]:
    return messages(outcome.refused) if outcome.refused is not None else []


def _may_reply(item: Item) -> bool:
    """The lead department answers; leadership (and admins) may follow up."""
    return allowed(Action.UPDATE_ITEM, item_target(item)) or allowed(Action.INSTRUCT)


def _form_page(
    kind: str,
    item: Item,
    form: FlaskForm,
    outcome: Attempt,
    instruction: Instruction | None = None,
) -> str:
    return render_template(
        "instructions/form.html",
        kind=kind,
        item=item,
        instruction=instruction,
        form=form,
        errors=_errors(outcome),
        text_max=TEXT_MAX,
    )


@bp.post("/plans/<plan>/items/<code>/instructions")
def create(code: str) -> Response | str:
    """A leader writes an instruction on the item."""
    item = item_by_code(code)
    require(Action.INSTRUCT)
    form = InstructionForm()
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            service.create_instruction(current_who(), item, form.text.data or "", form.due_on.data)
        if outcome.refused is None:
            flash(_("The instruction on %(code)s is recorded.", code=item.code), "success")
            return _item_page(item)
    return _form_page("create", item, form, outcome)


class _Answer(NamedTuple):
    """Replying and marking handled: one text box on the page posts to either."""

    state_problems: Callable[[str], list[InstructionProblem]]
    form: type[ReplyForm | HandledForm]
    command: Callable[[Who, Instruction, str], object]
    done: object  # a lazy text, worded in the user's language when flashed


_ANSWERS = {
    "reply": _Answer(reply_problems, ReplyForm, service.reply, _l("Your reply is recorded.")),
    "handled": _Answer(
        handled_problems,
        HandledForm,
        service.mark_handled,
        _l("The instruction is marked handled."),
    ),
}


def _answer(kind: str, instruction: Instruction) -> Response | str:
    """A reply, or the mark handled with its optional text: the state is checked first."""
    answer = _ANSWERS[kind]
    item = instruction.item
    if problems := answer.state_problems(instruction.state):
        return _refused(item, problems)
    form = answer.form()
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            answer.command(current_who(), instruction, form.text.data or "")
        if outcome.refused is None:
            flash(str(answer.done), "success")
            return _item_page(item)
        if _STATE_PROBLEMS & set(outcome.refused.problems):
            return _refused(item, outcome.refused.problems)
    return _form_page(kind, item, form, outcome, instruction)


@bp.post("/instructions/<int:instruction_id>/reply")
def reply(instruction_id: int) -> Response | str:
    """The lead department (or leadership) replies to an open or handled instruction."""
    instruction = row_by_id(Instruction, instruction_id)
    if not _may_reply(instruction.item):
        forbid()
    return _answer("reply", instruction)


@bp.post("/instructions/<int:instruction_id>/handled")
def handled(instruction_id: int) -> Response | str:
    """The lead department marks the instruction handled, optionally with a reply."""
    instruction = row_by_id(Instruction, instruction_id)
    require(Action.UPDATE_ITEM, item_target(instruction.item))
    return _answer("handled", instruction)


@bp.post("/instructions/<int:instruction_id>/close")
def close(instruction_id: int) -> Response:
    """A leader (or admin) closes an open or handled instruction."""
    instruction = row_by_id(Instruction, instruction_id)
    item = instruction.item
    require(Action.INSTRUCT)
    if problems := close_problems(instruction.state):
        return _refused(item, problems)
    if not CloseForm().validate_on_submit():  # only the CSRF token, checked already
        flash(_("The form is incomplete. Please try again."), "warning")
        return _item_page(item)
    with attempt() as outcome:
        service.close(current_who(), instruction)
    if outcome.refused is not None:
        return _refused(item, outcome.refused.problems)
    flash(_("The instruction is closed."), "success")
    return _item_page(item)


@bp.post("/plans/<plan>/items/<code>/focus")
def focus(code: str) -> Response | str:
    """Flag the item as focus (重点关注), or clear the flag."""
    item = item_by_code(code)
    require(Action.FLAG_FOCUS)
    form = FocusForm()
    outcome = Attempt()
    if form.validate_on_submit():
        changed = False
        with attempt() as outcome:
            changed = service.set_focus(
                current_who(), item, form.wanted, expected_version=form.expected_version
            )
        if outcome.refused is None:
            _flash_focus(item, changed)
            return _item_page(item, anchor=None)
    # Show the item as it is now, keeping what the user asked for when that was clear.
    wanted = form.wanted if form.focus.data in {"0", "1"} else not item.focus
    return render_template(
        "instructions/focus.html", item=item, form=form, errors=_errors(outcome), wanted=wanted
    )


def _flash_focus(item: Item, changed: bool) -> None:
    if not changed:
        flash(_("Nothing was changed."), "info")
    elif item.focus:
        flash(_("%(code)s is flagged as focus.", code=item.code), "success")
    else:
        flash(_("%(code)s is no longer flagged as focus.", code=item.code), "success")
