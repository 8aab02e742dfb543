"""The plan list's one form: move a plan to another state."""

from __future__ import annotations

from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from tracker.domain.plan_states import PLAN_STATES
from tracker.forms import Form


class PlanStateForm(Form):
    """``seen`` is the state the admin saw: a plan moved meanwhile is not moved again."""

    seen = HiddenField(validators=[DataRequired()])
    wanted = SelectField(
        choices=[SelectChoice(s, s) for s in PLAN_STATES], validators=[DataRequired()]
    )
