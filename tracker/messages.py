"""Every refusal in words: one registry for the pages, the API and the CLI.

A command raises :class:`~tracker.domain.refusal.Refused` with problem codes; this module
turns each code into a sentence in the user's language. Sentences name facts with
``%(name)s`` placeholders, filled from the limits below, from the refusal's own context (a
file name) and from what the caller knows (the milestone's due date, the plan's period).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.domain import (
    assignment,
    close_out,
    instructions,
    passwords,
    postponements,
    receipts,
    screens,
    subtasks,
    webhooks,
)
from tracker.domain.accounts import AccountProblem
from tracker.domain.assignment import AssignmentProblem
from tracker.domain.bulletins import BulletinProblem
from tracker.domain.close_out import CloseOutProblem
from tracker.domain.directory import GROUP_MAX, DirectoryProblem
from tracker.domain.evaluation import PeriodProblem, SchemeProblem
from tracker.domain.filetypes import AttachmentProblem
from tracker.domain.instructions import InstructionProblem
from tracker.domain.passwords import PasswordProblem
from tracker.domain.plan_sheet import SheetProblem, SheetProblemKind
from tracker.domain.plan_states import PlanStateProblem
from tracker.domain.postponements import PostponementProblem
from tracker.domain.receipts import ReceiptProblem
from tracker.domain.refusal import Conflict, Refused
from tracker.domain.reporting import ReportProblem, ReviewProblem
from tracker.domain.screens import ScreenProblem
from tracker.domain.subtasks import SubtaskProblem
from tracker.domain.tokens import TokenProblem
from tracker.domain.webhooks import WebhookProblem
from tracker.domain.workdays import CalendarProblem

if TYPE_CHECKING:
    from tracker.models import Milestone, Plan

# Problem enums are StrEnums, and two may share a value (AssignmentProblem.STALE and
# PostponementProblem.STALE are both "stale"): as keys of one dict they would be one key with
# one text. So the texts come in groups without shared values, and the registry below is keyed
# by (enum, value).
_CONFLICT_TEXTS: dict[StrEnum, object] = {
    Conflict.STALE_VERSION: _l(
        "Someone else changed this item while you were looking at it. "
        "Check what it shows now and submit again."
    ),
}
# Reports and their review
_REPORT_TEXTS: dict[StrEnum, object] = {
    ReportProblem.PROGRESS_RANGE: _l("Progress is a whole number from 0 to 100."),
    ReportProblem.NOTE_REQUIRED_FOR_STATUS: _l(
        "Please explain in the note why the milestone is at risk or delayed."
    ),
    ReportProblem.NOTE_REQUIRED_FOR_DECREASE: _l(
        "Please explain in the note why progress went down."
    ),
    ReportProblem.NOTE_TOO_LONG: _l("The note is too long (at most 4000 characters)."),
    ReportProblem.COMPLETION_DATE_REQUIRED: _l(
        "A milestone reported done needs its completion date."
    ),
    ReportProblem.COMPLETION_DATE_IN_FUTURE: _l("The completion date cannot be in the future."),
    ReportProblem.COMPLETION_DATE_WITHOUT_DONE: _l(
        "A completion date is only given when the milestone is done."
    ),
    ReportProblem.NOTHING_TO_REPORT: _l(
        "Nothing changed: change the status or progress, or write a note on the current state."
    ),
    ReportProblem.SUMMARY_REQUIRED: _l("Please write a summary of the progress."),
    ReportProblem.MEASUREMENT_INCOMPLETE: _l(
        "A new figure needs the indicator, the value and the date it was measured."
    ),
    ReportProblem.MEASUREMENT_VALUE: _l("The value must be a number from 0 to 1,000,000,000,000."),
    ReportProblem.MEASUREMENT_DATE_IN_FUTURE: _l("The measurement date cannot be in the future."),
    ReviewProblem.NOT_PENDING: _l("This report is no longer waiting for review."),
    ReviewProblem.OWN_REPORT: _l("You cannot review your own report."),
    ReviewProblem.CHANGED_SINCE: _l(
        "The milestone changed after this report was submitted. Return it so the department "
        "can report on the current state."
    ),
    ReviewProblem.REASON_REQUIRED: _l("Please give the reason for returning the report."),
}
# Evidence files
_ATTACHMENT_TEXTS: dict[StrEnum, object] = {
    AttachmentProblem.EMPTY: _l("%(name)s: the file is empty, or no file was chosen."),
    AttachmentProblem.TOO_LARGE: _l("%(name)s: a file may be at most %(size)d MB."),
    AttachmentProblem.TYPE_NOT_ALLOWED: _l(
        "%(name)s: only PDF, PNG, JPEG, DOCX and XLSX files are accepted."
    ),
    AttachmentProblem.NAME_MISMATCH: _l(
        "%(name)s: the file is a %(type)s file, but its name does not end in %(extension)s. "
        "Rename it and upload it again."
    ),
}
# Accounts and passwords
_ACCOUNT_TEXTS: dict[StrEnum, object] = {
    AccountProblem.USERNAME_TAKEN: _l("This user name is already taken."),
    AccountProblem.USERNAME_INVALID: _l("A user name has 1 to 64 characters and no spaces."),
    AccountProblem.UNKNOWN_ROLE: _l("Unknown role."),
    AccountProblem.DEPARTMENT_REQUIRED: _l("A department lead needs a department."),
    AccountProblem.DEPARTMENT_INACTIVE: _l("This department is deactivated."),
    AccountProblem.DEPARTMENT_CODE_TAKEN: _l("This department code is already taken."),
    AccountProblem.WRONG_PASSWORD: _l("The current password is not correct."),
    AccountProblem.LAST_ADMIN: _l("The last active administrator cannot be removed."),
    AccountProblem.NOT_LOCAL: _l(
        "This account signs in through the organisation's directory: it has no password here."
    ),
    PasswordProblem.CONTAINS_USERNAME: _l("The password must not contain the user name."),
    PasswordProblem.ONE_CHARACTER: _l("The password must not repeat a single character."),
    PasswordProblem.TOO_SHORT: _l("The password needs at least %(num)d characters."),
    PasswordProblem.TOO_LONG: _l("The password may have at most %(num)d characters."),
}
# Sign-in through the organisation's directory, and its mapping of groups
_DIRECTORY_TEXTS: dict[StrEnum, object] = {
    DirectoryProblem.NO_MAPPED_GROUP: _l(
        "You are known to the directory, but none of your groups gives access to this "
        "system. Ask the administrator to map your group."
    ),
    DirectoryProblem.TWO_DEPARTMENTS: _l(
        "Your directory groups give you two departments here and the directory does not "
        "say which is yours. Ask the administrator to put the groups right."
    ),
    DirectoryProblem.NAME_TAKEN_LOCALLY: _l(
        "A local account already has your user name, so your directory account cannot "
        "use it. Ask the administrator."
    ),
    DirectoryProblem.ACCOUNT_INACTIVE: _l(
        "Your account here is deactivated. Ask the administrator."
    ),
    DirectoryProblem.DEPARTMENT_UNKNOWN: _l(
        "Your directory group names a department that is not (or no longer) active here. "
        "Ask the administrator."
    ),
    DirectoryProblem.GROUP_REQUIRED: _l("Enter the group: its DN, or its name in the provider."),
    DirectoryProblem.GROUP_TOO_LONG: _l("A group may have at most %(group_max)d characters."),
    DirectoryProblem.MAPPING_ROLE_UNKNOWN: _l("Unknown role."),
    DirectoryProblem.MAPPING_DEPARTMENT_REQUIRED: _l(
        "Department leads and staff need a department: choose the one this group gives."
    ),
    DirectoryProblem.MAPPING_EXISTS: _l(
        "This group is already mapped. Remove its mapping first to map it again."
    ),
    DirectoryProblem.MAPPING_UNKNOWN: _l("This group is not mapped."),
    DirectoryProblem.MAPPING_DEPARTMENT_UNKNOWN: _l("Unknown department."),
    DirectoryProblem.NO_DIRECTORY_CONFIGURED: _l(
        "Neither a directory (TRACKER_LDAP_URL) nor a sign-in provider (TRACKER_OIDC_ISSUER) "
        "is configured, so only administrators could still sign in."
    ),
}
# API tokens and big-screen links
_TOKEN_TEXTS: dict[StrEnum, object] = {
    TokenProblem.LABEL_REQUIRED: _l("Please say what the token is for."),
    TokenProblem.LABEL_TOO_LONG: _l("The label is too long (at most 100 characters)."),
    TokenProblem.USER_INACTIVE: _l("This account is deactivated."),
}
_SCREEN_TEXTS: dict[StrEnum, object] = {
    ScreenProblem.LABEL_REQUIRED: _l(
        "Give the link a label, for example the room where the display is."
    ),
    ScreenProblem.LABEL_TOO_LONG: _l("A label has at most %(max)d characters."),
}
# Group robots for reminders
_WEBHOOK_TEXTS: dict[StrEnum, object] = {
    WebhookProblem.LABEL_REQUIRED: _l("Name the robot, for example the chat group it posts to."),
    WebhookProblem.LABEL_TOO_LONG: _l("A name has at most %(max)d characters."),
    WebhookProblem.URL_REQUIRED: _l("Paste the robot's webhook address."),
    WebhookProblem.URL_TOO_LONG: _l("The address has at most %(max)d characters."),
    WebhookProblem.URL_NOT_HTTP: _l(
        "The address must start with https:// (or http://), name a host and hold no spaces."
    ),
    WebhookProblem.URL_CREDENTIALS: _l(
        "The address must not hold a user name or password (user:password@): they would "
        "show wherever the address is shown."
    ),
    WebhookProblem.SECRET_TOO_LONG: _l("The sign secret has at most %(max)d characters."),
    WebhookProblem.SECRET_NOT_SIGNED: _l(
        "WeCom robots do not sign their messages: leave the sign secret empty."
    ),
    WebhookProblem.SCOPE_REQUIRED: _l("Choose the plan or the department the robot is for."),
    WebhookProblem.SCOPE_BOTH: _l("A robot is for one plan or one department, not both."),
    WebhookProblem.STALE: _l(
        "Someone else changed or deleted this robot after you opened the page. What is saved "
        "now is shown; check it and try again."
    ),
}
# Instructions (批示)
_INSTRUCTION_TEXTS: dict[StrEnum, object] = {
    InstructionProblem.TEXT_REQUIRED: _l("Please write some text."),
    InstructionProblem.TEXT_TOO_LONG: _l("At most %(max)d characters, please."),
    InstructionProblem.DUE_IN_PAST: _l("The reply-by date cannot be before today."),
    InstructionProblem.CLOSED: _l("This instruction is closed; nothing more can be added to it."),
    InstructionProblem.ALREADY_HANDLED: _l("This instruction is already marked handled."),
    InstructionProblem.ALREADY_CLOSED: _l("This instruction is already closed."),
    InstructionProblem.STALE_ITEM: _l(
        "Someone else changed this item while you were looking at it. "
        "Check what it shows now and submit again."
    ),
}
# Assignment
_ASSIGNMENT_TEXTS: dict[StrEnum, object] = {
    AssignmentProblem.STALE: _l(
        "Someone else saved a change after you opened this form. What is saved now is "
        "shown below; your input is kept. Check it and save again to replace it."
    ),
    AssignmentProblem.LEAD_IS_SUPPORTING: _l(
        "The lead department cannot also be a supporting department."
    ),
    AssignmentProblem.DEPARTMENT_INACTIVE: _l("This department is deactivated."),
    AssignmentProblem.CODE_INVALID: _l(
        "A code has 1 to 32 letters, digits, dots, dashes or underscores, "
        "and starts with a letter or digit."
    ),
    AssignmentProblem.CODE_TAKEN: _l("This code is already used in the plan."),
    AssignmentProblem.TITLE_REQUIRED: _l("Enter the Chinese title."),
    AssignmentProblem.TITLE_TOO_LONG: _l(
        "A title may have at most %(zh)d characters in Chinese and %(en)d in English."
    ),
    AssignmentProblem.DUE_OUTSIDE_PLAN: _l(
        "The due date must lie within the plan's period, %(start)s to %(end)s."
    ),
    AssignmentProblem.WEIGHT_INVALID: _l("The weight must be above 0 and at most %(max)s."),
    AssignmentProblem.ASSIGNEE_NOT_IN_DEPARTMENT: _l(
        "The assignee must be a user of the milestone's department."
    ),
    AssignmentProblem.ASSIGNEE_INACTIVE: _l("This user is deactivated."),
    AssignmentProblem.UNKNOWN_DIRECTION: _l("Choose up or down."),
}
# Postponements
_POSTPONEMENT_TEXTS: dict[StrEnum, object] = {
    PostponementProblem.STALE: _l(
        "This milestone was changed after you opened the form; its due date is now "
        "%(due)s. Check your request and send it again."
    ),
    PostponementProblem.MILESTONE_DONE: _l("This milestone is done; it cannot be postponed."),
    PostponementProblem.ALREADY_PENDING: _l(
        "This milestone already has a postponement request waiting for a decision."
    ),
    PostponementProblem.NOT_LATER: _l(
        "The new due date must be later than the current due date, %(due)s."
    ),
    PostponementProblem.IN_THE_PAST: _l(
        "The new due date must be a day still ahead: %(tomorrow)s or later."
    ),
    PostponementProblem.BEYOND_LIMIT: _l(
        "The new due date may be at most %(date)s, two years after the plan's end."
    ),
    PostponementProblem.REASON_TOO_SHORT: _l("The reason needs %(min)d to %(max)d characters."),
    PostponementProblem.REASON_TOO_LONG: _l("The reason needs %(min)d to %(max)d characters."),
    PostponementProblem.ALREADY_DECIDED: _l("This request has already been decided."),
    PostponementProblem.DUE_CHANGED: _l(
        "The milestone's due date changed after the request was made; it is now %(due)s. "
        "Reject the request and ask the department for a new one if still needed."
    ),
    PostponementProblem.NOTE_REQUIRED: _l("Say why the request is rejected."),
    PostponementProblem.NOTE_TOO_LONG: _l("A note may have at most %(max)d characters."),
}

# Plans from a spreadsheet (the place, sheet · row · column, is put in front by sheet_problem)
_PLAN_SHEET_TEXTS: dict[StrEnum, object] = {
    SheetProblemKind.NOT_A_WORKBOOK: _l(
        "The file is not an Excel workbook (.xlsx) or a plan file (.yaml); save it as .xlsx "
        "and upload it again."
    ),
    SheetProblemKind.TOO_LARGE: _l("The file is too large: at most %(size)s MB."),
    SheetProblemKind.TOO_MANY_ROWS: _l("The sheet has more than %(max)s rows."),
    SheetProblemKind.SHEET_MISSING: _l("The workbook has no sheet of this name."),
    SheetProblemKind.COLUMN_MISSING: _l("The sheet has no column with this heading."),
    SheetProblemKind.NO_ROWS: _l("The sheet has no tasks."),
    SheetProblemKind.REQUIRED: _l("This cell must be filled in."),
    SheetProblemKind.BAD_DATE: _l(
        "%(value)s is not a date this table understands (for example 2021-06-30, "
        "2021年6月底, 年底前)."
    ),
    SheetProblemKind.DATE_OUTSIDE_PLAN: _l(
        "%(date)s lies outside the plan's period, %(start)s to %(end)s."
    ),
    SheetProblemKind.DATE_BEFORE_START: _l("%(date)s is before the task's start, %(start)s."),
    SheetProblemKind.START_AFTER_END: _l("The start date is after the end date."),
    SheetProblemKind.UNKNOWN_DEPARTMENT: _l(
        "Unknown department %(name)s: add it to the 部门 sheet or correct the name."
    ),
    SheetProblemKind.AMBIGUOUS_DEPARTMENT: _l(
        "%(name)s could be any of %(codes)s: write the full name or the code."
    ),
    SheetProblemKind.ONE_DEPARTMENT: _l("Name one department only."),
    SheetProblemKind.BAD_CODE: _l(
        "%(value)s is not a code: 1 to 32 letters, digits, dots, dashes or underscores."
    ),
    SheetProblemKind.DUPLICATE_CODE: _l("The code %(code)s is already used in row %(first)s."),
    SheetProblemKind.DUPLICATE_DATE: _l("The date %(date)s is already given in row %(first)s."),
    SheetProblemKind.BAD_NUMBER: _l("%(value)s is not a number."),
    SheetProblemKind.BAD_WEIGHT: _l("%(value)s is not a weight: a number above 0."),
    SheetProblemKind.BAD_PROGRESS: _l("%(value)s is not a progress: a whole number 0 to 100."),
    SheetProblemKind.BAD_CHOICE: _l("%(value)s is not one of %(choices)s."),
    SheetProblemKind.BAD_FLAG: _l("%(value)s is neither 是 nor 否."),
    SheetProblemKind.TOO_LONG: _l("The text has %(length)s characters; at most %(max)s fit."),
    SheetProblemKind.CONFLICT: _l(
        "%(value)s differs from %(first_value)s in row %(first)s of the same task."
    ),
    SheetProblemKind.COMPLETION_DATE_REQUIRED: _l("A done milestone needs its completion date."),
    SheetProblemKind.COMPLETION_DATE_NOT_DONE: _l(
        "A completion date is only given when the milestone is done."
    ),
    SheetProblemKind.DONE_NOT_COMPLETE: _l("A done milestone has progress 100, not %(progress)s."),
    SheetProblemKind.UNKNOWN_ITEM: _l("No task of the 任务分解表 has the code or title %(value)s."),
    SheetProblemKind.BASELINE_MISSING: _l("The indicator needs one 基期 (baseline) row."),
    SheetProblemKind.BASELINE_REPEATED: _l(
        "The indicator already has its 基期 (baseline) in row %(first)s."
    ),
    SheetProblemKind.PLAN_RULE: _l("%(detail)s"),
}


def _key(problem: StrEnum) -> tuple[type, str]:
    """A problem as a registry key: its enum and its value, never its value alone."""
    return type(problem), problem.value


_PLAN_STATE_TEXTS: dict[StrEnum, object] = {
    PlanStateProblem.NOT_ALLOWED: _l("The plan cannot move to that state from its present one."),
    PlanStateProblem.READ_ONLY: _l(
        "Plan %(plan)s is closed: its content no longer changes. Reopen it first."
    ),
    PlanStateProblem.WORK_PENDING: _l(
        "Reports or postponement requests of this plan still wait for a decision: "
        "decide them before closing the plan."
    ),
}

# The monthly bulletin
_BULLETIN_TEXTS: dict[StrEnum, object] = {
    BulletinProblem.MONTH_MALFORMED: _l(
        "%(month)s is not a month: write it as YYYY-MM, for example 2021-06."
    ),
    BulletinProblem.MONTH_OUTSIDE_PLAN: _l(
        "%(month)s is outside the plan's period, %(start)s to %(end)s."
    ),
    BulletinProblem.MONTH_NOT_BEGUN: _l("%(month)s has not begun yet: there is nothing to report."),
    BulletinProblem.LANGUAGE_UNKNOWN: _l(
        "%(language)s is not a language bulletins are written in: choose zh or en."
    ),
}

# Sub-tasks (多级分解)
_SUBTASK_TEXTS: dict[StrEnum, object] = {
    SubtaskProblem.TITLE_REQUIRED: _l("Please name the sub-task."),
    SubtaskProblem.TITLE_TOO_LONG: _l(
        "A sub-task's name has at most %(subtask_title_max)d characters."
    ),
    SubtaskProblem.DUE_REQUIRED: _l("Please give the sub-task's due date."),
    SubtaskProblem.DUE_AFTER_MILESTONE: _l(
        "A sub-task is due no later than its milestone (%(milestone_due)s)."
    ),
    SubtaskProblem.DUE_BEFORE_PLAN: _l(
        "A sub-task cannot be due before the plan starts (%(plan_start)s)."
    ),
    SubtaskProblem.WEIGHT: _l(
        "The weight is a number greater than 0 and at most %(subtask_weight_max)g."
    ),
    SubtaskProblem.ASSIGNEE_REQUIRED: _l("Please choose the person responsible."),
    SubtaskProblem.ASSIGNEE_OTHER_DEPARTMENT: _l(
        "A sub-task is for a member of the milestone's own department."
    ),
    SubtaskProblem.ASSIGNEE_INACTIVE: _l(
        "This person's account is deactivated; choose someone else."
    ),
    SubtaskProblem.PROGRESS_RANGE: _l("Progress is a whole number from 0 to 100."),
    SubtaskProblem.NOTE_TOO_LONG: _l("At most %(subtask_note_max)d characters, please."),
    SubtaskProblem.NOTE_REQUIRED: _l(
        "Please explain in the note why the sub-task is at risk or delayed."
    ),
    SubtaskProblem.HAS_REPORTS: _l(
        "This sub-task has been reported on, so it stays on record; edit it instead."
    ),
    SubtaskProblem.REPORTED_MEANWHILE: _l(
        "Someone else changed or reported on this a moment ago. "
        "Check what it shows now and try again."
    ),
    SubtaskProblem.NO_SUBTASKS: _l("Add sub-tasks first: there is nothing to roll up yet."),
}

# The department evaluation: the working-day calendar and the scoring scheme
_EVALUATION_TEXTS: dict[StrEnum, object] = {
    CalendarProblem.EMPTY: _l(
        "The file lists no days: after the line date,kind,name give one day a line."
    ),
    CalendarProblem.HEADER: _l("Line %(line)s: the first line must be date,kind,name."),
    CalendarProblem.FIELDS: _l("Line %(line)s: write three values, date,kind,name."),
    CalendarProblem.DATE: _l("Line %(line)s: the date is not a day; write it as YYYY-MM-DD."),
    CalendarProblem.KIND: _l("Line %(line)s: the kind must be holiday or workday."),
    CalendarProblem.NAME: _l("Line %(line)s: give the holiday's name (at most 60 characters)."),
    CalendarProblem.DUPLICATE: _l("Line %(line)s: this day is listed twice."),
    CalendarProblem.WEEKDAY_WORKDAY: _l(
        "Line %(line)s: a make-up working day (workday) is a Saturday or a Sunday."
    ),
    CalendarProblem.TOO_LONG: _l("The file is too long for a calendar."),
    CalendarProblem.ENCODING: _l("The file is not UTF-8 text; save it as CSV UTF-8."),
    PeriodProblem.DATES_MISSING: _l("Give both dates of the period, from and to."),
    PeriodProblem.DATE_MALFORMED: _l(
        "The dates of the period must be days from 2000-01-01 to 2100-12-31, written YYYY-MM-DD."
    ),
    PeriodProblem.ORDER: _l("The period's first day comes after its last day."),
    SchemeProblem.NEGATIVE: _l("Points and days are whole numbers from 0 up."),
    SchemeProblem.TOO_LARGE: _l(
        "Points are at most 1000 and the receipt time at most 60 working days."
    ),
}
# Close-out (销号)
_CLOSE_OUT_TEXTS: dict[StrEnum, object] = {
    CloseOutProblem.NOT_AWAITING: _l("This milestone is not awaiting close-out."),
    CloseOutProblem.ALREADY_CLOSED: _l("This milestone was already closed out by %(by)s."),
    CloseOutProblem.ALREADY_REOPENED: _l("This milestone was already reopened by %(by)s."),
    CloseOutProblem.CHANGED_SINCE: _l(
        "This milestone changed after you opened the page. Check it and decide again."
    ),
    CloseOutProblem.REASON_REQUIRED: _l("Please give the reason for reopening the milestone."),
    CloseOutProblem.REASON_TOO_LONG: _l("The reason may have at most %(max)d characters."),
}
# Receipts (签收)
_RECEIPT_TEXTS: dict[StrEnum, object] = {
    ReceiptProblem.ALREADY_ANSWERED: _l("This assignment was already answered by %(by)s."),
    ReceiptProblem.RESPONSIBLE_REQUIRED: _l("Name the person responsible."),
    ReceiptProblem.RESPONSIBLE_TOO_LONG: _l("The name may have at most %(max)d characters."),
    ReceiptProblem.WORK_PLAN_TOO_LONG: _l("The plan of work may have at most %(max)d characters."),
    ReceiptProblem.REASON_REQUIRED: _l("Say why the department declines the assignment."),
    ReceiptProblem.REASON_TOO_LONG: _l("The reason may have at most %(max)d characters."),
    ReceiptProblem.NOT_DECLINED: _l(
        "Only a declined assignment is assigned again; this one is not declined."
    ),
}

_TEXTS: dict[tuple[type, str], object] = {
    _key(problem): text
    for group in (
        _CONFLICT_TEXTS,
        _REPORT_TEXTS,
        _ATTACHMENT_TEXTS,
        _ACCOUNT_TEXTS,
        _DIRECTORY_TEXTS,
        _TOKEN_TEXTS,
        _SCREEN_TEXTS,
        _WEBHOOK_TEXTS,
        _INSTRUCTION_TEXTS,
        _ASSIGNMENT_TEXTS,
        _POSTPONEMENT_TEXTS,
        _PLAN_STATE_TEXTS,
        _PLAN_SHEET_TEXTS,
        _BULLETIN_TEXTS,
        _SUBTASK_TEXTS,
        _EVALUATION_TEXTS,
        _CLOSE_OUT_TEXTS,
        _RECEIPT_TEXTS,
    )
    for problem, text in group.items()
}

# The fixed limits a sentence names, by problem (pairs, not a dict: members of different
# problem enums can share a value, and StrEnum members with one value are one dict key).
_LIMIT_ROWS: list[tuple[StrEnum, dict[str, object]]] = [
    (PasswordProblem.TOO_SHORT, {"num": passwords.MIN_LENGTH}),
    (PasswordProblem.TOO_LONG, {"num": passwords.MAX_LENGTH}),
    (ScreenProblem.LABEL_TOO_LONG, {"max": screens.LABEL_MAX}),
    (WebhookProblem.LABEL_TOO_LONG, {"max": webhooks.LABEL_MAX}),
    (WebhookProblem.URL_TOO_LONG, {"max": webhooks.URL_MAX}),
    (WebhookProblem.SECRET_TOO_LONG, {"max": webhooks.SECRET_MAX}),
    (InstructionProblem.TEXT_TOO_LONG, {"max": instructions.TEXT_MAX}),
    (
        AssignmentProblem.TITLE_TOO_LONG,
        {
            "zh": assignment.TITLE_ZH_MAX,
            "en": assignment.TITLE_EN_MAX,
        },
    ),
    (AssignmentProblem.WEIGHT_INVALID, {"max": f"{assignment.MAX_WEIGHT:g}"}),
    (
        PostponementProblem.REASON_TOO_SHORT,
        {
            "min": postponements.REASON_MIN,
            "max": postponements.REASON_MAX,
        },
    ),
    (
        PostponementProblem.REASON_TOO_LONG,
        {
            "min": postponements.REASON_MIN,
            "max": postponements.REASON_MAX,
        },
    ),
    (PostponementProblem.NOTE_TOO_LONG, {"max": postponements.NOTE_MAX}),
    (SubtaskProblem.TITLE_TOO_LONG, {"subtask_title_max": subtasks.TITLE_MAX}),
    (SubtaskProblem.WEIGHT, {"subtask_weight_max": subtasks.WEIGHT_MAX}),
    (SubtaskProblem.NOTE_TOO_LONG, {"subtask_note_max": subtasks.NOTE_MAX}),
    (CloseOutProblem.REASON_TOO_LONG, {"max": close_out.REASON_MAX}),
    (ReceiptProblem.RESPONSIBLE_TOO_LONG, {"max": receipts.RESPONSIBLE_MAX}),
    (ReceiptProblem.WORK_PLAN_TOO_LONG, {"max": receipts.WORK_PLAN_MAX}),
    (ReceiptProblem.REASON_TOO_LONG, {"max": receipts.REASON_MAX}),
    (DirectoryProblem.GROUP_TOO_LONG, {"group_max": GROUP_MAX}),
]
_LIMITS: dict[tuple[type, str], dict[str, object]] = {
    _key(problem): limits for problem, limits in _LIMIT_ROWS
}


def message(problem: StrEnum, context: Mapping[str, object] | None = None) -> str:
    """One problem in words, in the user's language, with the facts it names filled in."""
    text = str(_TEXTS[_key(problem)])
    facts = {**_LIMITS.get(_key(problem), {}), **(context or {})}
    if "name" in facts and not facts["name"]:
        facts["name"] = _("(no name)")
    return text % facts if "%(" in text else text


