"""The board's chart data: indicators against their targets, and the timeline (Gantt).

The service is read as the board reads it, on the Shinan plan at a given as-of date; then the
partial that hands the data to the browser, and the board page that includes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask, render_template
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.conftest import FIXTURES, load_plan
from tests.factories import create_user, department, login
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.domain.reporting import ItemReport
from tracker.extensions import db
from tracker.loaders import find_plan
from tracker.models import Indicator, IndicatorTarget, Item, Measurement, Milestone
from tracker.services.commands.postponements import approve_postponement, request_postponement
from tracker.services.commands.reports import approve_report, submit_item_report
from tracker.services.queries.charts import board_charts, known_by, number
from tracker.services.queries.progress import load_progress


@pytest.fixture(autouse=True)
def page(app: Flask) -> Iterator[None]:
    """The service runs while a page is rendered: the language comes from the request."""
    with app.test_request_context("/"):
        yield


SHINAN_CODES = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "A1", "A2", "A3", "A4", "A5", "A6"]
MEETING = date(2020, 9, 25)


def charts_at(as_of: date, *, today: date | None = None) -> dict[str, Any]:
    """The charts as the board shows them; a ``today`` after ``as_of`` replays the history."""
    plan = find_plan()
    assert plan is not None
    return board_charts(plan, load_progress(plan, as_of, 10.0, today=today))


def indicator(charts: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [i for i in charts["indicators"] if i["code"] == code]
    return found


def row(charts: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [r for r in charts["gantt"]["rows"] if r["code"] == code]
    return found


def milestone(charts: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [m for r in charts["gantt"]["rows"] for m in r["milestones"] if m["code"] == code]
    return found


def five_g() -> Indicator:
    found = db.session.scalar(sa.select(Indicator).where(Indicator.code == "5g-base-stations"))
    assert found is not None
    return found


def add_measurement(
    value: float, measured_on: date, recorded_at: datetime, *, from_plan_file: bool = False
) -> None:
    db.session.add(
        Measurement(
            indicator_id=five_g().id,
            measured_on=measured_on,
            value=value,
            source="China Tower monthly report",
            from_plan_file=from_plan_file,
            recorded_at=recorded_at,
        )
    )
    db.session.commit()


# Small rules


def test_whole_figures_are_integers_and_fractions_stay() -> None:
    assert number(618.0) == 618
    assert isinstance(number(618.0), int)
    assert number(12.5) == 12.5


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


DEC20 = date(2020, 12, 20)


@pytest.mark.parametrize(
    ("measured_on", "recorded_at", "from_plan_file", "as_of", "known"),
    [
        # measured and recorded the same day: known that day, not the day before
        (DEC20, utc(2020, 12, 20, 3), False, DEC20, True),
        (DEC20, utc(2020, 12, 20, 3), False, date(2020, 12, 19), False),
        # measured on the 20th, approved later: known from the day it was recorded
        (DEC20, utc(2020, 12, 22, 3), False, date(2020, 12, 21), False),
        # recorded 2020-12-27 17:00 UTC is already 2020-12-28 01:00 in Qingdao
        (DEC20, utc(2020, 12, 27, 17), False, date(2020, 12, 27), False),
        (DEC20, utc(2020, 12, 27, 17), False, date(2020, 12, 28), True),
        # 2020-12-27 15:59 UTC is 23:59 in Qingdao: still that day
        (DEC20, utc(2020, 12, 27, 15, 59), False, date(2020, 12, 27), True),
        # a plan-file figure tells what was true on its date, whenever the file was loaded
        (MEETING, utc(2021, 5, 1), True, MEETING, True),
        (MEETING, utc(2021, 5, 1), True, date(2020, 9, 24), False),
    ],
)
def test_a_measurement_is_known_once_measured_and_recorded_by_the_district_day(
    app: Flask,
    measured_on: date,
    recorded_at: datetime,
    from_plan_file: bool,
    as_of: date,
    known: bool,
) -> None:
    m = Measurement(
        measured_on=measured_on, value=1, recorded_at=recorded_at, from_plan_file=from_plan_file
    )
    assert known_by(m, as_of, ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])) is known


# Indicators


def test_indicators_at_the_launch_meeting(seeded: Flask) -> None:
    charts = charts_at(MEETING)
    assert charts["as_of"] == "2020-09-25"
    codes = [i["code"] for i in charts["indicators"]]
    positions = db.session.execute(
        sa.select(Indicator.code).order_by(Indicator.position, Indicator.id)
    ).scalars()
    assert codes == list(positions)
    assert codes[0] == "5g-base-stations"
    g5 = indicator(charts, "5g-base-stations")
    assert g5["item_code"] == "T1"
    assert g5["name"] == "5G基站"
    assert g5["unit"] == "处"
    assert g5["baseline"] == {"date": "2020-09-25", "value": 618}
    assert [(t["date"], t["value"], t["source"]) for t in g5["targets"]] == [
        ("2020-12-31", 970, "report"),
        ("2022-12-31", 1300, "report"),
    ]
    assert [(m["date"], m["value"]) for m in g5["measurements"]] == [("2020-09-25", 618)]
    assert g5["latest"] == {
        "date": "2020-09-25",
        "value": 618,
        "source": "report",
        "source_label": "来源：报道",
    }
    # The next target says where it comes from: the report's 970, not a sample figure.
    assert g5["next_target"] == {
        "date": "2020-12-31",
        "value": 970,
        "source": "report",
        "source_label": "来源：报道",
    }
    # The data goes to the browser as JSON, so it must survive the trip unchanged.
    assert json.loads(json.dumps(charts)) == charts


def test_a_new_measurement_shows_from_the_day_it_was_recorded(seeded: Flask) -> None:
    # Director Wang's 970 stations, measured 2020-12-20, approved 2020-12-28 (Qingdao time).
    add_measurement(970, date(2020, 12, 20), datetime(2020, 12, 28, 2, tzinfo=UTC))

    before = indicator(charts_at(date(2020, 12, 27)), "5g-base-stations")
    assert [m["value"] for m in before["measurements"]] == [618]
    assert before["latest"]["value"] == 618

    after = indicator(charts_at(date(2020, 12, 28)), "5g-base-stations")
    assert [(m["date"], m["value"]) for m in after["measurements"]] == [
        ("2020-09-25", 618),
        ("2020-12-20", 970),
    ]
    assert after["measurements"][1]["source"] == "China Tower monthly report"
    assert (after["latest"]["date"], after["latest"]["value"]) == ("2020-12-20", 970)
    assert after["latest"]["source"] == "China Tower monthly report"
    # Past the first target, the next one is the end of the plan.
    later = indicator(charts_at(date(2021, 1, 5)), "5g-base-stations")["next_target"]
    assert (later["date"], later["value"], later["source"]) == ("2022-12-31", 1300, "report")
    # The launch meeting's view is unchanged.
    assert [
        m["value"] for m in indicator(charts_at(MEETING), "5g-base-stations")["measurements"]
    ] == [618]


def test_a_figure_measured_after_the_as_of_date_does_not_show(seeded: Flask) -> None:
    add_measurement(1000, date(2021, 2, 1), datetime(2021, 2, 1, 2, tzinfo=UTC))
    values = [
        m["value"]
        for m in indicator(charts_at(date(2021, 1, 31)), "5g-base-stations")["measurements"]
    ]
    assert values == [618]


def test_a_reported_figure_counts_only_once_approved(seeded: Flask) -> None:
    lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    office = create_user("li", "dept_lead", department=department("kjj"))
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    assert item is not None
    submitted = datetime(2020, 12, 30, 2, tzinfo=UTC)
    report = submit_item_report(
        Who(now=submitted, actor=lead),
        item,
        ItemReport(
            note="970 base stations opened",
            value=970,
            measured_on=date(2020, 12, 30),
            has_indicator=True,
        ),
        indicator=five_g(),
        source="China Tower monthly report",
        version=item.version,
        today=date(2020, 12, 30),
    )
    db.session.commit()

    pending = indicator(charts_at(date(2020, 12, 31)), "5g-base-stations")
    assert [m["value"] for m in pending["measurements"]] == [618]

    approve_report(
        Who(now=datetime(2021, 1, 4, 2, tzinfo=UTC), actor=office), report, today=date(2021, 1, 4)
    )
    db.session.commit()
    # Approved on 2021-01-04: not yet on the board of the year-end, there from that day on.
    assert [
        m["value"]
        for m in indicator(charts_at(date(2021, 1, 3)), "5g-base-stations")["measurements"]
    ] == [618]
    approved = indicator(charts_at(date(2021, 1, 4)), "5g-base-stations")
    assert [(m["date"], m["value"]) for m in approved["measurements"]] == [
        ("2020-09-25", 618),
        ("2020-12-30", 970),
    ]


def test_a_plan_without_indicators_or_measurements_still_has_charts(app: Flask) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    db.session.execute(sa.delete(Measurement))
    db.session.commit()
    charts = charts_at(date(2021, 6, 1))
    (widgets,) = charts["indicators"]
    assert widgets["measurements"] == []
    assert widgets["latest"] is None
    assert charts["gantt"]["plan_start"] == "2021-01-01"
    assert charts["gantt"]["plan_end"] == "2021-12-31"

    db.session.execute(sa.delete(IndicatorTarget))
    db.session.execute(sa.delete(Indicator))
    db.session.commit()
    assert charts_at(date(2021, 6, 1))["indicators"] == []


# Timeline


def test_timeline_lists_every_item_with_its_milestones_in_plan_order(seeded: Flask) -> None:
    plan = find_plan()
    assert plan is not None
    progress = load_progress(plan, MEETING, 10.0)
    charts = board_charts(plan, progress)
    gantt = charts["gantt"]
    assert gantt["plan_start"] == plan.start.isoformat()
    assert gantt["plan_end"] == "2022-12-31"
    assert gantt["as_of"] == "2020-09-25"
    assert gantt["start"] <= gantt["plan_start"]
    assert gantt["end"] >= "2022-12-31"
    assert [r["code"] for r in gantt["rows"]] == SHINAN_CODES
    assert all(r["milestones"] for r in gantt["rows"])
    t1 = row(charts, "T1")
    assert [m["code"] for m in t1["milestones"]] == ["T1-1", "T1-2", "T1-3", "T1-4", "T1-5"]
    assert t1["department"] == "区工业和信息化局"
    assert t1["title"] == "网络设施筑基"

    # Statuses are the roll-up's, at the as-of date, with the Bootstrap colour of each.
    result = progress.result
    milestones = db.session.scalars(sa.select(Milestone)).all()
    results = {m.key: m for g in result.groups for i in g.items for m in i.milestones}
    for m in milestones:
        shown = milestone(charts, m.code)
        assert shown["status"] == results[m.id].status.value
        assert shown["due"] == results[m.id].due.isoformat()
    for section in progress.sections:
        for item_row in section.rows:
            assert row(charts, item_row.item.code)["status"] == item_row.result.status.value
    colours = {s["status"]: s["colour"] for s in gantt["statuses"]}
    assert colours == {
        "not_started": "secondary",
        "on_track": "success",
        "at_risk": "warning",
        "delayed": "danger",
        "done": "primary",
    }
    assert all(r["colour"] == colours[r["status"]] for r in gantt["rows"])
    assert gantt["postponed"] == []


def test_statuses_differ_between_the_meeting_and_after_the_plan_end(seeded: Flask) -> None:
    then = charts_at(MEETING)
    later = charts_at(date(2023, 3, 1))
    # Looking back after the plan ended still shows the plan's period; the as-of line goes
    # to the edge of the chart.
    assert later["gantt"]["end"] == "2022-12-31"
    assert later["gantt"]["as_of"] == "2023-03-01"
    assert row(later, "T1")["status"] == "delayed"
    assert milestone(later, "T1-3")["status"] == "delayed"
    assert milestone(then, "T1-3")["status"] != "delayed"


def test_a_postponed_milestone_carries_its_original_and_current_due_dates(seeded: Flask) -> None:
    t1_3 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    assert t1_3 is not None
    original = t1_3.baseline_due
    t1_3.due = original + timedelta(days=92)
    db.session.commit()

    charts = charts_at(MEETING)
    shown = milestone(charts, "T1-3")
    assert shown["postponed"] is True
    assert shown["baseline_due"] == original.isoformat()
    assert shown["due"] == (original + timedelta(days=92)).isoformat()
    assert [(p["item_code"], p["code"]) for p in charts["gantt"]["postponed"]] == [("T1", "T1-3")]
    assert milestone(charts, "T1-1")["postponed"] is False
    # The timeline reaches far enough to show the new date.
    assert charts["gantt"]["end"] >= shown["due"]


def test_a_postponement_shows_from_the_day_it_was_approved(seeded: Flask) -> None:
    """Story 4: P3's lead asks for three more months; the admin approves; the board shows both."""
    lead = create_user("lead-wlj", "dept_lead", department=department("wlj"))
    admin = create_user("admin", "admin")
    p3 = db.session.scalar(sa.select(Item).where(Item.code == "P3"))
    assert p3 is not None
    target = next(m for m in p3.milestones if m.due > date(2021, 3, 1))
    original = target.due
    request = request_postponement(
        Who(utc(2021, 3, 1, 2), lead),
        target,
        requested_due=original + timedelta(days=92),
        reason="The MIIT centre asked to sign after its board meeting.",
        version=target.version,
    )
    db.session.commit()
    approve_postponement(Who(utc(2021, 3, 2, 2), admin), request)
    db.session.commit()

    before = milestone(charts_at(date(2021, 3, 1), today=date(2021, 4, 1)), target.code)
    assert before["due"] == original.isoformat()
    assert before["postponed"] is False

    charts = charts_at(date(2021, 3, 2), today=date(2021, 4, 1))
    after = milestone(charts, target.code)
    assert after["baseline_due"] == original.isoformat()
    assert after["due"] == (original + timedelta(days=92)).isoformat()
    assert after["postponed"] is True
    assert [p["code"] for p in charts["gantt"]["postponed"]] == [target.code]


