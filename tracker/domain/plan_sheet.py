"""Reading an office's 任务分解表 (the plan template) into a validated plan.

Pure: the caller hands over each sheet as plain rows of cell values with its merged ranges,
and the departments the tracker knows. The sheets are read as offices fill them (merged
cells, date phrases, department names with or without the district prefix, blank cells
meaning "same as above"); every problem is collected with its sheet, row and column, and
raised together as one :class:`PlanSheetError`. What comes out is built in the shape of a
plan file and passed through :func:`~tracker.domain.planfile.read_plan_data`, so a plan from a
spreadsheet meets exactly the rules of a plan from YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from tracker.domain.plan_sheet_layout import (
    DEFAULT_GROUP,
    DEPARTMENT_COLUMNS,
    DEPARTMENT_SHEET,
    ENTRY_WORDS,
    FACT_COLUMNS,
    FACT_SHEET,
    GROUP_COLUMNS,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    ITEM_COLUMNS,
    KIND_WORDS,
    MAIN_COLUMNS,
    MAIN_SHEET,
    PLAN_FIELDS,
    PLAN_SHEET,
    SHEET_ALIASES,
    SOURCE_WORDS,
    STATUS_WORDS,
    Column,
)
from tracker.domain.planfile import (
    DEPARTMENT_NAME_MAX,
    NAME_MAX,
    TITLE_MAX,
    UNIT_MAX,
    DepartmentSpec,
    PlanFileError,
    PlanSpec,
    Text,
    as_code,
    as_progress,
    as_weight,
    fact_date_text,
    read_plan_data,
)
from tracker.domain.sheet_values import (
    CellValue,
    DateContext,
    DepartmentIndex,
    DepartmentName,
    cell_text,
    date_precision,
    header_key,
    name_key,
    names_a_day,
    parse_flag,
    parse_number,
    parse_progress,
    parse_sheet_date,
    split_departments,
)

HEADER_SEARCH_ROWS = 10
_NUMBERING = re.compile(r"^[(（]?[一二三四五六七八九十百\d]+[)）、.．]\s*")


class SheetProblemKind(StrEnum):
    """What can be wrong with a workbook; :mod:`tracker.messages` words each one."""

    NOT_A_WORKBOOK = "not_a_workbook"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    SHEET_MISSING = "sheet_missing"
    COLUMN_MISSING = "column_missing"
    NO_ROWS = "no_rows"
    REQUIRED = "required"
    BAD_DATE = "bad_date"
    DATE_OUTSIDE_PLAN = "date_outside_plan"
    DATE_BEFORE_START = "date_before_start"
    START_AFTER_END = "start_after_end"
    UNKNOWN_DEPARTMENT = "unknown_department"
    AMBIGUOUS_DEPARTMENT = "ambiguous_department"
    ONE_DEPARTMENT = "one_department"
    BAD_CODE = "bad_code"
    DUPLICATE_CODE = "duplicate_code"
    DUPLICATE_DATE = "duplicate_date"
    BAD_NUMBER = "bad_number"
    BAD_WEIGHT = "bad_weight"
    BAD_PROGRESS = "bad_progress"
    BAD_CHOICE = "bad_choice"
    BAD_FLAG = "bad_flag"
    TOO_LONG = "too_long"
    CONFLICT = "conflict"
    COMPLETION_DATE_REQUIRED = "completion_date_required"
    COMPLETION_DATE_NOT_DONE = "completion_date_not_done"
    DONE_NOT_COMPLETE = "done_not_complete"
    UNKNOWN_ITEM = "unknown_item"
    BASELINE_MISSING = "baseline_missing"
    BASELINE_REPEATED = "baseline_repeated"
    PLAN_RULE = "plan_rule"


@dataclass(frozen=True)
class SheetProblem:
    """One problem and where it is: sheet, row (as Excel numbers it) and column heading."""

    kind: SheetProblemKind
    sheet: str = ""
    row: int | None = None
    column: str | None = None
    facts: Mapping[str, object] = field(default_factory=dict)


class PlanSheetError(Exception):
    """A workbook that cannot be loaded; ``problems`` holds every reason found."""

    def __init__(self, filename: str, problems: Sequence[SheetProblem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        super().__init__(f"{filename}: {len(self.problems)} problem(s)")


@dataclass(frozen=True)
class CellRange:
    """A merged range, 1-based and inclusive, as Excel and openpyxl number cells."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int


@dataclass(frozen=True)
class SheetData:
    """One sheet as plain values: rows of cells (row 1 first) and its merged ranges."""

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    merged: tuple[CellRange, ...] = ()


@dataclass
class _Row:
    """A data row of a table: its Excel row number and its cells by column key."""

    number: int
    cells: dict[str, CellValue]
    heading: str | None = None

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))


@dataclass
class _Table:
    sheet: str
    headers: dict[str, str]  # column key → the heading as the sheet writes it
    rows: list[_Row]


