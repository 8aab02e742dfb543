"""The OpenAPI document is valid OpenAPI 3.1 and describes every /api/ route."""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate

from tests.api.conftest import Api


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
    """A client that validates against the document must not send a day the server refuses."""
    spec = api.get("/api/v1/openapi.json", None).get_json()
    completed_on = spec["components"]["schemas"]["MilestoneUpdate"]["properties"]["completed_on"]
    pattern = re.compile(completed_on["pattern"])
    assert pattern.match("2021-06-30")
    assert pattern.match("2100-12-31")
    assert not pattern.match("2294-10-27")
    assert not pattern.match("1999-12-31")
    response = api.post(
        "/api/v1/milestones/1/updates",
        json={"status": "done", "progress": 100, "version": 1, "completed_on": "2294-10-27"},
    )
    assert response.status_code in {404, 422}
