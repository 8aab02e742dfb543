"""Security headers: a policy on every page, no inline script anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import create_user, signed_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _assert_hardened(headers: dict[str, str] | object) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/login", "/nowhere"])
def test_anonymous_pages_carry_the_policy(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    _assert_hardened(response.headers)
    assert "Strict-Transport-Security" not in response.headers


def test_signed_in_pages_and_the_api_carry_the_headers(seeded: Flask) -> None:
    create_user("leader", "leader")
    client = signed_in(seeded, "leader")
    for path in (
        "/plans/shinan-2020/",
        "/plans/shinan-2020/items/T1",
        "/plans/shinan-2020/ledger.xlsx",
        "/api/v1/openapi.json",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_hardened(response.headers)
    assert "Content-Security-Policy" in client.get("/plans/shinan-2020/").headers


def test_hsts_only_with_secure_cookies(make_app) -> None:
    secure = make_app(SESSION_COOKIE_SECURE=True)
    response = secure.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_big_screen_keeps_its_stricter_referrer_policy(app: Flask) -> None:
    response = app.test_client().get("/screen/" + "x" * 43)
    assert response.status_code == 404
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_template_runs_inline_script() -> None:
    """Scripts come from static files; data for them travels as JSON (type application/json)."""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offending.append(f"{template.name}: {tag}")
        offending += [f"{template.name}: {h}" for h in re.findall(r"\son[a-z]+=\"", text)]
        offending += [f"{template.name}: javascript:" for _ in re.findall("javascript:", text)]
    assert offending == []
