"""The 台账 ledger: the plan's items, milestones and indicators as an Excel workbook.

This is what lands in the district archive each month: the board at one as-of day, with an
"about" sheet (plan, as-of day, when it was made, what the statuses mean), one sheet per group
listing every item followed by its milestones, and a sheet of indicators with their targets and
the measurements known by that day, and a sheet of the leaders' instructions (批示) given by
then with the replies to them. The archive is Chinese, so the workbook is written in
Chinese whatever language the page was in; each column heading carries its English name on a
second line.

The caller passes the plan, its progress rolled up at ``as_of`` (the past rebuilt from the
history) and the moment of generation. The few extra rows the ledger needs (departments,
supporting departments, the last approved update of each milestone, the indicators, the
instructions with their authors and replies) are read
in a fixed number of queries, whatever the size of the plan. Nothing here reads the request.

Paper is the point: text cells wrap, and each row is given the height its longest text needs
(LibreOffice and Excel do not grow a row whose height the file sets, and clip what does not fit),
estimated from the text's width against the column's, a CJK character counting double.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.domain.instructions import InstructionState
from tracker.domain.receipts import ReceiptState
from tracker.domain.rollup import ItemResult, MilestoneResult
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.i18n import (
    CLOSE_OUT_LABELS,
    ITEM_SOURCE_LABELS,
    STATUS_LABELS,
    completion_text,
    item_source,
    overdue_text,
)
from tracker.models import (
    Department,
    Indicator,
    Instruction,
    InstructionReply,
    Item,
    Milestone,
    Plan,
    Receipt,
    User,
)
from tracker.models.plan import item_supporting_department
from tracker.services.queries.board import last_approved_updates, latest_by_item, plan_indicators
from tracker.services.queries.charts import district_day, known_by, number, source_label
from tracker.services.queries.instructions import plan_instructions, state_on
from tracker.services.queries.progress import PlanProgress
from tracker.services.queries.receipts import plan_receipts

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ARCHIVE_LOCALE = "zh_CN"

# Excel's rules for sheet names: at most 31 characters, none of []:*?/\, not blank, no
# apostrophe at either end, unique regardless of case, and "History" is reserved.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# What a cell is given: text, a number, a day or a moment (a datetime is a date), or nothing.
CellValue = str | float | date | None

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0%"

# The board's colours (Bootstrap's), so the archive reads like the page: grey not started,
# green on track, amber at risk, red delayed, blue done. (fill, text) as RGB hex.
STATUS_FILLS = {
    Status.NOT_STARTED: ("6C757D", "FFFFFF"),
    Status.ON_TRACK: ("198754", "FFFFFF"),
    Status.AT_RISK: ("FFC107", "000000"),
    Status.DELAYED: ("DC3545", "FFFFFF"),
    Status.DONE: ("0D6EFD", "FFFFFF"),
}
STATUS_MEANINGS = {
    Status.NOT_STARTED: _l("Nothing has been reported yet."),
    Status.ON_TRACK: _l("Moving as planned."),
    Status.AT_RISK: _l("Reported at risk, or progress trails the time elapsed."),
    Status.DELAYED: _l(
        "Past its due date and not done, whatever was reported; an item is also delayed when "
        "one of its milestones is."
    ),
    Status.DONE: _l("Reported done, counted from its completion date."),
}

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
ITEM_FILL = PatternFill("solid", fgColor="EEF2F8")
GRID = Side(style="thin", color="BFBFBF")
BORDER = Border(left=GRID, right=GRID, top=GRID, bottom=GRID)
TOP_WRAP = Alignment(vertical="top", wrap_text=True)

ABOUT_SHEET = _l("About")
INDICATOR_SHEET = _l("Indicators")
INSTRUCTION_SHEET = _l("Instruction")

# Row heights, in points, for the default 11-point font: a line of CJK text needs about 16
# (Latin text less), plus a little room above and below.
LINE_HEIGHT = 16.0
ROW_PADDING = 4.0
# Room a column loses to the cell's margins, in characters.
CELL_MARGIN = 1.5

# The about sheet's columns: labels, two values, and the meaning; notes span B:D.
ABOUT_WIDTHS = (22.0, 16.0, 16.0, 70.0)
SPAN_WIDTH = sum(ABOUT_WIDTHS[1:])

RECEIPT_STATES: dict[str, Any] = {
    ReceiptState.PENDING: _l("Awaiting receipt"),
    ReceiptState.SIGNED: _l("Received"),
    ReceiptState.DECLINED: _l("Declined"),
}

INSTRUCTION_STATES = {
    InstructionState.OPEN: _l("Awaiting reply"),
    InstructionState.HANDLED: _l("Marked handled"),
    InstructionState.CLOSED: _l("Done and closed"),
}


@dataclass(frozen=True)
class Column:
    """A column of a ledger table: its heading, width (in characters) and cell format."""

    label: Any  # a lazy string, shown in Chinese and English
    width: float
    number_format: str | None = None
    wrap: bool = False


ITEM_COLUMNS = (
    Column(_l("Code"), 9),
    Column(_l("Title"), 44, wrap=True),
    Column(_l("Lead department"), 18, wrap=True),
    Column(_l("Supporting departments"), 24, wrap=True),
    Column(_l("Responsible department"), 18, wrap=True),
    Column(_l("Start date"), 12, DATE_FORMAT),
    Column(_l("Due date"), 12, DATE_FORMAT),
    Column(_l("Original due date"), 13, DATE_FORMAT),
    Column(_l("Status"), 10),
    Column(_l("Reported"), 10),
    Column(_l("Progress"), 9, PERCENT_FORMAT),
    Column(_l("Completion date"), 16, DATE_FORMAT),  # or "done by …" in words
    Column(_l("Last approved update"), 13, DATE_FORMAT),
    Column(_l("Notes"), 22, wrap=True),
    Column(_l("Source"), 16, wrap=True),
    Column(_l("Close-out"), 14, wrap=True),  # 销号: last, so the columns before keep their place
    # Receipts (签收): the milestone's current receipt, and the day its department signed.
    Column(_l("Receipt"), 10),
    Column(_l("Signed on"), 12, DATE_FORMAT),
)
STATUS_COLUMN = 9  # 1-based, for the status fill

INSTRUCTION_COLUMNS = (
    Column(_l("Item"), 8),
    Column(_l("Title"), 24, wrap=True),
    Column(_l("Lead department"), 18, wrap=True),
    Column(_l("Given by"), 16, wrap=True),
    Column(_l("Given at"), 17, DATETIME_FORMAT),
    Column(_l("Due date"), 12, DATE_FORMAT),
    Column(_l("Instruction"), 40, wrap=True),
    Column(_l("State"), 11, wrap=True),
    Column(_l("Replies"), 48, wrap=True),
    Column(_l("Source"), 14, wrap=True),
)

INDICATOR_COLUMNS = (
    Column(_l("Item"), 8),
    Column(_l("Indicator"), 30, wrap=True),
    Column(_l("Unit"), 9),
    Column(_l("Kind"), 10),
    Column(_l("Date"), 12, DATE_FORMAT),
    Column(_l("Value"), 12),
    Column(_l("Source"), 28, wrap=True),
    Column(_l("Note"), 44, wrap=True),
)


# ---- names and values ------------------------------------------------------------------


def ledger_filename(plan: Plan, as_of: date) -> str:
    """The file's name: 台账-<plan code>-<as-of day>.xlsx."""
    return f"台账-{plan.code}-{as_of.isoformat()}.xlsx"


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid Excel sheet name for ``name`` that differs from every name in ``taken``.

    Forbidden characters become "_", the name is cut to 31 characters, and a repeated name
    gets " (2)", " (3)"... within the limit.
    """
    cleaned = _SHEET_FORBIDDEN.sub("_", clean_text(name)).strip().strip("'").strip()
    if not cleaned:
        cleaned = "_"
    if cleaned.casefold() == "history":
        cleaned = f"{cleaned}_"
    cleaned = cleaned[:SHEET_NAME_MAX]
    used = {t.casefold() for t in taken}
    candidate = cleaned
    counter = 1
    while candidate.casefold() in used:
        counter += 1
        suffix = f" ({counter})"
        candidate = cleaned[: SHEET_NAME_MAX - len(suffix)] + suffix
    return candidate


def clean_text(value: str) -> str:
    """Text Excel can store: control characters (which a typed title may carry) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def excel_value(value: CellValue) -> CellValue:
    """A value as a cell holds it: clean text, local (naive) times, whole numbers as int."""
    if isinstance(value, str):
        text = clean_text(value)
        return text or None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, float):
        return number(value) if math.isfinite(value) else str(value)
    return value


