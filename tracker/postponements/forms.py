"""Postponement forms: the department's request and the admin's decision (Flask-WTF, CSRF).

The forms check what the input looks like (a real date, a reason of the right length); the
rules about the milestone (later than its due date, one pending request) are the service's.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length

from tracker.domain.postponements import NOTE_MAX, REASON_MAX, REASON_MIN
from tracker.forms import Form, date_required, strip


class PostponementForm(Form):
    requested_due = DateField(
        _l("New due date"),
        validators=[date_required],
        invalid_value_message=_l("Enter a date as YYYY-MM-DD."),
        description=_l("Later than the current due date."),
    )
    reason = TextAreaField(
        _l("Reason for postponement"),
        filters=[strip],
        validators=[
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=_l("The reason needs %(min)d to %(max)d characters."),
            )
        ],
        description=_l("Why the milestone needs more time, and what is being done about it."),
        render_kw={"rows": 5},
    )
    version = HiddenField()
    submit = SubmitField(_l("Send the request"))


class DecisionForm(Form):
    """Approve or reject: one note field, two buttons posting to the two endpoints."""

    note = TextAreaField(
        _l("Decision note"),
        filters=[strip],
        validators=[
            Length(max=NOTE_MAX, message=_l("A note may have at most %(max)d characters."))
        ],
        render_kw={"rows": 2},
    )
