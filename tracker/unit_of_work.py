"""The request boundary: one commit per write, or one rollback, and refusals as values.

Every write view and API call runs its service call inside :func:`unit_of_work`; commands
flush and never commit. A row changed by someone else meanwhile (the optimistic lock of
``version_id_col``) surfaces at flush or commit as SQLAlchemy's ``StaleDataError``; a row
someone else inserted meanwhile under the same unique key (two first loads of one plan file)
as a unique-constraint violation. Both become :class:`~tracker.domain.refusal.StaleVersion`,
so callers handle one refusal type: someone else was first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import errors as pg_errors
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.domain.refusal import Refused, StaleVersion
from tracker.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit when the block ends; roll back and re-raise when anything goes wrong."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleVersion(None) from None
    except IntegrityError as error:
        db.session.rollback()
        if lost_a_race(error):
            raise StaleVersion(None) from None
        raise
    except BaseException:
        db.session.rollback()
        raise


def lost_a_race(error: IntegrityError) -> bool:
    """Whether the refused write met a row another writer inserted first under a unique key
    (any other integrity error is a bug, and stays one).
    """
    cause = error.orig
    return isinstance(cause, pg_errors.UniqueViolation) or "UNIQUE constraint failed" in str(cause)


@dataclass
class Attempt:
    """What became of a page's write: ``refused`` is None when it was committed."""

    refused: Refused | None = None

    @property
    def stale(self) -> StaleVersion | None:
        """The refusal when it was a lost race on a version, for the "changed since" panel."""
        return self.refused if isinstance(self.refused, StaleVersion) else None


@contextmanager
def attempt() -> Iterator[Attempt]:
    """For pages: a :func:`unit_of_work` whose refusal is kept for the page to show."""
    outcome = Attempt()
    try:
        with unit_of_work():
            yield outcome
    except Refused as refusal:
        outcome.refused = refusal
