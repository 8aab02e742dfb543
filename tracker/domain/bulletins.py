"""The monthly supervision bulletin (督办通报): which month, which issue, and what changed.

The coordinating office writes one bulletin a month from the board as it stood at the month's
last day. This module holds the rules that need no database: reading the month a user typed,
whether a plan can have a bulletin for it, the issue number (期) in its title, and the
figures that changed between two bulletins of one month.

The issue number is the month's number (June is 第6期). The title carries the year
(``2021年第6期``), so the number only needs to be unique within a year, and the month's own
number is: it is what the office's example (2021年第6期 for June 2021) shows, it does not change
when a plan's start date is revised or a month is skipped, and a reader knows the month from
it. Counting months from the plan's start would call June 2021 第18期 in a plan that started
in January 2020, against the office's own numbering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

BULLETIN_LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# A figure a bulletin states: a count, a percentage (one decimal) or a status.
Figure = int | float | str


class BulletinProblem(StrEnum):
    """Why a bulletin cannot be written for what was asked."""

    MONTH_MALFORMED = "bulletin_month_malformed"
    MONTH_OUTSIDE_PLAN = "bulletin_month_outside_plan"
    MONTH_NOT_BEGUN = "bulletin_month_not_begun"
    LANGUAGE_UNKNOWN = "bulletin_language_unknown"


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month, as ``2021-06``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``YYYY-MM`` (``2021-06``); anything else raises ValueError."""
        found = _MONTH.match(text.strip()) if text.isascii() else None
        if found is None:
            raise ValueError(text)
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12 or year < 1900:
            raise ValueError(text)
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        """The month's last day: the day its bulletin's figures are rolled up at."""
        return self.next.first - timedelta(days=1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def issue_number(month: Month) -> int:
    """The bulletin's 期 within its year: the month's number (see the module's note)."""
    return month.month


def month_problems(
    month: Month, *, plan_start: date, plan_end: date, today: date
) -> list[BulletinProblem]:
    """What stands against a bulletin of ``month`` for a plan running ``plan_start`` to
    ``plan_end`` (empty when nothing does): the month must overlap the plan's period and must
    have begun.
    """
    if month.last < plan_start or month.first > plan_end:
        return [BulletinProblem.MONTH_OUTSIDE_PLAN]
    if month.first > today:
        return [BulletinProblem.MONTH_NOT_BEGUN]
    return []


def language_problems(language: str) -> list[BulletinProblem]:
    """An unknown language (only ``zh`` and ``en`` are written)."""
    return [] if language in BULLETIN_LANGUAGES else [BulletinProblem.LANGUAGE_UNKNOWN]


def as_of_day(month: Month, today: date) -> date:
    """The day the bulletin's figures are rolled up at: the month's last day, or today while
    the month is not over (a bulletin of the current month reports the board to date).
    """
    return min(month.last, today)


@dataclass(frozen=True, slots=True)
class FigureChange:
    """One figure of a bulletin that differs from the previous bulletin of the same month.

    ``before`` is None for a figure the previous bulletin did not state (a milestone added
    since), ``after`` None for one it no longer states.
    """

    key: str
    before: Figure | None
    after: Figure | None


def figure_changes(before: Mapping[str, Figure], after: Mapping[str, Figure]) -> list[FigureChange]:
    """The figures that differ, in the order the new bulletin states them (then the ones it
    dropped, in the old order)."""
    changes = [
        FigureChange(key, before.get(key), value)
        for key, value in after.items()
        if before.get(key) != value
    ]
    changes += [FigureChange(key, value, None) for key, value in before.items() if key not in after]
    return changes
