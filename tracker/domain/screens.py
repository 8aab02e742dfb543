"""Rules of big-screen links: their labels."""

from __future__ import annotations

from enum import StrEnum

LABEL_MAX = 100


class ScreenProblem(StrEnum):
    """Why a screen link could not be made."""

    LABEL_REQUIRED = "label_required"
    LABEL_TOO_LONG = "label_too_long"


def label_problems(label: str) -> list[ScreenProblem]:
    """A label names the display (for example the meeting room): 1 to 100 characters."""
    label = label.strip()
    if not label:
        return [ScreenProblem.LABEL_REQUIRED]
    if len(label) > LABEL_MAX:
        return [ScreenProblem.LABEL_TOO_LONG]
    return []