@dataclass
class _Entry:
    """Rows that make one group, item or indicator: first-written values win, with their row."""

    title: str
    first_row: int
    values: dict[str, tuple[CellValue, int]] = field(default_factory=dict)
    rows: list[_Row] = field(default_factory=list)
    children: dict[str, _Entry] = field(default_factory=dict)
    code: str = ""


def _fill_merged(sheet: SheetData) -> list[list[CellValue]]:
    """Every cell of a merged range holds the range's value, as the office reads it."""
    height = max([len(sheet.rows), *(m.last_row for m in sheet.merged)])
    width = max([0, *(len(r) for r in sheet.rows), *(m.last_column for m in sheet.merged)])
    grid = [list(row) + [None] * (width - len(row)) for row in sheet.rows]
    grid += [[None] * width for _ in range(height - len(grid))]
    for merged in sheet.merged:
        value = grid[merged.first_row - 1][merged.first_column - 1]
        for r in range(merged.first_row - 1, merged.last_row):
            for c in range(merged.first_column - 1, merged.last_column):
                grid[r][c] = value
    return grid


def _sheet_key(name: str) -> str:
    return header_key(name)


class _Reader:
    """One reading of one workbook: the problems found so far and what is known."""

    def __init__(self, sheets: Sequence[SheetData], known: Sequence[DepartmentSpec]) -> None:
        self.sheets = {_sheet_key(s.name): s for s in sheets}
        self.problems: list[SheetProblem] = []
        self.known = {d.code: d for d in known}
        self.declared: dict[str, DepartmentSpec] = {}
        self.aliases: dict[str, tuple[str, ...]] = {}
        self.used_departments: set[str] = set()
        self.index = DepartmentIndex(())
        self.context = DateContext(year=None, end=None)
        self.plan_start: date | None = None
        self.plan_end: date | None = None
        self.item_refs: dict[str, str] = {}
        self.item_data: dict[str, dict[str, Any]] = {}
        self.item_paths: dict[str, str] = {}
        self.places: dict[str, tuple[str, int]] = {}

    def problem(
        self,
        kind: SheetProblemKind,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        **facts: object,
    ) -> None:
        self.problems.append(SheetProblem(kind, sheet, row, column, facts))

    def sheet(self, name: str, *, required: bool) -> SheetData | None:
        for alias in SHEET_ALIASES[name]:
            if (found := self.sheets.get(_sheet_key(alias))) is not None:
                return found
        if required:
            self.problem(SheetProblemKind.SHEET_MISSING, name)
        return None

    # -- tables ------------------------------------------------------------------------

    def table(self, name: str, columns: Sequence[Column], *, required: bool) -> _Table | None:
        """The sheet's rows by column key, after its heading row (found among the first rows)."""
        sheet = self.sheet(name, required=required)
        if sheet is None:
            return None
        grid = _fill_merged(sheet)
        located = _locate_headings(grid, columns)
        if located is None:
            for column in columns:
                if column.required:
                    self.problem(SheetProblemKind.COLUMN_MISSING, name, column=column.header)
            return None
        header_index, positions = located
        missing = [c for c in columns if c.required and c.key not in positions]
        for column in missing:
            self.problem(SheetProblemKind.COLUMN_MISSING, name, column=column.header)
        headers = {key: cell_text(grid[header_index][c]) for key, c in positions.items()}
        rows = []
        for offset, raw in enumerate(grid[header_index + 1 :]):
            number = header_index + offset + 2
            values = [v for v in raw if cell_text(v)]
            if not values:
                continue
            cells = {key: raw[c] for key, c in positions.items()}
            distinct = {cell_text(v) for v in values}
            heading = distinct.pop() if len(distinct) == 1 and len(values) >= 2 else None
            rows.append(_Row(number, cells, heading))
        return _Table(name, headers, rows) if not missing else None

    def text_of(self, table: _Table, row: _Row, key: str, limit: int | None = None) -> str:
        """A text cell; too long a text is a problem (the database column would refuse it)."""
        text = row.text(key)
        if limit is not None and len(text) > limit:
            self.problem(
                SheetProblemKind.TOO_LONG,
                table.sheet,
                row.number,
                table.headers.get(key, key),
                length=len(text),
                max=limit,
            )
        return text

    def convert(  # noqa: PLR0917  (a cell's place, its value, and how to read it)
        self,
        table: _Table,
        row: int,
        key: str,
        value: CellValue,
        convert: Callable[[CellValue], Any],
        kind: SheetProblemKind,
    ) -> Any:
        """``convert(value)``, or None with a problem at the cell when it refuses."""
        try:
            return convert(value)
        except (TypeError, ValueError) as error:
            self.problem(
                kind,
                table.sheet,
                row,
                table.headers.get(key, key),
                value=cell_text(value),
                detail=str(error),
            )
            return None

    def date_of(
        self, table: _Table, row: int, key: str, value: CellValue, *, period_end: bool = True
    ) -> date | None:
        context = DateContext(self.context.year, self.context.end, period_end)
        result: date | None = self.convert(
            table,
            row,
            key,
            value,
            lambda v: parse_sheet_date(v, context),
            SheetProblemKind.BAD_DATE,
        )
        return result

    def choice(
        self, table: _Table, row: int, key: str, value: CellValue, words: Mapping[str, Any]
    ) -> str | None:
        wanted = name_key(cell_text(value)).replace(" ", "")
        for code, spellings in words.items():
            if wanted in {name_key(s).replace("_", "") for s in spellings} | {code}:
                return str(code)
        self.problem(
            SheetProblemKind.BAD_CHOICE,
            table.sheet,
            row,
            table.headers.get(key, key),
            value=cell_text(value),
            choices="、".join(str(spellings[0]) for spellings in words.values()),
        )
        return None

    def departments(self, table: _Table, row: int, key: str, value: CellValue) -> list[str]:
        """The codes of the departments a cell names; every unknown name is a problem."""
        codes: list[str] = []
        for name in split_departments(cell_text(value)):
            found = self.index.find(name)
            column = table.headers.get(key, key)
            if not found:
                self.problem(
                    SheetProblemKind.UNKNOWN_DEPARTMENT, table.sheet, row, column, name=name
                )
            elif len(found) > 1:
                self.problem(
                    SheetProblemKind.AMBIGUOUS_DEPARTMENT,
                    table.sheet,
                    row,
                    column,
                    name=name,
                    codes=", ".join(found),
                )
            elif found[0] not in codes:
                codes.append(found[0])
        self.used_departments.update(codes)
        return codes


