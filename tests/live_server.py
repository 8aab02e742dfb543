"""The app served for real, for tests that talk to it over HTTP: the soak and the API contract.

Each run takes a database of its own (a SQLite file in a temporary directory, or a scratch
PostgreSQL database) and gunicorn on a free local port, configured as in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests
from flask_migrate import upgrade

from tests.databases import LOCAL_POSTGRES, scratch_postgres
from tracker import create_app
from tracker.domain.planfile import parse_plan_file
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.services.commands.plan_sync import sync_plan

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def shinan_database(url: str, note: str) -> Iterator[Who]:
    """Migrate the database at ``url`` and load the Shinan plan through the app's own
    services; the block makes its accounts as the answered ``Who`` and all is committed after.
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": note})
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        sync_plan(parse_plan_file(ROOT / "tracker/plans/shinan-2020.yaml"), now=now, note=note)
        yield Who(now)
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    url: str,
    workers: int,
    workdir: Path,
    timeout: int = 60,
    *,
    root: Path = ROOT,
    secret_key: str | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[str]:
    """The app under gunicorn on a free local port; stopped when the block ends.

    ``timeout``: seconds a worker may spend on one request before gunicorn restarts it.
    ``root``: the checkout served (a copy of this one, for a second app machine);
    ``secret_key`` and ``settings`` (more ``TRACKER_*`` variables) as on that machine.
    """
    port = free_port()
    env = {
        **os.environ,
        "TRACKER_DATABASE_URL": url,
        "TRACKER_SECRET_KEY": secret_key or "live-" + uuid.uuid4().hex,
        "TRACKER_ENV": "production",
        "PYTHONPATH": str(root),
        **(settings or {}),
    }
    command = [
        sys.executable, "-m", "gunicorn", "-c", "python:tracker.gunicorn_conf",
        "--access-logfile", str(workdir / "access.log"), "--error-logfile",
        str(workdir / "error.log"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--timeout", str(timeout), "tracker:create_app()",
    ]  # fmt: skip
    # The app's own request lines (standard error) go to a file beside gunicorn's logs.
    app_log = (workdir / "app.log").open("ab")
    server = subprocess.Popen(command, cwd=root, env=env, stderr=app_log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start; see {workdir / 'error.log'} and app.log")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        app_log.close()


@contextmanager
def database(engine: str, workdir: Path, prefix: str = "tracker_live") -> Iterator[str]:
    """A new database for this run: a SQLite file, or a scratch PostgreSQL database."""
    if engine == "sqlite":
        yield f"sqlite:///{workdir / 'tracker.sqlite3'}"
        return
    given = os.environ.get("TRACKER_TEST_DATABASE_URL", "")
    with scratch_postgres(
        given if given.startswith("postgresql") else LOCAL_POSTGRES, prefix
    ) as url:
        yield url
