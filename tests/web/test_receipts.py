"""Receipts (签收) through the pages: the lead signs or declines on "my department", the
coordinating office watches what is unsigned, the admin assigns a declined milestone again.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import create_user, csrf_token, department
from tests.factories import signed_in as sign_in
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Item, Milestone, User
from tracker.models.receipts import Receipt
from tracker.services.commands.assignment import create_milestone
from tracker.services.commands.receipts import current_receipt

# Five days after the plan was loaded (2020-09-25, Qingdao).
NOW = datetime(2020, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def world(seeded: Flask) -> None:
    create_user("lead-gxj", "dept_lead", department=department("gxj"))
    create_user("lead-swj", "dept_lead", department=department("swj"))
    create_user("lead-kjj", "dept_lead", department=department("kjj"))  # coordinating office
    create_user("admin", "admin")


def page(response: object) -> str:
    return html_lib.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def receipt_of(code: str) -> Receipt:
    db.session.expire_all()
    receipt = current_receipt(milestone(code).id)
    assert receipt is not None
    return receipt


def pending_codes(html: str) -> list[str]:
    return re.findall(r'data-testid="pending-receipt" data-code="([^"]+)"', html)


def answer(client: FlaskClient, code: str, action: str, **data: str) -> object:
    token = csrf_token(client, "/my")
    receipt = receipt_of(code)
    return client.post(
        f"/receipts/{receipt.id}/{action}", data={"csrf_token": token, "back": "/my", **data}
    )


def test_my_page_shows_the_waiting_receipts_first_with_their_age(app: Flask, world: None) -> None:
    lead = sign_in(app, "lead-gxj")
    html = page(lead.get("/my"))
    assert html.index('data-testid="my-receipts"') < html.index('data-testid="counts"')
    codes = pending_codes(html)
    assert "T1-3" in codes
    assert all(receipt_of(code).department.code == "gxj" for code in codes)
    assert "已交办 5 天" in html
    assert 'data-testid="receipt-badge" data-state="pending"' in html
    other = page(sign_in(app, "lead-swj").get("/my"))
    assert "T1-3" not in pending_codes(other)


def test_the_lead_signs_and_the_timeline_shows_it(app: Flask, world: None) -> None:
    lead = sign_in(app, "lead-gxj")
    response = answer(lead, "T1-3", "sign", responsible="张三", work_plan="十月完成选址")
    assert response.status_code == 302  # type: ignore[attr-defined]
    receipt = receipt_of("T1-3")
    assert receipt.state == "signed"
    assert (receipt.responsible, receipt.work_plan) == ("张三", "十月完成选址")
    assert receipt.answered_at == NOW
    html = page(lead.get("/my"))
    assert "已签收 T1-3。" in html
    assert "T1-3" not in pending_codes(html)
    item = page(lead.get("/plans/shinan-2020/items/T1"))
    assert "区工业和信息化局 签收（负责人：张三）" in item
    assert 'data-testid="receipt-badge" data-state="signed"' in item


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("sign", {"responsible": "  "}, "请填写责任人。"),
        ("sign", {"responsible": "张" * 121}, "姓名最多 120 个字符。"),
        ("decline", {"reason": ""}, "请说明拒收理由。"),
        ("decline", {"reason": "x" * 2001}, "理由最多 2000 个字符。"),
    ],
)
def test_bad_answers_say_why_and_write_nothing(
    app: Flask, world: None, action: str, data: dict[str, str], message: str
) -> None:
    lead = sign_in(app, "lead-gxj")
    lead.get("/my")
    before = table_snapshot()
    response = answer(lead, "T1-3", action, **data)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert table_snapshot() == before
    assert message in page(lead.get("/my"))


def test_another_department_cannot_answer(app: Flask, world: None) -> None:
    other = sign_in(app, "lead-swj")
    response = answer(other, "T1-3", "sign", responsible="李四")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert receipt_of("T1-3").state == "pending"


def test_a_second_answer_is_told_who_answered_first(app: Flask, world: None) -> None:
    lead = sign_in(app, "lead-gxj")
    admin = sign_in(app, "admin")
    token = csrf_token(admin, "/receipts")
    receipt_id = receipt_of("T1-3").id
    answer(lead, "T1-3", "sign", responsible="张三")
    response = admin.post(
        f"/receipts/{receipt_id}/decline",
        data={"csrf_token": token, "reason": "不属于本部门职责", "back": "/receipts"},
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    html = page(admin.get("/receipts"))
    assert re.search(r"该交办事项已由 \S+ 答复。", html), html
    assert receipt_of("T1-3").state == "signed"


def test_the_coordinating_office_sees_unsigned_oldest_first_and_declined_with_reason(
    app: Flask, world: None
) -> None:
    admin_user = db.session.scalar(sa.select(User).where(User.username == "admin"))
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    create_milestone(
        Who(NOW, admin_user),
        item,
        code="T1-9",
        title_zh="新增里程碑",
        title_en="A new milestone",
        due=date(2021, 6, 30),
        weight=1,
        department=department("swj"),
        assignee=None,
    )
    db.session.commit()
    lead = sign_in(app, "lead-gxj")
    answer(lead, "T1-3", "decline", reason="不属于本部门职责")
    office = sign_in(app, "lead-kjj")
    html = page(office.get("/receipts"))
    unsigned = re.findall(
        r'data-testid="unsigned-receipt" data-code="([^"]+)" data-age="(\d+)"', html
    )
    ages = [int(age) for _, age in unsigned]
    assert ages == sorted(ages, reverse=True)
    assert unsigned[-1] == ("T1-9", "0")
    assert unsigned[0][1] == "5"
    assert "T1-3" not in [code for code, _ in unsigned]
    assert 'data-testid="declined-receipt" data-code="T1-3"' in html
    assert "不属于本部门职责" in html
    assert 'data-testid="assign-again"' not in html  # the office watches; admins reassign


def test_the_admin_assigns_a_declined_milestone_again(app: Flask, world: None) -> None:
    lead = sign_in(app, "lead-gxj")
    answer(lead, "T1-3", "decline", reason="不属于本部门职责")
    admin = sign_in(app, "admin")
    html = page(admin.get("/receipts"))
    assert 'data-testid="assign-again"' in html
    token = csrf_token(admin, "/receipts")
    again_path = f"/milestones/{milestone('T1-3').id}/assign-again"
    response = admin.post(again_path, data={"csrf_token": token})
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert receipt_of("T1-3").state == "pending"
    assert "T1-3" in pending_codes(page(lead.get("/my")))
    timeline = page(admin.get("/plans/shinan-2020/items/T1"))
    assert "拒收：不属于本部门职责" in timeline
    assert '<div data-testid="timeline-receipt" data-state="pending">重新交办</div>' in timeline
    again = admin.post(again_path, data={"csrf_token": token})
    assert again.status_code == 302  # type: ignore[attr-defined]
    assert "只有已拒收的事项才能重新交办" in page(admin.get("/receipts"))


def test_my_page_reads_many_receipts_in_a_fixed_number_of_queries(app: Flask, world: None) -> None:
    lead = sign_in(app, "lead-gxj")
    lead.get("/my")
    with count_queries() as few:
        assert lead.get("/my").status_code == 200
    admin_user = db.session.scalar(sa.select(User).where(User.username == "admin"))
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    for n in range(12):
        create_milestone(
            Who(NOW, admin_user),
            item,
            code=f"T1-X{n}",
            title_zh=f"新增里程碑{n}",
            title_en=f"New milestone {n}",
            due=date(2021, 6, 30),
            weight=1,
            department=department("gxj"),
            assignee=None,
        )
    db.session.commit()
    with count_queries() as many:
        html = page(lead.get("/my"))
    assert len(pending_codes(html)) >= 13
    assert len(many) == len(few), many


# Statements a page may send at most (counted on the Shinan plan; tests/bench.py counts the
# same pages at scale): receipts, postponements and close-out ride on the milestone query.
MY_STATEMENTS = 13
ITEM_STATEMENTS = 21


def add_gxj_milestones(n: int, prefix: str = "Y") -> None:
    admin_user = db.session.scalar(sa.select(User).where(User.username == "admin"))
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    for k in range(n):
        create_milestone(
            Who(NOW, admin_user),
            item,
            code=f"T1-{prefix}{k}",
            title_zh=f"新增里程碑{k}",
            title_en=f"New milestone {k}",
            due=date(2021, 6, 30),
            weight=1,
            department=department("gxj"),
            assignee=None,
        )
    db.session.commit()


def receipt_states(html: str, testid: str) -> dict[str, str]:
    """Each row's receipt badge state, by milestone code."""
    rows = re.findall(rf'data-testid="{testid}" data-code="([^"]+)"(.*?)</tr>', html, re.S)
    found = {}
    for code, row in rows:
        badge = re.search(r'data-testid="receipt-badge" data-state="(\w+)"', row)
        if badge:
            found[code] = badge.group(1)
    return found


