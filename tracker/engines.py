"""Engine settings that make SQLite safe for several workers writing at once.

SQLite is the embedded default, and ``make soak`` runs it under four gunicorn workers. Two
settings make that safe: write-ahead logging (readers never wait for a writer, a writer
never waits for readers) and a busy timeout (a writer waits its turn for the write lock
instead of failing at once with "database is locked"). The driver begins a transaction just
before the first write, so no read snapshot goes stale under a later write; lost updates are
caught by the models' version columns and the services' conditional updates, as on
PostgreSQL, which needs none of this.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tracker.extensions import db

BUSY_TIMEOUT_MS = 15_000


def _sqlite_on_connect(dbapi_connection: Any, _record: object) -> None:
    if not type(dbapi_connection).__module__.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def install() -> None:
    """Apply the settings to every engine the process creates (idempotent)."""
    if not sa.event.contains(sa.engine.Engine, "connect", _sqlite_on_connect):
        sa.event.listen(sa.engine.Engine, "connect", _sqlite_on_connect)


# Any SELECT, whatever its columns.
Query = sa.Select[*tuple[Any, ...]]


class _Prepared:
    """A statement compiled once for a dialect: its SQL, how to pass its parameters and how
    to convert each column of its rows, as SQLAlchemy would.
    """

    def __init__(self, statement: Query, dialect: sa.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.compiled = compiled
        self.order = tuple(compiled.positiontup or ()) if dialect.positional else None
        self.binds = {
            compiled.bind_names[bind]: processor
            for bind in compiled.binds.values()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        ]

    def arguments(self, parameters: dict[str, Any]) -> Any:
        values = self.compiled.construct_params(parameters)
        for name, processor in self.binds.items():
            values[name] = processor(values[name])
        if self.order is None:
            return values
        return tuple(values[name] for name in self.order)

    def convert(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if processor is None or value is None else processor(value)
            for processor, value in zip(self.results, row, strict=True)
        )


class _Reader:
    """Reads outside any transaction, with SQLAlchemy's cost left out.

    An engine of its own, on the same database, whose connections are in autocommit and have
    nothing to reset when they go back to the pool; the statement is compiled once and run
    on the driver's cursor. Measured on one warm board request: SQLite 148 → 16 µs,
    PostgreSQL 347 → 165 µs (a round trip and nothing more).
    """

    def __init__(self, engine: sa.Engine) -> None:
        # Weakly: the reader is kept by ``engine`` itself (in _READERS and its events).
        self.engine = weakref.ref(engine)
        self.pool = sa.create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None
        )
        self.prepared: dict[int, tuple[Query, _Prepared]] = {}
        # Each thread keeps one connection and its cursor (no check-out per read): a warm page
        # waits on this read, and on PostgreSQL the pool's check-out and a new cursor cost
        # half as much again as the round trip.
        self.local = threading.local()
        self.held: weakref.WeakSet[_Held] = weakref.WeakSet()

    def prepare(self, statement: Query) -> _Prepared:
        found = self.prepared.get(id(statement))
        if found is None or found[0] is not statement:
            found = self.prepared[id(statement)] = (
                statement,
                _Prepared(statement, self.pool.dialect),
            )
        return found[1]

    def _held(self) -> _Held:
        held: _Held | None = getattr(self.local, "held", None)
        if held is None or held.pid != os.getpid():  # (a forked worker opens its own)
            connection = self.pool.raw_connection()
            connection.detach()  # this thread's for good; closed when dropped
            held = self.local.held = _Held(os.getpid(), connection, connection.cursor())
            self.held.add(held)
        return held

    def rows(
        self, statement: Query, parameters: dict[str, Any], one: bool
    ) -> list[tuple[Any, ...]]:
        prepared = self.prepare(statement)
        arguments = prepared.arguments(parameters)
        held = self._held()
        cursor = held.cursor
        engine = self.engine()
        if engine is not None and engine.dispatch.before_cursor_execute:  # counters (tests)
            engine.dispatch.before_cursor_execute(
                None, cursor, prepared.sql, arguments, None, False
            )
        try:
            cursor.execute(prepared.sql, arguments)
            found = [cursor.fetchone()] if one else cursor.fetchall()
        except self.pool.dialect.loaded_dbapi.Error as error:
            self.local.held = None  # a broken connection is not used again
            held.close()
            raise sa.exc.DBAPIError.instance(
                prepared.sql, arguments, error, self.pool.dialect.loaded_dbapi.Error
            ) from error
        return [prepared.convert(row) for row in found if row is not None]

    def dispose(self, *_: object) -> None:
        for held in list(self.held):
            held.close()
        self.local = threading.local()
        self.pool.dispose()


@dataclass(eq=False)
class _Held:
    """A thread's own connection for quick reads, and its cursor."""

    pid: int
    connection: Any
    cursor: Any

    def close(self) -> None:
        with contextlib.suppress(Exception):  # (closing a broken connection may fail too)
            self.cursor.close()
            self.connection.close()

    def __del__(self) -> None:
        # A thread that ends drops its own: close it rather than leave it to the driver,
        # which warns about a connection deleted while open (threaded servers, tests). A
        # forked worker never closes its parent's: that would end the parent's session.
        if self.pid == os.getpid():
            self.close()


_READERS: weakref.WeakKeyDictionary[sa.Engine, _Reader] = weakref.WeakKeyDictionary()


def _reader() -> _Reader:
    engine = db.engine
    reader = _READERS.get(engine)
    if reader is None:
        reader = _READERS[engine] = _Reader(engine)
        sa.event.listen(engine, "engine_disposed", reader.dispose)
    return reader


def quick_rows(statement: Query, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every row, read as :func:`quick_row` reads one."""
    return _reader().rows(statement, parameters, one=False)


def quick_row(statement: Query, parameters: dict[str, Any]) -> tuple[Any, ...] | None:
    """One row, read in autocommit outside the request's transaction.

    For the reads that decide whether a kept page can be served (who is signed in, which
    data version the plan is at): on PostgreSQL a transaction costs two more round trips
    (BEGIN, ROLLBACK) than the query itself, as much again as the query. A request served
    from a snapshot then opens no transaction at all; one that must compute opens its own,
    which sees data at least as new as the version read here.
    """
    found = _reader().rows(statement, parameters, one=True)
    return found[0] if found else None