def _locate_headings(
    grid: list[list[CellValue]], columns: Sequence[Column]
) -> tuple[int, dict[str, int]] | None:
    """The heading row (the one among the first rows naming most columns) and each column."""
    lookup = {key: column.key for column in columns for key in column.keys}
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, value in enumerate(row):
            key = lookup.get(header_key(value))
            if key is not None and key not in found:
                found[key] = position
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


def read_plan_sheets(
    sheets: Sequence[SheetData],
    known_departments: Sequence[DepartmentSpec],
    *,
    code: str | None = None,
    filename: str = "",
) -> PlanSpec:
    """Read a workbook's sheets into a validated plan; raise :class:`PlanSheetError` with all.

    ``known_departments`` are those in the database: names in the table are matched against
    them and against the 部门 sheet, never created from a name alone. ``code`` replaces the
    plan code of the 计划 sheet (as ``--code`` does on the command line).
    """
    reader = _Reader(sheets, known_departments)
    plan = _read_plan_sheet(reader, code)
    departments = _read_department_sheet(reader)
    groups = _read_main_sheet(reader)
    _read_fact_sheet(reader)
    indicators = _read_indicator_sheet(reader)
    if reader.problems or plan is None:
        raise PlanSheetError(filename, sorted(reader.problems, key=_reading_order))
    referenced = [
        _department_data(reader.known[c])
        for c in sorted(reader.used_departments)
        if c not in reader.declared and c in reader.known
    ]
    data = {
        "plan": plan,
        "departments": departments + referenced,
        "groups": groups,
        "indicators": indicators,
    }
    try:
        return read_plan_data(data, filename)
    except PlanFileError as error:
        raise PlanSheetError(filename, _placed(reader, error.problems)) from None


def _reading_order(problem: SheetProblem) -> tuple[bool, str, int]:
    """The 任务分解表 first, then the other sheets; top to bottom within each."""
    return (problem.sheet != MAIN_SHEET, problem.sheet, problem.row or 0)


def _placed(reader: _Reader, problems: Iterable[str]) -> list[SheetProblem]:
    """The plan-file checks' findings, placed at the sheet row the entry was read from."""
    placed = []
    for text in problems:
        where, _, detail = text.partition(": ")
        path = re.sub(r" \([^)]*\)", "", where)
        while path and path not in reader.places:
            path = path.rpartition(".")[0]
        sheet, row = reader.places.get(path, (MAIN_SHEET, 0))
        placed.append(
            SheetProblem(
                SheetProblemKind.PLAN_RULE,
                sheet,
                row or None,
                None,
                {"detail": f"{where}: {detail}"},
            )
        )
    return placed


# -- the 计划 sheet -----------------------------------------------------------------------


