"""Benchmark: gunicorn with 2 workers, each page driven by wrk, at the seed size and at scale.

``python -m tests.bench [--seconds S] [--sizes seed,large] [--engines sqlite,postgresql]
[--out bench/results.json]`` (``make bench`` runs it). For each engine and size it builds a
scratch database (a SQLite file in a temporary directory, or a scratch PostgreSQL database
on the local server, skipped when that cannot be reached), starts gunicorn with 2 workers,
signs in over HTTP as the leader and as a department lead, and drives each page with
``wrk -t1 -c8``: requests/s, p50 and p99, bytes per answer, and its throughput as a ratio of
``/healthz`` measured in the same run. SQL statements per request are counted in-process
(Flask test client, same database) on one warm request of each page. Cold timings are the
first request after a write; API report submissions are 8 clients, each on a milestone of
its own. It prints a table per run and a line per target of issue 12 (met or not: a missed
target does not fail the run), and writes everything with the machine to ``--out``.

The run fails (exit 1) when a figure cannot be believed: an answer other than 200 to the
direct request of a page, a bytes-per-answer figure far from the page's real size (wrk
counts a redirect to ``/login`` as a success: see /work/shared/BENCH.md), any non-2xx/3xx
answer or socket error in wrk, or a refused report submission.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from tests.live_server import ROOT, database, gunicorn, shinan_database
from tracker import create_app
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Plan
from tracker.services.commands.accounts import create_user
from tracker.services.commands.screens import create_link
from tracker.services.commands.tokens import create_token

PASSWORD = "bench-password-2020"
USER_AGENT = "plan-tracker-bench/1 (wrk)"
CLIENTS = 8  # wrk connections, and concurrent API clients
AS_OF = "2021-06-30"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The large size of issue 12: 13 items × 200 milestones, 200,000 history rows.
LARGE = {"plans": 1, "milestones_per_item": 200, "updates": 200_000}
# The portfolio size of issue 11: 50 plans of 13 items × 50 milestones.
PORTFOLIO = {"plans": 50, "milestones_per_item": 50, "updates": 100_000}
GENERATED = {"large": LARGE, "portfolio": PORTFOLIO}
COLD_REPEATS = 3
# The longest a single request may take before the bench gives up on it (gunicorn's timeout).
SLOWEST = 300

# wrk prints its own summary in units (k, MB); this script prints exact numbers instead.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH-JSON {\\"requests\\": %.0f, \\"bytes\\": %.0f, \\"duration_us\\": %.0f, "
    .. "\\"connect\\": %.0f, \\"read\\": %.0f, \\"write\\": %.0f, \\"status\\": %.0f, "
    .. "\\"timeout\\": %.0f, \\"p50_us\\": %.0f, \\"p99_us\\": %.0f}\\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


# Setting up: a database at the size asked for, and the accounts the clients act as.


@dataclass(frozen=True)
class Cast:
    """What the clients need: the plan benched, credentials, and milestones to report on."""

    plan: str
    item: str
    leader: str
    lead: str
    leader_token: str
    screen_token: str
    reporters: list[tuple[str, int]]  # (API token, milestone id): one per client
    cold_reporter: tuple[str, int]  # the writes before each cold request, on its own milestone
    data: dict[str, int]


def make_cast(who: Who, plan: Plan, tag: str) -> Cast:
    """Accounts, tokens and a screen link made through the app's own services."""
    create_user(who, username=f"{tag}-admin", role="admin", password=PASSWORD)
    leader, _ = create_user(who, username=f"{tag}-leader", role="leader", password=PASSWORD)
    leader_token = create_token(who, leader, label="bench")[1]
    _, screen_token = create_link(who, label="bench screen", plan=plan)
    rows = db.session.execute(
        sa.select(Milestone.id, Milestone.department_id)
        .join(Milestone.item)
        .where(Item.plan_id == plan.id)
        .order_by(Milestone.id)
    ).all()
    by_department: dict[int, list[int]] = {}
    for milestone_id, department_id in rows:
        by_department.setdefault(department_id, []).append(milestone_id)
    if len(rows) < CLIENTS + 1:
        raise RuntimeError(f"plan {plan.code} has too few milestones")
    departments = {d.id: d for d in db.session.scalars(sa.select(Department))}
    leads: dict[int, tuple[str, str]] = {}
    for department_id in by_department:
        department = departments[department_id]
        user, _ = create_user(
            who,
            username=f"{tag}-lead-{department.code}",
            role="dept_lead",
            department=department,
            password=PASSWORD,
        )
        leads[department_id] = (user.username, create_token(who, user, label="bench")[1])
    # Milestones taken round-robin over the departments, so the writers are spread out.
    order = sorted(by_department, key=lambda d: -len(by_department[d]))
    queues = [list(by_department[d]) for d in order]
    picked: list[tuple[str, int]] = []
    turn = 0
    while len(picked) < CLIENTS + 1:
        index = turn % len(order)
        if queues[index]:
            picked.append((leads[order[index]][1], queues[index].pop(0)))
        turn += 1
    busiest = order[0]  # /my is the page of the department with the most milestones
    # The issue's /items/T1 where the plan has it (bench-data's plans), else its first item.
    codes = sorted((i.code for i in plan.items), key=lambda c: (c != "T1", len(c), c))
    history = db.session.scalar(sa.text("SELECT count(*) FROM plan_update")) or 0
    return Cast(
        plan=plan.code,
        item=codes[0],
        leader=leader.username,
        lead=leads[busiest][0],
        leader_token=leader_token,
        screen_token=screen_token,
        reporters=picked[:CLIENTS],
        cold_reporter=picked[CLIENTS],
        data={
            "items": len(plan.items),
            "milestones": len(rows),
            "history_rows": int(history),
        },
    )


