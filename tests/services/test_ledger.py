"""The 台账 ledger workbook: sheet names Excel accepts, then the workbook of the Shinan plan,
read back with openpyxl as the archive would open it.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import FIXTURES, load_plan
from tests.factories import create_user, department, grow_plan
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.i18n import SOURCE_LABELS
from tracker.loaders import find_plan
from tracker.models import Group, Indicator, IndicatorTarget, Item, Measurement, Milestone, User
from tracker.services.commands.history import record_change
from tracker.services.commands.instructions import create_instruction, mark_handled, reply
from tracker.services.commands.reports import approve_report, submit_milestone_report
from tracker.services.exports.ledger import (
    ABOUT_SHEET,
    INDICATOR_SHEET,
    INSTRUCTION_SHEET,
    LINE_HEIGHT,
    STATUS_FILLS,
    build_ledger,
    excel_value,
    ledger_filename,
    line_count,
    sheet_title,
)
from tracker.services.queries.progress import load_progress

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2021, 1, 5)
GENERATED = datetime(2021, 1, 5, 2, 30, tzinfo=UTC)  # 10:30 in Qingdao
SHINAN_CODES = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]
GROUPS = ["三大攻坚任务", "四项重点工程", "六大专项行动"]
# Columns of a group sheet, 0-based.
CODE, TITLE, LEAD, SUPPORTING, RESPONSIBLE, START, DUE, ORIGINAL = range(8)
STATUS, REPORTED, PROGRESS, COMPLETED, LAST_UPDATE, NOTES, SOURCE = range(8, 15)


def zh(message: object) -> str:
    with force_locale("zh_CN"):
        return str(message)


def ledger_bytes(as_of: date, *, today: date = TODAY, generated: datetime = GENERATED) -> bytes:
    plan = find_plan()
    assert plan is not None
    progress = load_progress(plan, as_of, 10.0, today=today)
    return build_ledger(plan, progress, as_of, generated_at=generated, zone=ZONE)


def ledger_at(as_of: date, **kwargs: object) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(ledger_bytes(as_of, **kwargs)))  # type: ignore[arg-type]


def group_rows(workbook: openpyxl.Workbook) -> dict[str, tuple[object, ...]]:
    """Every item and milestone row of the group sheets, by code."""
    rows = {}
    for name in GROUPS:
        for row in workbook[name].iter_rows(min_row=2, values_only=True):
            rows[row[CODE]] = row
    return rows


def codes(sheet: Worksheet) -> list[str]:
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def milestone(code: str) -> Milestone:
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None
    return found


# Names Excel accepts


def test_sheet_title_replaces_what_excel_forbids_and_cuts_to_31() -> None:
    assert sheet_title("三大攻坚任务") == "三大攻坚任务"
    assert sheet_title("a[b]c:d*e?f/g\\h") == "a_b_c_d_e_f_g_h"
    assert len(sheet_title("长" * 40)) == 31
    assert sheet_title("'quoted'") == "quoted"
    assert sheet_title("   ") == "_"
    assert sheet_title("\x07") == "_"
    assert sheet_title("History") == "History_"


def test_sheet_title_never_repeats_a_name_whatever_the_case() -> None:
    assert sheet_title("Tasks", ["tasks"]) == "Tasks (2)"
    assert sheet_title("Tasks", ["tasks", "Tasks (2)"]) == "Tasks (3)"
    long = "长" * 40
    first = sheet_title(long)
    second = sheet_title(long, [first])
    assert second != first
    assert len(second) == 31
    assert second.endswith(" (2)")


def test_excel_values_are_clean_text_local_times_and_whole_numbers() -> None:
    assert excel_value("年内\x07开通") == "年内开通"
    assert excel_value("") is None
    assert excel_value(970.0) == 970
    assert isinstance(excel_value(970.0), int)
    assert excel_value(0.64) == 0.64
    assert excel_value(float("nan")) == "nan"  # Excel has no NaN; text, not a broken file
    assert excel_value(datetime(2021, 1, 5, 10, 30, tzinfo=ZONE)) == datetime(2021, 1, 5, 10, 30)
    assert excel_value(date(2020, 9, 25)) == date(2020, 9, 25)


def test_filename_names_plan_and_day(seeded: Flask) -> None:
    plan = find_plan()
    assert ledger_filename(plan, date(2020, 9, 25)) == "台账-shinan-2020-2020-09-25.xlsx"


# The workbook of the Shinan plan


def test_workbook_has_about_one_sheet_per_group_and_indicators(seeded: Flask) -> None:
    workbook = ledger_at(TODAY)
    assert workbook.sheetnames == [
        zh(ABOUT_SHEET),
        *GROUPS,
        zh(INSTRUCTION_SHEET),
        zh(INDICATOR_SHEET),
    ]
    assert zh(INSTRUCTION_SHEET) == "批示"
    item_codes = [c for name in GROUPS for c in codes(workbook[name]) if "-" not in c]
    assert item_codes == SHINAN_CODES
    milestone_codes = {c for name in GROUPS for c in codes(workbook[name]) if "-" in c}
    assert milestone_codes == set(db.session.scalars(sa.select(Milestone.code)))


def test_each_item_is_followed_by_its_own_milestones(seeded: Flask) -> None:
    workbook = ledger_at(TODAY)
    current_item = None
    for name in GROUPS:
        for code in codes(workbook[name]):
            if "-" not in code:
                current_item = code
            else:
                assert code.split("-")[0] == current_item
    assert codes(workbook["三大攻坚任务"])[:6] == ["T1", "T1-1", "T1-2", "T1-3", "T1-4", "T1-5"]


def test_item_and_milestone_rows_carry_departments_dates_status_and_progress(
    seeded: Flask,
) -> None:
    rows = group_rows(ledger_at(date(2020, 9, 25)))
    t1 = rows["T1"]
    assert t1[TITLE] == "网络设施筑基"
    assert t1[LEAD] == "区工业和信息化局"
    assert t1[SUPPORTING] == "区发展和改革局、区住房和城乡建设局"
    assert t1[START] == datetime(2020, 1, 1)
    assert t1[DUE] == datetime(2022, 12, 31)
    assert t1[STATUS] == "按期推进"
    assert 0 < t1[PROGRESS] < 1
    assert t1[LAST_UPDATE] == datetime(2020, 9, 25)

    t1_3 = rows["T1-3"]
    assert t1_3[TITLE] == "年内开通5G基站970处"
    assert t1_3[LEAD] is None
    assert t1_3[RESPONSIBLE] == "区工业和信息化局"
    assert t1_3[DUE] == datetime(2020, 12, 31)
    assert t1_3[ORIGINAL] == datetime(2020, 12, 31)
    assert (t1_3[STATUS], t1_3[REPORTED]) == ("按期推进", "按期推进")
    assert t1_3[PROGRESS] == pytest.approx(0.64)
    assert t1_3[COMPLETED] is None

    assert rows["T1-4"][RESPONSIBLE] == "区住房和城乡建设局"
    t1_1 = rows["T1-1"]
    # The report says it is done, not on which day: done by the report's date, in words.
    assert (t1_1[STATUS], t1_1[PROGRESS], t1_1[COMPLETED]) == (
        "已完成",
        1,
        "于 2020-09-25 前完成（报道未给出具体日期）",
    )
    assert rows["T2-1"][COMPLETED] == datetime(2020, 8, 28)  # a day the report gives
    # Nothing recorded yet on a milestone not started: no last update rather than a made-up one.
    assert rows["T2-5"][LAST_UPDATE] is None


def test_statuses_are_computed_at_the_as_of_day(seeded: Flask) -> None:
    meeting = group_rows(ledger_at(date(2020, 9, 25)))
    later = group_rows(ledger_at(TODAY))
    # Due 2020-12-31 and still open: on track at the meeting, delayed (overdue) in January.
    assert meeting["T1-3"][STATUS] == "按期推进"
    assert later["T1-3"][STATUS] == "滞后"
    assert later["T1-3"][REPORTED] == "按期推进"
    assert later["T1-3"][NOTES] == "已逾期 5 天"
    assert later["T1"][STATUS] == "滞后"
    assert meeting["T1-3"][NOTES] is None
    # After the plan's end an open milestone is not done by it, not "overdue by 2,160 days".
    ended = group_rows(ledger_at(date(2026, 11, 30), today=date(2026, 11, 30)))
    assert ended["T1-3"][NOTES] == "计划期内未完成（原定 2020-12-31）"


def test_rows_are_styled_for_reading_and_printing(seeded: Flask) -> None:
    workbook = ledger_at(TODAY)
    sheet = workbook["三大攻坚任务"]
    header = [cell.value for cell in sheet[1]]
    assert header[LEAD].startswith("牵头单位")
    assert header[LEAD].endswith("\nLead department")
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:R{sheet.max_row}"  # P: close-out (销号); Q, R: receipt
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4)
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width

    item_row, milestone_row = sheet[2], sheet[3]
    assert (item_row[CODE].value, milestone_row[CODE].value) == ("T1", "T1-1")
    assert item_row[TITLE].font.b
    assert item_row[TITLE].fill.fgColor.rgb.endswith("EEF2F8")
    assert not milestone_row[TITLE].font.b
    assert sheet.row_dimensions[3].outline_level == 1
    assert sheet.row_dimensions[2].outline_level == 0
    # Dates are real Excel dates, progress a number shown as a percentage.
    assert milestone_row[DUE].is_date
    assert milestone_row[DUE].number_format == "yyyy-mm-dd"
    assert milestone_row[PROGRESS].number_format == "0%"
    # The status cell wears the board's colour for its status.
    delayed = next(row for row in sheet.iter_rows(min_row=2) if row[STATUS].value == "滞后")
    done = next(row for row in sheet.iter_rows(min_row=2) if row[STATUS].value == "已完成")
    assert delayed[STATUS].fill.fgColor.rgb.endswith(STATUS_FILLS[Status.DELAYED][0])
    assert done[STATUS].fill.fgColor.rgb.endswith(STATUS_FILLS[Status.DONE][0])


def test_about_sheet_says_when_what_and_how_to_read_it(seeded: Flask) -> None:
    workbook = ledger_at(date(2020, 9, 25))
    about = workbook[zh(ABOUT_SHEET)]
    values = {
        row[0]: row[1:] for row in about.iter_rows(values_only=True) if isinstance(row[0], str)
    }
    assert about["A1"].value == "《工业互联网·市南在行动》"
    assert about["A2"].value == "Industrial Internet · Shinan in Action"
    as_of = next(v for k, v in values.items() if k.startswith("截至日期"))
    assert as_of[0] == datetime(2020, 9, 25)
    generated = next(v for k, v in values.items() if k.endswith("Generated at"))
    assert generated[0] == datetime(2021, 1, 5, 10, 30)  # district time, not UTC
    overall = next(v for k, v in values.items() if k.startswith("总体进度"))
    assert 0 < overall[0] < 1
    text = " ".join(str(v) for row in about.iter_rows(values_only=True) for v in row if v)
    assert "approved" in text or "审核" in text
    assert "2020-09-25" in text  # rebuilt from the history, says so
    # The legend: one line per status in its colour, with counts that add up.
    legend = {
        row[0].value: row
        for row in about.iter_rows()
        if row[0].value in {"未启动", "按期推进", "有风险", "滞后", "已完成"}
    }
    assert len(legend) == 5
    assert legend["滞后"][0].fill.fgColor.rgb.endswith(STATUS_FILLS[Status.DELAYED][0])
    assert sum(row[1].value for row in legend.values()) == 13
    milestones = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    assert sum(row[2].value for row in legend.values()) == milestones
    assert legend["已完成"][2].value == 8


def test_indicator_sheet_lists_baseline_targets_and_measurements(seeded: Flask) -> None:
    sheet = ledger_at(TODAY)[zh(INDICATOR_SHEET)]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] == "5G基站"]
    assert [row[0] for row in rows] == ["T1"] * 4
    assert {row[2] for row in rows} == {"处"}
    assert [(row[4], row[5]) for row in rows] == [
        (datetime(2020, 9, 25), 618),
        (datetime(2020, 12, 31), 970),
        (datetime(2022, 12, 31), 1300),
        (datetime(2020, 9, 25), 618),
    ]
    assert rows[1][6] == "来源：报道"
    assert rows[3][7] == "由铁塔统筹完成，覆盖率居各区市第一"
    indicators = db.session.scalar(sa.select(sa.func.count()).select_from(Indicator))
    assert len({row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}) == indicators


def test_a_figure_shows_from_the_day_it_was_recorded(seeded: Flask) -> None:
    five_g = db.session.scalar(sa.select(Indicator).where(Indicator.code == "5g-base-stations"))
    db.session.add(
        Measurement(
            indicator_id=five_g.id,
            measured_on=date(2020, 12, 30),
            value=970,
            source="China Tower monthly report",
            recorded_at=datetime(2021, 1, 3, 17, tzinfo=UTC),  # 2021-01-04 01:00 in Qingdao
        )
    )
    db.session.commit()

    def figures(as_of: date) -> list[object]:
        sheet = ledger_at(as_of)[zh(INDICATOR_SHEET)]
        return [
            (row[5], row[6])
            for row in sheet.iter_rows(min_row=2, values_only=True)
            if row[1] == "5G基站" and row[4] == datetime(2020, 12, 30)
        ]

    assert figures(date(2021, 1, 3)) == []
    assert figures(date(2021, 1, 4)) == [(970, "China Tower monthly report")]


def test_a_pending_report_changes_nothing_and_an_approved_one_counts(seeded: Flask) -> None:
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    li = create_user("li", "dept_lead", department=department("kjj"))
    t1_3 = milestone("T1-3")
    report = submit_milestone_report(
        Who(now=datetime(2020, 12, 28, 2, tzinfo=UTC), actor=wang),
        t1_3,
        MilestoneReport(Status.DONE, 100, date(2020, 12, 28), "970 base stations opened"),
        version=t1_3.version,
        today=date(2020, 12, 28),
    )
    db.session.commit()
    pending = group_rows(ledger_at(date(2020, 12, 29), today=date(2020, 12, 29)))
    assert pending["T1-3"][STATUS] == "按期推进"
    assert pending["T1-3"][PROGRESS] == pytest.approx(0.64)
    assert pending["T1-3"][LAST_UPDATE] == datetime(2020, 9, 25)
    assert pending["T1"][NOTES] == "1 份待审核"

    approve_report(
        Who(now=datetime(2020, 12, 30, 2, tzinfo=UTC), actor=li), report, today=date(2020, 12, 30)
    )
    db.session.commit()
    approved = group_rows(ledger_at(date(2020, 12, 30), today=date(2020, 12, 30)))
    assert approved["T1-3"][STATUS] == "已完成"
    assert approved["T1-3"][PROGRESS] == 1
    assert approved["T1-3"][COMPLETED] == datetime(2020, 12, 28)
    assert approved["T1-3"][LAST_UPDATE] == datetime(2020, 12, 30)
    assert approved["T1"][LAST_UPDATE] == datetime(2020, 12, 30)
    assert approved["T1"][NOTES] is None
    # The ledger of the day before the approval, made afterwards, still shows it open.
    before = group_rows(ledger_at(date(2020, 12, 29), today=date(2020, 12, 30)))
    assert before["T1-3"][STATUS] == "按期推进"
    assert before["T1-3"][LAST_UPDATE] == datetime(2020, 9, 25)


def test_a_postponed_milestone_shows_both_due_dates(seeded: Flask) -> None:
    t1_3 = milestone("T1-3")
    record_change(
        t1_3.item,
        "due",
        t1_3.due,
        date(2021, 3, 31),
        now=datetime(2020, 12, 1, 2, tzinfo=UTC),
        effective_on=date(2020, 12, 1),
        user=None,
        milestone=t1_3,
        origin="admin",
    )
    t1_3.due = date(2021, 3, 31)
    db.session.commit()
    rows = group_rows(ledger_at(TODAY))
    assert rows["T1-3"][DUE] == datetime(2021, 3, 31)
    assert rows["T1-3"][ORIGINAL] == datetime(2020, 12, 31)
    assert rows["T1-3"][STATUS] == "按期推进"


def test_text_that_looks_like_a_formula_stays_text(seeded: Flask) -> None:
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    item.title_zh = '=HYPERLINK("http://example.invalid","点击")'
    milestone("T1-3").title_zh = "年内\x07开通5G基站\x1b970处"
    db.session.commit()
    sheet = ledger_at(TODAY)["三大攻坚任务"]
    assert sheet["B2"].value == '=HYPERLINK("http://example.invalid","点击")'
    assert sheet["B2"].data_type == "s"
    assert group_rows(ledger_at(TODAY))["T1-3"][TITLE] == "年内开通5G基站970处"


def test_group_names_excel_refuses_still_give_distinct_sheets(seeded: Flask) -> None:
    groups = db.session.scalars(sa.select(Group).order_by(Group.position)).all()
    groups[0].name_zh = "任务[一]/二：三*四?" + "长" * 40
    groups[1].name_zh = groups[0].name_zh
    db.session.commit()
    names = ledger_at(TODAY).sheetnames
    assert len(names) == 6
    assert len(set(names)) == 6
    assert all(len(name) <= 31 for name in names)
    assert names[1].startswith("任务_一__二：三_四_")
    assert names[2].endswith(" (2)")


def test_a_plan_without_indicators_still_has_the_sheet(app: Flask) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    db.session.execute(sa.delete(Measurement))
    db.session.execute(sa.delete(IndicatorTarget))
    db.session.execute(sa.delete(Indicator))
    db.session.commit()
    workbook = ledger_at(date(2021, 6, 1), today=date(2021, 6, 1))
    sheet = workbook[zh(INDICATOR_SHEET)]
    assert sheet.max_row == 2
    assert sheet["A2"].value
    assert len(workbook.sheetnames) == 5  # about, two groups, instructions, indicators


def test_workbook_is_chinese_even_from_an_english_page(seeded: Flask) -> None:
    with seeded.test_request_context("/plans/shinan-2020/?lang=en"):
        workbook = ledger_at(TODAY)
    rows = group_rows(workbook)
    assert rows["T1-3"][STATUS] == "滞后"
    assert workbook["三大攻坚任务"]["C1"].value == "牵头单位\nLead department"


def test_generation_time_must_carry_its_zone(seeded: Flask) -> None:
    with pytest.raises(ValueError, match="timezone"):
        ledger_bytes(TODAY, generated=datetime(2021, 1, 5, 10, 30))


def test_query_count_does_not_grow_with_data(seeded: Flask) -> None:
    """Ten times the milestones and their history must not mean more queries."""
    with count_queries() as before:
        ledger_bytes(TODAY)
    grow_plan()
    with count_queries() as after:
        data = ledger_bytes(TODAY)
    assert len(after) == len(before), after
    rows = group_rows(openpyxl.load_workbook(io.BytesIO(data)))
    assert len(rows) == db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) + 13


# Fitting text to paper


def test_line_count_breaks_at_spaces_and_counts_cjk_double() -> None:
    assert line_count("Code", 9) == 1
    assert line_count("Last approved update", 13) == 3  # "Last" / "approved" / "update"
    assert line_count("网络设施筑基" * 2, 44) == 1
    assert line_count("网络设施筑基" * 4, 13) == 5  # 48 wide, about 11 a line
    assert line_count("最后审核更新\nLast approved update", 24) == 2
    assert line_count("x" * 30, 11) == 4  # a word longer than the column breaks anywhere


def test_headings_wrap_and_each_row_is_as_tall_as_its_text(seeded: Flask) -> None:
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    item.title_zh = "推进5G网络、工业互联网标识解析二级节点和边缘计算节点建设，" * 3
    db.session.commit()
    workbook = ledger_at(TODAY)
    for name in [*GROUPS, "批示", zh(INDICATOR_SHEET)]:
        sheet = workbook[name]
        assert all(cell.alignment.wrap_text for cell in sheet[1]), name
        assert sheet.freeze_panes is not None
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    sheet = workbook["三大攻坚任务"]
    # "最后审核更新" over "Last approved update" in a narrow column: four lines, all shown.
    assert sheet.row_dimensions[1].height >= 4 * LINE_HEIGHT
    heights = {
        row[CODE].value: sheet.row_dimensions[row[CODE].row].height
        for row in sheet.iter_rows(min_row=2)
    }
    assert all(height is not None for height in heights.values())
    assert heights["T1"] >= 5 * LINE_HEIGHT  # 174 wide, bold, in a 44-wide column
    assert heights["T1-3"] < 2 * LINE_HEIGHT
    # "于 2020-09-25 前完成（报道未给出具体日期）" wraps in its column, all of it shown.
    assert 2 * LINE_HEIGHT < heights["T1-1"] <= 4 * LINE_HEIGHT + 4
    assert sheet["B2"].alignment.wrap_text
    # Milestone notes and statuses wrap too, instead of spilling over their neighbours.
    assert all(cell.alignment.wrap_text for cell in sheet[3] if isinstance(cell.value, str))


# The 批示 sheet


@pytest.fixture
def leaders(seeded: Flask) -> tuple[User, User]:
    return create_user("zhang", "leader"), create_user(
        "wang", "dept_lead", department=department("gxj")
    )


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A moment in UTC, December 2020 unless said otherwise."""
    return datetime(2020, month, day, hour, minute, tzinfo=UTC)