def department_name(department: Department | None) -> str:
    if department is None:
        return ""
    return department.name_zh or department.name_en


def english(message: Any) -> str:
    """A lazy message in English (the workbook is otherwise built in Chinese)."""
    with force_locale("en"):
        return str(message)


def heading(message: Any) -> str:
    """A heading in Chinese, with the English on a second line when it differs."""
    chinese, in_english = str(message), english(message)
    return chinese if chinese == in_english else f"{chinese}\n{in_english}"


# ---- fitting text to paper -------------------------------------------------------------------


def is_wide(character: str) -> bool:
    """A CJK (full-width) character, about twice as wide as a Latin letter."""
    return unicodedata.east_asian_width(character) in "WF"


def text_width(text: str) -> int:
    """The width of ``text`` in column-width units: 2 per CJK character, 1 per other."""
    return sum(2 if is_wide(character) else 1 for character in text)


def break_points(paragraph: str) -> Iterator[str]:
    """The pieces a line may break between: Latin words (with the spaces after them), and each
    CJK character on its own."""
    piece = ""
    for character in paragraph:
        if is_wide(character):
            if piece:
                yield piece
            yield character
            piece = ""
        elif character.isspace() or not piece or not piece[-1].isspace():
            piece += character
        else:
            yield piece
            piece = character
    if piece:
        yield piece


