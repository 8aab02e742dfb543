"""Group robots (群机器人) for reminders: admins add, change, test and delete them.

Views stay thin: load, require, read the form, one service call of
:mod:`tracker.services.commands.webhooks` inside :func:`~tracker.unit_of_work.attempt`, then
redirect or render. A robot's address and sign secret are its credentials: pages show them
masked and never put them back into a form. "Send a test message" posts once (no retries,
so the page answers within the timeout) and keeps the outcome like a reminder's.
"""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import current_who, require
from tracker.admin import bp
from tracker.admin.forms import ROBOT_KIND_LABELS, WebhookEditForm, WebhookForm
from tracker.domain.policy import Action
from tracker.domain.webhooks import RobotKind, WebhookProblem, mask_secret, mask_url
from tracker.forms import version_number
from tracker.i18n import local_time, localized
from tracker.loaders import find_row, row_by_id
from tracker.messages import messages
from tracker.models import Department, Plan, Webhook
from tracker.services.commands.webhooks import (
    PURPOSE_TEST,
    audit_test_message,
    card_for_test_message,
    create_webhook,
    delete_webhook,
    record_delivery,
    robot_of,
    update_webhook,
)
from tracker.services.exports.robots import WebhookSettingsError, post_card, robot_settings
from tracker.services.queries.accounts import choosable_departments
from tracker.services.queries.plans import visible_plans
from tracker.services.queries.webhooks import all_webhooks, recent_deliveries
from tracker.unit_of_work import Attempt, attempt, unit_of_work

TEST_TIMEOUT_SECONDS = 10.0


def _target_choices(current: Webhook | None = None) -> list[SelectChoice]:
    """Every plan, then every active department (and the robot's own, even if deactivated)."""
    choices = [SelectChoice("", "—")]
    for plan in visible_plans(include_drafts=True):
        label = _("Plan %(code)s · %(name)s", code=plan.code, name=localized(plan, "name"))
        choices.append(SelectChoice(f"plan-{plan.id}", label))
    for department in choosable_departments(current.department if current else None):
        label = _(
            "Department %(code)s · %(name)s",
            code=department.code,
            name=localized(department, "name"),
        )
        choices.append(SelectChoice(f"department-{department.id}", label))
    return choices


def _target(value: str | None) -> tuple[Department | None, Plan | None]:
    """The department or plan a ``target`` choice names (the form checked it is offered)."""
    kind, _sep, raw = (value or "").partition("-")
    row_id = int(raw) if raw.isdigit() and len(raw) <= 10 else None
    if kind == "department":
        return find_row(Department, row_id), None
    if kind == "plan":
        return None, find_row(Plan, row_id)
    return None, None


def _target_value(webhook: Webhook) -> str:
    if webhook.department_id is not None:
        return f"department-{webhook.department_id}"
    return f"plan-{webhook.plan_id}"


def _errors(outcome: Attempt) -> list[str]:
    return messages(outcome.refused) if outcome.refused else []


def _base_url() -> str:
    """Where the tracker is opened: ``TRACKER_BASE_URL``, else the address of this request."""
    return current_app.config.get("TRACKER_BASE_URL") or request.host_url.rstrip("/")


@bp.get("/webhooks")
def webhooks() -> str:
    """Every group robot, whose reminders it gets, and its last post."""
    require(Action.MANAGE_WEBHOOKS)
    return render_template(
        "admin/webhooks.html",
        rows=all_webhooks(),
        kinds=ROBOT_KIND_LABELS,
        mask_url=mask_url,
        local_time=local_time,
        base_url=current_app.config.get("TRACKER_BASE_URL") or "",
    )


@bp.route("/webhooks/new", methods=["GET", "POST"])
def webhook_new() -> Response | str:
    """Add a robot for a plan or a department."""
    require(Action.MANAGE_WEBHOOKS)
    form = WebhookForm()
    form.target.choices = _target_choices()
    outcome = Attempt()
    if form.validate_on_submit():
        department, plan = _target(form.target.data)
        with attempt() as outcome:
            webhook = create_webhook(
                current_who(),
                kind=RobotKind(form.kind.data),
                label=form.label.data or "",
                url=form.url.data or "",
                secret=form.secret.data or "",
                department=department,
                plan=plan,
            )
        if outcome.refused is None:
            flash(_("The robot “%(label)s” is saved.", label=webhook.label), "success")
            return redirect(url_for("admin.webhook_edit", webhook_id=webhook.id))
    return render_template(
        "admin/webhook_form.html", form=form, errors=_errors(outcome), webhook=None
    )


