"""Group robots as the admin page lists them, and the robots a reminder run posts to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Department, Plan, Webhook, WebhookDelivery


@dataclass(frozen=True)
class WebhookRow:
    """A robot with its latest post (None before the first)."""

    webhook: Webhook
    last: WebhookDelivery | None


def _latest_deliveries(ids: list[int]) -> dict[int, WebhookDelivery]:
    """Each robot's latest post, in one query."""
    if not ids:
        return {}
    newest = (
        sa.select(WebhookDelivery.webhook_id, sa.func.max(WebhookDelivery.id).label("last_id"))
        .where(WebhookDelivery.webhook_id.in_(ids))
        .group_by(WebhookDelivery.webhook_id)
        .subquery()
    )
    rows = db.session.scalars(
        sa.select(WebhookDelivery)
        .join(newest, WebhookDelivery.id == newest.c.last_id)
        .options(so.selectinload(WebhookDelivery.department))
    ).all()
    return {row.webhook_id: row for row in rows}


def all_webhooks() -> list[WebhookRow]:
    """Every robot, plans' first then departments', by label, each with its latest post."""
    webhooks = db.session.scalars(
        sa.select(Webhook)
        .options(so.selectinload(Webhook.department), so.selectinload(Webhook.plan))
        .order_by(Webhook.plan_id.is_(None), Webhook.label, Webhook.id)
    ).all()
    latest = _latest_deliveries([w.id for w in webhooks])
    return [WebhookRow(w, latest.get(w.id)) for w in webhooks]


def recent_deliveries(webhook: Webhook, limit: int = 10) -> list[WebhookDelivery]:
    """A robot's latest posts, newest first (its page shows them)."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .options(so.selectinload(WebhookDelivery.department))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def webhooks_for_reminders(plan: Plan, departments: Iterable[Department]) -> list[Webhook]:
    """The active robots a reminder run of ``plan`` posts to: the plan's own, and those of
    the departments listed. By id, so a run posts in a steady order.
    """
    department_ids = [d.id for d in departments]
    return list(
        db.session.scalars(
            sa.select(Webhook)
            .where(
                Webhook.active.is_(True),
                sa.or_(Webhook.plan_id == plan.id, Webhook.department_id.in_(department_ids)),
            )
            .order_by(Webhook.id)
        )
    )
