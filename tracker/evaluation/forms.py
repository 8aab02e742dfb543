"""The scheme form and the calendar upload (Flask-WTF: both carry a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from tracker.domain.evaluation import POINTS_MAX, RECEIPT_DAYS_MAX, Scheme
from tracker.forms import MAX_ID, Form, date_required

_POINTS = [
    InputRequired(message=_l("Give a whole number.")),
    NumberRange(min=0, max=POINTS_MAX, message=_l("A whole number from 0 to 1000.")),
]


def _points(label: object, description: object | None = None) -> IntegerField:
    return IntegerField(label, description=description, validators=_POINTS)


class SchemeForm(Form):
    """The points of each criterion, the receipt time and the deduction rule, from a day on."""

    valid_from = DateField(
        _l("Valid from"),
        description=_l("The scheme scores every period that starts on or after this day."),
        validators=[date_required],
    )
    on_time = _points(_l("On-time completion"))
    reporting = _points(_l("Reporting on time"))
    receipt = _points(_l("Receipt on time"))
    quality = _points(_l("Report quality"))
    instructions = _points(_l("Instructions handled on time"))
    receipt_days = IntegerField(
        _l("Working days to sign for an assignment"),
        validators=[
            InputRequired(message=_l("Give a whole number.")),
            NumberRange(min=0, max=RECEIPT_DAYS_MAX, message=_l("A whole number from 0 to 60.")),
        ],
    )
    overdue_deduction = _points(
        _l("Deduction per overdue milestone"),
        _l("Points taken off for each milestone still open past its due day at the period's end."),
    )
    deduction_cap = _points(_l("Deductions at most"))
    # The day's scheme the form was filled against: saved since by someone else, it is shown
    # rather than overwritten unseen.
    base_from = HiddenField()
    version = IntegerField(
        widget=HiddenField.widget, validators=[Optional(), NumberRange(min=0, max=MAX_ID)]
    )
    submit = SubmitField(_l("Save the scheme"))

    def expected_version(self) -> int:
        """The version the saved day's scheme should still have: the form's, when the day is
        the one it was filled against; else none (0), a new day.
        """
        same_day = self.valid_from.data is not None and (
            self.base_from.data == self.valid_from.data.isoformat()
        )
        return (self.version.data or 0) if same_day else 0

    def scheme(self) -> Scheme:
        return Scheme(
            on_time=self.on_time.data,
            reporting=self.reporting.data,
            receipt=self.receipt.data,
            quality=self.quality.data,
            instructions=self.instructions.data,
            receipt_days=self.receipt_days.data,
            overdue_deduction=self.overdue_deduction.data,
            deduction_cap=self.deduction_cap.data,
        )


class CalendarUploadForm(Form):
    """A calendar file: CSV lines date,kind,name."""

    calendar_file = FileField(
        _l("Calendar file"),
        description=_l(
            "CSV in UTF-8 with the header date,kind,name; kind is holiday or workday "
            "(a Saturday or Sunday worked, 调休上班)."
        ),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Load the calendar"))
