"""Postponement views: a department asks for a later due date (延期申请), an admin decides.

Each write is load → require → validate the form → one command of
:mod:`tracker.services.commands.postponements` inside :func:`~tracker.unit_of_work.attempt`
→ redirect, or the page again with the refusal in words (nothing written).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.access import current_who, milestone_target, require
from tracker.clock import today
from tracker.domain.policy import Action
from tracker.domain.postponements import State, delay_days, earliest_due, latest_due
from tracker.domain.status import Status
from tracker.forms import version_number
from tracker.i18n import local_time
from tracker.loaders import milestone_by_id, row_by_id
from tracker.messages import messages, milestone_facts
from tracker.models import Milestone, Postponement
from tracker.postponements import bp
from tracker.postponements.forms import DecisionForm, PostponementForm
from tracker.redirects import safe_back
from tracker.services.commands.postponements import (
    approve_postponement,
    reject_postponement,
    request_postponement,
)
from tracker.services.queries.postponements import decision_queue, pending_request, requests_for
from tracker.unit_of_work import Attempt, attempt


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """The request states, for the state badge macro (imported without the page's context)."""
    state.app.jinja_env.globals.update(PostponementState=State)


def _errors(outcome: Attempt, milestone: Milestone) -> list[str]:
    """The refusal in words, naming the milestone's due date and the latest date allowed."""
    if outcome.refused is None:
        return []
    return messages(outcome.refused, **milestone_facts(milestone))


@bp.route("/milestones/<int:milestone_id>/postpone", methods=["GET", "POST"], endpoint="request")
def request_view(milestone_id: int) -> Response | str:
    """The department's request for a later due date, with the milestone's earlier requests."""
    milestone = milestone_by_id(milestone_id)
    require(Action.UPDATE_MILESTONE, milestone_target(milestone))
    form = PostponementForm(
        data={"version": milestone.version} if request.method == "GET" else None
    )
    latest = latest_due(milestone.item.plan.end)
    # The picker offers only days a request may name: from tomorrow to the latest allowed.
    form.requested_due.render_kw = {
        "min": max(earliest_due(today()), earliest_due(milestone.due)).isoformat(),
        "max": latest.isoformat(),
    }
    outcome = Attempt()
    if form.validate_on_submit():
        assert form.requested_due.data is not None  # date_required
        with attempt() as outcome:
            request_postponement(
                current_who(),
                milestone,
                requested_due=form.requested_due.data,
                reason=form.reason.data or "",
                version=version_number(form.version.data),
            )
        if outcome.refused is None:
            flash(
                _(
                    "Your postponement request for %(code)s is sent for approval.",
                    code=milestone.code,
                ),
                "success",
            )
            return redirect(
                url_for(
                    "postponements.request",
                    milestone_id=milestone.id,
                    back=request.args.get("back") or None,
                )
            )
        # The user has now seen the current state; sending again is a deliberate choice.
        form.version.data = str(milestone.version)
    return render_template(
        "postponements/request.html",
        milestone=milestone,
        form=form,
        errors=_errors(outcome, milestone),
        pending=pending_request(milestone),
        requests=requests_for(milestone),
        latest=latest,
        back=safe_back(request.args.get("back"), url_for("board.item", code=milestone.item.code)),
        done=milestone.reported_status == Status.DONE,
        local_time=local_time,
        delay_days=delay_days,
    )


def _queue_page(
    errors: list[str] | None = None, *, failed: int | None = None, form: DecisionForm | None = None
) -> str:
    pending, decided = decision_queue()
    return render_template(
        "postponements/queue.html",
        pending=pending,
        decided=decided,
        errors=errors or [],
        failed=failed,
        failed_form=form,
        local_time=local_time,
        delay_days=delay_days,
    )


@bp.get("/postponements")
def queue() -> str:
    """Pending requests, oldest first, then the latest decisions (admins)."""
    require(Action.DECIDE_POSTPONEMENT)
    return _queue_page()


def _decide(postponement_id: int, *, approve: bool) -> Response | str:
    """Approve or reject: the same form and the same way back to the queue."""
    postponement = row_by_id(Postponement, postponement_id)
    require(Action.DECIDE_POSTPONEMENT)
    milestone = milestone_by_id(postponement.milestone_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _queue_page(errors, failed=postponement.id, form=form)
    decide = approve_postponement if approve else reject_postponement
    with attempt() as outcome:
        decide(current_who(), postponement, note=form.note.data or "")
    if outcome.refused is not None:
        return _queue_page(_errors(outcome, milestone), failed=postponement.id, form=form)
    flash(_decided(milestone, approve=approve), "success")
    return redirect(url_for("postponements.queue"))


def _decided(milestone: Milestone, *, approve: bool) -> str:
    if not approve:
        return _("The postponement of %(code)s is rejected.", code=milestone.code)
    return _(
        "The postponement of %(code)s is approved: due %(due)s (originally %(baseline)s).",
        code=milestone.code,
        due=milestone.due.isoformat(),
        baseline=milestone.baseline_due.isoformat(),
    )


@bp.post("/postponements/<int:postponement_id>/approve")
def approve(postponement_id: int) -> Response | str:
    return _decide(postponement_id, approve=True)


@bp.post("/postponements/<int:postponement_id>/reject")
def reject(postponement_id: int) -> Response | str:
    return _decide(postponement_id, approve=False)
