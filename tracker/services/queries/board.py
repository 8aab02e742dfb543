"""Everything the leadership board shows, assembled for one as-of day in a fixed number of queries.

The roll-up comes from :mod:`tracker.services.queries.progress`; this adds what a leader scans for
before the monthly meeting: the next milestone and the age of the last approved update of each
item, the department table, and the watch lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.clock import district_day_end
from tracker.domain.closing import Closing, Outcomes, close_plan, half_year_ends, has_ended
from tracker.domain.instructions import PENDING_STATES
from tracker.domain.league import DepartmentScore, OwnedMilestone, score_departments, sort_scores
from tracker.domain.reminders import STALE_AFTER_DAYS, last_activity
from tracker.domain.reporting import ReportState
from tracker.domain.rollup import ItemResult, MilestoneResult, Summary, roll_up_item
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Department,
    Group,
    Indicator,
    Instruction,
    Item,
    Milestone,
    Plan,
    Report,
    Update,
)
from tracker.services.commands.history import last_update_by_milestone
from tracker.services.queries.progress import (
    ItemRow,
    PlanProgress,
    item_input,
    load_progress,
    replayed_states,
)

DUE_SOON_DAYS = 30
WATCH_LIMIT = 10
# The board's watch lists, and how each is ordered: the worst first (True), the soonest first
# (False), or plan order (None). "postponed" is shown under the timeline, the others together.
WATCH_ORDER: dict[str, bool | None] = {
    "overdue": True,
    "at_risk": False,
    "due_soon": False,
    "stale": True,
    "postponed": None,
}
RECENT_LIMIT = 10
COUNTED_FIELDS = ("status", "progress", "completed_on")


@dataclass(frozen=True)
class Filters:
    """What the leader narrowed the board to; kept in the URL so a link can be shared."""

    department: str | None = None
    status: Status | None = None
    group: str | None = None

    @classmethod
    def from_args(cls, args: dict[str, str]) -> Filters:
        """The filters a URL asks for; unknown values are ignored, not refused."""
        status = args.get("status") or None
        return cls(
            department=args.get("department") or None,
            status=Status(status) if status in {s.value for s in Status} else None,
            group=args.get("group") or None,
        )

    @property
    def active(self) -> bool:
        """Whether anything is narrowed (empty groups are then left out)."""
        return any((self.department, self.status, self.group))


@dataclass(frozen=True)
class ItemLine:
    """An item's row on the board: its figures, what is next, and how fresh it is."""

    item: Item
    result: ItemResult
    next_milestone: Milestone | None
    next_due: date | None
    last_update: date | None
    update_age: int | None
    open_instructions: int
    pending: int
    focus: bool  # flagged 重点关注 on the as-of day


@dataclass(frozen=True)
class Section:
    """A group of items with its summary."""

    group: Group
    summary: Summary
    lines: list[ItemLine]


@dataclass(frozen=True)
class WatchEntry:
    """A milestone on a watch list, with the days that put it there."""

    milestone: Milestone
    item: Item
    result: MilestoneResult
    days: int  # overdue by, due in, or idle for


@dataclass(frozen=True)
class DepartmentLine:
    """A department's row in the department table."""

    department: Department
    score: DepartmentScore


@dataclass(frozen=True)
class ClosingView:
    """An ended plan's closing view: the counts, and each department's milestones."""

    closing: Closing
    departments: list[tuple[Department, Outcomes]]
    travel_days: list[date]


@dataclass
class Board:
    """Everything the board page shows for one as-of day."""

    progress: PlanProgress
    as_of: date
    today: date
    filters: Filters
    sections: list[Section]
    departments: list[DepartmentLine]
    watch: dict[str, list[WatchEntry]] = field(default_factory=dict)
    watch_totals: dict[str, int] = field(default_factory=dict)
    recent: list[Report] = field(default_factory=list)
    all_departments: list[Department] = field(default_factory=list)
    closing: ClosingView | None = None  # once the plan's period has ended

    @property
    def plan(self) -> Plan:
        """The plan shown."""
        return self.progress.plan

    @property
    def focus(self) -> list[ItemLine]:
        """The shown items flagged focus (重点关注), in plan order: the board's first watch list."""
        return [line for section in self.sections for line in section.lines if line.focus]

    @property
    def days_left(self) -> int:
        """Days from the as-of day to the plan's end; 0 at the end and after."""
        return max(0, (self.plan.end - self.as_of).days)

    @property
    def is_past(self) -> bool:
        """Whether the board shows a day before today (rebuilt from history)."""
        return self.as_of < self.today


