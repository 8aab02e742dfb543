"""An item's timeline: its history, figures, instructions and replies, newest first.

Everything is read in a fixed number of queries; a report's several changed fields are shown
as one entry with the report's review state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import (
    Instruction,
    InstructionReply,
    Item,
    Measurement,
    Report,
    Update,
    User,
)


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass
class TimelineEntry:
    """One thing that happened to the item, as the timeline shows it."""

    at: datetime
    kind: str  # report | review | change | measurement | instruction | reply
    user: User | None
    milestone_code: str | None = None
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    state: str | None = None  # a report's review state
    origin: str = ""
    value: float | None = None
    label: str = ""


def _when(update: Update) -> datetime:
    """Plan-file rows tell what was true on their effective day; others when they were written."""
    if update.origin == "plan_file":
        return datetime.combine(update.effective_on, time(), tzinfo=UTC)
    return update.created_at


def timeline_for_item(
    item: Item, indicator_ids: list[int], limit: int = 200
) -> list[TimelineEntry]:
    """The item's timeline, newest first, at most ``limit`` entries.

    ``indicator_ids`` are the item's indicators (the page has loaded them already); the item's
    milestones must be loaded too.
    """
    updates = db.session.scalars(
        sa.select(Update)
        .where(Update.item_id == item.id)
        .options(so.joinedload(Update.user))
        .order_by(Update.id)
    ).all()
    milestone_codes = {m.id: m.code for m in item.milestones}
    report_ids = {u.report_id for u in updates if u.report_id is not None}
    reports = {
        r.id: r for r in db.session.scalars(sa.select(Report).where(Report.id.in_(report_ids)))
    }
    entries: list[TimelineEntry] = []
    by_report: dict[int, TimelineEntry] = {}
    for update in updates:
        code = milestone_codes.get(update.milestone_id) if update.milestone_id else None
        report = reports.get(update.report_id) if update.report_id else None
        if update.field == "review":
            entries.append(
                TimelineEntry(
                    at=update.created_at,
                    kind="review",
                    user=update.user,
                    milestone_code=code,
                    note=update.note,
                    state=update.new_value,
                    origin=update.origin,
                )
            )
            continue
        if report is not None:
            entry = by_report.get(report.id)
            if entry is None:
                entry = TimelineEntry(
                    at=update.created_at,
                    kind="report",
                    user=update.user,
                    milestone_code=code,
                    note=report.note,
                    state=report.state,
                    origin=update.origin,
                )
                by_report[report.id] = entry
                entries.append(entry)
            if update.field != "report":
                entry.changes.append(Change(update.field, update.old_value, update.new_value))
            continue
        entries.append(
            TimelineEntry(
                at=_when(update),
                kind="change",
                user=update.user,
                milestone_code=code,
                changes=[Change(update.field, update.old_value, update.new_value)],
                note=update.note,
                origin=update.origin,
            )
        )
    if indicator_ids:
        for measurement in db.session.scalars(
            sa.select(Measurement)
            .where(Measurement.indicator_id.in_(indicator_ids), ~Measurement.from_plan_file)
            .options(so.joinedload(Measurement.recorded_by), so.joinedload(Measurement.indicator))
        ):
            entries.append(
                TimelineEntry(
                    at=measurement.recorded_at,
                    kind="measurement",
                    user=measurement.recorded_by,
                    value=measurement.value,
                    note=measurement.source,
                    label=measurement.indicator.name_zh + " / " + measurement.indicator.name_en,
                )
            )
    instructions = db.session.scalars(
        sa.select(Instruction)
        .where(Instruction.item_id == item.id)
        .options(so.joinedload(Instruction.author))
    ).all()
    for instruction in instructions:
        entries.append(
            TimelineEntry(
                at=instruction.created_at,
                kind="instruction",
                user=instruction.author,
                note=instruction.text,
                state=instruction.state,
            )
        )
    if instructions:
        for reply in db.session.scalars(
            sa.select(InstructionReply)
            .where(InstructionReply.instruction_id.in_([i.id for i in instructions]))
            .options(so.joinedload(InstructionReply.author))
        ):
            entries.append(
                TimelineEntry(at=reply.created_at, kind="reply", user=reply.author, note=reply.text)
            )
    # Newest first; entries written at the same moment keep their order (a review after its report).
    order = sorted(range(len(entries)), key=lambda i: (entries[i].at, i), reverse=True)
    return [entries[i] for i in order[:limit]]