# Language


def test_labels_and_names_follow_the_language(seeded: Flask) -> None:
    with force_locale("en"):
        english = charts_at(MEETING)
    assert english["labels"]["actual"] == "Actual"
    assert english["labels"]["target"] == "Target trajectory"
    assert english["labels"]["as_of"] == "As of 2020-09-25"
    assert english["labels"]["original_due"] == "Original due date"
    g5 = indicator(english, "5g-base-stations")
    assert (g5["name"], g5["unit"]) == ("5G base stations", "sites")
    t1 = row(english, "T1")
    assert t1["title"] == "5G network foundation"
    assert t1["department"] == "Shinan District Bureau of Industry and Information Technology"
    assert t1["status_label"] in {"Not started", "On track", "At risk", "Delayed", "Done"}
    assert {s["label"] for s in english["gantt"]["statuses"]} == {
        "Not started",
        "On track",
        "At risk",
        "Delayed",
        "Done",
    }

    chinese = charts_at(MEETING)
    assert chinese["labels"]["original_due"] == "原定截止日期"
    assert chinese["labels"]["as_of"] == "截至 2020-09-25"
    assert indicator(chinese, "5g-base-stations")["name"] == "5G基站"


# Speed


def test_query_count_does_not_grow_with_ten_times_the_measurements(seeded: Flask) -> None:
    plan = find_plan()
    assert plan is not None
    as_of = date(2022, 12, 31)
    db.session.expire_all()
    progress = load_progress(plan, as_of, 10.0)
    with count_queries() as few:
        board_charts(plan, progress)

    indicator_ids = db.session.scalars(sa.select(Indicator.id)).all()
    start = datetime(2020, 10, 1, 2, tzinfo=UTC)
    for indicator_id in indicator_ids:
        for n in range(10):
            db.session.add(
                Measurement(
                    indicator_id=indicator_id,
                    measured_on=(start + timedelta(days=30 * n)).date(),
                    value=100 + n,
                    recorded_at=start + timedelta(days=30 * n),
                )
            )
    db.session.commit()
    db.session.expire_all()
    progress = load_progress(plan, as_of, 10.0)
    with count_queries() as many:
        charts = board_charts(plan, progress)
    assert len(many) == len(few)
    assert len(many) <= 4
    assert len(indicator(charts, "5g-base-stations")["measurements"]) == 11


