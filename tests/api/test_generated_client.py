"""A client generated from the document (openapi-python-client), as an integrating office
would make one, reads the plan and submits a report.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

from tests.api.conftest import Api, milestone
from tracker.extensions import db
from tracker.models import Report

PACKAGE = "plan_tracker_client"


@pytest.fixture
def generated(api: Api, tmp_path: Path) -> Iterator[Callable[[str], ModuleType]]:
    """The generated package, built from the document this app serves; its modules by name."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(api.client.get("/api/v1/openapi.json").get_json()))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(generator), "generate", "--path", str(document), "--meta", "none",
         "--output-path", str(tmp_path / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def in_own_context(app: Flask) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """The app as a WSGI callable that gives each request its own app context (the test's
    own context stays open around it), as a server would.
    """

    def call(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with app.app_context():
            return list(app(environ, start_response))

    return call


def test_a_generated_client_reads_the_plan_and_submits_a_report(
    api: Api, generated: Callable[[str], ModuleType]
) -> None:
    client_module = generated("client")
    client = client_module.AuthenticatedClient(
        base_url="http://tracker.test",
        token=api.tokens["gxj"],
        httpx_args={"transport": httpx.WSGITransport(app=in_own_context(api.client.application))},
        raise_on_unexpected_status=True,
    )
    plan = generated("api.default.get_plan").sync(client=client)
    assert plan.code == "shinan-2020"
    assert [len(g.items) for g in plan.groups] == [3, 4, 6]

    t13 = milestone("T1-3")
    read = generated("api.default.get_milestone").sync(t13.id, client=client)
    assert (read.code, read.version) == ("T1-3", t13.version)

    models = generated("models")
    body = models.MilestoneUpdate(
        status=models.MilestoneUpdateStatus.ON_TRACK,
        progress=80,
        version=read.version,
        note="通过生成的客户端报送。",
    )
    report = generated("api.default.post_milestone_update").sync(t13.id, client=client, body=body)
    assert isinstance(report, models.Report), report
    assert (report.state, report.progress, report.milestone) == ("submitted", 80, t13.id)

    again = generated("api.default.post_milestone_update").sync(t13.id, client=client, body=body)
    assert isinstance(again, models.Problem)
    # The same body again was read before the report: stale, with the version to read now.
    assert (again.status, again.type_) == (409, "/api/v1/docs#problem-stale-version")
    assert again.current_version > read.version

    db.session.expire_all()
    stored = db.session.get(Report, report.id)
    assert stored is not None
    assert (stored.progress, stored.note) == (80, "通过生成的客户端报送。")
