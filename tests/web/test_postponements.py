"""Postponement requests (延期申请) through the pages: the department asks, the admin decides."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import create_user, csrf_token, department
from tests.factories import signed_in as sign_in
from tracker.extensions import db
from tracker.models import Milestone, Postponement, Update, User

REASON = "工信部工业文化发展中心要求在6月理事会后签约，落地时间需顺延三个月。"


# The day these requests are made in Qingdao: before the milestones' new dates.
NOW = datetime(2021, 6, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def world(seeded: Flask) -> None:
    """The Shinan plan, with wlj's lead (P3), swj's lead, a leader and an admin."""
    create_user("lead-wlj", "dept_lead", department=department("wlj"))
    create_user("lead-swj", "dept_lead", department=department("swj"))
    create_user("lead-kjj", "dept_lead", department=department("kjj"))
    create_user("leader", "leader")
    create_user("viewer", "viewer")
    create_user("admin", "admin")


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A client signed in as ``username``, with the pages in English."""
    return sign_in(app, username, lang="en")


@pytest.fixture
def lead(app: Flask, world: None) -> FlaskClient:
    return signed_in(app, "lead-wlj")


@pytest.fixture
def admin(app: Flask, world: None) -> FlaskClient:
    return signed_in(app, "admin")


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


def requests_of(code: str) -> list[Postponement]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Postponement)
            .where(Postponement.milestone_id == milestone(code).id)
            .order_by(Postponement.id)
        )
    )


def page(response: object) -> str:
    return html_lib.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def form_path(code: str) -> str:
    return f"/milestones/{milestone(code).id}/postpone"


def hidden_version(html: str) -> str:
    match = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html)
    assert match, html[:3000]
    return match.group(1)


def ask(
    client: FlaskClient, code: str, *, due: str = "2021-09-30", reason: str = REASON, **extra: str
) -> object:
    """Open the form like a browser, then send it with its CSRF token and version."""
    html = page(client.get(form_path(code)))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html[:3000]
    data = {
        "csrf_token": token.group(1),
        "requested_due": due,
        "reason": reason,
        "version": hidden_version(html),
    }
    return client.post(form_path(code), data=data | extra)


def decide(client: FlaskClient, postponement_id: int, action: str, note: str = "") -> object:
    token = csrf_token(client, "/postponements")
    return client.post(
        f"/postponements/{postponement_id}/{action}", data={"csrf_token": token, "note": note}
    )


# Story 4, end to end


def test_lead_asks_admin_approves_and_the_board_shows_both_dates(
    lead: FlaskClient, admin: FlaskClient
) -> None:
    form = page(lead.get(form_path("P3-2")))
    assert "P3-2" in form
    assert "MIIT Industrial Culture Industry-Finance Innovation Center landed in Shinan" in form
    assert 'data-testid="current-due">2021-06-30<' in form
    assert "At most 2024-12-31" in form

    response = ask(lead, "P3-2", due="2021-09-30")
    assert response.status_code == 302  # type: ignore[attr-defined]
    [request] = requests_of("P3-2")
    assert (request.state, request.due_before, request.requested_due, request.reason) == (
        "pending",
        date(2021, 6, 30),
        date(2021, 9, 30),
        REASON,
    )
    assert milestone("P3-2").due == date(2021, 6, 30)
    after = page(lead.get(response.headers["Location"]))  # type: ignore[attr-defined]
    assert "is sent for approval" in after
    assert 'data-testid="pending-request"' in after
    assert 'data-testid="postponement-form"' not in after

    queue = page(admin.get("/postponements"))
    row = re.search(r'data-testid="pending-row".*?</tr>', queue, flags=re.DOTALL)
    assert row, queue[:3000]
    for shown in ("P3-2", "Shinan District Science and Technology Bureau", "2021-06-30"):
        assert shown in row.group(0)
    assert "2021-09-30" in row.group(0)
    assert 'data-testid="delay">92<' in row.group(0)
    assert REASON in row.group(0)
    assert "Lead-Wlj" in row.group(0)

    response = decide(admin, request.id, "approve", note="同意。")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response.headers["Location"].endswith("/postponements")  # type: ignore[attr-defined]
    decided = page(admin.get("/postponements"))
    assert "is approved: due 2021-09-30 (originally 2021-06-30)" in decided
    assert 'data-testid="no-pending"' in decided
    assert 'data-testid="decided-row"' in decided
    assert 'data-state="approved"' in decided

    after = milestone("P3-2")
    assert (after.due, after.baseline_due, after.postponement_count) == (
        date(2021, 9, 30),
        date(2021, 6, 30),
        1,
    )
    [row_history] = db.session.scalars(
        sa.select(Update).where(Update.milestone_id == after.id, Update.origin == "postponement")
    )
    assert (row_history.field, row_history.old_value, row_history.new_value) == (
        "due",
        "2021-06-30",
        "2021-09-30",
    )
    assert row_history.note == REASON

    board = page(lead.get("/plans/shinan-2020/items/P3"))
    milestone_row = re.search(r'data-code="P3-2".*?</tr>', board, flags=re.DOTALL)
    assert milestone_row, board[:3000]
    assert "2021-09-30" in milestone_row.group(0)
    assert "originally 2021-06-30" in milestone_row.group(0)
    # The department sees the decision on the request page.
    mine = page(lead.get(form_path("P3-2")))
    assert 'data-state="approved"' in mine
    assert "同意。" in mine
    assert 'data-testid="postponement-count">1<' in mine


