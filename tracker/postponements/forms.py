"""Postponement forms: the department's request and the admin's decision (Flask-WTF, CSRF).

The forms check what the input looks like (a real date, a reason of the right length); the
rules about the milestone (later than its due date, one pending request) are the service's.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, StopValidation

from tracker.services.postponements import NOTE_MAX, REASON_MAX, REASON_MIN

MAX_VERSION = 2**31 - 1


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def date_required(_form: FlaskForm, field: Field) -> None:
    """A date must be given; a malformed one already has its own message."""
    if field.data is None and not field.errors:
        raise StopValidation(_l("Enter a date as YYYY-MM-DD."))


def version_number(value: str | None) -> int | None:
    """The version a hidden field carries, or None when it is missing or malformed."""
    if value is None or not str(value).isdigit() or len(str(value)) > 10:
        return None
    number = int(value)
    return number if number <= MAX_VERSION else None


class PostponementForm(FlaskForm):
    requested_due = DateField(
        _l("New due date"),
        validators=[date_required],
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
        description=_l("Later than the current due date."),
    )
    reason = TextAreaField(
        _l("Reason for postponement"),
        filters=[strip],
        validators=[
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=_l("The reason needs %(min)d to %(max)d characters."),
            )
        ],
        description=_l("Why the milestone needs more time, and what is being done about it."),
        render_kw={"rows": 5},
    )
    version = HiddenField()
    submit = SubmitField(_l("Send the request"))


class DecisionForm(FlaskForm):
    """Approve or reject: one note field, two buttons posting to the two endpoints."""

    note = TextAreaField(
        _l("Decision note"),
        filters=[strip],
        validators=[
            Length(max=NOTE_MAX, message=_l("A note may have at most %(max)d characters."))
        ],
        render_kw={"rows": 2},
    )
