"""The department lead's page (/my): counts and lists of both kinds of report, tiles that
link to their lists, reminders that open the report form, the pending-postponement flag, and
phone cards (issue 14, items 2, 3, 4 and 10)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, signed_in
from tracker.extensions import db
from tracker.models import Milestone, Postponement, Report, User

NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)
ITEM_FORM = "/plans/shinan-2020/items/T1/report"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    found = db.session.scalar(sa.select(Milestone).where(Milestone.code == code))
    assert found is not None, code
    return found


def my_page(client: FlaskClient) -> str:
    response = client.get("/my")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def count(html: str, kind: str) -> int:
    found = re.search(rf'data-testid="count-{kind}">(\d+)<', html)
    assert found, kind
    return int(found.group(1))


def listed(html: str, testid: str) -> list[tuple[str, str]]:
    """(kind, code) of each entry of a list of reports on the page."""
    return re.findall(rf'data-testid="{testid}" data-kind="(\w+)" data-code="([^"]+)"', html)


def tile_href(html: str, kind: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)" data-testid="tile-{kind}"', html)
    return found.group(1) if found else None


def report_figure(client: FlaskClient, value: str = "970") -> None:
    """Wang reports the 5G figure on T1, as the item form sends it."""
    html = client.get(ITEM_FORM).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    indicator = re.search(r'<option value="(\d+)">5G基站', html).group(1)
    response = client.post(
        ITEM_FORM,
        data={
            "csrf_token": csrf_token(client, ITEM_FORM),
            "version": version,
            "note": "年内开通970处",
            "indicator": indicator,
            "value": value,
            "measured_on": "2020-12-18",
            "source": "铁塔公司月报",
        },
    )
    assert response.status_code == 302


def report_milestone(client: FlaskClient, code: str) -> None:
    url = f"/milestones/{milestone(code).id}/report"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "version": version,
            "status": "on_track",
            "progress": "40",
            "note": "正在推进",
        },
    )
    assert response.status_code == 302


def send_back(app: Flask, reason: str) -> None:
    """The coordinating office returns every report waiting for review."""
    li = signed_in(app, "li")
    token = csrf_token(li, "/reviews")
    ids = db.session.scalars(sa.select(Report.id).where(Report.state == "submitted")).all()
    for report_id in ids:
        response = li.post(
            f"/reports/{report_id}/return", data={"csrf_token": token, "reason": reason}
        )
        assert response.status_code == 302


def test_item_reports_are_counted_and_listed_pending_then_returned(
    app: Flask, people: None
) -> None:
    wang = signed_in(app, "wang")
    before = my_page(wang)
    assert (count(before, "pending"), count(before, "returned")) == (0, 0)
    assert tile_href(before, "pending") is None  # nothing to list: not a link

    report_figure(wang)
    report_milestone(wang, "T1-3")
    pending = my_page(wang)
    assert count(pending, "pending") == 2
    assert sorted(listed(pending, "pending-report")) == [("item", "T1"), ("milestone", "T1-3")]
    assert "5G基站" in pending
    assert "970" in pending
    assert tile_href(pending, "pending") == "#pending-shinan-2020"
    assert 'id="pending-shinan-2020"' in pending

    send_back(app, "请附铁塔公司月报")
    returned = my_page(wang)
    assert (count(returned, "pending"), count(returned, "returned")) == (0, 2)
    assert sorted(listed(returned, "returned-report")) == [("item", "T1"), ("milestone", "T1-3")]
    assert returned.count("请附铁塔公司月报") == 2
    assert tile_href(returned, "returned") == "#returned-shinan-2020"
    assert 'id="returned-shinan-2020"' in returned
    # "Report again" on the item opens its form, filled from the returned report.
    item_report = db.session.scalar(
        sa.select(Report.id).where(Report.milestone_id.is_(None), Report.state == "returned")
    )
    again_url = f"{ITEM_FORM}?from={item_report}"
    assert f'href="{again_url}"' in returned
    form = html_lib.unescape(wang.get(again_url).get_data(as_text=True))
    assert 'data-testid="return-reason">请附铁塔公司月报<' in form
    assert re.search(r'<option selected value="\d+">5G基站', form)
    assert 'name="value" step="any" type="number" value="970">' in form
    assert "年内开通970处</textarea>" in form
    assert 'value="2020-12-18"' in form
    assert 'value="铁塔公司月报"' in form
    # Another item's report, a milestone's report or nonsense starts a blank form, never a 500.
    milestone_report = db.session.scalar(
        sa.select(Report.id).where(Report.milestone_id.is_not(None), Report.state == "returned")
    )
    for bad in (str(milestone_report), "999999", "x", "1" * 30):
        blank = wang.get(f"{ITEM_FORM}?from={bad}")
        assert blank.status_code == 200
        assert "return-reason" not in blank.get_data(as_text=True)

    # Reporting the figure again: pending once more, no longer returned.
    report_figure(wang, "980")
    again = my_page(wang)
    assert (count(again, "pending"), count(again, "returned")) == (1, 1)
    assert listed(again, "pending-report") == [("item", "T1")]


def test_another_departments_item_reports_are_not_counted(app: Flask, people: None) -> None:
    report_figure(signed_in(app, "wang"))
    li = my_page(signed_in(app, "li"))
    assert count(li, "pending") == 0
    assert listed(li, "pending-report") == []


def test_reminders_open_the_report_form_and_tiles_link_to_their_lists(
    app: Flask, people: None
) -> None:
    wang = signed_in(app, "wang")
    html = my_page(wang)
    links = re.findall(r'<a href="([^"]+)" class="item-code" data-testid="reminder-report"', html)
    assert links, "gxj has reminders on 2020-12-20"
    for link in links:
        assert re.fullmatch(r"/milestones/\d+/report", link)
        assert wang.get(link).status_code == 200
    overdue = count(html, "overdue")
    assert overdue == len(
        re.findall(r'<tr data-testid="my-milestone"(?:(?!</tr>).)*flag-overdue', html, re.S)
    )
    if overdue:
        assert tile_href(html, "overdue") == "#overdue-shinan-2020"
        assert 'id="overdue-shinan-2020"' in html
    else:
        assert tile_href(html, "overdue") is None


def test_each_milestone_is_rendered_once_for_phone_and_desk(app: Flask, people: None) -> None:
    """One table serves both (it stacks into cards below md): no second copy of every row."""
    html = my_page(signed_in(app, "wang"))
    rows = re.findall(r'data-testid="my-milestone" data-code="([^"]+)"', html)
    assert rows
    assert len(rows) == len(set(rows))
    assert "my-milestone-card" not in html
    assert 'class="table table-sm align-middle milestone-table"' in html
    # One report button per milestone the lead reports on (none on those it only supports).
    buttons = html.count('data-testid="milestone-report"')
    assert buttons > 0
    assert buttons == html.count('<a class="btn btn-sm btn-primary" href="/milestones/')
    # Its own department is named only in a cell that phones hide (class ms-own).
    own = [c for c in rows if milestone(c).department.code == "gxj"]
    assert own
    for code in own:
        row = re.search(
            rf'data-testid="my-milestone" data-code="{re.escape(code)}">(.*?)</tr>', html, re.S
        ).group(1)
        cell = re.search(r'<td class="ms-department small([^"]*)">', row)
        assert cell is None or cell.group(1) == " ms-own"


def ask_postponement(client: FlaskClient, code: str, back: str) -> str:
    url = f"/milestones/{milestone(code).id}/postpone?back={back}"
    html = html_lib.unescape(client.get(url).get_data(as_text=True))
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "version": version,
            "requested_due": "2021-03-31",
            "reason": "铁塔公司选址延后，顺延三个月。",
        },
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_pending_postponement_is_flagged_and_cancel_returns_to_my(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    assert 'data-testid="flag-postponement-pending"' not in my_page(wang)
    form = html_lib.unescape(
        wang.get(f"/milestones/{milestone('T1-3').id}/postpone?back=/my").get_data(as_text=True)
    )
    assert re.search(r'href="/my" data-testid="postponement-cancel"', form)

    location = ask_postponement(wang, "T1-3", "/my")
    assert "back=/my" in location or "back=%2Fmy" in location  # the way back is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Postponement)) == 1
    html = my_page(wang)
    flagged = re.findall(
        r'data-testid="my-milestone" data-code="([^"]+)">(?:(?!</tr>).)*'
        r'data-testid="flag-postponement-pending"',
        html,
        re.S,
    )
    assert flagged == ["T1-3"]
    assert "延期待审批" in html


@pytest.mark.parametrize("back", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_an_unsafe_way_back_falls_back_to_the_item(app: Flask, people: None, back: str) -> None:
    wang = signed_in(app, "wang")
    response = wang.get(f"/milestones/{milestone('T1-3').id}/postpone", query_string={"back": back})
    assert response.status_code == 200
    form = html_lib.unescape(response.get_data(as_text=True))
    assert re.search(r'href="/plans/shinan-2020/items/T1" data-testid="postponement-cancel"', form)
    assert "evil" not in form


def test_indicator_shortcut_preselects_only_the_items_own_indicator(
    app: Flask, people: None
) -> None:
    wang = signed_in(app, "wang")
    html = my_page(wang)
    shortcut = re.search(
        r'data-testid="report-indicator" href="(/plans/shinan-2020/items/T1/report'
        r'\?indicator=(\d+))"',
        html,
    )
    assert shortcut
    form = wang.get(shortcut.group(1)).get_data(as_text=True)
    assert f'<option selected value="{shortcut.group(2)}">' in form
    for bogus in ("999999", "abc", "-1", "9" * 30):
        response = wang.get(ITEM_FORM, query_string={"indicator": bogus})
        assert response.status_code == 200
        assert '<option selected value="0">' in response.get_data(as_text=True)


def test_long_lists_of_reports_show_the_first_ten_and_count_them_all(
    app: Flask, people: None
) -> None:
    """A department behind on many reports sees the first ten of each list and how many more,
    with the way to the full milestone list; the count tiles still count them all.
    """
    kjj = department("kjj")
    li = db.session.scalar(sa.select(User).where(User.username == "li"))
    owned = db.session.scalars(
        sa.select(Milestone).where(Milestone.department_id == kjj.id).order_by(Milestone.id)
    ).all()
    assert len(owned) >= 13
    for index, m in enumerate(owned[:13]):
        db.session.add(
            Report(
                plan_id=m.plan_id,
                item_id=m.item_id,
                milestone_id=m.id,
                author_id=li.id,
                department_id=kjj.id,
                submitted_at=NOW,
                base_version=m.version,
                state="returned" if index < 12 else "submitted",
                status="on_track",
                progress=10,
                review_note="请补充佐证材料",
            )
        )
    db.session.commit()
    page = my_page(signed_in(app, "li"))
    assert len(listed(page, "returned-report")) == 10
    assert (count(page, "returned"), count(page, "pending")) == (12, 1)
    more = re.findall(r'data-testid="more-reports"><a href="([^"]+)">([^<]+)<', page)
    assert more == [("/plans/shinan-2020/my/milestones", "另有 2 份：在全部节点列表中按标记查看")]
    assert len(listed(page, "pending-report")) == 1
