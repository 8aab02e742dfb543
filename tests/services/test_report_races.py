"""Two people pressing two buttons at once on one report: exactly one wins, nothing breaks.

Each side runs in its own thread with its own session and commits through the request
boundary, as two workers would. Run on SQLite and, with ``TRACKER_TEST_DATABASE_URL``, on
PostgreSQL, where the second writer waits on the first one's row lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import load_plan
from tests.factories import create_user, department
from tests.races import at_once
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.domain.reporting import MilestoneReport, ReportState, ReviewProblem
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone, Report, Update, User
from tracker.services.commands.reports import (
    approve_report,
    return_report,
    submit_milestone_report,
)
from tracker.unit_of_work import unit_of_work

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)
TODAY = date(2020, 12, 20)
TRIALS = 5


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))
    create_user("chen", "dept_lead", department=department("kjj"))


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def _milestone() -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))


def _submit(progress: int) -> int:
    """A pending report on T1-3 by its department; its id."""
    milestone = _milestone()
    with unit_of_work():
        report = submit_milestone_report(
            Who(NOW, _user("wang")),
            milestone,
            MilestoneReport(Status.ON_TRACK, progress, None, f"进展 {progress}%"),
            version=milestone.version,
            today=TODAY,
        )
    return report.id


def _review(name: str, report_id: int, *, approve: bool) -> Callable[[], None]:
    def act() -> None:
        report = db.session.get(Report, report_id)
        who = Who(NOW, _user(name))
        if approve:
            approve_report(who, report, today=TODAY)
        else:
            return_report(who, report, "请补充佐证材料", today=TODAY)

    return act


def _review_rows(report_id: int) -> list[str | None]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Update.new_value).where(
                Update.report_id == report_id,
                Update.field == "review",
                Update.new_value.in_([ReportState.APPROVED, ReportState.RETURNED]),
            )
        )
    )


def _refused_as_not_pending(error: BaseException | None) -> bool:
    return isinstance(error, Refused) and error.problems == [ReviewProblem.NOT_PENDING]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_approve_and_return_at_once_have_exactly_one_winner(
    app: Flask, people: None, trial: int
) -> None:
    report_id = _submit(40 + trial)
    outcomes = at_once(
        app,
        _review("li", report_id, approve=True),
        _review("chen", report_id, approve=False),
    )
    winners = [o is None for o in outcomes]
    assert winners.count(True) == 1, outcomes
    loser = outcomes[winners.index(False)]
    assert _refused_as_not_pending(loser), loser
    state = db.session.get(Report, report_id).state
    assert state == (ReportState.APPROVED if winners[0] else ReportState.RETURNED)
    assert _review_rows(report_id) == [state]
    milestone = _milestone()
    assert (milestone.progress == 40 + trial) is (state == ReportState.APPROVED)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_approvals_write_one_review(app: Flask, people: None, trial: int) -> None:
    milestone = _milestone()
    report_id = _submit(milestone.progress)  # a report that changes no value: a note only
    outcomes = at_once(
        app,
        _review("li", report_id, approve=True),
        _review("chen", report_id, approve=True),
    )
    assert sorted(o is None for o in outcomes) == [False, True], outcomes
    assert any(_refused_as_not_pending(o) for o in outcomes)
    assert _review_rows(report_id) == [ReportState.APPROVED]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_review_and_a_new_report_on_one_milestone_never_deadlock(
    app: Flask, people: None, trial: int
) -> None:
    """The loser is told the report moved on, or that the milestone changed: never a 500."""
    report_id = _submit(50 + trial)
    version = _milestone().version

    def resubmit() -> None:
        milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
        submit_milestone_report(
            Who(NOW, _user("wang")),
            milestone,
            MilestoneReport(Status.ON_TRACK, 70, None, "更正：进展 70%"),
            version=version,
            today=TODAY,
        )

    outcomes = at_once(app, _review("li", report_id, approve=True), resubmit)
    assert [o for o in outcomes if o is not None and not isinstance(o, Refused)] == []
    assert outcomes.count(None) >= 1
    if outcomes[0] is None:  # the approval won: the new report was based on an old version
        assert isinstance(outcomes[1], StaleVersion)
    else:  # the new report won and withdrew the pending one
        assert _refused_as_not_pending(outcomes[0])


def test_a_report_returned_while_a_new_one_is_filed_stays_returned(
    app: Flask, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new report read the old one as waiting just before the reviewer returned it (the
    soak caught this on SQLite): the return stands, and the new report is filed.
    """
    first = _submit(40)
    stale = db.session.get(Report, first)
    assert stale.state == ReportState.SUBMITTED
    monkeypatch.setattr("tracker.services.commands.reports.pending_report", lambda **_where: stale)
    with app.app_context():  # the reviewer, in another session, is first to commit
        with unit_of_work():
            _review("li", first, approve=False)()
        db.session.remove()
    second = _submit(50)
    db.session.expire_all()
    assert db.session.get(Report, first).state == ReportState.RETURNED
    assert db.session.get(Report, second).state == ReportState.SUBMITTED
    withdrawn = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Update)
        .where(Update.report_id == first, Update.new_value == ReportState.WITHDRAWN)
    )
    assert withdrawn == 0


def test_a_report_withdrawn_after_the_reviewer_opened_it_is_not_pending(
    app: Flask, people: None
) -> None:
    """The reviewer read the report before a new one withdrew it: told it no longer waits."""
    first = _submit(40)
    opened = db.session.get(Report, first)  # the reviewer's page, read before the new report
    with app.app_context():  # the department files a new report, in another session
        _submit(45)
        db.session.remove()
    with pytest.raises(Refused) as refused:
        approve_report(Who(NOW, _user("li")), opened, today=TODAY)
    assert refused.value.problems == [ReviewProblem.NOT_PENDING]
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Report, first).state == ReportState.WITHDRAWN
