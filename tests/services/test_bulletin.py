"""The monthly bulletin (督办通报) as Word reads it: opened with python-docx, its sections,
tables and figures checked against ``GET /api/v1/plan?as_of=<month end>``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
import sqlalchemy as sa
from docx.document import Document
from docx.oxml.ns import qn
from flask import Flask
from flask_babel import force_locale

from tests.api.conftest import make_token
from tests.conftest import load_plan
from tests.factories import create_user, department
from tracker.domain.bulletins import Month
from tracker.domain.refusal import Refused, Who
from tracker.domain.reporting import ItemReport, MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.loaders import find_plan
from tracker.models import Bulletin, Indicator, Item, Milestone, Report, User
from tracker.services.commands.bulletins import issue_bulletin, prepare_bulletin
from tracker.services.commands.instructions import create_instruction, reply
from tracker.services.commands.reports import (
    approve_report,
    submit_item_report,
    submit_milestone_report,
)
from tracker.services.exports.bulletin import change_text
from tracker.services.queries.board import Filters, build_board

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2021, 7, 2, 2, 0, tzinfo=UTC)  # 10:00 on 2 July 2021 in Qingdao
TODAY = date(2021, 7, 2)
JUNE = Month(2021, 6)
STATUS_ZH = {"not_started": "未启动", "on_track": "按期推进", "at_risk": "有风险",
             "delayed": "滞后", "done": "已完成"}  # fmt: skip
HEADINGS = ["一、总体进展", "二、分类推进情况", "三、滞后事项", "四、领导批示办理情况",
            "五、部门推进情况", "六、下月重点"]  # fmt: skip


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


def at(month: int, day: int, hour: int = 2) -> datetime:
    return datetime(2021, month, day, hour, tzinfo=UTC)


def milestone(code: str) -> Milestone:
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None
    return found


def item(code: str) -> Item:
    found = db.session.scalar(sa.select(Item).where(Item.code == code))
    assert found is not None
    return found


@pytest.fixture
def june(app: Flask) -> dict[str, User]:
    """The Shinan plan with a June: a milestone reported done and approved, a figure approved,
    a late milestone explained in a pending report, an instruction with a reply, and an older
    instruction still open."""
    load_plan()
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    li = create_user("li", "dept_lead", department=department("kjj"))
    zhang = create_user("zhang", "leader")
    t1_3 = milestone("T1-3")
    done = submit_milestone_report(
        Who(now=at(6, 10), actor=wang),
        t1_3,
        MilestoneReport(Status.DONE, 100, date(2021, 6, 10), "970 base stations opened"),
        version=t1_3.version,
        today=date(2021, 6, 10),
    )
    approve_report(Who(now=at(6, 15), actor=li), done, today=date(2021, 6, 15))
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.item_id == item("T1").id))
    assert indicator is not None
    figure = submit_item_report(
        Who(now=at(6, 20), actor=wang),
        item("T1"),
        ItemReport("5G figures for June", 1100, date(2021, 6, 18), has_indicator=True),
        indicator=indicator,
        source="China Tower",
        version=item("T1").version,
        today=date(2021, 6, 20),
    )
    approve_report(Who(now=at(6, 21), actor=li), figure, today=date(2021, 6, 21))
    a6_1 = milestone("A6-1")
    submit_milestone_report(
        Who(now=at(6, 25), actor=create_user("sun", "dept_lead", department=department("gxj"))),
        a6_1,
        MilestoneReport(Status.DELAYED, 40, None, "场地调整，推迟至8月举办"),
        version=a6_1.version,
        today=date(2021, 6, 25),
    )
    old = create_instruction(Who(now=at(5, 6), actor=zhang), item("P2"), "五月的批示", None)
    given = create_instruction(Who(now=at(6, 8), actor=zhang), item("T1"), "加快5G建设", None)
    reply(Who(now=at(6, 9), actor=wang), given, "已部署。")
    db.session.commit()
    assert old.state == "open"
    return {"wang": wang, "li": li, "zhang": zhang}


def bulletin_bytes(month: Month = JUNE, language: str = "zh") -> bytes:
    plan = find_plan()
    assert plan is not None
    prepared = prepare_bulletin(
        Who(now=NOW), plan, month, language, today=TODAY, margin=10.0, zone=ZONE
    )
    return prepared.content


def open_docx(content: bytes) -> Document:
    return docx.Document(io.BytesIO(content))


def api_plan(app: Flask, user: User, as_of: str = "2021-06-30") -> dict[str, Any]:
    token = make_token(user)
    response = app.test_client().get(
        f"/api/v1/plan?as_of={as_of}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return response.get_json()


def table_by_header(document: Document, first: str, second: str | None = None) -> list[list[str]]:
    """The rows (heading row included) of the tables whose heading starts with these cells."""
    found = []
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows[0][0] == first and (second is None or rows[0][1] == second):
            found.append(rows)
    assert found, f"no table headed {first}, {second}"
    return [row for rows in found for row in rows[1:]]


def paragraphs(document: Document, style: str | None = None) -> Iterator[str]:
    for paragraph in document.paragraphs:
        if style is None or paragraph.style.name == style:
            yield paragraph.text


def test_the_title_names_the_plan_the_year_and_the_month(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes())
    title = next(paragraphs(document, "Title"))
    assert title == "《工业互联网·市南在行动》推进情况通报（2021年第6期）"
    body = list(paragraphs(document))
    assert "区科技局　　2021年7月2日" in body  # the coordinating office, the day it was issued
    assert "（数据截至2021年6月30日）" in body
    assert document.core_properties.title == title


def test_sections_are_real_word_headings(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes())
    assert list(paragraphs(document, "Heading 1")) == HEADINGS
    assert list(paragraphs(document, "Heading 2")) == [
        "（一）三大攻坚任务",
        "（二）四项重点工程",
        "（三）六大专项行动",
    ]


def test_the_page_is_a4_with_page_numbers_and_chinese_fonts(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes())
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    footer = section.footer._element.xml
    assert "PAGE" in footer
    assert 'w:fldCharType="begin"' in footer

    def east_asian(style: str) -> str | None:
        fonts = document.styles[style].element.rPr.find(qn("w:rFonts"))
        return fonts.get(qn("w:eastAsia"))

    assert east_asian("Normal") == "仿宋"
    assert east_asian("Heading 1") == "黑体"
    assert east_asian("Title") == "黑体"
    assert east_asian("Table Grid") == "仿宋"
    heading_fonts = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading_fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win
    font_table = next(
        p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml")
    ).blob.decode("utf-8")
    assert '<w:font w:name="仿宋"><w:altName w:val="FangSong"/>' in font_table
    assert '<w:font w:name="黑体"><w:altName w:val="SimHei"/>' in font_table
    for table in document.tables:  # the heading row repeats on every page
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_overall_figures_equal_the_api_at_the_month_end(app: Flask, june: dict[str, User]) -> None:
    api = api_plan(app, june["zhang"])
    document = open_docx(bulletin_bytes())
    body = "\n".join(paragraphs(document))
    assert f"计划总体进度为{api['progress']:.1f}%" in body
    assert f"按时间进度应达{api['expected_progress']:.1f}%" in body
    counts = {row[0]: row for row in table_by_header(document, "状态", "任务数")}
    milestones = [m for g in api["groups"] for i in g["items"] for m in i["milestones"]]
    # Done and approved this month, not yet closed out (销号): a row of its own beside 已完成.
    awaiting = [m for m in milestones if m["status"] == "done" and m["close_out"] == "awaiting"]
    assert awaiting
    assert set(counts) == {*STATUS_ZH.values(), "已完成待销号"}
    assert int(counts["已完成待销号"][1]) == api["awaiting_close_out"]
    assert int(counts["已完成待销号"][3]) == len(awaiting)
    for status, label in STATUS_ZH.items():
        assert int(counts[label][1]) == api["status_counts"].get(status, 0)
    for status, label in STATUS_ZH.items():
        counted = [m for m in milestones if m["status"] == status and m not in awaiting]
        assert int(counts[label][3]) == len(counted)


def test_every_group_and_item_equals_the_api(app: Flask, june: dict[str, User]) -> None:
    api = api_plan(app, june["zhang"])
    document = open_docx(bulletin_bytes())
    rows = {row[0]: row for row in table_by_header(document, "编号", "事项")}
    api_items = [i for g in api["groups"] for i in g["items"]]
    assert list(rows) == [i["code"] for i in api_items]
    for api_item in api_items:
        _code, title, _lead, progress, expected, _change, status = rows[api_item["code"]]
        assert title == api_item["title"]["zh"]
        assert progress == f"{api_item['progress']:.1f}%"
        assert expected == f"{api_item['expected_progress']:.1f}%"
        assert status == STATUS_ZH[api_item["status"]]
    body = "\n".join(paragraphs(document))
    for group in api["groups"]:
        figures = f"进度{group['progress']:.1f}%，按时间进度应达{group['expected_progress']:.1f}%"
        assert figures in body
    assert rows["T1"][2] == "区工业和信息化局"


def test_what_was_approved_this_month_is_listed_under_its_group(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes())
    body = list(paragraphs(document))
    bullets = list(paragraphs(document, "List Bullet"))
    assert len(bullets) == 2
    assert bullets[0].startswith("T1-3 ")
    assert bullets[0].endswith("：已完成，进度100%（区工业和信息化局，6月15日审核通过）")
    assert bullets[1].startswith("T1 ")
    assert bullets[1].endswith("：6月18日达到1,100处（区工业和信息化局，6月21日审核通过）")
    assert "本月审核通过：" in body
    assert body.count("本类任务本月无审核通过的报告。") == 2  # the other two groups
    assert "本月审核通过报告2份" in "".join(body)
    # June's approvals are not July's.
    assert list(paragraphs(open_docx(bulletin_bytes(Month(2021, 7))), "List Bullet")) == []


def test_late_milestones_carry_owner_days_late_and_the_last_note(
    app: Flask, june: dict[str, User]
) -> None:
    api = api_plan(app, june["zhang"])
    milestones = [m for g in api["groups"] for i in g["items"] for m in i["milestones"]]
    overdue = {m["code"]: m for m in milestones if m["overdue"]}
    at_risk = {m["code"] for m in milestones if m["status"] == "at_risk"}
    document = open_docx(bulletin_bytes())
    rows = {row[0].split(" ")[0]: row for row in table_by_header(document, "节点", "牵头单位")}
    assert set(rows) == set(overdue) | at_risk
    assert "T1-3" not in rows  # done in June
    a6_1 = rows["A6-1"]
    due = date.fromisoformat(overdue["A6-1"]["due"])
    assert a6_1[3] == due.isoformat()
    assert a6_1[4] == str((date(2021, 6, 30) - due).days)
    assert a6_1[5] == "滞后"
    assert a6_1[6] == "6月25日：场地调整，推迟至8月举办"  # pending, but the department's word
    body = "".join(paragraphs(document))
    assert f"逾期未完成节点{len(overdue)}个" in body


def test_instructions_of_the_month_and_older_open_ones(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes())
    tables = [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in document.tables
        if table.rows[0].cells[0].text == "事项" and table.rows[0].cells[1].text == "批示人"
    ]
    this_month, older = tables
    assert [row[3] for row in this_month[1:]] == ["加快5G建设"]
    assert this_month[1][0].startswith("T1 ")
    assert this_month[1][1:3] == ["Zhang", "6月8日"]
    assert this_month[1][4] == "待办理"
    assert this_month[1][5] == "6月9日 Wang：已部署。"
    assert [row[3] for row in older[1:]] == ["五月的批示"]
    body = "".join(paragraphs(document))
    assert "本月领导批示1件" in body
    assert "以前月份批示尚未办结1件" in body


def test_departments_are_ranked_as_the_board_ranks_them(june: dict[str, User]) -> None:
    plan = find_plan()
    assert plan is not None
    board = build_board(plan, as_of=date(2021, 6, 30), today=TODAY, margin=10.0, filters=Filters())
    rows = table_by_header(open_docx(bulletin_bytes()), "排名", "部门")
    assert [row[1] for row in rows] == [line.department.name_zh for line in board.departments]
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for row, line in zip(rows, board.departments, strict=True):
        score = line.score
        assert row[2:6] == [
            str(score.owned),
            str(score.done),
            str(score.done_on_time),
            str(score.overdue),
        ]


def test_next_month_lists_the_open_milestones_falling_due(
    app: Flask, june: dict[str, User]
) -> None:
    api = api_plan(app, june["zhang"], as_of="2021-05-31")
    due_in_june = sorted(
        m["code"]
        for g in api["groups"]
        for i in g["items"]
        for m in i["milestones"]
        if m["due"].startswith("2021-06") and m["status"] != "done"
    )
    assert due_in_june
    document = open_docx(bulletin_bytes(Month(2021, 5)))
    rows = table_by_header(document, "截止日期", "节点")
    assert sorted(row[1].split(" ")[0] for row in rows) == due_in_june
    assert f"2021年6月共有{len(due_in_june)}个节点到期。" in "".join(paragraphs(document))


def test_change_since_last_month_is_against_the_previous_month_end(
    app: Flask, june: dict[str, User]
) -> None:
    may = api_plan(app, june["zhang"], as_of="2021-05-31")
    now = api_plan(app, june["zhang"])
    document = open_docx(bulletin_bytes())
    body = "".join(paragraphs(document))
    change = round(now["progress"] - may["progress"], 1)
    assert change > 0
    assert f"（2021年5月31日，{may['progress']:.1f}%）" in body
    assert f"总体进度变化+{change:.1f}个百分点" in body
    rows = {row[0]: row for row in table_by_header(document, "编号", "事项")}
    may_items = {i["code"]: i for g in may["groups"] for i in g["items"]}
    now_items = {i["code"]: i for g in now["groups"] for i in g["items"]}
    t1 = round(now_items["T1"]["progress"] - may_items["T1"]["progress"], 1)
    assert t1 > 0
    assert rows["T1"][5] == f"+{t1:.1f}"
    assert rows["P1"][5] == "0.0"


def test_the_english_bulletin_says_the_same_in_english(june: dict[str, User]) -> None:
    document = open_docx(bulletin_bytes(language="en"))
    title = next(paragraphs(document, "Title"))
    assert title == "Industrial Internet · Shinan in Action progress bulletin (2021, No. 6)"
    assert list(paragraphs(document, "Heading 1")) == [
        "1. Overall progress",
        "2. Progress by group",
        "3. Late and at-risk milestones",
        "4. Leadership instructions",
        "5. Departments",
        "6. Next month",
    ]
    rows = {row[0]: row for row in table_by_header(document, "Code", "Item")}
    assert rows["T1"][2] == "Shinan District Bureau of Industry and Information Technology"
    assert rows["T1"][6] in {"Delayed", "On track", "At risk", "Done", "Not started"}
    issuing = "Shinan District Science and Technology Bureau　　2 July 2021"
    assert issuing in list(paragraphs(document))


def test_a_month_not_over_yet_is_the_board_of_today(june: dict[str, User]) -> None:
    plan = find_plan()
    assert plan is not None
    prepared = prepare_bulletin(
        Who(now=NOW), plan, Month(2021, 7), "zh", today=TODAY, margin=10.0, zone=ZONE
    )
    assert prepared.facts.as_of == TODAY
    assert "（数据截至2021年7月2日）" in list(paragraphs(open_docx(prepared.content)))


@pytest.mark.parametrize(
    ("month", "language", "problem"),
    [
        (Month(2019, 12), "zh", "bulletin_month_outside_plan"),
        (Month(2023, 1), "zh", "bulletin_month_outside_plan"),
        (Month(2021, 8), "zh", "bulletin_month_not_begun"),
        (Month(2021, 6), "fr", "bulletin_language_unknown"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_kept(
    june: dict[str, User], month: Month, language: str, problem: str
) -> None:
    plan = find_plan()
    assert plan is not None
    with pytest.raises(Refused) as refused:
        issue_bulletin(Who(now=NOW), plan, month, language, today=TODAY, margin=10.0, zone=ZONE)
    assert [str(p) for p in refused.value.problems] == [problem]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bulletin)) == 0


def test_regenerating_after_late_approvals_lists_what_changed(june: dict[str, User]) -> None:
    """Issued on 28 June, June's bulletin is issued again on 2 July after an approval made on
    29 June: the second one says which figures moved, a third one that nothing did."""
    plan = find_plan()
    assert plan is not None
    li = june["li"]
    first = issue_bulletin(
        Who(now=at(6, 28), actor=li),
        plan,
        JUNE,
        "zh",
        today=date(2021, 6, 28),
        margin=10.0,
        zone=ZONE,
    )
    db.session.commit()
    assert (first.number, first.changes, first.bulletin.as_of) == (1, [], date(2021, 6, 28))
    report = db.session.scalar(sa.select(Report).where(Report.milestone_id == milestone("A6-1").id))
    approve_report(Who(now=at(6, 29), actor=li), report, today=date(2021, 6, 29))
    db.session.commit()
    second = issue_bulletin(
        Who(now=NOW, actor=li), plan, JUNE, "zh", today=TODAY, margin=10.0, zone=ZONE
    )
    db.session.commit()
    assert second.number == 2
    changes = {change.key: change for change in second.changes}
    moved = changes["milestone.A6-1.progress"]
    assert (moved.before, moved.after) == (30.0, 40.0)
    assert (changes["approved.count"].before, changes["approved.count"].after) == (2, 3)
    assert "plan.progress" in changes
    with force_locale("zh_CN"):
        assert change_text(changes["approved.count"]) == "本月审核通过报告数: 2 → 3"
        assert change_text(moved) == "节点 A6-1 进度: 30.0% → 40.0%"
    with force_locale("en"):
        assert change_text(moved) == "Milestone A6-1 progress: 30.0% → 40.0%"
    third = issue_bulletin(
        Who(now=NOW, actor=li), plan, JUNE, "en", today=TODAY, margin=10.0, zone=ZONE
    )
    db.session.commit()
    assert (third.number, third.changes) == (3, [])
    kept = db.session.scalars(sa.select(Bulletin).order_by(Bulletin.id)).all()
    assert [(b.month, b.language, b.created_by_id) for b in kept] == [
        ("2021-06", "zh", li.id),
        ("2021-06", "zh", li.id),
        ("2021-06", "en", li.id),
    ]
    assert kept[1].content[:2] == b"PK"
    assert kept[1].size == len(kept[1].content)
