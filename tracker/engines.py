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

from typing import Any

import sqlalchemy as sa

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