def _last_updates(plan: Plan, as_of: date) -> dict[int, date]:
    """Per item, the last day an approved change counted (up to ``as_of``)."""
    return latest_by_item(last_approved_updates(plan, as_of))


def _recent_approved(plan: Plan, as_of: date) -> list[Report]:
    """The last reports approved by ``as_of``: read newest first along an index, each checked
    for its approval day, so a long history is not read to find ten.
    """
    approved_by_then = (
        sa.select(Update.id)
        .where(
            Update.report_id == Report.id,
            Update.field == "review",
            Update.new_value == ReportState.APPROVED,
            Update.effective_on <= as_of,
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Report)
            .where(
                Report.plan_id == plan.id,
                Report.state == ReportState.APPROVED,
                approved_by_then,
            )
            .options(
                so.joinedload(Report.item),
                so.joinedload(Report.milestone),
                so.joinedload(Report.department),
            )
            .order_by(Report.reviewed_at.desc())
            .limit(RECENT_LIMIT)
        )
    )


class _Collector:
    """Walks the plan's milestones once, feeding the department table and the watch lists."""

    def __init__(
        self,
        plan: Plan,
        as_of: date,
        activity: dict[int, date],
        filters: Filters,
        wanted: Department | None,
    ) -> None:
        self.plan, self.as_of, self.activity = plan, as_of, activity
        self.filters, self.wanted = filters, wanted
        self.owned: list[OwnedMilestone] = []
        self.watch: dict[str, list[WatchEntry]] = {name: [] for name in WATCH_ORDER}

    def add(self, group: Group, item: Item, milestone: Milestone, result: MilestoneResult) -> None:
        last = last_activity(
            self.activity.get(milestone.id), None, self.plan.report_date, self.as_of
        )
        idle = (self.as_of - last).days
        is_open = result.status is not Status.DONE
        stale = is_open and idle > STALE_AFTER_DAYS
        self.owned.append(
            OwnedMilestone(
                milestone.department_id,
                result.status,
                result.timeliness,
                result.overdue,
                stale,
            )
        )
        if self.wanted is not None and milestone.department_id != self.wanted.id:
            return
        if self.filters.group and group.code != self.filters.group:
            return
        days_to_due = (result.due - self.as_of).days
        if result.overdue:
            self.watch["overdue"].append(WatchEntry(milestone, item, result, -days_to_due))
        elif result.status is Status.AT_RISK:
            self.watch["at_risk"].append(WatchEntry(milestone, item, result, days_to_due))
        if is_open and 0 <= days_to_due <= DUE_SOON_DAYS:
            self.watch["due_soon"].append(WatchEntry(milestone, item, result, days_to_due))
        if stale:
            self.watch["stale"].append(WatchEntry(milestone, item, result, idle))
        if result.due != milestone.baseline_due:
            delay = (result.due - milestone.baseline_due).days
            self.watch["postponed"].append(WatchEntry(milestone, item, result, delay))

    def trimmed_watch(
        self, limit: int | None
    ) -> tuple[dict[str, list[WatchEntry]], dict[str, int]]:
        """Each list in its order, at most ``limit`` entries (all with None); the full counts."""
        totals = {name: len(entries) for name, entries in self.watch.items()}
        ordered = {
            name: entries
            if WATCH_ORDER[name] is None
            else sorted(entries, key=lambda e: e.days, reverse=bool(WATCH_ORDER[name]))
            for name, entries in self.watch.items()
        }
        return {name: entries[:limit] for name, entries in ordered.items()}, totals


def _shown(
    filters: Filters,
    wanted: Department | None,
    group: Group,
    line: ItemLine,
    milestones: list[Milestone],
) -> bool:
    if filters.group and group.code != filters.group:
        return False
    if filters.status and line.result.status is not filters.status:
        return False
    return wanted is None or (
        line.item.lead_department_id == wanted.id
        or any(m.department_id == wanted.id for m in milestones)
    )