# The partial and the board


def test_partial_has_a_container_per_chart_and_the_data_as_json(seeded: Flask) -> None:
    charts = charts_at(MEETING)
    with seeded.test_request_context("/"):
        html = render_template("board/_charts.html", charts=charts)
    assert html.count('data-testid="indicator-chart"') == len(charts["indicators"])
    assert html.count('data-testid="gantt-chart"') == 1
    heights = re.findall(r'style="height: (\d+)px" data-testid="(indicator|gantt)-chart"', html)
    assert len(heights) == len(charts["indicators"]) + 1
    assert all(int(height) >= 200 for height, _ in heights)
    data = re.search(
        r'<script type="application/json" id="board-charts-data">(.*?)</script>', html, re.S
    )
    assert data is not None
    assert json.loads(data.group(1)) == json.loads(json.dumps(charts))
    assert "基数 618（2020-09-25）" in html
    assert "<script>" not in html


def test_free_text_cannot_break_out_of_the_json_element(seeded: Flask) -> None:
    db.session.add(
        Measurement(
            indicator_id=five_g().id,
            measured_on=MEETING,
            value=700,
            source="</script><script>alert(1)</script>",
            recorded_at=datetime(2020, 9, 25, 3, tzinfo=UTC),
        )
    )
    db.session.commit()
    with seeded.test_request_context("/"):
        html = render_template("board/_charts.html", charts=charts_at(MEETING))
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == 1


