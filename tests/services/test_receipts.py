"""Receipts (签收): opened on assignment, answered once, reset by a reassignment.

The race test runs each answer in its own thread and session and commits through the request
boundary, as two workers would; run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan
from tests.factories import create_user, department
from tests.races import at_once
from tracker.domain.receipts import ReceiptProblem, ReceiptState
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Item, Milestone, Update, User
from tracker.models.receipts import Receipt
from tracker.services.commands.assignment import create_milestone, update_milestone
from tracker.services.commands.receipts import assign_again, current_receipt, decline, sign

NOW = datetime(2020, 10, 1, 2, 0, tzinfo=UTC)
LATER = datetime(2020, 10, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("wang2", "dept_lead", department=department("gxj"))
    create_user("liu", "dept_lead", department=department("swj"))
    create_user("admin", "admin")


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def milestone(code: str) -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def receipts_of(code: str) -> list[tuple[str, str]]:
    """The milestone's receipts, oldest first: (department code, state)."""
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(Receipt).where(Receipt.milestone_id == milestone(code).id).order_by(Receipt.id)
    )
    return [(r.department.code, r.state) for r in rows]


def receipt_history(code: str) -> list[tuple[str | None, str | None, str]]:
    return [
        (u.old_value, u.new_value, u.note)
        for u in db.session.scalars(
            sa.select(Update)
            .where(Update.milestone_id == milestone(code).id, Update.field == "receipt")
            .order_by(Update.id)
        )
    ]


def test_a_plan_load_opens_a_receipt_for_every_milestone_not_yet_done(people: None) -> None:
    open_ones = db.session.scalar(
        sa.select(sa.func.count()).select_from(Milestone).where(Milestone.reported_status != "done")
    )
    pending = db.session.scalar(
        sa.select(sa.func.count()).select_from(Receipt).where(Receipt.state == "pending")
    )
    assert pending == open_ones > 0
    done = milestone("A1-1")
    assert done.reported_status == "done"
    assert current_receipt(done.id) is None
    assert receipts_of("T1-3") == [("gxj", "pending")]


def test_loading_the_same_file_again_opens_nothing_new(people: None) -> None:
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Receipt))
    load_plan()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == before


def test_signing_keeps_who_when_and_the_person_responsible(people: None) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    sign(Who(LATER, user("wang")), receipt, responsible=" 张三 ", work_plan="十月底前完成选址")
    db.session.commit()
    db.session.expire_all()
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    assert receipt.state == "signed"
    assert (receipt.responsible, receipt.work_plan) == ("张三", "十月底前完成选址")
    assert receipt.answered_by == user("wang")
    assert receipt.answered_at == LATER
    assert receipt_history("T1-3") == [("pending", "signed", "张三")]


@pytest.mark.parametrize(
    ("responsible", "problem"),
    [("", ReceiptProblem.RESPONSIBLE_REQUIRED), ("x" * 121, ReceiptProblem.RESPONSIBLE_TOO_LONG)],
)
def test_a_bad_signature_writes_nothing(
    people: None, responsible: str, problem: ReceiptProblem
) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    with pytest.raises(Refused) as refused:
        sign(Who(LATER, user("wang")), receipt, responsible=responsible)
    assert refused.value.problems == [problem]
    db.session.rollback()
    assert receipts_of("T1-3") == [("gxj", "pending")]
    assert receipt_history("T1-3") == []


def test_declining_needs_a_reason_and_is_kept(people: None) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    with pytest.raises(Refused) as refused:
        decline(Who(LATER, user("wang")), receipt, reason="   ")
    assert refused.value.problems == [ReceiptProblem.REASON_REQUIRED]
    db.session.rollback()
    assert receipts_of("T1-3") == [("gxj", "pending")]
    decline(Who(LATER, user("wang")), receipt, reason="不属于本部门职责")
    db.session.commit()
    assert receipts_of("T1-3") == [("gxj", "declined")]
    assert current_receipt(milestone("T1-3").id).decline_reason == "不属于本部门职责"  # type: ignore[union-attr]
    assert receipt_history("T1-3") == [("pending", "declined", "不属于本部门职责")]


