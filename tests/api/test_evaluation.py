"""`GET /api/v1/evaluation?from=&to=`: the scripted October 2020 (tests/evaluation_history.py)
as JSON, and bad or missing dates as a problem."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from jsonschema import Draft202012Validator

from tests.api.conftest import make_token
from tests.evaluation_history import NOW, PLAN_CODE, script_history
from tests.factories import create_user
from tracker.api.openapi import spec
from tracker.api.schemas import EXACT_DAY_PATTERN
from tracker.domain.dates import EARLIEST, LATEST


@pytest.fixture
def tokens(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)
    script_history()
    return {
        "leader": make_token(create_user("leader", "leader")),
        "viewer": make_token(create_user("viewer", "viewer")),
    }


def _get(app: Flask, path: str, token: str) -> object:
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def test_the_evaluation_as_json(app: Flask, tokens: dict[str, str]) -> None:
    path = f"/api/v1/plans/{PLAN_CODE}/evaluation?from=2020-10-01&to=2020-10-31"
    response = _get(app, path, tokens["leader"])
    assert response.status_code == 200
    body = response.get_json()
    document = spec(NOW.date())
    schema = {**document["components"]["schemas"]["Evaluation"], "$defs": {}}
    Draft202012Validator(schema).validate(body)
    assert body["as_of"] == "2020-10-31"
    assert body["scheme"]["valid_from"] is None
    assert [(d["department"], d["rank"], d["total"]) for d in body["departments"]] == [
        ("dc", 1, 100.0),
        ("da", 2, 56.66),
        ("db", 3, 36.0),
    ]
    db_ = body["departments"][2]
    assert db_["deducted"] == 4.0
    assert db_["deductions"][0] == {
        "kind": "overdue",
        "code": "B2",
        "day": "2020-09-30",
        "happened_on": None,
        "days_late": 31,
        "points": 2.0,
    }
    receipt = next(c for c in db_["criteria"] if c["criterion"] == "receipt")
    assert (receipt["points"], receipt["judged"], receipt["good"]) == (0.0, 2, 0)
    assert [(e["kind"], e["code"], e["days_late"]) for e in receipt["events"]] == [
        ("signed_late", "B1", 2),
        ("not_signed", "B2", 5),
    ]


def test_from_after_to_reads_the_period_the_other_way_round(
    app: Flask, tokens: dict[str, str]
) -> None:
    forward = _get(app, "/api/v1/evaluation?from=2020-10-01&to=2020-10-31", tokens["leader"])
    back = _get(app, "/api/v1/evaluation?from=2020-10-31&to=2020-10-01", tokens["leader"])
    assert back.status_code == 200
    assert back.get_json() == forward.get_json()


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("", "from", "required"),
        ("?from=2020-10-01", "to", "required"),
        ("?from=2020-10-32&to=2020-10-31", "from", "format"),
        ("?from=2020-10-01&to=2101-01-01", "to", "range"),
    ],
)
def test_bad_or_missing_dates_are_a_problem(
    app: Flask, tokens: dict[str, str], query: str, field: str, code: str
) -> None:
    response = _get(app, f"/api/v1/plans/{PLAN_CODE}/evaluation{query}", tokens["leader"])
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.get_json()["errors"]] == [(field, code)]


def test_viewers_may_not_read_it(app: Flask, tokens: dict[str, str]) -> None:
    response = _get(app, "/api/v1/evaluation?from=2020-10-01&to=2020-10-31", tokens["viewer"])
    assert response.status_code == 403


def test_the_published_day_pattern_is_exactly_the_days_allowed() -> None:
    pattern = re.compile(EXACT_DAY_PATTERN)
    day, published = date(1999, 1, 1), set()
    while day <= date(2101, 12, 31):
        if pattern.match(day.isoformat()):
            published.add(day)
        day += timedelta(days=1)
    assert min(published) == EARLIEST
    assert max(published) == LATEST
    assert len(published) == (LATEST - EARLIEST).days + 1
    for text in ("2021-02-29", "2100-02-29", "2020-04-31", "2020-00-10", "2020-10-00"):
        assert not pattern.match(text)
