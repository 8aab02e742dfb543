"""ETags and ``304 Not Modified`` on the board, the item page, the big screen and API reads.

A client that sends back the ETag it holds gets a 304 with no body while nothing the page
shows has changed, and the full page with a new tag as soon as something has, even when the
change was written through another app instance.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests import writes
from tests.factories import create_user, signed_in
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Plan, Snapshot, User
from tracker.services.commands.screens import create_link
from tracker.services.commands.tokens import create_token

ITEM = f"/plans/{writes.PLAN}/items/T1"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: writes.NOW)


@pytest.fixture
def world(app: Flask) -> Flask:
    writes.world()
    return app


def user(username: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == username))
    assert found is not None
    return found


def screen_path() -> str:
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == writes.PLAN))
    _link, token = create_link(Who(now=writes.NOW, actor=user("admin")), label="大厅", plan=plan)
    db.session.commit()
    return f"/screen/{token}"


def api_headers(username: str = "zhang") -> dict[str, str]:
    _row, token = create_token(Who(now=writes.NOW, actor=user(username)), user(username), label="s")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def tag_of(response: TestResponse) -> str:
    assert response.status_code == 200
    tag, weak = response.get_etag()
    assert tag, response.headers
    assert not weak
    assert response.headers["Cache-Control"] == "private, no-cache"
    return tag


def again(client: FlaskClient, path: str, tag: str, **headers: str) -> TestResponse:
    return client.get(path, headers={"If-None-Match": f'"{tag}"', **headers})


def pages(app: Flask) -> list[tuple[FlaskClient, str, dict[str, str]]]:
    """Each conditional page, with a client that may read it and the headers it sends."""
    leader = signed_in(app, "zhang")
    api = api_headers()
    return [
        (leader, writes.BOARD, {}),
        (leader, ITEM, {}),
        (app.test_client(), screen_path(), {}),
        (app.test_client(), "/api/v1/plan", api),
        (app.test_client(), "/api/v1/departments", api),
        (app.test_client(), f"/api/v1/plans/{writes.PLAN}/items/T1", api),
    ]


def test_each_page_answers_304_to_its_current_tag_and_200_after_a_write_elsewhere(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    checked = pages(world)
    tags = []
    for client, path, headers in checked:
        first = client.get(path, headers=headers)
        tag = tag_of(first)
        assert first.get_data()
        unchanged = again(client, path, tag, **headers)
        assert unchanged.status_code == 304, path
        assert unchanged.get_data() == b"", path
        assert unchanged.get_etag() == (tag, False)
        tags.append(tag)

    writes.submit_report(make_app())  # through another instance

    for (client, path, headers), tag in zip(checked, tags, strict=True):
        changed = again(client, path, tag, **headers)
        assert changed.status_code == 200, path
        assert changed.get_data(), path
        new_tag = tag_of(changed)
        assert new_tag != tag, path
        assert again(client, path, new_tag, **headers).status_code == 304, path


def test_the_pending_report_is_on_the_page_sent_instead_of_a_304(
    world: Flask, make_app: Callable[..., Flask]
) -> None:
    leader = signed_in(world, "zhang")
    tag = tag_of(leader.get(writes.BOARD))
    writes.submit_report(make_app())
    changed = again(leader, writes.BOARD, tag)
    assert 'data-testid="pending-total"' in changed.get_data(as_text=True)


def test_the_tag_differs_between_users_and_languages(world: Flask) -> None:
    create_user("zhou", "leader")
    zhang, zhou = signed_in(world, "zhang"), signed_in(world, "zhou")
    for path in (writes.BOARD, ITEM):
        mine = tag_of(zhang.get(path))
        theirs = tag_of(zhou.get(path))
        assert mine != theirs, path
        # Another user's tag does not get a 304: the page names who is signed in.
        assert again(zhou, path, mine).status_code == 200
        english = zhang.get(f"{path}?lang=en")
        assert tag_of(english) != mine
        assert "Overall progress" in english.get_data(as_text=True) or path == ITEM
    api = "/api/v1/plan"
    zhang_api, zhou_api = api_headers("zhang"), api_headers("zhou")
    client = world.test_client()
    api_tag = tag_of(client.get(api, headers=zhang_api))
    assert tag_of(client.get(api, headers=zhou_api)) != api_tag
    english = client.get(api, headers={**zhang_api, "Accept-Language": "en"})
    assert tag_of(english) != api_tag
    assert again(client, api, api_tag, **zhou_api).status_code == 200


def test_a_page_with_a_message_waiting_is_never_304(world: Flask) -> None:
    leader = signed_in(world, "zhang")
    tag = tag_of(leader.get(writes.BOARD))
    with leader.session_transaction() as session:
        session["_flashes"] = [("info", "报送已保存，等待审核。")]
    shown = again(leader, writes.BOARD, tag)
    assert shown.status_code == 200
    assert "报送已保存，等待审核。" in shown.get_data(as_text=True)
    assert again(leader, writes.BOARD, tag).status_code == 304  # the message has been shown


def test_an_unknown_screen_token_is_404_and_kept_nowhere(world: Flask) -> None:
    response = world.test_client().get("/screen/not-a-real-token")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_etag() == (None, None)


def test_a_past_days_board_has_its_own_tag(world: Flask) -> None:
    leader = signed_in(world, "zhang")
    today = tag_of(leader.get(writes.BOARD))
    past_path = f"{writes.BOARD}?as_of=2020-10-31"
    past = leader.get(past_path)
    past_tag = tag_of(past)
    assert past_tag != today
    assert 'data-testid="past-notice"' in past.get_data(as_text=True)
    assert again(leader, past_path, past_tag).status_code == 304
    assert again(leader, writes.BOARD, past_tag).status_code == 200
    assert again(leader, past_path, today).status_code == 200


def test_if_none_match_star_is_304_only_for_a_page_that_exists(seeded: Flask) -> None:
    """``*`` matches any current version: of a page that exists, never of a 404."""
    create_user("leader", "leader")
    client = signed_in(seeded, "leader")
    assert client.get("/plans/shinan-2020/", headers={"If-None-Match": "*"}).status_code == 304
    assert client.get("/plans/nowhere/", headers={"If-None-Match": "*"}).status_code == 404


def test_instances_with_another_margin_share_no_board(
    seeded: Flask, make_app: Callable[..., Flask]
) -> None:
    """The margin by which an item counts as behind changes the figures: an instance set
    otherwise computes its own board and tags it otherwise, never serving the other's.
    """
    create_user("leader", "leader")
    strict = make_app(TRACKER_BEHIND_MARGIN=0.0)
    tags = {
        signed_in(instance, "leader").get("/plans/shinan-2020/").headers["ETag"]
        for instance in (seeded, strict)
    }
    assert len(tags) == 2
    boards = db.session.scalars(sa.select(Snapshot.key).where(Snapshot.key.like("board:%")))
    assert len(set(boards)) == 2
