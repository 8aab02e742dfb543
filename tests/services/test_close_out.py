"""Close-out (销号): an approved done report awaits close-out; the coordinating office closes it
out or reopens it with a reason; of two deciding at once exactly one wins; a plan file's done is
closed out at once; a past day's board shows the close-out of that day.

Run on SQLite and, with ``TRACKER_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, department
from tests.races import at_once
from tracker.domain.close_out import CloseOutProblem
from tracker.domain.refusal import Refused, Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, Plan, Update, User
from tracker.services.commands.close_out import close_out, reopen
from tracker.services.commands.reports import approve_report, submit_milestone_report
from tracker.services.queries.progress import load_progress
from tracker.unit_of_work import unit_of_work

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
TODAY = date(2020, 12, 20)
LATER = datetime(2020, 12, 23, 2, 0, tzinfo=UTC)
LATER_DAY = date(2020, 12, 23)
TRIALS = 3


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office
    create_user("chen", "dept_lead", department=department("kjj"))


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def t1_3() -> Milestone:
    db.session.expire_all()
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))


def report_done(*, on: date = TODAY, now: datetime = NOW, completed: date = date(2020, 12, 18)):
    """T1-3 reported done by its department and approved by the coordinating office."""
    milestone = t1_3()
    with unit_of_work():
        report = submit_milestone_report(
            Who(now, user("wang")),
            milestone,
            MilestoneReport(Status.DONE, 100, completed, "970处已开通"),
            version=milestone.version,
            today=on,
        )
    with unit_of_work():
        approve_report(Who(now, user("li")), report, today=on)


def close_out_rows() -> list[tuple[str | None, str | None, str]]:
    db.session.expire_all()
    return [
        (row.old_value, row.new_value, row.note)
        for row in db.session.scalars(
            sa.select(Update).where(Update.field == "close_out").order_by(Update.id)
        )
    ]


def test_approving_a_done_report_leaves_the_milestone_awaiting_close_out(people: None) -> None:
    report_done()
    milestone = t1_3()
    assert (milestone.reported_status, milestone.close_out) == ("done", "awaiting")
    assert close_out_rows() == [(None, "awaiting", "")]


def test_a_report_that_is_not_done_leaves_close_out_alone(people: None) -> None:
    milestone = t1_3()
    with unit_of_work():
        report = submit_milestone_report(
            Who(NOW, user("wang")),
            milestone,
            MilestoneReport(Status.ON_TRACK, 60, None, "进展60%"),
            version=milestone.version,
            today=TODAY,
        )
    with unit_of_work():
        approve_report(Who(NOW, user("li")), report, today=TODAY)
    assert t1_3().close_out is None
    assert close_out_rows() == []


def test_taking_done_back_opens_the_milestone_again_and_out_of_the_queue(people: None) -> None:
    """A department that reports a milestone awaiting close-out as not done after all, once
    the office approves it, has it open again: no longer awaiting, so nobody closes out an
    open milestone; its next done report awaits close-out anew.
    """
    report_done()
    milestone = t1_3()
    with unit_of_work():
        report = submit_milestone_report(
            Who(NOW, user("wang")),
            milestone,
            MilestoneReport(Status.AT_RISK, 80, None, "验收发现问题，需整改"),
            version=milestone.version,
            today=TODAY,
        )
    with unit_of_work():
        approve_report(Who(NOW, user("li")), report, today=TODAY)
    milestone = t1_3()
    assert (milestone.reported_status, milestone.close_out) == ("at_risk", "reopened")
    assert close_out_rows() == [(None, "awaiting", ""), ("awaiting", "reopened", "")]
    with pytest.raises(Refused) as refused, unit_of_work():
        close_out(Who(NOW, user("li")), milestone, version=milestone.version, today=TODAY)
    assert refused.value.problems == [CloseOutProblem.ALREADY_REOPENED]
    report_done()
    assert t1_3().close_out == "awaiting"


def test_the_office_closes_it_out(people: None) -> None:
    report_done()
    milestone = t1_3()
    with unit_of_work():
        close_out(Who(LATER, user("li")), milestone, version=milestone.version, today=LATER_DAY)
    milestone = t1_3()
    assert (milestone.reported_status, milestone.close_out) == ("done", "closed")
    assert close_out_rows()[-1] == ("awaiting", "closed", "")


def test_reopening_opens_the_milestone_again_and_a_new_done_report_awaits_again(
    people: None,
) -> None:
    report_done()
    milestone = t1_3()
    with unit_of_work():
        reopen(
            Who(LATER, user("li")),
            milestone,
            "  佐证材料不足 ",
            version=milestone.version,
            today=LATER_DAY,
        )
    milestone = t1_3()
    assert (milestone.close_out, milestone.reported_status, milestone.completed_on) == (
        "reopened",
        "on_track",
        None,
    )
    rows = db.session.scalars(
        sa.select(Update)
        .where(Update.milestone_id == milestone.id, Update.effective_on == LATER_DAY)
        .order_by(Update.id)
    ).all()
    assert [(r.field, r.old_value, r.new_value, r.note) for r in rows] == [
        ("close_out", "awaiting", "reopened", "佐证材料不足"),
        ("status", "done", "on_track", "佐证材料不足"),
        ("completed_on", "2020-12-18", None, "佐证材料不足"),
    ]
    # The department reports again; once approved it awaits close-out again.
    report_done(on=date(2020, 12, 28), now=datetime(2020, 12, 28, 2, tzinfo=UTC))
    assert t1_3().close_out == "awaiting"
    assert close_out_rows()[-1] == ("reopened", "awaiting", "")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reopening_without_reason_is_refused_and_writes_nothing(
    people: None, reason: str
) -> None:
    report_done()
    before = table_snapshot()
    milestone = t1_3()
    with pytest.raises(Refused) as refused, unit_of_work():
        reopen(Who(LATER, user("li")), milestone, reason, version=milestone.version, today=TODAY)
    assert refused.value.problems == [CloseOutProblem.REASON_REQUIRED]
    db.session.expire_all()
    assert table_snapshot() == before


def test_only_a_milestone_awaiting_close_out_can_be_decided(people: None) -> None:
    milestone = t1_3()  # open: nothing to close out
    before = table_snapshot()
    with pytest.raises(Refused) as refused, unit_of_work():
        close_out(Who(LATER, user("li")), milestone, version=milestone.version, today=TODAY)
    assert refused.value.problems == [CloseOutProblem.NOT_AWAITING]
    assert table_snapshot() == before


def test_a_decision_on_a_milestone_changed_since_the_page_was_read_is_refused(
    people: None,
) -> None:
    report_done()
    milestone = t1_3()
    with pytest.raises(Refused) as refused, unit_of_work():
        close_out(Who(LATER, user("li")), milestone, version=milestone.version - 1, today=TODAY)
    assert refused.value.problems == [CloseOutProblem.CHANGED_SINCE]
    assert t1_3().close_out == "awaiting"


@pytest.mark.parametrize("trial", range(TRIALS))
def test_close_out_and_reopen_at_once_exactly_one_wins(
    app: Flask, people: None, trial: int
) -> None:
    report_done()
    milestone = t1_3()
    milestone_id, version = milestone.id, milestone.version
    db.session.remove()

    def closing() -> None:
        close_out(
            Who(LATER, user("li")),
            db.session.get(Milestone, milestone_id),
            version=version,
            today=LATER_DAY,
        )

    def reopening() -> None:
        reopen(
            Who(LATER, user("chen")),
            db.session.get(Milestone, milestone_id),
            "佐证材料不足",
            version=version,
            today=LATER_DAY,
        )

    outcomes = at_once(app, closing, reopening)
    failed = [o for o in outcomes if o is not None]
    assert len(failed) == 1, outcomes
    loser = failed[0]
    assert isinstance(loser, Refused)
    state = t1_3().close_out
    decided = [row for row in close_out_rows() if row[0] == "awaiting"]
    assert len(decided) == 1
    if state == "closed":
        assert outcomes[0] is None
        assert loser.problems == [CloseOutProblem.ALREADY_CLOSED]
        assert loser.context == {"by": "Li"}
        assert t1_3().reported_status == "done"
    else:
        assert state == "reopened"
        assert outcomes[1] is None
        assert loser.problems == [CloseOutProblem.ALREADY_REOPENED]
        assert loser.context == {"by": "Chen"}
        assert t1_3().reported_status == "on_track"


def test_a_plan_file_that_says_done_is_closed_out_at_once(app: Flask) -> None:
    load_plan()
    done = db.session.execute(
        sa.select(Milestone.code, Milestone.close_out).where(Milestone.reported_status == "done")
    ).all()
    assert done
    assert {close for _code, close in done} == {"closed"}
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Milestone.reported_status != "done", Milestone.close_out.is_not(None)
            )
        )
        == 0
    )


def _counts(as_of: date) -> tuple[int, int]:
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))
    result = load_progress(plan, as_of, 10.0, today=date(2020, 12, 31)).result
    return result.milestone_counts[Status.DONE], result.milestones_awaiting_close_out


def test_the_board_counts_closed_out_as_done_and_awaiting_apart_on_any_day(
    people: None,
) -> None:
    done_before, awaiting_before = _counts(date(2020, 12, 19))
    assert awaiting_before == 0
    report_done()  # approved on the 20th
    milestone = t1_3()
    with unit_of_work():
        close_out(Who(LATER, user("li")), milestone, version=milestone.version, today=LATER_DAY)
    # Today: closed out, counted as done.
    assert _counts(date(2020, 12, 31)) == (done_before + 1, 0)
    # The 21st, replayed: done and approved, not yet closed out.
    assert _counts(date(2020, 12, 21)) == (done_before, 1)
    # The 23rd, replayed: closed out that day.
    assert _counts(LATER_DAY) == (done_before + 1, 0)
    # The 19th, replayed: not done yet.
    assert _counts(date(2020, 12, 19)) == (done_before, 0)
