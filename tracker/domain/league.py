"""The department table offices are judged by: what each owns, finishes, and lets slip."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.domain.status import Status, Timeliness


@dataclass(frozen=True, slots=True)
class OwnedMilestone:
    """A milestone as the table needs it, computed at the as-of day.

    ``timeliness`` comes from :func:`tracker.domain.status.timeliness`, the one on-time rule.
    """

    department_id: int
    status: Status
    timeliness: Timeliness
    overdue: bool
    stale: bool


@dataclass(frozen=True, slots=True)
class DepartmentScore:
    department_id: int
    owned: int
    done: int
    done_on_time: int
    overdue: int
    stale: int
    done_date_unknown: int = 0

    @property
    def on_time_rate(self) -> float | None:
        """Share of the milestones that have come due which were done by their due date.

        Those done on time, over those done plus those overdue; ``None`` while nothing has
        come due, so a new department is not shown as failing. Milestones done on a day
        nobody stated (``done_date_unknown``) are left out of both.
        """
        judged = self.done - self.done_date_unknown + self.overdue
        return self.done_on_time / judged if judged else None


def score_departments(milestones: Iterable[OwnedMilestone]) -> dict[int, DepartmentScore]:
    """One score per department that owns at least one milestone."""
    counts: dict[int, list[int]] = {}
    for m in milestones:
        c = counts.setdefault(m.department_id, [0, 0, 0, 0, 0, 0])
        c[0] += 1
        if m.status is Status.DONE:
            c[1] += 1
            c[2] += m.timeliness is Timeliness.ON_TIME
            c[5] += m.timeliness is Timeliness.DATE_UNKNOWN
        if m.overdue:
            c[3] += 1
        if m.stale:
            c[4] += 1
    return {
        department_id: DepartmentScore(department_id, *values)
        for department_id, values in counts.items()
    }


SORT_KEYS = ("owned", "done", "done_on_time", "overdue", "stale", "on_time_rate")


def sort_scores(
    scores: Iterable[DepartmentScore], key: str, *, descending: bool
) -> list[DepartmentScore]:
    """Sort by a column; departments with no rate yet always come last."""
    if key not in SORT_KEYS:
        key = "on_time_rate"
    present = [s for s in scores if getattr(s, key) is not None]
    missing = [s for s in scores if getattr(s, key) is None]
    present.sort(key=lambda s: (getattr(s, key), -s.department_id), reverse=descending)
    return present + missing
