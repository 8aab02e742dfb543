"""The evaluation pages: the ranked table with its events, the period picker's bad input, the
Excel export, the scheme form and the calendar upload."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import table_snapshot
from tests.evaluation_history import (
    NOW,
    PLAN_CODE,
    SAMPLE,
    History,
    add_departments,
    script_history,
)
from tests.factories import create_user, csrf_token, signed_in
from tests.querycount import count_queries
from tracker.extensions import db
from tracker.models import CalendarDay, EvaluationScheme

PAGE = f"/plans/{PLAN_CODE}/evaluation"
OCTOBER = "?period=custom&from=2020-10-01&to=2020-10-31"


@pytest.fixture
def history(app: Flask, monkeypatch: pytest.MonkeyPatch) -> History:
    """October 2020 scripted, "today" its last day, and an admin and a viewer."""
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)
    scripted = script_history()
    create_user("admin", "admin")
    create_user("viewer", "viewer")
    return scripted


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _row(html: str, code: str) -> list[str]:
    """The words of a department's row of the table."""
    row = html.split(f'data-testid="evaluation-row-{code}">')[1].split("</tr>", maxsplit=1)[0]
    return _text(row).split()


def test_the_ranked_table_and_the_events_behind_the_points(app: Flask, history: History) -> None:
    client = signed_in(app, "eval-leader", lang="en")
    response = client.get(PAGE + OCTOBER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _row(html, "da") == [
        "2",
        "Bureau",
        "da",
        "20",
        "13.33",
        "10",
        "13.33",
        "0",
        "0",
        "56.66",
    ]
    assert _row(html, "db") == ["3", "Bureau", "db", "0", "10", "0", "20", "10", "−4", "36"]
    events = _text(html.split('data-testid="evaluation-events-db">')[1].split("</details>")[0])
    assert "B1 assigned 2020-10-09, signed for 2020-10-15: 2 working days late" in events
    assert "B2 assigned 2020-10-20, not signed for: 5 working days late" in events
    assert "B2 due 2020-09-30, still open: 31 days overdue (−2)" in events
    assert "Default scheme" in html
    # The first department of the table is the best.
    assert html.index("evaluation-row-dc") < html.index("evaluation-row-da")


def test_this_month_is_the_default_period_and_quarter_and_year_are_offered(
    app: Flask,
    history: History,
) -> None:
    client = signed_in(app, "eval-leader", lang="en")
    for query, heading in (
        ("", "2020-10-01 to 2020-10-31, judged as of 2020-10-31."),
        ("?period=quarter", "2020-10-01 to 2020-12-31, judged as of 2020-10-31."),
        ("?period=year", "2020-01-01 to 2020-12-31, judged as of 2020-10-31."),
    ):
        html = client.get(PAGE + query).get_data(as_text=True)
        assert heading in _text(html)


def test_the_page_reads_in_a_fixed_number_of_queries(app: Flask, history: History) -> None:
    client = signed_in(app, "eval-leader")
    client.get(PAGE + OCTOBER)  # warm: the sign-in's and the shell's first reads
    with count_queries() as small:
        assert client.get(PAGE + OCTOBER).status_code == 200
    add_departments(history, 8)
    with count_queries() as large:
        html = client.get(PAGE + OCTOBER).get_data(as_text=True)
    assert "evaluation-row-dx7" in html
    assert len(large) == len(small)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?period=custom&from=2020-10-31&to=2020-10-01", "first day comes after its last day"),
        ("?period=custom&from=2020-13-01&to=2020-10-31", "written YYYY-MM-DD"),
        ("?period=custom&from=2020-10-01", "Give both dates"),
        ("?period=decade", "Choose this month"),
    ],
)
def test_bad_dates_answer_400_with_a_clear_message(
    app: Flask, history: History, query: str, words: str
) -> None:
    client = signed_in(app, "eval-leader", lang="en")
    response = client.get(PAGE + query)
    assert response.status_code == 400
    problem = response.get_data(as_text=True).split('data-testid="evaluation-problem">')[1]
    assert words in problem.split("</div>")[0]
    assert client.get(f"/plans/{PLAN_CODE}/evaluation.xlsx" + query).status_code == 400