def messages(refusal: Refused, **context: object) -> list[str]:
    """Every problem of a refusal in words; ``context`` adds what only the caller knows."""
    facts = {**refusal.context, **context}
    return [message(problem, facts) for problem in refusal.problems]


def sheet_problem(problem: SheetProblem) -> str:
    """A spreadsheet problem in words, led by its place: "任务分解表 · row 7 · 完成时限: …"."""
    place = [problem.sheet] if problem.sheet else []
    if problem.row:
        place.append(_("row %(row)d", row=problem.row))
    if problem.column:
        place.append(problem.column)
    text = message(problem.kind, problem.facts)
    return f"{' · '.join(place)}: {text}" if place else text


def plan_facts(plan: Plan) -> dict[str, object]:
    """What sentences about a plan's period name."""
    return {"start": plan.start.isoformat(), "end": plan.end.isoformat()}


def milestone_facts(milestone: Milestone) -> dict[str, object]:
    """What sentences about a milestone's due date name (postponements)."""
    latest = postponements.latest_due(milestone.item.plan.end)
    tomorrow = postponements.earliest_due(clock.today())
    return {
        "due": milestone.due.isoformat(),
        "date": latest.isoformat(),
        "tomorrow": tomorrow.isoformat(),
    }


# How history fields are named on pages and in the ledger; other fields show as stored.
FIELD_LABELS = {
    "status": _l("Status"),
    "progress": _l("Progress"),
    "completed_on": _l("Completion date"),
    "completed_on_exact": _l("Exact completion day given"),
    "due": _l("Due date"),
    "baseline_due": _l("Original due date"),
    "start": _l("Start date"),
    "report": _l("Report"),
    "review": _l("Review"),
    "lead_department": _l("Lead department"),
    "supporting_departments": _l("Supporting departments"),
    "department": _l("Department"),
    "assignee": _l("Assignee"),
    "title_zh": _l("Chinese title"),
    "title_en": _l("English title"),
    "weight": _l("Weight"),
    "focus": _l("Focus"),
    "position": _l("Order"),
    "created": _l("Created"),
    "progress_mode": _l("Progress kept"),
    "receipt": _l("Receipt"),
}
