"""The department evaluation of October 2020, recomputed by hand from the scripted history
(tests/evaluation_history.py), with the default scheme: on time 40, reporting 20, receipt 10
(3 working days), quality 20, instructions 10; −2 per overdue milestone, at most −10.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.evaluation_history import NOW, add_departments, script_history
from tests.querycount import count_queries
from tests.races import at_once
from tracker.domain.evaluation import Criterion, DepartmentResult, FindingKind, Scheme
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.extensions import db
from tracker.models import EvaluationScheme, Plan
from tracker.services.commands.evaluation import save_scheme
from tracker.services.queries.evaluation import Evaluation, load_evaluation

OCTOBER = (date(2020, 10, 1), date(2020, 10, 31))
TODAY = date(2020, 10, 31)


def _by_code(evaluation: Evaluation) -> dict[str, DepartmentResult]:
    return {evaluation.departments[r.department_id].code: r for r in evaluation.results}


def _points(result: DepartmentResult) -> dict[Criterion, float]:
    return {c.criterion: c.points for c in result.criteria}


def test_october_2020_by_hand(app: Flask) -> None:
    history = script_history()
    evaluation = load_evaluation(history.plan, *OCTOBER, today=TODAY)
    results = _by_code(evaluation)
    da, db_, dc = results["da"], results["db"], results["dc"]

    # On time (40): milestones due in October.
    #   da: A1 due 10-15 done 10-14 (on time), A2 due 10-20 done 10-25 (late) -> 1/2 -> 20
    #   db: B1 due 10-10, not done by 10-31 -> 0/1 -> 0 (B2 was due in September)
    #   dc: C1 due 10-31 done 10-31 -> 1/1 -> 40
    # Reporting (20): October ends in the period; milestones open on 1 October, each
    # should have a report submitted in October.
    #   da: A1 (10-14), A2 (10-12, 10-25) reported, A3 none -> 2/3 -> 13.33
    #   db: B1 (10-09) reported, B2 none -> 1/2 -> 10
    #   dc: C1 (10-31, still waiting for review: submitted counts) -> 1/1 -> 20
    # Receipt (10, within 3 working days; 1-8 Oct off, Sat 10 Oct worked):
    #   da: A3 assigned Fri 10-09 -> deadline Sat 10(1) Mon 12(2) Tue 13(3) = 10-13;
    #       signed 10-12 -> on time; A1 declined -> not judged -> 1/1 -> 10
    #   db: B1 assigned 10-09, deadline 10-13, signed Thu 10-15 -> 2 working days late;
    #       B2 assigned Tue 10-20, deadline Fri 10-23, still pending on 10-31 -> late by
    #       Mon 26..Fri 30 = 5 working days -> 0/2 -> 0
    #   dc: C1 assigned Thu 10-01 (a holiday) -> Fri 9(1) Sat 10(2) Mon 12(3) = 10-12;
    #       signed 10-12 -> on time -> 1/1 -> 10
    # Quality (20): reports decided in October, approved without return.
    #   da: A1 approved, A2 returned, A2 approved -> 2/3 -> 13.33
    #   db: B1 approved -> 1/1 -> 20;  dc: nothing decided -> full 20
    # Instructions (10): due in October on items the department leads.
    #   da: IA due 10-20 handled 10-22 -> 0/1 -> 0
    #   db: IB due 10-16 handled 10-16 -> 1/1 -> 10;  dc: IC due in November -> full 10
    # Deductions (−2 each, overdue on 10-31): db: B1 (21 days), B2 (31 days) -> −4.
    # Totals: da 20 + 13.33 + 10 + 13.33 + 0 = 56.66; db 0 + 10 + 0 + 20 + 10 − 4 = 36;
    #         dc 40 + 20 + 10 + 20 + 10 = 100. Ranks: dc 1, da 2, db 3.
    assert _points(da) == {
        Criterion.ON_TIME: 20.0,
        Criterion.REPORTING: 13.33,
        Criterion.RECEIPT: 10.0,
        Criterion.QUALITY: 13.33,
        Criterion.INSTRUCTIONS: 0.0,
    }
    assert _points(db_) == {
        Criterion.ON_TIME: 0.0,
        Criterion.REPORTING: 10.0,
        Criterion.RECEIPT: 0.0,
        Criterion.QUALITY: 20.0,
        Criterion.INSTRUCTIONS: 10.0,
    }
    assert _points(dc) == {c: float(Scheme().points(c)) for c in Criterion}
    assert (da.total, db_.total, dc.total) == (56.66, 36.0, 100.0)
    assert [evaluation.departments[r.department_id].code for r in evaluation.results] == [
        "dc",
        "da",
        "db",
    ]
    assert [r.rank for r in evaluation.results] == [1, 2, 3]

    # The events behind the points lost.
    assert [
        (f.kind, f.code, f.happened_on, f.days_late)
        for f in da.criterion(Criterion.ON_TIME).findings
    ] == [(FindingKind.DONE_LATE, "A2", date(2020, 10, 25), 5)]
    assert [(f.kind, f.code) for f in da.criterion(Criterion.REPORTING).findings] == [
        (FindingKind.NOT_REPORTED, "A3")
    ]
    receipts = db_.criterion(Criterion.RECEIPT).findings
    assert [(f.kind, f.code, f.days_late) for f in receipts] == [
        (FindingKind.SIGNED_LATE, "B1", 2),
        (FindingKind.NOT_SIGNED, "B2", 5),
    ]
    assert [(f.kind, f.code, f.day) for f in da.criterion(Criterion.QUALITY).findings] == [
        (FindingKind.RETURNED, "A2", date(2020, 10, 12))
    ]
    assert [
        (f.kind, f.code, f.days_late) for f in da.criterion(Criterion.INSTRUCTIONS).findings
    ] == [(FindingKind.HANDLED_LATE, "IA", 2)]
    assert [(f.code, f.day, f.days_late, f.points) for f in db_.deductions] == [
        ("B2", date(2020, 9, 30), 31, 2.0),
        ("B1", date(2020, 10, 10), 21, 2.0),
    ]
    assert db_.deducted == 4.0
    assert dc.criterion(Criterion.QUALITY).nothing_judged


def test_without_the_calendar_the_holiday_receipt_is_late(app: Flask) -> None:
    # No calendar: C1 assigned Thu 10-01 -> Fri 2(1) Mon 5(2) Tue 6(3); signed 10-12 is
    # late by Wed 7, Thu 8, Fri 9, Mon 12 = 4 working days -> dc receipt 0 of 10.
    history = script_history(calendar=False)
    dc = _by_code(load_evaluation(history.plan, *OCTOBER, today=TODAY))["dc"]
    assert dc.criterion(Criterion.RECEIPT).points == 0.0
    assert [f.days_late for f in dc.criterion(Criterion.RECEIPT).findings] == [4]


def test_a_saved_scheme_scores_the_periods_from_its_day(app: Flask) -> None:
    history = script_history()
    who = Who(now=NOW, actor=None)
    save_scheme(
        who,
        history.plan,
        date(2020, 10, 1),
        Scheme(
            on_time=50,
            reporting=10,
            receipt=10,
            quality=20,
            instructions=10,
            receipt_days=5,
            overdue_deduction=3,
            deduction_cap=5,
        ),
        version=0,
    )
    db.session.commit()
    results = _by_code(load_evaluation(history.plan, *OCTOBER, today=TODAY))
    # db: on time 0/1 of 50 = 0; reporting 1/2 of 10 = 5; receipt within 5 working days:
    # B1 10-09 -> deadline 10-16, signed 10-15 on time; B2 10-20 -> 10-27, pending -> 1/2 of
    # 10 = 5; quality 20; instructions 10; deductions 2 x 3 = 6, capped at 5.
    # 0 + 5 + 5 + 20 + 10 - 5 = 35.
    assert results["db"].total == 35.0
    # A period starting before the scheme's day keeps the default scheme.
    september = load_evaluation(history.plan, date(2020, 9, 1), date(2020, 10, 31), today=TODAY)
    assert september.scheme == Scheme()


def test_a_negative_scheme_is_refused_and_nothing_written(app: Flask) -> None:
    history = script_history()
    with pytest.raises(Refused):
        save_scheme(Who(now=NOW), history.plan, date(2020, 10, 1), Scheme(on_time=-1), version=0)
    db.session.rollback()
    assert load_evaluation(history.plan, *OCTOBER, today=TODAY).scheme_valid_from is None


def test_query_count_does_not_grow_with_departments_and_milestones(app: Flask) -> None:
    history = script_history()
    past_today = date(2021, 1, 1)  # the period is then rebuilt from the history
    with count_queries() as small:
        load_evaluation(history.plan, *OCTOBER, today=TODAY)
    with count_queries() as small_past:
        load_evaluation(history.plan, *OCTOBER, today=past_today)
    add_departments(history, 6)
    with count_queries() as large:
        evaluation = load_evaluation(history.plan, *OCTOBER, today=TODAY)
    with count_queries() as large_past:
        load_evaluation(history.plan, *OCTOBER, today=past_today)
    assert len(evaluation.results) == 3 + 6
    assert len(large) == len(small)
    assert len(large_past) == len(small_past)


def _save(plan_id: int, on_time: int, version: int) -> Callable[[], None]:
    def act() -> None:
        plan = db.session.get(Plan, plan_id)
        save_scheme(Who(NOW), plan, date(2020, 10, 1), Scheme(on_time=on_time), version=version)

    return act


@pytest.mark.parametrize("existing", [False, True])
def test_two_admins_saving_one_days_scheme_at_once_have_one_winner(
    app: Flask, existing: bool
) -> None:
    """Both forms were filled against the same state (no scheme yet, or version 1): exactly
    one save is kept, the other is told someone else was first."""
    history = script_history()
    version = 0
    if existing:
        save_scheme(Who(NOW), history.plan, date(2020, 10, 1), Scheme(), version=0)
        db.session.commit()
        version = 1
    plan_id = history.plan.id
    outcomes = at_once(app, _save(plan_id, 41, version), _save(plan_id, 42, version))
    winners = [o is None for o in outcomes]
    assert winners.count(True) == 1, outcomes
    assert isinstance(outcomes[winners.index(False)], StaleVersion)
    db.session.expire_all()
    rows = db.session.scalars(sa.select(EvaluationScheme)).all()
    assert len(rows) == 1
    assert rows[0].on_time_points == (41 if winners[0] else 42)
    assert rows[0].version == version + 1


def test_a_save_against_an_old_version_is_refused(app: Flask) -> None:
    history = script_history()
    save_scheme(Who(NOW), history.plan, date(2020, 10, 1), Scheme(), version=0)
    db.session.commit()
    with pytest.raises(StaleVersion):
        save_scheme(Who(NOW), history.plan, date(2020, 10, 1), Scheme(on_time=1), version=0)
