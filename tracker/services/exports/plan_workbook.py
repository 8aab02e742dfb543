"""The plan template as an Excel file: workbook bytes in, plain sheets out, and back.

A thin adapter around openpyxl. Reading checks first that the bytes are a real .xlsx (a zip
with the parts of a spreadsheet, not too big unpacked), then hands every sheet's cell values
and merged ranges to :mod:`tracker.domain.plan_sheet`, which knows what they mean. Writing
turns the domain's rows into a styled workbook. Nothing here touches the database.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.filetypes import FileType, sniff
from tracker.domain.plan_sheet import (
    CellRange,
    PlanSheetError,
    SheetData,
    SheetProblem,
    SheetProblemKind,
    read_plan_sheets,
)
from tracker.domain.plan_sheet_layout import (
    DEPARTMENT_COLUMNS,
    DEPARTMENT_SHEET,
    FACT_COLUMNS,
    FACT_SHEET,
    GUIDE_SHEET,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    MAIN_COLUMNS,
    MAIN_SHEET,
    PLAN_SHEET,
    Column,
)
from tracker.domain.plan_sheet_out import plan_sheets, template_sheets
from tracker.domain.planfile import (
    MAX_FILE_BYTES,
    DepartmentSpec,
    PlanFileError,
    PlanSpec,
    parse_plan_text,
)
from tracker.domain.sheet_values import CellValue

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a 2 MB upload may unpack to, and how much of a sheet is read: far beyond any plan.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 80

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOP_WRAP = Alignment(vertical="top", wrap_text=True)
DATE_FORMAT = "yyyy-mm-dd"
COLUMNS = {
    MAIN_SHEET: MAIN_COLUMNS,
    DEPARTMENT_SHEET: DEPARTMENT_COLUMNS,
    FACT_SHEET: FACT_COLUMNS,
    INDICATOR_SHEET: INDICATOR_COLUMNS,
}


def _refuse(filename: str, kind: SheetProblemKind, **facts: object) -> PlanSheetError:
    return PlanSheetError(filename, [SheetProblem(kind, facts=facts)])


def check_workbook_bytes(data: bytes, filename: str) -> None:
    """Refuse what is not a spreadsheet we may open: empty, too large, not an .xlsx, a zip bomb."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(filename, SheetProblemKind.TOO_LARGE, size=MAX_FILE_BYTES // (1024 * 1024))
    if sniff(data) is not FileType.XLSX:
        raise _refuse(filename, SheetProblemKind.NOT_A_WORKBOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(filename, SheetProblemKind.TOO_LARGE, size=MAX_FILE_BYTES // (1024 * 1024))


def workbook_sheets(data: bytes, filename: str = "") -> tuple[SheetData, ...]:
    """Every sheet of an .xlsx as plain values; :class:`PlanSheetError` for bad bytes."""
    check_workbook_bytes(data, filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            workbook = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        raise _refuse(filename, SheetProblemKind.NOT_A_WORKBOOK) from None
    sheets = []
    problems = []
    for worksheet in workbook.worksheets:
        if worksheet.max_row > MAX_ROWS and _has_values_beyond(worksheet):
            problems.append(
                SheetProblem(
                    SheetProblemKind.TOO_MANY_ROWS, worksheet.title, facts={"max": MAX_ROWS}
                )
            )
            continue
        sheets.append(_sheet(worksheet))
    if problems:
        raise PlanSheetError(filename, problems)
    return tuple(sheets)


def _has_values_beyond(worksheet: Worksheet) -> bool:
    rows = worksheet.iter_rows(min_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    return any(value is not None for row in rows for value in row)


def _sheet(worksheet: Worksheet) -> SheetData:
    rows = tuple(
        tuple(_plain(value) for value in row)
        for row in worksheet.iter_rows(
            max_row=min(worksheet.max_row, MAX_ROWS),
            max_col=min(worksheet.max_column, MAX_COLUMNS),
            values_only=True,
        )
    )
    merged = tuple(
        CellRange(r.min_row, r.min_col, min(r.max_row, MAX_ROWS), min(r.max_col, MAX_COLUMNS))
        for r in worksheet.merged_cells.ranges
        if r.min_row <= MAX_ROWS and r.min_col <= MAX_COLUMNS
    )
    return SheetData(worksheet.title, rows, merged)


def _plain(value: object) -> CellValue:
    """A cell's value as the domain reads it: an Excel date is a day, times are text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date | str | bool | int | float) or value is None:
        return value
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value)


def read_plan_workbook(
    data: bytes,
    known_departments: Sequence[DepartmentSpec],
    *,
    code: str | None = None,
    filename: str = "",
) -> PlanSpec:
    """An uploaded workbook as a validated plan, or :class:`PlanSheetError` with every problem."""
    sheets = workbook_sheets(data, filename)
    return read_plan_sheets(sheets, known_departments, code=code, filename=filename)


def _write(sheets: Sequence[SheetData]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for row in sheet.rows:
            worksheet.append([_cell(value) for value in row])
        for merged in sheet.merged:
            worksheet.merge_cells(
                start_row=merged.first_row,
                start_column=merged.first_column,
                end_row=merged.last_row,
                end_column=merged.last_column,
            )
        _style(worksheet, sheet.name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: CellValue) -> CellValue:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value) or None
    return value


def _style(worksheet: Worksheet, name: str) -> None:
    """Headings bold on a tint, dates as dates, long text wrapped, the heading row frozen."""
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            if isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            cell.alignment = TOP_WRAP
    columns: Sequence[Column] = COLUMNS.get(name, ())
    if name == PLAN_SHEET:
        widths = [14.0, 60.0]
    elif name == GUIDE_SHEET:
        widths = [24.0, 40.0, 10.0, 60.0, 60.0]
    else:
        widths = [column.width for column in columns]
    for position, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(position)].width = width
    if name != GUIDE_SHEET:
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        worksheet.freeze_panes = "A2"
    else:
        worksheet["A1"].font = Font(bold=True, size=13)


def plan_workbook(spec: PlanSpec) -> bytes:
    """The plan in the template, as .xlsx bytes, that imports back as the same plan."""
    return _write(plan_sheets(spec))


def template_workbook() -> bytes:
    """The empty template: headings, one example row and the 说明 (instructions) sheet."""
    return _write(template_sheets())


YAML_ENDINGS = (".yaml", ".yml")


def read_plan_file(
    data: bytes,
    filename: str,
    known_departments: Sequence[DepartmentSpec],
    *,
    code: str | None = None,
) -> PlanSpec:
    """A plan from an uploaded file: a plan file (.yaml/.yml) or the template (.xlsx).

    Either kind of problem comes back as one :class:`PlanSheetError`, so pages and the command
    line list them the same way; a plan file's own messages are kept word for word.
    """
    if filename.lower().endswith(YAML_ENDINGS):
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(filename, SheetProblemKind.TOO_LARGE, size=MAX_FILE_BYTES // 1048576)
        try:
            spec = parse_plan_text(data.decode("utf-8"), filename)
        except UnicodeDecodeError:
            raise _refuse(filename, SheetProblemKind.NOT_A_WORKBOOK) from None
        except PlanFileError as error:
            raise PlanSheetError(
                filename,
                [
                    SheetProblem(SheetProblemKind.PLAN_RULE, facts={"detail": problem})
                    for problem in error.problems
                ],
            ) from None
        return replace(spec, code=code) if code else spec
    return read_plan_workbook(data, known_departments, code=code, filename=filename)
