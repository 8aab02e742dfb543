"""What the demo history needs to read: whether a plan already holds recorded work, and a
digest of that work.

The history is played once, on a plan nobody has worked on: :func:`recorded_work` is what the
player checks before it writes anything, so running ``seed --demo`` again neither duplicates
the sample history nor mixes it into real reports. :func:`history_digest` condenses every row
the history wrote into one hash, so two plays with one seed can be compared (database ids and
the random names evidence files are stored under are left out: they say nothing about the
story).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import (
    Attachment,
    Indicator,
    Instruction,
    InstructionReply,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Report,
    Update,
    User,
)

# Every text the demo history writes starts with this, wherever it is shown (report notes,
# review reasons, instructions, replies, postponement reasons and decisions, figures' notes):
# sample data is never mistaken for what a department or the source report said.
SAMPLE_MARK = "【示例】"
# The source of every indicator figure the history reports: the charts label it "sample data".
SAMPLE_SOURCE = "sample"


@dataclass(frozen=True)
class RecordedWork:
    """How much work users (or an earlier demo history) recorded on a plan."""

    reports: int
    instructions: int
    postponements: int
    measurements: int
    sample_reports: int

    @property
    def any(self) -> bool:
        return bool(self.reports or self.instructions or self.postponements or self.measurements)

    @property
    def is_sample_history(self) -> bool:
        """Whether what is there is the demo history itself (its reports carry the mark)."""
        return self.reports > 0 and self.sample_reports == self.reports


def recorded_work(plan: Plan) -> RecordedWork:
    """Count the plan's reports, instructions, postponement requests and reported figures."""

    def count(query: sa.Select[int]) -> int:
        return db.session.scalar(query) or 0

    reports = sa.select(sa.func.count(Report.id)).where(Report.plan_id == plan.id)
    return RecordedWork(
        reports=count(reports),
        instructions=count(
            sa.select(sa.func.count(Instruction.id))
            .join(Item, Item.id == Instruction.item_id)
            .where(Item.plan_id == plan.id)
        ),
        postponements=count(
            sa.select(sa.func.count(Postponement.id))
            .join(Milestone, Milestone.id == Postponement.milestone_id)
            .where(Milestone.plan_id == plan.id)
        ),
        measurements=count(
            sa.select(sa.func.count(Measurement.id))
            .join(Indicator, Indicator.id == Measurement.indicator_id)
            .where(Indicator.plan_id == plan.id, sa.not_(Measurement.from_plan_file))
        ),
        sample_reports=count(reports.where(Report.note.startswith(SAMPLE_MARK))),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lines(kind: str, rows: Iterable[Iterable[object]]) -> list[str]:
    return sorted("\t".join([kind, *(_text(v) for v in row)]) for row in rows)


def history_digest(plan: Plan) -> str:
    """A SHA-256 over the plan's reports and their reviews, history rows, instructions and
    replies, postponements, reported figures and evidence files, by codes and user names."""
    author = so.aliased(User)
    reviewer = so.aliased(User)
    milestone = so.aliased(Milestone)
    indicator = so.aliased(Indicator)
    reports = db.session.execute(
        sa.select(
            Item.code,
            milestone.code,
            author.username,
            Report.submitted_at,
            Report.state,
            Report.status,
            Report.progress,
            Report.completed_on,
            Report.note,
            indicator.code,
            Report.measurement_value,
            Report.measured_on,
            Report.measurement_source,
            reviewer.username,
            Report.reviewed_at,
            Report.review_note,
        )
        .join(Item, Item.id == Report.item_id)
        .join(author, author.id == Report.author_id)
        .outerjoin(milestone, milestone.id == Report.milestone_id)
        .outerjoin(indicator, indicator.id == Report.indicator_id)
        .outerjoin(reviewer, reviewer.id == Report.reviewed_by_id)
        .where(Report.plan_id == plan.id)
    ).all()
    updates = db.session.execute(
        sa.select(
            Item.code,
            milestone.code,
            author.username,
            Update.created_at,
            Update.effective_on,
            Update.field,
            Update.old_value,
            Update.new_value,
            Update.note,
            Update.origin,
        )
        .join(Item, Item.id == Update.item_id)
        .outerjoin(milestone, milestone.id == Update.milestone_id)
        .outerjoin(author, author.id == Update.user_id)
        .where(Update.plan_id == plan.id, Update.origin != "plan_file")
    ).all()
    instructions = db.session.execute(
        sa.select(
            Item.code,
            author.username,
            Instruction.created_at,
            Instruction.text,
            Instruction.due_on,
            Instruction.state,
            Instruction.handled_at,
            Instruction.closed_at,
        )
        .join(Item, Item.id == Instruction.item_id)
        .join(author, author.id == Instruction.author_id)
        .where(Item.plan_id == plan.id)
    ).all()
    replies = db.session.execute(
        sa.select(
            Item.code,
            Instruction.created_at,
            author.username,
            InstructionReply.created_at,
            InstructionReply.text,
        )
        .join(Instruction, Instruction.id == InstructionReply.instruction_id)
        .join(Item, Item.id == Instruction.item_id)
        .join(author, author.id == InstructionReply.author_id)
        .where(Item.plan_id == plan.id)
    ).all()
    postponements = db.session.execute(
        sa.select(
            Milestone.code,
            author.username,
            Postponement.requested_at,
            Postponement.due_before,
            Postponement.requested_due,
            Postponement.reason,
            Postponement.state,
            reviewer.username,
            Postponement.decided_at,
            Postponement.decision_note,
        )
        .join(Milestone, Milestone.id == Postponement.milestone_id)
        .join(author, author.id == Postponement.requested_by_id)
        .outerjoin(reviewer, reviewer.id == Postponement.decided_by_id)
        .where(Milestone.plan_id == plan.id)
    ).all()
    measurements = db.session.execute(
        sa.select(
            Indicator.code,
            Measurement.measured_on,
            Measurement.value,
            Measurement.source,
            Measurement.note_zh,
            Measurement.recorded_at,
        )
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Indicator.plan_id == plan.id, sa.not_(Measurement.from_plan_file))
    ).all()
    attachments = db.session.execute(
        sa.select(
            Item.code,
            Attachment.uploaded_at,
            Attachment.original_name,
            Attachment.content_type,
            Attachment.size,
            Attachment.sha256,
        )
        .join(Item, Item.id == Attachment.item_id)
        .where(Item.plan_id == plan.id)
    ).all()
    lines = [
        *_lines("report", reports),
        *_lines("update", updates),
        *_lines("instruction", instructions),
        *_lines("reply", replies),
        *_lines("postponement", postponements),
        *_lines("measurement", measurements),
        *_lines("attachment", attachments),
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