def _read_plan_sheet(r: _Reader, code_override: str | None) -> dict[str, Any] | None:
    """The plan's header, written as label | value rows; sets the context of date phrases."""
    sheet = r.sheet(PLAN_SHEET, required=True)
    if sheet is None:
        return None
    grid = _fill_merged(sheet)
    lookup = {key: column for column in PLAN_FIELDS for key in column.keys}
    found: dict[str, tuple[CellValue, int]] = {}
    for number, row in enumerate(grid, start=1):
        filled = [v for v in row if cell_text(v)]
        column = lookup.get(header_key(filled[0])) if filled else None
        if column is not None and column.key not in found:
            found[column.key] = (filled[1] if len(filled) > 1 else None, number)
    table = _Table(PLAN_SHEET, {c.key: c.header for c in PLAN_FIELDS}, [])

    def value(key: str) -> tuple[CellValue, int]:
        return found.get(key, (None, 0))

    def text(key: str, limit: int | None = None) -> str:
        raw, number = value(key)
        result = cell_text(raw)
        if limit and len(result) > limit:
            r.problem(
                SheetProblemKind.TOO_LONG,
                PLAN_SHEET,
                number,
                table.headers[key],
                length=len(result),
                max=limit,
            )
        return result

    def day(key: str, period_end: bool) -> date | None:
        raw, number = value(key)
        if not cell_text(raw):
            return None
        return r.date_of(table, number, key, raw, period_end=period_end)

    code = code_override or text("code")
    if code_override is None and code:
        r.convert(table, value("code")[1], "code", code, as_code, SheetProblemKind.BAD_CODE)
    name = text("name", NAME_MAX[0])
    start, end = day("start", False), day("end", True)
    report_date = day("report_date", False) or start
    for key, present in (("code", code), ("name", name), ("start", start), ("end", end)):
        raw, number = value(key)
        if not present and not cell_text(raw):
            r.problem(SheetProblemKind.REQUIRED, PLAN_SHEET, number or None, table.headers[key])
    if start and end and start > end:
        r.problem(SheetProblemKind.START_AFTER_END, PLAN_SHEET, value("end")[1], "结束日期")
    r.plan_start, r.plan_end = start, end
    r.context = DateContext(report_date.year if report_date else None, end)
    source = _text_pair(text("source"), text("source_en"))
    plan: dict[str, Any] = {
        "code": code,
        "name": {"zh": name, "en": text("name_en", NAME_MAX[1]) or name},
        "start": start,
        "end": end,
        "report_date": report_date,
    }
    if source:
        plan["source"] = source
    return plan


def _text_pair(zh: str, en: str) -> dict[str, str] | None:
    """Both languages of an optional text: a missing one takes the other's words."""
    if not zh and not en:
        return None
    return {"zh": zh or en, "en": en or zh}


def _department_data(spec: DepartmentSpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": {"zh": spec.name.zh, "en": spec.name.en},
        "coordinating": spec.coordinating,
        "sample": spec.sample,
    }


# -- the 部门 sheet -----------------------------------------------------------------------


def _read_department_sheet(r: _Reader) -> list[dict[str, Any]]:
    """Departments the workbook declares (created or updated); then every name is indexed.

    A blank cell of a department the tracker knows keeps what it has (its English name, its
    flags), so a sheet listing only codes and Chinese names loses nothing.
    """
    table = r.table(DEPARTMENT_SHEET, DEPARTMENT_COLUMNS, required=False)
    declared: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in table.rows if table else []:
        assert table is not None
        code = row.text("code")
        name = r.text_of(table, row, "name", DEPARTMENT_NAME_MAX[0])
        if not code or not name:
            column = table.headers["code" if not code else "name"]
            r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, column)
            continue
        if r.convert(table, row.number, "code", code, as_code, SheetProblemKind.BAD_CODE) is None:
            continue
        if code in seen:
            r.problem(
                SheetProblemKind.DUPLICATE_CODE,
                table.sheet,
                row.number,
                table.headers["code"],
                code=code,
                first=seen[code],
            )
            continue
        seen[code] = row.number
        known = r.known.get(code)
        name_en = r.text_of(table, row, "name_en", DEPARTMENT_NAME_MAX[1])
        flags = {
            key: bool(
                r.convert(
                    table, row.number, key, row.cells[key], parse_flag, SheetProblemKind.BAD_FLAG
                )
                if row.text(key)
                else known is not None and getattr(known, key)
            )
            for key in ("coordinating", "sample")
        }
        english = name_en or (known.name.en if known else name)
        spec = DepartmentSpec(code, Text(name, english), flags["coordinating"], flags["sample"])
        r.declared[code] = spec
        r.aliases[code] = tuple(split_departments(row.text("aliases")))
        declared.append(_department_data(spec))
    names = [
        DepartmentName(code, (spec.name.zh, spec.name.en, *r.aliases.get(code, ())))
        for code, spec in {**r.known, **r.declared}.items()
    ]
    r.index = DepartmentIndex(names)
    return declared


# -- the 任务分解表 -----------------------------------------------------------------------

# Columns of the main sheet whose value belongs to the group or the item, not to the row.
_GROUP_VALUES = tuple(key for key in GROUP_COLUMNS if key != "group")
_ITEM_VALUES = tuple(key for key in ITEM_COLUMNS if key not in {"seq", "item"})


def _remember(r: _Reader, table: _Table, entry: _Entry, row: _Row, keys: Iterable[str]) -> None:
    """Keep the first value written for each key; a different one further down is a problem."""
    for key in keys:
        value = row.cells.get(key)
        if not cell_text(value):
            continue
        if key not in entry.values:
            entry.values[key] = (value, row.number)
        elif cell_text(entry.values[key][0]) != cell_text(value):
            r.problem(
                SheetProblemKind.CONFLICT,
                table.sheet,
                row.number,
                table.headers.get(key, key),
                value=cell_text(value),
                first=entry.values[key][1],
                first_value=cell_text(entry.values[key][0]),
            )


def _value(entry: _Entry, key: str) -> tuple[CellValue, int]:
    return entry.values.get(key, (None, entry.first_row))


