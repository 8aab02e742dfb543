"""The upload and confirm forms (Flask-WTF, so both carry a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tracker.domain.planfile import CODE_PATTERN
from tracker.forms import Form, strip


class PlanUploadForm(Form):
    """A workbook in the plan template (.xlsx) or a plan file (.yaml), and an optional code."""

    plan_file = FileField(
        _l("File"),
        description=_l("The plan template (.xlsx) or a plan file (.yaml), at most 2 MB."),
        validators=[FileRequired(message=_l("Choose a file."))],
        render_kw={"accept": ".xlsx,.yaml,.yml"},
    )
    code = StringField(
        _l("Plan code"),
        description=_l("Optional: load the file as this plan instead of the code it names."),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=32),
            Regexp(
                CODE_PATTERN,
                message=_l("1 to 32 letters, digits, dots, dashes or underscores."),
            ),
        ],
    )
    submit = SubmitField(_l("Preview"))


class PlanConfirmForm(Form):
    """The previewed file itself, signed, so confirming loads exactly what was shown."""

    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Load the plan"))
