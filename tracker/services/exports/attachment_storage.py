"""Where the bytes of evidence files are kept: in the database, or in a shared directory.

Several app machines serve one database, so a file uploaded through one must be readable
through every other: nothing is kept on a machine's own disk. Without
``TRACKER_ATTACHMENTS_DIR`` the bytes go into the ``attachment_content`` table, in the same
transaction as their :class:`~tracker.models.Attachment` row. With it, they go into that
directory (a volume every machine mounts), and the files written by a transaction that is
rolled back are removed again, so a refused form leaves nothing either way.

Files are known by their ``stored_name`` (32 hex digits, never a name a user chose), which
is also their name in a backup.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

from tracker.extensions import db
from tracker.models import AttachmentContent

STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 256 * 1024
# Files written in the session's current transaction, removed again if it is rolled back.
_PENDING = "attachment_files_pending"
_CONTENT = cast(sa.Table, AttachmentContent.__table__)


@dataclass(frozen=True)
class StoredFile:
    """A stored file ready to be sent: its size, and its bytes in pieces.

    ``chunks`` reads nothing until it is iterated, so an answer that sends no body (304, HEAD)
    costs no read, and it needs no request context: a download is sent after the request's
    database session is already given back.
    """

    size: int
    chunks: Iterator[bytes]


class AttachmentStorage(Protocol):
    """What the app asks of the place evidence files are kept."""

    description: str

    def add(self, stored_name: str, data: bytes) -> None:
        """Keep ``data`` as part of the session's current transaction (gone on rollback)."""

    def find(self, stored_name: str) -> StoredFile | None:
        """The stored file to send, or None when there is none under that name."""

    def read(self, stored_name: str) -> bytes | None:
        """All the bytes of a stored file, or None when there is none under that name."""

    def holds(self, stored_name: str) -> bool:
        """Whether a file is stored under that name."""

    def stored_names(self) -> list[str]:
        """Every stored file's name, sorted."""


def _valid(stored_name: str) -> bool:
    return STORED_NAME.fullmatch(stored_name or "") is not None


class DatabaseStorage:
    """Bytes in ``attachment_content`` rows: shared by every machine on the database.

    Writes go through the session's connection as plain inserts, so they join its
    transaction without keeping 10 MB objects in the session (nor counting as a change to
    the plans' pages, see :mod:`tracker.data_version`).
    """

    description = "the database (table attachment_content)"

    def add(self, stored_name: str, data: bytes) -> None:
        """Insert the bytes in the session's transaction; its commit or rollback decides."""
        if not _valid(stored_name):
            raise ValueError(f"not a stored name: {stored_name!r}")
        db.session.connection().execute(
            _CONTENT.insert(), {"stored_name": stored_name, "data": data}
        )

    def find(self, stored_name: str) -> StoredFile | None:
        """The size now, the bytes only when sent (read through a connection of their own)."""
        if not _valid(stored_name):
            return None
        size = db.session.scalar(
            sa.select(sa.func.length(_CONTENT.c.data)).where(_CONTENT.c.stored_name == stored_name)
        )
        if size is None:
            return None
        return StoredFile(int(size), _row_chunks(db.engine, stored_name))

    def read(self, stored_name: str) -> bytes | None:
        """The whole row's bytes (a file is at most 10 MB)."""
        if not _valid(stored_name):
            return None
        return db.session.scalar(
            sa.select(_CONTENT.c.data).where(_CONTENT.c.stored_name == stored_name)
        )

    def holds(self, stored_name: str) -> bool:
        """Whether a row holds this file (its bytes are not read)."""
        query = sa.select(_CONTENT.c.stored_name).where(_CONTENT.c.stored_name == stored_name)
        return _valid(stored_name) and db.session.scalar(query) is not None

    def stored_names(self) -> list[str]:
        """Every row's name."""
        query = sa.select(_CONTENT.c.stored_name).order_by(_CONTENT.c.stored_name)
        return list(db.session.scalars(query))


def _row_chunks(engine: sa.Engine, stored_name: str) -> Iterator[bytes]:
    """Read the row on first use, give the connection back, then hand out the bytes in pieces."""
    with engine.connect() as connection:
        data = connection.execute(
            sa.select(_CONTENT.c.data).where(_CONTENT.c.stored_name == stored_name)
        ).scalar_one_or_none()
    view = memoryview(data or b"")
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


class DirectoryStorage:
    """Files in a directory that every app machine mounts (``TRACKER_ATTACHMENTS_DIR``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"the directory {directory}"

    def path(self, stored_name: str) -> Path | None:
        """Where a file is kept, or None when the name is not one of ours (never followed)."""
        return self.directory / stored_name if _valid(stored_name) else None

    def add(self, stored_name: str, data: bytes) -> None:
        """Write the file now; it is removed again if the session's transaction is not committed."""
        path = self.path(stored_name)
        if path is None:
            raise ValueError(f"not a stored name: {stored_name!r}")
        self.directory.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:
            handle.write(data)
        path.chmod(0o600)
        db.session.info.setdefault(_PENDING, []).append(path)

    def find(self, stored_name: str) -> StoredFile | None:
        """The file's size now; its bytes when sent."""
        path = self.path(stored_name)
        if path is None or not path.is_file():
            return None
        return StoredFile(path.stat().st_size, _file_chunks(path))

    def read(self, stored_name: str) -> bytes | None:
        """The whole file, or None when there is none."""
        path = self.path(stored_name)
        if path is None or not path.is_file():
            return None
        return path.read_bytes()

    def holds(self, stored_name: str) -> bool:
        """Whether the file is there."""
        path = self.path(stored_name)
        return path is not None and path.is_file()

    def stored_names(self) -> list[str]:
        """The names of the files there that are ours (anything else is left alone)."""
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if _valid(p.name) and p.is_file())


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def attachment_storage(app: Flask) -> AttachmentStorage:
    """The storage this deployment is configured with: a shared directory, else the database."""
    directory = app.config.get("TRACKER_ATTACHMENTS_DIR") or ""
    if directory:
        return DirectoryStorage(Path(directory))
    return DatabaseStorage()


def local_attachment_directory(app: Flask) -> Path:
    """Where earlier versions kept evidence files, one machine's ``instance/attachments``.

    Read only by ``flask attachments move``, which moves them into :func:`attachment_storage`.
    """
    return Path(app.instance_path) / "attachments"


@sa.event.listens_for(so.Session, "after_commit")
def _keep_committed_files(session: so.Session) -> None:
    session.info.pop(_PENDING, None)


@sa.event.listens_for(so.Session, "after_transaction_end")
def _remove_files_of_uncommitted_rows(session: so.Session, transaction: object) -> None:
    """A transaction rolled back or closed without commit keeps no row, so none of its files.

    ``after_commit`` runs first on a commit and takes the list away, so nothing is removed then.
    """
    if getattr(transaction, "parent", None) is not None:  # only the outermost transaction
        return
    for path in session.info.pop(_PENDING, []):
        with contextlib.suppress(OSError):
            path.unlink()
