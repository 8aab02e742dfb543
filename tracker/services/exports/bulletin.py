"""The monthly supervision bulletin (督办通报) as a Word document, and as a page to preview.

The bulletin is composed once, in the language asked for, as a list of blocks (headings,
paragraphs, tables): :func:`compose_bulletin`. The preview page renders those blocks as HTML
and :func:`write_docx` writes the same blocks with python-docx, so what is previewed is what is
downloaded. Every figure comes from :class:`~tracker.services.queries.bulletins.BulletinFacts`,
which reads the board itself.

The document follows the form offices use: A4, the title in 黑体, the body in 仿宋 (set as
the east-Asian font of each style, ``w:eastAsia``, with ``FangSong``/``SimHei`` and a serif or
sans-serif family declared in the font table for machines without them), real Word headings
(Heading 1 and 2) so the navigation pane and a table of contents work, real tables with a
repeated heading row, and the page number in the footer as a ``PAGE`` field.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from babel.dates import format_date
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.domain.bulletins import FigureChange, Month, issue_number
from tracker.domain.instructions import InstructionState
from tracker.domain.status import STATUSES, Status
from tracker.i18n import STATUS_LABELS
from tracker.models import Department, Item, Plan, Report, User
from tracker.services.exports.ledger import INSTRUCTION_STATES, clean_text
from tracker.services.queries.bulletins import (
    ApprovedReport,
    BulletinFacts,
    InstructionLine,
    percent,
)
from tracker.services.queries.charts import district_day, number

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LOCALES = {"zh": "zh_CN", "en": "en"}

# Fonts: (Latin, east-Asian). The east-Asian names are what Chinese Word installs; the font
# table gives each its Windows name and its family (a serif face for 仿宋, a sans-serif one for
# 黑体), so a machine without them substitutes a like face (LibreOffice: Noto Serif/Sans CJK).
BODY_FONT = ("Times New Roman", "仿宋")
HEADING_FONT = ("Times New Roman", "黑体")
FONT_TABLE = (
    # name, alternative name, family, pitch
    ("仿宋", "FangSong", "roman", "variable"),
    ("黑体", "SimHei", "swiss", "variable"),
)
TITLE_SIZE = Pt(22)  # 二号
HEADING_SIZE = Pt(16)  # 三号
BODY_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号
BLACK = RGBColor(0, 0, 0)

CHINESE_NUMERALS = "一二三四五六七八九十"
# The order statuses are counted in running text: what is finished first.
COUNT_ORDER = (Status.DONE, Status.ON_TRACK, Status.AT_RISK, Status.DELAYED, Status.NOT_STARTED)


# ---- the document as blocks ----------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading: level 1 (一、总体进展) or 2 (（一）三大攻坚任务)."""

    kind: ClassVar[str] = "heading"
    text: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    """Body text; ``bullet`` for a line of a list."""

    kind: ClassVar[str] = "paragraph"
    text: str
    bullet: bool = False


@dataclass(frozen=True)
class Table:
    """A table with its heading row; ``widths`` in centimetres; ``name`` for tests and pages."""

    kind: ClassVar[str] = "table"
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    numeric: frozenset[int] = frozenset()  # columns aligned right


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class BulletinDocument:
    """The bulletin composed in one language: title, issuing line, and the blocks."""

    language: str
    title: str
    issuer: str
    issued_on: str
    as_of_line: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


# ---- words ---------------------------------------------------------------------------------


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Write in ``language`` (zh or en), whatever the page's language is."""
    with force_locale(LOCALES[language]):
        yield


def long_date(day: date, language: str) -> str:
    """2021年6月30日 / 30 June 2021."""
    return format_date(day, "long" if language == "zh" else "d MMMM y", locale=LOCALES[language])


def short_date(day: date, language: str) -> str:
    """6月30日 / 30 June."""
    return (
        f"{day.month}月{day.day}日" if language == "zh" else format_date(day, "d MMMM", locale="en")
    )


def month_name(month: Month, language: str) -> str:
    """2021年6月 / June 2021."""
    if language == "zh":
        return f"{month.year}年{month.month}月"
    return format_date(month.first, "MMMM y", locale="en")


def shown_percent(value: float) -> str:
    """A percentage as the board shows it: one decimal."""
    return f"{percent(value):.1f}%"


