"""`flask check`: one line per check with OK/WARN/FAIL/SKIP and why; status 1 if any fails."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from flask_migrate import stamp

from tests.directory_servers import Slapd, directory, slapd  # noqa: F401  (fixtures)
from tests.live_server import free_port
from tests.oidc_server import OidcProvider, provider_server  # noqa: F401  (fixture)
from tests.web.test_board_snapshots import REDIS_URL, redis_reachable
from tracker.extensions import db

ZH_CATALOG = Path(__file__).resolve().parents[1] / "tracker/translations/zh/LC_MESSAGES"
CHECKS = [
    "database",
    "migrations",
    "secret key",
    "attachments",
    "cache",
    "catalogs",
    "base url",
    "sign-in",
]


def check(app: Flask) -> tuple[Result, dict[str, tuple[str, str]]]:
    """Run `flask check` on ``app``: the result and each check's outcome and reason.

    Its own app context, as the command would be given: the fixtures keep the test
    database's app context open, and a command runs in the context it finds.
    """
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["check"])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = {}
    for line in result.stdout.splitlines():
        outcome, name, reason = line[:4].strip(), line[6:18].strip(), line[19:]
        lines[name] = (outcome, reason)
    assert list(lines) == CHECKS
    return result, lines


@pytest.fixture
def other_app(make_app: Callable[..., Flask], tmp_path: Path) -> Callable[..., Flask]:
    """An app with other settings, keeping its instance folder in the test's directory."""

    def make(**overrides: object) -> Flask:
        other = make_app(**overrides)
        other.instance_path = str(tmp_path / "other-instance")
        return other

    return make


