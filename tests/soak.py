"""Soak test: gunicorn with four workers, twenty clients, every kind of write at once.

``python -m tests.soak --engine sqlite|postgresql --seconds 60`` (``make soak`` runs both).
Department leads report through the form and the API, the coordinating office approves and
returns, leaders write instructions, leads ask for postponements and the admin decides, and
readers load the board, an item page and the API's plan. At the end the database is read
directly: every write the server accepted must be there with its history, no accepted review
may have been overwritten by another, and no answer may have been a 5xx.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.live_server import database, gunicorn, shinan_database
from tracker.extensions import db
from tracker.models import Department, Item, Milestone
from tracker.services.commands.accounts import create_user
from tracker.services.commands.tokens import create_token

PASSWORD = "soak-password-2020"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
REPORT_IDS = re.compile(r"/reports/(\d+)/approve")
POSTPONEMENT_IDS = re.compile(r"/postponements/(\d+)/approve")


@dataclass
class Ledger:
    """What the clients saw the server accept, to check against the database afterwards."""

    statuses: Counter[int] = field(default_factory=Counter)
    reports: list[str] = field(default_factory=list)  # notes of accepted reports
    approved: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    postponements: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, response: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.errors.append(
                    f"{response.request.method} {response.url}: {response.status_code}"
                )
        return response

    def add(self, kind: str, value: object) -> None:
        with self.lock:
            getattr(self, kind).append(value)


# Setting up: a database with the plan, accounts and tokens.


@dataclass(frozen=True)
class Cast:
    """The accounts the clients act as, and what each department owns."""

    leads: dict[str, str]  # department code → user name
    tokens: dict[str, str]  # department code → API token
    milestones: dict[str, list[int]]  # department code → milestone ids
    items: list[str]


def prepare(url: str) -> Cast:
    """Migrate, load the Shinan plan and make the accounts, through the app's own services."""

    with shinan_database(url, "soak") as who:
        for name, role in (("soak-admin", "admin"), ("soak-leader", "leader")):
            create_user(who, username=name, role=role, password=PASSWORD)
        leads, tokens, milestones = {}, {}, {}
        for department in db.session.scalars(sa.select(Department)):
            user, _ = create_user(
                who,
                username=f"soak-{department.code}",
                role="dept_lead",
                department=department,
                password=PASSWORD,
            )
            leads[department.code] = user.username
            tokens[department.code] = create_token(who, user, label="soak")[1]
            milestones[department.code] = list(
                db.session.scalars(
                    sa.select(Milestone.id).where(Milestone.department_id == department.id)
                )
            )
        items = list(db.session.scalars(sa.select(Item.code).order_by(Item.code)))
    return Cast(leads, tokens, {k: v for k, v in milestones.items() if v}, items)


# The clients.


def sign_in(base: str, username: str, ledger: Ledger) -> requests.Session:
    session = requests.Session()
    page = ledger.saw(session.get(base + "/login?lang=en", timeout=30))
    token = CSRF.search(page.text)
    data = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    ledger.saw(session.post(base + "/login", data=data, timeout=30))
    return session


def form_values(page: requests.Response) -> dict[str, str]:
    values = {"csrf_token": CSRF.search(page.text).group(1)}
    version = VERSION.search(page.text)
    if version:
        values["version"] = version.group(1)
    return values


def report_by_form(base: str, session: requests.Session, ledger: Ledger, milestone: int) -> None:
    url = f"{base}/milestones/{milestone}/report"
    values = form_values(ledger.saw(session.get(url, timeout=30)))
    note = f"soak-form-{uuid.uuid4().hex[:12]}"
    data = {**values, "status": "on_track", "progress": str(random.randint(1, 99)), "note": note}
    answer = ledger.saw(session.post(url, data=data, timeout=30, allow_redirects=False))
    if answer.status_code == 302 and answer.headers["Location"].endswith("/my"):
        ledger.add("reports", note)


