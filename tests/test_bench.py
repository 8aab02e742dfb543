"""A smoke run of `make bench` in every test run: seed size, SQLite, 1 s per page.

It checks the harness, not the speed: every page is measured (requests/s > 0), wrk was
answered the page itself (bytes per answer match its size: no redirect to /login), and no
answer was a non-2xx/3xx. `make test` installs wrk (bench-deps); elsewhere it may be missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.bench import bench


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is missing: `make bench-deps`")
def test_a_tiny_bench_measures_every_page_as_itself(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    bench(["sqlite"], ["seed"], seconds=1, out=out)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["problems"] == [], results["problems"]
    (run,) = results["runs"]
    pages = {page["name"]: page for page in run["pages"]}
    assert {
        "/healthz",
        "/",
        "/?as_of=2021-06-30",
        "/my",
        "big screen",
        "/board/ledger.xlsx",
        "GET /api/v1/plan",
        "API report submissions",
    } <= set(pages)
    assert any(name.startswith("/items/") for name in pages)
    for page in run["pages"]:
        assert page["requests_per_second"] > 0, page
        assert page["non_2xx_3xx"] == 0, page
        assert page["socket_errors"] == 0, page
        assert page["sql_statements"] is not None, page
    for page in run["pages"][:-1]:  # the wrk-driven ones, answered as the page itself
        assert 0.95 * page["page_bytes"] <= page["bytes_per_answer"] <= page["page_bytes"] + 2048, (
            page
        )
    assert pages["/my"]["page_bytes"] > 3000  # a department lead's page, not the sign-in page
    assert results["machine"]["cores"]
    assert results["targets"]