@pytest.fixture
def key_from_environment(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.delenv("TRACKER_ENV", raising=False)


def test_a_healthy_machine_passes_every_check(
    app: Flask, key_from_environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TRACKER_BASE_URL", "https://tracker.shinan.example")
    result, lines = check(app)
    assert result.exit_code == 0
    assert {name: outcome for name, (outcome, _) in lines.items()} == dict.fromkeys(CHECKS, "OK")
    assert lines["migrations"][1].startswith("at head ")
    assert lines["catalogs"][1] == "compiled: en, zh"
    assert lines["cache"][1] == "the database's snapshot table is readable"
    assert lines["base url"][1] == "reminders link to https://tracker.shinan.example"
    assert lines["sign-in"][1] == "local passwords only"


@pytest.mark.parametrize(
    ("url", "outcome", "reason", "exit_code"),
    [
        (
            "",
            "WARN",
            "TRACKER_BASE_URL is not set: reminder mails and robot cards carry no link",
            0,
        ),
        (
            "tracker.shinan.example",
            "FAIL",
            "TRACKER_BASE_URL is not an http(s) address: 'tracker.shinan.example'",
            1,
        ),
        ("ftp://tracker", "FAIL", "TRACKER_BASE_URL is not an http(s) address: 'ftp://tracker'", 1),
    ],
)
def test_a_missing_base_url_warns_and_a_wrong_one_fails(
    app: Flask,
    key_from_environment: None,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    outcome: str,
    reason: str,
    exit_code: int,
) -> None:
    monkeypatch.setitem(app.config, "TRACKER_BASE_URL", url)
    result, lines = check(app)
    assert lines["base url"] == (outcome, reason)
    assert result.exit_code == exit_code


def test_a_development_key_is_a_warning_and_fails_in_production(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    result, lines = check(app)
    assert result.exit_code == 0
    assert lines["secret key"][0] == "WARN"
    assert "set it, the same on every app machine" in lines["secret key"][1]

    monkeypatch.setenv("TRACKER_ENV", "production")
    result, lines = check(app)
    assert result.exit_code == 1
    assert lines["secret key"] == (
        "FAIL",
        "not from TRACKER_SECRET_KEY: with TRACKER_ENV=production every app machine must be "
        "given the same key in the environment",
    )


def test_a_database_at_an_old_revision_fails_with_the_revisions(
    other_app: Callable[..., Flask], tmp_path: Path, key_from_environment: None
) -> None:
    old = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with old.app_context():
        scripts = ScriptDirectory.from_config(old.extensions["migrate"].migrate.get_config())
        head = scripts.get_current_head()
        assert head is not None
        earlier = scripts.get_revision(head).down_revision
        assert isinstance(earlier, str)
        stamp(revision=earlier)
    result, lines = check(old)
    assert result.exit_code == 1
    assert lines["database"][0] == "OK"
    assert lines["migrations"] == (
        "FAIL",
        f"the database is at {earlier}, the head is {head}: run `flask --app tracker db upgrade`",
    )


def test_a_database_migrated_by_a_newer_release_fails_without_advising_an_upgrade(
    other_app: Callable[..., Flask], tmp_path: Path, key_from_environment: None
) -> None:
    newer = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'newer.sqlite3'}")
    with newer.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('f0f0f0f0f0f0')"))
    result, lines = check(newer)
    assert result.exit_code == 1
    outcome, reason = lines["migrations"]
    assert outcome == "FAIL"
    assert reason.startswith(
        "the database is at f0f0f0f0f0f0, which these migration scripts do not know"
    )
    assert "db upgrade" not in reason


def test_a_database_never_migrated_fails(
    other_app: Callable[..., Flask], tmp_path: Path, key_from_environment: None
) -> None:
    empty = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result, lines = check(empty)
    assert result.exit_code == 1
    assert lines["migrations"][0] == "FAIL"
    assert lines["migrations"][1].startswith("the database was never migrated")
    assert lines["cache"][0] == "FAIL"
    assert "snapshot table cannot be read" in lines["cache"][1]


def test_an_unreachable_database_fails_with_the_reason_and_skips_what_needs_it(
    other_app: Callable[..., Flask], key_from_environment: None
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://tracker:hidden@127.0.0.1:{port}/tracker"
    result, lines = check(other_app(SQLALCHEMY_DATABASE_URI=url))
    assert result.exit_code == 1
    outcome, reason = lines["database"]
    assert outcome == "FAIL"
    assert reason.startswith(f"postgresql+psycopg://tracker:***@127.0.0.1:{port}/tracker: ")
    assert "Connection refused" in reason
    assert "hidden" not in result.output
    assert lines["migrations"] == ("SKIP", "the database cannot be reached")
    assert lines["cache"] == ("SKIP", "the database cannot be reached")
    assert lines["catalogs"][0] == "OK"


def test_an_unreachable_redis_fails_the_cache_check(
    other_app: Callable[..., Flask], key_from_environment: None
) -> None:
    url = f"redis://:hidden@127.0.0.1:{free_port()}/0"
    result, lines = check(other_app(TRACKER_CACHE_URL=url))
    assert result.exit_code == 1
    outcome, reason = lines["cache"]
    assert outcome == "FAIL"
    assert reason.startswith("Redis at redis://:***@127.0.0.1:")
    assert "Connection refused" in reason
    assert "hidden" not in result.output
    assert lines["database"][0] == "OK"


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_a_reachable_redis_passes_and_keeps_nothing(
    other_app: Callable[..., Flask], key_from_environment: None
) -> None:
    prefix = f"tracker-test-{uuid.uuid4().hex}:"
    result, lines = check(other_app(TRACKER_CACHE_URL=REDIS_URL, TRACKER_CACHE_PREFIX=prefix))
    assert result.exit_code == 0
    assert lines["cache"] == ("OK", f"Redis at {REDIS_URL} answers (keys start {prefix})")
    assert list(redis.Redis.from_url(REDIS_URL).scan_iter(f"{prefix}*")) == []


def test_missing_catalogs_fail(
    other_app: Callable[..., Flask], tmp_path: Path, key_from_environment: None
) -> None:
    translations = tmp_path / "translations"
    (translations / "zh/LC_MESSAGES").mkdir(parents=True)
    shutil.copy(ZH_CATALOG / "messages.po", translations / "zh/LC_MESSAGES/messages.po")
    # (the app compiles a missing catalog when it starts: here a folder stands in its way)
    (translations / "zh/LC_MESSAGES/messages.mo").mkdir()
    result, lines = check(other_app(BABEL_TRANSLATION_DIRECTORIES=str(translations)))
    assert result.exit_code == 1
    missing = translations / "zh/LC_MESSAGES/messages.mo"
    assert lines["catalogs"] == ("FAIL", f"not compiled: {missing}: run `make translations`")


def test_unwritable_attachment_directory_fails(
    other_app: Callable[..., Flask], key_from_environment: None, tmp_path: Path
) -> None:
    blocked = tmp_path / "shared"
    blocked.write_text("a file where the folder should be")
    result, lines = check(other_app(TRACKER_ATTACHMENTS_DIR=str(blocked)))
    assert result.exit_code == 1
    outcome, reason = lines["attachments"]
    assert outcome == "FAIL"
    assert reason == f"{blocked} is not writable: not a directory"


def test_a_writable_attachment_directory_passes(
    other_app: Callable[..., Flask], key_from_environment: None, tmp_path: Path
) -> None:
    _, lines = check(other_app(TRACKER_ATTACHMENTS_DIR=str(tmp_path / "shared")))
    assert lines["attachments"] == ("OK", f"{tmp_path / 'shared'} is writable")


def test_evidence_in_a_database_without_its_table_fails(
    app: Flask, key_from_environment: None
) -> None:
    db.session.execute(sa.text("ALTER TABLE attachment_content RENAME TO attachment_away"))
    db.session.commit()
    try:
        result, lines = check(app)
    finally:
        db.session.execute(sa.text("ALTER TABLE attachment_away RENAME TO attachment_content"))
        db.session.commit()
    assert result.exit_code == 1
    outcome, reason = lines["attachments"]
    assert outcome == "FAIL"
    assert reason.startswith("the database cannot hold them: ")


def test_a_directory_and_a_provider_that_answer_pass(
    app: Flask,
    key_from_environment: None,
    directory: Slapd,  # noqa: F811  (fixture)
    provider_server: OidcProvider,  # noqa: F811  (fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in provider_server.app_settings().items():
        monkeypatch.setitem(app.config, key, value)
    _, lines = check(app)
    url = directory.config()["TRACKER_LDAP_URL"]
    assert lines["sign-in"] == (
        "OK",
        f"LDAP {url} (the search account binds) and OpenID Connect {provider_server.issuer} answer",
    )


def test_a_directory_or_provider_that_does_not_answer_fails(
    app: Flask,
    key_from_environment: None,
    directory: Slapd,  # noqa: F811  (fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TRACKER_LDAP_BIND_PASSWORD", "not the search password")
    result, lines = check(app)
    assert lines["sign-in"][0] == "FAIL"
    assert "the search account was refused" in lines["sign-in"][1]
    assert result.exit_code == 1
    monkeypatch.setitem(app.config, "TRACKER_LDAP_URL", "")
    monkeypatch.setitem(app.config, "TRACKER_OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    result, lines = check(app)
    assert lines["sign-in"][0] == "FAIL"
    assert lines["sign-in"][1].startswith("OpenID Connect http://127.0.0.1:")
    assert result.exit_code == 1
