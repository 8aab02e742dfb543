"""Instructions (批示) and the focus flag: the rules, the writing services and the read helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import table_snapshot
from tests.factories import create_user, department
from tests.querycount import count_queries
from tracker.domain.instructions import (
    TEXT_MAX,
    InstructionProblem,
    close_problems,
    due_problems,
    handled_problems,
    is_overdue,
    reply_problems,
    text_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Instruction, InstructionReply, Item, Update, User
from tracker.services.commands.instructions import (
    close,
    create_instruction,
    mark_handled,
    reply,
    set_focus,
)
from tracker.services.queries.instructions import (
    instructions_for_item,
    open_instructions_for_department,
)

# 2020-09-28 10:00 in Qingdao.
NOW = datetime(2020, 9, 28, 2, 0, tzinfo=UTC)
TODAY = date(2020, 9, 28)
ZHANG_SAYS = "协调工信部工业文化发展中心，月底前反馈进展"


# The rules, without an app


@pytest.mark.parametrize(
    ("text", "required", "problems"),
    [
        ("请推进", True, []),
        ("  请推进  ", True, []),
        ("", True, [InstructionProblem.TEXT_REQUIRED]),
        (" \n\t ", True, [InstructionProblem.TEXT_REQUIRED]),
        ("", False, []),
        ("字" * TEXT_MAX, True, []),
        (" " + "字" * TEXT_MAX + "\n", True, []),
        ("字" * (TEXT_MAX + 1), True, [InstructionProblem.TEXT_TOO_LONG]),
        ("字" * (TEXT_MAX + 1), False, [InstructionProblem.TEXT_TOO_LONG]),
    ],
)
def test_text_rules(text: str, required: bool, problems: list[InstructionProblem]) -> None:
    assert text_problems(text, required=required) == problems


def test_due_date_is_optional_and_not_before_today() -> None:
    assert due_problems(None, TODAY) == []
    assert due_problems(TODAY, TODAY) == []
    assert due_problems(date(2020, 9, 30), TODAY) == []
    assert due_problems(TODAY - timedelta(days=1), TODAY) == [InstructionProblem.DUE_IN_PAST]


def test_state_transitions() -> None:
    assert reply_problems("open") == []
    assert reply_problems("handled") == []
    assert reply_problems("closed") == [InstructionProblem.CLOSED]
    assert handled_problems("open") == []
    assert handled_problems("handled") == [InstructionProblem.ALREADY_HANDLED]
    assert handled_problems("closed") == [InstructionProblem.CLOSED]
    assert close_problems("open") == []
    assert close_problems("handled") == []
    assert close_problems("closed") == [InstructionProblem.ALREADY_CLOSED]


def test_only_an_open_instruction_past_its_due_date_is_overdue() -> None:
    yesterday = TODAY - timedelta(days=1)
    assert is_overdue(yesterday, "open", TODAY)
    assert not is_overdue(TODAY, "open", TODAY)
    assert not is_overdue(None, "open", TODAY)
    assert not is_overdue(yesterday, "handled", TODAY)
    assert not is_overdue(yesterday, "closed", TODAY)


# Writing


@pytest.fixture
def zhang(seeded: Flask) -> User:
    return create_user("zhang", "leader")


@pytest.fixture
def liu(seeded: Flask) -> User:
    """The lead of 区文化和旅游局 (wlj), which leads P3."""
    return create_user("liu", "dept_lead", department=department("wlj"))


def item(code: str) -> Item:
    found = db.session.scalar(sa.select(Item).where(Item.code == code))
    assert found is not None
    return found


def who(user: User, now: datetime = NOW) -> Who:
    return Who(now=now, actor=user)


def test_create_instruction_stores_it_open(zhang: User) -> None:
    p3 = item("P3")
    version = p3.version
    instruction = create_instruction(who(zhang), p3, f"  {ZHANG_SAYS}\n", date(2020, 9, 30))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Instruction, instruction.id)
    assert stored is not None
    assert (stored.item_id, stored.author_id, stored.text, stored.due_on, stored.state) == (
        p3.id,
        zhang.id,
        ZHANG_SAYS,
        date(2020, 9, 30),
        "open",
    )
    assert stored.created_at == NOW
    assert (stored.handled_at, stored.closed_at) == (None, None)
    # An instruction is about the item, not a change of it.
    assert item("P3").version == version
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Update).where(Update.field == "focus")
        )
        == 0
    )


@pytest.mark.parametrize(
    ("text", "due_on", "problems"),
    [
        ("", None, [InstructionProblem.TEXT_REQUIRED]),
        ("   ", date(2020, 9, 30), [InstructionProblem.TEXT_REQUIRED]),
        ("字" * (TEXT_MAX + 1), None, [InstructionProblem.TEXT_TOO_LONG]),
        ("ok", date(2020, 9, 27), [InstructionProblem.DUE_IN_PAST]),
        ("", date(2020, 9, 27), [InstructionProblem.TEXT_REQUIRED, InstructionProblem.DUE_IN_PAST]),
    ],
)
def test_create_instruction_refuses_bad_input_and_writes_nothing(
    zhang: User, text: str, due_on: date | None, problems: list[InstructionProblem]
) -> None:
    before = table_snapshot()
    with pytest.raises(Refused) as refused:
        create_instruction(who(zhang), item("P3"), text, due_on)
    assert refused.value.problems == problems
    db.session.rollback()
    assert table_snapshot() == before


def test_due_date_counts_from_the_district_day_not_utc(zhang: User) -> None:
    # 2020-09-30 17:00 UTC is already 1 October in Qingdao.
    late = datetime(2020, 9, 30, 17, 0, tzinfo=UTC)
    with pytest.raises(Refused):
        create_instruction(who(zhang, late), item("P3"), "ok", date(2020, 9, 30))
    db.session.rollback()
    assert create_instruction(who(zhang, late), item("P3"), "ok", date(2020, 10, 1)).id


def test_reply_handled_close_lifecycle(zhang: User, liu: User) -> None:
    instruction = create_instruction(who(zhang), item("P3"), ZHANG_SAYS, date(2020, 9, 30))
    later = NOW + timedelta(hours=3)
    first = reply(who(liu, later), instruction, "已与中心联系，下周面谈。")
    assert (first.author_id, first.created_at, first.text) == (
        liu.id,
        later,
        "已与中心联系，下周面谈。",
    )
    assert instruction.state == "open"

    done_at = NOW + timedelta(days=1)
    second = mark_handled(who(liu, done_at), instruction, "  已签署合作意向。 ")
    assert second is not None
    assert second.text == "已签署合作意向。"
    assert (instruction.state, instruction.handled_at, instruction.handled_by_id) == (
        "handled",
        done_at,
        liu.id,
    )
    # The leader may still follow up on a handled instruction, then closes it.
    reply(who(zhang, done_at), instruction, "很好，请持续跟进。")
    closed_at = NOW + timedelta(days=2)
    close(who(zhang, closed_at), instruction)
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(Instruction, instruction.id)
    assert stored is not None
    assert (stored.state, stored.closed_at, stored.closed_by_id) == ("closed", closed_at, zhang.id)
    assert [(r.author_id, r.text) for r in stored.replies] == [
        (liu.id, "已与中心联系，下周面谈。"),
        (liu.id, "已签署合作意向。"),
        (zhang.id, "很好，请持续跟进。"),
    ]


def test_mark_handled_without_text_writes_no_reply(zhang: User, liu: User) -> None:
    instruction = create_instruction(who(zhang), item("P3"), ZHANG_SAYS, None)
    assert mark_handled(who(liu), instruction, "   ") is None
    db.session.commit()
    assert instruction.state == "handled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstructionReply)) == 0


def test_wrong_transitions_are_refused_and_write_nothing(zhang: User, liu: User) -> None:
    instruction = create_instruction(who(zhang), item("P3"), ZHANG_SAYS, None)
    mark_handled(who(liu), instruction, "")
    db.session.commit()
    before = table_snapshot()
    with pytest.raises(Refused) as refused:
        mark_handled(who(liu), instruction, "again")
    assert refused.value.problems == [InstructionProblem.ALREADY_HANDLED]
    db.session.rollback()

    close(who(zhang), instruction)
    db.session.commit()
    closed = table_snapshot()
    assert closed != before
    for attempt, problem in [
        (lambda: close(who(zhang), instruction), InstructionProblem.ALREADY_CLOSED),
        (lambda: reply(who(liu), instruction, "late"), InstructionProblem.CLOSED),
        (lambda: mark_handled(who(liu), instruction, ""), InstructionProblem.CLOSED),
    ]:
        with pytest.raises(Refused) as refused:
            attempt()
        assert refused.value.problems == [problem]
        db.session.rollback()
    assert table_snapshot() == closed


def test_reply_needs_text(zhang: User, liu: User) -> None:
    instruction = create_instruction(who(zhang), item("P3"), ZHANG_SAYS, None)
    db.session.commit()
    for text, problem in [
        ("", InstructionProblem.TEXT_REQUIRED),
        ("x" * (TEXT_MAX + 1), InstructionProblem.TEXT_TOO_LONG),
    ]:
        with pytest.raises(Refused) as refused:
            reply(who(liu), instruction, text)
        assert refused.value.problems == [problem]
        db.session.rollback()
    with pytest.raises(Refused):
        mark_handled(who(liu), instruction, "x" * (TEXT_MAX + 1))
    db.session.rollback()
    assert db.session.get(Instruction, instruction.id).state == "open"


# Focus


def focus_history(item_id: int) -> list[tuple[str | None, str | None, int | None]]:
    return [
        (u.old_value, u.new_value, u.user_id)
        for u in db.session.scalars(
            sa.select(Update)
            .where(Update.item_id == item_id, Update.field == "focus")
            .order_by(Update.id)
        )
    ]


def test_set_focus_writes_history_and_bumps_the_version(zhang: User) -> None:
    p3 = item("P3")
    version = p3.version
    assert set_focus(who(zhang), p3, True, expected_version=version)
    db.session.commit()
    db.session.expire_all()
    p3 = item("P3")
    assert p3.focus
    assert p3.version == version + 1
    [row] = db.session.scalars(sa.select(Update).where(Update.field == "focus")).all()
    assert (row.old_value, row.new_value, row.user_id) == ("False", "True", zhang.id)
    assert (row.created_at, row.effective_on, row.plan_id) == (NOW, TODAY, p3.plan_id)

    assert set_focus(who(zhang), p3, False)
    db.session.commit()
    assert focus_history(p3.id) == [("False", "True", zhang.id), ("True", "False", zhang.id)]
    assert not item("P3").focus


def test_set_focus_to_what_it_is_changes_nothing(zhang: User) -> None:
    before = table_snapshot()
    assert not set_focus(who(zhang), item("P3"), False, expected_version=999)
    db.session.commit()
    assert table_snapshot() == before


def test_set_focus_from_a_stale_version_is_refused(zhang: User) -> None:
    p3 = item("P3")
    before = table_snapshot()
    with pytest.raises(Refused) as refused:
        set_focus(who(zhang), p3, True, expected_version=p3.version - 1)
    assert refused.value.problems == [InstructionProblem.STALE_ITEM]
    db.session.rollback()
    assert table_snapshot() == before


def test_set_focus_loses_a_race_with_another_writer(zhang: User) -> None:
    """The item changed in the database after it was read: the version column catches it."""
    p3 = item("P3")
    version = p3.version
    with db.engine.begin() as other:
        other.execute(
            sa.update(Item).where(Item.id == p3.id).values(version=version + 1, weight=2.0)
        )
    before = table_snapshot()
    with pytest.raises(Refused) as refused:
        set_focus(who(zhang), p3, True, expected_version=version)
    assert refused.value.problems == [InstructionProblem.STALE_ITEM]
    db.session.rollback()
    assert table_snapshot() == before


# Reading


def test_instructions_for_item_newest_first_in_constant_queries(zhang: User, liu: User) -> None:
    p3 = item("P3")
    for n in range(3):
        instruction = create_instruction(who(zhang, NOW + timedelta(hours=n)), p3, f"第{n}条", None)
        for m in range(n):
            reply(who(liu, NOW + timedelta(hours=n, minutes=m)), instruction, f"答复{n}-{m}")
    mark_handled(who(liu, NOW + timedelta(days=1)), instruction, "")
    close(who(zhang, NOW + timedelta(days=2)), instruction)
    create_instruction(who(zhang), item("P2"), "其他事项", None)
    db.session.commit()
    p3_id, t1_id = p3.id, item("T1").id
    db.session.expunge_all()

    with count_queries() as statements:
        found = instructions_for_item(p3_id)
        seen = [
            (
                i.text,
                i.author.label,
                i.author.department,
                i.handled_by.label if i.handled_by else None,
                i.closed_by.label if i.closed_by else None,
                [(r.text, r.author.label, r.author.department.code) for r in i.replies],
            )
            for i in found
        ]
    assert len(statements) == 2
    assert seen == [
        (
            "第2条",
            "Zhang",
            None,
            "Liu",
            "Zhang",
            [("答复2-0", "Liu", "wlj"), ("答复2-1", "Liu", "wlj")],
        ),
        ("第1条", "Zhang", None, None, None, [("答复1-0", "Liu", "wlj")]),
        ("第0条", "Zhang", None, None, None, []),
    ]
    assert instructions_for_item(t1_id) == []


def test_open_instructions_for_department(zhang: User, liu: User) -> None:
    p3, a1 = item("P3"), item("A1")
    assert a1.lead_department_id != department("wlj").id
    later = create_instruction(who(zhang), p3, "晚", date(2020, 10, 30))
    undated = create_instruction(who(zhang), p3, "无期限", None)
    sooner = create_instruction(who(zhang), p3, "早", date(2020, 10, 1))
    handled = create_instruction(who(zhang), p3, "已办", date(2020, 9, 29))
    mark_handled(who(liu), handled, "")
    closed = create_instruction(who(zhang), p3, "已关闭", None)
    close(who(zhang), closed)
    create_instruction(who(zhang), a1, "别的单位", None)
    db.session.commit()
    expected = [sooner.id, later.id, undated.id, handled.id]
    wlj, swj = department("wlj").id, department("swj").id
    db.session.expunge_all()

    with count_queries() as statements:
        mine = open_instructions_for_department(wlj)
        seen = [(i.text, i.item.code, i.author.label, len(i.replies)) for i in mine]
    assert [i.id for i in mine] == expected
    assert seen[0] == ("早", "P3", "Zhang", 0)
    assert len(statements) == 2  # the instructions with items and authors, their replies
    assert open_instructions_for_department(swj) == []
