"""Pages of a long list: ``?page=N`` read forgivingly, 50 entries a page.

A page number that is not a positive whole number is page 1; a page past the last is 404 (so
a stale link says the page is gone rather than showing an empty list). Nothing a visitor types
reaches the database as an offset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort

T = TypeVar("T")

PER_PAGE = 50
MAX_DIGITS = 9  # more than any real list has pages; longer input is page 1


def page_number(args: Mapping[str, str], name: str = "page") -> int:
    """The requested page, 1 for anything that is not a positive whole number."""
    raw = (args.get(name) or "").strip()
    if not raw.isdigit() or not raw.isascii() or len(raw) > MAX_DIGITS:
        return 1
    return max(int(raw), 1)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its entries, its number and how many there are in all."""

    entries: list[T]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first entry in the whole list."""
        return (self.number - 1) * self.per_page + 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: first, last, a few around this one; ``None`` for a gap."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(entries: Sequence[T], number: int, per_page: int = PER_PAGE) -> Page[T]:
    """The ``number``-th page of ``entries``; 404 past the last page."""
    page: Page[T] = Page([], number, len(entries), per_page)
    if number > page.pages:
        abort(404)
    start = (number - 1) * per_page
    return Page(list(entries[start : start + per_page]), number, len(entries), per_page)