def prepare_seed(url: str) -> Cast:
    """The seed size: the Shinan plan as shipped (`make run` loads the same)."""
    with shinan_database(url, "bench") as who:
        plan = db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))
        assert plan is not None
        return make_cast(who, plan, "bench-run")


def prepare_large(url: str, workdir: Path, spec: dict[str, int] = LARGE) -> Cast:
    """A size made by ``flask bench-data``: the large one (13 items × 200 milestones ×
    200,000 history rows) or the portfolio (50 plans of 13 items × 50 milestones).
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "bench"}
    command = [
        sys.executable, "-m", "flask", "--app", "tracker", "bench-data",
        "--plans", str(spec["plans"]),
        "--milestones-per-item", str(spec["milestones_per_item"]),
        "--updates", str(spec["updates"]),
    ]  # fmt: skip
    started = time.monotonic()
    with (workdir / "bench-data.log").open("w") as log:
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=log, stderr=log)
    print(f"  bench-data: {time.monotonic() - started:.0f} s", flush=True)
    with app.app_context():
        who = Who(datetime.now(UTC))
        plan = db.session.scalar(
            sa.select(Plan).where(Plan.code.like("bench%")).order_by(Plan.code).limit(1)
        )
        if plan is None:
            raise RuntimeError("flask bench-data made no plan named bench-…")
        cast = make_cast(who, plan, "bench-run")
        db.session.commit()
        db.engine.dispose()
    return cast


# Measuring.


@dataclass
class Page:
    """One row of the table."""

    name: str
    path: str
    requests_per_second: float = 0.0
    ratio: float = 0.0  # × /healthz in the same run
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    bytes_per_answer: float = 0.0  # wrk's bytes read (headers included) ÷ requests
    page_bytes: int = 0  # the body of a direct request
    content_type: str = ""
    direct_ms: float = 0.0  # one request alone, warm
    # True when one request alone took longer than the wrk run: wrk is not run, and the
    # figures are those of the request alone (req/s: 2 workers ÷ its time).
    estimated: bool = False
    sql_statements: int | None = None
    requests: int = 0
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    timeouts: int = 0
    problems: list[str] = field(default_factory=list)


def sign_in(base: str, username: str) -> requests.Session:
    """A signed-in session over HTTP with the bench's User-Agent (the session is tied to it)."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    page = session.get(base + "/login?lang=en", timeout=60)
    token = CSRF.search(page.text)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    data = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = session.post(base + "/login", data=data, timeout=60, allow_redirects=False)
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise RuntimeError(f"signing in as {username} failed: {answer.status_code}")
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def wrk(url: str, headers: dict[str, str], seconds: float, timeout: float, script: Path) -> dict:
    command = [
        "wrk", "-t1", f"-c{CLIENTS}", f"-d{max(1, round(seconds))}s", "--latency",
        f"--timeout={max(1, round(timeout))}s", "-s", str(script),
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON "))
    raise RuntimeError(f"wrk gave no summary: {done.stdout}\n{done.stderr}")


def settle(base: str, limit: float = 180) -> None:
    """Wait until both workers are idle again: requests wrk left in flight are still served."""
    deadline = time.monotonic() + limit
    quick = 0

    def probe(_: int) -> float:
        started = time.monotonic()
        requests.get(base + "/healthz", timeout=limit)
        return time.monotonic() - started

    with ThreadPoolExecutor(2) as pool:
        while quick < 3 and time.monotonic() < deadline:
            quick = quick + 1 if max(pool.map(probe, range(2))) < 0.1 else 0


def alone(page: Page) -> None:
    """The figures of one request alone, for a page too slow to drive with wrk."""
    page.estimated = True
    page.requests = 1
    page.requests_per_second = 2 / (page.direct_ms / 1000)
    page.p50_ms = page.p99_ms = page.direct_ms
    page.bytes_per_answer = page.page_bytes


def measure_page(
    page: Page,
    base: str,
    client: requests.Session | None,
    headers: dict[str, str],
    seconds: float,
    timeout: float,
    script: Path,
) -> None:
    """Check the page answers 200 directly, warm both workers, then drive it with wrk."""
    url = base + page.path
    getter = client or requests.Session()
    sent = {"User-Agent": USER_AGENT, **headers}
    for _ in range(2):  # one per worker, roughly: the figures are warm ones
        started = time.monotonic()
        direct = getter.get(url, headers=sent, timeout=SLOWEST, allow_redirects=False)
        page.direct_ms = (time.monotonic() - started) * 1000
    if direct.status_code != 200:
        where = direct.headers.get("Location", "")
        page.problems.append(f"direct GET answered {direct.status_code} {where}".strip())
    page.page_bytes = len(direct.content)
    page.content_type = direct.headers.get("Content-Type", "").split(";")[0]
    if page.direct_ms / 1000 > seconds / 2:
        # Too slow for wrk to finish requests in its run; queued requests would only
        # delay the next page. The request alone stands for it.
        alone(page)
        return
    if client is not None:
        sent["Cookie"] = cookie_header(client)
    figures = wrk(url, sent, seconds, timeout, script)
    settle(base)
    duration = figures["duration_us"] / 1e6
    page.requests = int(figures["requests"])
    page.requests_per_second = page.requests / duration if duration else 0.0
    page.p50_ms = figures["p50_us"] / 1000
    page.p99_ms = figures["p99_us"] / 1000
    page.bytes_per_answer = figures["bytes"] / page.requests if page.requests else 0.0
    page.non_2xx_3xx = int(figures["status"])
    page.socket_errors = int(figures["connect"] + figures["read"] + figures["write"])
    page.timeouts = int(figures["timeout"])
    if page.requests == 0:
        alone(page)
    elif not page.page_bytes * 0.9 <= page.bytes_per_answer <= page.page_bytes * 1.1 + 2048:
        page.problems.append(
            f"bytes per answer {page.bytes_per_answer:.0f} ≠ page size {page.page_bytes}: "
            "wrk was not answered the page (a redirect to /login?)"
        )
    if page.non_2xx_3xx:
        page.problems.append(f"{page.non_2xx_3xx} answers were not 2xx/3xx")
    # wrk stops with up to one request in flight per connection, and may count those as
    # read errors; more than that is a server dropping connections.
    if page.socket_errors > CLIENTS:
        page.problems.append(f"{page.socket_errors} socket errors")


def pages_for(cast: Cast, size: str = "seed") -> list[tuple[Page, str]]:
    """Each page by the issue's short name, at its final URL, and who asks for it."""
    plan = f"/plans/{cast.plan}"
    if size == "portfolio":
        return [
            (Page("/healthz", "/healthz"), "nobody"),
            (Page("/portfolio", "/portfolio"), "leader"),
            (Page("/plans", "/plans"), "leader"),
            (Page("/", f"{plan}/"), "leader"),
        ]
    return [
        (Page("/healthz", "/healthz"), "nobody"),
        (Page("/", f"{plan}/"), "leader"),
        (Page(f"/?as_of={AS_OF}", f"{plan}/?as_of={AS_OF}"), "leader"),
        (Page(f"/items/{cast.item}", f"{plan}/items/{cast.item}"), "leader"),
        (Page("/my", "/my"), "lead"),
        (Page("big screen", f"/screen/{cast.screen_token}"), "nobody"),
        (Page("/board/ledger.xlsx", f"{plan}/ledger.xlsx"), "leader"),
        (Page("GET /api/v1/plan", f"/api/v1/plans/{cast.plan}"), "token"),
    ]


# API report submissions: each client keeps reporting on its own milestone; a new report
# replaces the one still waiting for review, so every submission may be accepted.


@dataclass
class Submissions:
    accepted: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def milestone_version(session: requests.Session, base: str, milestone: int) -> int:
    answer = session.get(f"{base}/api/v1/milestones/{milestone}", timeout=60)
    answer.raise_for_status()
    return int(answer.json()["version"])


def report_once(
    session: requests.Session, base: str, milestone: int, version: int, n: int
) -> requests.Response:
    body: dict[str, Any] = {
        "status": "on_track",
        "progress": 1 + n % 98,
        "note": f"bench report {n}",
        "version": version,
    }
    return session.post(f"{base}/api/v1/milestones/{milestone}/updates", json=body, timeout=60)


def api_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})
    return session


