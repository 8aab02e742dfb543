"""Refusals: one exception for every rule a command can break, and who is acting.

A command that refuses raises :class:`Refused` with every problem it found (members of the
command's ``*Problem`` enum) and whatever the words need (a date, a file name). Pages and the
API word the problems from one registry (:mod:`tracker.messages`), so no view catches a
service-specific error type and no service knows how it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Refused(Exception):  # noqa: N818  (reads as what happened: the command was refused)
    """A refused command, with every problem found and the facts its messages name."""

    def __init__(self, problems: Iterable[StrEnum], **context: object) -> None:
        self.problems: list[StrEnum] = list(problems)
        self.context: dict[str, object] = context
        super().__init__(", ".join(self.problems))

    @classmethod
    def unless_clean(cls, problems: Sequence[StrEnum], **context: object) -> None:
        """Raise when a rule check found anything; commands call it before they write."""
        if problems:
            raise cls(problems, **context)


class Conflict(StrEnum):
    """Problems of timing rather than of input: someone else was first."""

    STALE_VERSION = "stale_version"


class StaleVersion(Refused):
    """The form was based on an older version: show what is current and what changed since.

    ``current_version`` is None when the database found the conflict at flush time; the
    boundary then reloads the row to learn it.
    """

    def __init__(self, current_version: int | None, recent: Sequence[Any] = ()) -> None:
        super().__init__([Conflict.STALE_VERSION])
        self.current_version = current_version
        self.recent: list[Any] = list(recent)


@dataclass(frozen=True)
class Who:
    """Who is acting, when and from where: every command takes one, for history and audit.

    ``actor`` is the signed-in user (a ``tracker.models.User``), None for the system itself.
    """

    now: datetime
    actor: Any = None
    address: str = ""