def report_by_api(base: str, token: str, ledger: Ledger, milestone: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    current = ledger.saw(
        requests.get(f"{base}/api/v1/milestones/{milestone}", headers=headers, timeout=30)
    )
    if current.status_code != 200:
        return
    note = f"soak-api-{uuid.uuid4().hex[:12]}"
    body = {
        "status": "on_track",
        "progress": random.randint(1, 99),
        "note": note,
        "version": current.json()["version"],
    }
    answer = ledger.saw(
        requests.post(
            f"{base}/api/v1/milestones/{milestone}/updates", json=body, headers=headers, timeout=30
        )
    )
    if answer.status_code == 201:
        ledger.add("reports", note)


def review(base: str, session: requests.Session, ledger: Ledger) -> None:
    page = ledger.saw(session.get(base + "/reviews?lang=en", timeout=30))
    ids = REPORT_IDS.findall(page.text)
    if not ids:
        return
    report = random.choice(ids)
    values = form_values(page)
    if random.random() < 0.7:
        answer = ledger.saw(
            session.post(f"{base}/reports/{report}/approve", data=values, timeout=30)
        )
        if "The report is approved." in answer.text:
            ledger.add("approved", int(report))
    else:
        data = {**values, "reason": "soak: please add the evidence"}
        answer = ledger.saw(session.post(f"{base}/reports/{report}/return", data=data, timeout=30))
        if "The report is returned to the department." in answer.text:
            ledger.add("returned", int(report))


def instruct(base: str, session: requests.Session, ledger: Ledger, item: str) -> None:
    address = f"{base}/plans/shinan-2020/items/{item}"
    page = ledger.saw(session.get(address, timeout=30))
    text = f"soak-instruction-{uuid.uuid4().hex[:12]}"
    data = {"csrf_token": CSRF.search(page.text).group(1), "text": text}
    answer = ledger.saw(
        session.post(f"{address}/instructions", data=data, timeout=30, allow_redirects=False)
    )
    if answer.status_code == 302:
        ledger.add("instructions", text)


def postpone(base: str, session: requests.Session, ledger: Ledger, milestone: int) -> None:
    url = f"{base}/milestones/{milestone}/postpone"
    page = ledger.saw(session.get(url, timeout=30))
    if page.status_code != 200:
        return
    reason = f"soak-postpone-{uuid.uuid4().hex[:12]}"
    data = {**form_values(page), "requested_due": "2022-12-30", "reason": reason}
    answer = ledger.saw(session.post(url, data=data, timeout=30, allow_redirects=False))
    if answer.status_code == 302:
        ledger.add("postponements", reason)


def decide(base: str, session: requests.Session, ledger: Ledger) -> None:
    page = ledger.saw(session.get(base + "/postponements", timeout=30))
    ids = POSTPONEMENT_IDS.findall(page.text)
    if ids:
        values = form_values(page)
        pick = random.choice(ids)
        ledger.saw(session.post(f"{base}/postponements/{pick}/approve", data=values, timeout=30))


def read(base: str, session: requests.Session, ledger: Ledger, item: str) -> None:
    for path in (
        "/",
        "/plans/shinan-2020/?as_of=2021-06-30",
        f"/plans/shinan-2020/items/{item}",
        "/api/v1/openapi.json",
    ):
        ledger.saw(session.get(base + path, timeout=30))


def roles(base: str, cast: Cast, ledger: Ledger) -> list[Callable[[], None]]:
    """Twenty clients: their steps, each signed in as its person."""
    departments = sorted(cast.milestones)
    coordinating = "kjj"
    steps: list[Callable[[], None]] = []
    for n in range(8):
        code = departments[n % len(departments)]
        session = sign_in(base, cast.leads[code], ledger)
        mine = cast.milestones[code]
        if n % 2:
            steps.append(
                lambda s=session, m=mine: report_by_form(base, s, ledger, random.choice(m))
            )
        else:
            steps.append(
                lambda c=code, m=mine: report_by_api(base, cast.tokens[c], ledger, random.choice(m))
            )
    for _ in range(4):
        session = sign_in(base, cast.leads[coordinating], ledger)
        steps.append(lambda s=session: review(base, s, ledger))
    for _ in range(2):
        session = sign_in(base, "soak-leader", ledger)
        steps.append(lambda s=session: instruct(base, s, ledger, random.choice(cast.items)))
    for n in range(2):
        code = departments[(n + 3) % len(departments)]
        session = sign_in(base, cast.leads[code], ledger)
        steps.append(
            lambda s=session, m=cast.milestones[code]: postpone(base, s, ledger, random.choice(m))
        )
    admin = sign_in(base, "soak-admin", ledger)
    steps.append(lambda: decide(base, admin, ledger))
    for _ in range(3):
        session = sign_in(base, "soak-leader", ledger)
        steps.append(lambda s=session: read(base, s, ledger, random.choice(cast.items)))
    return steps


def drive(steps: list[Callable[[], None]], seconds: float, ledger: Ledger) -> None:
    deadline = time.monotonic() + seconds

    def loop(step: Callable[[], None]) -> None:
        while time.monotonic() < deadline:
            try:
                step()
            except (requests.RequestException, AttributeError) as error:
                ledger.add("errors", f"client: {error!r}")

    threads = [threading.Thread(target=loop, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# Checking what the database holds.


def verify(url: str, ledger: Ledger) -> list[str]:
    """Every accepted write is stored with its history; no accepted review was overwritten."""
    engine = sa.create_engine(url)
    problems = list(ledger.errors)
    with engine.connect() as connection:
        notes = set(connection.scalars(sa.text("SELECT note FROM report")))
        problems += [f"accepted report missing: {n}" for n in ledger.reports if n not in notes]
        unlogged = connection.scalar(
            sa.text(
                "SELECT count(*) FROM report r WHERE NOT EXISTS "
                "(SELECT 1 FROM plan_update u WHERE u.report_id = r.id)"
            )
        )
        if unlogged:
            problems.append(f"{unlogged} reports without history rows")
        states = dict(connection.execute(sa.text("SELECT id, state FROM report")).all())
        problems += [
            f"approved report {r} is {states.get(r)}"
            for r in ledger.approved
            if states.get(r) != "approved"
        ]
        problems += [
            f"returned report {r} is {states.get(r)}"
            for r in ledger.returned
            if states.get(r) != "returned"
        ]
        reviews = connection.execute(
            sa.text(
                "SELECT report_id, count(*) FROM plan_update WHERE field = 'review' "
                "AND new_value IN ('approved', 'returned') GROUP BY report_id HAVING count(*) > 1"
            )
        ).all()
        problems += [f"report {r} has {n} review rows" for r, n in reviews]
        texts = set(connection.scalars(sa.text("SELECT text FROM instruction")))
        problems += [f"instruction missing: {t}" for t in ledger.instructions if t not in texts]
        reasons = set(connection.scalars(sa.text("SELECT reason FROM postponement")))
        problems += [f"postponement missing: {r}" for r in ledger.postponements if r not in reasons]
    engine.dispose()
    return problems


def soak(engine: str, seconds: float, workers: int = 4) -> dict[str, object]:
    """Run one soak and return its figures; ``problems`` lists whatever went wrong."""
    ledger = Ledger()
    with tempfile.TemporaryDirectory() as tmp, database(engine, Path(tmp), "tracker_soak") as url:
        cast = prepare(url)
        with gunicorn(url, workers, Path(tmp)) as base:
            drive(roles(base, cast, ledger), seconds, ledger)
        problems = verify(url, ledger)
    return {
        "engine": engine,
        "seconds": seconds,
        "requests": sum(ledger.statuses.values()),
        "statuses": dict(sorted(ledger.statuses.items())),
        "accepted": {
            "reports": len(ledger.reports),
            "approved": len(ledger.approved),
            "returned": len(ledger.returned),
            "instructions": len(ledger.instructions),
            "postponements": len(ledger.postponements),
        },
        "server_errors": sum(n for code, n in ledger.statuses.items() if code >= 500),
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    failed = False
    for engine in options.engine or ["sqlite", "postgresql"]:
        result = soak(engine, options.seconds, options.workers)
        print(json.dumps(result, indent=2, ensure_ascii=False))
        failed |= bool(result["problems"]) or bool(result["server_errors"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
