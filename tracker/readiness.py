"""Whether this machine is ready to serve: what `flask --app tracker check` reports.

``/healthz`` (:mod:`tracker.health`) only says the app server answers. A machine added behind
the proxy can answer it and still fail every real page: a database it cannot reach or that a
newer release has not migrated yet, a secret key of its own, evidence files it cannot write, a
cache it cannot reach, or a UI in English for want of compiled catalogs. Each check here is a
small function of the app, so one can be re-pointed when what it checks changes.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from tracker import config
from tracker.auth.ldap_directory import ldap_directory
from tracker.extensions import db
from tracker.services.commands.signin import DirectoryUnavailable
from tracker.services.exports.attachment_storage import DirectoryStorage
from tracker.services.exports.attachment_storage import attachment_storage as configured_storage
from tracker.snapshots import RedisStore, snapshots

UPGRADE_HINT = "run `flask --app tracker db upgrade`"
CATALOG_HINT = "run `make translations`"


class Outcome(StrEnum):
    """A failed check makes the command fail; a warning or a skipped check does not."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it went and why."""

    name: str
    outcome: Outcome
    reason: str

    def line(self) -> str:
        return f"{self.outcome.value:<4}  {self.name:<12} {self.reason}"


def _one_line(error: BaseException) -> str:
    """A driver's message without its line breaks (psycopg adds a hint on a second line)."""
    cause = getattr(error, "orig", None) or error
    return " ".join(str(cause).split()) or type(cause).__name__


