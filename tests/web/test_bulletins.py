"""The bulletin page: who reaches it, the preview, bad requests, issuing, the history and what
changed when a month is issued again (also by two people at once)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from urllib.parse import quote

import docx
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, grow_plan, login
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Bulletin, Milestone, Report
from tracker.services.commands.reports import approve_report, submit_milestone_report
from tracker.services.exports.bulletin import MIMETYPE

NOW = datetime(2021, 7, 2, 2, 0, tzinfo=UTC)
JUNE = "/bulletins?plan=shinan-2020&month=2021-06"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def office(app: Flask) -> FlaskClient:
    """The coordinating office (区科技局) signed in."""
    load_plan()
    create_user("lead-kjj", "dept_lead", department=department("kjj"))
    client = app.test_client()
    login(client, "lead-kjj")
    return client


def kept() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Bulletin)) or 0


def issue(client: FlaskClient, month: str = "2021-06", lang: str = "zh") -> str:
    """Issue a bulletin through the page's form; the address of its page."""
    token = csrf_token(client, f"/bulletins?plan=shinan-2020&month={month}&lang={lang}")
    response = client.post(
        "/bulletins",
        data={"csrf_token": token, "plan": "shinan-2020", "month": month, "lang": lang},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def test_the_coordinating_office_finds_the_page_in_the_navigation(office: FlaskClient) -> None:
    page = office.get("/plans/shinan-2020/").get_data(as_text=True)
    assert 'href="/bulletins"' in page
    response = office.get("/bulletins")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="2021-06"' in html  # last month is offered
    assert "尚未生成任何通报" in html


@pytest.mark.parametrize(("role", "code"), [("viewer", None), ("dept_lead", "gxj")])
def test_viewers_and_other_departments_are_refused(app: Flask, role: str, code: str | None) -> None:
    load_plan()
    create_user("someone", role, department=department(code) if code else None)
    client = app.test_client()
    login(client, "someone")
    assert "/bulletins" not in client.get("/plans/shinan-2020/").get_data(as_text=True)
    assert client.get(JUNE).status_code == 403
    assert client.post("/bulletins", data={}).status_code in {400, 403}
    assert kept() == 0


def test_the_preview_shows_the_bulletin_and_keeps_nothing(office: FlaskClient) -> None:
    response = office.get(JUNE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "《工业互联网·市南在行动》推进情况通报（2021年第6期）" in html
    for heading in ("一、总体进展", "三、滞后事项", "六、下月重点"):
        assert heading in html
    assert 'data-testid="bulletin-table-departments"' in html
    assert 'data-testid="bulletin-issue-button"' in html
    assert kept() == 0
    english = office.get(JUNE + "&lang=en").get_data(as_text=True)
    assert "progress bulletin (2021, No. 6)" in english
    assert "1. Overall progress" in english


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("plan=shinan-2020&month=2021-6", 400, "2021-6 不是有效的月份"),
        ("plan=shinan-2020&month=June", 400, "June 不是有效的月份"),
        ("plan=shinan-2020&month=", 400, "不是有效的月份"),
        (
            "plan=shinan-2020&month=2023-01",
            400,
            "2023-01 不在计划期限 2020-01-01 至 2022-12-31",
        ),
        ("plan=shinan-2020&month=2021-08", 400, "2021-08 尚未开始"),
        ("plan=shinan-2020&month=2021-06&lang=fr", 400, "不支持以 fr 生成通报"),
        ("plan=nope&month=2021-06", 404, "没有编号为 nope 的计划"),
    ],
)
def test_bad_requests_get_a_clear_message(
    office: FlaskClient, query: str, status: int, words: str
) -> None:
    response = office.get(f"/bulletins?{query}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'data-testid="bulletin-problems"' in html
    assert words in html
    assert 'data-testid="bulletin-preview"' not in html
    token = csrf_token(office, "/bulletins")
    fields = dict(pair.split("=", 1) for pair in query.split("&"))
    posted = office.post("/bulletins", data={"csrf_token": token, **fields})
    assert posted.status_code == status
    assert words in posted.get_data(as_text=True)
    assert kept() == 0


def test_issuing_keeps_the_bulletin_and_downloads_it(office: FlaskClient) -> None:
    address = issue(office)
    page = office.get(address)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2021-06 通报（第1版）" in html
    assert "这是本月生成的第一版通报" in html
    assert "Lead-Kjj" in html  # who issued it
    link = re.search(r'href="(/bulletins/\d+/download)"', html)
    assert link is not None
    download = office.get(link.group(1))
    assert download.status_code == 200
    assert download.mimetype == MIMETYPE
    disposition = download.headers["Content-Disposition"]
    assert "filename*=UTF-8''" + quote("通报-shinan-2020-2021-06-1.docx") in disposition
    assert download.headers["Cache-Control"] == "private, no-store"
    stored = db.session.scalar(sa.select(Bulletin))
    assert stored is not None
    assert download.data == stored.content
    document = docx.Document(io.BytesIO(download.data))
    assert document.paragraphs[0].text.endswith("（2021年第6期）")
    history = office.get("/bulletins").get_data(as_text=True)
    assert 'data-testid="bulletin-history"' in history
    assert f'data-testid="bulletin-{stored.id}"' in history


def test_issuing_again_after_a_late_approval_shows_what_changed(office: FlaskClient) -> None:
    issue(office)
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    kjj = db.session.scalar(sa.select(Report.id))  # none yet
    assert kjj is None
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-4"))
    assert milestone is not None
    report = submit_milestone_report(
        Who(now=datetime(2021, 6, 30, 1, tzinfo=UTC), actor=wang),
        milestone,
        MilestoneReport(Status.ON_TRACK, 90, None, "基站加密"),
        version=milestone.version,
        today=date(2021, 6, 30),
    )
    approver = create_user("li", "dept_lead", department=department("kjj"))
    approve_report(Who(now=NOW, actor=approver), report, today=date(2021, 7, 2))
    db.session.commit()
    # Approved on 2 July: it counts from July on, so June's figures stay as they were.
    second = office.get(issue(office)).get_data(as_text=True)
    assert "2021-06 通报（第2版）" in second
    assert "与本月上一版通报相比，没有数据变化" in second
    # July's bulletin issued twice around a change counted in July lists it.
    issue(office, "2021-07")
    db.session.execute(sa.update(Milestone).where(Milestone.id == milestone.id).values(weight=3))
    db.session.commit()
    changed = office.get(issue(office, "2021-07")).get_data(as_text=True)
    assert 'data-testid="bulletin-changes"' in changed
    assert "任务 T1 进度" in changed
    assert "总体进度" in changed


def test_two_people_issuing_one_month_at_once_both_get_theirs(
    office: FlaskClient, make_app: Callable[..., Flask]
) -> None:
    """Two workers, two people, one moment: both bulletins are kept and numbered 1 and 2."""
    leader = create_user("zhang", "leader")
    other = make_app().test_client()
    login(other, leader.username)
    clients = [office, other]
    tokens = [csrf_token(c, JUNE) for c in clients]
    start = threading.Barrier(2)
    answers: list[int] = []

    def post(client: FlaskClient, token: str) -> None:
        start.wait()
        data = {"csrf_token": token, "plan": "shinan-2020", "month": "2021-06", "lang": "zh"}
        answers.append(client.post("/bulletins", data=data).status_code)

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [303, 303]
    history = office.get("/bulletins").get_data(as_text=True)
    numbers = re.findall(r"<td>2021-06</td>\s*<td>(\d+)</td>", history)
    assert sorted(numbers) == ["1", "2"]
    assert kept() == 2


def test_the_page_reads_as_many_statements_with_ten_times_the_data_and_more_issues(
    office: FlaskClient,
) -> None:
    """The preview and the list of issued bulletins read in a fixed number of statements."""

    def measure() -> int:
        with count_queries() as statements:
            assert office.get(JUNE).status_code == 200
        return len(statements)

    issue(office)
    before = measure()
    grow_plan(reports_by=create_user("wang", "dept_lead", department=department("gxj")))
    for month in ("2021-03", "2021-04", "2021-05", "2021-06"):
        issue(office, month)
    assert measure() == before
