"""The API's ``receipt`` on every milestone: null before receipts were kept, else its state
with who answered and when; read for the whole plan in a fixed number of statements.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.api.conftest import Api, milestone
from tests.factories import department
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Item, User
from tracker.services.commands.assignment import create_milestone
from tracker.services.commands.receipts import current_receipt, decline, sign

LATER = datetime(2020, 10, 2, 1, 30, tzinfo=UTC)


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def _milestones(plan: dict) -> dict[str, dict]:
    return {m["code"]: m for g in plan["groups"] for i in g["items"] for m in i["milestones"]}


def test_every_milestone_carries_its_receipt(api: Api) -> None:
    shown = _milestones(api.get("/api/v1/plan", "viewer").get_json())
    assert shown["A1-1"]["receipt"] is None  # done when the plan was loaded: nothing to sign
    assert shown["T1-3"]["receipt"] == {
        "state": "pending",
        "department": "gxj",
        "assigned_at": "2020-09-25T12:00:00+00:00",
        "answered_at": None,
        "answered_by": None,
        "responsible": "",
        "reason": "",
    }


def test_a_signed_and_a_declined_receipt_say_who_and_when(api: Api) -> None:
    lead = db.session.scalar(
        sa.select(User).where(User.department_id == department("gxj").id, User.role == "dept_lead")
    )
    t13 = current_receipt(milestone("T1-3").id)
    t14 = current_receipt(milestone("T1-4").id)
    assert t13 is not None
    assert t14 is not None
    sign(Who(LATER, lead), t13, responsible="张三")
    decline(Who(LATER, lead), t14, reason="不属于本部门职责")
    db.session.commit()
    item = api.get("/api/v1/items/T1", "viewer").get_json()
    receipts = {m["code"]: m["receipt"] for m in item["milestones"]}
    assert receipts["T1-3"]["state"] == "signed"
    assert receipts["T1-3"]["answered_by"] == lead.username
    assert receipts["T1-3"]["answered_at"] == "2020-10-02T01:30:00+00:00"
    assert receipts["T1-3"]["responsible"] == "张三"
    assert (receipts["T1-4"]["state"], receipts["T1-4"]["reason"]) == (
        "declined",
        "不属于本部门职责",
    )
    one = api.get(f"/api/v1/milestones/{milestone('T1-3').id}", "viewer").get_json()
    assert one["receipt"] == receipts["T1-3"]


def test_the_plans_receipts_are_read_in_a_fixed_number_of_statements(api: Api) -> None:
    api.get("/api/v1/plan", "viewer")
    with count_queries() as few:
        assert api.get("/api/v1/plan", "viewer").status_code == 200
    item = db.session.scalar(sa.select(Item).where(Item.code == "T2"))
    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    for n in range(10):
        create_milestone(
            Who(LATER, admin),
            item,
            code=f"T2-X{n}",
            title_zh=f"新增{n}",
            title_en=f"New {n}",
            due=date(2021, 6, 30),
            weight=1,
            department=department("swj"),
            assignee=None,
        )
    db.session.commit()
    with count_queries() as many:
        shown = _milestones(api.get("/api/v1/plan", "viewer").get_json())
    assert shown["T2-X9"]["receipt"]["state"] == "pending"
    assert len(many) == len(few), [q[:90] for q in many]


# The plan document's statements at most (load_progress, facts and receipts each one query).
PLAN_STATEMENTS = 13


def test_the_plan_document_is_plain_utf8_in_a_bounded_number_of_statements(api: Api) -> None:
    api.get("/api/v1/plan", "viewer")
    with count_queries() as statements:
        answer = api.get("/api/v1/plan", "viewer")
    assert answer.status_code == 200
    assert len(statements) <= PLAN_STATEMENTS, [s[:90] for s in statements]
    # Chinese text as UTF-8 (3 bytes a character), not \uXXXX escapes (6 bytes).
    assert b"\\u" not in answer.data
    assert "市南区".encode() in answer.data
    assert answer.get_json()["code"] == "shinan-2020"