def test_my_and_item_pages_read_receipts_with_their_milestones(app: Flask, world: None) -> None:
    add_gxj_milestones(2)
    lead = sign_in(app, "lead-gxj")
    signed = answer(lead, "T1-3", "sign", responsible="张三")
    declined = answer(lead, "T1-Y1", "decline", reason="不属于本部门职责")
    assert (signed.status_code, declined.status_code) == (302, 302)  # type: ignore[attr-defined]
    admin = sign_in(app, "admin")
    pages = {"my": (lead, "/my"), "item": (admin, "/plans/shinan-2020/items/T1")}
    few = {}
    for name, (client, path) in pages.items():
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        few[name] = len(statements)
    assert few["my"] <= MY_STATEMENTS, few
    assert few["item"] <= ITEM_STATEMENTS, few

    add_gxj_milestones(12, "Z")  # twelve more milestones, each with a receipt waiting
    for name, (client, path) in pages.items():
        with count_queries() as statements:
            html = page(client.get(path))
        assert len(statements) == few[name], (name, [s[:90] for s in statements])
        testid = "my-milestone" if name == "my" else "milestone-row"
        states = receipt_states(html, testid)
        assert states["T1-3"] == "signed"
        assert states["T1-Y1"] == "declined"
        assert states["T1-Z0"] == "pending"


