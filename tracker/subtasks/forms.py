"""Sub-task forms: the lead's add/edit form and mode switch, the assignee's report form.

Only the shapes are checked here (a date, a number); the rules (due no later than the
milestone's, an assignee of the department) are the domain's, worded by tracker.messages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from tracker.domain.status import Status
from tracker.domain.subtasks import ProgressMode
from tracker.forms import Form, strip
from tracker.i18n import STATUS_LABELS


class SubtaskForm(Form):
    title = StringField(_l("Sub-task"), filters=[strip])
    assignee = SelectField(
        _l("Person responsible"),
        coerce=int,
        validate_choice=False,  # an unknown person is the domain's "choose someone" message
    )
    due = DateField(_l("Due"), validators=[Optional()])
    weight = FloatField(
        _l("Weight"),
        validators=[Optional()],
        default=1,
        description=_l("Its share of the milestone when progress is rolled up."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Save sub-task"))

    def fill_people(self, people: list[SelectChoice]) -> None:
        self.assignee.choices = [SelectChoice(0, "—"), *people]


class SubtaskReportForm(Form):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[
            InputRequired(),
            NumberRange(0, 100, message=_l("Progress is a whole number from 0 to 100.")),
        ],
    )
    note = TextAreaField(_l("Note"), description=_l("Required when it is at risk or delayed."))
    version = HiddenField()
    submit = SubmitField(_l("Report"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.value, str(STATUS_LABELS[s])) for s in Status]


class ProgressModeForm(Form):
    mode = SelectField(
        _l("Progress"),
        choices=[
            SelectChoice(ProgressMode.DIRECT.value, _l("Reported directly")),
            SelectChoice(ProgressMode.SUBTASKS.value, _l("Rolled up from the sub-tasks")),
        ],
        validators=[DataRequired()],
    )
    version = HiddenField()
    submit = SubmitField(_l("Change"))


class DeleteSubtaskForm(Form):
    submit = SubmitField(_l("Delete"))
