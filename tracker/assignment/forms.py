"""Assignment forms (admins): an item's departments, and a milestone's fields and order.

Department and user choices are filled in by the view. The forms check what the input looks
like (a known department, a real date, a number); the rules (active departments only, the
lead is not also supporting, due within the plan) are the service's.
"""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.domain.assignment import DIRECTIONS, MAX_WEIGHT, TITLE_EN_MAX, TITLE_ZH_MAX
from tracker.forms import Form, date_required, find_department, find_user, strip

NOBODY = 0


def _known_department(_form: FlaskForm, field: Field) -> None:
    if not field.errors and find_department(field.data) is None:
        raise ValidationError(_l("Unknown department."))


class ItemDepartmentsForm(Form):
    lead = SelectField(
        _l("Lead department"),
        coerce=int,
        validate_choice=False,  # checked here, so a stale page gets a clear message
        invalid_value_message=_l("Unknown department."),
        validators=[_known_department],
    )
    supporting = SelectMultipleField(
        _l("Supporting departments"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Unknown department."),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def validate_supporting(self, field: SelectMultipleField) -> None:
        if any(find_department(d) is None for d in field.data or []):
            raise ValidationError(_l("Unknown department."))


def _weight(_form: FlaskForm, field: Field) -> None:
    """A number above 0, at most MAX_WEIGHT (also catches 'nan', 'inf' and 1e400)."""
    raw = (field.raw_data or [""])[0]
    if not str(raw).strip():
        raise StopValidation(_l("Enter a weight."))
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise StopValidation(_l("The weight must be a number.")) from None
    if not math.isfinite(value) or not 0 < value <= MAX_WEIGHT:
        raise StopValidation(
            _l("The weight must be above 0 and at most %(max)s.", max=f"{MAX_WEIGHT:g}")
        )
    field.data = value


class WeightField(StringField):
    """A weight typed as text and read with :func:`_weight`: huge or odd input gets a message."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_data = valuelist
        self.data = valuelist[0].strip() if valuelist else None

    def _value(self) -> str:
        if isinstance(self.data, float):
            return f"{self.data:g}"
        return "" if self.data is None else str(self.data)


class _MilestoneFields(Form):
    title_zh = StringField(
        _l("Chinese title"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the Chinese title.")), Length(max=TITLE_ZH_MAX)],
    )
    title_en = StringField(
        _l("English title"),
        filters=[strip],
        validators=[Length(max=TITLE_EN_MAX)],
        description=_l("Optional; the Chinese title is shown when it is empty."),
    )
    due = DateField(
        _l("Due date"),
        validators=[date_required],
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
    )
    weight = WeightField(
        _l("Weight"),
        validators=[_weight],
        description=_l(
            "How much the milestone counts in its item's progress, relative to the others."
        ),
    )
    department = SelectField(
        _l("Department"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Unknown department."),
        validators=[_known_department],
    )
    assignee = SelectField(
        _l("Assignee"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Unknown user."),
        description=_l("Optional: an active user of the milestone's department."),
    )

    def validate_assignee(self, field: SelectField) -> None:
        if field.data and find_user(field.data) is None:
            raise ValidationError(_l("Unknown user."))


class MilestoneNewForm(_MilestoneFields):
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[DataRequired(_l("Enter a code."))],
        description=_l(
            "Unique in the plan: 1 to 32 letters, digits, dots, dashes or underscores, "
            "for example T1-6."
        ),
    )
    submit = SubmitField(_l("Add milestone"))


class MilestoneEditForm(_MilestoneFields):
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class MoveForm(Form):
    direction = StringField(validators=[AnyOf(DIRECTIONS, message=_l("Choose up or down."))])
