"""Each plan's data version moves with every committed write its pages show, and only then.

Snapshots and ETags are keyed by ``plan.data_version`` (tracker/data_version.py): a write that
left it unchanged would leave every board showing the old figures. Each kind of write is done
as the users do it, through a second app instance on the same database.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask

from tests import writes
from tests.conftest import table_snapshot
from tests.factories import csrf_token, login, signed_in
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, Report, User
from tracker.services.commands.tokens import create_token


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: writes.NOW)


@pytest.fixture
def world(app: Flask) -> Flask:
    writes.world()
    return app


def versions() -> tuple[int, int]:
    return writes.plan_version(writes.PLAN), writes.plan_version(writes.OTHER_PLAN)


@pytest.mark.parametrize("kind", writes.WRITES, ids=lambda kind: kind.name)
def test_every_kind_of_write_moves_its_plans_version_only(
    world: Flask, make_app: Callable[..., Flask], kind: writes.Write
) -> None:
    if kind.prepare is not None:
        kind.prepare(world)
    shinan, other = versions()
    kind.write(make_app())
    after_shinan, after_other = versions()
    assert after_shinan != shinan
    if kind.every_plan:
        assert after_other != other
    else:
        assert after_other == other


def test_a_write_to_the_other_plan_leaves_shinans_version(world: Flask) -> None:
    shinan, other = versions()
    wang = signed_in(world, "wang")
    milestone = db.session.scalar(
        sa.text(
            "select m.id from milestone m join plan p on p.id = m.plan_id "
            "where p.code = :plan and m.code = 'T1-2'"
        ),
        {"plan": writes.OTHER_PLAN},
    )
    url = f"/milestones/{milestone}/report"
    html = wang.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html)
    assert version
    response = wang.post(
        url,
        data={
            "csrf_token": csrf_token(wang, url),
            "version": version.group(1),
            "status": "on_track",
            "progress": "50",
            "note": "机房改造过半",
        },
    )
    assert response.status_code == 302
    assert versions()[0] == shinan
    assert versions()[1] != other


def test_signing_in_moves_no_version(world: Flask) -> None:
    before = versions()
    login(world.test_client(), "wang")
    db.session.expire_all()
    wang = db.session.scalar(sa.select(User).where(User.username == "wang"))
    assert wang is not None
    assert wang.last_login_at is not None  # the sign-in did write its row
    assert versions() == before


def test_creating_an_api_token_moves_no_version(world: Flask) -> None:
    before = versions()
    wang = db.session.scalar(sa.select(User).where(User.username == "wang"))
    assert wang is not None
    create_token(Who(now=writes.NOW, actor=wang), wang, label="script")
    db.session.commit()
    assert versions() == before


def test_an_audit_only_action_moves_no_version(world: Flask) -> None:
    """Resetting a password writes the user's hash and an audit event, nothing a page shows."""
    admin = signed_in(world, "admin")
    wang = db.session.scalar(sa.select(User.id).where(User.username == "wang"))
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    before = versions()
    path = f"/admin/users/{wang}/reset-password"
    response = admin.post(path, data={"csrf_token": csrf_token(admin, f"/admin/users/{wang}")})
    assert response.status_code in {200, 302}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) > audit_before
    assert versions() == before


def test_a_screen_link_moves_no_version(world: Flask) -> None:
    admin = signed_in(world, "admin")
    before = versions()
    response = admin.post(
        "/admin/screens",
        data={
            "csrf_token": csrf_token(admin, "/admin/screens"),
            "label": "大厅",
            "plan": writes.PLAN,
        },
    )
    assert response.status_code == 200
    assert "/screen/" in response.get_data(as_text=True)
    assert versions() == before


def test_a_refused_write_moves_nothing(world: Flask, make_app: Callable[..., Flask]) -> None:
    """A validation error, then a stale form: nothing is written, no version moves."""
    other = make_app()
    wang = signed_in(other, "wang")
    url = f"/milestones/{writes.milestone_id('T1-3')}/report"
    html = wang.get(url).get_data(as_text=True)
    hidden = {
        "csrf_token": csrf_token(wang, url),
        "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),  # type: ignore[union-attr]
    }
    before = versions()
    invalid = wang.post(url, data={**hidden, "status": "on_track", "progress": "150", "note": "x"})
    assert invalid.status_code == 200
    assert versions() == before

    writes.submit_report(world, "wang2")  # someone else saves first
    moved = versions()
    assert moved[0] != before[0]
    tables = table_snapshot()
    stale = wang.post(url, data={**hidden, "status": "on_track", "progress": "80", "note": "x"})
    assert stale.status_code == 200
    assert 'data-testid="stale-warning"' in stale.get_data(as_text=True)
    assert versions() == moved
    assert table_snapshot() == tables
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
