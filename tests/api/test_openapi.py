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
