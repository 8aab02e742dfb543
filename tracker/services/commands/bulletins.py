"""Issuing a month's bulletin (督办通报): check what was asked, write the document, keep it.

One command for the page and the command line. It checks the month and the language, reads
the month's facts from the board, writes the .docx, compares its figures with the previous
bulletin of the same month, and adds the row to the history; it flushes and never commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from tracker.domain.bulletins import (
    FigureChange,
    Month,
    as_of_day,
    figure_changes,
    language_problems,
    month_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Bulletin, Plan
from tracker.services.exports.bulletin import BulletinDocument, build_bulletin, bulletin_filename
from tracker.services.queries.bulletins import (
    BulletinFacts,
    IssuedBulletin,
    bulletin_facts,
    issued_bulletin,
    latest_bulletin,
)


@dataclass(frozen=True)
class Prepared:
    """A month's bulletin composed but not kept: what the preview shows."""

    facts: BulletinFacts
    document: BulletinDocument
    content: bytes


def check_request(plan: Plan, month: Month, language: str, *, today: date) -> None:
    """Refuse a month outside the plan's period or not begun yet, and an unknown language."""
    Refused.unless_clean(
        [
            *month_problems(month, plan_start=plan.start, plan_end=plan.end, today=today),
            *language_problems(language),
        ],
        month=str(month),
        start=plan.start.isoformat(),
        end=plan.end.isoformat(),
        language=language,
    )


def prepare_bulletin(
    who: Who,
    plan: Plan,
    month: Month,
    language: str,
    *,
    today: date,
    margin: float,
    zone: ZoneInfo,
) -> Prepared:
    """Check the request, then compose and write the bulletin (nothing is kept)."""
    check_request(plan, month, language, today=today)
    facts = bulletin_facts(
        plan, month, as_of=as_of_day(month, today), today=today, margin=margin, zone=zone
    )
    document, content = build_bulletin(facts, language=language, generated_at=who.now, zone=zone)
    return Prepared(facts, document, content)


def issue_bulletin(
    who: Who,
    plan: Plan,
    month: Month,
    language: str,
    *,
    today: date,
    margin: float,
    zone: ZoneInfo,
) -> IssuedBulletin:
    """Write the month's bulletin and keep it, with what changed since the last one kept for
    the month. Two people issuing one month at once both get theirs kept, numbered by id.
    """
    prepared = prepare_bulletin(who, plan, month, language, today=today, margin=margin, zone=zone)
    figures = prepared.facts.figures()
    previous = latest_bulletin(plan, month)
    changes: list[FigureChange] = (
        figure_changes(json.loads(previous.figures), figures) if previous is not None else []
    )
    content = prepared.content
    bulletin = Bulletin(
        plan_id=plan.id,
        month=str(month),
        as_of=prepared.facts.as_of,
        language=language,
        created_by=who.actor,
        created_at=who.now,
        filename=bulletin_filename(plan, month, language),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        figures=json.dumps(figures, ensure_ascii=False),
        changes=json.dumps([[c.key, c.before, c.after] for c in changes], ensure_ascii=False),
        content=content,
    )
    db.session.add(bulletin)
    db.session.flush()
    issued = issued_bulletin(bulletin.id)
    assert issued is not None  # just flushed
    return issued