def _group_name(text: str) -> str:
    """A group's name without the numbering offices put in front (一、 （二） 3.)."""
    return _NUMBERING.sub("", text).strip() or text


def _collect_main_rows(r: _Reader, table: _Table) -> dict[str, _Entry]:
    """Rows → groups → items. Blank 任务类别 and 重点任务 cells repeat the row above."""
    groups: dict[str, _Entry] = {}
    current_group: str | None = None
    current_item: str | None = None
    for row in table.rows:
        if row.heading is not None:
            current_group, current_item = _group_name(row.heading), None
            continue
        group_name = _group_name(row.text("group")) if row.text("group") else None
        if group_name is not None and group_name != current_group:
            current_group, current_item = group_name, None
        group_name = current_group or DEFAULT_GROUP.zh
        title = row.text("item") or current_item
        if not title:
            r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers["item"])
            continue
        current_item = title
        group = groups.setdefault(group_name, _Entry(group_name, row.number))
        _remember(r, table, group, row, _GROUP_VALUES)
        item = group.children.setdefault(name_key(title), _Entry(title, row.number))
        _remember(r, table, item, row, _ITEM_VALUES)
        item.rows.append(row)
    if not groups and not r.problems:
        r.problem(SheetProblemKind.NO_ROWS, table.sheet)
    return groups


def _assign_codes(r: _Reader, table: _Table, groups: dict[str, _Entry]) -> None:
    """Codes from the 编号 columns, else generated from positions, the same on every import.

    A group without a code is ``g1``, ``g2``…; its items take the group's letter and a number
    (A1, A2, B1…), their milestones the item's code and a number (A1-1). Generated codes skip
    codes written elsewhere in the sheet.
    """
    taken_groups = {c for g in groups.values() if (c := cell_text(_value(g, "group_code")[0]))}
    taken_items = {
        c for g in groups.values() for i in g.children.values() if (c := _item_code_text(i))
    }
    taken_milestones = {
        row.text("milestone_code")
        for g in groups.values()
        for i in g.children.values()
        for row in i.rows
        if row.text("milestone_code")
    }
    seen_items: dict[str, int] = {}
    seen_milestones: dict[str, int] = {}
    for position, group in enumerate(groups.values()):
        raw, number = _value(group, "group_code")
        group.code = _checked_code(r, table, number, "group_code", raw) or _fresh(
            "g", 1, taken_groups
        )
        letter = chr(ord("A") + position) if position < 26 else f"G{position + 1}-"
        for item_position, item in enumerate(group.children.values(), start=1):
            raw, number = _value(item, "item_code")
            code = _checked_code(r, table, number, "item_code", raw)
            item.code = code or _fresh(letter, item_position, taken_items)
            _check_unique(r, table, "item_code", item.code, number, seen_items)
            r.item_refs.setdefault(item.code, item.code)
            r.item_refs.setdefault(name_key(item.title), item.code)
            for m_position, row in enumerate(item.rows, start=1):
                code = _checked_code(
                    r, table, row.number, "milestone_code", row.cells.get("milestone_code")
                )
                if code:
                    _check_unique(r, table, "milestone_code", code, row.number, seen_milestones)
                row.cells["_code"] = code or _fresh(f"{item.code}-", m_position, taken_milestones)


def _item_code_text(item: _Entry) -> str:
    return cell_text(_value(item, "item_code")[0])


def _fresh(prefix: str, number: int, taken: set[str]) -> str:
    """``prefix + number``, counting up past codes already taken; the result is taken too."""
    while f"{prefix}{number}" in taken:
        number += 1
    code = f"{prefix}{number}"
    taken.add(code)
    return code


def _checked_code(r: _Reader, table: _Table, row: int, key: str, raw: CellValue) -> str | None:
    text = cell_text(raw)
    if not text:
        return None
    return r.convert(table, row, key, text, as_code, SheetProblemKind.BAD_CODE)  # type: ignore[no-any-return]


def _check_unique(  # noqa: PLR0917
    r: _Reader, table: _Table, key: str, code: str, row: int, seen: dict[str, int]
) -> None:
    if code in seen and seen[code] != row:
        r.problem(
            SheetProblemKind.DUPLICATE_CODE,
            table.sheet,
            row,
            table.headers.get(key, key),
            code=code,
            first=seen[code],
        )
    seen.setdefault(code, row)


def _read_main_sheet(r: _Reader) -> list[dict[str, Any]]:
    table = r.table(MAIN_SHEET, MAIN_COLUMNS, required=True)
    if table is None:
        return []
    groups = _collect_main_rows(r, table)
    _assign_codes(r, table, groups)
    result = []
    for g, group in enumerate(groups.values()):
        r.places[f"groups[{g}]"] = (MAIN_SHEET, group.first_row)
        result.append(_group_data(r, table, group, g))
    return result


