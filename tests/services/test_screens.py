"""Screen links and the big screen's figures: the rules as plain functions, then the service."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.conftest import table_snapshot
from tests.factories import create_user
from tracker.domain.refusal import Refused, Who
from tracker.domain.screens import LABEL_MAX, ScreenProblem, label_problems
from tracker.extensions import db
from tracker.loaders import find_plan
from tracker.models import AuditEvent, ScreenLink, User
from tracker.services.commands.screens import (
    TOKEN_SHAPE,
    create_link,
    find_active_link,
    list_links,
    new_token,
    revoke_link,
)
from tracker.services.commands.tokens import hash_token, mark_used, needs_touch
from tracker.services.queries.screens import OVERDUE_SHOWN, days_left, load_screen

NOW = datetime(2021, 1, 15, 1, 0, tzinfo=UTC)

# Rules


def test_tokens_are_random_url_safe_and_stored_as_sha256() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert TOKEN_SHAPE.fullmatch(token)
        assert len(token) >= 43  # 256 bits
    token = next(iter(tokens))
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert len(hash_token(token)) == 64


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Meeting room 3", []),
        ("  区政府三楼会议室  ", []),
        ("x" * LABEL_MAX, []),
        ("  " + "x" * LABEL_MAX + "  ", []),
        ("", [ScreenProblem.LABEL_REQUIRED]),
        ("   \t ", [ScreenProblem.LABEL_REQUIRED]),
        ("x" * (LABEL_MAX + 1), [ScreenProblem.LABEL_TOO_LONG]),
        ("会" * 10_000, [ScreenProblem.LABEL_TOO_LONG]),
    ],
)
def test_label_rule(label: str, expected: list[ScreenProblem]) -> None:
    assert label_problems(label) == expected


def test_a_use_is_written_at_most_once_a_minute() -> None:
    assert needs_touch(None, NOW)
    assert not needs_touch(NOW, NOW)
    assert not needs_touch(NOW, NOW + timedelta(seconds=59))
    assert needs_touch(NOW, NOW + timedelta(seconds=60))
    assert needs_touch(NOW, NOW + timedelta(hours=5))
    # A clock that went back does not write either.
    assert not needs_touch(NOW, NOW - timedelta(minutes=5))


def test_days_left_to_the_plan_end() -> None:
    end = date(2022, 12, 31)
    assert days_left(end, date(2020, 9, 25)) == 827
    assert days_left(end, date(2022, 12, 30)) == 1
    assert days_left(end, end) == 0
    assert days_left(end, date(2023, 3, 1)) == 0


# Links


@pytest.fixture
def admin(app: Flask) -> User:
    return create_user("boss", "admin")


def who(actor: User | None, now: datetime = NOW) -> Who:
    return Who(now=now, actor=actor, address="10.0.0.1")


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_create_keeps_only_the_hash_and_audits(admin: User) -> None:
    link, token = create_link(who(admin), label="  Meeting room 3  ")
    db.session.commit()
    assert link.label == "Meeting room 3"
    assert link.token_hash == hash_token(token)
    assert (link.created_by_id, link.created_at) == (admin.id, NOW)
    assert (link.revoked_at, link.revoked_by_id, link.last_used_at) == (None, None, None)
    assert link.active
    # The token itself is nowhere in the database.
    assert token not in repr(table_snapshot())
    [event] = events("screen_link_created")
    assert (event.actor_id, event.target_type, event.target_id) == (admin.id, "screenlink", link.id)
    assert event.detail == "Meeting room 3"
    assert event.address == "10.0.0.1"


@pytest.mark.parametrize(
    ("label", "problem"),
    [("", ScreenProblem.LABEL_REQUIRED), ("x" * 101, ScreenProblem.LABEL_TOO_LONG)],
)
def test_a_bad_label_writes_nothing(admin: User, label: str, problem: ScreenProblem) -> None:
    before = table_snapshot()
    with pytest.raises(Refused) as raised:
        create_link(who(admin), label=label)
    assert raised.value.problems == [problem]
    db.session.commit()
    assert table_snapshot() == before


def test_the_token_finds_its_link_and_nothing_else_does(admin: User) -> None:
    link, token = create_link(who(admin), label="Room 3")
    other, other_token = create_link(who(admin), label="Lobby")
    db.session.commit()
    assert find_active_link(token) is link
    assert find_active_link(other_token) is other
    for wrong in (
        "",
        token[:-1],
        token + "A",
        token.swapcase(),
        new_token(),
        link.token_hash,  # the stored hash does not open the screen
        "../" + token,
        "x" * 5000,
        "会议室" * 10,
    ):
        assert find_active_link(wrong) is None, wrong


def test_revoke_once_then_the_token_is_dead(admin: User) -> None:
    link, token = create_link(who(admin), label="Room 3")
    db.session.commit()
    later = NOW + timedelta(days=30)
    assert revoke_link(who(admin, later), link)
    db.session.commit()
    assert (link.revoked_at, link.revoked_by_id) == (later, admin.id)
    assert not link.active
    assert find_active_link(token) is None
    # Revoking again changes nothing and is not audited twice.
    assert not revoke_link(who(admin, later + timedelta(days=1)), link)
    db.session.commit()
    assert link.revoked_at == later
    [event] = events("screen_link_revoked")
    assert (event.actor_id, event.target_id, event.detail) == (admin.id, link.id, "Room 3")
    # The row stays, for the record.
    assert db.session.get(ScreenLink, link.id) is not None


def test_a_use_is_noted_at_most_once_a_minute(admin: User) -> None:
    link, _token = create_link(who(admin), label="Room 3")
    db.session.commit()
    assert mark_used(link, NOW)
    assert not mark_used(link, NOW + timedelta(seconds=30))
    assert link.last_used_at == NOW
    assert mark_used(link, NOW + timedelta(minutes=5))
    assert link.last_used_at == NOW + timedelta(minutes=5)


def test_links_are_listed_active_first_newest_first(admin: User) -> None:
    create_link(who(admin), label="Old")
    gone, _ = create_link(who(admin), label="Gone")
    create_link(who(admin, NOW + timedelta(hours=1)), label="New")
    revoke_link(who(admin), gone)
    db.session.commit()
    assert [link.label for link in list_links()] == ["New", "Old", "Gone"]


# The screen's figures on the Shinan plan


def test_screen_as_of_the_report_date(seeded: Flask) -> None:
    plan = find_plan()
    assert plan is not None
    screen = load_screen(plan, date(2020, 9, 25), 10.0)
    assert screen.progress.item_count == 13
    assert screen.days_left == 827
    assert screen.overdue == ()
    assert (screen.overdue_shown, screen.overdue_hidden) == ((), 0)


def test_overdue_milestones_longest_overdue_first(seeded: Flask) -> None:
    plan = find_plan()
    assert plan is not None
    screen = load_screen(plan, date(2021, 1, 15), 10.0)
    assert [(o.milestone.code, o.item.code, o.days_overdue) for o in screen.overdue] == [
        ("A2-1", "A2", 46),
        ("A3-1", "A3", 15),
        ("A4-1", "A4", 15),
        ("A6-1", "A6", 15),
        ("P1-2", "P1", 15),
        ("T1-3", "T1", 15),
    ]
    assert screen.days_left == 715
    # Open and past due, each one; done milestones never are overdue.
    for entry in screen.overdue:
        assert entry.milestone.due < date(2021, 1, 15)
        assert entry.milestone.reported_status != "done"
    assert screen.overdue_hidden == 0


def test_many_overdue_milestones_are_cut_to_what_the_screen_holds(seeded: Flask) -> None:
    plan = find_plan()
    assert plan is not None
    screen = load_screen(plan, date(2022, 12, 31), 10.0)
    assert len(screen.overdue) == 31
    assert len(screen.overdue_shown) == OVERDUE_SHOWN
    assert screen.overdue_hidden == 31 - OVERDUE_SHOWN
    assert screen.overdue_shown == screen.overdue[:OVERDUE_SHOWN]
    assert screen.days_left == 0


# The migration


def test_the_migration_upgrades_a_database_that_holds_data(seeded: Flask, admin: User) -> None:
    """The screen links table arrives beside a loaded plan and its users, who keep working."""
    admin_id = admin.id
    db.session.close()
    downgrade(revision="d6e611ee2915")
    assert "screen_link" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert "screen_link" in sa.inspect(db.engine).get_table_names()
    boss = db.session.get(User, admin_id)
    assert boss is not None
    link, token = create_link(who(boss), label="After the upgrade")
    db.session.commit()
    assert find_active_link(token) is link
    plan = find_plan()
    assert plan is not None
    assert load_screen(plan, date(2021, 1, 15), 10.0).progress.item_count == 13
