"""Backups that any engine can restore: SQLite to PostgreSQL and back, evidence files included.

A backup is one zip file: ``manifest.json`` (format, schema revision, row counts), one JSON
Lines file per table (values as text: dates and moments in ISO 8601, bytes in base64), and
the evidence files under ``attachments/``, read from whichever
:mod:`~tracker.services.exports.attachment_storage` is configured (their table, when they are
kept in the database, is carried as files, not as rows). A restore goes into an empty
database migrated to the same revision, table by table in foreign-key order, and puts the
files into the storage configured there, all in one transaction: a failed restore leaves
neither rows nor files. On PostgreSQL the id sequences are then moved past the restored ids
so new rows do not collide.
"""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext

from tracker.extensions import db
from tracker.models import Attachment, AttachmentContent
from tracker.services.exports.attachment_storage import STORED_NAME, AttachmentStorage

FORMAT = "plan-tracker-backup/1"
MANIFEST = "manifest.json"
TABLES = "tables/"
ATTACHMENTS = "attachments/"
_BATCH = 1000
# Carried as files under ATTACHMENTS/, whichever storage holds them.
_FILE_TABLES = frozenset({AttachmentContent.__tablename__})


class BackupError(Exception):
    """A backup that cannot be restored here, with the reason in words."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds or what a restore wrote: rows per table and files."""

    revision: str | None
    rows: dict[str, int]
    files: int
    # Files in a backup that no evidence row names (left out of a restore).
    unclaimed: int = 0


def _schema_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _python_type(column: sa.Column[Any]) -> type | None:
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def _to_json(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_json(column: sa.Column[Any], value: object) -> object:
    if value is None:
        return None
    kind = _python_type(column)
    if kind is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is bytes and isinstance(value, dict):
        return base64.b64decode(value["base64"])
    if kind is Decimal and isinstance(value, str):
        return Decimal(value)
    return value


def _rows(connection: sa.Connection, table: sa.Table) -> Iterator[dict[str, object]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=_BATCH).execute(
        sa.select(table).order_by(*order)
    )
    for row in result.mappings():
        yield {name: _to_json(value) for name, value in row.items()}


def _row_tables() -> list[sa.Table]:
    """The tables carried as rows, in foreign-key order."""
    return [t for t in db.metadata.sorted_tables if t.name not in _FILE_TABLES]


def write_backup(target: Path, storage: AttachmentStorage) -> BackupSummary:
    """Write every table and every evidence file in ``storage`` to ``target``."""
    counts: dict[str, int] = {}
    files = 0
    with (
        db.engine.connect() as connection,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        revision = _schema_revision(connection)
        for table in _row_tables():
            count = 0
            with archive.open(f"{TABLES}{table.name}.jsonl", "w") as handle:
                for row in _rows(connection, table):
                    handle.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                    count += 1
            counts[table.name] = count
        for stored_name in storage.stored_names():
            data = storage.read(stored_name)
            if data is not None:
                archive.writestr(ATTACHMENTS + stored_name, data)
                files += 1
        manifest = {"format": FORMAT, "revision": revision, "rows": counts, "files": files}
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return BackupSummary(revision, counts, files)


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The backup's manifest, or a clear error for a file that is not one of ours."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise BackupError("This file is not a Plan Tracker backup (no manifest).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This file is not a Plan Tracker backup of a known format.")
    return manifest


def _check_target(connection: sa.Connection, revision: str | None) -> None:
    here = _schema_revision(connection)
    if here != revision:
        raise BackupError(
            f"The backup has schema revision {revision}, this database {here}: "
            "run `flask db upgrade` (or restore with the matching version of the app)."
        )
    for table in db.metadata.sorted_tables:
        if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
            raise BackupError(f"The database is not empty (table {table.name} has rows).")


def _insert_table(connection: sa.Connection, archive: zipfile.ZipFile, table: sa.Table) -> int:
    columns = {column.name: column for column in table.columns}
    batch: list[dict[str, object]] = []
    count = 0
    with archive.open(f"{TABLES}{table.name}.jsonl") as handle:
        for line in handle:
            raw = json.loads(line)
            batch.append({name: _from_json(columns[name], v) for name, v in raw.items()})
            if len(batch) >= _BATCH:
                connection.execute(table.insert(), batch)
                count += len(batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count


def _move_sequences(connection: sa.Connection) -> None:
    """PostgreSQL hands out ids from sequences, which a restore with ids does not advance."""
    if connection.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or _python_type(key[0]) is not int:
            continue
        sequence = connection.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": key[0].name},
        ).scalar_one()
        if sequence:
            connection.execute(
                sa.text(
                    f"SELECT setval(:sequence, COALESCE((SELECT MAX({key[0].name}) "  # noqa: S608
                    f"FROM {table.name}), 0) + 1, false)"
                ),
                {"sequence": sequence},
            )


def restore_backup(source: Path, storage: AttachmentStorage) -> BackupSummary:
    """Restore ``source`` into this (empty, migrated) database and ``storage``, or nothing."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"Cannot read {source}: {error}") from error
    with archive:
        manifest = read_manifest(archive)
        counts: dict[str, int] = {}
        try:
            connection = db.session.connection()
            _check_target(connection, manifest.get("revision"))
            for table in _row_tables():
                counts[table.name] = _insert_table(connection, archive, table)
            _move_sequences(connection)
            files, unclaimed = _restore_files(archive, storage)
            db.session.commit()
        except BaseException:
            db.session.rollback()  # and the files written so far go with it
            raise
    return BackupSummary(manifest.get("revision"), counts, files, unclaimed)


def _restore_files(archive: zipfile.ZipFile, storage: AttachmentStorage) -> tuple[int, int]:
    """Put each file that an evidence row names into ``storage``; count the others."""
    names = db.session.scalars(sa.select(Attachment.stored_name))
    claimed = {name for name in names if STORED_NAME.fullmatch(name)}
    files = unclaimed = 0
    for name in archive.namelist():
        if not name.startswith(ATTACHMENTS) or name.endswith("/"):
            continue
        stored = Path(name).name
        if stored != name[len(ATTACHMENTS) :] or stored.startswith("."):
            raise BackupError(f"Unexpected file name in the backup: {name}")
        if stored not in claimed:
            unclaimed += 1
            continue
        storage.add(stored, archive.read(name))
        files += 1
    return files, unclaimed
