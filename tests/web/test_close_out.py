"""Close-out (销号) as the coordinating office and everyone else see it: the office's queue with
the report's note and evidence, the close-out and reopen forms, the badges and timeline words of
the item page, the board's 已完成待销号 figure and the API's ``close_out``.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import make_token
from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, csrf_token, department, signed_in
from tests.querycount import count_queries
from tracker.extensions import db
from tracker.models import Milestone, Update, User

# 2020-12-20 in Qingdao: T1-3 (970 stations by 2020-12-31) is due in 11 days.
NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office
    create_user("chen", "dept_lead", department=department("kjj"))
    create_user("zhang", "leader")


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def report_done(app: Flask, code: str, *, note: str = "970处已开通", evidence: bool = True) -> None:
    """``code`` reported done by gxj with an evidence file, and approved by the office."""
    wang = signed_in(app, "wang")
    url = f"/milestones/{milestone(code).id}/report"
    html = wang.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    data = {
        "csrf_token": csrf_token(wang, url),
        "version": version,
        "status": "done",
        "progress": "100",
        "completed_on": "2020-12-18",
        "note": note,
    }
    if evidence:
        data["evidence"] = [(io.BytesIO(PDF), f"{code}验收报告.pdf")]
    assert wang.post(url, data=data).status_code == 302
    li = signed_in(app, "li")
    queue = li.get("/reviews").get_data(as_text=True)
    report_id = re.findall(r'data-testid="pending-report" data-report="(\d+)"', queue)[-1]
    token = csrf_token(li, "/reviews")
    assert li.post(f"/reports/{report_id}/approve", data={"csrf_token": token}).status_code == 302


def decide(
    client: FlaskClient, code: str, action: str, *, reason: str | None = None, version=None
) -> str:
    found = milestone(code)
    data = {
        "csrf_token": csrf_token(client, "/reviews"),
        "version": str(found.version if version is None else version),
    }
    if reason is not None:
        data["reason"] = reason
    response = client.post(f"/milestones/{found.id}/{action}", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_office_sees_what_awaits_close_out_with_note_and_evidence(
    app: Flask, people: None
) -> None:
    report_done(app, "T1-3")
    html = signed_in(app, "li").get("/reviews").get_data(as_text=True)
    card = html.split('data-testid="awaiting-close-out"')[1]
    assert "T1-3" in card
    assert "970处已开通" in card.split('data-testid="close-out-note"')[1][:100]
    evidence = card.split('data-testid="close-out-evidence"')[1][:400]
    assert "T1-3验收报告.pdf" in evidence
    assert re.search(r'href="/attachments/\d+', evidence)
    assert ">销号</button>" in card
    assert ">退回重办</button>" in card
    assert 'name="csrf_token"' in card


def test_closing_out_counts_it_done_and_the_item_page_and_timeline_say_so(
    app: Flask, people: None
) -> None:
    report_done(app, "T1-3")
    leader = signed_in(app, "zhang")
    board = leader.get("/plans/shinan-2020/").get_data(as_text=True)
    assert re.search(
        r'data-testid="milestone-count-awaiting-close-out">.*?已完成待销号</span> 1</span>', board
    )
    item = leader.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert 'data-close-out="awaiting">待销号</span>' in item

    page = decide(signed_in(app, "li"), "T1-3", "close-out")
    assert "里程碑 T1-3 已销号。" in page
    assert 'data-testid="empty-close-out"' in page
    assert milestone("T1-3").close_out == "closed"
    board = leader.get("/plans/shinan-2020/").get_data(as_text=True)
    assert 'data-testid="milestone-count-awaiting-close-out"' not in board
    item = leader.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert 'data-close-out="closed">已销号</span>' in item
    entries = item.split('data-testid="close-out-entry"')  # newest first
    assert "区科技局 销号" in entries[1][:300]
    assert "待销号" in entries[2][:300]


def test_reopening_needs_a_reason_then_the_department_reports_again(
    app: Flask, people: None
) -> None:
    report_done(app, "T1-3")
    li = signed_in(app, "li")
    before = table_snapshot()
    page = decide(li, "T1-3", "reopen", reason="  ")
    assert "请填写退回重办的理由。" in page
    db.session.expire_all()
    assert table_snapshot() == before

    page = decide(li, "T1-3", "reopen", reason="佐证材料不足")
    assert "里程碑 T1-3 已退回重办。" in page
    found = milestone("T1-3")
    assert (found.close_out, found.reported_status, found.completed_on) == (
        "reopened",
        "on_track",
        None,
    )
    item = signed_in(app, "zhang").get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert 'data-close-out="reopened">已重新打开</span>' in item
    assert "退回重办：佐证材料不足" in item.split('data-testid="close-out-entry"')[1][:300]
    # Reported done again and approved: it awaits close-out once more.
    report_done(app, "T1-3", note="补充了验收报告")
    assert milestone("T1-3").close_out == "awaiting"


def test_the_second_of_two_deciding_is_told_who_was_first(app: Flask, people: None) -> None:
    report_done(app, "T1-3")
    version = milestone("T1-3").version
    decide(signed_in(app, "li"), "T1-3", "close-out", version=version)
    page = decide(signed_in(app, "chen"), "T1-3", "reopen", reason="佐证材料不足", version=version)
    assert "该里程碑已由Li销号。" in page
    assert milestone("T1-3").close_out == "closed"
    rows = db.session.scalar(
        sa.select(sa.func.count()).where(
            Update.field == "close_out", Update.old_value == "awaiting"
        )
    )
    assert rows == 1


@pytest.mark.parametrize("form", [{}, {"version": "x"}, {"version": "9" * 30}])
def test_a_malformed_form_answers_a_message_and_writes_nothing(
    app: Flask, people: None, form: dict[str, str]
) -> None:
    report_done(app, "T1-3")
    li = signed_in(app, "li")
    before = table_snapshot()
    response = li.post(
        f"/milestones/{milestone('T1-3').id}/close-out",
        data={"csrf_token": csrf_token(li, "/reviews"), **form},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "您打开页面后该里程碑已有变动" in response.get_data(as_text=True)
    db.session.expire_all()
    assert table_snapshot() == before


def test_only_the_coordinating_office_and_admins_decide(app: Flask, people: None) -> None:
    report_done(app, "T1-3")
    wang = signed_in(app, "wang")
    response = wang.post(
        f"/milestones/{milestone('T1-3').id}/close-out",
        data={"csrf_token": csrf_token(wang, "/my"), "version": str(milestone("T1-3").version)},
    )
    assert response.status_code == 403
    assert milestone("T1-3").close_out == "awaiting"


def test_the_api_carries_close_out_on_every_milestone(app: Flask, people: None) -> None:
    report_done(app, "T1-3")
    token = make_token(db.session.scalar(sa.select(User).where(User.username == "zhang")))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    one = client.get(f"/api/v1/milestones/{milestone('T1-3').id}", headers=headers).get_json()
    assert one["close_out"] == "awaiting"
    plan = client.get("/api/v1/plans/shinan-2020", headers=headers).get_json()
    milestones = {m["code"]: m for g in plan["groups"] for i in g["items"] for m in i["milestones"]}
    assert milestones["T1-3"]["close_out"] == "awaiting"
    assert milestones["T1-1"]["close_out"] == "closed"  # done in the plan file
    assert milestones["T1-4"]["close_out"] is None
    # The 19th, replayed: T1-3 was not done, nothing to close out yet.
    then = client.get("/api/v1/plans/shinan-2020?as_of=2020-12-19", headers=headers).get_json()
    past = {m["code"]: m for g in then["groups"] for i in g["items"] for m in i["milestones"]}
    assert past["T1-3"]["close_out"] is None


def test_the_close_out_queue_costs_the_same_statements_for_one_milestone_or_four(
    app: Flask, people: None
) -> None:
    report_done(app, "T1-3")
    li = signed_in(app, "li")
    li.get("/reviews")
    with count_queries() as one:
        html = li.get("/reviews").get_data(as_text=True)
    assert html.count('data-testid="awaiting-close-out"') == 1
    for code in ("T1-4", "T1-5"):
        report_done(app, code)
    # One without a report (left awaiting some other way): no note, no evidence.
    other = milestone("T2-2")
    other.close_out = "awaiting"
    db.session.commit()
    with count_queries() as four:
        html = li.get("/reviews").get_data(as_text=True)
    assert html.count('data-testid="awaiting-close-out"') == 4
    assert len(four) == len(one)


def test_the_queue_lists_the_longest_waiting_first(
    app: Flask, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_done(app, "T1-4")
    monkeypatch.setattr("tracker.clock.utcnow", lambda: datetime(2020, 12, 21, 2, tzinfo=UTC))
    report_done(app, "T1-3")
    html = signed_in(app, "li").get("/reviews").get_data(as_text=True)
    ids = re.findall(r'data-testid="awaiting-close-out" data-milestone="(\d+)"', html)
    assert ids == [str(milestone("T1-4").id), str(milestone("T1-3").id)]
    assert "2020-12-20 10:00" in html.split('data-testid="awaiting-close-out"')[1][:1000]


T13_ROW = 'data-testid="my-milestone" data-code="T1-3"'


def test_the_department_sees_its_milestone_awaiting_and_then_reopened_on_my_page(
    app: Flask, people: None
) -> None:
    report_done(app, "T1-3")
    wang = signed_in(app, "wang")
    row = wang.get("/my").get_data(as_text=True).split(T13_ROW)[1][:3000]
    assert 'data-close-out="awaiting">待销号</span>' in row
    decide(signed_in(app, "li"), "T1-3", "reopen", reason="佐证材料不足")
    row = wang.get("/my").get_data(as_text=True).split(T13_ROW)[1][:3000]
    assert 'data-close-out="reopened">已重新打开</span>' in row


def test_close_out_costs_the_api_no_statement(app: Flask, people: None) -> None:
    token = make_token(db.session.scalar(sa.select(User).where(User.username == "zhang")))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/plans/shinan-2020", headers=headers)
    with count_queries() as before:
        client.get("/api/v1/plans/shinan-2020", headers=headers)
    report_done(app, "T1-3")
    report_done(app, "T1-4")
    client.get("/api/v1/plans/shinan-2020", headers=headers)
    with count_queries() as after:
        plan = client.get("/api/v1/plans/shinan-2020", headers=headers).get_json()
    assert plan["awaiting_close_out"] == 0  # T1 is not done: its milestones count alone
    assert len(after) == len(before)
