"""Administration forms: departments and users (Flask-WTF, so every one carries a CSRF token).

Department choices are filled in by the view (only active departments are offered); the
value 0 means "no department".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from tracker.domain.accounts import USERNAME_MAX
from tracker.domain.policy import ROLES
from tracker.forms import find_department
from tracker.i18n import ROLE_LABELS
from tracker.services.exports.mailer import ADDRESS, split_addresses

NO_DEPARTMENT = 0

DEPARTMENT_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


class _DepartmentFields(FlaskForm):
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("English name"), validators=[DataRequired(), Length(max=200)])
    coordinating = BooleanField(_l("Coordinating department"))
    email = StringField(
        _l("E-mail for reminders"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Where reminders (催办) of overdue and due milestones are sent. "
            "Several addresses are separated by commas."
        ),
    )

    def validate_email(self, field: StringField) -> None:
        wrong = [part for part in split_addresses(field.data or "") if not ADDRESS.match(part)]
        if wrong:
            raise ValidationError(
                _l("Not an e-mail address: %(address)s", address=", ".join(wrong))
            )


class DepartmentForm(_DepartmentFields):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(
                DEPARTMENT_CODE,
                message=_l(
                    "A code has 1 to 32 letters, digits, dots, dashes or underscores, "
                    "and starts with a letter or digit."
                ),
            ),
        ],
        description=_l("A short fixed code, for example dfzb. It cannot be changed later."),
    )
    submit = SubmitField(_l("Create department"))


class DepartmentEditForm(_DepartmentFields):
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


class _UserFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Length(max=120)])
    role = SelectField(
        _l("Role"), choices=role_choices(), invalid_choice_message=_l("Unknown role.")
    )
    department = SelectField(
        _l("Department"),
        coerce=int,
        validate_choice=False,  # checked below, so a stale page gets a clear message
        invalid_value_message=_l("Unknown department."),
        description=_l("Required for a department lead; the other roles have no department."),
    )

    def validate_department(self, field: SelectField) -> None:
        if field.data and find_department(field.data) is None:
            raise ValidationError(_l("Unknown department."))


class UserForm(_UserFields):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=USERNAME_MAX)])
    submit = SubmitField(_l("Create user"))


class UserEditForm(_UserFields):
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))
