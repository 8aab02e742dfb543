"""The form that makes a screen link (Flask-WTF, so it carries a CSRF token).

The label rule lives in :mod:`tracker.domain.screens` and its words in :mod:`tracker.messages`;
the form only checks it early, so the page can say what is wrong next to the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

from tracker.domain.screens import LABEL_MAX, label_problems
from tracker.forms import Form
from tracker.messages import message


class ScreenLinkForm(Form):
    """A new screen link: its label, which names the display, and the plan it shows (the
    choices are the plans that are not drafts, set by the view).
    """

    plan = SelectField(
        _l("Plan"),
        validators=[Optional()],
        description=_l("The plan the display shows (when none is sent: the default plan)."),
    )
    label = StringField(
        _l("Label"),
        description=_l("Where the link is used, for example: Meeting room 3, big screen."),
        render_kw={"maxlength": LABEL_MAX},
    )
    submit = SubmitField(_l("Create link"))

    def validate_label(self, field: StringField) -> None:
        """The service's label rule, checked early to show its words next to the field."""
        problems = label_problems(field.data or "")
        if problems:
            raise ValidationError(message(problems[0]))