def test_only_the_first_waiting_receipts_carry_forms(app: Flask, world: None) -> None:
    add_gxj_milestones(6)
    lead = sign_in(app, "lead-gxj")
    html = page(lead.get("/my"))
    codes = pending_codes(html)
    assert len(codes) >= 9
    # Three rows with their sign and decline forms; the others are one link each.
    assert html.count('data-testid="sign-form"') == 3
    assert html.count('data-testid="decline-form"') == 3
    links = re.findall(r'href="/my\?answer=(\d+)#my-receipts"', html)
    assert len(links) == len(codes) - 3
    # The link brings that receipt up first, with its forms: it can be signed from there.
    chosen = db.session.get(Receipt, int(links[-1]))
    assert chosen is not None
    code = chosen.milestone.code
    html = page(lead.get(f"/my?answer={chosen.id}"))
    assert pending_codes(html)[0] == code
    assert f'action="/receipts/{chosen.id}/sign"' in html
    assert html.count('data-testid="sign-form"') == 3
    response = answer(lead, code, "sign", responsible="李四")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert receipt_of(code).state == "signed"


@pytest.mark.parametrize("asked", ["abc", "999999", "-1", ""])
def test_an_answer_that_names_no_waiting_receipt_changes_nothing(
    app: Flask, world: None, asked: str
) -> None:
    lead = sign_in(app, "lead-gxj")
    plain = pending_codes(page(lead.get("/my")))
    response = lead.get(f"/my?answer={asked}")
    assert response.status_code == 200
    assert pending_codes(page(response)) == plain
