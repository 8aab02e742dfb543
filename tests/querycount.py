"""Count the SQL statements a block of code sends, to catch N+1 queries in tests."""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tracker.extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every statement executed on the app's engine while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
