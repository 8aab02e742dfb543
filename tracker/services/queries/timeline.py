"""An item's timeline: its history, figures, instructions and replies, newest first.

Everything is read in a fixed number of queries; a report's several changed fields are shown
as one entry with the report's review state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

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
from tracker.pagination import PER_PAGE, Page


@dataclass
class Change:
    field: str
    old: str | None
    new: str | None
    # A completion date the plan file gives as "done by" (completed_by), the day not given:
    # the milestone's source (report or sample), which says who did not give it.
    by: str | None = None


# The row a plan file writes beside a new milestone's completion date when it gives only a
# bound (``completed_by``): shown on that date's line, not as an entry of its own.
_INITIAL_BOUND = sa.and_(
    Update.field == "completed_on_exact",
    Update.old_value.is_(None),
    Update.report_id.is_(None),
)


@dataclass
class TimelineEntry:
    """One thing that happened to the item, as the timeline shows it."""

    at: datetime
    kind: str  # report | review | change | close_out | measurement | instruction | reply
    user: User | None
    milestone_code: str | None = None
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    state: str | None = None  # a report's review state, or the close-out state it moved to
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
    newest = page * per_page  # every source's newest entries that could reach this page
    history, history_total = _history_entries(item, may_read, newest=newest)
    measurements, measurement_total = _measurement_entries(indicator_ids, newest=newest)
    instructions, instruction_total = _instruction_entries(item, newest=newest)
    entries = [*history, *measurements, *instructions]
    total = history_total + measurement_total + instruction_total
    shell: Page[TimelineEntry] = Page([], page, total, per_page)
    if page > shell.pages:
        abort(404)
    # Newest first; entries written at the same moment keep their order (a review after its report).
    order = sorted(range(len(entries)), key=lambda i: (entries[i].at, i), reverse=True)
    start = (page - 1) * per_page
    return Page([entries[i] for i in order[start : start + per_page]], page, total, per_page)


def _history_entries(
    item: Item, may_read: Callable[[Report], bool], *, newest: int
) -> tuple[list[TimelineEntry], int]:
    """The item's newest recorded changes, in order, and how many entries there are in all:
    a report's changed fields gather in one entry.

    Only the rows of the ``newest`` entries are read (entries counted newest by their first
    row), so a long history costs one page, not the whole of it.
    """
    # One entry per report (its rows but the reviews), and one per other row.
    entry = sa.case(
        (sa.and_(Update.report_id.is_not(None), Update.field != "review"), -Update.report_id),
        else_=Update.id,
    ).label("entry")
    total = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(entry))).where(
            Update.item_id == item.id, sa.not_(_INITIAL_BOUND)
        )
    )
    window = db.session.execute(
        sa.select(entry, sa.func.min(Update.id).label("first"))
        .where(Update.item_id == item.id, sa.not_(_INITIAL_BOUND))
        .group_by(entry)
        .order_by(sa.desc("first"))
        .limit(newest)
    ).all()
    row_ids = [key for key, _ in window if key > 0]
    report_ids = [-key for key, _ in window if key < 0]
    updates = db.session.scalars(
        sa.select(Update)
        .where(
            Update.item_id == item.id,
            sa.or_(
                Update.id.in_(row_ids),
                sa.and_(Update.report_id.in_(report_ids), Update.field != "review"),
                # Read with the page's rows rather than on their own: which first completion
                # dates a plan file gave only as a bound.
                sa.and_(_INITIAL_BOUND, Update.new_value == "False"),
            ),
        )
        .options(so.joinedload(Update.user).joinedload(User.department))
        .order_by(Update.id)
    ).all()
    bounded = {u.milestone_id for u in updates if _is_initial_bound(u)}
    updates = [u for u in updates if not _is_initial_bound(u)]
    milestone_codes = {m.id: m.code for m in item.milestones}
    sources = {m.id: m.source for m in item.milestones}
    reports = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Report).where(
                Report.id.in_({u.report_id for u in updates if u.report_id is not None})
            )
        )
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
            change = _change_entry(update, code)
            first_completion = update.field == "completed_on" and update.old_value is None
            if first_completion and update.milestone_id in bounded:
                change.changes[0].by = sources.get(update.milestone_id or 0, "sample")
            entries.append(change)
        else:
            opened = by_report.get(report.id)
            if opened is None:
                opened = _entry(update, "report", code, note=report.note, state=report.state)
                by_report[report.id] = opened
                entries.append(_withheld(opened) if not readable else opened)
            if update.field != "report" and readable:
                opened.changes.append(Change(update.field, update.old_value, update.new_value))
    return entries, total or 0


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


def _is_initial_bound(update: Update) -> bool:
    """The row :data:`_INITIAL_BOUND` selects, told in Python."""
    return (
        update.field == "completed_on_exact"
        and update.old_value is None
        and update.report_id is None
    )


def _change_entry(update: Update, milestone_code: str | None) -> TimelineEntry:
    if update.field == "close_out":
        # Worded as the office's act ("区科技局 销号", "退回重办：reason"), not as a field.
        return TimelineEntry(
            at=update.created_at,
            kind="close_out",
            user=update.user,
            milestone_code=milestone_code,
            state=update.new_value,
            note=update.note,
            origin=update.origin,
        )
    return TimelineEntry(
        at=_when(update),
        kind="change",
        user=update.user,
        milestone_code=milestone_code,
        changes=[Change(update.field, update.old_value, update.new_value)],
        note=plan_file_name(update.note) if update.origin == "plan_file" else update.note,
        origin=update.origin,
    )


_LEGACY_PLAN_FILE_NOTE = re.compile(r"^plan file (?P<name>.+?)(?: \(uploaded by [^)]*\))?$")


def plan_file_name(note: str) -> str:
    """The file a plan-file change came from.

    Loads now keep only the file's name; older ones kept an English sentence around it
    ("plan file x.yaml (uploaded by admin)"), which a Chinese page must not show.
    """
    found = _LEGACY_PLAN_FILE_NOTE.match(note)
    return found["name"] if found else note


def _measurement_entries(
    indicator_ids: list[int], *, newest: int
) -> tuple[list[TimelineEntry], int]:
    """The newest figures recorded on the item's indicators (those from the plan file are not
    news), and how many there are.
    """
    if not indicator_ids:
        return [], 0
    recorded = sa.and_(Measurement.indicator_id.in_(indicator_ids), ~Measurement.from_plan_file)
    total = db.session.scalar(sa.select(sa.func.count()).where(recorded)) or 0
    measurements = db.session.scalars(
        sa.select(Measurement)
        .where(recorded)
        .options(so.joinedload(Measurement.recorded_by), so.joinedload(Measurement.indicator))
        .order_by(Measurement.recorded_at.desc(), Measurement.id.desc())
        .limit(newest)
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
    ], total


def _instruction_entries(item: Item, *, newest: int) -> tuple[list[TimelineEntry], int]:
    """The item's newest instructions and replies to them, and how many there are."""
    mine = Instruction.item_id == item.id
    replies_here = InstructionReply.instruction_id.in_(sa.select(Instruction.id).where(mine))
    # Both counts in one statement.
    counted = sa.select(
        sa.select(sa.func.count()).where(mine).scalar_subquery(),
        sa.select(sa.func.count()).where(replies_here).scalar_subquery(),
    )
    total = sum(n or 0 for n in db.session.execute(counted).one())
    instructions = db.session.scalars(
        sa.select(Instruction)
        .where(mine)
        .options(so.joinedload(Instruction.author))
        .order_by(Instruction.created_at.desc(), Instruction.id.desc())
        .limit(newest)
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
    replies = db.session.scalars(
        sa.select(InstructionReply)
        .where(replies_here)
        .options(so.joinedload(InstructionReply.author))
        .order_by(InstructionReply.created_at.desc(), InstructionReply.id.desc())
        .limit(newest)
    )
    entries.extend(
        TimelineEntry(at=reply.created_at, kind="reply", user=reply.author, note=reply.text)
        for reply in replies
    )
    return entries, total
