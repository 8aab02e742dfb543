"""Receipt forms (Flask-WTF, CSRF): sign, decline, and assign again.

The forms check what the input looks like; whether the receipt may still be answered is the
service's rule, so a refused answer says why in the service's words.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField

from tracker.forms import Form, strip


class SignForm(Form):
    responsible = StringField(
        _l("Person responsible"), filters=[strip], render_kw={"autocomplete": "name"}
    )
    work_plan = TextAreaField(_l("First plan of work (optional)"), filters=[strip])
    submit = SubmitField(_l("Sign for it"))


class DeclineForm(Form):
    reason = TextAreaField(_l("Reason for declining"), filters=[strip])
    submit = SubmitField(_l("Decline"))


class AssignAgainForm(Form):
    """Nothing but the CSRF token: the button says what it does."""