def item(code: str) -> Item:
    found = db.session.scalar(sa.select(Item).where(Item.code == code))
    assert found is not None
    return found


def test_instruction_sheet_lists_them_by_item_then_oldest_first(
    leaders: tuple[User, User],
) -> None:
    zhang, wang = leaders
    p2 = create_instruction(Who(now=at(1, 2), actor=zhang), item("P2"), "商务局牵头推进", None)
    later = create_instruction(Who(now=at(20, 23, 31), actor=zhang), item("T1"), "加快开通", None)
    earlier = create_instruction(
        Who(now=at(3, 1), actor=zhang), item("T1"), "年底前完成970处", date(2020, 12, 31)
    )
    reply(Who(now=at(4, 3), actor=wang), earlier, "已部署，月底前完成。")
    mark_handled(Who(now=at(28, 3), actor=wang), earlier, "已开通。")
    reply(Who(now=datetime(2021, 1, 6, 3, tzinfo=UTC), actor=wang), later, "明天才写的回复")
    create_instruction(
        Who(now=datetime(2021, 1, 5, 16, 30, tzinfo=UTC), actor=zhang),
        item("A1"),
        "次日的批示",
        None,
    )
    db.session.commit()
    assert p2.id < later.id < earlier.id

    sheet = ledger_at(TODAY)["批示"]
    assert [cell.value for cell in sheet[1]][3:5] == ["批示人\nGiven by", "批示时间\nGiven at"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[6]) for row in rows] == [
        ("T1", "年底前完成970处"),
        ("T1", "加快开通"),
        ("P2", "商务局牵头推进"),
    ]  # 2021-01-06 00:30 in Qingdao is after the as-of day: not shown
    first, second, third = rows
    assert first[1] == "网络设施筑基"
    assert first[2] == "区工业和信息化局"
    assert first[3] == "Zhang"
    assert first[4] == datetime(2020, 12, 3, 9, 0)  # local time
    assert first[5] == datetime(2020, 12, 31)
    assert first[7] == "已办理"
    assert first[8] == (
        "2020-12-04 11:00 区工业和信息化局 Wang：已部署，月底前完成。\n"
        "2020-12-28 11:00 区工业和信息化局 Wang：已开通。"
    )
    assert second[4] == datetime(2020, 12, 21, 7, 31)  # 23:31 UTC is the next morning
    assert (second[7], second[8]) == ("待办理", None)  # the reply came after the as-of day
    assert third[2] == "区商务局"
    assert sheet.row_dimensions[2].height > sheet.row_dimensions[4].height  # two replies

    # On the day before it was marked handled, it was still waiting, with one reply.
    before = ledger_at(date(2020, 12, 27))["批示"]
    first = next(before.iter_rows(min_row=2, values_only=True))
    assert (first[7], first[8]) == (
        "待办理",
        "2020-12-04 11:00 区工业和信息化局 Wang：已部署，月底前完成。",
    )


