"""A big plan for page-size and query-count tests: many milestones and history rows, bulk-inserted.

The Shinan plan must be loaded first. Rows go in with one multi-row INSERT per table, so tens
of thousands of history rows take a second, not a minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Item, Milestone, Update

STATUSES = ("not_started", "on_track", "at_risk", "delayed", "done")
CHUNK = 5_000


def add_milestones(per_item: int) -> None:
    """Give every item ``per_item`` milestones in all (spread over its period, every status,
    some postponed), with titles as long as real ones."""
    items = db.session.scalars(sa.select(Item)).all()
    rows = []
    for item in items:
        have = db.session.scalar(
            sa.select(sa.func.count()).select_from(Milestone).where(Milestone.item_id == item.id)
        )
        template = db.session.scalar(sa.select(Milestone).where(Milestone.item_id == item.id))
        assert template is not None
        span = max((item.due - item.start).days, 1)
        for n in range(per_item - (have or 0)):
            due = item.start + timedelta(days=(n * 7919) % span)
            status = STATUSES[n % len(STATUSES)]
            rows.append(
                {
                    "plan_id": item.plan_id,
                    "item_id": item.id,
                    "code": f"{item.code}-b{n}",
                    "position": 100 + n,
                    "title_zh": f"第{n}项阶段性任务：完成相关配套设施建设并通过验收评估",
                    "title_en": f"Stage task {n}: finish the supporting works and pass the review",
                    "due": due,
                    "baseline_due": due - timedelta(days=30) if n % 9 == 0 else due,
                    "department_id": template.department_id,
                    "reported_status": status,
                    "progress": 100 if status == "done" else (n * 13) % 100,
                    "completed_on": due if status == "done" else None,
                    "postponement_count": 1 if n % 9 == 0 else 0,
                }
            )
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(Milestone), rows[start : start + CHUNK])
    db.session.commit()


def add_history(count: int, *, first: int = 0) -> None:
    """Append ``count`` history rows (status and progress changes by an admin) spread over
    every milestone, each with a note, written after everything already recorded."""
    milestones = db.session.execute(
        sa.select(Milestone.id, Milestone.item_id, Milestone.plan_id).order_by(Milestone.id)
    ).all()
    base = datetime(2020, 10, 2, tzinfo=UTC)
    rows = []
    for n in range(first, first + count):
        milestone_id, item_id, plan_id = milestones[n % len(milestones)]
        at = base + timedelta(minutes=n)
        field = "status" if n % 2 else "progress"
        rows.append(
            {
                "plan_id": plan_id,
                "item_id": item_id,
                "milestone_id": milestone_id,
                "created_at": at,
                "effective_on": min(at.date(), date(2021, 12, 31)),
                "field": field,
                "old_value": "on_track" if field == "status" else str(n % 100),
                "new_value": "at_risk" if field == "status" else str((n + 7) % 100),
                "note": f"第{n}次调整：根据月度调度会意见更新进度",
                "origin": "admin",
            }
        )
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(Update), rows[start : start + CHUNK])
    db.session.commit()
