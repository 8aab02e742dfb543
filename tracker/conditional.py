"""Conditional requests: an ETag from what a page depends on, and 304 when nothing moved.

A page's tag is built from the plan's data version (:mod:`tracker.data_version`), the
release of the code, and whatever else the page shows (the day, the language, the signed-in
user), so it changes exactly when the page would. A client that sends it back in
``If-None-Match`` gets ``304 Not Modified`` before anything is loaded or rendered: the big
screen and a leader's open board poll for almost nothing.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Response, request, session
from flask_babel import get_locale
from flask_login import current_user

from tracker.engines import quick_rows
from tracker.models import Plan
from tracker.snapshots import snapshots

# Browsers keep the page but ask every time: never shown stale, cheap when unchanged.
REVALIDATE = "private, no-cache"


def page_tag(*parts: object) -> str:
    """The ETag of a page that depends on ``parts`` (and on its URL and on the code that
    renders it).
    """
    text = "\x1f".join(str(part) for part in (snapshots().release, request.full_path, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_VERSIONS = sa.select(Plan.id, Plan.data_version).order_by(Plan.id)


def every_plan_version() -> tuple[tuple[int, int], ...]:
    """Each plan's id and data version, for reads that are not about one plan."""
    versions = []
    for row in quick_rows(_VERSIONS, {}):
        plan_id, version = tuple(row)
        versions.append((int(plan_id), int(version)))
    return tuple(versions)


def shell() -> tuple[object, ...]:
    """What the page shell shows of the request: the user's name, role and department (the
    navigation) and the language.
    """
    user = current_user
    if not user.is_authenticated:
        return ("anonymous", str(get_locale()))
    return (user.id, user.label, user.role, user.department_id, str(get_locale()))


def message_waiting() -> bool:
    """Whether a flashed message waits to be shown: that answer is never kept or skipped."""
    return "_flashes" in session


def not_modified(tag: str) -> Response | None:
    """A 304 when the client already holds this version of the page, else None.

    A page with a message waiting to be shown (a flash) is always sent in full.
    """
    if message_waiting() or tag not in request.if_none_match.as_set():
        return None  # ("*", any current page, is only known once the page is: see tagged)
    return tagged(Response(status=304), tag)


def tagged(response: Response, tag: str) -> Response:
    """Mark ``response`` with its tag, to be revalidated on every use (and answer 304 to
    ``If-None-Match: *``, now that the page is known to exist).
    """
    if response.status_code == 200 and request.if_none_match.star_tag:
        response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = REVALIDATE
    return response
