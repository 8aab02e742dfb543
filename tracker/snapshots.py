"""Computed pages shared by every worker and machine, and never stale.

A snapshot is stored under a key that names the plan's data version
(:mod:`tracker.data_version`), the release of the code that computed it, and whatever else the
value depends on (the day, the language). A value under a key never changes, so no snapshot
has to be invalidated: a write moves the plan's version on, and the next read asks for a key
nobody has stored yet. Rows of a plan's other versions are deleted when one is stored.

The shared store is the database by default, or Redis (through Flask-Caching) when
``TRACKER_CACHE_URL`` is set. Each process also keeps the last few values it read: since a
key's value never changes, that copy cannot be stale either. A store that fails is logged and
the value computed; a page never fails because of its cache.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Generic, Protocol, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app
from flask_caching import Cache
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.extensions import db
from tracker.models import Snapshot

log = logging.getLogger(__name__)

LOCAL_ENTRIES = 256
REDIS_TIMEOUT_SECONDS = 7 * 24 * 3600
_EXTENSION = "tracker.snapshots"
Value = TypeVar("Value")


@dataclass(frozen=True)
class SnapshotKey:
    """What a snapshot depends on; ``parts`` name the day, the language and the like."""

    kind: str
    plan_id: int
    data_version: int
    parts: tuple[str, ...] = ()

    def text(self, release: str) -> str:
        """The stored key: readable where it can be, hashed where it could grow."""
        rest = hashlib.sha256("\x1f".join(self.parts).encode()).hexdigest()[:24]
        return f"{self.kind}:{self.plan_id}:{self.data_version}:{release}:{rest}"


class Store(Protocol):
    """Where snapshots are shared."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, snapshot: SnapshotKey, value: bytes) -> None: ...


class DatabaseStore:
    """The ``snapshot`` table, written outside the request's transaction."""

    def get(self, key: str) -> bytes | None:
        with db.engine.connect() as connection:
            return connection.execute(
                sa.select(Snapshot.value).where(Snapshot.key == key)
            ).scalar_one_or_none()

    def put(self, key: str, snapshot: SnapshotKey, value: bytes) -> None:
        row = {
            "key": key,
            "plan_id": snapshot.plan_id,
            "data_version": snapshot.data_version,
            "value": value,
        }
        with db.engine.begin() as connection:
            # Two workers computing the same key at once store the same value: keep the first.
            postgresql = db.engine.dialect.name == "postgresql"
            insert = postgresql_insert if postgresql else sqlite_insert
            connection.execute(insert(Snapshot).values(**row).on_conflict_do_nothing())
            connection.execute(
                sa.delete(Snapshot).where(
                    Snapshot.plan_id == snapshot.plan_id,
                    Snapshot.data_version != snapshot.data_version,
                )
            )


class RedisStore:
    """Redis through Flask-Caching; old versions expire on their own."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def get(self, key: str) -> bytes | None:
        value = self.cache.get(key)
        return value if isinstance(value, bytes) else None

    def put(self, key: str, snapshot: SnapshotKey, value: bytes) -> None:  # noqa: ARG002
        self.cache.set(key, value, timeout=REDIS_TIMEOUT_SECONDS)


class LocalCopies(Generic[Value]):
    """The last values this process used, by keys whose values never change (so a copy is
    never stale); the least recently used go first.
    """

    def __init__(self, size: int = LOCAL_ENTRIES) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)


class Snapshots:
    """The app's snapshot service: a shared store behind a small per-process copy."""

    def __init__(self, store: Store, release: str) -> None:
        self.store = store
        self.release = release
        self.local: LocalCopies[bytes] = LocalCopies()
        self.pages: LocalCopies[bytes] = LocalCopies()  # whole pages (tracker.cached_pages)

    def fetch(self, snapshot: SnapshotKey, compute: Callable[[], bytes]) -> bytes:
        """The value under ``snapshot``, computed and shared when no one has it yet."""
        key = snapshot.text(self.release)
        value = self.local.get(key)
        if value is not None:
            return value
        value = self._shared(key)
        if value is None:
            value = compute()
            self._share(key, snapshot, value)
        self.local.put(key, value)
        return value

    def _shared(self, key: str) -> bytes | None:
        try:
            return self.store.get(key)
        except Exception:  # a cache that fails must not fail the page
            log.warning("Reading snapshot %s failed; computing it", key, exc_info=True)
            return None

    def _share(self, key: str, snapshot: SnapshotKey, value: bytes) -> None:
        try:
            self.store.put(key, snapshot, value)
        except Exception:
            log.warning("Storing snapshot %s failed", key, exc_info=True)


def code_release(root: Path) -> str:
    """A digest of the code, templates and catalogs: a deploy never reads an older snapshot,
    and every machine running the same code agrees on it.
    """
    digest = hashlib.sha256()
    for pattern in ("tracker/**/*.py", "templates/**/*.html", "tracker/translations/**/*.mo"):
        for path in sorted(root.glob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def settings_release(app: Flask, root: Path) -> str:
    """The code's release and the settings every computed figure depends on (the margin by
    which an item counts as behind): instances configured differently share no snapshot.
    """
    settings = f"{code_release(root)}:{app.config['TRACKER_BEHIND_MARGIN']}"
    return hashlib.sha256(settings.encode()).hexdigest()[:12]


def init_app(app: Flask, root: Path) -> None:
    """Choose the shared store from ``TRACKER_CACHE_URL`` (empty: the database)."""
    url = app.config.get("TRACKER_CACHE_URL") or ""
    store: Store
    if url:
        cache = Cache(
            config={
                "CACHE_TYPE": "RedisCache",
                "CACHE_REDIS_URL": url,
                "CACHE_KEY_PREFIX": app.config["TRACKER_CACHE_PREFIX"],
            }
        )
        cache.init_app(app)
        store = RedisStore(cache)
    else:
        store = DatabaseStore()
    app.extensions[_EXTENSION] = Snapshots(store, settings_release(app, root))


def snapshots() -> Snapshots:
    """The current app's snapshot service."""
    service: Snapshots = current_app.extensions[_EXTENSION]
    return service
