"""Report and review forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.domain.reporting import NOTE_MAX
from tracker.domain.status import Status
from tracker.forms import Form
from tracker.i18n import STATUS_LABELS


def status_choices() -> list[SelectChoice]:
    return [SelectChoice(status.value, str(STATUS_LABELS[status])) for status in Status]


class MilestoneReportForm(Form):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[
            InputRequired(),
            NumberRange(0, 100, message=_l("Progress is a whole number from 0 to 100.")),
        ],
    )
    completed_on = DateField(
        _l("Completion date"),
        validators=[Optional()],
        description=_l("Only when the milestone is done."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=NOTE_MAX)],
        description=_l("Required when the milestone is at risk or delayed, or progress goes down."),
    )
    evidence = MultipleFileField(
        _l("Evidence files"), description=_l("PDF, PNG, JPEG, DOCX or XLSX, at most 10 MB each.")
    )
    version = HiddenField()
    submit = SubmitField(_l("Submit for review"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()


class ItemReportForm(Form):
    note = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=NOTE_MAX)])
    indicator = SelectField(_l("Indicator"), coerce=int, validators=[Optional()])
    value = FloatField(_l("New value"), validators=[Optional()])
    measured_on = DateField(_l("Measured on"), validators=[Optional()])
    source = StringField(
        _l("Source"),
        validators=[Length(max=200)],
        description=_l("For example: China Tower monthly report."),
    )
    evidence = MultipleFileField(
        _l("Evidence files"), description=_l("PDF, PNG, JPEG, DOCX or XLSX, at most 10 MB each.")
    )
    version = HiddenField()
    submit = SubmitField(_l("Submit for review"))


class ReturnForm(Form):
    reason = TextAreaField(
        _l("Reason for returning"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Return"))


class ApproveForm(Form):
    submit = SubmitField(_l("Approve"))


class CloseOutForm(Form):
    """Close out a milestone awaiting close-out (销号); ``version`` is what the office saw."""

    version = HiddenField()
    submit = SubmitField(_l("Close out"))


class ReopenForm(Form):
    """Send a milestone awaiting close-out back to its department (退回重办), with the reason."""

    reason = TextAreaField(_l("Reason for reopening"), validators=[Length(max=2000)])
    version = HiddenField()
    submit = SubmitField(_l("Reopen"))
