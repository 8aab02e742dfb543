"""Moving the evidence files one machine kept on its own disk into the shared storage.

Earlier versions wrote each file into the ``instance/attachments/`` of the machine that
received it. :func:`move_local_attachments` stores each such file that an evidence row names
and whose sha256 agrees with the row, commits, reads it back, and only then deletes the local
copy: a file that could not be stored, or does not match, is never deleted. Run it again at
any time (on every machine that kept files): what is already stored is not stored twice.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import Attachment
from tracker.services.exports.attachment_storage import AttachmentStorage, DirectoryStorage


class MoveError(Exception):
    """The move cannot start, with the reason in words."""


@dataclass
class MoveReport:
    """What became of each local file (by stored name), and the rows whose file is nowhere."""

    moved: list[str] = field(default_factory=list)
    already_stored: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        """Whether anything needs a person: a file kept back, or a file that is nowhere."""
        return bool(self.mismatched or self.unknown or self.failed or self.missing)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _same_place(source: Path, storage: AttachmentStorage) -> bool:
    return isinstance(storage, DirectoryStorage) and (
        storage.directory.resolve() == source.resolve()
    )


def move_local_attachments(
    source: Path, storage: AttachmentStorage, *, dry_run: bool = False
) -> MoveReport:
    """Move the files in ``source`` into ``storage``, one commit per file.

    With ``dry_run`` nothing is written or deleted; the report says what would be moved.
    """
    if _same_place(source, storage):
        raise MoveError(f"{source} is the configured storage already: nothing to move.")
    rows = db.session.execute(sa.select(Attachment.stored_name, Attachment.sha256))
    checksums: dict[str, str] = dict(rows.all())
    report = MoveReport()
    local = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else []
    for path in local:
        _move_one(path, checksums.get(path.name), storage, report, dry_run=dry_run)
    here = {path.name for path in local}
    report.missing = [
        name for name in sorted(checksums) if name not in here and not storage.holds(name)
    ]
    db.session.rollback()  # end the reading transaction; every move was committed already
    if not dry_run and source.is_dir():
        with contextlib.suppress(OSError):
            source.rmdir()  # only when emptied
    return report


def _move_one(
    path: Path,
    expected: str | None,
    storage: AttachmentStorage,
    report: MoveReport,
    *,
    dry_run: bool,
) -> None:
    """Store one local file and delete it, or say why it stays."""
    name = path.name
    if expected is None:
        report.unknown.append(name)
        return
    if _sha256(path.read_bytes()) != expected:
        report.mismatched.append(name)
        return
    if storage.holds(name):
        stored = storage.read(name)
        if stored is None or _sha256(stored) != expected:
            report.failed.append((name, "a different copy is stored already"))
            return
        report.already_stored.append(name)
        if not dry_run:
            path.unlink()
        return
    if dry_run:
        report.moved.append(name)
        return
    try:
        storage.add(name, path.read_bytes())
        db.session.commit()
        stored = storage.read(name)
    except (OSError, sa.exc.SQLAlchemyError) as error:
        db.session.rollback()
        report.failed.append((name, str(error).splitlines()[0]))
        return
    if stored is None or _sha256(stored) != expected:
        report.failed.append((name, "the stored copy does not read back the same"))
        return
    path.unlink()
    report.moved.append(name)
