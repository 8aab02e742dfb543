"""The OpenAPI document is valid OpenAPI 3.1 and describes every /api/ route."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.api.conftest import Api, milestone
from tracker.clock import today
from tracker.domain.dates import EARLIEST, days_pattern


def test_document_is_valid_openapi_3_1(api: Api) -> None:
    response = api.client.get("/api/v1/openapi.json")  # no token needed
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_is_described(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    described = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes == described


def test_docs_page_lists_operations_offline(api: Api) -> None:
    html = api.client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/milestones/{milestone_id}/updates" in html
    assert 'id="problem-stale-version"' in html
    assert "cdn" not in html.lower()


def test_the_date_bounds_the_server_enforces_are_in_the_document(api: Api) -> None:
    """A client that validates against the document must not send a day the server refuses:
    days of a report may not be after today, and the document of each day says which."""
    spec = api.get("/api/v1/openapi.json", None).get_json()
    schemas = spec["components"]["schemas"]
    with api.client.application.test_request_context():
        now = today()
    tomorrow = now + timedelta(days=1)
    for body, field in (("MilestoneUpdate", "completed_on"), ("MeasurementInput", "date")):
        pattern = re.compile(schemas[body]["properties"][field]["pattern"])
        assert pattern.match("2000-01-01")
        assert pattern.match(now.isoformat())
        assert not pattern.match(tomorrow.isoformat())
        assert not pattern.match("1999-12-31")
    as_of = re.compile(spec["paths"]["/api/v1/plan"]["get"]["parameters"][0]["schema"]["pattern"])
    assert as_of.match("2100-12-31")
    assert not as_of.match("2101-01-01")
    late = api.post(
        f"/api/v1/milestones/{milestone('T1-3').id}/updates",
        json={"status": "done", "progress": 100, "version": 1, "completed_on": "2294-10-27"},
    )
    assert late.status_code == 422
    assert [e["field"] for e in late.get_json()["errors"]] == ["completed_on"]


@pytest.mark.parametrize("day", range(-3, 400, 7))
def test_the_published_day_pattern_is_exactly_the_days_allowed(day: int) -> None:
    last = date(2026, 11, 30) + timedelta(days=day)
    pattern = re.compile(days_pattern(EARLIEST, last))
    probe = date(1999, 12, 1)
    while probe <= date(2101, 1, 31):
        assert bool(pattern.match(probe.isoformat())) == (EARLIEST <= probe <= last), probe
        probe += timedelta(days=1)


def test_rules_between_fields_are_in_the_document_and_kept_by_the_server(api: Api) -> None:
    """The schema's if/then rules and the domain's rules refuse the same bodies."""
    schema = api.get("/api/v1/openapi.json", None).get_json()["components"]["schemas"]
    update = schema["MilestoneUpdate"]
    validator = Draft202012Validator(update)
    t13 = milestone("T1-3")
    refused = [
        {"status": "delayed", "progress": 10, "version": t13.version},
        {"status": "at_risk", "progress": 10, "version": t13.version, "note": " \u3000\n"},
        {"status": "done", "progress": 100, "version": t13.version},
        {
            "status": "on_track",
            "progress": 10,
            "version": t13.version,
            "completed_on": "2020-01-02",
        },
    ]
    for body in refused:
        assert not validator.is_valid(body), body
        response = api.post(f"/api/v1/milestones/{t13.id}/updates", json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
    accepted = {"status": "delayed", "progress": 10, "version": t13.version, "note": "缺资金"}
    assert validator.is_valid(accepted)
    assert api.post(f"/api/v1/milestones/{t13.id}/updates", json=accepted).status_code == 201


def test_a_report_links_to_its_milestone_and_back(api: Api) -> None:
    """The links schemathesis's stateful phase (and a client) follows."""
    paths = api.get("/api/v1/openapi.json", None).get_json()["paths"]
    create = paths["/api/v1/milestones/{milestone_id}/updates"]["post"]["responses"]["201"]
    assert create["links"]["TheMilestone"] == {
        "operationId": "getMilestone",
        "parameters": {"milestone_id": "$response.body#/milestone"},
    }
    read = paths["/api/v1/milestones/{milestone_id}"]["get"]["responses"]["200"]
    assert read["links"]["ReportOnIt"]["operationId"] == "postMilestoneUpdate"
    assert read["links"]["ReportOnIt"]["requestBody"] == {"version": "$response.body#/version"}


def test_every_error_status_is_described_with_a_problem_body(api: Api) -> None:
    paths = api.get("/api/v1/openapi.json", None).get_json()["paths"]
    write = paths["/api/v1/milestones/{milestone_id}/updates"]["post"]["responses"]
    assert set(write) == {"201", "400", "401", "403", "404", "409", "413", "415", "422"}
    for status, described in write.items():
        if status != "201":
            assert described["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
