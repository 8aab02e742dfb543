"""Big-screen mode (大屏): admins make and revoke read-only links; a display opens the board
with one, without signing in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan, table_snapshot
from tests.factories import create_user, csrf_token, department, login
from tracker.extensions import db
from tracker.models import AuditEvent, Item, ScreenLink
from tracker.services.commands.screens import hash_token
from tracker.services.queries.screens import OVERDUE_SHOWN

# 2021-01-15, 09:00 in Qingdao: six milestones are overdue, A2-1 (due 2020-11-30) the longest.
NOW = datetime(2021, 1, 15, 1, 0, tzinfo=UTC)
SHINAN_ITEMS = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]


class Clock:
    """The wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("tracker.clock.utcnow", clock)
    return clock


@pytest.fixture
def people(seeded: Flask, clock: Clock) -> None:
    create_user("boss", "admin")
    create_user("zhang", "leader")
    create_user("viewer", "viewer")
    create_user("wang", "dept_lead", department=department("gxj"))
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office


def signed_in(app: Flask, username: str, *, lang: str = "en") -> FlaskClient:
    client = app.test_client()
    login(client, username)
    client.get(f"/profile?lang={lang}")
    return client


@pytest.fixture
def admin_client(app: Flask, people: None) -> FlaskClient:
    return signed_in(app, "boss")


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def create(client: FlaskClient, label: object) -> object:
    token = csrf_token(client, "/admin/screens")
    return client.post("/admin/screens", data={"label": label, "csrf_token": token})


def screen_url(html: str) -> str:
    match = re.search(r'data-testid="screen-url">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1)


def path_of(url: str) -> str:
    assert url.startswith("http://localhost/screen/"), url
    return url.removeprefix("http://localhost")


def links() -> list[ScreenLink]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ScreenLink).order_by(ScreenLink.id)))


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def revoke(client: FlaskClient, link_id: int | str) -> object:
    token = csrf_token(client, "/admin/screens")
    return client.post(f"/admin/screens/{link_id}/revoke", data={"csrf_token": token})


def make_link(client: FlaskClient, label: str = "Meeting room 3") -> str:
    """Create a link through the admin page; return the screen's path (with its token)."""
    response = create(client, label)
    assert response.status_code == 200  # type: ignore[attr-defined]
    return path_of(screen_url(text(response)))


# Making a link


def test_admin_creates_a_link_shown_once_and_stored_as_a_hash(admin_client: FlaskClient) -> None:
    page = text(admin_client.get("/admin/screens"))
    assert "No screen links yet." in page
    assert 'name="label"' in page

    response = create(admin_client, "  Meeting room 3  ")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = text(response)
    url = screen_url(html)
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43
    assert "Meeting room 3" in html

    [link] = links()
    assert link.label == "Meeting room 3"
    assert link.token_hash == hash_token(token)
    assert link.created_by.username == "boss"
    assert link.created_at == NOW
    assert link.active
    assert token not in repr(table_snapshot())
    [event] = events("screen_link_created")
    assert (event.username, event.target_id, event.detail) == ("boss", link.id, "Meeting room 3")

    # Shown once: the list afterwards names the link but never shows its address again.
    listing = text(admin_client.get("/admin/screens"))
    assert token not in listing
    assert 'data-testid="screen-url"' not in listing
    assert f'data-id="{link.id}" data-active="yes"' in listing
    assert "Meeting room 3" in listing
    assert "Not used yet" in listing


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Give the link a label"),
        ("   ", "Give the link a label"),
        ("x" * 101, "A label has at most 100 characters."),
        ("会" * 100_000, "A label has at most 100 characters."),
    ],
)
def test_a_bad_label_is_refused_and_nothing_written(
    admin_client: FlaskClient, label: str, message: str
) -> None:
    token = csrf_token(admin_client, "/admin/screens")
    before = table_snapshot()
    response = admin_client.post("/admin/screens", data={"label": label, "csrf_token": token})
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'data-testid="screen-url"' not in html
    assert "is-invalid" in html
    assert table_snapshot() == before