def _group_data(r: _Reader, table: _Table, group: _Entry, g: int) -> dict[str, Any]:
    raw_kind, number = _value(group, "group_kind")
    kind = (
        r.choice(table, number, "group_kind", raw_kind, KIND_WORDS) if cell_text(raw_kind) else None
    )
    if len(group.title) > NAME_MAX[0]:
        r.problem(
            SheetProblemKind.TOO_LONG,
            table.sheet,
            group.first_row,
            table.headers.get("group", "任务类别"),
            length=len(group.title),
            max=NAME_MAX[0],
        )
    items = []
    for i, item in enumerate(group.children.values()):
        r.places[f"groups[{g}].items[{i}]"] = (MAIN_SHEET, item.first_row)
        r.item_paths[item.code] = f"groups[{g}].items[{i}]"
        items.append(_item_data(r, table, item, f"groups[{g}].items[{i}]"))
    return {
        "code": group.code,
        "kind": kind or _guess_kind(group.title),
        "name": {"zh": group.title, "en": cell_text(_value(group, "group_en")[0]) or group.title},
        "items": items,
    }


def _guess_kind(name: str) -> str:
    """行动 → action, 工程 or 项目 → project, anything else → task."""
    if "行动" in name:
        return "action"
    if "工程" in name or "项目" in name:
        return "project"
    return "task"


def _entry_text(r: _Reader, table: _Table, entry: _Entry, key: str, limit: int) -> str:
    raw, number = _value(entry, key)
    text = cell_text(raw)
    if len(text) > limit:
        r.problem(
            SheetProblemKind.TOO_LONG,
            table.sheet,
            number,
            table.headers.get(key, key),
            length=len(text),
            max=limit,
        )
    return text


def _item_data(r: _Reader, table: _Table, item: _Entry, where: str) -> dict[str, Any]:
    lead_raw, lead_row = _value(item, "lead")
    leads = r.departments(table, lead_row, "lead", lead_raw)
    if not cell_text(lead_raw):
        r.problem(SheetProblemKind.REQUIRED, table.sheet, lead_row, table.headers["lead"])
    lead = leads[0] if leads else None
    support_raw, support_row = _value(item, "supporting")
    supporting = [
        code
        for code in dict.fromkeys(
            leads[1:] + r.departments(table, support_row, "supporting", support_raw)
        )
        if code != lead
    ]
    start_raw, start_row = _value(item, "start")
    start = (
        r.date_of(table, start_row, "start", start_raw, period_end=False)
        if cell_text(start_raw)
        else r.plan_start
    )
    milestones = [
        _milestone_data(r, table, row, start, f"{where}.milestones[{m}]")
        for m, row in enumerate(item.rows)
    ]
    due_raw, due_row = _value(item, "item_due")
    dues = [m["due"] for m in milestones if isinstance(m.get("due"), date)]
    due = (
        r.date_of(table, due_row, "item_due", due_raw)
        if cell_text(due_raw)
        else max(dues, default=None)
    )
    if start and due and start > due:
        r.problem(
            SheetProblemKind.START_AFTER_END,
            table.sheet,
            start_row,
            table.headers.get("start", "开始时间"),
            start=start.isoformat(),
            end=due.isoformat(),
        )
    data: dict[str, Any] = {
        "code": item.code,
        "title": {
            "zh": item.title,
            "en": _entry_text(r, table, item, "item_en", TITLE_MAX[1]) or item.title,
        },
        "lead": lead,
        "supporting": supporting,
        "start": start,
        "due": due,
        "milestones": milestones,
    }
    if len(item.title) > TITLE_MAX[0]:
        r.problem(
            SheetProblemKind.TOO_LONG,
            table.sheet,
            item.first_row,
            table.headers["item"],
            length=len(item.title),
            max=TITLE_MAX[0],
        )
    description = _text_pair(
        cell_text(_value(item, "description")[0]), cell_text(_value(item, "description_en")[0])
    )
    if description:
        data["description"] = description
    weight_raw, weight_row = _value(item, "item_weight")
    if cell_text(weight_raw):
        data["weight"] = _weight(r, table, weight_row, "item_weight", weight_raw)
    sample_raw, sample_row = _value(item, "sample")
    if cell_text(sample_raw):
        data["sample"] = r.convert(
            table, sample_row, "sample", sample_raw, parse_flag, SheetProblemKind.BAD_FLAG
        )
    r.item_data[item.code] = data
    return data


def _weight(r: _Reader, table: _Table, row: int, key: str, raw: CellValue) -> float | None:
    return r.convert(  # type: ignore[no-any-return]
        table, row, key, raw, lambda v: as_weight(parse_number(v)), SheetProblemKind.BAD_WEIGHT
    )


