"""Receipt views: the department's answer (from its page), the coordinating office's watch list.

Each write is load → require → validate the form → one command of
:mod:`tracker.services.commands.receipts` inside :func:`~tracker.unit_of_work.attempt` →
redirect back with the outcome in words (a refused answer writes nothing).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.access import current_who, require
from tracker.clock import today
from tracker.domain.policy import Action, ReceiptTarget
from tracker.domain.receipts import REASON_MAX, RESPONSIBLE_MAX, WORK_PLAN_MAX, ReceiptState
from tracker.loaders import milestone_by_id, row_by_id, scope_to
from tracker.messages import messages
from tracker.models.receipts import Receipt
from tracker.receipts import bp
from tracker.receipts.forms import AssignAgainForm, DeclineForm, SignForm
from tracker.redirects import safe_back
from tracker.services.commands.receipts import assign_again, decline, sign
from tracker.services.queries.receipts import watch_list
from tracker.unit_of_work import Attempt, attempt


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """What receipt badges and forms need on any page that shows milestones (the receipts
    themselves are read by the page's view, with its milestones)."""
    state.app.jinja_env.globals.update(
        ReceiptState=ReceiptState,
        RECEIPT_LIMITS={
            "responsible": RESPONSIBLE_MAX,
            "work_plan": WORK_PLAN_MAX,
            "reason": REASON_MAX,
        },
    )


def _load(receipt_id: int) -> Receipt:
    """The receipt, its plan the one the request is about, and only its department may answer."""
    receipt = row_by_id(Receipt, receipt_id)
    scope_to(milestone_by_id(receipt.milestone_id).item.plan)
    require(Action.ANSWER_RECEIPT, ReceiptTarget(department_id=receipt.department_id))
    return receipt


def _back() -> Response:
    return redirect(safe_back(request.form.get("back"), url_for("work.mine")))


def _say(outcome: Attempt, done: str) -> None:
    if outcome.refused is None:
        flash(done, "success")
        return
    for message in messages(outcome.refused):
        flash(message, "error")


@bp.post("/receipts/<int:receipt_id>/sign")
def sign_view(receipt_id: int) -> Response:
    """The department lead signs for the milestone, naming the person responsible."""
    receipt = _load(receipt_id)
    form = SignForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back()
    code = receipt.milestone.code
    with attempt() as outcome:
        sign(
            current_who(),
            receipt,
            responsible=form.responsible.data or "",
            work_plan=form.work_plan.data or "",
        )
    _say(outcome, _("You signed for %(code)s.", code=code))
    return _back()


@bp.post("/receipts/<int:receipt_id>/decline")
def decline_view(receipt_id: int) -> Response:
    """The department lead declines the milestone with a reason; it goes back to the office."""
    receipt = _load(receipt_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back()
    code = receipt.milestone.code
    with attempt() as outcome:
        decline(current_who(), receipt, reason=form.reason.data or "")
    _say(outcome, _("You declined %(code)s; the coordinating office will reassign it.", code=code))
    return _back()


@bp.get("/receipts")
def watch() -> str:
    """Unsigned assignments with their age, oldest first, and declined ones with the reason."""
    require(Action.WATCH_RECEIPTS)
    pending, declined = watch_list(today())
    return render_template(
        "receipts/watch.html", pending=pending, declined=declined, form=AssignAgainForm()
    )


@bp.post("/milestones/<int:milestone_id>/assign-again")
def assign_again_view(milestone_id: int) -> Response:
    """重新交办: ask the same department again after it declined."""
    milestone = milestone_by_id(milestone_id)
    require(Action.MANAGE_PLAN)
    if not AssignAgainForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("receipts.watch"))
    with attempt() as outcome:
        assign_again(current_who(), milestone)
    _say(outcome, _("%(code)s is assigned again; it waits for the receipt.", code=milestone.code))
    return redirect(url_for("receipts.watch"))
