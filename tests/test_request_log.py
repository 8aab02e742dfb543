"""Request logs: every answer carries its request id, and one line per request says who asked
for what, how it ended and how long it took, without any secret.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD, create_user, csrf_token, login
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import User
from tracker.request_log import logged_path
from tracker.services.commands.screens import create_link
from tracker.services.commands.tokens import create_token

NEW_ID = re.compile(r"[0-9a-f]{32}")
TEXT_LINE = re.compile(
    r"(?P<time>\S+) (?P<request_id>\S+) user=(?P<user_id>\S+) (?P<method>[A-Z]+) "
    r"(?P<path>\S+) (?P<status>\d{3}) (?P<duration_ms>\d+(\.\d+)?)ms"
)
ROOT = Path(__file__).resolve().parents[1]


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracker.requests"]


def parsed(line: str) -> dict[str, str]:
    match = TEXT_LINE.fullmatch(line)
    assert match, line
    return match.groupdict()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record of every logger, down to DEBUG."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="tracker.requests")  # whatever set it before
    return caplog


@pytest.fixture
def admin(app: Flask) -> User:
    return create_user("boss", "admin")


def screen_token(admin: User) -> str:
    _link, token = create_link(Who(now=datetime(2020, 10, 1, tzinfo=UTC), actor=admin), label="R3")
    db.session.commit()
    return token


def api_token(user: User) -> str:
    _row, token = create_token(
        Who(now=datetime(2020, 10, 1, tzinfo=UTC), actor=user), user, label="s"
    )
    db.session.commit()
    return token


def shown_id(response: TestResponse) -> str:
    request_id = response.headers.get("X-Request-Id", "")
    assert NEW_ID.fullmatch(request_id), response.headers
    return request_id


# The header


def test_a_page_answers_with_a_new_request_id(client: FlaskClient) -> None:
    first, second = client.get("/login"), client.get("/login")
    assert first.status_code == 200
    assert shown_id(first) != shown_id(second)


def test_a_404_page_shows_the_id_it_answers_with(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert shown_id(response) in response.get_data(as_text=True)


def test_a_500_page_shows_the_id_and_the_log_has_it(
    app: Flask, client: FlaskClient, logs: pytest.LogCaptureFixture
) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.view_functions["health.healthz"] = broken
    response = client.get("/healthz", headers={"Accept": "text/html"})
    assert response.status_code == 500
    request_id = shown_id(response)
    page = response.get_data(as_text=True)
    assert request_id in page
    assert "请求编号" in page  # in the visitor's language (Chinese by default)
    (line,) = request_lines(logs)
    assert parsed(line)["request_id"] == request_id
    assert parsed(line)["status"] == "500"


def test_an_api_problem_carries_the_header(client: FlaskClient) -> None:
    response = client.get("/api/v1/plans")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    shown_id(response)


def test_an_api_routing_error_carries_the_header(client: FlaskClient) -> None:
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    shown_id(response)


def test_a_redirect_and_a_304_carry_the_header(seeded: Flask, admin: User) -> None:
    client = seeded.test_client()
    redirect = client.get("/")
    assert redirect.status_code == 302
    shown_id(redirect)
    client = seeded.test_client()  # (without the flash the redirect left: never a 304)
    path = f"/screen/{screen_token(admin)}"
    tag = client.get(path).headers["ETag"]
    response = client.get(path, headers={"If-None-Match": tag})
    assert response.status_code == 304
    shown_id(response)


@pytest.mark.parametrize(
    "sent", ["proxy-id.0123", "A" * 64, "f47ac10b-58cc-4372-a567-0e02b2c3d479"]
)
def test_a_safe_id_from_the_proxy_is_kept(client: FlaskClient, sent: str) -> None:
    response = client.get("/no/such/page", headers={"X-Request-Id": sent})
    assert response.headers["X-Request-Id"] == sent
    assert sent in response.get_data(as_text=True)


@pytest.mark.parametrize("sent", ["short", "A" * 65, "<script>alert(1)</script>", "id with spaces"])
def test_an_unsafe_id_from_the_proxy_is_replaced(client: FlaskClient, sent: str) -> None:
    response = client.get("/no/such/page", headers={"X-Request-Id": sent})
    assert shown_id(response) != sent
    assert sent not in response.get_data(as_text=True)


# The log line


def test_one_line_per_request_with_user_status_and_duration(
    app: Flask, admin: User, logs: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    login(client, "boss")
    logs.clear()
    response = client.get("/profile")
    missing = client.get("/no/such/page")
    first, second = (parsed(line) for line in request_lines(logs))
    assert first == first | {
        "request_id": response.headers["X-Request-Id"],
        "user_id": str(admin.id),
        "method": "GET",
        "path": "/profile",
        "status": str(response.status_code),
    }
    assert float(first["duration_ms"]) > 0
    assert second["request_id"] == missing.headers["X-Request-Id"]
    assert second["status"] == "404"


def test_an_anonymous_request_is_logged_without_a_user(
    client: FlaskClient, logs: pytest.LogCaptureFixture
) -> None:
    client.get("/")
    (line,) = request_lines(logs)
    assert parsed(line) | {"time": "", "request_id": "", "duration_ms": ""} == {
        "time": "",
        "request_id": "",
        "user_id": "-",
        "method": "GET",
        "path": "/",
        "status": "302",
        "duration_ms": "",
    }


def test_json_lines_when_configured(
    make_app: Callable[..., Flask], admin: User, logs: pytest.LogCaptureFixture
) -> None:
    client = make_app(TRACKER_LOG_FORMAT="json").test_client()
    login(client, "boss")
    logs.clear()
    response = client.get("/profile?lang=en")
    (line,) = request_lines(logs)
    record = json.loads(line)
    assert set(record) == {
        "time",
        "request_id",
        "user_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert record["request_id"] == response.headers["X-Request-Id"]
    assert record["user_id"] == str(admin.id)
    assert (record["method"], record["path"], record["status"]) == ("GET", "/profile", 200)
    assert isinstance(record["duration_ms"], float)
    datetime.fromisoformat(record["time"])


def test_a_path_cannot_break_the_line() -> None:
    assert logged_path('/items/a b\n"x"') == "/items/a%20b%0A%22x%22"
    assert logged_path("/screen/tok en") == "/screen/[redacted]"


# No secrets


def test_no_password_token_or_screen_secret_reaches_any_log(
    seeded: Flask, admin: User, logs: pytest.LogCaptureFixture
) -> None:
    password = "Pa55-word-that-must-stay-out"
    bearer = api_token(admin)
    screen = screen_token(admin)
    create_user("writer", "viewer", password=password)
    client = seeded.test_client()
    form = {"username": "writer", "password": password, "csrf_token": csrf_token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302
    api = seeded.test_client()
    assert (
        api.get("/api/v1/plans", headers={"Authorization": f"Bearer {bearer}"}).status_code == 200
    )
    assert api.get(f"/screen/{screen}").status_code == 200
    assert api.get(f"/screen/{screen}?lang=en&t={screen}").status_code == 200

    for secret in (password, PASSWORD, bearer, screen):
        assert secret not in logs.text
    lines = [parsed(line) for line in request_lines(logs)]
    writer = db.session.scalar(db.select(User).filter_by(username="writer"))
    assert writer is not None
    sign_in, call, *screens = lines[1:]
    assert (sign_in["method"], sign_in["user_id"]) == ("POST", str(writer.id))
    assert (call["path"], call["user_id"]) == ("/api/v1/plans", str(admin.id))
    assert [s["path"] for s in screens] == ["/screen/[redacted]"] * 2


# Gunicorn


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_under_gunicorn_both_logs_carry_the_request_id(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TRACKER_LOG_FORMAT": "json",
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf",
        "-b", f"127.0.0.1:{port}", "-w", "1", "tracker:create_app()",
    ]  # fmt: skip
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                    break
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.1)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/screen/{'t' * 43}",
                headers={"X-Request-Id": "from-the-proxy-42"},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            refused.value.close()
            assert refused.value.headers["X-Request-Id"] == "from-the-proxy-42"
        finally:
            server.terminate()
            server.wait(timeout=10)
    access = [line for line in out.read_text().splitlines() if "/screen/" in line]
    assert len(access) == 1
    assert access[0].endswith(" from-the-proxy-42")
    assert "t" * 43 not in access[0]
    app_lines = [json.loads(line) for line in err.read_text().splitlines() if line.startswith("{")]
    (screen,) = [line for line in app_lines if line["request_id"] == "from-the-proxy-42"]
    status = refused.value.code  # (the database is not even migrated: whatever the answer)
    assert (screen["path"], screen["status"], screen["user_id"]) == (
        "/screen/[redacted]",
        status,
        "-",
    )