def _open_instructions(plan: Plan, as_of: date, today: date) -> dict[int, int]:
    """Per item, how many instructions still asked something of its departments at the end
    of ``as_of``: written by then and not yet closed (a past board counts what was open then).
    """
    query = (
        sa.select(Instruction.item_id, sa.func.count())
        .join(Item, Item.id == Instruction.item_id)
        .where(Item.plan_id == plan.id)
        .group_by(Instruction.item_id)
    )
    if as_of >= today:
        query = query.where(Instruction.state.in_(PENDING_STATES))
    else:
        end = district_day_end(as_of)
        query = query.where(
            Instruction.created_at < end,
            sa.or_(Instruction.closed_at.is_(None), Instruction.closed_at >= end),
        )
    return dict(db.session.execute(query).all())


def _focus_at(plan: Plan, as_of: date, today: date) -> dict[int, bool]:
    """Per item whose focus flag changed after ``as_of``, the flag it had then: the old value
    of its first change after that day. Items missing from the answer have today's flag.
    """
    if as_of >= today:
        return {}
    rows = db.session.execute(
        sa.select(Update.item_id, Update.old_value)
        .where(Update.plan_id == plan.id, Update.field == "focus", Update.effective_on > as_of)
        .order_by(Update.effective_on, Update.id)
    ).all()
    flags: dict[int, bool] = {}
    for item_id, old in rows:
        flags.setdefault(item_id, old == "True")
    return flags


def _item_line(
    row: ItemRow,
    milestones: list[Milestone],
    results: dict[int | str, MilestoneResult],
    *,
    as_of: date,
    last: date | None,
    open_instructions: int,
    pending: int,
    focus: bool,
) -> ItemLine:
    """An item's board line: its next open milestone and how old its last update is."""
    upcoming = [m for m in milestones if results[m.id].status is not Status.DONE]
    nxt = min(upcoming, key=lambda m: (results[m.id].due, m.position), default=None)
    return ItemLine(
        item=row.item,
        result=row.result,
        next_milestone=nxt,
        next_due=results[nxt.id].due if nxt else None,
        last_update=last,
        update_age=(as_of - last).days if last else None,
        open_instructions=open_instructions,
        pending=pending,
        focus=focus,
    )


def build_board(
    plan: Plan,
    *,
    as_of: date,
    today: date,
    margin: float,
    filters: Filters,
    sort: str = "on_time_rate",
    descending: bool = True,
    watch_limit: int | None = WATCH_LIMIT,
) -> Board:
    """Assemble the board for ``as_of`` (the past is rebuilt from history).

    The watch lists hold their first ``watch_limit`` entries (``None``: all of them, for the
    pages that list one in full); ``watch_totals`` counts them all.
    """
    progress = load_progress(plan, as_of, margin, today=today)
    last_item = _last_updates(plan, as_of)
    open_instructions = _open_instructions(plan, as_of, today)
    focus_then = _focus_at(plan, as_of, today)
    departments = list(db.session.scalars(sa.select(Department).order_by(Department.code)))
    by_id = {d.id: d for d in departments}
    wanted = next((d for d in departments if d.code == filters.department), None)
    collector = _Collector(plan, as_of, last_update_by_milestone(plan.id, as_of), filters, wanted)

    sections: list[Section] = []
    for section, group_result in zip(progress.sections, progress.result.groups, strict=True):
        lines = []
        for row in section.rows:
            item = row.item
            results = {m.key: m for m in row.result.milestones}
            milestones = [m for m in item.milestones if m.id in results]
            for m in milestones:
                collector.add(section.group, item, m, results[m.id])
            line = _item_line(
                row,
                milestones,
                results,
                as_of=as_of,
                last=last_item.get(item.id),
                open_instructions=open_instructions.get(item.id, 0),
                pending=progress.pending_by_item.get(item.id, 0),
                focus=focus_then.get(item.id, item.focus),
            )
            if _shown(filters, wanted, section.group, line, milestones):
                lines.append(line)
        if lines or not filters.active:
            sections.append(Section(section.group, group_result.summary, lines))

    closing = (
        _closing_view(plan, progress, collector, by_id) if has_ended(plan.end, as_of) else None
    )
    watch, totals = collector.trimmed_watch(watch_limit)
    scores = sort_scores(score_departments(collector.owned).values(), sort, descending=descending)
    return Board(
        progress=progress,
        as_of=as_of,
        today=today,
        filters=filters,
        sections=sections,
        departments=[DepartmentLine(by_id[s.department_id], s) for s in scores],
        watch=watch,
        watch_totals=totals,
        recent=_recent_approved(plan, as_of),
        all_departments=[d for d in departments if d.active],
        closing=closing,
    )


