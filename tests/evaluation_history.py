"""A small scripted history for the department evaluation, October 2020 (with the National
Day holiday, 1–8 October, and the make-up working Saturday 10 October).

Three departments lead one item each: da (item IA, milestones A1–A3), db (IB: B1, B2),
dc (IC: C1). The figures it should give are worked out by hand in
tests/services/test_evaluation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from tests.factories import create_department, create_user
from tracker.extensions import db
from tracker.models import (
    Department,
    Group,
    Instruction,
    Item,
    Milestone,
    Plan,
    Receipt,
    Report,
    User,
)
from tracker.services.commands.calendar import load_calendar

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "holidays-cn-2020-2022.csv"
PLAN_CODE = "eval-2020"
# Noon in Qingdao on the period's last day: "today" for the pages.
NOW = datetime(2020, 10, 31, 4, tzinfo=UTC)


def at(day: date) -> datetime:
    """10:00 in Qingdao (02:00 UTC) on ``day``."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


@dataclass
class History:
    plan: Plan
    departments: dict[str, Department]
    milestones: dict[str, Milestone]


def script_history(*, calendar: bool = True) -> History:
    """Write the history (and load the sample calendar, unless ``calendar`` is False)."""
    if calendar:
        load_calendar(SAMPLE.read_bytes())
    departments = {code: create_department(code) for code in ("da", "db", "dc")}
    author = create_user("eval-leader", "leader")
    plan = Plan(
        code=PLAN_CODE,
        name_zh="考评测试计划",
        name_en="Evaluation test plan",
        start=date(2020, 9, 1),
        end=date(2022, 12, 31),
        report_date=date(2020, 9, 25),
        state="active",
    )
    db.session.add(plan)
    db.session.flush()
    group = Group(plan_id=plan.id, code="G", kind="task", name_zh="组", name_en="Group")
    db.session.add(group)
    db.session.flush()
    items = {}
    for code, department in (("IA", "da"), ("IB", "db"), ("IC", "dc")):
        items[code] = _item(plan, group, code, departments[department])
    milestones = {}
    for code, item, due, status, done in (
        ("A1", "IA", date(2020, 10, 15), "done", date(2020, 10, 14)),
        ("A2", "IA", date(2020, 10, 20), "done", date(2020, 10, 25)),
        ("A3", "IA", date(2020, 12, 31), "on_track", None),
        ("B1", "IB", date(2020, 10, 10), "on_track", None),
        ("B2", "IB", date(2020, 9, 30), "not_started", None),
        ("C1", "IC", date(2020, 10, 31), "done", date(2020, 10, 31)),
    ):
        milestones[code] = _milestone(items[item], code, due, status, done)
    reports = (
        # milestone, submitted, state, reviewed
        ("A1", date(2020, 10, 14), "approved", date(2020, 10, 15)),
        ("A2", date(2020, 10, 12), "returned", date(2020, 10, 13)),
        ("A2", date(2020, 10, 25), "approved", date(2020, 10, 26)),
        ("B1", date(2020, 10, 9), "approved", date(2020, 10, 10)),
        ("C1", date(2020, 10, 31), "submitted", None),
    )
    for code, submitted, state, reviewed in reports:
        _report(milestones[code], author.id, submitted, state, reviewed)
    receipts = (
        # milestone, assigned, state, answered
        ("A3", date(2020, 10, 9), "signed", date(2020, 10, 12)),
        ("B1", date(2020, 10, 9), "signed", date(2020, 10, 15)),
        ("B2", date(2020, 10, 20), "pending", None),
        ("C1", date(2020, 10, 1), "signed", date(2020, 10, 12)),
        ("A1", date(2020, 10, 5), "declined", date(2020, 10, 6)),
    )
    for code, assigned, state, answered in receipts:
        _receipt(milestones[code], assigned, state, answered)
    instructions = (
        # item, due, handled
        ("IA", date(2020, 10, 20), date(2020, 10, 22)),
        ("IB", date(2020, 10, 16), date(2020, 10, 16)),
        ("IC", date(2020, 11, 5), None),
    )
    for code, due, handled in instructions:
        _instruction(items[code], author.id, due, handled)
    db.session.commit()
    return History(plan, departments, milestones)


def add_departments(history: History, count: int) -> None:
    """``count`` more departments, each leading an item with two milestones, a returned
    report, a late receipt and an instruction left open (for the query-count test).
    """
    group = history.plan.groups[0]
    author_id = _author_id()
    for n in range(count):
        department = create_department(f"dx{n}")
        history.departments[department.code] = department
        item = _item(history.plan, group, f"IX{n}", department)
        first = _milestone(item, f"X{n}-1", date(2020, 10, 10), "on_track", None)
        _milestone(item, f"X{n}-2", date(2020, 10, 12), "done", date(2020, 10, 12))
        _report(first, author_id, date(2020, 10, 9), "returned", date(2020, 10, 10))
        _receipt(first, date(2020, 10, 9), "signed", date(2020, 10, 19))
        _instruction(item, author_id, date(2020, 10, 16), None)
    db.session.commit()


def _item(plan: Plan, group: Group, code: str, department: Department) -> Item:
    item = Item(
        plan_id=plan.id,
        group_id=group.id,
        code=code,
        title_zh=f"事项{code}",
        title_en=f"Item {code}",
        lead_department_id=department.id,
        start=date(2020, 9, 1),
        due=date(2022, 12, 31),
    )
    db.session.add(item)
    db.session.flush()
    return item


def _milestone(item: Item, code: str, due: date, status: str, done: date | None) -> Milestone:
    milestone = Milestone(
        plan_id=item.plan_id,
        item_id=item.id,
        code=code,
        title_zh=f"节点{code}",
        title_en=f"Milestone {code}",
        due=due,
        baseline_due=due,
        department_id=item.lead_department_id,
        reported_status=status,
        progress=100 if done else 10,
        completed_on=done,
    )
    db.session.add(milestone)
    db.session.flush()
    return milestone


def _report(
    milestone: Milestone, author_id: int, submitted: date, state: str, reviewed: date | None
) -> None:
    db.session.add(
        Report(
            plan_id=milestone.plan_id,
            item_id=milestone.item_id,
            milestone_id=milestone.id,
            author_id=author_id,
            department_id=milestone.department_id,
            submitted_at=at(submitted),
            base_version=1,
            state=state,
            status="on_track",
            progress=50,
            reviewed_at=at(reviewed) if reviewed else None,
        )
    )


def _receipt(milestone: Milestone, assigned: date, state: str, answered: date | None) -> None:
    db.session.add(
        Receipt(
            plan_id=milestone.plan_id,
            milestone_id=milestone.id,
            department_id=milestone.department_id,
            assigned_at=at(assigned),
            state=state,
            answered_at=at(answered) if answered else None,
        )
    )


def _instruction(item: Item, author_id: int, due: date, handled: date | None) -> None:
    db.session.add(
        Instruction(
            item_id=item.id,
            author_id=author_id,
            created_at=at(date(2020, 10, 1)),
            text="月底前反馈进展",
            due_on=due,
            state="handled" if handled else "open",
            handled_at=at(handled) if handled else None,
        )
    )


def _author_id() -> int:
    found = db.session.scalar(sa.select(User.id).where(User.username == "eval-leader"))
    assert found is not None
    return found
