"""Rules of API tokens: their labels."""

from __future__ import annotations

from enum import StrEnum

LABEL_MAX = 100


class TokenProblem(StrEnum):
    """Why a token could not be made."""

    LABEL_REQUIRED = "label_required"
    LABEL_TOO_LONG = "label_too_long"
    USER_INACTIVE = "user_inactive"