def _closing_view(
    plan: Plan, progress: PlanProgress, collector: _Collector, by_id: dict[int, Department]
) -> ClosingView:
    """Count the whole plan (filters narrow the lists, never the plan's outcome)."""
    items = [
        ([m.timeliness for m in item.milestones], item.status is Status.DONE)
        for group in progress.result.groups
        for item in group.items
    ]
    closing = close_plan(
        plan.end, items, ((m.department_id, m.timeliness) for m in collector.owned)
    )
    departments = sorted(
        ((by_id[key], outcomes) for key, outcomes in closing.by_department.items()),
        key=lambda pair: (-pair[1].not_done, pair[0].code),
    )
    return ClosingView(closing, departments, half_year_ends(plan.start, plan.end))


def item_milestones(
    item: Item, *, as_of: date, today: date, margin: float
) -> list[tuple[Milestone, MilestoneResult]]:
    """The item's milestones (which must be loaded) with their results at ``as_of``, in the
    item's order; a past day is rebuilt from the history, as on the board."""
    past = replayed_states(item.plan, as_of) if as_of < today else None
    result = roll_up_item(item_input(item, past), as_of, margin)
    results = {m.key: m for m in result.milestones}
    return [(m, results[m.id]) for m in item.milestones if m.id in results]


def indicators_with_figures(item: Item) -> list[Indicator]:
    """The item's indicators in order, with their targets and measurements loaded."""
    return list(
        db.session.scalars(
            sa.select(Indicator)
            .where(Indicator.item_id == item.id)
            .options(so.selectinload(Indicator.targets), so.selectinload(Indicator.measurements))
            .order_by(Indicator.position)
        )
    )


def latest_by_item(last_update: dict[tuple[int, int | None], date]) -> dict[int, date]:
    """Per item, the latest of its own and its milestones' last update days."""
    latest: dict[int, date] = {}
    for (item_id, _milestone_id), day in last_update.items():
        latest[item_id] = max(day, latest.get(item_id, day))
    return latest


def last_approved_updates(plan: Plan, as_of: date) -> dict[tuple[int, int | None], date]:
    """Per item and milestone, the last day an approved change counted, up to ``as_of``.

    A report's changes count from the day it was approved (its review row); a change made
    without a report (the plan file, an admin) counts from its own day when it touched the
    status, progress or completion date. Pending, returned and withdrawn reports never count.
    The rule is the board's, so the ledger and the board agree on "last update".
    """
    rows = db.session.execute(
        sa.select(Update.item_id, Update.milestone_id, sa.func.max(Update.effective_on))
        .where(
            Update.plan_id == plan.id,
            Update.effective_on <= as_of,
            sa.or_(
                sa.and_(Update.field == "review", Update.new_value == ReportState.APPROVED),
                sa.and_(Update.report_id.is_(None), Update.field.in_(COUNTED_FIELDS)),
            ),
        )
        .group_by(Update.item_id, Update.milestone_id)
    ).all()
    return {(item_id, milestone_id): day for item_id, milestone_id, day in rows}


def plan_indicators(plan: Plan) -> list[Indicator]:
    """The plan's indicators in their order, with item, targets and measurements loaded."""
    return list(
        db.session.scalars(
            sa.select(Indicator)
            .where(Indicator.plan_id == plan.id)
            .options(
                so.joinedload(Indicator.item),
                so.selectinload(Indicator.targets),
                so.selectinload(Indicator.measurements),
            )
            .order_by(Indicator.position, Indicator.id)
        )
    )
