"""Instructions (批示) and the focus flag (重点关注) on the item page, end to end.

Deputy District Head Zhang flags P3 and writes an instruction; the lead of 区文化和旅游局 (wlj,
which leads P3) replies and marks it handled; Zhang closes it. Everyone else is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from flask.testing import FlaskClient

from tests.conftest import table_snapshot
from tests.factories import create_user, csrf_token, department
from tests.factories import signed_in as sign_in
from tracker.clock import today
from tracker.domain.instructions import TEXT_MAX
from tracker.extensions import db
from tracker.models import Instruction, InstructionReply, Item, Update
from tracker.services.queries.instructions import open_instructions_for_department

ZHANG_SAYS = "协调工信部工业文化发展中心，月底前反馈进展"
LIU_SAYS = "已与工业文化发展中心对接，拟于10月签约。"
ITEM_PAGE = "/plans/shinan-2020/items/P3"


@pytest.fixture
def people(seeded: Flask) -> None:
    create_user("zhang", "leader")
    create_user("liu", "dept_lead", department=department("wlj"))  # leads P3
    create_user("lead-swj", "dept_lead", department=department("swj"))
    create_user("viewer", "viewer")
    create_user("admin", "admin")


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A client signed in as ``username``, with the pages in English."""
    return sign_in(app, username, lang="en")


@pytest.fixture
def zhang(app: Flask, people: None) -> FlaskClient:
    return signed_in(app, "zhang")


@pytest.fixture
def liu(app: Flask, people: None) -> FlaskClient:
    return signed_in(app, "liu")


def post(client: FlaskClient, path: str, data: dict[str, object] | None = None) -> object:
    """POST like a browser: with the CSRF token read from the item page."""
    token = csrf_token(client, ITEM_PAGE)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def p3() -> Item:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Item).where(Item.code == "P3"))
    assert found is not None
    return found


def instructions() -> list[Instruction]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Instruction).order_by(Instruction.id)))


def replies() -> list[InstructionReply]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(InstructionReply).order_by(InstructionReply.id)))


def focus_rows() -> list[Update]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Update).where(Update.field == "focus")))


def write(client: FlaskClient, words: str = ZHANG_SAYS, due: str = "") -> Instruction:
    """Zhang writes an instruction on P3 and it is stored."""
    response = post(
        client, "/plans/shinan-2020/items/P3/instructions", {"text": words, "due_on": due}
    )
    assert response.status_code == 302, text(response)[:3000]  # type: ignore[attr-defined]
    return instructions()[-1]


def flag(client: FlaskClient, focus: str, version: int | str) -> object:
    return post(
        client, "/plans/shinan-2020/items/P3/focus", {"focus": focus, "version": str(version)}
    )


def cards(html: str) -> dict[str, str]:
    """Each instruction card on a page by id, to look at what it shows."""
    found = re.findall(
        r'(<article [^>]*data-testid="instruction" data-id="(\d+)".*?</article>)', html, re.DOTALL
    )
    return {instruction_id: card for card, instruction_id in found}


def flashed(client: FlaskClient) -> str:
    return text(client.get(ITEM_PAGE))


# The story