def test_the_excel_export_holds_the_ranking_and_the_events(app: Flask, history: History) -> None:
    client = signed_in(app, "eval-leader")
    response = client.get(f"/plans/{PLAN_CODE}/evaluation.xlsx" + OCTOBER)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    ranking, events = book.worksheets
    rows = list(ranking.iter_rows(min_row=3, values_only=True))
    assert rows == [
        (1, "dc局", 40, 20, 10, 20, 10, 0, 100),
        (2, "da局", 20, 13.33, 10, 13.33, 0, 0, 56.66),
        (3, "db局", 0, 10, 0, 20, 10, -4, 36),
    ]
    assert ranking.cell(2, 3).value.startswith("按期完成")
    listed = [row[:7] for row in events.iter_rows(min_row=2, values_only=True)]
    assert ("db局", "扣分", "B2", _day(2020, 9, 30), None, 31, -2) in listed
    assert ("da局", "报告质量", "A2", _day(2020, 10, 12), _day(2020, 10, 13), None, None) in listed


def _day(year: int, month: int, day: int) -> datetime:
    """A day as openpyxl reads a date cell back."""
    return datetime(year, month, day)


def test_the_scheme_form_refuses_bad_input_and_writes_nothing(app: Flask, history: History) -> None:
    client = signed_in(app, "admin", lang="en")
    url = f"/plans/{PLAN_CODE}/evaluation/scheme"
    page = client.get(url).get_data(as_text=True)
    assert "Sum of the criteria’s points: 100" in page
    token = csrf_token(client, url)
    good = {
        "csrf_token": token,
        "valid_from": "2020-10-01",
        "on_time": "50",
        "reporting": "10",
        "receipt": "10",
        "quality": "20",
        "instructions": "10",
        "receipt_days": "5",
        "overdue_deduction": "3",
        "deduction_cap": "5",
    }
    before = table_snapshot()
    for field, value in (("on_time", "-5"), ("receipt_days", "x"), ("valid_from", "2020-02-30")):
        response = client.post(url, data={**good, field: value})
        assert response.status_code == 400
        assert "is-invalid" in response.get_data(as_text=True)
    assert (
        client.post(url, data={k: v for k, v in good.items() if k != "csrf_token"}).status_code
        == 400
    )
    assert table_snapshot() == before
    form = client.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="0"' in form
    good["base_from"] = "2020-09-01"  # the plan's first day: no scheme yet
    response = client.post(url, data=good)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/evaluation/scheme?from=2020-10-01")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<input[^>]* id="on_time"[^>]* value="50">', shown)
    assert 'name="version" type="hidden" value="1"' in shown
    saved = db.session.scalar(sa.select(EvaluationScheme))
    assert (saved.valid_from, saved.on_time_points, saved.deduction_cap) == (
        date(2020, 10, 1),
        50,
        5,
    )
    html = client.get(PAGE + OCTOBER).get_data(as_text=True)
    assert "Scheme valid from 2020-10-01." in html
    assert _row(html, "db")[-1] == "35"
    # The same form sent again (filled before the save) meets the saved scheme: 409, told.
    response = client.post(url, data={**good, "base_from": "2020-10-01", "version": "0"})
    assert response.status_code == 409
    assert "Someone else saved the scheme from 2020-10-01 meanwhile" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(sa.select(EvaluationScheme.version)) == 1


def test_the_calendar_upload_loads_refuses_a_bad_file_and_is_idempotent(
    app: Flask, history: History
) -> None:
    client = signed_in(app, "admin", lang="en")
    db.session.execute(sa.delete(CalendarDay))
    db.session.commit()
    token = csrf_token(client, "/admin/calendar")
    bad = b"date,kind,name\n2023-01-02,holiday,x\n2023-01-03,vacation,x\n"
    response = client.post(
        "/admin/calendar",
        data={"csrf_token": token, "calendar_file": (io.BytesIO(bad), "2023.csv")},
    )
    assert response.status_code == 400
    assert "Line 3: the kind must be holiday or workday." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0
    for expected in ("112 days added, 0 changed", "0 days added, 0 changed, 112 already"):
        response = client.post(
            "/admin/calendar",
            data={"csrf_token": token, "calendar_file": (io.BytesIO(SAMPLE.read_bytes()), "s.csv")},
            follow_redirects=True,
        )
        assert expected in response.get_data(as_text=True)
    page = _text(client.get("/admin/calendar").get_data(as_text=True))
    assert "2020 30 6" in page  # 2020: 1 + 10 + 3 + 5 + 3 + 8 holidays; 6 make-up days


def test_viewers_do_not_see_the_evaluation(app: Flask, history: History) -> None:
    assert signed_in(app, "viewer").get(PAGE).status_code == 403