def signed(value: float, digits: int = 1) -> str:
    """+1.5 / −2.0 / 0.0: a change, with its sign."""
    rounded = round(value, digits)
    text = f"{abs(rounded):.{digits}f}" if digits else f"{abs(int(rounded))}"
    if rounded > 0:
        return f"+{text}"
    return f"−{text}" if rounded < 0 else text


def chinese_number(value: int) -> str:
    """一 … 九十九, for （一）（二）… group headings."""
    if value <= 10:
        return CHINESE_NUMERALS[value - 1]
    tens, ones = divmod(value, 10)
    head = "" if tens == 1 else CHINESE_NUMERALS[tens - 1]
    return head + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


def text_of(row: Any, attribute: str, language: str) -> str:
    """``row.<attribute>_zh`` or ``_en`` in the document's language, else the other one."""
    zh = getattr(row, f"{attribute}_zh", "") or ""
    en = getattr(row, f"{attribute}_en", "") or ""
    return (zh or en) if language == "zh" else (en or zh)


def department_name(department: Department | None, language: str) -> str:
    return text_of(department, "name", language) if department is not None else ""


def person_name(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else ""


def plan_title(plan: Plan, language: str) -> str:
    """The plan's name as a title names it: in 《》 in Chinese."""
    name = text_of(plan, "name", language)
    if language == "zh" and not name.startswith("《"):
        name = f"《{name}》"
    return name


def joined(parts: Sequence[str], language: str) -> str:
    """A list in running text: 、 between Chinese parts, commas between English ones."""
    return ("、" if language == "zh" else ", ").join(parts)


def status_label(status: Status) -> str:
    return str(STATUS_LABELS[status])


# ---- composing -----------------------------------------------------------------------------


def compose_bulletin(
    facts: BulletinFacts, *, language: str, generated_at: datetime, zone: ZoneInfo
) -> BulletinDocument:
    """The bulletin of ``facts`` in ``language`` (zh or en), issued at ``generated_at``."""
    with in_language(language):
        plan, month = facts.plan, facts.month
        title = _(
            "%(plan)s progress bulletin (%(year)s, No. %(number)s)",
            plan=plan_title(plan, language),
            year=month.year,
            number=issue_number(month),
        )
        office = department_name(facts.issuing_office, language) or _("The coordinating office")
        blocks: list[Block] = [
            *_overall(facts, language),
            *_groups(facts, language),
            *_late(facts, language, zone),
            *_instructions(facts, language, zone),
            *_departments(facts, language),
            *_next_month(facts, language),
            Paragraph(
                _(
                    "Figures are those of the plan tracker at the end of %(date)s: only reports "
                    "approved by the coordinating office count, and an open milestone past its "
                    "due date counts as delayed.",
                    date=long_date(facts.as_of, language),
                )
            ),
        ]
        return BulletinDocument(
            language=language,
            title=title,
            issuer=office,
            issued_on=long_date(district_day(generated_at, zone), language),
            as_of_line=_("(Figures as of %(date)s)", date=long_date(facts.as_of, language)),
            blocks=tuple(blocks),
        )


def _counts(
    counts: dict[Status, int], language: str, *, milestones: bool, awaiting: int = 0
) -> str:
    """Counts by status in words; done ones awaiting close-out (销号) follow done, if any."""
    parts = []
    for status in (
        Status.DONE,
        Status.ON_TRACK,
        Status.AT_RISK,
        Status.DELAYED,
        Status.NOT_STARTED,
    ):
        label = status_label(status)
        num = counts.get(status, 0)
        if milestones:
            parts.append(_("%(label)s: %(num)d milestones", label=label, num=num))
        else:
            parts.append(_("%(label)s: %(num)d items", label=label, num=num))
        if status is Status.DONE and awaiting:
            label = _("Done, awaiting close-out")
            if milestones:
                parts.append(_("%(label)s: %(num)d milestones", label=label, num=awaiting))
            else:
                parts.append(_("%(label)s: %(num)d items", label=label, num=awaiting))
    return joined(parts, language)


def _awaiting_row(facts: BulletinFacts) -> list[tuple[str, str, str, str, str]]:
    """The status table's row of done work awaiting close-out (销号), when there is or was any."""
    result, previous = facts.progress.result, facts.previous
    items, milestones = result.summary.awaiting_close_out, result.milestones_awaiting_close_out
    was = previous.result if previous is not None else None
    was_items = was.summary.awaiting_close_out if was is not None else 0
    was_milestones = was.milestones_awaiting_close_out if was is not None else 0
    if not any((items, milestones, was_items, was_milestones)):
        return []
    item_change = signed(items - was_items, 0) if was is not None else "—"
    milestone_change = signed(milestones - was_milestones, 0) if was is not None else "—"
    label = _("Done, awaiting close-out")
    return [(label, str(items), item_change, str(milestones), milestone_change)]


def _gap(progress: float, expected: float) -> str:
    points = percent(progress) - percent(expected)
    if round(points, 1) < 0:
        return _("%(points)s percentage points behind", points=f"{-points:.1f}")
    if round(points, 1) > 0:
        return _("%(points)s percentage points ahead", points=f"{points:.1f}")
    return _("on schedule")


def _overall(facts: BulletinFacts, language: str) -> list[Block]:
    """一、总体进展: progress against expected, counts by status, change since last month."""
    result = facts.progress.result
    summary = result.summary
    blocks: list[Block] = [Heading(_("1. Overall progress"), 1)]
    blocks.append(
        Paragraph(
            _(
                "As of %(date)s, the plan's overall progress is %(progress)s, against "
                "%(expected)s expected from the time elapsed (%(gap)s).",
                date=long_date(facts.as_of, language),
                progress=shown_percent(summary.progress),
                expected=shown_percent(summary.expected),
                gap=_gap(summary.progress, summary.expected),
            )
        )
    )
    blocks.append(
        Paragraph(
            _(
                "Of the %(items)d items — %(counts)s. Of the %(milestones)d milestones — "
                "%(milestone_counts)s.",
                items=summary.item_count,
                counts=_counts(
                    summary.status_counts,
                    language,
                    milestones=False,
                    awaiting=summary.awaiting_close_out,
                ),
                milestones=result.milestone_total,
                milestone_counts=_counts(
                    result.milestone_counts,
                    language,
                    milestones=True,
                    awaiting=result.milestones_awaiting_close_out,
                ),
            )
        )
    )
    previous = facts.previous
    if previous is None:
        blocks.append(Paragraph(_("This is the plan's first month: there is no month before.")))
    else:
        before = previous.result.summary.progress
        change = percent(summary.progress) - percent(before)
        blocks.append(
            Paragraph(
                _(
                    "Since the end of last month (%(date)s, %(before)s) overall progress "
                    "changed by %(change)s percentage points; %(approved)d reports were "
                    "approved this month.",
                    date=long_date(facts.month.previous.last, language),
                    before=shown_percent(before),
                    change=signed(change),
                    approved=len(facts.approved),
                )
            )
        )
    rows = []
    for status in Status:
        items = summary.status_counts.get(status, 0)
        milestones = result.milestone_counts.get(status, 0)
        if previous is None:
            item_change = milestone_change = "—"
        else:
            was = previous.result
            item_change = signed(items - was.summary.status_counts.get(status, 0), 0)
            milestone_change = signed(milestones - was.milestone_counts.get(status, 0), 0)
        rows.append(
            (status_label(status), str(items), item_change, str(milestones), milestone_change)
        )
        if status is Status.DONE:
            rows.extend(_awaiting_row(facts))
    blocks.append(
        Table(
            name="status-counts",
            headers=(
                _("Status"),
                _("Number of items"),
                _("Change since last month"),
                _("Number of milestones"),
                _("Change since last month"),
            ),
            rows=tuple(rows),
            widths=(3.6, 2.6, 3.2, 2.6, 3.2),
            numeric=frozenset({1, 2, 3, 4}),
        )
    )
    return blocks


def _approved_line(approved: ApprovedReport, language: str) -> str:
    report: Report = approved.report
    who = department_name(report.department, language)
    day = short_date(approved.approved_on, language)
    milestone = report.milestone
    if milestone is not None:
        return _(
            "%(code)s %(title)s: %(status)s, progress %(progress)s (%(department)s, approved "
            "%(date)s)",
            code=milestone.code,
            title=text_of(milestone, "title", language),
            status=status_label(Status(report.status or milestone.reported_status)),
            progress=f"{report.progress if report.progress is not None else milestone.progress}%",
            department=who,
            date=day,
        )
    if report.indicator is not None and report.measurement_value is not None:
        return _(
            "%(code)s %(indicator)s: %(value)s %(unit)s on %(measured)s (%(department)s, "
            "approved %(date)s)",
            code=report.item.code,
            indicator=text_of(report.indicator, "name", language),
            value=f"{number(report.measurement_value):,}",
            unit=text_of(report.indicator, "unit", language),
            measured=short_date(report.measured_on, language) if report.measured_on else "",
            department=who,
            date=day,
        )
    return _(
        "%(code)s: %(note)s (%(department)s, approved %(date)s)",
        code=report.item.code,
        note=report.note.strip() or "—",
        department=who,
        date=day,
    )


def _item_row(facts: BulletinFacts, item: Item, result: Any, language: str) -> tuple[str, ...]:
    before = facts.previous_item_progress(item)
    change = "—" if before is None else signed(percent(result.progress) - percent(before))
    return (
        item.code,
        text_of(item, "title", language),
        department_name(item.lead_department, language),
        shown_percent(result.progress),
        shown_percent(result.expected),
        change,
        status_label(result.status),
    )


def _groups(facts: BulletinFacts, language: str) -> list[Block]:
    """二、分类推进情况: each group, its items, and what was approved this month."""
    blocks: list[Block] = [Heading(_("2. Progress by group"), 1)]
    groups = zip(facts.progress.sections, facts.progress.result.groups, strict=True)
    for index, (section, group) in enumerate(groups, start=1):
        name = text_of(section.group, "name", language)
        number_text = f"（{chinese_number(index)}）" if language == "zh" else f"2.{index} "
        blocks.append(Heading(f"{number_text}{name}", 2))
        blocks.append(
            Paragraph(
                _(
                    "Progress %(progress)s against %(expected)s expected; %(items)d items, "
                    "%(late)d of them delayed.",
                    progress=shown_percent(group.summary.progress),
                    expected=shown_percent(group.summary.expected),
                    items=group.summary.item_count,
                    late=group.summary.late_count,
                )
            )
        )
        blocks.append(
            Table(
                name=f"group-{section.group.code}",
                headers=(
                    _("Code"),
                    _("Item"),
                    _("Lead department"),
                    _("Progress"),
                    _("Expected"),
                    _("Change since last month"),
                    _("Status"),
                ),
                rows=tuple(
                    _item_row(facts, row.item, row.result, language) for row in section.rows
                ),
                widths=(1.2, 4.2, 2.9, 1.9, 1.9, 1.7, 1.8),
                numeric=frozenset({3, 4, 5}),
            )
        )
        approved = [a for row in section.rows for a in facts.approved_for(row.item)]
        if approved:
            blocks.append(Paragraph(_("Approved this month:")))
            blocks += [Paragraph(_approved_line(a, language), bullet=True) for a in approved]
        else:
            blocks.append(Paragraph(_("No report in this group was approved this month.")))
    return blocks


def _late(facts: BulletinFacts, language: str, zone: ZoneInfo) -> list[Block]:
    """三、滞后事项: overdue and at-risk milestones, who owns them, and what they last said."""
    blocks: list[Block] = [Heading(_("3. Late and at-risk milestones"), 1)]
    overdue = sum(1 for line in facts.late if line.overdue)
    blocks.append(
        Paragraph(
            _(
                "At the end of the month %(overdue)d milestones are past their due date and "
                "%(at_risk)d are reported at risk.",
                overdue=overdue,
                at_risk=len(facts.late) - overdue,
            )
        )
    )
    if not facts.late:
        return blocks
    rows = []
    for line in facts.late:
        entry = line.entry
        note = line.last_note
        said = (
            _(
                "%(date)s: %(note)s",
                date=short_date(district_day(note.submitted_at, zone), language),
                note=note.note.strip(),
            )
            if note is not None
            else "—"
        )
        rows.append(
            (
                f"{entry.milestone.code} {text_of(entry.milestone, 'title', language)}",
                department_name(entry.item.lead_department, language),
                department_name(entry.milestone.department, language),
                entry.result.due.isoformat(),
                str(line.days_late) if line.overdue else "—",
                status_label(entry.result.status),
                said,
            )
        )
    blocks.append(
        Table(
            name="late",
            headers=(
                _("Milestone"),
                _("Lead department"),
                _("Responsible department"),
                _("Due date"),
                _("Days late"),
                _("Status"),
                _("Department's last note"),
            ),
            rows=tuple(rows),
            widths=(3.6, 2.0, 2.0, 2.1, 1.4, 1.4, 3.1),
            numeric=frozenset({4}),
        )
    )
    return blocks


def _instruction_rows(
    lines: Sequence[InstructionLine], language: str, zone: ZoneInfo
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for line in lines:
        replies = "\n".join(
            f"{short_date(district_day(reply.created_at, zone), language)} "
            f"{person_name(reply.author)}：{reply.text.strip()}"
            for reply in line.replies
        )
        rows.append(
            (
                f"{line.item.code} {text_of(line.item, 'title', language)}",
                person_name(line.instruction.author),
                short_date(line.given_on, language),
                line.instruction.text.strip(),
                str(INSTRUCTION_STATES[line.state]),
                replies or "—",
            )
        )
    return tuple(rows)


def _instructions(facts: BulletinFacts, language: str, zone: ZoneInfo) -> list[Block]:
    """四、领导批示办理情况: the month's instructions with replies, and older ones still open."""
    blocks: list[Block] = [Heading(_("4. Leadership instructions"), 1)]
    given = facts.instructions_given
    states = [line.state for line in given]
    blocks.append(
        Paragraph(
            _(
                "%(given)d instructions were given this month: %(closed)d closed, %(handled)d "
                "marked handled by the department, %(open)d awaiting a reply. %(older)d "
                "instructions from earlier months are not closed yet.",
                given=len(given),
                closed=states.count(InstructionState.CLOSED),
                handled=states.count(InstructionState.HANDLED),
                open=states.count(InstructionState.OPEN),
                older=len(facts.instructions_open),
            )
        )
    )
    headers = (
        _("Item"),
        _("Given by"),
        _("Given on"),
        _("Instruction"),
        _("State"),
        _("Replies"),
    )
    widths = (3.0, 1.6, 1.6, 4.0, 1.6, 3.8)
    if given:
        blocks.append(
            Table("instructions", headers, _instruction_rows(given, language, zone), widths)
        )
    if facts.instructions_open:
        blocks.append(Paragraph(_("Instructions from earlier months not closed yet:")))
        rows = _instruction_rows(facts.instructions_open, language, zone)
        blocks.append(Table("instructions-open", headers, rows, widths))
    return blocks


def _departments(facts: BulletinFacts, language: str) -> list[Block]:
    """五、部门推进情况: the board's department table, ranked by on-time rate."""
    blocks: list[Block] = [
        Heading(_("5. Departments"), 1),
        Paragraph(
            _(
                "Departments ranked by their on-time rate: of their milestones that have come "
                "due, the share done by the due date. Departments with nothing due yet come "
                "last."
            )
        ),
    ]
    rows = []
    for rank, line in enumerate(facts.board.departments, start=1):
        score = line.score
        rate = score.on_time_rate
        rows.append(
            (
                str(rank),
                department_name(line.department, language),
                str(score.owned),
                str(score.done),
                str(score.done_on_time),
                str(score.overdue),
                str(score.stale),
                "—" if rate is None else shown_percent(rate * 100),
            )
        )
    blocks.append(
        Table(
            name="departments",
            headers=(
                _("Rank"),
                _("Department"),
                _("Number of milestones"),
                _("Done"),
                _("Done on time"),
                _("Overdue"),
                _("No update for 30+ days"),
                _("On-time rate"),
            ),
            rows=tuple(rows),
            widths=(1.0, 3.6, 1.6, 1.5, 1.7, 1.5, 2.3, 2.4),
            numeric=frozenset({0, 2, 3, 4, 5, 6, 7}),
        )
    )
    return blocks


def _next_month(facts: BulletinFacts, language: str) -> list[Block]:
    """六、下月重点: open milestones due next month."""
    following = facts.month.next
    blocks: list[Block] = [
        Heading(_("6. Next month"), 1),
        Paragraph(
            _(
                "%(num)d milestones fall due in %(month)s.",
                num=len(facts.due_next),
                month=month_name(following, language),
            )
        ),
    ]
    if facts.due_next:
        rows = tuple(
            (
                line.result.due.isoformat(),
                f"{line.milestone.code} {text_of(line.milestone, 'title', language)}",
                department_name(line.milestone.department, language),
                status_label(line.result.status),
                shown_percent(line.result.progress),
            )
            for line in facts.due_next
        )
        blocks.append(
            Table(
                name="next-month",
                headers=(
                    _("Due date"),
                    _("Milestone"),
                    _("Responsible department"),
                    _("Status"),
                    _("Progress"),
                ),
                rows=rows,
                widths=(2.2, 6.6, 3.0, 1.8, 2.0),
                numeric=frozenset({4}),
            )
        )
    return blocks


# ---- what changed since the previous bulletin of the month ---------------------------------


def change_text(change: FigureChange) -> str:
    """One changed figure in words, in the current language: "T1 progress: 45.0% → 52.5%"."""
    kind, _dot, rest = change.key.partition(".")
    subject, _dot, measure = rest.rpartition(".")
    label = _figure_label(kind, subject, measure)
    return (
        f"{label}: {_figure_value(measure, change.before)} → {_figure_value(measure, change.after)}"
    )


def _figure_label(kind: str, subject: str, measure: str) -> str:
    totals = {
        ("plan", "progress"): _("Overall progress"),
        ("plan", "expected"): _("Expected progress"),
        ("late", "overdue"): _("Milestones overdue"),
        ("late", "at_risk"): _("Milestones at risk"),
        ("approved", "count"): _("Reports approved this month"),
        ("instructions", "given"): _("Instructions given this month"),
        ("instructions", "open"): _("Instructions not closed"),
        ("due_next", "count"): _("Milestones due next month"),
    }
    if not subject and (kind, measure) in totals:
        return totals[(kind, measure)]
    if kind == "plan" and measure in STATUSES:
        status = status_label(Status(measure))
        if subject == "items":
            return _("Items %(status)s", status=status)
        return _("Milestones %(status)s", status=status)
    names = {
        "group": _("Group %(code)s", code=subject),
        "item": _("Item %(code)s", code=subject),
        "milestone": _("Milestone %(code)s", code=subject),
        "department": _("Department %(code)s", code=subject),
    }
    measures = {
        "progress": _("progress"),
        "status": _("status"),
        "rank": _("rank"),
        "on_time_rate": _("on-time rate"),
        "overdue": _("overdue milestones"),
    }
    return f"{names.get(kind, subject)} {measures.get(measure, measure)}"


def _figure_value(measure: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if measure in {"progress", "expected", "on_time_rate"} and isinstance(value, int | float):
        return f"{value:.1f}%"
    if measure == "status" and isinstance(value, str):
        try:
            return status_label(Status(value))
        except ValueError:
            return value
    return str(value)


# ---- writing the .docx ---------------------------------------------------------------------


def bulletin_filename(plan: Plan, month: Month, language: str) -> str:
    """通报-<plan>-<month>.docx (bulletin-…-en.docx in English)."""
    if language == "zh":
        return f"通报-{plan.code}-{month}.docx"
    return f"bulletin-{plan.code}-{month}-en.docx"


def _set_fonts(style: BaseStyle, fonts: tuple[str, str]) -> None:
    """Latin and east-Asian fonts of a style; theme fonts (which would win) are removed."""
    latin, east_asian = fonts
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for name in list(rfonts.attrib):
        if name.endswith("Theme") or name.endswith("theme"):
            del rfonts.attrib[name]
    for attribute, value in (
        ("w:ascii", latin),
        ("w:hAnsi", latin),
        ("w:cs", latin),
        ("w:eastAsia", east_asian),
    ):
        rfonts.set(qn(attribute), value)


def _style(document: DocxDocument, name: str, fonts: tuple[str, str], size: Any) -> Any:
    style = document.styles[name]
    _set_fonts(style, fonts)
    style.font.size = size
    style.font.color.rgb = BLACK
    return style


def _set_up_styles(document: DocxDocument) -> None:
    """Normal in 仿宋 四号, Title in 黑体 二号, Heading 1 in 黑体 三号, Heading 2 in 仿宋 bold."""
    normal = _style(document, "Normal", BODY_FONT, BODY_SIZE)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    title = _style(document, "Title", HEADING_FONT, TITLE_SIZE)
    title.font.bold = False
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)  # the template's blue rule under the title
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    heading1 = _style(document, "Heading 1", HEADING_FONT, HEADING_SIZE)
    heading1.font.bold = False
    heading1.paragraph_format.space_before = Pt(12)
    heading1.paragraph_format.space_after = Pt(6)
    heading2 = _style(document, "Heading 2", BODY_FONT, HEADING_SIZE)
    heading2.font.bold = True
    heading2.paragraph_format.space_before = Pt(8)
    heading2.paragraph_format.space_after = Pt(4)
    _style(document, "List Bullet", BODY_FONT, BODY_SIZE)
    _style(document, "Table Grid", BODY_FONT, TABLE_SIZE)
    footer = _style(document, "Footer", BODY_FONT, Pt(12))
    footer.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _declare_fonts(document: DocxDocument) -> None:
    """Give 仿宋 and 黑体 their Windows names and families in the font table, so a machine
    without the Chinese names substitutes a like face rather than any face."""
    parts = document.part.package.iter_parts()
    part = next(p for p in parts if p.partname.endswith("fontTable.xml"))
    entries = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alternative}"/>'
        f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>'
        "</w:font>"
        for name, alternative, family, pitch in FONT_TABLE
    )
    blob = part.blob.replace(b"</w:fonts>", entries.encode("utf-8") + b"</w:fonts>")
    part._blob = blob  # python-docx keeps a plain part's bytes there