def test_partial_without_indicators_says_so(app: Flask) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    db.session.execute(sa.delete(Measurement))
    db.session.execute(sa.delete(IndicatorTarget))
    db.session.execute(sa.delete(Indicator))
    db.session.commit()

    with app.test_request_context("/plans/shinan-2020/?lang=en"):
        html = render_template("board/_charts.html", charts=charts_at(date(2021, 6, 1)))
    assert 'data-testid="no-indicators"' in html
    assert 'data-testid="indicator-chart"' not in html
    assert html.count('data-testid="gantt-chart"') == 1


@pytest.fixture
def viewer(app: Flask) -> FlaskClient:
    client = app.test_client()
    create_user("viewer", "viewer")
    login(client, "viewer")
    return client


def test_board_page_draws_the_charts_with_vendored_echarts(
    seeded: Flask, viewer: FlaskClient
) -> None:
    html = viewer.get("/plans/shinan-2020/?as_of=2020-09-25&lang=en").get_data(as_text=True)
    assert html.count('data-testid="indicator-chart"') == db.session.scalar(
        sa.select(sa.func.count()).select_from(Indicator)
    )
    assert 'data-testid="gantt-chart"' in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    # The custom ECharts (only the chart types the board draws), by its fingerprinted name.
    assert any(
        re.fullmatch(r"/static/vendor/echarts-5.6.0/echarts\.custom\.min\.[0-9a-f]{12}\.js", s)
        for s in scripts
    ), scripts
    assert any(re.fullmatch(r"/static/js/board-charts\.[0-9a-f]{12}\.js", s) for s in scripts)
    # No CDN: every script is served from here.
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]+)"', html))
    data = re.search(
        r'<script type="application/json" id="board-charts-data">(.*?)</script>', html, re.S
    )
    assert data is not None
    charts = json.loads(data.group(1))
    assert charts["as_of"] == "2020-09-25"
    assert charts["labels"]["actual"] == "Actual"
    assert len(charts["gantt"]["rows"]) == 13
    script = viewer.get("/static/js/board-charts.js", buffered=True)
    assert script.status_code == 200
    script.close()