@bp.route("/webhooks/<int:webhook_id>", methods=["GET", "POST"])
def webhook_edit(webhook_id: int) -> Response | str:
    """Change a robot (an empty address or secret keeps the saved one), see its last posts,
    test or delete it.
    """
    require(Action.MANAGE_WEBHOOKS)
    webhook = row_by_id(Webhook, webhook_id)
    data = None
    if request.method == "GET":
        data = {
            "label": webhook.label,
            "kind": webhook.kind,
            "target": _target_value(webhook),
            "active": webhook.active,
        }
    form = WebhookEditForm(data=data, keeps_url=True)
    form.target.choices = _target_choices(webhook)
    if request.method == "GET":
        form.version.data = str(webhook.version)
    outcome = Attempt()
    if form.validate_on_submit():
        department, plan = _target(form.target.data)
        typed_secret = (form.secret.data or "").strip()
        with attempt() as outcome:
            changed = update_webhook(
                current_who(),
                webhook,
                kind=RobotKind(form.kind.data),
                label=form.label.data or "",
                url=(form.url.data or "").strip() or None,
                secret="" if form.remove_secret.data else (typed_secret or None),
                department=department,
                plan=plan,
                active=bool(form.active.data),
                version=version_number(form.version.data),
            )
        if outcome.refused is None:
            if changed:
                flash(_("The robot “%(label)s” is saved.", label=webhook.label), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.webhook_edit", webhook_id=webhook.id))
        if WebhookProblem.STALE in outcome.refused.problems:
            # Show what is saved now (the unit of work rolled back); the admin's input is
            # kept, and saving again replaces it. A robot deleted meanwhile is gone: 404.
            webhook = row_by_id(Webhook, webhook_id)
            form.version.data = str(webhook.version)
    return render_template(
        "admin/webhook_form.html",
        form=form,
        errors=_errors(outcome),
        webhook=webhook,
        masked_url=mask_url(webhook.url),
        masked_secret=mask_secret(webhook.secret),
        deliveries=recent_deliveries(webhook),
        local_time=local_time,
    )


@bp.post("/webhooks/<int:webhook_id>/test")
def webhook_test(webhook_id: int) -> Response:
    """Post a test message once and say what the robot answered; the outcome is kept."""
    require(Action.MANAGE_WEBHOOKS)
    webhook = row_by_id(Webhook, webhook_id)
    try:
        settings = robot_settings(current_app.config)
    except WebhookSettingsError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.webhook_edit", webhook_id=webhook.id))
    settings = replace(settings, attempts=1, timeout=min(settings.timeout, TEST_TIMEOUT_SECONDS))
    who = current_who()
    card = card_for_test_message(webhook, who, base_url=_base_url(), when=local_time(who.now) or "")
    delivery = post_card(robot_of(webhook), card, settings)
    with unit_of_work():
        record_delivery(who, webhook, delivery, purpose=PURPOSE_TEST)
        audit_test_message(who, webhook, delivery)
    if delivery.ok:
        flash(_("The robot “%(label)s” took the test message.", label=webhook.label), "success")
    else:
        flash(
            _(
                "The robot “%(label)s” did not take the test message: %(error)s",
                label=webhook.label,
                error=delivery.error,
            ),
            "error",
        )
    return redirect(url_for("admin.webhook_edit", webhook_id=webhook.id))


@bp.post("/webhooks/<int:webhook_id>/delete")
def webhook_delete(webhook_id: int) -> Response:
    """Delete a robot and its record of posts (the audit log keeps that it was)."""
    require(Action.MANAGE_WEBHOOKS)
    webhook = row_by_id(Webhook, webhook_id)
    label = webhook.label
    with attempt() as outcome:
        delete_webhook(current_who(), webhook, version=version_number(request.form.get("version")))
    if outcome.refused is not None:
        for message in _errors(outcome):
            flash(message, "error")
        return redirect(url_for("admin.webhooks"))
    flash(_("The robot “%(label)s” is deleted.", label=label), "success")
    return redirect(url_for("admin.webhooks"))