def submit_reports(base: str, cast: Cast, seconds: float) -> tuple[Page, Submissions]:
    tally = Submissions()
    deadline = time.monotonic() + seconds

    def client(token: str, milestone: int) -> None:
        session = api_session(token)
        version = milestone_version(session, base, milestone)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            started = time.monotonic()
            try:
                answer = report_once(session, base, milestone, version, n)
            except requests.RequestException as error:
                with tally.lock:
                    key = type(error).__name__
                    tally.refused[key] = tally.refused.get(key, 0) + 1
                continue
            took = time.monotonic() - started
            with tally.lock:
                tally.latencies.append(took)
                tally.bytes += len(answer.content)
                if answer.status_code == 201:
                    tally.accepted += 1
                else:
                    key = str(answer.status_code)
                    tally.refused[key] = tally.refused.get(key, 0) + 1
            if answer.status_code == 201:
                version = int(answer.json()["base_version"])
            else:
                version = milestone_version(session, base, milestone)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=pair) for pair in cast.reporters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    page = Page("API report submissions", "POST /api/v1/milestones/<id>/updates")
    answered = len(tally.latencies)
    page.requests = tally.accepted
    page.requests_per_second = tally.accepted / elapsed
    if answered:
        ordered = sorted(tally.latencies)
        page.p50_ms = ordered[answered // 2] * 1000
        page.p99_ms = ordered[min(answered - 1, int(answered * 0.99))] * 1000
        page.bytes_per_answer = tally.bytes / answered
    page.non_2xx_3xx = sum(tally.refused.values())
    if tally.refused:
        page.problems.append(f"refused or failed submissions: {tally.refused}")
    if not tally.accepted:
        page.problems.append("no submission was accepted")
    return page, tally


def cold_timings(base: str, cast: Cast, sessions: dict[str, requests.Session]) -> dict:
    """The first request after a write (an API report), median of a few, in milliseconds."""
    token, milestone = cast.cold_reporter
    writer = api_session(token)
    version = milestone_version(writer, base, milestone)
    plan = f"/plans/{cast.plan}"
    targets = {
        "board": (sessions["leader"], f"{plan}/"),
        "as-of board": (sessions["leader"], f"{plan}/?as_of={AS_OF}"),
        "item page": (sessions["leader"], f"{plan}/items/{cast.item}"),
        "GET /api/v1/plan": (api_session(cast.leader_token), f"/api/v1/plans/{cast.plan}"),
    }
    result: dict[str, dict[str, object]] = {}
    n = 0
    for name, (session, path) in targets.items():
        times = []
        for _ in range(COLD_REPEATS):
            n += 1
            written = report_once(writer, base, milestone, version, 1000 + n)
            if written.status_code != 201:
                raise RuntimeError(f"the write before a cold request failed: {written.text}")
            version = int(written.json()["base_version"])
            started = time.monotonic()
            answer = session.get(base + path, timeout=SLOWEST, allow_redirects=False)
            times.append((time.monotonic() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"cold {name} answered {answer.status_code}")
            if times[-1] > 10_000:  # one sample is enough to say it is far off
                break
        result[name] = {"median_ms": statistics.median(times), "ms": times}
    return result


def cold_portfolio(base: str, cast: Cast, sessions: dict[str, requests.Session]) -> dict:
    """The first portfolio after a write to one of its plans (one plan's figures to
    recompute), median of a few, in milliseconds.
    """
    token, milestone = cast.cold_reporter
    writer = api_session(token)
    version = milestone_version(writer, base, milestone)
    times = []
    for n in range(COLD_REPEATS):
        written = report_once(writer, base, milestone, version, 2000 + n)
        if written.status_code != 201:
            raise RuntimeError(f"the write before a cold request failed: {written.text}")
        version = int(written.json()["base_version"])
        started = time.monotonic()
        answer = sessions["leader"].get(base + "/portfolio", timeout=SLOWEST)
        times.append((time.monotonic() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"cold /portfolio answered {answer.status_code}")
    return {"portfolio": {"median_ms": statistics.median(times), "ms": times}}


# SQL statements per request, counted in-process on the same database.


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@contextmanager
def quiet_request_log() -> Iterator[None]:
    """The app's request lines are not this run's output (its servers log to their files)."""
    request_log = logging.getLogger("tracker.requests")
    level = request_log.level
    request_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        request_log.setLevel(level)


def count_statements(url: str, cast: Cast, pages: list[tuple[Page, str]]) -> int:
    """Fill each page's statements for one warm request; return those of one submission."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex})
    clients = {}
    for who, username in (("leader", cast.leader), ("lead", cast.lead)):
        client = app.test_client()
        login = client.get("/login?lang=en")
        csrf = CSRF.search(login.get_data(as_text=True))
        assert csrf is not None
        data = {"username": username, "password": PASSWORD, "csrf_token": csrf.group(1)}
        client.post("/login", data=data)
        clients[who] = client
    clients["nobody"] = app.test_client()
    clients["token"] = app.test_client()
    bearer = {"Authorization": f"Bearer {cast.leader_token}"}
    for page, who in pages:
        headers = bearer if who == "token" else {}
        client = clients[who]
        client.get(page.path, headers=headers)
        with counted(app) as statements:
            answer = client.get(page.path, headers=headers)
        if answer.status_code != 200:
            page.problems.append(f"in-process GET answered {answer.status_code}")
        page.sql_statements = len(statements)
    reporter, milestone = cast.cold_reporter
    api = app.test_client()
    headers = {"Authorization": f"Bearer {reporter}"}
    version = api.get(f"/api/v1/milestones/{milestone}", headers=headers).get_json()["version"]
    body = {"status": "on_track", "progress": 50, "note": "bench count", "version": version}
    with counted(app) as statements:
        answer = api.post(f"/api/v1/milestones/{milestone}/updates", json=body, headers=headers)
    if answer.status_code != 201:
        raise RuntimeError(f"in-process submission answered {answer.status_code}")
    with app.app_context():
        db.engine.dispose()
    return len(statements)


# One run: an engine at a size.


def bench_run(engine: str, size: str, seconds: float) -> dict[str, Any]:
    print(f"== {engine}, {size} size", flush=True)
    timeout = 10.0 if size == "seed" else 30.0
    with tempfile.TemporaryDirectory() as tmp, database(engine, Path(tmp), "tracker_bench") as url:
        workdir = Path(tmp)
        script = workdir / "summary.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        cast = prepare_seed(url) if size == "seed" else prepare_large(url, workdir, GENERATED[size])
        print(f"  data: {cast.data}", flush=True)
        pages = pages_for(cast, size)
        with gunicorn(url, 2, workdir, timeout=SLOWEST) as base:
            sessions = {"leader": sign_in(base, cast.leader), "lead": sign_in(base, cast.lead)}
            for page, who in pages:
                client = sessions.get(who)
                headers = {"Authorization": f"Bearer {cast.leader_token}"} if who == "token" else {}
                try:
                    measure_page(page, base, client, headers, seconds, timeout, script)
                except requests.RequestException as error:
                    page.problems.append(f"failed: {error!r}")
                    settle(base)
                print(
                    f"  {page.name}: {page.requests_per_second:.1f} req/s"
                    + (f"  PROBLEMS: {page.problems}" if page.problems else ""),
                    flush=True,
                )
            if size == "portfolio":
                cold = cold_portfolio(base, cast, sessions)
                submissions = Submissions()
            else:
                cold = cold_timings(base, cast, sessions)
                submissions, _ = submit_reports(base, cast, seconds)
            settle(base)
        with quiet_request_log():
            submission_statements = count_statements(url, cast, pages)
        submissions.sql_statements = submission_statements
        server = server_version(url)
    healthz = pages[0][0].requests_per_second or 1.0
    rows = [page for page, _ in pages] + ([submissions] if size != "portfolio" else [])
    for page in rows:
        page.ratio = page.requests_per_second / healthz
    return {
        "engine": engine,
        "engine_version": server,
        "size": size,
        "plan": cast.plan,
        "data": cast.data,
        "seconds": seconds,
        "workers": 2,
        "wrk": f"wrk -t1 -c{CLIENTS} -d{max(1, round(seconds))}s --latency",
        "pages": [asdict(page) for page in rows],
        "cold": cold,
    }


def server_version(url: str) -> str:
    if url.startswith("sqlite"):
        return "SQLite " + sqlite3.sqlite_version
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        version = connection.scalar(sa.text("SHOW server_version"))
    engine.dispose()
    return f"PostgreSQL {version}"


# Targets of issue 12 (ratios, not absolute times, except the cold requests).


def check_targets(run: dict[str, Any]) -> list[dict[str, Any]]:
    pages = {page["name"]: page for page in run["pages"]}
    checks: list[dict[str, Any]] = []
    label = f"{run['engine']}, {run['size']}"

    def check(what: str, value: float, limit: float, at_least: bool, unit: str = "") -> None:
        met = value >= limit if at_least else value <= limit
        sign = "≥" if at_least else "≤"
        checks.append(
            {
                "run": label,
                "target": f"{what} {sign} {limit:g}{unit}",
                "value": round(value, 4),
                "met": met,
            }
        )

    warm = 0.5 if run["size"] == "seed" else 0.25
    if run["size"] == "portfolio":  # issue 11: the portfolio and the plan list, at scale
        for name in ("/portfolio", "/"):
            check(f"{name} warm × /healthz", pages[name]["ratio"], warm, True)
        check("cold /portfolio", run["cold"]["portfolio"]["median_ms"], 250, False, " ms")
        for page in run["pages"]:
            if page["content_type"] == "text/html":
                check(f"HTML of {page['name']}", page["page_bytes"] / 1024, 200, False, " KB")
        return checks
    for name in ("/", "big screen"):
        check(f"{name} warm × /healthz", pages[name]["ratio"], warm, True)
    if run["size"] != "seed":
        cold_limits = {"board": 250, "as-of board": 400, "item page": 150, "GET /api/v1/plan": 200}
        for name, limit in cold_limits.items():
            check(f"cold {name}", run["cold"][name]["median_ms"], limit, False, " ms")
        for page in run["pages"]:
            if page["content_type"] == "text/html":
                check(f"HTML of {page['name']}", page["page_bytes"] / 1024, 200, False, " KB")
    if run["engine"] == "postgresql":
        submissions = pages["API report submissions"]
        check("API submissions accepted/s", submissions["requests_per_second"], 100, True)
        check("API submission errors", submissions["non_2xx_3xx"], 0, False)
    return checks


# Reporting.


def machine() -> dict[str, object]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "gunicorn": package_version("gunicorn"),
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0].strip(),
        "sqlite": sqlite3.sqlite_version,
        # Other work on the machine skews every figure, the ratios less than the rest.
        "load_average_at_start": [round(n, 2) for n in os.getloadavg()],
    }


def table(run: dict[str, Any]) -> str:
    lines = [
        f"{run['engine_version']}, {run['size']} size {run['data']}, plan {run['plan']}",
        "| page | req/s | × /healthz | p50 ms | p99 ms | bytes/answer | SQL |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in run["pages"]:
        sql = "" if page["sql_statements"] is None else str(page["sql_statements"])
        alone = " (alone*)" if page["estimated"] else ""
        lines.append(
            f"| {page['name']}{alone} | {page['requests_per_second']:,.1f} | {page['ratio']:.4f} "
            f"| {page['p50_ms']:.1f} | {page['p99_ms']:.1f} | {page['bytes_per_answer']:,.0f} "
            f"| {sql} |"
        )
    cold = ", ".join(f"{name} {v['median_ms']:.0f} ms" for name, v in run["cold"].items())
    lines.append(f"cold (first request after a write, median of {COLD_REPEATS}): {cold}")
    if any(page["estimated"] for page in run["pages"]):
        lines.append(
            "* too slow for wrk in its run: figures of one request alone, "
            "req/s = 2 workers ÷ its time"
        )
    return "\n".join(lines)


def bench(engines: list[str], sizes: list[str], seconds: float, out: Path | None) -> dict[str, Any]:
    """Run every engine × size; write and return the results. Unreachable PostgreSQL is
    skipped (and said so); a run's problems are collected, not raised.
    """
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: `make bench-deps` installs Debian's package")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "seconds": seconds,
        "runs": [],
        "skipped": [],
        "targets": [],
        "problems": [],
    }
    for size in sizes:
        for engine in engines:
            try:
                run = bench_run(engine, size, seconds)
            except sa.exc.OperationalError as error:
                if engine != "postgresql":
                    raise
                reason = f"{engine}: not reachable ({str(error).splitlines()[0]})"
                print(f"  skipped: {reason}", flush=True)
                results["skipped"].append(reason)
                continue
            results["runs"].append(run)
            results["targets"] += check_targets(run)
            for page in run["pages"]:
                results["problems"] += [
                    f"{engine}, {size}, {page['name']}: {p}" for p in page["problems"]
                ]
            print(table(run), flush=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument(
        "--sizes", default="seed,large,portfolio", help="comma-separated: seed, large, portfolio"
    )
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    options = parser.parse_args()
    sizes = [s for s in options.sizes.split(",") if s]
    engines = [e for e in options.engines.split(",") if e]
    if not set(sizes) <= {"seed", "large", "portfolio"} or not set(engines) <= {
        "sqlite",
        "postgresql",
    }:
        parser.error("sizes are seed, large and portfolio; engines are sqlite and postgresql")
    results = bench(engines, sizes, options.seconds, options.out)
    print(f"\nmachine: {results['machine']}")
    for target in results["targets"]:
        mark = "met" if target["met"] else "NOT MET"
        print(f"  [{mark}] {target['run']}: {target['target']} (measured {target['value']:g})")
    if results["problems"]:
        print("\nFigures not to be believed:", *results["problems"], sep="\n  ")
        return 1
    print(f"\nwritten: {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
