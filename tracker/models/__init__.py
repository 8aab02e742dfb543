"""Typed SQLAlchemy models. Importing this package registers every table."""

from tracker.models.audit import AuditEvent
from tracker.models.bulletins import Bulletin
from tracker.models.directory import DirectoryMapping, SiteSetting
from tracker.models.evaluation import CalendarDay, EvaluationScheme
from tracker.models.history import Update
from tracker.models.people import Department, User
from tracker.models.plan import (
    Fact,
    Group,
    Indicator,
    IndicatorTarget,
    Item,
    Measurement,
    Milestone,
    Plan,
)
from tracker.models.receipts import Receipt
from tracker.models.screens import ScreenLink
from tracker.models.snapshot import Snapshot
from tracker.models.subtasks import Subtask, SubtaskUpdate
from tracker.models.tokens import ApiToken
from tracker.models.webhooks import Webhook, WebhookDelivery
from tracker.models.work import (
    Attachment,
    AttachmentContent,
    Instruction,
    InstructionReply,
    Postponement,
    Report,
)

__all__ = [
    "ApiToken",
    "Attachment",
    "AttachmentContent",
    "AuditEvent",
    "Bulletin",
    "CalendarDay",
    "Department",
    "DirectoryMapping",
    "EvaluationScheme",
    "Fact",
    "Group",
    "Indicator",
    "IndicatorTarget",
    "Instruction",
    "InstructionReply",
    "Item",
    "Measurement",
    "Milestone",
    "Plan",
    "Postponement",
    "Receipt",
    "Report",
    "ScreenLink",
    "SiteSetting",
    "Snapshot",
    "Subtask",
    "SubtaskUpdate",
    "Update",
    "User",
    "Webhook",
    "WebhookDelivery",
]