def test_pages_are_in_chinese_first(lead: FlaskClient, admin: FlaskClient) -> None:
    ask(lead, "P3-2")
    for client, path in ((lead, form_path("P3-2")), (admin, "/postponements")):
        response = client.get(f"{path}?lang=zh")
        assert response.status_code == 200, path
        assert '<html lang="zh-CN">' in page(response)
        assert "节点" in page(response)


def test_the_milestones_own_department_may_ask_too(app: Flask, world: None) -> None:
    kjj = signed_in(app, "lead-kjj")  # P3-2 is assigned to kjj; wlj leads P3
    assert ask(kjj, "P3-2").status_code == 302  # type: ignore[attr-defined]
    assert [r.state for r in requests_of("P3-2")] == ["pending"]


# Who may ask and decide


@pytest.mark.parametrize("username", ["lead-swj", "leader", "viewer"])
def test_others_cannot_ask(app: Flask, world: None, username: str) -> None:
    client = signed_in(app, username)
    path = form_path("P3-2")
    assert client.get(path).status_code == 403
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "requested_due": "2021-09-30",
            "reason": REASON,
            "version": str(milestone("P3-2").version),
        },
    )
    assert response.status_code == 403
    assert table_snapshot() == before


@pytest.mark.parametrize("username", ["lead-wlj", "lead-swj", "leader", "viewer"])
def test_only_admins_decide(app: Flask, lead: FlaskClient, username: str) -> None:
    ask(lead, "P3-2")
    [request] = requests_of("P3-2")
    client = signed_in(app, username)
    assert client.get("/postponements").status_code == 403
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    for action in ("approve", "reject"):
        response = client.post(
            f"/postponements/{request.id}/{action}", data={"csrf_token": token, "note": "ok"}
        )
        assert response.status_code == 403
    assert table_snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, world: None) -> None:
    client = app.test_client()
    for path in (form_path("P3-2"), "/postponements"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_unknown_ids_are_not_found(lead: FlaskClient, admin: FlaskClient) -> None:
    for path in ("/milestones/999999/postpone", "/milestones/99999999999999999999/postpone"):
        assert lead.get(path).status_code == 404
    token = csrf_token(admin, "/postponements")
    for postponement_id in ("999999", "99999999999999999999"):
        for action in ("approve", "reject"):
            response = admin.post(
                f"/postponements/{postponement_id}/{action}", data={"csrf_token": token}
            )
            assert response.status_code == 404


# Bad input: a clear message, the form again, nothing written


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due": ""}, "Enter a date as YYYY-MM-DD."),
        ({"due": "30/09/2021"}, "Enter a date as YYYY-MM-DD."),
        ({"due": "2021-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"due": "99999-01-01"}, "Enter a date as YYYY-MM-DD."),
        ({"due": "2021-06-30"}, "must be later than the current due date, 2021-06-30"),
        ({"due": "2021-01-31"}, "must be later than the current due date, 2021-06-30"),
        ({"due": "2025-01-01"}, "may be at most 2024-12-31"),
        ({"due": "9999-12-31"}, "The date must lie between 2000-01-01 and 2100-12-31."),
        ({"reason": ""}, "The reason needs 5 to 2000 characters."),
        ({"reason": "   延期   "}, "The reason needs 5 to 2000 characters."),
        ({"reason": "x" * 2001}, "The reason needs 5 to 2000 characters."),
    ],
)
def test_bad_requests_are_refused_with_a_message(
    lead: FlaskClient, data: dict[str, str], message: str
) -> None:
    before = table_snapshot()
    response = ask(lead, "P3-2", **data)
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = page(response)
    assert message in html
    assert 'data-testid="postponement-form"' in html
    assert table_snapshot() == before


def test_the_input_is_kept_when_refused(lead: FlaskClient) -> None:
    html = page(ask(lead, "P3-2", due="2021-01-31"))
    assert 'value="2021-01-31"' in html
    assert REASON in html


def test_a_second_request_while_one_is_pending_is_refused(lead: FlaskClient) -> None:
    second_tab = page(lead.get(form_path("P3-2")))  # opened before the first was sent
    ask(lead, "P3-2")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', second_tab)
    assert token
    before = table_snapshot()
    response = lead.post(
        form_path("P3-2"),
        data={
            "csrf_token": token.group(1),
            "requested_due": "2021-12-31",
            "reason": REASON,
            "version": hidden_version(second_tab),
        },
    )
    assert response.status_code == 200
    html = page(response)
    assert "already has a postponement request waiting" in html
    assert 'data-testid="pending-request"' in html
    assert table_snapshot() == before


def test_a_done_milestone_cannot_be_postponed(app: Flask, world: None) -> None:
    create_user("lead-gxj", "dept_lead", department=department("gxj"))
    client = signed_in(app, "lead-gxj")
    html = page(client.get(form_path("T1-1")))
    assert 'data-testid="milestone-done"' in html
    assert 'data-testid="postponement-form"' not in html
    token = csrf_token(client, "/profile")
    before = table_snapshot()
    response = client.post(
        form_path("T1-1"),
        data={
            "csrf_token": token,
            "requested_due": "2021-09-30",
            "reason": REASON,
            "version": str(milestone("T1-1").version),
        },
    )
    assert response.status_code == 200
    assert "This milestone is done; it cannot be postponed." in page(response)
    assert table_snapshot() == before


def test_a_request_on_a_changed_milestone_shows_the_new_due_date(
    lead: FlaskClient, admin: FlaskClient
) -> None:
    opened = page(lead.get(form_path("P3-2")))
    # Meanwhile the admin re-plans the milestone to the end of July.
    target = milestone("P3-2")
    target.due = target.baseline_due = date(2021, 7, 31)
    db.session.commit()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', opened)
    assert token
    before = table_snapshot()
    response = lead.post(
        form_path("P3-2"),
        data={
            "csrf_token": token.group(1),
            "requested_due": "2021-09-30",
            "reason": REASON,
            "version": hidden_version(opened),
        },
    )
    assert response.status_code == 200
    html = page(response)
    assert "was changed after you opened the form; its due date is now 2021-07-31" in html
    assert 'value="2021-09-30"' in html
    assert REASON in html
    assert table_snapshot() == before
    # Having seen it, the department sends the request again, and it goes through.
    token2 = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token2
    response = lead.post(
        form_path("P3-2"),
        data={
            "csrf_token": token2.group(1),
            "requested_due": "2021-09-30",
            "reason": REASON,
            "version": hidden_version(html),
        },
    )
    assert response.status_code == 302
    assert requests_of("P3-2")[0].due_before == date(2021, 7, 31)


def test_malformed_version_is_treated_as_stale(lead: FlaskClient) -> None:
    before = table_snapshot()
    for version in ("", "abc", "-1", "99999999999999999999999"):
        response = ask(lead, "P3-2", version=version)
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert "was changed after you opened the form" in page(response)
    assert table_snapshot() == before


# Deciding


def test_rejection_needs_a_note(lead: FlaskClient, admin: FlaskClient) -> None:
    ask(lead, "P3-2")
    [request] = requests_of("P3-2")
    before = table_snapshot()
    for note in ("", "   "):
        response = decide(admin, request.id, "reject", note=note)
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert "Say why the request is rejected." in page(response)
    response = decide(admin, request.id, "reject", note="x" * 2001)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "A note may have at most 2000 characters." in page(response)
    assert table_snapshot() == before

    response = decide(admin, request.id, "reject", note="按原计划6月底落地，请加快对接。")
    assert response.status_code == 302  # type: ignore[attr-defined]
    [rejected] = requests_of("P3-2")
    assert (rejected.state, rejected.decision_note) == (
        "rejected",
        "按原计划6月底落地，请加快对接。",
    )
    after = milestone("P3-2")
    assert (after.due, after.postponement_count) == (date(2021, 6, 30), 0)
    mine = page(lead.get(form_path("P3-2")))
    assert 'data-state="rejected"' in mine
    assert "按原计划6月底落地，请加快对接。" in mine
    # The department may ask again.
    assert 'data-testid="postponement-form"' in mine


def test_a_request_is_decided_only_once(lead: FlaskClient, admin: FlaskClient) -> None:
    ask(lead, "P3-2")
    [request] = requests_of("P3-2")
    assert decide(admin, request.id, "approve").status_code == 302  # type: ignore[attr-defined]
    before = table_snapshot()
    for action in ("approve", "reject"):
        response = decide(admin, request.id, action, note="again")
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert "This request has already been decided." in page(response)
    assert table_snapshot() == before
    after = milestone("P3-2")
    assert (after.due, after.postponement_count) == (date(2021, 9, 30), 1)


def test_approval_is_refused_when_the_due_date_moved_since_the_request(
    lead: FlaskClient, admin: FlaskClient
) -> None:
    ask(lead, "P3-2")
    [request] = requests_of("P3-2")
    target = milestone("P3-2")
    target.due = target.baseline_due = date(2021, 7, 31)
    db.session.commit()
    queue = page(admin.get("/postponements"))
    assert 'data-testid="due-changed"' in queue
    before = table_snapshot()
    response = decide(admin, request.id, "approve")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "due date changed after the request was made; it is now 2021-07-31" in page(response)
    assert table_snapshot() == before


def test_queue_shows_at_most_fifty_decisions_newest_first(
    lead: FlaskClient, admin: FlaskClient
) -> None:
    target = milestone("P3-2")
    wlj = db.session.scalar(sa.select(User.id).where(User.username == "lead-wlj"))
    start = datetime(2021, 1, 1, tzinfo=UTC)
    for number in range(55):
        db.session.add(
            Postponement(
                milestone_id=target.id,
                requested_by_id=wlj,
                requested_at=start,
                due_before=date(2021, 6, 30),
                requested_due=date(2021, 7, 1),
                reason=f"reason {number:02d}",
                state="rejected",
                decided_by_id=wlj,
                decided_at=start + timedelta(days=number),
                decision_note=f"note {number:02d}",
            )
        )
    db.session.commit()
    queue = page(admin.get("/postponements"))
    notes = re.findall(r"note (\d\d)", queue)
    assert len(notes) == 50
    assert notes[0] == "54"
    assert notes[-1] == "05"


def test_a_new_due_date_already_past_is_refused_and_nothing_is_written(
    app: Flask, lead: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2021-10-01 in Qingdao: P3-2 (due 2021-06-30) is overdue; 2021-09-30 is later than its
    # due date but already past.
    monkeypatch.setattr("tracker.clock.utcnow", lambda: datetime(2021, 9, 30, 17, 0, tzinfo=UTC))
    response = ask(lead, "P3-2", due="2021-09-30")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "The new due date must be a day still ahead: 2021-10-02 or later." in page(response)
    assert requests_of("P3-2") == []
    assert ask(lead, "P3-2", due="2021-10-01").status_code == 200  # type: ignore[attr-defined]
    assert requests_of("P3-2") == []
    assert ask(lead, "P3-2", due="2021-10-02").status_code == 302  # type: ignore[attr-defined]
    assert [r.requested_due for r in requests_of("P3-2")] == [date(2021, 10, 2)]


def test_the_date_picker_offers_only_days_a_request_may_name(lead: FlaskClient) -> None:
    html = page(lead.get(form_path("P3-2")))
    # Today is 2021-06-20 in Qingdao and P3-2 is due 2021-06-30: from 2021-07-01 to two
    # years after the plan's end.
    assert re.search(r'<input[^>]*id="requested_due"[^>]*max="2024-12-31"', html), html[:4000]
    assert re.search(r'<input[^>]*id="requested_due"[^>]*min="2021-07-01"', html)