def _page_number(paragraph: DocxParagraph) -> None:
    """ "— 3 —" with the number as a PAGE field, which Word and LibreOffice fill in."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, shown, end):
        run._r.append(element)
    paragraph.add_run(" —")


def _set_up_page(document: DocxDocument) -> None:
    """A4 portrait with the margins of official documents (GB/T 9704), page numbers below."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    _page_number(footer)


def _keep_rows_whole(table: DocxTable) -> None:
    """The heading row is repeated at the top of every page the table runs onto, and no row
    is split between two pages."""
    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        whole = OxmlElement("w:cantSplit")
        whole.set(qn("w:val"), "true")
        properties.append(whole)
        if index == 0:
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            properties.append(header)


def _write_table(document: DocxDocument, block: Table) -> None:
    table = document.add_table(rows=1, cols=len(block.headers))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, block.widths, strict=True):
        column.width = Cm(width)
    for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
        cell.text = clean_text(text)
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in block.rows:
        cells = table.add_row().cells
        for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = clean_text(text)
            if index in block.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for cell, width in zip(row.cells, block.widths, strict=True):
            cell.width = Cm(width)
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            cell.paragraphs[0].paragraph_format.line_spacing = 1.0
    _keep_rows_whole(table)
    document.add_paragraph()  # room after the table


