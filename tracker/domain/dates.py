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


def days_pattern(first: date, last: date) -> str:
    """A regular expression of the YYYY-MM-DD texts from ``first`` to ``last`` in text order,
    which is day order; whether a text names a real day is the ``date`` format's question.

    The API's document publishes it, so that "never after today" is in the description a
    client validates against, not only in the server's rules (the document is built per day).
    """
    # Texts, not days: a whole year is every text from YYYY-00-00 to YYYY-99-99.
    low = f"{first.year:04d}-00-00" if (first.month, first.day) == (1, 1) else first.isoformat()
    high = f"{last.year:04d}-99-99" if (last.month, last.day) == (12, 31) else last.isoformat()
    return f"^(?:{_between(low, high)})$"


def _between(low: str, high: str) -> str:
    """Texts as long as ``low`` and ``high``, digit by digit between them (dashes fixed)."""
    lowest, highest = _fill(low, "0"), _fill(low, "9")
    if low == lowest and high == highest:
        return _fill(low, r"\d")
    if low[0] == high[0]:
        return low[0] + _group(_between(low[1:], high[1:]))
    parts = [low[0] + _group(_between(low[1:], highest[1:]))]
    if int(high[0]) - int(low[0]) > 1:
        first, last = int(low[0]) + 1, int(high[0]) - 1
        digits = str(first) if first == last else f"[{first}-{last}]"
        parts.append(digits + _fill(low[1:], r"\d"))
    parts.append(high[0] + _group(_between(lowest[1:], high[1:])))
    return "|".join(parts)


def _fill(template: str, digit: str) -> str:
    """``digit`` where ``template`` has a digit, its dashes where it has dashes."""
    return "".join("-" if c == "-" else digit for c in template)


def _group(pattern: str) -> str:
    return f"(?:{pattern})" if "|" in pattern else pattern
