"""Typed SQLAlchemy models. Importing this package registers every table."""

from tracker.models.audit import AuditEvent
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

__all__ = [
    "AuditEvent",
    "Department",
    "Fact",
    "Group",
    "Indicator",
    "IndicatorTarget",
    "Item",
    "Measurement",
    "Milestone",
    "Plan",
    "Update",
    "User",
]