def _milestone_data(
    r: _Reader, table: _Table, row: _Row, item_start: date | None, where: str
) -> dict[str, Any]:
    r.places[where] = (MAIN_SHEET, row.number)
    title = r.text_of(table, row, "milestone", TITLE_MAX[0])
    if not title:
        r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers["milestone"])
    data: dict[str, Any] = {
        "code": row.cells["_code"],
        "title": {"zh": title, "en": r.text_of(table, row, "milestone_en", TITLE_MAX[1]) or title},
    }
    due = _milestone_due(r, table, row, item_start)
    data["due"] = due
    departments = r.departments(table, row.number, "department", row.cells.get("department"))
    if len(departments) > 1:
        r.problem(
            SheetProblemKind.ONE_DEPARTMENT,
            table.sheet,
            row.number,
            table.headers.get("department", "责任单位"),
        )
    if departments:
        data["department"] = departments[0]
    if row.text("weight"):
        data["weight"] = _weight(r, table, row.number, "weight", row.cells["weight"])
    status = (
        r.choice(table, row.number, "status", row.cells["status"], STATUS_WORDS)
        if row.text("status")
        else "not_started"
    )
    data["status"] = status
    if row.text("progress"):
        data["progress"] = r.convert(
            table,
            row.number,
            "progress",
            row.cells["progress"],
            lambda v: as_progress(parse_progress(v)),
            SheetProblemKind.BAD_PROGRESS,
        )
    if row.text("completed_on"):
        # 2020-09-25前 (or a month) says done by then, the day not given: completed_by.
        exact = names_a_day(row.cells["completed_on"])
        data["completed_on" if exact else "completed_by"] = r.date_of(
            table, row.number, "completed_on", row.cells["completed_on"]
        )
    if row.text("source"):
        data["source"] = r.choice(table, row.number, "source", row.cells["source"], SOURCE_WORDS)
    _check_completion(r, table, row, data)
    return data


def _milestone_due(r: _Reader, table: _Table, row: _Row, item_start: date | None) -> date | None:
    if not row.text("due"):
        r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers["due"])
        return None
    due = r.date_of(table, row.number, "due", row.cells["due"])
    column = table.headers["due"]
    if due is None:
        return None
    if r.plan_start and r.plan_end and not r.plan_start <= due <= r.plan_end:
        r.problem(
            SheetProblemKind.DATE_OUTSIDE_PLAN,
            table.sheet,
            row.number,
            column,
            date=due.isoformat(),
            start=r.plan_start.isoformat(),
            end=r.plan_end.isoformat(),
        )
    elif item_start and due < item_start:
        r.problem(
            SheetProblemKind.DATE_BEFORE_START,
            table.sheet,
            row.number,
            column,
            date=due.isoformat(),
            start=item_start.isoformat(),
        )
    return due


def _check_completion(r: _Reader, table: _Table, row: _Row, data: dict[str, Any]) -> None:
    """A done milestone has its completion date and full progress; others have no date."""
    done = data.get("status") == "done"
    has_date = bool(row.text("completed_on"))
    if done and not has_date:
        r.problem(
            SheetProblemKind.COMPLETION_DATE_REQUIRED,
            table.sheet,
            row.number,
            table.headers.get("completed_on", "完成日期"),
        )
    if has_date and not done and data.get("status") is not None:
        r.problem(
            SheetProblemKind.COMPLETION_DATE_NOT_DONE,
            table.sheet,
            row.number,
            table.headers["completed_on"],
        )
    progress = data.get("progress")
    if done and progress is not None and progress != 100:
        r.problem(
            SheetProblemKind.DONE_NOT_COMPLETE,
            table.sheet,
            row.number,
            table.headers["progress"],
            progress=progress,
        )


# -- the 背景资料 and 指标 sheets -----------------------------------------------------------


def _item_ref(r: _Reader, table: _Table, row: _Row, keys: Sequence[str]) -> str | None:
    """The item a row names, by code or by title; a name no item has is a problem."""
    for key in keys:
        text = row.text(key)
        if not text:
            continue
        code = r.item_refs.get(text) or r.item_refs.get(name_key(text))
        if code is None:
            r.problem(
                SheetProblemKind.UNKNOWN_ITEM,
                table.sheet,
                row.number,
                table.headers.get(key, key),
                value=text,
            )
        return code
    return None


def _read_fact_sheet(r: _Reader) -> None:
    """Dated background facts, each added to its item in sheet order."""
    table = r.table(FACT_SHEET, FACT_COLUMNS, required=False)
    if table is None:
        return
    counts: dict[str, int] = {}
    for row in table.rows:
        code = _item_ref(r, table, row, ("item_code", "item"))
        if code is None and not row.text("item_code") and not row.text("item"):
            r.problem(
                SheetProblemKind.REQUIRED,
                table.sheet,
                row.number,
                table.headers.get("item_code", "任务编号"),
            )
        when = (
            r.date_of(table, row.number, "date", row.cells["date"], period_end=False)
            if row.text("date")
            else None
        )
        text = _text_pair(row.text("text"), row.text("text_en"))
        for key, present in (("date", row.text("date")), ("text", text)):
            if not present:
                r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers[key])
        source = (
            r.choice(table, row.number, "source", row.cells["source"], SOURCE_WORDS)
            if row.text("source")
            else "report"
        )
        if code is None or code not in r.item_data:
            continue
        facts = r.item_data[code].setdefault("facts", [])
        position = counts.get(code, 0)
        counts[code] = position + 1
        r.places[f"{r.item_paths[code]}.facts[{position}]"] = (FACT_SHEET, row.number)
        facts.append({"date": _fact_date(when, row.cells["date"]), "text": text, "source": source})


