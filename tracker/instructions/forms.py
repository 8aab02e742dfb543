"""Forms for instructions, replies and the focus flag (Flask-WTF, so each carries a CSRF token).

The item page renders these forms as plain HTML; the views validate what comes back with the
classes here. Reply and mark-handled share the field name ``text``, so one text box on the page
can post to either.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from tracker.domain.instructions import TEXT_MAX
from tracker.forms import MAX_ID, Form, strip

TOO_LONG = _l("At most %(max)d characters, please.")


class InstructionForm(Form):
    """A leader writes an instruction (批示) on an item."""

    text = TextAreaField(
        _l("Instruction"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please write the instruction.")),
            Length(max=TEXT_MAX, message=TOO_LONG),
        ],
    )
    due_on = DateField(
        _l("Reply by"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2020-10-31."),
        description=_l("Optional: the day by which the lead department should report back."),
    )
    submit = SubmitField(_l("Send instruction"))


class ReplyForm(Form):
    """A reply to an instruction, by its lead department or by leadership."""

    text = TextAreaField(
        _l("Reply"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please write a reply.")),
            Length(max=TEXT_MAX, message=TOO_LONG),
        ],
    )
    submit = SubmitField(_l("Send reply"))


class HandledForm(Form):
    """The lead department marks an instruction handled, optionally saying what was done."""

    text = TextAreaField(
        _l("What was done"),
        filters=[strip],
        validators=[Length(max=TEXT_MAX, message=TOO_LONG)],
        description=_l("Optional; it is added to the instruction as a reply."),
    )
    submit = SubmitField(_l("Mark handled"))


class CloseForm(Form):
    """Closing an instruction needs nothing but the CSRF token."""

    submit = SubmitField(_l("Close instruction"))


class FocusForm(Form):
    """Set or clear an item's focus flag, from the item version the page showed."""

    focus = HiddenField(
        validators=[
            DataRequired(message=_l("Say whether the item is to be flagged.")),
            AnyOf(["0", "1"], message=_l("Say whether the item is to be flagged.")),
        ]
    )
    version = HiddenField(
        validators=[DataRequired(message=_l("The form is incomplete. Please try again."))]
    )

    def validate_version(self, field: HiddenField) -> None:
        value = field.data or ""
        digits = value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))
        if not digits or not 0 < int(value) <= MAX_ID:
            raise ValidationError(_l("The form is incomplete. Please try again."))

    @property
    def wanted(self) -> bool:
        return self.focus.data == "1"

    @property
    def expected_version(self) -> int:
        return int(self.version.data or 0)
