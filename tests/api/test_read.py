"""Reading through the API: every role with a token reads; nobody without one does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.api.conftest import Api, milestone
from tests.conftest import load_plan
from tests.factories import login
from tracker.extensions import db
from tracker.models import Plan

SECOND_PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "second-plan.yaml"

READERS = ["viewer", "leader", "admin", "gxj", "swj", "kjj"]
READS = [
    "/api/v1/plan",
    "/api/v1/items/T1",
    "/api/v1/departments",
    "/api/v1/indicators",
    "/api/v1/updates",
]


@pytest.mark.parametrize("who", READERS)
def test_every_role_reads_every_endpoint(api: Api, who: str) -> None:
    for path in [*READS, f"/api/v1/milestones/{milestone('T1-3').id}"]:
        response = api.get(path, who)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert response.mimetype == "application/json"
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", READS)
def test_without_a_token_the_answer_is_401_problem_never_a_redirect(api: Api, path: str) -> None:
    response = api.get(path, None)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem = response.get_json(force=True)
    assert problem["status"] == 401
    assert problem["title"]
    assert problem["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer pt_" + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer", "bearer  "],
)
def test_a_wrong_token_is_refused(api: Api, header: str) -> None:
    response = api.get("/api/v1/plan", None, headers={"Authorization": header})
    assert response.status_code == 401


def test_a_session_cookie_does_not_open_the_api(api: Api) -> None:
    login(api.client, "viewer")
    assert api.client.get("/plans/shinan-2020/").status_code == 200
    response = api.client.get("/api/v1/plan")
    assert response.status_code == 401


def test_plan_has_groups_items_and_milestones(api: Api) -> None:
    plan = api.get("/api/v1/plan").get_json()
    assert plan["code"] == "shinan-2020"
    assert {"progress", "expected_progress", "status", "groups", "as_of"} <= plan.keys()
    kinds = {group["kind"] for group in plan["groups"]}
    assert len(kinds) >= 2
    items = {item["code"]: item for group in plan["groups"] for item in group["items"]}
    t1 = items["T1"]
    assert t1["lead_department"] == "gxj"
    assert t1["title"]["zh"]
    assert t1["title"]["en"]
    assert isinstance(t1["supporting_departments"], list)
    t13 = next(m for m in t1["milestones"] if m["code"] == "T1-3")
    assert t13["department"] == "gxj"
    assert t13["version"] == milestone("T1-3").version
    assert {"id", "due", "baseline_due", "status", "reported_status", "progress"} <= t13.keys()


def test_plan_as_of_a_past_day_is_rebuilt_from_history(api: Api) -> None:
    before = api.get("/api/v1/plan?as_of=2020-01-01").get_json()
    assert before["as_of"] == "2020-01-01"
    now = api.get("/api/v1/plan").get_json()
    assert before["progress"] <= now["progress"]
    assert before["expected_progress"] < now["expected_progress"]


@pytest.mark.parametrize(
    "raw", ["yesterday", "2020-13-01", "2020-02-30", "1-1-1", "0001-01-01", ""]
)
def test_a_bad_as_of_is_a_422_problem(api: Api, raw: str) -> None:
    response = api.get(f"/api/v1/plan?as_of={raw}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["errors"][0]["field"] == "as_of"
    assert "YYYY-MM-DD" in problem["detail"] or "2000" in problem["detail"]


def test_problem_detail_follows_accept_language(api: Api) -> None:
    english = api.get("/api/v1/items/NOPE", headers={"Accept-Language": "en-GB,en;q=0.9"})
    chinese = api.get("/api/v1/items/NOPE")
    assert english.status_code == chinese.status_code == 404
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh"
    assert english.get_json(force=True)["detail"] == "There is nothing at this address."


def test_unknown_things_are_404_problems(api: Api) -> None:
    for path in [
        "/api/v1/items/ZZ9",
        "/api/v1/milestones/999999",
        "/api/v1/milestones/99999999999999999999",
        "/api/v1/nothing-here",
        "/api/v1/items/%00",
    ]:
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json", path


def test_wrong_method_is_a_405_problem(api: Api) -> None:
    response = api.call("DELETE", "/api/v1/plan")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_milestone_shows_its_pending_report(api: Api) -> None:
    m = milestone("T1-3")
    sent = {"status": "on_track", "progress": 70, "note": "70%", "version": m.version}
    report = api.post(f"/api/v1/milestones/{m.id}/updates", json=sent).get_json()
    shown = api.get(f"/api/v1/milestones/{m.id}", "viewer").get_json()
    assert shown["pending_report"] == report["id"]
    assert shown["progress"] != 70  # pending: it does not count yet


def test_indicators_have_targets_and_measurements(api: Api) -> None:
    indicators = api.get("/api/v1/indicators").get_json()["indicators"]
    first = indicators[0]
    assert first["targets"]
    assert first["measurements"]
    assert {"zh", "en"} == first["name"].keys()


def test_departments_list_codes(api: Api) -> None:
    codes = {d["code"] for d in api.get("/api/v1/departments").get_json()["departments"]}
    assert {"gxj", "swj", "wlj", "kjj"} <= codes


def test_updates_page_through_with_a_cursor(api: Api) -> None:
    seen: list[int] = []
    url = "/api/v1/updates?limit=7"
    pages = 0
    while url:
        page = api.get(url).get_json()
        pages += 1
        seen.extend(row["id"] for row in page["updates"])
        cursor = page["next_cursor"]
        url = f"/api/v1/updates?limit=7&cursor={cursor}" if cursor else ""
    assert pages > 1
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    everything = api.get("/api/v1/updates?limit=200").get_json()["updates"]
    assert seen[: len(everything)] == [row["id"] for row in everything]


def test_updates_filter_by_item_and_since(api: Api) -> None:
    rows = api.get("/api/v1/updates?item=T1&limit=200").get_json()["updates"]
    assert rows
    assert {row["item"] for row in rows} == {"T1"}
    later = api.get("/api/v1/updates?since=2030-01-01").get_json()["updates"]
    assert later == []
    assert api.get("/api/v1/updates?item=ZZ9").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=abc",
        "limit=99999999999",
        "cursor=%%%",
        "cursor=dTk5OTk5OTk5OTk5OTk",
        "cursor=",
        "cursor=-1",
        "cursor=12345678901",
        "since=soon",
    ],
)
def test_bad_update_queries_are_422(api: Api, query: str) -> None:
    response = api.get(f"/api/v1/updates?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    db.session.expire_all()


def test_a_cursor_past_the_last_row_is_an_empty_last_page(api: Api) -> None:
    page = api.get("/api/v1/updates?cursor=9999999999").get_json()
    assert page == {"updates": [], "next_cursor": None}


def test_plans_are_listed_and_each_has_its_own_paths(api: Api) -> None:
    load_plan(SECOND_PLAN)
    listed = api.get("/api/v1/plans").get_json()["plans"]
    assert [(p["code"], p["state"]) for p in listed] == [
        ("digital-2021", "active"),
        ("shinan-2020", "active"),
    ]
    assert {"progress", "expected_progress", "status", "status_counts"} <= set(listed[0])
    default = api.get("/api/v1/plan").get_json()
    assert api.get("/api/v1/plans/shinan-2020").get_json() == default
    digital = api.get("/api/v1/plans/digital-2021").get_json()
    assert digital["code"] == "digital-2021"
    assert [i["code"] for g in digital["groups"] for i in g["items"]] == ["T1", "D2"]
    item = api.get("/api/v1/plans/digital-2021/items/T1").get_json()
    assert item["title"]["zh"] == "数据中心升级"
    assert api.get("/api/v1/items/T1").get_json()["title"]["zh"] == "网络设施筑基"
    rows = api.get("/api/v1/plans/digital-2021/updates?limit=200").get_json()["updates"]
    assert rows
    assert {r["item"] for r in rows} <= {"T1", "D2"}
    codes = {
        i["code"] for i in api.get("/api/v1/plans/digital-2021/indicators").get_json()["indicators"]
    }
    assert "5g-base-stations" not in codes
    assert api.get("/api/v1/plans/nowhere").status_code == 404
    assert api.get("/api/v1/plans/nowhere/items/T1").status_code == 404


def test_a_closed_plans_item_keeps_the_figures_of_the_day_it_closed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_plan(SECOND_PLAN)
    closing = datetime(2022, 3, 1, 4, tzinfo=UTC)
    monkeypatch.setattr("tracker.clock.utcnow", lambda: closing)
    at_close = api.get("/api/v1/plans/digital-2021/items/T1").get_json()
    milestone_at_close = api.get(f"/api/v1/milestones/{at_close['milestones'][1]['id']}")
    db.session.execute(
        sa.update(Plan)
        .where(Plan.code == "digital-2021")
        .values(state="closed", closed_on=date(2022, 3, 1))
    )
    db.session.commit()
    monkeypatch.setattr("tracker.clock.utcnow", lambda: closing + timedelta(days=365))
    later = api.get("/api/v1/plans/digital-2021/items/T1").get_json()
    assert later["expected_progress"] == at_close["expected_progress"]
    assert later["milestones"] == at_close["milestones"]
    milestone_later = api.get(f"/api/v1/milestones/{at_close['milestones'][1]['id']}")
    assert milestone_later.get_json() == milestone_at_close.get_json()
    active = api.get("/api/v1/items/T1").get_json()  # Shinan's moves on with the clock
    assert active["expected_progress"] == 100.0


def test_items_milestones_targets_and_facts_say_where_they_come_from(api: Api) -> None:
    """The API tells report facts from sample data, as the item page does."""
    plan = api.get("/api/v1/plan", "viewer").get_json()
    items = {i["code"]: i for g in plan["groups"] for i in g["items"]}
    t1 = items["T1"]
    assert t1["source"] == "sample"  # its departments and dates are sample data
    milestones = {m["code"]: m for m in t1["milestones"]}
    assert (milestones["T1-3"]["source"], milestones["T1-1"]["source"]) == ("sample", "report")
    # Done by the report's date, the day not given: not counted as on time.
    assert milestones["T1-1"]["completed_on"] == "2020-09-25"
    assert milestones["T1-1"]["completed_on_exact"] is False
    assert milestones["T1-1"]["timeliness"] == "date_unknown"
    forum = next(m for m in items["A1"]["milestones"] if m["code"] == "A1-2")
    assert (forum["completed_on_exact"], forum["timeliness"]) == (True, "on_time")
    facts = items["T3"]["facts"]
    alliance = next(f for f in facts if "6位院士" in f["text"]["zh"])
    assert (alliance["date"], alliance["date_precision"], alliance["source"]) == (
        "2019",
        "year",
        "report",
    )
    one = api.get("/api/v1/items/P1", "viewer").get_json()
    assert [(f["date"], f["date_precision"]) for f in one["facts"]][:1] == [("2019-06", "month")]
    assert one["source"] == "sample"
    indicators = api.get("/api/v1/indicators", "viewer").get_json()["indicators"]
    stations = next(i for i in indicators if i["code"] == "5g-base-stations")
    assert [t["source"] for t in stations["targets"]] == ["report", "report"]
    hqs = next(i for i in indicators if i["code"] == "regional-hqs")
    assert {t["source"] for t in hqs["targets"]} == {"sample"}