def test_a_label_of_exactly_100_characters_is_fine(admin_client: FlaskClient) -> None:
    make_link(admin_client, "会" * 100)
    [link] = links()
    assert link.label == "会" * 100


def test_a_post_without_csrf_token_is_refused(admin_client: FlaskClient) -> None:
    before = table_snapshot()
    response = admin_client.post("/admin/screens", data={"label": "Room 3"})
    assert response.status_code == 400
    assert table_snapshot() == before


def test_the_admin_page_is_in_chinese_by_default(app: Flask, people: None) -> None:
    client = signed_in(app, "boss", lang="zh")
    page = text(client.get("/admin/screens"))
    assert 'lang="zh-CN"' in page
    assert 'href="/admin/screens"' in page  # the nav link for admins


# The screen


def test_the_link_opens_the_big_screen_without_signing_in(
    app: Flask, admin_client: FlaskClient
) -> None:
    path = make_link(admin_client)
    display = app.test_client()
    response = display.get(path)
    assert response.status_code == 200
    # The display's own browser keeps the page to ask "changed?" (ETag); no shared cache does.
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["ETag"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = text(response)
    assert re.search(r'<html lang="zh-CN" data-bs-theme="dark">', html)
    assert '<meta http-equiv="refresh" content="300">' in html
    assert "《工业互联网·市南在行动》" in html
    assert re.findall(r'data-testid="screen-item" data-code="(\w+)"', html) == SHINAN_ITEMS
    assert len(re.findall(r'data-testid="screen-group"', html)) == 3
    # Read only and nothing to click: no nav, form, button, link or script.
    for tag in ("<nav", "<form", "<button", "<a ", "<input", "<select", "<script"):
        assert tag not in html, tag
    assert "csrf_token" not in html
    assert re.search(r"static/css/screen\.[0-9a-f]{12}\.css", html)


def test_the_screen_shows_the_figures_as_of_today(app: Flask, admin_client: FlaskClient) -> None:
    path = make_link(admin_client)
    db.session.execute(sa.update(Item).where(Item.code == "P3").values(focus=True))
    db.session.commit()
    html = text(app.test_client().get(path + "?lang=en"))
    assert "As of 2021-01-15" in html
    assert re.search(r'data-testid="screen-days-left">\s*<div class="screen-figure">715<', html)
    assert 'data-testid="screen-overall"' in html
    # Six items delayed on that day (T1, P1, A2, A3, A4, A6), three at risk, four on track.
    counts = dict(
        re.findall(
            r'data-status="(\w+)"><span class="screen-count-figure">(\d+)<',
            html.split('data-testid="screen-item-counts"')[1].split("</ul>")[0],
        )
    )
    assert counts == {
        "not_started": "0",
        "on_track": "4",
        "at_risk": "3",
        "delayed": "6",
        "done": "0",
    }
    assert re.search(r'data-code="T1" data-status="delayed"', html)
    assert re.search(
        r'screen-focus" data-testid="screen-item" data-code="P3"[^>]*data-focus="yes"', html
    )
    assert html.count('data-focus="yes"') == 1
    overdue = re.findall(r'data-testid="screen-overdue-milestone" data-code="([\w-]+)"', html)
    assert overdue == ["A2-1", "A3-1", "A4-1", "A6-1", "P1-2", "T1-3"]
    assert "46 days late" in html
    assert "Shinan District Bureau of Industry and Information Technology" in html  # T1's lead


def test_a_long_overdue_list_is_cut(app: Flask, admin_client: FlaskClient, clock: Clock) -> None:
    path = make_link(admin_client)
    clock.now = datetime(2022, 12, 31, 1, 0, tzinfo=UTC)
    html = text(app.test_client().get(path + "?lang=en"))
    overdue = re.findall(r'data-testid="screen-overdue-milestone"', html)
    assert len(overdue) == OVERDUE_SHOWN
    assert f"and {31 - OVERDUE_SHOWN} more" in html
    assert re.search(r'data-testid="screen-days-left">\s*<div class="screen-figure">0<', html)


def test_signed_in_users_see_the_same_screen(app: Flask, admin_client: FlaskClient) -> None:
    path = make_link(admin_client)
    for username in ("viewer", "wang", "zhang"):
        client = signed_in(app, username, lang="zh")
        html = text(client.get(path))
        assert re.findall(r'data-testid="screen-item" data-code="(\w+)"', html) == SHINAN_ITEMS
        assert username.title() not in html  # nothing about who is signed in
        assert "<nav" not in html


def test_the_screen_cannot_be_posted_to(app: Flask, admin_client: FlaskClient) -> None:
    path = make_link(admin_client)
    display = app.test_client()
    before = table_snapshot()
    for data in ({}, {"label": "x"}, {"csrf_token": csrf_token(admin_client, "/admin/screens")}):
        assert display.post(path, data=data).status_code == 405
        assert admin_client.post(path, data=data).status_code == 405
    assert table_snapshot() == before


def test_unknown_tokens_are_not_found(app: Flask, admin_client: FlaskClient) -> None:
    path = make_link(admin_client)
    token = path.rsplit("/", 1)[1]
    display = app.test_client()
    for wrong in (
        "nope",
        token[:-1],
        token + "x",
        token.swapcase(),
        hash_token(token),
        "x" * 3000,
        "%E4%BC%9A%E8%AE%AE%E5%AE%A4",
    ):
        response = display.get(f"/screen/{wrong}")
        assert response.status_code == 404, wrong
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    for other in ("/screen/", "/screen/..%2F..%2Fadmin", f"/screen/{token}/x"):
        assert display.get(other).status_code == 404
    # Nobody was sent to the sign-in page, and no use was noted.
    [link] = links()
    assert link.last_used_at is None


def test_a_revoked_link_stops_working(app: Flask, admin_client: FlaskClient, clock: Clock) -> None:
    path = make_link(admin_client)
    display = app.test_client()
    assert display.get(path).status_code == 200
    [link] = links()

    clock.now = NOW + timedelta(days=2)
    response = revoke(admin_client, link.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/screens")
    listing = text(admin_client.get("/admin/screens"))
    assert "is revoked" in listing
    assert f'data-id="{link.id}" data-active="no"' in listing
    assert 'data-testid="revoke"' not in listing

    [link] = links()
    assert link.revoked_at == NOW + timedelta(days=2)
    assert link.revoked_by.username == "boss"
    [event] = events("screen_link_revoked")
    assert (event.username, event.target_id) == ("boss", link.id)

    revoked = display.get(path)
    unknown = display.get("/screen/" + "A" * 43)
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.headers.get("Location") is None
    # The same answer for both: a revoked token says no more than a made-up one.
    token = path.rsplit("/", 1)[1]
    # (each answer has its own request id)
    same = [
        text(answer).replace(token, "T").replace(answer.headers["X-Request-Id"], "ID")
        for answer in (revoked, unknown)
    ]
    assert same[0] == same[1].replace("A" * 43, "T")

    # Revoking again changes nothing.
    response = revoke(admin_client, link.id)
    assert response.status_code == 302
    assert "was already revoked" in text(admin_client.get("/admin/screens"))
    assert len(events("screen_link_revoked")) == 1
    [again] = links()
    assert again.revoked_at == NOW + timedelta(days=2)


def test_revoking_one_link_leaves_the_others(app: Flask, admin_client: FlaskClient) -> None:
    room = make_link(admin_client, "Room 3")
    lobby = make_link(admin_client, "Lobby")
    first, _second = links()
    assert revoke(admin_client, first.id).status_code == 302
    display = app.test_client()
    assert display.get(room).status_code == 404
    assert display.get(lobby).status_code == 200


@pytest.mark.parametrize("link_id", ["999999", str(2**31), str(2**80), "0"])
def test_revoking_an_unknown_link_is_not_found(admin_client: FlaskClient, link_id: str) -> None:
    make_link(admin_client)
    before = table_snapshot()
    assert revoke(admin_client, link_id).status_code == 404
    assert table_snapshot() == before


def test_last_use_is_noted_at_most_once_a_minute(
    app: Flask, admin_client: FlaskClient, clock: Clock
) -> None:
    path = make_link(admin_client)
    display = app.test_client()
    assert display.get(path).status_code == 200
    [link] = links()
    assert link.last_used_at == NOW

    clock.now = NOW + timedelta(seconds=30)
    before = table_snapshot()
    for _ in range(3):
        assert display.get(path).status_code == 200
    assert table_snapshot() == before  # refreshes within the minute write nothing

    clock.now = NOW + timedelta(minutes=5)
    assert display.get(path).status_code == 200
    [link] = links()
    assert link.last_used_at == NOW + timedelta(minutes=5)
    listing = text(admin_client.get("/admin/screens"))
    assert "2021-01-15 09:05" in listing  # shown in Qingdao time


# Who may manage links


@pytest.mark.parametrize("username", ["viewer", "wang", "li", "zhang"])
def test_non_admins_cannot_manage_links(app: Flask, people: None, username: str) -> None:
    admin_client = signed_in(app, "boss")
    path = make_link(admin_client)
    [link] = links()
    client = signed_in(app, username)
    assert client.get("/admin/screens").status_code == 403
    assert 'href="/admin/screens"' not in text(
        client.get("/plans/shinan-2020/")
    )  # no nav link either
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    response = client.post("/admin/screens", data={"label": "Mine", "csrf_token": token})
    assert response.status_code == 403
    response = client.post(f"/admin/screens/{link.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 403
    assert table_snapshot() == before
    assert app.test_client().get(path).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, people: None) -> None:
    client = app.test_client()
    response = client.get("/admin/screens")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    token = csrf_token(client, "/login")
    before = table_snapshot()
    response = client.post("/admin/screens", data={"label": "Mine", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert table_snapshot() == before


# Without a plan


def test_the_screen_without_a_plan(app: Flask, clock: Clock) -> None:
    create_user("boss", "admin")
    client = signed_in(app, "boss")
    path = make_link(client)
    response = app.test_client().get(path + "?lang=en")
    assert response.status_code == 200
    html = text(response)
    assert "No plan is loaded yet." in html
    assert 'data-bs-theme="dark"' in html
    assert '<meta http-equiv="refresh" content="300">' in html


def test_a_link_shows_the_plan_it_was_made_for(app: Flask, admin_client: FlaskClient) -> None:
    load_plan(Path(__file__).resolve().parents[1] / "fixtures" / "second-plan.yaml")
    token = csrf_token(admin_client, "/admin/screens")
    response = admin_client.post(
        "/admin/screens",
        data={"label": "Digital room", "plan": "digital-2021", "csrf_token": token},
    )
    assert response.status_code == 200
    link = db.session.scalar(sa.select(ScreenLink).where(ScreenLink.label == "Digital room"))
    assert link.plan.code == "digital-2021"
    html = text(app.test_client().get(path_of(screen_url(text(response)))))
    assert "《数字市南三年行动》" in html
    assert "《工业互联网·市南在行动》" not in html
    shinan = text(app.test_client().get(make_link(admin_client, "Lobby")))
    assert "《工业互联网·市南在行动》" in shinan


def test_a_link_for_an_unknown_plan_is_refused(admin_client: FlaskClient) -> None:
    before = table_snapshot()
    token = csrf_token(admin_client, "/admin/screens")
    response = admin_client.post(
        "/admin/screens", data={"label": "Room", "plan": "nowhere", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in text(response)
    assert table_snapshot() == before


def test_after_the_plans_end_open_milestones_are_not_done_rather_than_late(
    app: Flask, admin_client: FlaskClient, clock: Clock
) -> None:
    path = make_link(admin_client)
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    html = text(app.test_client().get(path + "?lang=en"))
    assert re.findall(r'data-testid="screen-overdue-milestone"', html)
    assert "not done by the plan’s end" in html
    assert "days late" not in html