def test_leader_flags_focus_and_instructs_then_the_department_replies_and_the_leader_closes(
    app: Flask, zhang: FlaskClient, liu: FlaskClient
) -> None:
    month_end = today().replace(day=1) + timedelta(days=40)
    month_end = month_end.replace(day=1) - timedelta(days=1)

    # Zhang flags P3 as focus from the item page.
    page = text(zhang.get(ITEM_PAGE))
    assert 'data-testid="focus" data-focus="no"' in page
    assert 'data-testid="focus-form"' in page
    version = p3().version
    response = flag(zhang, "1", version)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/plans/shinan-2020/items/P3")  # type: ignore[attr-defined]
    assert p3().focus
    assert p3().version == version + 1
    [row] = focus_rows()
    assert (row.old_value, row.new_value, row.item_id) == ("False", "True", p3().id)
    assert row.user.username == "zhang"
    assert row.effective_on == today()
    page = text(zhang.get(ITEM_PAGE))
    assert "P3 is flagged as focus." in page
    assert 'data-testid="focus-badge"' in page

    # ... and writes the instruction, due at the end of the month.
    response = post(
        zhang,
        "/plans/shinan-2020/items/P3/instructions",
        {"text": ZHANG_SAYS, "due_on": month_end.isoformat()},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/plans/shinan-2020/items/P3#instructions")  # type: ignore[attr-defined]
    [instruction] = instructions()
    assert (instruction.text, instruction.due_on, instruction.state) == (
        ZHANG_SAYS,
        month_end,
        "open",
    )
    assert instruction.author.username == "zhang"
    assert instruction.item.code == "P3"

    # The lead department finds it in its list of open instructions, and on the item page.
    [mine] = open_instructions_for_department(department("wlj").id)
    assert mine.id == instruction.id
    assert open_instructions_for_department(department("swj").id) == []
    page = text(liu.get(ITEM_PAGE))
    assert 'data-testid="focus-badge"' in page
    assert 'data-testid="focus-form"' not in page  # a department lead cannot flag
    card = cards(page)[str(instruction.id)]
    assert ZHANG_SAYS in card
    assert "Zhang" in card
    assert f"Reply by {month_end.isoformat()}" in card
    assert 'data-state="open"' in card
    assert 'data-testid="reply-form"' in card
    assert 'data-testid="handled-button"' in card
    assert 'data-testid="close-form"' not in card
    assert 'data-testid="instruction-form"' not in page

    # Liu replies, then marks it handled with a last word.
    response = post(liu, f"/instructions/{instruction.id}/reply", {"text": LIU_SAYS})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/plans/shinan-2020/items/P3#instructions")  # type: ignore[attr-defined]
    response = post(liu, f"/instructions/{instruction.id}/handled", {"text": "合作协议已签署。"})
    assert response.status_code == 302
    [instruction] = instructions()
    assert instruction.state == "handled"
    assert instruction.handled_by.username == "liu"
    assert [(r.author.username, r.text) for r in replies()] == [
        ("liu", LIU_SAYS),
        ("liu", "合作协议已签署。"),
    ]
    assert open_instructions_for_department(department("wlj").id)[0].state == "handled"

    # Zhang sees the replies and closes the instruction.
    page = text(zhang.get(ITEM_PAGE))
    card = cards(page)[str(instruction.id)]
    assert LIU_SAYS in card
    assert "合作协议已签署。" in card
    assert "Marked handled by Liu" in card
    assert 'data-testid="close-form"' in card
    assert 'data-testid="handled-button"' not in card  # leadership does not mark handled
    response = post(zhang, f"/instructions/{instruction.id}/close")
    assert response.status_code == 302
    [instruction] = instructions()
    assert instruction.state == "closed"
    assert instruction.closed_by.username == "zhang"
    assert open_instructions_for_department(department("wlj").id) == []
    page = text(liu.get(ITEM_PAGE))
    card = cards(page)[str(instruction.id)]
    assert 'data-state="closed"' in card
    assert "Closed by Zhang" in card
    assert "<form" not in card


def test_item_without_instructions_says_so_and_offers_the_form_to_leadership(
    app: Flask, zhang: FlaskClient
) -> None:
    page = text(zhang.get(ITEM_PAGE))
    assert 'id="instructions"' in page
    assert 'data-testid="no-instructions"' in page
    assert 'data-testid="instruction-form"' in page
    viewer = signed_in(app, "viewer")
    page = text(viewer.get(ITEM_PAGE))
    assert 'data-testid="no-instructions"' in page
    assert 'data-testid="instruction-form"' not in page
    assert 'data-testid="focus-form"' not in page


def test_viewer_and_other_department_see_the_instruction_but_no_forms(
    app: Flask, zhang: FlaskClient
) -> None:
    instruction = write(zhang)
    for username in ("viewer", "lead-swj"):
        page = text(signed_in(app, username).get(ITEM_PAGE))
        card = cards(page)[str(instruction.id)]
        assert ZHANG_SAYS in card
        assert "<form" not in card
        assert 'data-testid="instruction-form"' not in page


def test_admin_may_do_everything(app: Flask, people: None) -> None:
    admin = signed_in(app, "admin")
    instruction = write(admin, "管理员批示")
    assert post(admin, f"/instructions/{instruction.id}/reply", {"text": "补充"}).status_code == 302
    assert post(admin, f"/instructions/{instruction.id}/handled").status_code == 302
    assert post(admin, f"/instructions/{instruction.id}/close").status_code == 302
    assert instructions()[0].state == "closed"
    assert flag(admin, "1", p3().version).status_code == 302
    assert p3().focus


def test_leader_may_reply_but_not_mark_handled(app: Flask, zhang: FlaskClient) -> None:
    instruction = write(zhang)
    assert (
        post(zhang, f"/instructions/{instruction.id}/reply", {"text": "请抓紧"}).status_code == 302
    )
    before = table_snapshot()
    assert post(zhang, f"/instructions/{instruction.id}/handled").status_code == 403
    assert table_snapshot() == before


# Refused


@pytest.mark.parametrize("username", ["viewer", "lead-swj", "liu"])
def test_others_cannot_instruct_close_or_flag(
    app: Flask, zhang: FlaskClient, username: str
) -> None:
    instruction = write(zhang)
    client = signed_in(app, username)
    before = table_snapshot()
    attempts = [
        ("/plans/shinan-2020/items/P3/instructions", {"text": "越权批示", "due_on": ""}),
        (f"/instructions/{instruction.id}/close", {}),
        ("/plans/shinan-2020/items/P3/focus", {"focus": "1", "version": str(p3().version)}),
    ]
    for path, data in attempts:
        response = post(client, path, data)
        assert response.status_code == 403, path
    assert table_snapshot() == before


@pytest.mark.parametrize("username", ["viewer", "lead-swj"])
def test_only_the_lead_department_and_leadership_reply_or_mark_handled(
    app: Flask, zhang: FlaskClient, username: str
) -> None:
    instruction = write(zhang)
    client = signed_in(app, username)
    before = table_snapshot()
    assert post(client, f"/instructions/{instruction.id}/reply", {"text": "x"}).status_code == 403
    assert post(client, f"/instructions/{instruction.id}/handled", {"text": "x"}).status_code == 403
    assert table_snapshot() == before


def test_unknown_item_or_instruction_is_404(app: Flask, zhang: FlaskClient) -> None:
    instruction = write(zhang)
    before = table_snapshot()
    for path in (
        "/plans/shinan-2020/items/NOPE/instructions",
        "/plans/shinan-2020/items/NOPE/focus",
        f"/instructions/{instruction.id + 1000}/reply",
        f"/instructions/{instruction.id + 1000}/handled",
        f"/instructions/{instruction.id + 1000}/close",
        "/instructions/99999999999999999999999/close",
        "/instructions/0/reply",
    ):
        assert post(zhang, path, {"text": "x"}).status_code == 404, path
    assert table_snapshot() == before


def test_missing_csrf_token_is_400_and_writes_nothing(app: Flask, zhang: FlaskClient) -> None:
    instruction = write(zhang)
    before = table_snapshot()
    for path, data in [
        ("/plans/shinan-2020/items/P3/instructions", {"text": "没有令牌"}),
        (f"/instructions/{instruction.id}/reply", {"text": "没有令牌"}),
        (f"/instructions/{instruction.id}/handled", {}),
        (f"/instructions/{instruction.id}/close", {}),
        ("/plans/shinan-2020/items/P3/focus", {"focus": "1", "version": str(p3().version)}),
    ]:
        assert zhang.post(path, data=data).status_code == 400, path
    assert table_snapshot() == before


# Bad input


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("", "Please write the instruction."),
        ("  \n  ", "Please write the instruction."),
        ("字" * (TEXT_MAX + 1), f"At most {TEXT_MAX} characters, please."),
    ],
)
def test_instruction_text_must_be_given_and_not_too_long(
    app: Flask, zhang: FlaskClient, words: str, message: str
) -> None:
    before = table_snapshot()
    response = post(
        zhang, "/plans/shinan-2020/items/P3/instructions", {"text": words, "due_on": ""}
    )
    assert response.status_code == 200
    assert message in text(response)
    assert 'data-testid="instruction-form"' in text(response)
    assert table_snapshot() == before


