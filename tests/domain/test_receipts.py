"""Receipts (签收): who answers, what an answer needs, and how long a receipt has waited."""

from datetime import date

from tracker.domain.plan_states import PlanState
from tracker.domain.policy import Action, Actor, ReceiptTarget, Role, can
from tracker.domain.receipts import (
    REASON_MAX,
    RESPONSIBLE_MAX,
    ReceiptProblem,
    ReceiptState,
    age_days,
    decline_problems,
    oldest_age,
    reassign_problems,
    sign_problems,
)

OWN, OTHER, COORDINATING = 1, 2, 3
admin = Actor(Role.ADMIN)
leader = Actor(Role.LEADER)
viewer = Actor(Role.VIEWER)
lead_own = Actor(Role.DEPT_LEAD, department_id=OWN)
lead_other = Actor(Role.DEPT_LEAD, department_id=OTHER)
coordinator = Actor(Role.DEPT_LEAD, department_id=COORDINATING, department_coordinating=True)
EVERYONE = [admin, leader, viewer, lead_own, lead_other, coordinator]


def test_only_the_assigned_departments_lead_and_admins_answer() -> None:
    target = ReceiptTarget(department_id=OWN)
    assert [a for a in EVERYONE if can(a, Action.ANSWER_RECEIPT, target)] == [admin, lead_own]


def test_answering_needs_a_receipt_target() -> None:
    assert not can(lead_own, Action.ANSWER_RECEIPT, None)


def test_no_answers_on_a_closed_plan() -> None:
    target = ReceiptTarget(department_id=OWN)
    assert not can(lead_own, Action.ANSWER_RECEIPT, target, PlanState.CLOSED)
    assert can(lead_own, Action.ANSWER_RECEIPT, target, PlanState.ACTIVE)


def test_the_coordinating_office_and_admins_watch_receipts() -> None:
    assert [a for a in EVERYONE if can(a, Action.WATCH_RECEIPTS)] == [admin, coordinator]


def test_signing_names_the_person_responsible() -> None:
    assert sign_problems(state="pending", responsible="张三", work_plan="") == []
    assert sign_problems(state="pending", responsible="  ", work_plan="") == [
        ReceiptProblem.RESPONSIBLE_REQUIRED
    ]
    assert sign_problems(
        state="pending", responsible="x" * (RESPONSIBLE_MAX + 1), work_plan="y" * 2001
    ) == [ReceiptProblem.RESPONSIBLE_TOO_LONG, ReceiptProblem.WORK_PLAN_TOO_LONG]


def test_a_receipt_is_answered_once() -> None:
    for state in ("signed", "declined", "superseded"):
        assert sign_problems(state=state, responsible="张三", work_plan="") == [
            ReceiptProblem.ALREADY_ANSWERED
        ]
        assert decline_problems(state=state, reason="不属于本部门职责") == [
            ReceiptProblem.ALREADY_ANSWERED
        ]


def test_declining_needs_a_reason() -> None:
    assert decline_problems(state="pending", reason="不属于本部门职责") == []
    assert decline_problems(state="pending", reason=" \n") == [ReceiptProblem.REASON_REQUIRED]
    assert decline_problems(state="pending", reason="x" * (REASON_MAX + 1)) == [
        ReceiptProblem.REASON_TOO_LONG
    ]


def test_only_a_declined_receipt_is_assigned_again() -> None:
    assert reassign_problems(state=ReceiptState.DECLINED) == []
    for state in ("pending", "signed", None):
        assert reassign_problems(state=state) == [ReceiptProblem.NOT_DECLINED]


def test_age_in_days() -> None:
    assert age_days(date(2020, 9, 25), date(2020, 9, 25)) == 0
    assert age_days(date(2020, 9, 25), date(2020, 9, 30)) == 5
    assert oldest_age([date(2020, 9, 28), date(2020, 9, 25)], date(2020, 10, 1)) == 6
    assert oldest_age([], date(2020, 10, 1)) is None
