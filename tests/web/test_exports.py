"""Downloading the 台账 ledger from the board: who may, what arrives, and bad requests."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import FIXTURES, load_plan
from tests.factories import create_user, csrf_token, department, grow_plan, login
from tests.querycount import count_queries
from tracker.extensions import db
from tracker.models import Milestone
from tracker.services.exports.ledger import MIMETYPE

NOW = datetime(2021, 1, 5, 2, 0, tzinfo=UTC)  # 2021-01-05 in Qingdao
GROUPS = ["三大攻坚任务", "四项重点工程", "六大专项行动"]
SHINAN_CODES = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]
STATUS = 8  # the computed status column of a group sheet


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)
    monkeypatch.setattr("tracker.board.exports.utcnow", lambda: NOW)


@pytest.fixture
def leader(seeded: Flask) -> FlaskClient:
    create_user("zhang", "leader")
    client = seeded.test_client()
    login(client, "zhang")
    return client


def workbook(response: object) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.data))  # type: ignore[attr-defined]


def statuses(book: openpyxl.Workbook) -> dict[str, str]:
    return {
        row[0]: row[STATUS]
        for name in GROUPS
        for row in book[name].iter_rows(min_row=2, values_only=True)
    }


def disposition_name(day: str) -> str:
    return "filename*=UTF-8''" + quote(f"台账-shinan-2020-{day}.xlsx")


@pytest.mark.parametrize(
    ("role", "department_code"),
    [
        ("viewer", None),
        ("dept_lead", "gxj"),  # leads T1
        ("dept_lead", "swj"),  # leads P2 only: still sees the whole plan
        ("leader", None),
        ("admin", None),
    ],
)
def test_every_signed_in_role_downloads_the_ledger(
    seeded: Flask, role: str, department_code: str | None
) -> None:
    create_user(
        "someone", role, department=department(department_code) if department_code else None
    )
    client = seeded.test_client()
    login(client, "someone")
    response = client.get("/plans/shinan-2020/ledger.xlsx")
    assert response.status_code == 200
    assert response.mimetype == MIMETYPE
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert disposition_name("2021-01-05") in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data[:2] == b"PK"  # a zip container, as every .xlsx is
    book = workbook(response)
    assert book.sheetnames[1:4] == GROUPS
    assert book.sheetnames[4] == "批示"
    assert len(book.sheetnames) == 6
    assert [c for c in statuses(book) if "-" not in c] == SHINAN_CODES


def test_anonymous_visitors_are_sent_to_sign_in(seeded: Flask, client: FlaskClient) -> None:
    response = client.get("/plans/shinan-2020/ledger.xlsx?as_of=2020-09-25")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "ledger.xlsx" in response.headers["Location"]


def test_the_ledger_reads_back_with_every_item_milestone_and_target(leader: FlaskClient) -> None:
    book = workbook(leader.get("/plans/shinan-2020/ledger.xlsx"))
    rows = {
        row[0]: row for name in GROUPS for row in book[name].iter_rows(min_row=2, values_only=True)
    }
    items = [code for code in rows if "-" not in code]
    assert items == SHINAN_CODES
    assert {code for code in rows if "-" in code} == set(
        db.session.scalars(sa.select(Milestone.code))
    )
    assert rows["T1"][2] == "区工业和信息化局"
    assert rows["P2"][2] == "区商务局"
    assert set(statuses(book).values()) <= {"未启动", "按期推进", "有风险", "滞后", "已完成"}
    indicators = book.worksheets[-1]
    five_g = [
        row for row in indicators.iter_rows(min_row=2, values_only=True) if row[1] == "5G基站"
    ]
    assert 970 in [row[5] for row in five_g]
    assert 1300 in [row[5] for row in five_g]


def test_as_of_the_meeting_differs_from_today(leader: FlaskClient) -> None:
    meeting = leader.get("/plans/shinan-2020/ledger.xlsx?as_of=2020-09-25")
    today = leader.get("/plans/shinan-2020/ledger.xlsx")
    assert meeting.status_code == today.status_code == 200
    assert disposition_name("2020-09-25") in meeting.headers["Content-Disposition"]
    then, now = statuses(workbook(meeting)), statuses(workbook(today))
    assert then["T1-3"] == "按期推进"
    assert now["T1-3"] == "滞后"  # due 2020-12-31, still open on 2021-01-05
    assert "滞后" not in then.values()
    assert [code for code in then if then[code] != now[code]]


def test_an_empty_as_of_means_today(leader: FlaskClient) -> None:
    response = leader.get("/plans/shinan-2020/ledger.xlsx?as_of=")
    assert response.status_code == 200
    assert disposition_name("2021-01-05") in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "value",
    ["2020-13-01", "2020-02-30", "yesterday", "2020-9-25", "20200925", "99999-01-01", "x" * 500],
)
def test_a_bad_as_of_date_is_a_clear_400(leader: FlaskClient, value: str) -> None:
    response = leader.get(f"/plans/shinan-2020/ledger.xlsx?as_of={value}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = html.unescape(response.get_data(as_text=True))
    assert "YYYY-MM-DD" in page
    assert "x" * 100 not in page  # the echo of what was typed is cut short


def test_a_bad_as_of_date_answers_json_clients_in_json(leader: FlaskClient) -> None:
    response = leader.get(
        "/plans/shinan-2020/ledger.xlsx?as_of=2020-13-01", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert "YYYY-MM-DD" in response.json["detail"]


def test_without_a_plan_there_is_nothing_to_download(app: Flask) -> None:
    create_user("zhang", "leader")
    client = app.test_client()
    login(client, "zhang")
    assert client.get("/plans/shinan-2020/ledger.xlsx").status_code == 404


def test_the_ledger_stays_chinese_for_an_english_page(leader: FlaskClient) -> None:
    leader.get("/plans/shinan-2020/?lang=en")
    response = leader.get("/plans/shinan-2020/ledger.xlsx")
    book = workbook(response)
    assert statuses(book)["T1-3"] == "滞后"
    assert book[GROUPS[0]]["C1"].value == "牵头单位\nLead department"
    # The page itself is still in English afterwards.
    assert "Overall progress" in leader.get("/plans/shinan-2020/").get_data(as_text=True)


def test_board_links_to_the_ledger_keeping_as_of_and_filters(leader: FlaskClient) -> None:
    page = leader.get("/plans/shinan-2020/?as_of=2020-09-25&group=projects").get_data(as_text=True)
    match = re.search(r'href="([^"]+)" data-testid="ledger-download"', page)
    assert match, "no download link on the board"
    url = html.unescape(match.group(1))
    assert url.startswith("/plans/shinan-2020/ledger.xlsx?")
    assert "as_of=2020-09-25" in url
    assert "group=projects" in url
    response = leader.get(url)
    assert response.status_code == 200
    assert disposition_name("2020-09-25") in response.headers["Content-Disposition"]
    # The archive copy is always the whole plan, whatever the page was narrowed to.
    assert len([c for c in statuses(workbook(response)) if "-" not in c]) == 13
    plain = leader.get("/plans/shinan-2020/").get_data(as_text=True)
    assert 'href="/plans/shinan-2020/ledger.xlsx" data-testid="ledger-download"' in plain


@pytest.mark.parametrize("query", ["_external=1", "_anchor=x", "_scheme=ftp"])
def test_the_download_link_ignores_parameters_that_steer_links(
    leader: FlaskClient, query: str
) -> None:
    response = leader.get(f"/plans/shinan-2020/?as_of=2020-09-25&{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    url = html.unescape(re.search(r'href="([^"]+)" data-testid="ledger-download"', page).group(1))
    assert url == "/plans/shinan-2020/ledger.xlsx?as_of=2020-09-25"


def test_pages_link_the_print_stylesheet(leader: FlaskClient, seeded: Flask) -> None:
    page = leader.get("/plans/shinan-2020/").get_data(as_text=True)
    link = r'<link rel="stylesheet" href="/static/css/print\.[0-9a-f]{12}\.css" media="print">'
    assert re.search(link, page)
    css = leader.get("/static/css/print.css")
    assert css.status_code == 200
    text = css.get_data(as_text=True)
    css.close()
    assert "size: A4 landscape" in text
    assert ".d-print-none" in text


def test_query_count_does_not_grow_with_data(leader: FlaskClient) -> None:
    """Ten times the milestones and updates must not mean more queries (no N+1)."""
    with count_queries() as before:
        assert leader.get("/plans/shinan-2020/ledger.xlsx?as_of=2020-12-01").status_code == 200
    grow_plan()
    with count_queries() as after:
        response = leader.get("/plans/shinan-2020/ledger.xlsx?as_of=2020-12-01")
    assert response.status_code == 200
    assert len(after) == len(before), after
    milestones = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    assert len(statuses(workbook(response))) == milestones + 13


def test_the_ledger_can_be_downloaded_for_a_plan_loaded_from_another_file(app: Flask) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    create_user("zhang", "leader")
    client = app.test_client()
    login(client, "zhang")
    response = client.get("/plans/small/ledger.xlsx")
    assert response.status_code == 200
    book = workbook(response)
    assert len(book.sheetnames) == 5


def test_an_instruction_written_on_the_item_page_shows_in_the_ledger_with_its_reply(
    leader: FlaskClient, seeded: Flask
) -> None:
    """Zhang instructs on P3, the lead department (wlj) replies: both land on the 批示 sheet."""
    item_page = "/plans/shinan-2020/items/P3"
    response = leader.post(
        f"{item_page}/instructions",
        data={
            "text": "月底前反馈签约进展",
            "due_on": "",
            "csrf_token": csrf_token(leader, item_page),
        },
    )
    assert response.status_code == 302
    create_user("liu", "dept_lead", department=department("wlj"))
    liu = seeded.test_client()
    login(liu, "liu")
    [instruction_id] = re.findall(
        r'data-testid="instruction" data-id="(\d+)"', liu.get(item_page).get_data(as_text=True)
    )
    response = liu.post(
        f"/instructions/{instruction_id}/reply",
        data={"text": "已对接，拟于下月签约。", "csrf_token": csrf_token(liu, item_page)},
    )
    assert response.status_code == 302

    sheet = workbook(leader.get("/plans/shinan-2020/ledger.xlsx"))["批示"]
    assert sheet["A1"].value == "事项\nItem"
    [row] = sheet.iter_rows(min_row=2, values_only=True)
    code, _title, lead, author, given_at, due, text, state, replies, source = row
    assert source == "系统内录入"  # an instruction is recorded in the tracker, not a report fact
    assert (code, lead, author, text, state) == (
        "P3",
        "区文化和旅游局",
        "Zhang",
        "月底前反馈签约进展",
        "待办理",
    )
    assert given_at == datetime(2021, 1, 5, 10, 0)  # 02:00 UTC is 10:00 in Qingdao
    assert due is None
    assert replies == "2021-01-05 10:00 区文化和旅游局 Liu：已对接，拟于下月签约。"