def test_instruction_of_exactly_the_longest_length_is_taken(app: Flask, zhang: FlaskClient) -> None:
    instruction = write(zhang, "字" * TEXT_MAX)
    assert len(instruction.text) == TEXT_MAX
    assert instruction.due_on is None


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("yesterday", "The reply-by date cannot be before today."),
        ("2020-13-45", "Enter the date as year-month-day, for example 2020-10-31."),
        ("next week", "Enter the date as year-month-day, for example 2020-10-31."),
        ("99999-01-01", "Enter the date as year-month-day, for example 2020-10-31."),
        ("2020-10-31' OR 1=1", "Enter the date as year-month-day, for example 2020-10-31."),
    ],
)
def test_bad_due_date_is_refused_and_the_input_is_kept(
    app: Flask, zhang: FlaskClient, due: str, message: str
) -> None:
    if due == "yesterday":
        due = (today() - timedelta(days=1)).isoformat()
    before = table_snapshot()
    response = post(
        zhang, "/plans/shinan-2020/items/P3/instructions", {"text": ZHANG_SAYS, "due_on": due}
    )
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert ZHANG_SAYS in html  # what was typed is still there
    assert table_snapshot() == before


def test_due_today_is_fine(app: Flask, zhang: FlaskClient) -> None:
    instruction = write(zhang, due=today().isoformat())
    assert instruction.due_on == today()


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("", "Please write a reply."),
        ("   ", "Please write a reply."),
        ("x" * (TEXT_MAX + 1), f"At most {TEXT_MAX} characters, please."),
    ],
)
def test_reply_text_must_be_given_and_not_too_long(
    app: Flask, zhang: FlaskClient, liu: FlaskClient, words: str, message: str
) -> None:
    instruction = write(zhang)
    before = table_snapshot()
    response = post(liu, f"/instructions/{instruction.id}/reply", {"text": words})
    assert response.status_code == 200
    assert message in text(response)
    assert ZHANG_SAYS in text(response)  # the instruction being answered is shown
    assert table_snapshot() == before


