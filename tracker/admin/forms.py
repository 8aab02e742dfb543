"""Administration forms: departments, users and group robots (Flask-WTF: each has a CSRF token).

Department choices are filled in by the view (only active departments are offered); the
value 0 means "no department".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from tracker.domain import webhooks
from tracker.domain.accounts import USERNAME_MAX
from tracker.domain.policy import ROLES
from tracker.domain.webhooks import RobotKind
from tracker.forms import Form, find_department
from tracker.i18n import ROLE_LABELS
from tracker.messages import message
from tracker.services.exports.mailer import ADDRESS, split_addresses

NO_DEPARTMENT = 0

DEPARTMENT_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


def role_choices() -> list[SelectChoice]:
    """Every role in its words, in the order the policy lists them."""
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


class _DepartmentFields(Form):
    """What creating and editing a department share."""

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
        """Every address of the list must look like one, so reminders are not lost."""
        wrong = [part for part in split_addresses(field.data or "") if not ADDRESS.match(part)]
        if wrong:
            raise ValidationError(
                _l("Not an e-mail address: %(address)s", address=", ".join(wrong))
            )


class DepartmentForm(_DepartmentFields):
    """A new department: its code is fixed from now on."""

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
    """An existing department: everything but its code, and whether it is active."""

    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


class _UserFields(Form):
    """What creating and editing an account share."""

    display_name = StringField(_l("Display name"), validators=[Length(max=120)])
    role = SelectField(
        _l("Role"), choices=role_choices(), invalid_choice_message=_l("Unknown role.")
    )
    department = SelectField(
        _l("Department"),
        coerce=int,
        validate_choice=False,  # checked below, so a stale page gets a clear message
        invalid_value_message=_l("Unknown department."),
        description=_l(
            "Required for a department lead or staff; the other roles have no department."
        ),
    )

    def validate_department(self, field: SelectField) -> None:
        """A department deleted or unknown since the page was shown gets a clear message."""
        if field.data and find_department(field.data) is None:
            raise ValidationError(_l("Unknown department."))


class UserForm(_UserFields):
    """A new account; its one-time password is made by the service."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=USERNAME_MAX)])
    submit = SubmitField(_l("Create user"))


class UserEditForm(_UserFields):
    """An existing account: everything but its user name, and whether it is active."""

    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))


ROBOT_KIND_LABELS = {
    RobotKind.WECOM: _l("WeCom group robot (企业微信)"),
    RobotKind.DINGTALK: _l("DingTalk group robot (钉钉)"),
    RobotKind.FEISHU: _l("Feishu / Lark group robot (飞书)"),
}


class WebhookForm(Form):
    """A group robot: its name, kind, whose reminders it gets and its address.

    The address and the sign secret are credentials: a saved one is never put back in the
    form (an empty field keeps it), and both fields are password fields, so a shoulder or a
    screenshot does not catch them. ``target`` ("plan-<id>" or "department-<id>") is filled
    with choices by the view.
    """

    label = StringField(
        _l("Robot name"),
        validators=[DataRequired(message=_l("Name the robot, for example the chat group."))],
        description=_l("Where the robot posts, for example: 工信局工作群."),
        render_kw={"maxlength": webhooks.LABEL_MAX},
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in ROBOT_KIND_LABELS.items()],
        invalid_choice_message=_l("Unknown kind of robot."),
    )
    target = SelectField(
        _l("Reminders of"),
        validate_choice=False,  # checked below, so a stale page gets a clear message
        description=_l(
            "A plan's robot gets every department's reminders of the plan; a department's "
            "robot gets that department's reminders of every plan."
        ),
    )
    url = PasswordField(
        _l("Webhook address"),
        description=_l(
            "The address the group's robot settings show, for example "
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
        ),
        render_kw={"maxlength": webhooks.URL_MAX, "autocomplete": "off"},
    )
    secret = PasswordField(
        _l("Sign secret (加签, optional)"),
        description=_l(
            "DingTalk and Feishu only: the secret of the robot's signature setting "
            "(DingTalk's starts with SEC)."
        ),
        render_kw={"maxlength": webhooks.SECRET_MAX, "autocomplete": "off"},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: object, keeps_url: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.keeps_url = keeps_url

    def validate_url(self, field: PasswordField) -> None:
        """A new robot needs an address; an edited one keeps its own when none is typed."""
        value = (field.data or "").strip()
        if not value and self.keeps_url:
            return
        problems = webhooks.url_problems(value)
        if problems:
            raise ValidationError(message(problems[0]))

    def validate_target(self, field: SelectField) -> None:
        """The plan or department must still exist (a stale page gets a clear message)."""
        offered = {choice.value for choice in field.choices or []} - {""}
        if field.data not in offered:
            raise ValidationError(_l("Choose the plan or the department the robot is for."))


class WebhookEditForm(WebhookForm):
    """A saved robot: also whether it is on, and whether to drop its sign secret."""

    remove_secret = BooleanField(_l("Remove the saved sign secret"))
    active = BooleanField(_l("On (gets reminders)"))
    version = HiddenField()


class MappingForm(Form):
    """Map a directory group to a role (and, for department roles, a department)."""

    group = StringField(
        _l("Group"),
        validators=[DataRequired(), Length(max=500)],
        description=_l(
            "An LDAP group's DN (cn=gxj-leads,ou=groups,dc=…), or a group's name as the "
            "sign-in provider puts it in the groups claim."
        ),
    )
    role = SelectField(
        _l("Role"), choices=role_choices(), invalid_choice_message=_l("Unknown role.")
    )
    department = SelectField(
        _l("Department"),
        coerce=int,
        validate_choice=False,
        invalid_value_message=_l("Unknown department."),
        description=_l(
            "Required for a department lead or staff; the other roles have no department."
        ),
    )
    submit = SubmitField(_l("Add mapping"))

    def validate_department(self, field: SelectField) -> None:
        """A department deleted or unknown since the page was shown gets a clear message."""
        if field.data and find_department(field.data) is None:
            raise ValidationError(_l("Unknown department."))


class DirectoryOnlyForm(Form):
    """Whether everyone but local admins must sign in through the directory or provider."""

    required = BooleanField(_l("Require sign-in through the organisation's identity"))
    submit = SubmitField(_l("Save"))