def _database_name() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def database() -> Check:
    """The database answers a query."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return Check("database", Outcome.FAIL, f"{_database_name()}: {_one_line(error)}")
    return Check("database", Outcome.OK, f"{_database_name()} answers")


def _known_revisions(scripts: ScriptDirectory) -> set[str]:
    return {script.revision for script in scripts.walk_revisions()}


def migrations(app: Flask) -> Check:
    """The database's Alembic revision is the newest migration script's."""
    scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    heads = set(scripts.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        return Check("migrations", Outcome.FAIL, f"cannot read the revision: {_one_line(error)}")
    head = ", ".join(sorted(heads))
    at = ", ".join(sorted(current))
    if current == heads:
        return Check("migrations", Outcome.OK, f"at head {head}")
    if not current:
        reason = f"the database was never migrated (the head is {head}): {UPGRADE_HINT}"
    elif not current <= _known_revisions(scripts):
        reason = (
            f"the database is at {at}, which these migration scripts do not know "
            f"(migrated by a newer release?); their head is {head}"
        )
    else:
        reason = f"the database is at {at}, the head is {head}: {UPGRADE_HINT}"
    return Check("migrations", Outcome.FAIL, reason)


def secret_key(app: Flask) -> Check:
    """Sessions are signed with ``TRACKER_SECRET_KEY``: several app machines must share it."""
    given = os.environ.get("TRACKER_SECRET_KEY", "")
    if given and app.config["SECRET_KEY"] == given:
        return Check("secret key", Outcome.OK, "from TRACKER_SECRET_KEY")
    if config.is_production():
        return Check(
            "secret key",
            Outcome.FAIL,
            "not from TRACKER_SECRET_KEY: with TRACKER_ENV=production every app machine "
            "must be given the same key in the environment",
        )
    key_file = Path(app.instance_path) / "secret_key"
    return Check(
        "secret key",
        Outcome.WARN,
        f"not from TRACKER_SECRET_KEY (the development key in {key_file}): set it, the same "
        "on every app machine, before going live",
    )


def attachment_storage(app: Flask) -> Check:
    """Evidence files can be kept where this deployment keeps them: its shared directory is
    writable, or the database's ``attachment_content`` table can be read.
    """
    storage = configured_storage(app)
    if isinstance(storage, DirectoryStorage):
        directory = storage.directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".check-") as probe:
                probe.write(b"check")
                probe.flush()
        except OSError as error:
            if directory.exists() and not directory.is_dir():
                reason = "not a directory"
            else:
                reason = error.strerror or type(error).__name__
            return Check("attachments", Outcome.FAIL, f"{directory} is not writable: {reason}")
        return Check("attachments", Outcome.OK, f"{directory} is writable")
    try:
        storage.holds("0" * 32)
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        return Check(
            "attachments", Outcome.FAIL, f"the database cannot hold them: {_one_line(error)}"
        )
    finally:
        db.session.rollback()
    return Check("attachments", Outcome.OK, "kept in the database (attachment_content)")


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


def cache(app: Flask) -> Check:
    """Computed boards can be shared: a set/get round trip through Redis, or a read of the
    database's ``snapshot`` table.
    """
    store = snapshots().store
    if not isinstance(store, RedisStore):
        try:
            store.get("check:probe")
        except sa.exc.SQLAlchemyError as error:
            reason = f"the database's snapshot table cannot be read: {_one_line(error)}"
            return Check("cache", Outcome.FAIL, reason)
        return Check("cache", Outcome.OK, "the database's snapshot table is readable")
    where = f"Redis at {_without_password(app.config['TRACKER_CACHE_URL'])}"
    key, value = f"check:{uuid.uuid4().hex}", uuid.uuid4().bytes
    try:
        store.cache.set(key, value, timeout=60)
        answer = store.cache.get(key)
        store.cache.delete(key)
    except Exception as error:  # redis-py's errors, and a URL it cannot use
        return Check("cache", Outcome.FAIL, f"{where}: {_one_line(error)}")
    if answer != value:
        return Check("cache", Outcome.FAIL, f"{where}: a value set was not read back")
    prefix = app.config["TRACKER_CACHE_PREFIX"]
    return Check("cache", Outcome.OK, f"{where} answers (keys start {prefix})")


def catalogs(app: Flask) -> Check:
    """Every translation catalog is compiled: without its .mo the UI falls back to English."""
    directories = [Path(d) for d in app.extensions["babel"].translation_directories]
    sources = sorted(po for d in directories for po in d.glob("*/LC_MESSAGES/*.po"))
    if not sources:
        where = ", ".join(str(d) for d in directories)
        return Check("catalogs", Outcome.FAIL, f"no catalogs (.po) in {where}")
    missing = [po for po in sources if not po.with_suffix(".mo").is_file()]
    if missing:
        named = ", ".join(str(po.with_suffix(".mo")) for po in missing)
        return Check("catalogs", Outcome.FAIL, f"not compiled: {named}: {CATALOG_HINT}")
    languages = ", ".join(po.parents[1].name for po in sources)
    stale = [po for po in sources if po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if stale:
        named = ", ".join(str(po) for po in stale)
        return Check("catalogs", Outcome.WARN, f"edited since compiled: {named}: {CATALOG_HINT}")
    return Check("catalogs", Outcome.OK, f"compiled: {languages}")


def base_url(app: Flask) -> Check:
    """Reminder mails and robot cards link to the tracker at ``TRACKER_BASE_URL``; without it
    they carry no link, and with a wrong one every link a department taps is dead.
    """
    url = app.config.get("TRACKER_BASE_URL") or ""
    if not url:
        return Check(
            "base url",
            Outcome.WARN,
            "TRACKER_BASE_URL is not set: reminder mails and robot cards carry no link",
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return Check(
            "base url", Outcome.FAIL, f"TRACKER_BASE_URL is not an http(s) address: {url!r}"
        )
    return Check("base url", Outcome.OK, f"reminders link to {url}")


def sign_in(app: Flask) -> Check:
    """A configured directory or provider must answer, or nobody but local admins gets in."""
    where = []
    ldap = ldap_directory(app.config)
    if ldap is not None:
        try:
            ldap.reachable()
        except DirectoryUnavailable as error:
            return Check("sign-in", Outcome.FAIL, f"LDAP {ldap.settings.url}: {error}")
        where.append(f"LDAP {ldap.settings.url} (the search account binds)")
    issuer = app.config.get("TRACKER_OIDC_ISSUER") or ""
    if issuer:
        metadata = f"{issuer}/.well-known/openid-configuration"
        try:
            answer = requests.get(metadata, timeout=5)
            answer.raise_for_status()
            answer.json()["authorization_endpoint"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            return Check("sign-in", Outcome.FAIL, f"OpenID Connect {metadata}: {_one_line(error)}")
        where.append(f"OpenID Connect {issuer}")
    if not where:
        return Check("sign-in", Outcome.OK, "local passwords only")
    return Check("sign-in", Outcome.OK, " and ".join(where) + " answer")


def run_checks(app: Flask) -> list[Check]:
    """Every check, in the order a deployment needs them. Those that need the database are
    skipped when it cannot be reached, rather than failing again for the same reason.
    """
    reached = database()

    def after_database(name: str, check: Callable[[], Check]) -> Check:
        if reached.outcome is Outcome.FAIL:
            return Check(name, Outcome.SKIP, "the database cannot be reached")
        return check()

    uses_redis = isinstance(snapshots().store, RedisStore)
    return [
        reached,
        after_database("migrations", lambda: migrations(app)),
        secret_key(app),
        attachment_storage(app),
        cache(app) if uses_redis else after_database("cache", lambda: cache(app)),
        catalogs(app),
        base_url(app),
        sign_in(app),
    ]
