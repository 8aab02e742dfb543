"""`make serve`: from a checkout where make never ran, the production profile builds what it
needs and serves the UI in Chinese; without TRACKER_SECRET_KEY it refuses to start.

The checkout is a copy of this one without compiled catalogs or ``instance/``. Its ``.venv`` is
a link to the virtualenv running the tests, which must not be rebuilt: make is told to take
the install step as done (``-o .venv/.installed``); everything after it runs for real.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests

from tests.live_server import ROOT, free_port

pytestmark = pytest.mark.skipif(
    sys.prefix == sys.base_prefix or shutil.which("make") is None,
    reason="needs make and a virtualenv to link into the copied checkout",
)

MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"]
STARTUP_SECONDS = 90  # (it compiles catalogs and migrates first; a busy CI machine is slow)
CATALOG = Path("tracker/translations/zh/LC_MESSAGES/messages.mo")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The project as a fresh clone has it: sources, no .mo files, no instance/."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    shutil.copytree(
        ROOT / "tracker", copy / "tracker", ignore=shutil.ignore_patterns("*.mo", "__pycache__")
    )
    for name in ("Makefile", "setup.cfg", "pyproject.toml"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("templates", "static", "migrations"):
        (copy / name).symlink_to(ROOT / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This process's environment without TRACKER_ settings or make's, plus ``settings``."""
    left_out = {"WEB_CONCURRENCY", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}  # under `make test`
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TRACKER_") and name not in left_out
    }
    return {
        **kept,
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        **settings,
    }


@contextmanager
def serving(checkout: Path, env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """`make serve` on ``port``; its process group is stopped when the block ends."""
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*MAKE, f"BIND=127.0.0.1:{port}", "WORKERS=1"],
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"make serve exited ({server.returncode}):\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"make serve did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        stop_group(server)


def stop_group(server: subprocess.Popen[bytes]) -> None:
    """Stop make and gunicorn (its own process group) and wait until every process is gone."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)


def test_make_serve_builds_the_catalogs_migrates_and_serves_in_chinese(
    checkout: Path, tmp_path: Path
) -> None:
    assert not (checkout / CATALOG).exists()
    env = environment(tmp_path, TRACKER_SECRET_KEY="serve-test-key")
    log = tmp_path / "serve.log"
    with serving(checkout, env, free_port(), log) as base:
        health = requests.get(base + "/healthz", timeout=5)
        login = requests.get(base + "/login", timeout=5)
    assert health.status_code == 200
    assert health.text == "ok"
    assert login.status_code == 200
    assert ">登录</h1>" in login.text  # "Sign in", from the catalog make compiled
    assert (checkout / CATALOG).exists()
    output = log.read_text()
    assert "GET /healthz" in output  # the access log goes to standard output
    assert "Traceback" not in output


def test_make_serve_refuses_to_start_without_a_secret_key(checkout: Path, tmp_path: Path) -> None:
    env = environment(tmp_path)
    done = subprocess.run(
        MAKE, cwd=checkout, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode != 0
    assert "TRACKER_SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (checkout / CATALOG).exists()  # refused before building anything
    assert not (tmp_path / "serve.sqlite3").exists()


def test_the_gunicorn_profile_alone_refuses_to_start_without_a_secret_key(
    tmp_path: Path,
) -> None:
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf",
        "-b", f"127.0.0.1:{free_port()}", "tracker:create_app()",
    ]  # fmt: skip
    env = environment(tmp_path, TRACKER_ENV="production")
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode != 0
    assert "TRACKER_SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr
