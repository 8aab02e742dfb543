"""Roll-up of progress and status from milestones to items, groups and the whole plan.

The caller loads the plan once and passes plain values in; one call computes everything for
one "as of" date in a single pass, so pages never compute progress in templates or per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.status import (
    MilestoneState,
    Status,
    Timeliness,
    awaits_close_out,
    expected_progress,
    is_behind,
    is_overdue,
    milestone_progress,
    milestone_status,
    timeliness,
)

DEFAULT_MARGIN = 10.0


@dataclass(frozen=True, slots=True)
class MilestoneInput:
    """A milestone as the roll-up needs it; ``key`` lets the caller find its result."""

    key: int | str
    state: MilestoneState


@dataclass(frozen=True, slots=True)
class ItemInput:
    """An item with its time span, weight and milestones."""

    key: int | str
    start: date
    due: date
    weight: float
    milestones: Sequence[MilestoneInput]


@dataclass(frozen=True, slots=True)
class GroupInput:
    """A group of items, in display order."""

    key: int | str
    items: Sequence[ItemInput]


@dataclass(frozen=True, slots=True)
class MilestoneResult:
    """The computed view of one milestone at the as-of date."""

    key: int | str
    status: Status
    reported_status: Status
    progress: float
    overdue: bool
    due: date
    completed_on: date | None = None
    completed_on_exact: bool = True
    timeliness: Timeliness = Timeliness.NOT_DONE
    # Close-out as it stood then (tracker.domain.close_out), and whether it is done but not
    # yet closed out (counted apart from done, progress 100).
    close_out: str | None = None
    awaiting_close_out: bool = False


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The computed view of one item: progress against what elapsed time expects."""

    key: int | str
    progress: float
    expected: float
    behind: bool
    status: Status
    milestones: tuple[MilestoneResult, ...]

    @property
    def awaiting_close_out(self) -> bool:
        """Done, with at least one milestone not yet closed out (已完成待销号)."""
        return self.status is Status.DONE and any(m.awaiting_close_out for m in self.milestones)


@dataclass(frozen=True, slots=True)
class Summary:
    """Progress of a group or of the plan, with items counted by computed status.

    A done item with a milestone awaiting close-out is counted in ``awaiting_close_out``
    instead of ``status_counts[DONE]``: the board counts closed-out work as done and shows
    the rest beside it.
    """

    progress: float
    expected: float
    behind: bool
    status: Status
    status_counts: dict[Status, int] = field(default_factory=dict)
    awaiting_close_out: int = 0

    @property
    def item_count(self) -> int:
        """How many items the summary covers."""
        return sum(self.status_counts.values()) + self.awaiting_close_out

    @property
    def late_count(self) -> int:
        """How many of its items are delayed (滞后).

        The summary's status weighs progress against expectation, so a group can read on
        track while most of its items are late; wherever any item is late, the count is
        what the board shows instead of that average.
        """
        return self.status_counts.get(Status.DELAYED, 0)


@dataclass(frozen=True, slots=True)
class GroupResult:
    """A group's summary and its items' results, in input order."""

    key: int | str
    summary: Summary
    items: tuple[ItemResult, ...]


@dataclass(frozen=True, slots=True)
class PlanResult:
    """Everything the board needs about progress at one date."""

    as_of: date
    summary: Summary
    groups: tuple[GroupResult, ...]
    # By computed status; done ones awaiting close-out are left out of DONE and counted in
    # ``milestones_awaiting_close_out``.
    milestone_counts: dict[Status, int]
    milestones_awaiting_close_out: int = 0

    @property
    def milestone_total(self) -> int:
        """How many milestones the plan has at the as-of date."""
        return sum(self.milestone_counts.values()) + self.milestones_awaiting_close_out

    def item(self, key: int | str) -> ItemResult:
        """The result for one item, by the key the caller gave it."""
        for group in self.groups:
            for item in group.items:
                if item.key == key:
                    return item
        raise KeyError(key)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    """Mean of ``(value, weight)`` pairs; 0 when there is no weight at all."""
    total = 0.0
    weights = 0.0
    for value, weight in pairs:
        total += value * weight
        weights += weight
    return total / weights if weights > 0 else 0.0


def roll_up_milestone(milestone: MilestoneInput, as_of: date) -> MilestoneResult:
    """Compute one milestone's status and progress at ``as_of``."""
    return MilestoneResult(
        key=milestone.key,
        status=milestone_status(milestone.state, as_of),
        reported_status=milestone.state.reported_status,
        progress=milestone_progress(milestone.state, as_of),
        overdue=is_overdue(milestone.state, as_of),
        due=milestone.state.due,
        completed_on=milestone.state.completed_on,
        completed_on_exact=milestone.state.completed_on_exact,
        timeliness=timeliness(milestone.state, as_of),
        close_out=milestone.state.close_out,
        awaiting_close_out=awaits_close_out(milestone.state, as_of),
    )