def test_an_answered_receipt_is_not_answered_again(people: None) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    sign(Who(LATER, user("wang")), receipt, responsible="张三")
    db.session.commit()
    with pytest.raises(Refused) as refused:
        decline(Who(LATER, user("wang2")), receipt, reason="不属于本部门职责")
    assert refused.value.problems == [ReceiptProblem.ALREADY_ANSWERED]
    assert refused.value.context == {"by": "Wang"}


def test_reassignment_resets_the_receipt(people: None) -> None:
    target = milestone("T1-3")
    update_milestone(
        Who(NOW, user("admin")),
        target,
        title_zh=target.title_zh,
        title_en=target.title_en,
        due=target.due,
        weight=target.weight,
        department=department("swj"),
        assignee=None,
        version=target.version,
    )
    db.session.commit()
    assert receipts_of("T1-3") == [("gxj", "superseded"), ("swj", "pending")]
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    assert receipt.assigned_by == user("admin")


def test_a_declined_milestone_is_assigned_again_to_the_same_department(people: None) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    with pytest.raises(Refused) as refused:
        assign_again(Who(NOW, user("admin")), milestone("T1-3"))
    assert refused.value.problems == [ReceiptProblem.NOT_DECLINED]
    decline(Who(NOW, user("wang")), receipt, reason="不属于本部门职责")
    assign_again(Who(LATER, user("admin")), milestone("T1-3"))
    db.session.commit()
    assert receipts_of("T1-3") == [("gxj", "declined"), ("gxj", "pending")]
    assert receipt_history("T1-3")[-1] == ("declined", "pending", "")


def test_an_admins_new_milestone_waits_for_its_receipt(people: None) -> None:
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    created = create_milestone(
        Who(NOW, user("admin")),
        item,
        code="T1-9",
        title_zh="新里程碑",
        title_en="New milestone",
        due=date(2021, 6, 30),
        weight=1,
        department=department("swj"),
        assignee=None,
    )
    db.session.commit()
    assert receipts_of(created.code) == [("swj", "pending")]


@pytest.mark.parametrize("trial", range(3))
def test_sign_and_decline_at_once_have_exactly_one_winner(
    app: Flask, people: None, trial: int
) -> None:
    receipt_id = current_receipt(milestone("T1-3").id).id  # type: ignore[union-attr]
    db.session.commit()

    def signing() -> None:
        sign(Who(LATER, user("wang")), db.session.get(Receipt, receipt_id), responsible="张三")

    def declining() -> None:
        receipt = db.session.get(Receipt, receipt_id)
        decline(Who(LATER, user("wang2")), receipt, reason="不属于本部门职责")

    outcomes = at_once(app, signing, declining)
    winners = [o is None for o in outcomes]
    assert winners.count(True) == 1, outcomes
    loser = outcomes[winners.index(False)]
    assert isinstance(loser, Refused)
    assert loser.problems == [ReceiptProblem.ALREADY_ANSWERED]
    assert loser.context == {"by": "Wang" if winners[0] else "Wang2"}
    state = ReceiptState.SIGNED if winners[0] else ReceiptState.DECLINED
    assert receipts_of("T1-3") == [("gxj", state)]
    assert [new for _, new, _ in receipt_history("T1-3")] == [state]


@pytest.mark.parametrize("trial", range(3))
def test_two_admins_assigning_again_at_once_open_one_receipt(
    app: Flask, people: None, trial: int
) -> None:
    receipt = current_receipt(milestone("T1-3").id)
    assert receipt is not None
    decline(Who(NOW, user("wang")), receipt, reason="不属于本部门职责")
    db.session.commit()
    db.session.remove()

    def assigning() -> None:
        assign_again(Who(LATER, user("admin")), milestone("T1-3"))

    outcomes = at_once(app, assigning, assigning)
    assert [o is None for o in outcomes].count(True) == 1, outcomes
    loser = next(o for o in outcomes if o is not None)
    assert isinstance(loser, Refused)
    assert receipts_of("T1-3") == [("gxj", "declined"), ("gxj", "pending")]
    assert [new for _, new, _ in receipt_history("T1-3")] == ["declined", "pending"]
