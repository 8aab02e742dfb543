"""The board and the big screen are shared snapshots, and never stale.

Two app instances share one database (two workers, two machines) and one snapshot store (the
database's ``snapshot`` table, or Redis). A leader reads the board on instance A, which stores
its snapshot; someone writes through instance B; the leader's next read on A shows the write,
and is exactly what an instance with an empty cache renders.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests import writes
from tests.factories import signed_in
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Plan, Snapshot, User
from tracker.services.commands.screens import create_link

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: writes.NOW)


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


class Stores:
    """Makes app instances that share one snapshot store (or, ``fresh``, an empty one)."""

    def __init__(self, kind: str, app: Flask, make_app: Callable[..., Flask]) -> None:
        self.kind = kind
        self.app = app
        self.make_app = make_app
        self.prefixes: list[str] = []
        self.prefix = self._new_prefix()

    def _new_prefix(self) -> str:
        prefix = f"tracker-test-{uuid.uuid4().hex}:"
        self.prefixes.append(prefix)
        return prefix

    def _settings(self, prefix: str) -> dict[str, Any]:
        if self.kind == "database":
            return {}
        return {"TRACKER_CACHE_URL": REDIS_URL, "TRACKER_CACHE_PREFIX": prefix}

    def first(self) -> Flask:
        """Instance A: the test's own ``app`` on the database store."""
        return self.app if self.kind == "database" else self.instance()

    def instance(self) -> Flask:
        """Another instance on the shared store."""
        return self.make_app(**self._settings(self.prefix))

    def fresh(self) -> Flask:
        """An instance that has seen nothing: its own empty store and no local copies."""
        if self.kind == "database":
            with db.engine.begin() as connection:
                connection.execute(sa.delete(Snapshot))
            return self.make_app()
        return self.make_app(**self._settings(self._new_prefix()))

    def stored(self) -> int:
        """How many snapshots the shared store holds."""
        if self.kind == "database":
            with db.engine.connect() as connection:
                return int(
                    connection.execute(sa.select(sa.func.count()).select_from(Snapshot)).scalar()
                )
        return len(list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{self.prefix}*")))

    def clean(self) -> None:
        if self.kind == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            for prefix in self.prefixes:
                for key in client.scan_iter(f"{prefix}*"):
                    client.delete(key)


@pytest.fixture(
    params=[
        "database",
        pytest.param(
            "redis",
            marks=pytest.mark.skipif(
                not redis_reachable(), reason="no Redis server on 127.0.0.1:6379"
            ),
        ),
    ]
)
def stores(
    request: pytest.FixtureRequest, app: Flask, make_app: Callable[..., Flask]
) -> Iterator[Stores]:
    writes.world()
    made = Stores(request.param, app, make_app)
    yield made
    made.clean()


def normal(html: str) -> str:
    """The page without the session's CSRF token (each answer carries a fresh one)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def board(client: FlaskClient) -> str:
    response = client.get(writes.BOARD)
    assert response.status_code == 200
    return normal(response.get_data(as_text=True))


def fresh_board(stores: Stores) -> str:
    leader = signed_in(stores.fresh(), "zhang")
    board(leader)  # (a first page after signing in may show a message)
    return board(leader)


@pytest.mark.parametrize("kind", writes.WRITES, ids=lambda kind: kind.name)
def test_a_write_through_another_instance_shows_on_the_next_board(
    stores: Stores, kind: writes.Write
) -> None:
    a, b = stores.first(), stores.instance()
    if kind.prepare is not None:
        kind.prepare(a)
    leader = signed_in(a, "zhang")
    board(leader)
    before = board(leader)
    assert stores.stored() >= 1  # the board was kept for everyone

    kind.write(b)

    after = board(leader)
    assert after == fresh_board(stores)
    if kind.row is not None:  # the write shows on the board, in this item's row
        assert writes.item_row(after, kind.row) != writes.item_row(before, kind.row)


def test_what_each_write_shows_on_the_board(stores: Stores) -> None:
    """The figures a leader looks for: pending reports, then the approved progress, an
    instruction, the focus flag and a renamed department.
    """
    a, b = stores.first(), stores.instance()
    leader = signed_in(a, "zhang")
    first = board(leader)
    t1 = writes.item_row(first, "T1")
    assert 'data-testid="pending"' not in t1

    writes.submit_report(b)
    pending = board(leader)
    assert '<span class="badge text-bg-info" data-testid="pending">1' in writes.item_row(
        pending, "T1"
    )
    assert 'data-testid="pending-total"' in pending

    writes.approve_report(b)
    approved = board(leader)
    assert 'data-testid="pending"' not in writes.item_row(approved, "T1")
    progress = re.compile(r'data-testid="overall-progress">(\d+)%')
    assert progress.search(approved).group(1) != progress.search(pending).group(1)  # type: ignore[union-attr]

    writes.write_instruction(b)
    writes.flag_focus(b)
    p3 = writes.item_row(board(leader), "P3")
    assert 'data-testid="open-instructions"' in p3
    assert 'data-testid="focus"' in p3

    assert "区工业和信息化局" in writes.item_row(board(leader), "T1")
    writes.rename_department(b)
    assert "区工业和数字经济局" in writes.item_row(board(leader), "T1")


def test_a_department_change_shows_on_every_plans_board(stores: Stores) -> None:
    a, b = stores.first(), stores.instance()
    leader = signed_in(a, "zhang")
    other_board = f"/plans/{writes.OTHER_PLAN}/"
    assert "区工业和信息化局" in leader.get(other_board).get_data(as_text=True)
    board(leader)
    writes.rename_department(b)
    assert "区工业和数字经济局" in leader.get(other_board).get_data(as_text=True)
    assert "区工业和数字经济局" in board(leader)


def test_the_big_screen_shows_a_write_through_another_instance(stores: Stores) -> None:
    a, b = stores.first(), stores.instance()
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == writes.PLAN))
    _link, token = create_link(Who(now=writes.NOW, actor=admin), label="大厅", plan=plan)
    db.session.commit()
    display = a.test_client()
    path = f"/screen/{token}"
    before = display.get(path).get_data(as_text=True)
    assert display.get(path).get_data(as_text=True) == before
    assert stores.stored() >= 1

    writes.submit_report(b)
    writes.approve_report(b)

    after = display.get(path)
    assert after.status_code == 200
    html = after.get_data(as_text=True)
    assert html != before
    assert html == stores.fresh().test_client().get(path).get_data(as_text=True)


def test_the_portfolio_shows_a_write_through_another_instance(stores: Stores) -> None:
    """The portfolio is kept by every plan's version: an approval on B moves its figures on A."""
    a, b = stores.first(), stores.instance()
    leader = signed_in(a, "zhang")
    writes.submit_report(b)
    before = leader.get("/portfolio").get_data(as_text=True)
    assert leader.get("/portfolio").get_data(as_text=True) == before  # kept, unchanged
    writes.approve_report(b)
    after = leader.get("/portfolio").get_data(as_text=True)
    row = re.compile(r"<tr data-testid=\"plan-shinan-2020\">.*?</tr>", re.S)
    assert row.search(after).group(0) != row.search(before).group(0)  # type: ignore[union-attr]