def item_status(
    milestones: Sequence[MilestoneResult], progress: float, behind: bool, overdue: bool
) -> Status:
    """An item's status from its milestones, in order of what leadership must see first.

    Done when every milestone is done; delayed when any milestone is delayed or the item is
    past its own due date; at risk when a milestone is reported at risk or progress trails
    elapsed time; not started while nothing has moved; otherwise on track.
    """
    statuses = [m.status for m in milestones]
    if statuses and all(s is Status.DONE for s in statuses):
        return Status.DONE
    if overdue or Status.DELAYED in statuses:
        return Status.DELAYED
    if behind or Status.AT_RISK in statuses:
        return Status.AT_RISK
    if progress == 0 and all(s is Status.NOT_STARTED for s in statuses):
        return Status.NOT_STARTED
    return Status.ON_TRACK


def roll_up_item(item: ItemInput, as_of: date, margin: float = DEFAULT_MARGIN) -> ItemResult:
    """Compute one item: weighted milestone progress, expected progress and status."""
    milestones = tuple(roll_up_milestone(m, as_of) for m in item.milestones)
    progress = weighted_mean(
        (result.progress, m.state.weight)
        for result, m in zip(milestones, item.milestones, strict=True)
    )
    expected = expected_progress(item.start, item.due, as_of)
    behind = is_behind(progress, expected, margin)
    all_done = bool(milestones) and all(m.status is Status.DONE for m in milestones)
    overdue = item.due < as_of and not all_done
    status = item_status(milestones, progress, behind, overdue)
    return ItemResult(
        key=item.key,
        progress=progress,
        expected=expected,
        behind=behind and status is not Status.DONE,
        status=status,
        milestones=milestones,
    )


def summarize(
    results: Sequence[ItemResult], weights: Sequence[float], margin: float = DEFAULT_MARGIN
) -> Summary:
    """Summarize items into a group or plan figure, weighting each item by its weight.

    The status of a whole group is judged on progress against expectation rather than on its
    worst item, which the counts already show: one late item does not make a section late.
    Trailing by more than the margin is at risk; by more than twice the margin, delayed.
    """
    progress = weighted_mean(zip((r.progress for r in results), weights, strict=True))
    expected = weighted_mean(zip((r.expected for r in results), weights, strict=True))
    counts = dict.fromkeys(Status, 0)
    awaiting = 0
    for result in results:
        counts[result.status] += 1
        awaiting += result.awaiting_close_out
    behind = is_behind(progress, expected, margin)
    if results and counts[Status.DONE] == len(results):
        status = Status.DONE
    elif results and counts[Status.NOT_STARTED] == len(results):
        status = Status.NOT_STARTED
    elif expected - progress > 2 * margin:
        status = Status.DELAYED
    elif behind:
        status = Status.AT_RISK
    else:
        status = Status.ON_TRACK
    return Summary(
        progress=progress,
        expected=expected,
        behind=behind and status is not Status.DONE,
        status=status,
        status_counts={**counts, Status.DONE: counts[Status.DONE] - awaiting},
        awaiting_close_out=awaiting,
    )


def roll_up(
    groups: Sequence[GroupInput], as_of: date, margin: float = DEFAULT_MARGIN
) -> PlanResult:
    """Compute the whole plan at ``as_of``: every milestone, item, group and the plan once."""
    group_results: list[GroupResult] = []
    all_items: list[ItemResult] = []
    all_weights: list[float] = []
    milestone_counts = dict.fromkeys(Status, 0)
    awaiting = 0
    for group in groups:
        items = tuple(roll_up_item(item, as_of, margin) for item in group.items)
        weights = [item.weight for item in group.items]
        for result in items:
            for milestone in result.milestones:
                if milestone.awaiting_close_out:
                    awaiting += 1
                else:
                    milestone_counts[milestone.status] += 1
        group_results.append(
            GroupResult(key=group.key, summary=summarize(items, weights, margin), items=items)
        )
        all_items.extend(items)
        all_weights.extend(weights)
    return PlanResult(
        as_of=as_of,
        summary=summarize(all_items, all_weights, margin),
        groups=tuple(group_results),
        milestone_counts=milestone_counts,
        milestones_awaiting_close_out=awaiting,
    )
