"""Group robots (群机器人) for reminders: an admin adds, changes, tests and deletes them.

Every change is audited with the robot's address masked (its key never reaches the audit
log). Each post to a robot, a reminder or a test, is kept as a :class:`WebhookDelivery`, so
the admin page shows the last outcome. Functions check the rules, raise
:class:`~tracker.domain.refusal.Refused`, write, flush, and leave the commit to the caller.
Posting itself (network, retries) is :mod:`tracker.services.exports.robots`; callers post
first and record after, so no transaction waits on a robot.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.refusal import Refused, Who
from tracker.domain.webhooks import (
    Card,
    RobotKind,
    WebhookProblem,
    mask_url,
    webhook_problems,
)
from tracker.extensions import db
from tracker.models import Department, Plan, Webhook, WebhookDelivery
from tracker.services.commands import audit
from tracker.services.exports.robots import Delivery, Robot

CARD_LOCALE = "zh_CN"
PURPOSE_REMINDER = "reminder"
PURPOSE_TEST = "test"


def robot_of(webhook: Webhook) -> Robot:
    """Where and how to post to this robot."""
    return Robot(RobotKind(webhook.kind), webhook.url, webhook.secret, webhook.label)


def _describe(webhook: Webhook) -> str:
    """The robot in the audit log: label, kind, whose, masked address, whether signed."""
    scope = (
        f"department {webhook.department.code}"
        if webhook.department is not None
        else f"plan {webhook.plan.code}"
        if webhook.plan is not None
        else "-"
    )
    signed = ", signed" if webhook.secret else ""
    state = "" if webhook.active else ", off"
    return f"{webhook.label} ({webhook.kind}, {scope}{signed}{state}) {mask_url(webhook.url)}"


def create_webhook(
    who: Who,
    *,
    kind: RobotKind,
    label: str,
    url: str,
    secret: str = "",
    department: Department | None = None,
    plan: Plan | None = None,
) -> Webhook:
    """Add a robot for ``department`` or ``plan`` (exactly one of them); audited."""
    Refused.unless_clean(
        webhook_problems(
            kind=kind,
            label=label,
            url=url,
            secret=secret.strip(),
            department=department is not None,
            plan=plan is not None,
        )
    )
    webhook = Webhook(
        kind=kind.value,
        label=label.strip(),
        url=url.strip(),
        secret=secret.strip(),
        department=department,
        plan=plan,
        active=True,
        created_at=who.now,
        created_by_id=who.actor.id if who.actor is not None else None,
    )
    db.session.add(webhook)
    db.session.flush()
    audit.note(who, "webhook_created", target=webhook, detail=_describe(webhook))
    return webhook


def update_webhook(
    who: Who,
    webhook: Webhook,
    *,
    kind: RobotKind,
    label: str,
    url: str | None,
    secret: str | None,
    department: Department | None,
    plan: Plan | None,
    active: bool,
    version: int | None,
) -> bool:
    """Change a robot; ``url`` or ``secret`` None keeps the saved one ("" removes the secret).
    False when nothing changed. Audited, with the addresses masked. ``version`` is the one the
    admin's form was made from: a robot changed since is not overwritten unseen.
    """
    if version != webhook.version:
        raise Refused([WebhookProblem.STALE])
    new_secret = webhook.secret if secret is None else secret.strip()
    Refused.unless_clean(
        webhook_problems(
            kind=kind,
            label=label,
            url=url,
            secret=new_secret,
            department=department is not None,
            plan=plan is not None,
        )
    )
    before = _describe(webhook)
    old = (webhook.kind, webhook.label, webhook.url, webhook.secret, webhook.active)
    webhook.kind = kind.value
    webhook.label = label.strip()
    if url is not None:
        webhook.url = url.strip()
    webhook.secret = new_secret
    webhook.department = department
    webhook.plan = plan
    webhook.active = active
    new = (webhook.kind, webhook.label, webhook.url, webhook.secret, webhook.active)
    if old == new and before == _describe(webhook):
        return False
    key = " (new address)" if old[2] != webhook.url else ""
    key += " (new secret)" if old[3] != webhook.secret and webhook.secret else ""
    audit.note(
        who, "webhook_updated", target=webhook, detail=f"{before} → {_describe(webhook)}{key}"
    )
    _flush_versioned()
    return True


def delete_webhook(who: Who, webhook: Webhook, *, version: int | None) -> None:
    """Delete a robot and its record of posts; the audit log keeps that it was. Refused when
    the robot changed since the page offering the button was made.
    """
    if version != webhook.version:
        raise Refused([WebhookProblem.STALE])
    audit.note(who, "webhook_deleted", target=webhook, detail=_describe(webhook))
    db.session.delete(webhook)
    _flush_versioned()


def _flush_versioned() -> None:
    """Flush; another request's change or delete since this one read the robot shows as a
    stale version (of two saving at once on PostgreSQL, the second waits, then matches 0 rows).
    """
    try:
        db.session.flush()
    except StaleDataError:
        raise Refused([WebhookProblem.STALE]) from None


def record_delivery(
    who: Who,
    webhook: Webhook,
    delivery: Delivery,
    *,
    purpose: str,
    department: Department | None = None,
    plan: Plan | None = None,
) -> WebhookDelivery:
    """Keep what became of one post (the error already has the key taken out)."""
    row = WebhookDelivery(
        webhook_id=webhook.id,
        at=who.now,
        purpose=purpose,
        department_id=department.id if department is not None else None,
        plan_id=plan.id if plan is not None else None,
        ok=delivery.ok,
        attempts=delivery.attempts,
        detail=delivery.error[:300],
    )
    db.session.add(row)
    db.session.flush()
    return row


def card_for_test_message(webhook: Webhook, who: Who, *, base_url: str, when: str) -> Card:
    """The test message, in Chinese like the reminders: which reminders the group will get,
    who asked and when, and a link to the tracker.
    """
    with force_locale(CARD_LOCALE):
        if webhook.department is not None:
            target = webhook.department.name_zh
        else:
            target = webhook.plan.name_zh if webhook.plan is not None else ""
        return Card(
            title=_("[Reminder] Test message from Plan Tracker"),
            intro=_(
                "This group will receive the reminders (催办) of %(target)s: overdue, "
                "due-soon and stale milestones.",
                target=target,
            ),
            link_label=_("Open Plan Tracker") if base_url else "",
            link_url=f"{base_url}/" if base_url else "",
            footer=_(
                "Sent by %(user)s at %(time)s.",
                user=who.actor.label if who.actor is not None else "cli",
                time=when,
            ),
        )


def audit_test_message(who: Who, webhook: Webhook, delivery: Delivery) -> None:
    """The test post in the audit log: which robot and whether it took the message."""
    outcome = "ok" if delivery.ok else f"failed: {delivery.error}"
    audit.note(
        who,
        "webhook_tested",
        target=webhook,
        detail=f"{webhook.label} {mask_url(webhook.url)}: {outcome}",
    )