def line_count(text: str, width: float) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` characters wide.

    Lines break at spaces and between CJK characters, as spreadsheet programs break them; a
    word longer than the column is broken anywhere. An estimate that errs on the long side.
    """
    room = max(width - CELL_MARGIN, 1.0)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for piece in break_points(paragraph):
            word = text_width(piece.rstrip())
            if used and used + word > room:
                lines, used = lines + 1, 0.0
            if word > room:
                extra = math.ceil(word / room) - 1
                lines += extra
                used = word - extra * room
            else:
                used += word
            used += text_width(piece) - text_width(piece.rstrip())
        total += lines
    return total


def row_height(texts: Iterable[tuple[str, float]]) -> float:
    """The height, in points, of a row whose cells hold these (text, column width) pairs."""
    lines = max((line_count(text, width) for text, width in texts), default=1)
    return lines * LINE_HEIGHT + ROW_PADDING


# ---- what the progress does not carry ----------------------------------------------------


@dataclass(frozen=True)
class LedgerFacts:
    """Rows the ledger shows beyond the roll-up, each read in one query."""

    departments: dict[int, Department]
    supporting: dict[int, list[int]]  # item id -> department ids, by department code
    last_update: dict[tuple[int, int | None], date]  # (item id, milestone id or None) -> day
    indicators: list[Indicator]
    item_last_update: dict[int, date]  # item id -> its last day, on itself or a milestone
    instructions: list[Instruction]  # oldest first, authors and replies loaded
    # Milestone id -> its current receipt's state and the district day it was signed.
    receipts: dict[int, tuple[str, date | None]]


def load_facts(plan: Plan, as_of: date, zone: ZoneInfo) -> LedgerFacts:
    """Departments, supporting departments, last updates, indicators (with their targets and
    measurements), instructions (with authors and replies), receipts: nine queries, whatever
    the size of the plan."""
    departments = {d.id: d for d in db.session.scalars(sa.select(Department))}
    supporting: dict[int, list[int]] = {}
    links = db.session.execute(
        sa.select(item_supporting_department.c.item_id, Department.id)
        .join(Department, Department.id == item_supporting_department.c.department_id)
        .join(Item, Item.id == item_supporting_department.c.item_id)
        .where(Item.plan_id == plan.id)
        .order_by(Department.code)
    ).all()
    for item_id, department_id in links:
        supporting.setdefault(item_id, []).append(department_id)
    indicators = plan_indicators(plan)
    last_update = last_approved_updates(plan, as_of)
    return LedgerFacts(
        departments=departments,
        supporting=supporting,
        last_update=last_update,
        indicators=indicators,
        item_last_update=latest_by_item(last_update),
        instructions=plan_instructions(plan.id),
        receipts={
            milestone_id: (receipt.state, signed_on(receipt, zone))
            for milestone_id, receipt in plan_receipts(plan.id).items()
        },
    )


def signed_on(receipt: Receipt, zone: ZoneInfo) -> date | None:
    """The district day the department signed for the milestone; None unless signed."""
    if receipt.state != ReceiptState.SIGNED or receipt.answered_at is None:
        return None
    return receipt.answered_at.astimezone(zone).date()


# ---- writing cells -------------------------------------------------------------------------


def put(ws: Worksheet, row: int, column: int, value: CellValue, fmt: str | None = None) -> Cell:
    """Write one cell. Text always stays text: a title typed as "=..." is never a formula."""
    value = excel_value(value)
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if fmt is not None:
        cell.number_format = fmt
    return cell


def paint_status(cell: Cell | MergedCell, status: Status) -> None:
    fill, text = STATUS_FILLS[status]
    cell.fill = PatternFill("solid", fgColor=fill)
    cell.font = Font(color=text, bold=cell.font.bold)
    cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)


def write_header(ws: Worksheet, columns: Sequence[Column]) -> None:
    """The heading row: Chinese over English, bold, frozen, repeated on every printed page."""
    for index, column in enumerate(columns, start=1):
        write_heading_cell(ws, 1, index, column.label)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = heading_height(columns)
    ws.print_title_rows = "1:1"


def heading_height(columns: Sequence[Column]) -> float:
    """The heading row's height: its tallest heading, bold type counted a tenth wider."""
    return row_height((heading(column.label), column.width / 1.1) for column in columns)


def write_heading_cell(ws: Worksheet, row: int, column: int, label: Any) -> None:
    """A column heading: Chinese over English, bold and shaded, centred."""
    cell = put(ws, row, column, heading(label))
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_row(
    ws: Worksheet,
    row: int,
    columns: Sequence[Column],
    values: Sequence[CellValue],
    *,
    emphasis: bool = False,
    indent: int = 0,
) -> None:
    """One row of a table; text wraps, and the row is as tall as its longest text needs."""
    texts: list[tuple[str, float]] = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        fmt = column.number_format
        if column.number_format is None and isinstance(value, int | float):
            fmt = "#,##0" if float(value).is_integer() else "#,##0.0##"
        cell = put(ws, row, index, value, fmt)
        cell.border = BORDER
        text = cell.value if isinstance(cell.value, str) else None
        cell_indent = indent if index <= 2 else 0
        cell.alignment = Alignment(
            vertical="top", wrap_text=column.wrap or text is not None, indent=cell_indent
        )
        if text is not None:
            # An indent level is about two characters; bold type is about a tenth wider.
            width = column.width - 2 * cell_indent
            texts.append((text, width / 1.1 if emphasis else width))
        if emphasis:
            cell.font = Font(bold=True)
            cell.fill = ITEM_FILL
    ws.row_dimensions[row].height = row_height(texts)


def finish_table(ws: Worksheet, columns: Sequence[Column], last_row: int, title: str) -> None:
    """Filter buttons on the heading, frozen heading and codes, A4 landscape when printed."""
    last_column = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last_column}{max(last_row, 1)}"
    ws.freeze_panes = "C2"
    page_setup(ws, title)


def page_setup(ws: Worksheet, title: str) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    # openpyxl creates these parts with every sheet; its typing allows them to be absent.
    fit, header, footer = ws.sheet_properties.pageSetUpPr, ws.oddHeader, ws.oddFooter
    assert fit is not None
    assert header is not None
    assert footer is not None
    fit.fitToPage = True
    ws.print_options.gridLines = False
    # Excel keeps at most 255 characters of a page header, and "&" starts a code there.
    header.center.text = clean_text(title)[:120].replace("&", "&&")
    footer.center.text = "&P / &N"


# ---- the sheets ------------------------------------------------------------------------------


def item_row_values(
    item: Item, result: ItemResult, facts: LedgerFacts, notes: list[str]
) -> list[CellValue]:
    done = result.status is Status.DONE
    return [
        item.code,
        item.title_zh or item.title_en,
        department_name(facts.departments.get(item.lead_department_id)),
        "、".join(department_name(facts.departments[d]) for d in facts.supporting.get(item.id, [])),
        None,
        item.start,
        item.due,
        None,
        str(STATUS_LABELS[result.status]),
        None,
        result.progress / 100,
        item_completion(item, result) if done else None,
        facts.item_last_update.get(item.id),
        "；".join(notes),
        str(ITEM_SOURCE_LABELS[item_source(item)]),
        str(CLOSE_OUT_LABELS["awaiting"]) if result.awaiting_close_out else None,
        None,
        None,
    ]


def item_completion(item: Item, result: ItemResult) -> CellValue:
    """The day the item's last milestone was done; in words when only "done by" it is known."""
    done = [m for m in result.milestones if m.completed_on is not None]
    if not done:
        return None
    last = max(done, key=lambda m: (m.completed_on, m.completed_on_exact))
    return milestone_completion(
        last, next((m.source for m in item.milestones if m.id == last.key), "sample")
    )


def milestone_completion(result: MilestoneResult, source: str) -> CellValue:
    """A completion day as a date cell, or in words ("done by …") when the day is not given."""
    if result.completed_on is None or result.completed_on_exact:
        return result.completed_on
    return completion_text(result.completed_on, exact=False, source=source)


def milestone_row_values(
    milestone: Milestone, result: MilestoneResult, facts: LedgerFacts, as_of: date
) -> list[CellValue]:
    notes = []
    if result.overdue:
        notes.append(overdue_text(result.due, (as_of - result.due).days, milestone.item.plan.end))
    return [
        milestone.code,
        milestone.title_zh or milestone.title_en,
        None,
        None,
        department_name(facts.departments.get(milestone.department_id)),
        None,
        result.due,
        milestone.baseline_due,
        str(STATUS_LABELS[result.status]),
        str(STATUS_LABELS[result.reported_status]),
        result.progress / 100,
        milestone_completion(result, milestone.source) if result.status is Status.DONE else None,
        facts.last_update.get((milestone.item_id, milestone.id)),
        "；".join(notes),
        source_label(milestone.source),
        str(CLOSE_OUT_LABELS[result.close_out]) if result.close_out else None,
        *receipt_values(facts.receipts.get(milestone.id)),
    ]


def receipt_values(receipt: tuple[str, date | None] | None) -> list[CellValue]:
    """The receipt's state in words and the day it was signed; empty before receipts."""
    if receipt is None:
        return [None, None]
    state, day = receipt
    return [str(RECEIPT_STATES.get(state, state)), day]


def write_group_sheet(
    ws: Worksheet,
    rows: Sequence[tuple[Item, ItemResult]],
    facts: LedgerFacts,
    progress: PlanProgress,
    *,
    as_of: date,
    title: str,
) -> None:
    """One group: each item (bold, shaded) followed by its milestones (indented, grouped)."""
    write_header(ws, ITEM_COLUMNS)
    outline = ws.sheet_properties.outlinePr
    assert outline is not None  # openpyxl creates it with every sheet
    outline.summaryBelow = False
    line = 1
    for item, result in rows:
        notes = []
        if item.focus:
            notes.append(_("Focus"))
        pending = progress.pending_by_item.get(item.id, 0)
        if pending:
            notes.append(_("%(num)d pending", num=pending))
        line += 1
        write_row(
            ws, line, ITEM_COLUMNS, item_row_values(item, result, facts, notes), emphasis=True
        )
        paint_status(ws.cell(line, STATUS_COLUMN), result.status)
        # The roll-up keys milestones by whatever the caller gave: here, their ids.
        milestones: dict[int | str, Milestone] = {m.id: m for m in item.milestones}
        for milestone_result in result.milestones:
            milestone = milestones[milestone_result.key]
            line += 1
            values = milestone_row_values(milestone, milestone_result, facts, as_of)
            write_row(ws, line, ITEM_COLUMNS, values, indent=1)
            paint_status(ws.cell(line, STATUS_COLUMN), milestone_result.status)
            ws.row_dimensions[line].outline_level = 1
    finish_table(ws, ITEM_COLUMNS, line, title)


def write_indicator_sheet(
    ws: Worksheet,
    indicators: Sequence[Indicator],
    item_codes: dict[int, str],
    *,
    as_of: date,
    zone: ZoneInfo,
    title: str,
) -> None:
    """Each indicator's baseline, then its targets, then the measurements known by ``as_of``."""
    write_header(ws, INDICATOR_COLUMNS)
    line = 1
    for indicator in indicators:
        code = item_codes.get(indicator.item_id or 0, "")
        name = indicator.name_zh or indicator.name_en
        unit = indicator.unit_zh or indicator.unit_en
        line += 1
        baseline = [
            code,
            name,
            unit,
            _("Baseline"),
            indicator.baseline_date,
            indicator.baseline_value,
            baseline_source(indicator),
            None,
        ]
        write_row(ws, line, INDICATOR_COLUMNS, baseline, emphasis=True)
        for target in indicator.targets:
            line += 1
            values = [
                code,
                name,
                unit,
                _("Target value"),
                target.due,
                target.value,
                source_label(target.source),
                None,
            ]
            write_row(ws, line, INDICATOR_COLUMNS, values)
        for measurement in indicator.measurements:
            if not known_by(measurement, as_of, zone):
                continue
            line += 1
            values = [
                code,
                name,
                unit,
                _("Measured value"),
                measurement.measured_on,
                measurement.value,
                source_label(measurement.source),
                measurement.note_zh or measurement.note_en,
            ]
            write_row(ws, line, INDICATOR_COLUMNS, values)
    if not indicators:
        line += 1
        put(ws, line, 1, _("This plan has no indicators."))
    finish_table(ws, INDICATOR_COLUMNS, line, title)


def baseline_source(indicator: Indicator) -> str | None:
    """The baseline's source: that of the plan file's figure of the same day and value."""
    return next(
        (
            source_label(m.source)
            for m in indicator.measurements
            if m.from_plan_file
            and m.measured_on == indicator.baseline_date
            and m.value == indicator.baseline_value
        ),
        None,
    )


def person(user: User, departments: dict[int, Department]) -> str:
    """Who wrote something: the department (when the user has one) and the name."""
    name = user.display_name or user.username
    department = departments.get(user.department_id) if user.department_id else None
    return f"{department_name(department)} {name}" if department else name


def replies_text(
    replies: Iterable[InstructionReply],
    departments: dict[int, Department],
    *,
    as_of: date,
    zone: ZoneInfo,
) -> str:
    """The replies written by the end of ``as_of``, one a line: local time, who, what."""
    return "\n".join(
        f"{reply.created_at.astimezone(zone):%Y-%m-%d %H:%M} "
        f"{person(reply.author, departments)}：{reply.text}"
        for reply in replies
        if district_day(reply.created_at, zone) <= as_of
    )


def write_instruction_sheet(
    ws: Worksheet,
    items: Sequence[Item],
    facts: LedgerFacts,
    *,
    as_of: date,
    zone: ZoneInfo,
    title: str,
) -> None:
    """The instructions given by the end of ``as_of``, item by item in the plan's order, then
    oldest first; each with its state on that day and the replies written by then."""
    write_header(ws, INSTRUCTION_COLUMNS)
    position = {item.id: index for index, item in enumerate(items)}
    by_id = {item.id: item for item in items}
    shown = sorted(
        (
            instruction
            for instruction in facts.instructions
            if instruction.item_id in by_id and district_day(instruction.created_at, zone) <= as_of
        ),
        key=lambda instruction: position[instruction.item_id],  # stable: oldest first within
    )
    line = 1
    for instruction in shown:
        item = by_id[instruction.item_id]
        line += 1
        values: list[CellValue] = [
            item.code,
            item.title_zh or item.title_en,
            department_name(facts.departments.get(item.lead_department_id)),
            person(instruction.author, facts.departments),
            instruction.created_at.astimezone(zone),
            instruction.due_on,
            instruction.text,
            str(INSTRUCTION_STATES[state_on(instruction, as_of, zone)]),
            replies_text(instruction.replies, facts.departments, as_of=as_of, zone=zone),
            _("Recorded in the tracker"),
        ]
        write_row(ws, line, INSTRUCTION_COLUMNS, values)
    if not shown:
        line += 1
        put(ws, line, 1, _("No instructions by this day."))
    finish_table(ws, INSTRUCTION_COLUMNS, line, title)


def write_about_sheet(
    ws: Worksheet, plan: Plan, progress: PlanProgress, as_of: date, generated_at: datetime
) -> None:
    """Plan, as-of day, generation time, overall figures, notes and the status legend."""
    for letter, width in zip("ABCD", ABOUT_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    title = put(ws, 1, 1, plan.name_zh or plan.name_en)
    title.font = Font(bold=True, size=14)
    put(ws, 2, 1, plan.name_en).font = Font(italic=True, color="595959")
    line = write_about_facts(ws, plan, progress, as_of, generated_at)
    line = write_about_notes(ws, line + 2, as_of, generated_at)
    write_status_legend(ws, line + 1, progress)
    page_setup(ws, plan.name_zh or plan.name_en)


def write_about_facts(
    ws: Worksheet, plan: Plan, progress: PlanProgress, as_of: date, generated_at: datetime
) -> int:
    """One labelled line per fact from row 4 on; return the last line written."""
    summary = progress.result.summary
    facts: list[tuple[Any, list[CellValue], str | None]] = [
        (_l("As of"), [as_of], DATE_FORMAT),
        (_l("Generated at"), [generated_at], DATETIME_FORMAT),
        (_l("Plan period"), [plan.start, plan.end], DATE_FORMAT),
        (_l("Overall progress"), [summary.progress / 100], PERCENT_FORMAT),
        (_l("Expected progress"), [summary.expected / 100], PERCENT_FORMAT),
        (_l("Reports pending review (not counted)"), [progress.pending_total], "0"),
        (_l("Source"), [plan.source_zh or plan.source_en], None),  # last: it spans B:D
    ]
    line = 3
    for label, values, fmt in facts:
        line += 1
        put(ws, line, 1, heading(label)).alignment = TOP_WRAP
        ws.cell(line, 1).font = Font(bold=True)
        for offset, value in enumerate(values, start=2):
            put(
                ws, line, offset, value, None if isinstance(value, str) else fmt
            ).alignment = Alignment(horizontal="left", vertical="top")
    ws.merge_cells(start_row=line, start_column=2, end_row=line, end_column=4)
    ws.cell(line, 2).alignment = TOP_WRAP
    ws.row_dimensions[line].height = row_height([(str(ws.cell(line, 2).value or ""), SPAN_WIDTH)])
    return line


def write_about_notes(ws: Worksheet, line: int, as_of: date, generated_at: datetime) -> int:
    """How to read the figures, from ``line`` on; return the line after the last note."""
    put(ws, line, 1, heading(_l("Notes"))).font = Font(bold=True)
    ws.cell(line, 1).alignment = TOP_WRAP
    notes = [
        _(
            "Progress and status count only reports approved by the coordinating office; "
            "reports waiting for review are not counted."
        ),
        _(
            "Status is computed at the as-of date: an open milestone past its due date counts "
            "as delayed, whatever was reported."
        ),
        _(
            "An item's progress is the weighted mean of its milestones; expected progress is "
            "the share of the item's time span elapsed by the as-of date."
        ),
        _(
            "The Source column tells facts stated in the plan's source (the report) from "
            "sample data. A milestone the report says is done, without its day, reads "
            '"done by" the report\'s date and is left out of on-time figures.'
        ),
    ]
    if as_of < generated_at.date():
        notes.append(
            _(
                "This is the plan as it stood at the end of %(date)s, rebuilt from the history.",
                date=as_of.isoformat(),
            )
        )
    for note in notes:
        put(ws, line, 2, note).alignment = TOP_WRAP
        ws.merge_cells(start_row=line, start_column=2, end_row=line, end_column=4)
        ws.row_dimensions[line].height = row_height([(note, SPAN_WIDTH)])
        line += 1
    return line


def write_status_legend(ws: Worksheet, line: int, progress: PlanProgress) -> None:
    """Each status in its colour, with how many items and milestones have it, and its meaning."""
    legend = [_l("Status legend"), _l("Items"), _l("Milestones"), _l("Meaning")]
    for index, label in enumerate(legend, start=1):
        write_heading_cell(ws, line, index, label)
    ws.row_dimensions[line].height = row_height(
        (heading(label), width / 1.1) for label, width in zip(legend, ABOUT_WIDTHS, strict=True)
    )
    for status in Status:
        line += 1
        paint_status(put(ws, line, 1, str(STATUS_LABELS[status])), status)
        put(ws, line, 2, progress.result.summary.status_counts.get(status, 0), "0")
        put(ws, line, 3, progress.result.milestone_counts.get(status, 0), "0")
        meaning = str(STATUS_MEANINGS[status])
        put(ws, line, 4, meaning).alignment = TOP_WRAP
        ws.row_dimensions[line].height = row_height([(meaning, ABOUT_WIDTHS[3])])
        for column in range(1, 5):
            ws.cell(line, column).border = BORDER


# ---- the workbook ----------------------------------------------------------------------------


@contextmanager
def archive_language() -> Iterator[None]:
    """Write in Chinese, whatever the page's language was."""
    with force_locale(ARCHIVE_LOCALE):
        yield


def build_ledger(
    plan: Plan, progress: PlanProgress, as_of: date, *, generated_at: datetime, zone: ZoneInfo
) -> bytes:
    """The ledger of ``plan`` at ``as_of`` as .xlsx bytes.

    ``progress`` is the plan rolled up at ``as_of``. ``generated_at`` (timezone-aware) is the
    moment of writing, shown in the district's ``zone``, which also decides on which district
    day a recorded measurement became known.
    """
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    local_time = generated_at.astimezone(zone).replace(microsecond=0)
    facts = load_facts(plan, as_of, zone)
    item_codes = {row.item.id: row.item.code for s in progress.sections for row in s.rows}
    with archive_language():
        workbook = Workbook()
        about = workbook.active
        assert isinstance(about, Worksheet)  # a new workbook starts with one worksheet
        taken: list[str] = []
        about.title = sheet_title(str(ABOUT_SHEET), taken)
        taken.append(about.title)
        as_of_text = _("As of %(date)s", date=as_of.isoformat())
        write_about_sheet(about, plan, progress, as_of, local_time)
        indicator_title = sheet_title(str(INDICATOR_SHEET), taken)
        taken.append(indicator_title)
        for section in progress.sections:
            name = section.group.name_zh or section.group.name_en or section.group.code
            ws = workbook.create_sheet(sheet_title(name, taken))
            taken.append(ws.title)
            write_group_sheet(
                ws,
                [(row.item, row.result) for row in section.rows],
                facts,
                progress,
                as_of=as_of,
                title=f"{plan.name_zh} {name} {as_of_text}",
            )
        ws = workbook.create_sheet(sheet_title(str(INSTRUCTION_SHEET), taken))
        taken.append(ws.title)
        write_instruction_sheet(
            ws,
            [row.item for section in progress.sections for row in section.rows],
            facts,
            as_of=as_of,
            zone=zone,
            title=f"{plan.name_zh} {ws.title} {as_of_text}",
        )
        ws = workbook.create_sheet(indicator_title)
        write_indicator_sheet(
            ws,
            facts.indicators,
            item_codes,
            as_of=as_of,
            zone=zone,
            title=f"{plan.name_zh} {ws.title} {as_of_text}",
        )
        workbook.properties.title = clean_text(f"{plan.name_zh} {as_of_text}")
        workbook.properties.creator = "Plan Tracker"
        utc = generated_at.astimezone(UTC).replace(tzinfo=None)  # the file format wants UTC
        workbook.properties.created = utc
        workbook.properties.modified = utc
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
