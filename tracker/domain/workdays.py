"""Working days (工作日): weekends and public holidays off, make-up working days (调休上班) on.

Chinese public holidays move every year and are paid back by working a Saturday or Sunday
nearby, so "within 3 working days" cannot be counted from the weekday alone: the calendar is
data an admin loads (:class:`CalendarEntry` rows, checked by :func:`parse_calendar_csv`), and
the rules here only read it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tracker.domain.dates import EARLIEST, LATEST

NAME_MAX = 60
# A calendar file is a few dozen lines a year; anything far larger is not one.
MAX_LINES = 5000


class DayKind(StrEnum):
    """What a listed day is: a day off on a weekday, or a worked weekend day."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The days that differ from the plain week: holidays off, make-up working days on."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        """A make-up working day is worked; a holiday is not; otherwise Monday to Friday."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days come after ``start`` up to and including ``end``.

        The day something arrives is not counted (it may arrive late in the evening), so an
        answer on the next working day is one working day late. Zero when ``end`` is not after
        ``start``.
        """
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself when ``n`` is 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        found = 0
        while found < n:
            day += timedelta(days=1)
            found += self.is_working_day(day)
        return day


def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    return calendar.is_working_day(day)


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    return calendar.working_days_between(start, end)


def add_working_days(calendar: WorkCalendar, day: date, n: int) -> date:
    return calendar.add_working_days(day, n)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One line of a calendar file: a day, what it is, and the holiday it belongs to."""

    day: date
    kind: DayKind
    name: str


class CalendarProblem(StrEnum):
    """Why a calendar file is refused; ``line`` in the refusal names where."""

    EMPTY = "calendar_empty"
    HEADER = "calendar_header"
    FIELDS = "calendar_fields"
    DATE = "calendar_date"
    KIND = "calendar_kind"
    NAME = "calendar_name"
    DUPLICATE = "calendar_duplicate"
    WEEKDAY_WORKDAY = "calendar_weekday_workday"
    TOO_LONG = "calendar_too_long"
    ENCODING = "calendar_encoding"


HEADER = ("date", "kind", "name")


@dataclass(frozen=True, slots=True)
class CalendarError:
    """The first thing wrong with a file, and on which line (1 is the header)."""

    problem: CalendarProblem
    line: int


def parse_calendar_csv(data: bytes) -> list[CalendarEntry] | CalendarError:
    """Read a calendar file ``date,kind,name`` (UTF-8, a header line, ``#`` comments).

    The whole file is checked before anything is kept: a file with one bad line is refused
    as a whole, naming that line, so a calendar is never half loaded.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CalendarError(CalendarProblem.ENCODING, 0)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        return CalendarError(CalendarProblem.TOO_LONG, MAX_LINES + 1)
    entries: list[CalendarEntry] = []
    seen: set[date] = set()
    header_seen = False
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in row]
        if not header_seen:
            if tuple(c.lower() for c in cells) != HEADER:
                return CalendarError(CalendarProblem.HEADER, number)
            header_seen = True
            continue
        entry = _entry(cells, number)
        if isinstance(entry, CalendarError):
            return entry
        if entry.day in seen:
            return CalendarError(CalendarProblem.DUPLICATE, number)
        seen.add(entry.day)
        entries.append(entry)
    if not entries:
        return CalendarError(CalendarProblem.EMPTY, 0)
    return entries


def _entry(cells: list[str], number: int) -> CalendarEntry | CalendarError:
    """One data line, or what is wrong with it."""
    if len(cells) != len(HEADER):
        return CalendarError(CalendarProblem.FIELDS, number)
    raw_day, raw_kind, name = cells
    try:
        day = date.fromisoformat(raw_day) if len(raw_day) == 10 else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= LATEST:
        return CalendarError(CalendarProblem.DATE, number)
    if raw_kind not in {k.value for k in DayKind}:
        return CalendarError(CalendarProblem.KIND, number)
    if not name or len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        return CalendarError(CalendarProblem.NAME, number)
    kind = DayKind(raw_kind)
    if kind is DayKind.WORKDAY and day.weekday() < 5:
        return CalendarError(CalendarProblem.WEEKDAY_WORKDAY, number)
    return CalendarEntry(day, kind, name)


def calendar_of(entries: list[CalendarEntry]) -> WorkCalendar:
    """The calendar the entries describe."""
    return WorkCalendar(
        holidays=frozenset(e.day for e in entries if e.kind is DayKind.HOLIDAY),
        workdays=frozenset(e.day for e in entries if e.kind is DayKind.WORKDAY),
    )