def test_handled_with_overlong_text_is_refused(
    app: Flask, zhang: FlaskClient, liu: FlaskClient
) -> None:
    instruction = write(zhang)
    before = table_snapshot()
    response = post(liu, f"/instructions/{instruction.id}/handled", {"text": "x" * (TEXT_MAX + 1)})
    assert response.status_code == 200
    assert f"At most {TEXT_MAX} characters, please." in text(response)
    assert table_snapshot() == before


def test_handled_without_text_writes_no_reply(
    app: Flask, zhang: FlaskClient, liu: FlaskClient
) -> None:
    instruction = write(zhang)
    assert post(liu, f"/instructions/{instruction.id}/handled").status_code == 302
    assert instructions()[0].state == "handled"
    assert replies() == []


# Wrong steps


def test_closing_twice_and_replying_to_a_closed_instruction_are_refused(
    app: Flask, zhang: FlaskClient, liu: FlaskClient
) -> None:
    instruction = write(zhang)
    assert post(zhang, f"/instructions/{instruction.id}/close").status_code == 302
    before = table_snapshot()

    response = post(zhang, f"/instructions/{instruction.id}/close")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/plans/shinan-2020/items/P3#instructions")  # type: ignore[attr-defined]
    assert "This instruction is already closed." in flashed(zhang)

    for client, step, data in [
        (liu, "reply", {"text": "迟到的答复"}),
        (liu, "reply", {}),
        (liu, "handled", {"text": "迟到的答复"}),
        (zhang, "reply", {"text": "再说一句"}),
    ]:
        response = post(client, f"/instructions/{instruction.id}/{step}", data)
        assert response.status_code == 302, step
        assert "This instruction is closed; nothing more can be added to it." in flashed(client)
    assert table_snapshot() == before


def test_marking_handled_twice_is_refused(app: Flask, zhang: FlaskClient, liu: FlaskClient) -> None:
    instruction = write(zhang)
    assert post(liu, f"/instructions/{instruction.id}/handled").status_code == 302
    before = table_snapshot()
    response = post(liu, f"/instructions/{instruction.id}/handled", {"text": "再次"})
    assert response.status_code == 302
    assert "This instruction is already marked handled." in flashed(liu)
    assert table_snapshot() == before
    # A handled instruction still takes replies.
    assert post(liu, f"/instructions/{instruction.id}/reply", {"text": "补充"}).status_code == 302
    assert [r.text for r in replies()] == ["补充"]


# Focus


def test_removing_the_focus_flag_writes_history_too(app: Flask, zhang: FlaskClient) -> None:
    assert flag(zhang, "1", p3().version).status_code == 302
    page = text(zhang.get(ITEM_PAGE))
    assert 'data-testid="focus" data-focus="yes"' in page
    assert "Remove focus flag" in page
    assert flag(zhang, "0", p3().version).status_code == 302
    assert not p3().focus
    assert [(r.old_value, r.new_value) for r in focus_rows()] == [
        ("False", "True"),
        ("True", "False"),
    ]
    page = text(zhang.get(ITEM_PAGE))
    assert "P3 is no longer flagged as focus." in page
    assert 'data-testid="focus-badge"' not in page


def test_focus_from_a_stale_page_is_refused_showing_what_is_current(
    app: Flask, zhang: FlaskClient, people: None
) -> None:
    stale = p3().version
    other = signed_in(app, "admin")
    assert flag(other, "1", stale).status_code == 302  # someone flags it meanwhile...
    assert flag(other, "0", p3().version).status_code == 302  # ...and unflags it again
    before = table_snapshot()

    response = flag(zhang, "1", stale)
    assert response.status_code == 200
    html = text(response)
    assert "Someone else changed this item while you were looking at it." in html
    assert 'data-testid="focus-now" data-focus="no"' in html
    # The form keeps Zhang's wish and now carries the current version.
    assert f'name="version" value="{p3().version}"' in html
    assert 'name="focus" value="1"' in html
    assert table_snapshot() == before

    assert flag(zhang, "1", p3().version).status_code == 302
    assert p3().focus


