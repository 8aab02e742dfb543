"""Reading the values offices write into a 任务分解表: date phrases, department names, headers.

An office's table is typed by hand. Deadlines are phrases (``2021年6月底``, ``年底前``,
``长期坚持``), departments are names with or without the district prefix, several to a cell,
and column headings carry stars, brackets and spaces. Each function here turns one such value
into what the plan needs, or says it cannot (None / ``ValueError``); the caller names the place.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

# What a cell holds once read: text, a number, a day, a truth value, or nothing.
CellValue = str | int | float | bool | date | None

# Deadlines that mean "as long as the plan runs" (常态化 work): the plan's end date.
ONGOING_PHRASES = ("长期坚持", "持续推进", "长期推进", "常态化推进", "长期", "持续", "常态化")
# Words around a deadline that do not change it: 前 ("by"), 以前/之前, 完成 ("done by").
_TRAILING = re.compile(r"(以前|之前|前|完成|止)+$")
_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(底|末|份|中旬|下旬)?$")
_MONTH_NO_YEAR = re.compile(r"^(\d{1,2})\s*月\s*(底|末|份)?$")
_YEAR = re.compile(r"^(\d{4})\s*年?\s*(年底|年末|底|末|内|全年|12月底)?$")
_HALF = re.compile(r"^(\d{4})?\s*年?\s*(上半年|下半年)(底|末)?$")
_QUARTER = re.compile(r"^(\d{4})?\s*年?\s*(?:第)?\s*([一二三四1-4])\s*季度(末|底)?$")
_THIS_YEAR = re.compile(r"^(今年|本年|当年)?\s*(年底|年末|年内|底|年中)$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}
YEAR_RANGE = (2000, 2100)


@dataclass(frozen=True)
class DateContext:
    """What a date phrase needs besides itself.

    ``year`` is the year a phrase without one means (the year the plan was issued), ``end``
    the plan's end date (for 长期坚持). ``period_end`` says whether a month or year means its
    last day (deadlines) or its first day (start dates).
    """

    year: int | None
    end: date | None
    period_end: bool = True


def _month_bound(year: int, month: int, period_end: bool) -> date:
    if period_end:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1)


def _checked_year(year: int) -> int:
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ValueError(f"year {year} is outside {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    return year


def _month_date(year: int, month: int, period_end: bool) -> date:
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} does not exist")
    return _month_bound(_checked_year(year), month, period_end)


def parse_sheet_date(value: CellValue, context: DateContext) -> date:
    """A deadline or start date as an office writes it; ``ValueError`` when it is not one.

    Understood: real Excel dates; ``2021-06-30``, ``2021/6/30``, ``2021.6.30``, ``2021年6月30日``
    (that day); ``2021年6月``, ``2021年6月底``, ``2021.6``, ``2021/6``, ``2021-06`` (the month's
    last day, or first for a start date); ``2021年``, ``2021年底``, ``2021年年底``, ``2021年内``
    (31 December); ``2022年上半年`` (30 June), ``下半年`` (31 December); ``2021年第三季度`` (the
    quarter's last day); without a year (``年底前``, ``6月底``) the year of ``context.year``;
    ``长期坚持``, ``持续推进``, ``常态化`` (the plan's end). A trailing 前 or 完成 changes nothing.
    A number typed as ``2021.6`` (which Excel stores as 2021.6) is June; 2021.1 is refused,
    because 2021.10 is stored the same way.
    """
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return _number_date(value, context)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a date")
    return _text_date(value, context)


def _number_date(value: float, context: DateContext) -> date:
    """``2021`` or ``2021.6`` typed into a cell Excel keeps as a number."""
    if isinstance(value, int) or float(value).is_integer():
        year = _checked_year(int(value))
        return date(year, 12, 31) if context.period_end else date(year, 1, 1)
    text = f"{value:.2f}".rstrip("0")
    year_text, _, month_text = text.partition(".")
    if month_text == "1":
        raise ValueError("ambiguous: January or October? write 2021年10月 or 2021-10-31")
    return _month_date(int(year_text), int(month_text), context.period_end)


def _text_date(value: str, context: DateContext) -> date:
    text = unicodedata.normalize("NFKC", value)
    text = re.sub(r"\s+", "", text)
    if text.removesuffix("前") in ONGOING_PHRASES:
        if context.end is None:
            raise ValueError("an ongoing deadline needs the plan's end date")
        return context.end
    text = _TRAILING.sub("", text) or text
    if match := _FULL.match(text):
        year, month, day = (int(group) for group in match.groups())
        _checked_year(year)
        return date(year, month, day)
    if match := _MONTH.match(text):
        return _month_date(int(match[1]), int(match[2]), context.period_end)
    if match := _YEAR.match(text):
        year = _checked_year(int(match[1]))
        return date(year, 12, 31) if context.period_end else date(year, 1, 1)
    if match := _HALF.match(text):
        year = int(match[1]) if match[1] else _context_year(context)
        first_half = match[2] == "上半年"
        if context.period_end:
            return _month_date(year, 6 if first_half else 12, True)
        return _month_date(year, 1 if first_half else 7, False)
    if match := _QUARTER.match(text):
        year = int(match[1]) if match[1] else _context_year(context)
        quarter = _CHINESE_DIGITS.get(match[2]) or int(match[2])
        month = quarter * 3 if context.period_end else quarter * 3 - 2
        return _month_date(year, month, context.period_end)
    if match := _MONTH_NO_YEAR.match(text):
        return _month_date(_context_year(context), int(match[1]), context.period_end)
    if match := _THIS_YEAR.match(text):
        year = _context_year(context)
        if match[2] == "年中":
            return _month_date(year, 6, context.period_end)
        return date(year, 12, 31) if context.period_end else date(year, 1, 1)
    raise ValueError("not a date")


# "By" a day: 2020-09-25前 as a completion date says done by then, not on that day.
_BY_SUFFIX = re.compile(r"(以前|之前|前)$")


def _phrase(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def names_a_day(value: CellValue) -> bool:
    """Whether a cell names one exact day: an Excel date, ``2020-09-25``, ``2020年9月25日``.

    Not a period (``2020年9月``, ``2020年底``) nor a day with 前 (``2020-09-25前``: done *by*
    then); a completion date given so is known only as "done by" the day it reads as.
    """
    if isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    text = _phrase(value)
    return not _BY_SUFFIX.search(text) and bool(_FULL.match(text))


def date_precision(value: CellValue) -> str:
    """How much of a date a cell gives: ``year`` (``2019年``, ``2019``), ``month``
    (``2019年6月``, ``2019-06``) or ``day`` (anything else that reads as a date).
    """
    if isinstance(value, bool | date):
        return "day"
    if isinstance(value, int | float):
        return "year" if float(value).is_integer() else "month"
    if not isinstance(value, str):
        return "day"
    text = _phrase(value)
    if (match := _YEAR.match(text)) and not match[2]:
        return "year"
    if (match := _MONTH.match(text)) and not match[3]:
        return "month"
    return "day"


def _context_year(context: DateContext) -> int:
    if context.year is None:
        raise ValueError("a date without a year needs the plan's report date")
    return context.year


# Department names: the district's prefixes are dropped before comparing, so 市南区科技局,
# 区科技局 and 科技局 are one department.
DEPARTMENT_PREFIXES = ("青岛市市南区", "市南区", "区")
DEPARTMENT_SEPARATORS = re.compile(r"[、，,;；/／\n\r|]+")


def name_key(name: str) -> str:
    """A name as compared: full-width forms folded, spaces removed, English in lower case."""
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", text).lower()


def department_key(name: str) -> str:
    """A department name as compared: :func:`name_key` without the district prefix."""
    key = name_key(name)
    for prefix in DEPARTMENT_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def split_departments(value: str) -> list[str]:
    """The names in a 牵头单位 or 配合单位 cell, in order (、，,;；/ and line breaks separate)."""
    return [part.strip() for part in DEPARTMENT_SEPARATORS.split(value) if part.strip()]


@dataclass(frozen=True)
class DepartmentName:
    """One way a department can be named: its code, its names, or a short name (简称)."""

    code: str
    names: tuple[str, ...]


class DepartmentIndex:
    """Finds departments by code, Chinese or English name, or short name; never guesses.

    A name that fits two departments is ambiguous and answers both, so the caller reports it.
    """

    def __init__(self, departments: Iterable[DepartmentName]) -> None:
        self._by_key: dict[str, set[str]] = {}
        for department in departments:
            self._add(department.code.lower(), department.code)
            for name in department.names:
                if name and name.strip():
                    self._add(department_key(name), department.code)

    def _add(self, key: str, code: str) -> None:
        self._by_key.setdefault(key, set()).add(code)

    def find(self, name: str) -> list[str]:
        """The codes the name may mean: one when found, none when unknown, more when ambiguous."""
        key = department_key(name)
        codes = self._by_key.get(key) or self._by_key.get(name_key(name)) or set()
        return sorted(codes)


def header_key(header: CellValue) -> str:
    """A column heading as compared: without ``*`` marks, bracketed notes and spaces.

    ``完成时限*``, ``＊完成时限``, ``完成时限（必填）`` and `` 完成 时限 `` all read 完成时限.
    """
    if header is None or isinstance(header, bool):
        return ""
    text = unicodedata.normalize("NFKC", str(header))
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", text)
    text = text.replace("*", "").replace("※", "")
    return re.sub(r"\s+", "", text).lower()


def cell_text(value: CellValue) -> str:
    """A cell as text, without the spaces around it ("" for an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        value = value.date()
    return str(value).strip()


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "样例", "sample"}
_FALSE = {"否", "n", "no", "false", "0", "×", ""}


def parse_flag(value: CellValue) -> bool:
    """是/否, yes/no, true/false, 1/0, ✓ — ``ValueError`` for anything else."""
    if isinstance(value, bool):
        return value
    key = name_key(cell_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("expected 是 or 否")


def parse_progress(value: CellValue) -> int:
    """A progress figure: 45, ``45%`` or ``45％`` — whole percent; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError("expected a whole number from 0 to 100")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = name_key(cell_text(value)).removesuffix("%")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected a whole number from 0 to 100") from None
    if not number.is_integer():
        raise ValueError("expected a whole number from 0 to 100")
    return int(number)


def parse_number(value: CellValue) -> float:
    """A number, also when typed as text with thousands separators (``1,300``)."""
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float):
        return float(value)
    text = name_key(cell_text(value)).replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError("expected a number") from None


def first_match(candidates: Sequence[str], wanted: Iterable[str]) -> str | None:
    """The first of ``wanted`` (heading keys) present among ``candidates``."""
    present = set(candidates)
    return next((key for key in wanted if key in present), None)
