"""Big-screen tokens and credentials never reach an access log."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tracker.log_redaction import RedactScreenTokens, redact

TOKEN = "s3cr3t-Screen-Token-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[1]


def test_redact_replaces_the_token_in_any_request_line() -> None:
    line = f'"GET /screen/{TOKEN}?x=1 HTTP/1.1" 200'
    assert TOKEN not in redact(line)
    assert "/screen/[redacted]?x=1" in redact(line)
    assert redact("GET /items/T1 HTTP/1.1") == "GET /items/T1 HTTP/1.1"


def test_the_development_server_log_is_filtered(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.werkzeug.redaction")
    logger.addFilter(RedactScreenTokens())
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info('%s - - "%s" %s', "127.0.0.1", f"GET /screen/{TOKEN} HTTP/1.1", "404")
    assert TOKEN not in caplog.text
    assert "/screen/[redacted]" in caplog.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_keeps_no_token_and_no_credentials(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "TRACKER_SECRET_KEY": "test",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf",
        "--access-logfile", str(log),
        "--access-logformat", '%(r)s %(s)s %({authorization}i)s',
        "-b", f"127.0.0.1:{port}", "-w", "1", "tracker:create_app()",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/screen/{TOKEN}", headers={"Authorization": "Bearer pt_x"}
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "/screen/[redacted]" in text
    assert TOKEN not in text
    assert "pt_x" not in text