def write_docx(bulletin: BulletinDocument, *, generated_at: datetime) -> bytes:
    """The composed bulletin as .docx bytes."""
    document = Document()
    _set_up_styles(document)
    _declare_fonts(document)
    _set_up_page(document)
    document.add_paragraph(clean_text(bulletin.title), style="Title")
    issuing = document.add_paragraph(clean_text(f"{bulletin.issuer}　　{bulletin.issued_on}"))
    issuing.alignment = WD_ALIGN_PARAGRAPH.CENTER
    as_of = document.add_paragraph(clean_text(bulletin.as_of_line))
    as_of.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in bulletin.blocks:
        if isinstance(block, Heading):
            document.add_heading(clean_text(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            style = "List Bullet" if block.bullet else None
            paragraph = document.add_paragraph(clean_text(block.text), style=style)
            if not block.bullet:
                paragraph.paragraph_format.first_line_indent = Pt(28)  # two characters
        else:
            _write_table(document, block)
    properties = document.core_properties
    properties.title = clean_text(bulletin.title)
    properties.author = clean_text(bulletin.issuer)
    properties.language = "zh-CN" if bulletin.language == "zh" else "en"
    moment = generated_at.astimezone(UTC).replace(tzinfo=None)
    properties.created = properties.modified = moment
    properties.last_modified_by = "Plan Tracker"
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_bulletin(
    facts: BulletinFacts, *, language: str, generated_at: datetime, zone: ZoneInfo
) -> tuple[BulletinDocument, bytes]:
    """Compose the bulletin in ``language`` and write it: the blocks (for a page) and .docx."""
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    composed = compose_bulletin(facts, language=language, generated_at=generated_at, zone=zone)
    return composed, write_docx(composed, generated_at=generated_at)
