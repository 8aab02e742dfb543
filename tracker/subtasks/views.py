"""Pieces of the sub-task pages other pages show: the report forms of "my sub-tasks" on /my."""

from __future__ import annotations

from tracker.models import Subtask
from tracker.subtasks.forms import SubtaskReportForm


def subtask_report_forms(subtasks: list[Subtask]) -> dict[int, SubtaskReportForm]:
    """One report form per sub-task, filled with what it says now and its version."""
    return {
        s.id: SubtaskReportForm(
            formdata=None, status=s.status, progress=s.progress, version=s.version
        )
        for s in subtasks
    }
