"""Scratch PostgreSQL databases for tests: made for one use on a server and dropped after.

Several runs (two developers, CI, the soak beside the suite) can share one server, so each
takes a database of its own under a random name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_postgres(server: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on ``server`` (any database URL on it); dropped after.

    Raises ``sqlalchemy.exc.OperationalError`` when the server cannot be reached.
    """
    base = sa.engine.make_url(server)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