def test_a_plan_without_instructions_says_so(seeded: Flask) -> None:
    sheet = ledger_at(TODAY)["批示"]
    assert sheet.max_row == 2
    assert sheet["A2"].value == "截至当日没有批示。"


def test_query_count_does_not_grow_with_instructions(leaders: tuple[User, User]) -> None:
    zhang, wang = leaders
    create_instruction(Who(now=at(1, 2), actor=zhang), item("T1"), "第一条", None)
    db.session.commit()
    with count_queries() as before:
        ledger_bytes(TODAY)
    reader = create_user("li", "dept_lead", department=department("kjj"))
    for number, code in enumerate(["T1", "T2", "P2", "A3"] * 3):
        given = create_instruction(
            Who(now=at(2, number), actor=zhang), item(code), f"批示{number}", None
        )
        reply(Who(now=at(3, number), actor=wang), given, "回复")
        reply(Who(now=at(4, number), actor=reader), given, "补充")
    db.session.commit()
    with count_queries() as after:
        data = ledger_bytes(TODAY)
    assert len(after) == len(before), after
    sheet = openpyxl.load_workbook(io.BytesIO(data))["批示"]
    assert sheet.max_row == 1 + 13


def test_every_sheet_tells_report_facts_from_sample_data(seeded: Flask) -> None:
    """A Source column on every table: the report's milestones and figures, sample data, and
    what was recorded in the tracker; the about sheet says what the column means."""
    workbook = ledger_at(TODAY)
    rows = group_rows(workbook)
    assert workbook[GROUPS[0]].cell(1, SOURCE + 1).value == "来源\nSource"
    assert rows["T1"][SOURCE] == "分工和日期为样例数据"  # items: sample assignment and dates
    assert rows["T1-1"][SOURCE] == "来源：报道"
    assert rows["T1-3"][SOURCE] == zh(SOURCE_LABELS["sample"])
    indicators = workbook[zh(INDICATOR_SHEET)]
    headings = [cell.value for cell in indicators[1]]
    source = headings.index("来源\nSource")
    by_kind = {
        (row[1], row[3], row[4].date()): row[source]
        for row in indicators.iter_rows(min_row=2, values_only=True)
        if row[4] is not None
    }
    assert by_kind[("5G基站", "基准值", date(2020, 9, 25))] == "来源：报道"
    assert by_kind[("5G基站", "目标值", date(2020, 12, 31))] == "来源：报道"
    assert by_kind[("华夏基石引进的区域总部和分支机构", "目标值", date(2021, 12, 31))] == zh(
        SOURCE_LABELS["sample"]
    )
    instructions = workbook[zh(INSTRUCTION_SHEET)]
    assert [cell.value for cell in instructions[1]][-1] == "来源\nSource"
    # (an instruction's row says 系统内录入: tests/web/test_exports.py writes one)
    notes = [
        str(cell.value)
        for row in workbook[workbook.sheetnames[0]].iter_rows()
        for cell in row
        if cell.value
    ]
    assert any("来源”列区分" in note for note in notes)