def test_focus_to_what_it_already_is_changes_nothing(app: Flask, zhang: FlaskClient) -> None:
    before = table_snapshot()
    response = flag(zhang, "0", p3().version)
    assert response.status_code == 302
    assert "Nothing was changed." in flashed(zhang)
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Say whether the item is to be flagged."),
        ({"focus": "yes", "version": "1"}, "Say whether the item is to be flagged."),
        ({"focus": "1"}, "The form is incomplete. Please try again."),
        ({"focus": "1", "version": "abc"}, "The form is incomplete. Please try again."),
        ({"focus": "1", "version": "-1"}, "The form is incomplete. Please try again."),
        ({"focus": "1", "version": "²"}, "The form is incomplete. Please try again."),
        ({"focus": "1", "version": "9" * 5000}, "The form is incomplete. Please try again."),
    ],
)
def test_bad_focus_form_is_refused(
    app: Flask, zhang: FlaskClient, data: dict[str, str], message: str
) -> None:
    before = table_snapshot()
    response = post(zhang, "/plans/shinan-2020/items/P3/focus", data)
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'data-testid="focus-now" data-focus="no"' in html
    assert table_snapshot() == before


# The department's list (included by the "my department" page)


def test_my_instructions_partial_links_counts_and_flags_overdue(
    app: Flask, zhang: FlaskClient, liu: FlaskClient
) -> None:
    overdue = write(zhang, "逾期的批示")
    db.session.execute(
        sa.update(Instruction)
        .where(Instruction.id == overdue.id)
        .values(due_on=today() - timedelta(days=3))
    )
    db.session.commit()
    soon = write(zhang, "按期的批示", due=(today() + timedelta(days=5)).isoformat())
    handled = write(zhang, "已办的批示")
    assert post(liu, f"/instructions/{handled.id}/handled", {"text": "办结"}).status_code == 302
    closed = write(zhang, "已关闭的批示")
    assert post(zhang, f"/instructions/{closed.id}/close").status_code == 302

    db.session.expire_all()
    mine = open_instructions_for_department(department("wlj").id)
    assert [i.id for i in mine] == [overdue.id, soon.id, handled.id]
    with app.test_request_context("/plans/shinan-2020/?lang=en"):
        html = render_template("instructions/_mine.html", my_instructions=mine)
    assert 'data-open="2" data-handled="1" data-overdue="1"' in html
    rows = dict(
        re.findall(
            r'data-testid="my-instruction"\s+data-id="(\d+)".*?data-overdue="(\w+)"',
            html,
            re.DOTALL,
        )
    )
    assert rows == {str(overdue.id): "yes", str(soon.id): "no", str(handled.id): "no"}
    assert f'href="/plans/shinan-2020/items/P3#instruction-{overdue.id}"' in html
    assert "逾期的批示" in html
    assert "已关闭的批示" not in html
    assert "1 reply" in html

    with app.test_request_context("/plans/shinan-2020/?lang=en"):
        empty = render_template("instructions/_mine.html", my_instructions=[])
    assert 'data-testid="no-my-instructions"' in empty


def test_chinese_item_page_renders_the_panel(app: Flask, zhang: FlaskClient) -> None:
    write(zhang)
    page = text(zhang.get(ITEM_PAGE + "?lang=zh"))
    assert '<html lang="zh-CN">' in page
    assert ZHANG_SAYS in page
    assert 'data-testid="instruction-form"' in page


def test_an_instruction_shows_one_local_time_in_its_header_and_on_the_timeline(
    app: Flask, zhang: FlaskClient
) -> None:
    """Written at 23:31 UTC is 07:31 the next morning in Qingdao, wherever it is shown."""
    post(zhang, "/plans/shinan-2020/items/P3/instructions", {"text": ZHANG_SAYS})
    instruction = db.session.scalar(sa.select(Instruction))
    assert instruction is not None
    instruction.created_at = datetime(2026, 11, 29, 23, 31, tzinfo=UTC)
    db.session.commit()
    page = text(zhang.get(ITEM_PAGE))
    header = page[page.index('data-testid="instruction"') :]
    assert "2026-11-30 07:31" in header[: header.index(ZHANG_SAYS)]
    timeline = page[page.index('id="timeline"') :]
    entry = timeline[: timeline.index(ZHANG_SAYS)]
    assert "2026-11-30 07:31" in entry[entry.rindex('data-testid="timeline-entry"') :]
    assert "23:31" not in page
    assert "UTC" not in page
