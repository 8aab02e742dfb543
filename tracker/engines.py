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

import weakref
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


_QUICK: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()


def _quick_engine() -> sa.Engine:
    engine = db.engine
    quick = _QUICK.get(engine)
    if quick is None:
        quick = _QUICK[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return quick


def quick_rows(statement: sa.Executable, parameters: dict[str, Any]) -> list[sa.Row[Any]]:
    """Every row, read as :func:`quick_row` reads one."""
    with _quick_engine().connect() as connection:
        return list(connection.execute(statement, parameters))


def quick_row(statement: sa.Executable, parameters: dict[str, Any]) -> sa.Row[Any] | None:
    """One row, read in autocommit outside the request's transaction.

    For the reads that decide whether a kept page can be served (who is signed in, which
    data version the plan is at): on PostgreSQL a transaction costs two more round trips
    (BEGIN, ROLLBACK) than the query itself, as much again as the query. A request served
    from a snapshot then opens no transaction at all; one that must compute opens its own,
    which sees data at least as new as the version read here.
    """
    with _quick_engine().connect() as connection:
        return connection.execute(statement, parameters).first()
