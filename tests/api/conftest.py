"""API fixtures: the Shinan plan, one account per role, and a token for each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import load_plan
from tests.factories import create_department, create_user, department
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Milestone, User
from tracker.services.commands.tokens import create_token

NOW = datetime(2020, 10, 1, 9, tzinfo=UTC)


@dataclass
class Api:
    """A client and one token per account: viewer, leader, admin, gxj (leads T1), swj,
    and the coordinating office's reviewer.
    """

    client: FlaskClient
    tokens: dict[str, str]

    def call(
        self,
        method: str,
        path: str,
        who: str | None = "gxj",
        *,
        json: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        sent = dict(headers or {})
        if who is not None:
            sent.setdefault("Authorization", f"Bearer {self.tokens[who]}")
        return self.client.open(path, method=method, json=json, data=data, headers=sent, **kwargs)

    def get(self, path: str, who: str | None = "gxj", **kwargs: Any) -> TestResponse:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: str | None = "gxj", **kwargs: Any) -> TestResponse:
        return self.call("POST", path, who, **kwargs)


def make_token(user: User, label: str = "script") -> str:
    _row, text = create_token(Who(now=NOW, actor=user), user, label=label)
    db.session.commit()
    return text


def milestone(code: str) -> Milestone:
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


@pytest.fixture
def api(app: Flask) -> Api:
    load_plan()
    kjj = department("kjj")
    if not kjj.is_coordinating:
        kjj.is_coordinating = True
        db.session.commit()
    users = {
        "viewer": create_user("viewer", "viewer"),
        "leader": create_user("leader", "leader"),
        "admin": create_user("admin", "admin"),
        "gxj": create_user("lead-gxj", "dept_lead", department=department("gxj")),
        "swj": create_user("lead-swj", "dept_lead", department=department("swj")),
        "kjj": create_user("lead-kjj", "dept_lead", department=kjj),
    }
    return Api(
        client=app.test_client(),
        tokens={name: make_token(user) for name, user in users.items()},
    )


__all__ = ["NOW", "Api", "create_department", "make_token", "milestone"]
