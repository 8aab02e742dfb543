"""Pages whose expensive part is rendered once and shared, and whose shell is per request.

A page template that starts with ``{% extends layout|default("base.html") %}`` can be rendered
two ways: whole, as usual, or as its blocks alone (``_blocks.html`` as the layout), which hold
nothing of the signed-in user. The blocks are what a snapshot keeps
(:mod:`tracker.snapshots`); ``_shell.html`` then puts them in the navigation, messages and
sign-out form of the user asking, which costs little.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from markupsafe import Markup

from tracker.conditional import message_waiting
from tracker.session_cookies import csrf_token
from tracker.snapshots import snapshots

MARK = "<!--tracker:block-->"
# Stands in for the session's CSRF token in a kept page; replaced on every answer.
CSRF_PLACEHOLDER = "tracker-csrf-placeholder-8c1e"
BLOCKS = ("title", "head", "content", "scripts")


def render_blocks(template: str, **context: Any) -> bytes:
    """The page's blocks, rendered with no user-specific shell around them (and a placeholder
    for any CSRF token in them: blocks are shared between users).
    """
    return render_template(
        template, layout="_blocks.html", csrf_token=_placeholder, **context
    ).encode()


def page_from_blocks(value: bytes) -> bytes:
    """The whole page: the stored blocks inside the shell of the current request."""
    return _with_csrf(_page(value))


def shared_page(tag: str, blocks: Callable[[], bytes]) -> bytes:
    """The page whose ETag is ``tag``, the same for every request with that tag.

    The tag names everything the page shows (:mod:`tracker.conditional`), so this process
    keeps the finished page by tag and path, with a placeholder for the CSRF token, and only
    a page with a message waiting is rendered again.
    """
    if message_waiting():
        return page_from_blocks(blocks())
    pages = snapshots().pages
    key = f"{tag}:{request.path}"
    page = pages.get(key)
    if page is None:
        page = _page(blocks())
        pages.put(key, page)
    return _with_csrf(page)


def _placeholder() -> str:
    return CSRF_PLACEHOLDER


def _page(value: bytes) -> bytes:
    """The page with the placeholder where the session's CSRF token goes, encoded once: a
    page of Chinese text takes longer to encode than all the rest of a warm request.
    """
    parts = value.decode().split(MARK)
    if len(parts) != len(BLOCKS):
        raise ValueError("a stored page does not have the expected blocks")
    blocks = dict(zip(BLOCKS, map(Markup, parts), strict=True))
    return render_template("_shell.html", blocks=blocks, csrf_token=_placeholder).encode()


def _with_csrf(page: bytes) -> bytes:
    return page.replace(CSRF_PLACEHOLDER.encode(), csrf_token().encode())
