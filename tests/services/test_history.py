"""The update history is append-only, whatever a code path tries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from tracker.extensions import db
from tracker.models import Update


def test_history_rows_cannot_be_edited_or_deleted(seeded: Flask) -> None:
    row = db.session.scalar(sa.select(Update).limit(1))
    row.note = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()

    row = db.session.scalar(sa.select(Update).limit(1))
    db.session.delete(row)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(Update).where(Update.id == row.id)).note != "rewritten"
