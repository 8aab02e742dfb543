"""Sign-in and profile forms (Flask-WTF, so every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.forms import Form
from tracker.i18n import LANGUAGES


class LoginForm(Form):
    """User name and password; the limits keep absurd input away from the hashing."""

    username = StringField(
        _l("User name"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class PasswordForm(Form):
    """The current password and the new one twice, so a typing error is caught here."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(Form):
    """The user's own settings: the preferred language."""

    locale = SelectField(
        _l("Preferred language"),
        choices=[SelectChoice(code, label) for code, label in LANGUAGES.items()],
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save"))
