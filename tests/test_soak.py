"""A 15-second soak in every test run: 4 gunicorn workers, 20 clients, every kind of write."""

from __future__ import annotations

import os

from tests.soak import soak


def test_a_short_soak_loses_no_write_and_answers_no_5xx() -> None:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL", "")
    result = soak("postgresql" if url.startswith("postgresql") else "sqlite", seconds=15)
    assert result["server_errors"] == 0, result
    assert result["problems"] == [], result
    accepted = result["accepted"]
    assert isinstance(accepted, dict)
    assert accepted["reports"] > 0, result
