"""The days a date field may name, in every form and in the API.

A plan runs for a few years; a day before 2000 or after 2100 is a typing mistake (0001-01-01
from a cleared picker, a year with five digits), never a fact about a plan.
"""

from __future__ import annotations

from datetime import date

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def in_range(day: date) -> bool:
    """Whether ``day`` is one a plan could mean."""
    return EARLIEST <= day <= LATEST