def _fact_date(when: date | None, cell: CellValue) -> date | str | None:
    """A fact's date as a plan file gives it: a day, or ``YYYY-MM`` / ``YYYY`` when the cell
    names only a month or a year (``2019年6月``, ``2019年``).
    """
    if when is None:
        return None
    precision = date_precision(cell)
    return fact_date_text(when, precision) if precision != "day" else when


def _read_indicator_sheet(r: _Reader) -> list[dict[str, Any]]:
    """Indicators: one row per baseline, target or measured value, grouped by indicator."""
    table = r.table(INDICATOR_SHEET, INDICATOR_COLUMNS, required=False)
    if table is None:
        return []
    indicators: dict[str, _Entry] = {}
    for row in table.rows:
        name = row.text("name")
        if not name:
            r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers["name"])
            continue
        key = row.text("code") or name_key(name)
        entry = indicators.setdefault(key, _Entry(name, row.number))
        _remember(r, table, entry, row, ("code", "name_en", "unit", "unit_en", "item_code"))
        entry.rows.append(row)
    taken = {c for e in indicators.values() if (c := cell_text(_value(e, "code")[0]))}
    result = []
    for position, entry in enumerate(indicators.values()):
        raw, number = _value(entry, "code")
        entry.code = _checked_code(r, table, number, "code", raw) or _fresh(
            "ind-", position + 1, taken
        )
        r.places[f"indicators[{position}]"] = (INDICATOR_SHEET, entry.first_row)
        result.append(_indicator_data(r, table, entry, position))
    return result


def _indicator_data(r: _Reader, table: _Table, entry: _Entry, position: int) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": entry.code,
        "name": {
            "zh": entry.title,
            "en": _entry_text(r, table, entry, "name_en", NAME_MAX[1]) or entry.title,
        },
    }
    unit = _text_pair(
        _entry_text(r, table, entry, "unit", UNIT_MAX[0]),
        _entry_text(r, table, entry, "unit_en", UNIT_MAX[1]),
    )
    if unit:
        data["unit"] = unit
    if cell_text(_value(entry, "item_code")[0]):
        first = next(row for row in entry.rows if row.text("item_code"))
        data["item"] = _item_ref(r, table, first, ("item_code",))
    targets: list[dict[str, Any]] = []
    measurements: list[dict[str, Any]] = []
    seen: dict[tuple[str, date], int] = {}
    for row in entry.rows:
        values = _indicator_row(r, table, row)
        if values is None:
            continue
        kind, when, number, source = values
        if kind == "baseline":
            if "baseline" in data:
                r.problem(
                    SheetProblemKind.BASELINE_REPEATED,
                    table.sheet,
                    row.number,
                    table.headers["entry"],
                    first=data["_baseline_row"],
                )
            data["baseline"] = {"value": number, "date": when}
            data["_baseline_row"] = row.number
            continue
        if when is not None and (kind, when) in seen:
            r.problem(
                SheetProblemKind.DUPLICATE_DATE,
                table.sheet,
                row.number,
                table.headers["date"],
                date=when.isoformat(),
                first=seen[(kind, when)],
            )
        if when is not None:
            seen.setdefault((kind, when), row.number)
        if kind == "target":
            r.places[f"indicators[{position}].targets[{len(targets)}]"] = (table.sheet, row.number)
            targets.append({"date": when, "value": number, "source": source or "sample"})
        else:
            r.places[f"indicators[{position}].measurements[{len(measurements)}]"] = (
                table.sheet,
                row.number,
            )
            measurement: dict[str, Any] = {
                "date": when,
                "value": number,
                "source": source or "sample",
            }
            note = _text_pair(row.text("note"), row.text("note_en"))
            if note:
                measurement["note"] = note
            measurements.append(measurement)
    if "baseline" not in data:
        r.problem(
            SheetProblemKind.BASELINE_MISSING, table.sheet, entry.first_row, table.headers["entry"]
        )
    data.pop("_baseline_row", None)
    data["targets"] = targets
    data["measurements"] = measurements
    return data


def _indicator_row(
    r: _Reader, table: _Table, row: _Row
) -> tuple[str, date | None, float | None, str | None] | None:
    """(kind, date, value, source) of one indicator row, problems noted; None when unusable."""
    for key in ("entry", "date", "value"):
        if not row.text(key):
            r.problem(SheetProblemKind.REQUIRED, table.sheet, row.number, table.headers[key])
    if not row.text("entry"):
        return None
    kind = r.choice(table, row.number, "entry", row.cells["entry"], ENTRY_WORDS)
    when = r.date_of(table, row.number, "date", row.cells["date"]) if row.text("date") else None
    number = (
        r.convert(
            table,
            row.number,
            "value",
            row.cells["value"],
            parse_number,
            SheetProblemKind.BAD_NUMBER,
        )
        if row.text("value")
        else None
    )
    source = (
        r.choice(table, row.number, "source", row.cells["source"], SOURCE_WORDS)
        if row.text("source")
        else None
    )
    if kind is None:
        return None
    return kind, when, number, source
