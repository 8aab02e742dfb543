"""Postponement requests: the rules as plain functions, then the service on the Shinan plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import create_user, department
from tracker.domain.postponements import (
    REASON_MAX,
    PostponementProblem,
    approval_problems,
    delay_days,
    latest_due,
    rejection_problems,
    request_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Milestone, Postponement, Update, User
from tracker.services.commands.postponements import (
    approve_postponement,
    reject_postponement,
    request_postponement,
)
from tracker.services.queries.postponements import decision_queue, pending_request

NOW = datetime(2021, 3, 1, 2, 0, tzinfo=UTC)
TODAY = date(2021, 3, 1)
REASON = "The MIIT centre asked to sign after its board meeting in June."

# Rules


def test_latest_due_is_two_years_after_the_plan_end() -> None:
    assert latest_due(date(2022, 12, 31)) == date(2024, 12, 31)
    assert latest_due(date(2024, 2, 29)) == date(2026, 2, 28)


def test_delay_days() -> None:
    assert delay_days(date(2021, 6, 30), date(2021, 9, 30)) == 92
    assert delay_days(date(2021, 6, 30), date(2021, 7, 1)) == 1


def problems(**overrides: object) -> list[PostponementProblem]:
    values: dict[str, object] = {
        "current_due": date(2021, 6, 30),
        "requested_due": date(2021, 9, 30),
        "plan_end": date(2022, 12, 31),
        "reason": REASON,
        "done": False,
        "pending": False,
        "stale": False,
    }
    return request_problems(**(values | overrides))  # type: ignore[arg-type]


def test_a_good_request_has_no_problems() -> None:
    assert problems() == []
    assert problems(requested_due=date(2021, 7, 1)) == []
    assert problems(requested_due=date(2024, 12, 31)) == []
    assert problems(reason="  许可证未批  ") == []  # five characters, blanks trimmed


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"requested_due": date(2021, 6, 30)}, [PostponementProblem.NOT_LATER]),
        ({"requested_due": date(2021, 1, 1)}, [PostponementProblem.NOT_LATER]),
        ({"requested_due": date(2025, 1, 1)}, [PostponementProblem.BEYOND_LIMIT]),
        ({"requested_due": date(9999, 12, 31)}, [PostponementProblem.BEYOND_LIMIT]),
        ({"reason": ""}, [PostponementProblem.REASON_TOO_SHORT]),
        ({"reason": "   abc     "}, [PostponementProblem.REASON_TOO_SHORT]),
        ({"reason": "x" * (REASON_MAX + 1)}, [PostponementProblem.REASON_TOO_LONG]),
        ({"done": True}, [PostponementProblem.MILESTONE_DONE]),
        ({"pending": True}, [PostponementProblem.ALREADY_PENDING]),
        ({"stale": True}, [PostponementProblem.STALE]),
    ],
)
def test_request_problems(overrides: dict[str, object], expected: list[str]) -> None:
    assert problems(**overrides) == expected


def test_every_problem_of_a_request_is_reported_at_once() -> None:
    assert problems(requested_due=date(2021, 1, 1), reason="", pending=True) == [
        PostponementProblem.ALREADY_PENDING,
        PostponementProblem.NOT_LATER,
        PostponementProblem.REASON_TOO_SHORT,
    ]


def test_approval_problems() -> None:
    due = date(2021, 6, 30)
    ok = {"state": "pending", "due_before": due, "current_due": due, "done": False, "note": ""}
    assert approval_problems(**ok) == []  # type: ignore[arg-type]
    for state in ("approved", "rejected"):
        assert approval_problems(**ok | {"state": state}) == [  # type: ignore[arg-type]
            PostponementProblem.ALREADY_DECIDED
        ]
    moved = ok | {"current_due": date(2021, 7, 31)}
    assert approval_problems(**moved) == [PostponementProblem.DUE_CHANGED]  # type: ignore[arg-type]
    assert approval_problems(**ok | {"done": True}) == [  # type: ignore[arg-type]
        PostponementProblem.MILESTONE_DONE
    ]


def test_rejection_needs_a_note() -> None:
    assert rejection_problems(state="pending", note="Finish the contract first.") == []
    assert rejection_problems(state="pending", note="  ") == [PostponementProblem.NOTE_REQUIRED]
    assert rejection_problems(state="pending", note="x" * 2001) == [
        PostponementProblem.NOTE_TOO_LONG
    ]
    assert rejection_problems(state="rejected", note="again") == [
        PostponementProblem.ALREADY_DECIDED
    ]


# The service, on the Shinan plan


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


def history(code: str) -> list[Update]:
    return list(
        db.session.scalars(
            sa.select(Update)
            .where(Update.milestone_id == milestone(code).id, Update.origin == "postponement")
            .order_by(Update.id)
        )
    )


@pytest.fixture
def wlj_lead(seeded: Flask) -> User:
    return create_user("lead-wlj", "dept_lead", department=department("wlj"))


@pytest.fixture
def admin(seeded: Flask) -> User:
    return create_user("admin", "admin")


def ask(code: str, user: User, requested: date, reason: str = REASON) -> Postponement:
    target = milestone(code)
    postponement = request_postponement(
        Who(NOW, user),
        target,
        requested_due=requested,
        reason=reason,
        version=target.version,
    )
    db.session.commit()
    return postponement


def test_request_is_stored_pending_and_changes_nothing_else(wlj_lead: User) -> None:
    before = milestone("P3-2")
    version = before.version
    postponement = ask("P3-2", wlj_lead, date(2021, 9, 30), reason=f"  {REASON}  ")
    assert postponement.state == "pending"
    assert postponement.due_before == date(2021, 6, 30)
    assert postponement.requested_due == date(2021, 9, 30)
    assert postponement.reason == REASON
    assert postponement.requested_by_id == wlj_lead.id
    assert postponement.requested_at == NOW
    after = milestone("P3-2")
    assert (after.due, after.baseline_due, after.postponement_count, after.version) == (
        date(2021, 6, 30),
        date(2021, 6, 30),
        0,
        version,
    )
    assert pending_request(after) == postponement
    assert history("P3-2") == []


def test_second_request_while_one_is_pending_is_refused(wlj_lead: User) -> None:
    ask("P3-2", wlj_lead, date(2021, 9, 30))
    with pytest.raises(Refused) as refused:
        ask("P3-2", wlj_lead, date(2021, 10, 31))
    assert refused.value.problems == [PostponementProblem.ALREADY_PENDING]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Postponement)) == 1


def test_request_against_a_stale_version_is_refused(wlj_lead: User) -> None:
    target = milestone("P3-2")
    with pytest.raises(Refused) as refused:
        request_postponement(
            Who(NOW, wlj_lead),
            target,
            requested_due=date(2021, 9, 30),
            reason=REASON,
            version=target.version - 1,
        )
    assert refused.value.problems == [PostponementProblem.STALE]


def test_done_milestone_cannot_be_postponed(seeded: Flask) -> None:
    lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    with pytest.raises(Refused) as refused:
        ask("T1-1", lead, date(2021, 9, 30))
    assert refused.value.problems == [PostponementProblem.MILESTONE_DONE]


def test_approval_moves_due_keeps_baseline_counts_and_writes_history(
    wlj_lead: User, admin: User
) -> None:
    postponement = ask("P3-2", wlj_lead, date(2021, 9, 30))
    version = milestone("P3-2").version
    approve_postponement(Who(NOW, admin), postponement, note="Agreed.")
    db.session.commit()
    after = milestone("P3-2")
    assert after.due == date(2021, 9, 30)
    assert after.baseline_due == date(2021, 6, 30)
    assert after.postponement_count == 1
    assert after.version == version + 1
    decided = db.session.get(Postponement, postponement.id)
    assert decided is not None
    assert (decided.state, decided.decided_by_id, decided.decided_at, decided.decision_note) == (
        "approved",
        admin.id,
        NOW,
        "Agreed.",
    )
    [row] = history("P3-2")
    assert (row.field, row.old_value, row.new_value) == ("due", "2021-06-30", "2021-09-30")
    assert (row.note, row.origin, row.user_id) == (REASON, "postponement", admin.id)
    assert (row.effective_on, row.created_at) == (TODAY, NOW)
    assert pending_request(after) is None

    # A second postponement counts on, from the new date; the baseline still stays.
    second = ask("P3-2", wlj_lead, date(2021, 12, 31))
    assert second.due_before == date(2021, 9, 30)
    approve_postponement(Who(NOW, admin), second)
    db.session.commit()
    again = milestone("P3-2")
    assert (again.due, again.baseline_due, again.postponement_count) == (
        date(2021, 12, 31),
        date(2021, 6, 30),
        2,
    )
    assert [(r.old_value, r.new_value) for r in history("P3-2")] == [
        ("2021-06-30", "2021-09-30"),
        ("2021-09-30", "2021-12-31"),
    ]


def test_a_request_is_decided_only_once(wlj_lead: User, admin: User) -> None:
    postponement = ask("P3-2", wlj_lead, date(2021, 9, 30))
    approve_postponement(Who(NOW, admin), postponement)
    db.session.commit()
    for decide in (
        lambda: approve_postponement(Who(NOW, admin), postponement),
        lambda: reject_postponement(Who(NOW, admin), postponement, note="No."),
    ):
        with pytest.raises(Refused) as refused:
            decide()
        assert refused.value.problems == [PostponementProblem.ALREADY_DECIDED]
        db.session.rollback()
    after = milestone("P3-2")
    assert (after.due, after.postponement_count) == (date(2021, 9, 30), 1)
    assert len(history("P3-2")) == 1


def test_approval_is_refused_when_the_due_date_moved_since_the_request(
    wlj_lead: User, admin: User
) -> None:
    postponement = ask("P3-2", wlj_lead, date(2021, 9, 30))
    target = milestone("P3-2")
    target.due = target.baseline_due = date(2021, 7, 31)  # re-planned meanwhile
    db.session.commit()
    with pytest.raises(Refused) as refused:
        approve_postponement(Who(NOW, admin), postponement)
    assert refused.value.problems == [PostponementProblem.DUE_CHANGED]
    db.session.rollback()
    assert milestone("P3-2").due == date(2021, 7, 31)
    assert db.session.get(Postponement, postponement.id).state == "pending"  # type: ignore[union-attr]


def test_rejection_needs_a_note_and_leaves_the_milestone(wlj_lead: User, admin: User) -> None:
    postponement = ask("P3-2", wlj_lead, date(2021, 9, 30))
    with pytest.raises(Refused) as refused:
        reject_postponement(Who(NOW, admin), postponement, note=" ")
    assert refused.value.problems == [PostponementProblem.NOTE_REQUIRED]
    db.session.rollback()
    reject_postponement(Who(NOW, admin), postponement, note="Sign in June as planned.")
    db.session.commit()
    decided = db.session.get(Postponement, postponement.id)
    assert decided is not None
    assert (decided.state, decided.decision_note) == ("rejected", "Sign in June as planned.")
    after = milestone("P3-2")
    assert (after.due, after.postponement_count) == (date(2021, 6, 30), 0)
    assert history("P3-2") == []
    # Once rejected, the department may ask again.
    assert ask("P3-2", wlj_lead, date(2021, 8, 31)).state == "pending"


def test_queue_lists_pending_oldest_first_and_latest_decisions(wlj_lead: User, admin: User) -> None:
    gxj_lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    first = ask("P3-2", wlj_lead, date(2021, 9, 30))
    second = ask("T1-3", gxj_lead, date(2021, 3, 31))
    second.requested_at = NOW + timedelta(hours=1)
    third = ask("P3-3", wlj_lead, date(2022, 9, 30))
    third.requested_at = NOW - timedelta(hours=1)
    db.session.commit()
    pending, decided = decision_queue()
    assert [p.id for p in pending] == [third.id, first.id, second.id]
    assert decided == []
    reject_postponement(Who(NOW, admin), first, note="No.")
    approve_postponement(Who(NOW + timedelta(minutes=5), admin), third)
    db.session.commit()
    pending, decided = decision_queue()
    assert [p.id for p in pending] == [second.id]
    assert [p.id for p in decided] == [third.id, first.id]
    assert [p.id for p in decision_queue(limit=1)[1]] == [third.id]
