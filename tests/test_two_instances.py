"""Two app machines on one PostgreSQL: what one does, the other sees at once.

Two copies of the app, each in a working directory of its own (its own ``instance/``), each
under gunicorn on its own port, share one database and one secret key, and in a second run
one Redis for the board snapshots. A department lead reports with a PDF on A, the
coordinating office approves on B: the file, the boards, the sign-in lockout and the
session are the same on both.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from tests.databases import LOCAL_POSTGRES, scratch_postgres
from tests.live_server import ROOT, gunicorn, shinan_database
from tracker.domain.throttle import MAX_FAILURES
from tracker.extensions import db
from tracker.models import Department
from tracker.services.commands.accounts import create_user

PASSWORD = "two-machines-password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + uuid.uuid4().bytes
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
REDIS = "redis://127.0.0.1:6379/0"
# What a machine is: the code, templates, assets, migrations and translations, and nothing
# of the instance folder or caches of this checkout.
COPIED = ("tracker", "templates", "static", "migrations", "run.py")


def _postgres_url() -> str:
    try:
        engine = sa.create_engine(LOCAL_POSTGRES)
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {LOCAL_POSTGRES}: {error.orig}")
    return LOCAL_POSTGRES


def _machine(where: Path) -> Path:
    where.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, where / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, where / name)
    return where


def _csrf(session: requests.Session, url: str) -> str:
    found = CSRF.search(session.get(url, timeout=30).text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _sign_in(base: str, username: str, password: str = PASSWORD) -> requests.Response:
    session = requests.Session()
    token = _csrf(session, f"{base}/login?lang=zh_CN")
    answer = session.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    answer.session = session  # type: ignore[attr-defined]
    return answer


def _signed_in(base: str, username: str) -> requests.Session:
    answer = _sign_in(base, username)
    assert answer.status_code == 302, answer.text[:500]
    return answer.session  # type: ignore[attr-defined,no-any-return]


def _without_token(page: str) -> str:
    return CSRF.sub("", page)


@pytest.fixture(params=["database", "redis"])
def machines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """Machines A and B (their addresses) and the database URL they share."""
    settings = {}
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS).ping()
        except redis.RedisError as error:
            pytest.skip(f"Redis is not reachable at {REDIS}: {error}")
        settings = {
            "TRACKER_CACHE_URL": REDIS,
            "TRACKER_CACHE_PREFIX": f"two-machines-{uuid.uuid4().hex[:8]}:",
        }
    secret = "shared-" + uuid.uuid4().hex
    with scratch_postgres(_postgres_url(), "tracker_two") as url:
        with shinan_database(url, "two machines") as who:
            by_code = {d.code: d for d in db.session.scalars(sa.select(Department))}
            create_user(
                who, username="wang", role="dept_lead", department=by_code["gxj"], password=PASSWORD
            )
            create_user(
                who, username="li", role="dept_lead", department=by_code["kjj"], password=PASSWORD
            )
            create_user(who, username="zhang", role="leader", password=PASSWORD)
            create_user(who, username="guess", role="viewer", password=PASSWORD)
        a_root, b_root = _machine(tmp_path / "a"), _machine(tmp_path / "b")
        logs_a, logs_b = tmp_path / "logs-a", tmp_path / "logs-b"
        logs_a.mkdir(), logs_b.mkdir()
        with (
            gunicorn(url, 2, logs_a, root=a_root, secret_key=secret, settings=settings) as a,
            gunicorn(url, 2, logs_b, root=b_root, secret_key=secret, settings=settings) as b,
        ):
            yield a, b, url


def _milestone_id(url: str, code: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT id FROM milestone WHERE code = :code"), {"code": code}
        ).scalar_one()
    engine.dispose()
    return int(found)


def test_two_machines_share_files_boards_lockouts_and_sessions(
    machines: tuple[str, str, str],
) -> None:
    a, b, url = machines
    leader_a, leader_b = _signed_in(a, "zhang"), _signed_in(b, "zhang")
    board = "/plans/shinan-2020/"
    before = _without_token(leader_a.get(a + board, timeout=30).text)
    assert _without_token(leader_b.get(b + board, timeout=30).text) == before

    # A department lead reports on A, with a PDF.
    wang = _signed_in(a, "wang")
    form = f"/milestones/{_milestone_id(url, 'T1-3')}/report"
    page = wang.get(a + form, timeout=30).text
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page)
    assert version, page[:500]
    sent = wang.post(
        a + form,
        data={
            "csrf_token": _csrf(wang, a + form),
            "version": version.group(1),
            "status": "done",
            "progress": "100",
            "completed_on": "2020-12-18",
            "note": "970处已开通（铁塔公司月报）",
        },
        files={"evidence": ("铁塔公司月报.pdf", PDF, "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )
    assert sent.status_code == 302, sent.text[:1000]

    # The session started on A is valid on B.
    assert "T1-3" in wang.get(b + "/my", timeout=30).text

    # The coordinating office approves it on B.
    li = _signed_in(b, "li")
    reviews = li.get(b + "/reviews", timeout=30).text
    assert "铁塔公司月报.pdf" in reviews
    report = re.search(r'action="/reports/(\d+)/approve"', reviews)
    link = re.search(r'href="/attachments/(\d+)"', reviews)
    assert report, reviews[:1000]
    assert link, reviews[:1000]
    attachment = link.group(1)
    approved = li.post(
        f"{b}/reports/{report.group(1)}/approve",
        data={"csrf_token": _csrf(li, b + "/reviews")},
        allow_redirects=False,
        timeout=30,
    )
    assert approved.status_code == 302

    # The file downloads byte-identical from both machines.
    for base in (a, b):
        download = wang.get(f"{base}/attachments/{attachment}", timeout=30)
        assert download.status_code == 200, base
        assert download.content == PDF, base

    # Both boards show the new progress at once, and the same page.
    after_a = _without_token(leader_a.get(a + board, timeout=30).text)
    after_b = _without_token(leader_b.get(b + board, timeout=30).text)
    assert after_a != before
    assert after_a == after_b
    for base, leader in ((a, leader_a), (b, leader_b)):
        item = leader.get(base + "/plans/shinan-2020/items/T1", timeout=30).text
        assert 'data-code="T1-3" data-status="done"' in item, base

    # The sign-in lockout counts failures on both machines together.
    for attempt in range(MAX_FAILURES):
        base = (a, b)[attempt % 2]
        assert _sign_in(base, "guess", "wrong password").status_code == 200  # the form again
    for base in (a, b):
        assert _sign_in(base, "guess").status_code == 429, base  # refused though right
