"""The form that makes a screen link (Flask-WTF, so it carries a CSRF token).

The label rule lives in :mod:`tracker.services.commands.screens`; the form only words its problems.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from tracker.domain.screens import LABEL_MAX, ScreenProblem, label_problems


def problem_message(problem: ScreenProblem) -> str:
    """One problem in words."""
    messages = {
        ScreenProblem.LABEL_REQUIRED: _l(
            "Give the link a label, for example the room where the display is."
        ),
        ScreenProblem.LABEL_TOO_LONG: _l("A label has at most %(max)d characters.", max=LABEL_MAX),
    }
    return str(messages[problem])


class ScreenLinkForm(FlaskForm):
    label = StringField(
        _l("Label"),
        description=_l("Where the link is used, for example: Meeting room 3, big screen."),
        render_kw={"maxlength": LABEL_MAX},
    )
    submit = SubmitField(_l("Create link"))

    def validate_label(self, field: StringField) -> None:
        problems = label_problems(field.data or "")
        if problems:
            raise ValidationError(problem_message(problems[0]))
