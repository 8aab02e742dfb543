"""Postponement views: a department asks for a later due date (延期申请), an admin decides.

Views stay thin: load, check the permission, read the form, call one service of
:mod:`tracker.services.commands.postponements`, commit once (or roll back and show the problems,
writing nothing), then redirect or render.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.access import milestone_target, require
from tracker.clock import today, utcnow
from tracker.domain.policy import Action
from tracker.domain.postponements import (
    NOTE_MAX,
    REASON_MAX,
    REASON_MIN,
    PostponementProblem,
    delay_days,
    latest_due,
)
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.forms import MAX_ID, version_number
from tracker.i18n import local_time
from tracker.models import Item, Milestone, Postponement
from tracker.postponements import bp
from tracker.postponements.forms import DecisionForm, PostponementForm
from tracker.services.commands.postponements import (
    approve_postponement,
    reject_postponement,
    request_postponement,
)
from tracker.services.queries.postponements import decision_queue, pending_request, requests_for


def _problem_message(problem: PostponementProblem, milestone: Milestone) -> str:
    """One problem in words, with the dates the user needs to correct it."""
    due = milestone.due.isoformat()
    messages = {
        PostponementProblem.STALE: _(
            "This milestone was changed after you opened the form; its due date is now "
            "%(due)s. Check your request and send it again.",
            due=due,
        ),
        PostponementProblem.MILESTONE_DONE: _("This milestone is done; it cannot be postponed."),
        PostponementProblem.ALREADY_PENDING: _(
            "This milestone already has a postponement request waiting for a decision."
        ),
        PostponementProblem.NOT_LATER: _(
            "The new due date must be later than the current due date, %(due)s.", due=due
        ),
        PostponementProblem.BEYOND_LIMIT: _(
            "The new due date may be at most %(date)s, two years after the plan's end.",
            date=latest_due(milestone.item.plan.end).isoformat(),
        ),
        PostponementProblem.REASON_TOO_SHORT: _(
            "The reason needs %(min)d to %(max)d characters.", min=REASON_MIN, max=REASON_MAX
        ),
        PostponementProblem.REASON_TOO_LONG: _(
            "The reason needs %(min)d to %(max)d characters.", min=REASON_MIN, max=REASON_MAX
        ),
        PostponementProblem.ALREADY_DECIDED: _("This request has already been decided."),
        PostponementProblem.DUE_CHANGED: _(
            "The milestone's due date changed after the request was made; it is now %(due)s. "
            "Reject the request and ask the department for a new one if still needed.",
            due=due,
        ),
        PostponementProblem.NOTE_REQUIRED: _("Say why the request is rejected."),
        PostponementProblem.NOTE_TOO_LONG: _(
            "A note may have at most %(max)d characters.", max=NOTE_MAX
        ),
    }
    return messages[problem]


def _milestone_or_404(milestone_id: int) -> Milestone:
    if not 0 < milestone_id <= MAX_ID:
        abort(404)
    milestone = db.session.scalar(
        sa.select(Milestone)
        .where(Milestone.id == milestone_id)
        .options(
            so.joinedload(Milestone.item).joinedload(Item.plan),
            so.joinedload(Milestone.department),
        )
    )
    if milestone is None:
        abort(404)
    return milestone


def _postponement_or_404(postponement_id: int) -> Postponement:
    if not 0 < postponement_id <= MAX_ID:
        abort(404)
    postponement = db.session.get(Postponement, postponement_id)
    if postponement is None:
        abort(404)
    return postponement


@bp.route("/milestones/<int:milestone_id>/postpone", methods=["GET", "POST"], endpoint="request")
def request_view(milestone_id: int) -> Response | str:
    """The department's request for a later due date, with the milestone's earlier requests."""
    milestone = _milestone_or_404(milestone_id)
    require(Action.UPDATE_MILESTONE, milestone_target(milestone))
    initial = {"version": milestone.version} if request.method == "GET" else None
    form = PostponementForm(data=initial)
    errors: list[str] = []
    if form.validate_on_submit():
        assert form.requested_due.data is not None  # date_required
        try:
            request_postponement(
                milestone,
                user=current_user._get_current_object(),
                requested_due=form.requested_due.data,
                reason=form.reason.data or "",
                version=version_number(form.version.data),
                now=utcnow(),
            )
        except Refused as error:
            db.session.rollback()
            errors = [_problem_message(p, milestone) for p in error.problems]
            # The user has now seen the current state; sending again is a deliberate choice.
            form.version.data = str(milestone.version)
        else:
            db.session.commit()
            flash(
                _(
                    "Your postponement request for %(code)s is sent for approval.",
                    code=milestone.code,
                ),
                "success",
            )
            return redirect(url_for("postponements.request", milestone_id=milestone.id))
    return render_template(
        "postponements/request.html",
        milestone=milestone,
        form=form,
        errors=errors,
        pending=pending_request(milestone),
        requests=requests_for(milestone),
        latest=latest_due(milestone.item.plan.end),
        done=milestone.reported_status == "done",
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
    require(Action.DECIDE_POSTPONEMENT)
    postponement = _postponement_or_404(postponement_id)
    milestone = _milestone_or_404(postponement.milestone_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        errors = [e for messages in form.errors.values() for e in messages]
        return _queue_page(errors, failed=postponement.id, form=form)
    user = current_user._get_current_object()
    note = form.note.data or ""
    try:
        if approve:
            approve_postponement(postponement, user=user, now=utcnow(), today=today(), note=note)
        else:
            reject_postponement(postponement, user=user, now=utcnow(), note=note)
    except Refused as error:
        db.session.rollback()
        errors = [_problem_message(p, milestone) for p in error.problems]
        return _queue_page(errors, failed=postponement.id, form=form)
    db.session.commit()
    if approve:
        message = _(
            "The postponement of %(code)s is approved: due %(due)s (originally %(baseline)s).",
            code=milestone.code,
            due=milestone.due.isoformat(),
            baseline=milestone.baseline_due.isoformat(),
        )
    else:
        message = _("The postponement of %(code)s is rejected.", code=milestone.code)
    flash(message, "success")
    return redirect(url_for("postponements.queue"))


@bp.post("/postponements/<int:postponement_id>/approve")
def approve(postponement_id: int) -> Response | str:
    return _decide(postponement_id, approve=True)


@bp.post("/postponements/<int:postponement_id>/reject")
def reject(postponement_id: int) -> Response | str:
    return _decide(postponement_id, approve=False)
