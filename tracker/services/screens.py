"""Screen links (大屏): read-only links for the meeting-room display, and what the screen shows.

An admin makes a link for a display; the random token in it is the credential, shown once
and stored only as its SHA-256 hash (like one-time passwords, it cannot be displayed again).
Revoking a link keeps its row, so the list still says who made and who revoked it; both are
audited. Opening the screen notes when the link was last used, at most once a minute, so a
display refreshing itself does not write on every refresh.

The rules (:func:`label_problems`, :func:`needs_touch`, :func:`days_left`,
:func:`overdue_milestones`) take plain values. The service functions check them, raise
:class:`ScreenError` with problem codes the caller words in the user's language, write, flush,
and leave the commit to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import Item, Milestone, Plan, ScreenLink
from tracker.services import audit
from tracker.services.accounts import Who
from tracker.services.progress import PlanProgress, load_progress

LABEL_MAX = 100
TOKEN_BYTES = 32
# A token as new_token() makes it; anything else cannot name a link and is not even looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")
# Opening the screen records the use at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)
# The screen lists at most this many overdue milestones, the longest overdue first.
OVERDUE_SHOWN = 8


class ScreenProblem(StrEnum):
    """Why a screen link could not be made."""

    LABEL_REQUIRED = "label_required"
    LABEL_TOO_LONG = "label_too_long"


class ScreenError(Exception):
    """A refused change, with every reason found."""

    def __init__(self, problems: list[ScreenProblem]) -> None:
        self.problems = problems
        super().__init__(", ".join(problems))


# Rules: plain values in, plain values out.


def new_token() -> str:
    """A random, URL-safe token of 256 bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest kept in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def label_problems(label: str) -> list[ScreenProblem]:
    """A label names the display (for example the meeting room): 1 to 100 characters."""
    label = label.strip()
    if not label:
        return [ScreenProblem.LABEL_REQUIRED]
    if len(label) > LABEL_MAX:
        return [ScreenProblem.LABEL_TOO_LONG]
    return []


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` should be written: first use, or a minute after the last."""
    return last_used_at is None or now - last_used_at >= TOUCH_INTERVAL


def days_left(end: date, as_of: date) -> int:
    """Whole days from ``as_of`` to the plan's end day; 0 on the last day and afterwards."""
    return max(0, (end - as_of).days)


@dataclass(frozen=True)
class OverdueMilestone:
    """An open milestone past its due date, with its item and how many days late it is."""

    milestone: Milestone
    item: Item
    days_overdue: int


@dataclass(frozen=True)
class Screen:
    """Everything the big screen shows, computed at ``progress.as_of``.

    ``overdue`` holds every overdue milestone, the longest overdue first; the page shows
    ``overdue_shown`` of them and says how many more there are.
    """

    progress: PlanProgress
    days_left: int
    overdue: tuple[OverdueMilestone, ...]

    @property
    def overdue_shown(self) -> tuple[OverdueMilestone, ...]:
        return self.overdue[:OVERDUE_SHOWN]

    @property
    def overdue_hidden(self) -> int:
        return max(0, len(self.overdue) - OVERDUE_SHOWN)


def overdue_milestones(progress: PlanProgress) -> tuple[OverdueMilestone, ...]:
    """The plan's overdue milestones at its as-of date: earliest due first, then by code."""
    as_of = progress.as_of
    found = []
    for section in progress.sections:
        for row in section.rows:
            for milestone, result in zip(row.item.milestones, row.result.milestones, strict=True):
                if result.overdue:
                    found.append(
                        OverdueMilestone(
                            milestone=milestone,
                            item=row.item,
                            days_overdue=(as_of - milestone.due).days,
                        )
                    )
    found.sort(key=lambda o: (o.milestone.due, o.milestone.code))
    return tuple(found)


# Services.


def create_link(who: Who, *, label: str) -> tuple[ScreenLink, str]:
    """Make a link for a display; return it with its token, which is never available again."""
    problems = label_problems(label)
    if problems:
        raise ScreenError(problems)
    token = new_token()
    link = ScreenLink(
        label=label.strip(),
        token_hash=hash_token(token),
        created_by_id=who.actor.id if who.actor is not None else None,
        created_at=who.now,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        "screen_link_created",
        now=who.now,
        actor=who.actor,
        address=who.address,
        target=link,
        detail=link.label,
    )
    return link, token


def revoke_link(who: Who, link: ScreenLink) -> bool:
    """Revoke a link for good; False when it already was revoked (nothing is written)."""
    if not link.active:
        return False
    link.revoked_at = who.now
    link.revoked_by_id = who.actor.id if who.actor is not None else None
    audit.record(
        "screen_link_revoked",
        now=who.now,
        actor=who.actor,
        address=who.address,
        target=link,
        detail=link.label,
    )
    db.session.flush()
    return True


def find_active_link(token: str) -> ScreenLink | None:
    """The link this token opens, or None when it is unknown or revoked (the caller says 404
    for both, so a revoked token tells nothing more than a made-up one).
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = hash_token(token)
    link = db.session.scalar(sa.select(ScreenLink).where(ScreenLink.token_hash == digest))
    if link is None or not hmac.compare_digest(link.token_hash, digest) or not link.active:
        return None
    return link


def mark_used(link: ScreenLink, now: datetime) -> bool:
    """Note that the screen was opened; True when this was written (at most once a minute)."""
    if not needs_touch(link.last_used_at, now):
        return False
    link.last_used_at = now
    db.session.flush()
    return True


def list_links() -> list[ScreenLink]:
    """Every link, the active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ScreenLink)
            .options(so.joinedload(ScreenLink.created_by), so.joinedload(ScreenLink.revoked_by))
            .order_by(ScreenLink.revoked_at.is_not(None), ScreenLink.id.desc())
        )
    )


def load_screen(plan: Plan, as_of: date, margin: float) -> Screen:
    """The plan rolled up at ``as_of`` with what the big screen adds to the board's figures."""
    progress = load_progress(plan, as_of, margin)
    return Screen(
        progress=progress,
        days_left=days_left(plan.end, as_of),
        overdue=overdue_milestones(progress),
    )
