"""An item's timeline: its history, figures, instructions and replies, newest first.

Everything is read in a fixed number of queries; a report's several changed fields are shown
as one entry with the report's review state.
"""

from __future__ import annotations

from collections.abc import Callable
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
from tracker.pagination import PER_PAGE, Page, paginate


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
    withheld: bool = False  # a report (or its review) the reader may not read yet


def _when(update: Update) -> datetime:
    """Plan-file rows tell what was true on their effective day; others when they were written."""
    if update.origin == "plan_file":
        return datetime.combine(update.effective_on, time(), tzinfo=UTC)
    return update.created_at


def timeline_for_item(
    item: Item,
    indicator_ids: list[int],
    may_read: Callable[[Report], bool],
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[TimelineEntry]:
    """One page of the item's timeline, newest first; 404 past the last page.

    ``indicator_ids`` are the item's indicators (the page has loaded them already); the item's
    milestones must be loaded too. A report ``may_read`` refuses shows that it exists and its
    state, not what it says or proposes (nor the reason it was returned).
    """
    entries = [
        *_history_entries(item, may_read),
        *_measurement_entries(indicator_ids),
        *_instruction_entries(item),
    ]
    # Newest first; entries written at the same moment keep their order (a review after its report).
    order = sorted(range(len(entries)), key=lambda i: (entries[i].at, i), reverse=True)
    return paginate([entries[i] for i in order], page, per_page)


def _history_entries(item: Item, may_read: Callable[[Report], bool]) -> list[TimelineEntry]:
    """The item's recorded changes, in order: a report's changed fields gather in one entry."""
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
        readable = report is None or may_read(report)
        if update.field == "review":
            review = _entry(update, "review", code, note=update.note, state=update.new_value)
            entries.append(_withheld(review) if not readable else review)
        elif report is None:
            entries.append(_change_entry(update, code))
        else:
            opened = by_report.get(report.id)
            if opened is None:
                opened = _entry(update, "report", code, note=report.note, state=report.state)
                by_report[report.id] = opened
                entries.append(_withheld(opened) if not readable else opened)
            if update.field != "report" and readable:
                opened.changes.append(Change(update.field, update.old_value, update.new_value))
    return entries


def _withheld(entry: TimelineEntry) -> TimelineEntry:
    """The entry without what the report says: it stays on the timeline as a fact."""
    entry.note = ""
    entry.withheld = True
    return entry


def _entry(
    update: Update, kind: str, milestone_code: str | None, *, note: str, state: str | None
) -> TimelineEntry:
    """A report, opened by its first recorded row (its changes are added after), or a review."""
    return TimelineEntry(
        at=update.created_at,
        kind=kind,
        user=update.user,
        milestone_code=milestone_code,
        note=note,
        state=state,
        origin=update.origin,
    )


def _change_entry(update: Update, milestone_code: str | None) -> TimelineEntry:
    return TimelineEntry(
        at=_when(update),
        kind="change",
        user=update.user,
        milestone_code=milestone_code,
        changes=[Change(update.field, update.old_value, update.new_value)],
        note=update.note,
        origin=update.origin,
    )


def _measurement_entries(indicator_ids: list[int]) -> list[TimelineEntry]:
    """Figures recorded on the item's indicators (those from the plan file are not news)."""
    if not indicator_ids:
        return []
    measurements = db.session.scalars(
        sa.select(Measurement)
        .where(Measurement.indicator_id.in_(indicator_ids), ~Measurement.from_plan_file)
        .options(so.joinedload(Measurement.recorded_by), so.joinedload(Measurement.indicator))
    )
    return [
        TimelineEntry(
            at=measurement.recorded_at,
            kind="measurement",
            user=measurement.recorded_by,
            value=measurement.value,
            note=measurement.source,
            label=measurement.indicator.name_zh + " / " + measurement.indicator.name_en,
        )
        for measurement in measurements
    ]


def _instruction_entries(item: Item) -> list[TimelineEntry]:
    """The item's instructions, then every reply to them."""
    instructions = db.session.scalars(
        sa.select(Instruction)
        .where(Instruction.item_id == item.id)
        .options(so.joinedload(Instruction.author))
    ).all()
    entries = [
        TimelineEntry(
            at=instruction.created_at,
            kind="instruction",
            user=instruction.author,
            note=instruction.text,
            state=instruction.state,
        )
        for instruction in instructions
    ]
    if instructions:
        replies = db.session.scalars(
            sa.select(InstructionReply)
            .where(InstructionReply.instruction_id.in_([i.id for i in instructions]))
            .options(so.joinedload(InstructionReply.author))
        )
        entries.extend(
            TimelineEntry(at=reply.created_at, kind="reply", user=reply.author, note=reply.text)
            for reply in replies
        )
    return entries
