"""The profile page's API tokens: a user makes and revokes their own tokens.

A new token is shown once, in the response to the POST that made it: never flashed, never
stored. A user sees and revokes only their own tokens (another user's token id answers 404).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from tracker.access import current_who, require, signed_in_record
from tracker.auth.forms import ProfileForm
from tracker.domain.policy import Action
from tracker.domain.tokens import LABEL_MAX
from tracker.forms import Form
from tracker.loaders import find_row
from tracker.messages import messages
from tracker.models import ApiToken, User
from tracker.services.commands.tokens import create_token, revoke_token, tokens_of
from tracker.unit_of_work import attempt, unit_of_work

bp = Blueprint("api_tokens", __name__)


class TokenForm(Form):
    """What a new token is for; the service checks the same rule and words it alike."""

    label = StringField(
        _l("What the token is for"),
        validators=[
            DataRequired(message=_l("Please say what the token is for.")),
            Length(max=LABEL_MAX, message=_l("The label is too long (at most 100 characters).")),
        ],
        description=_l("For example the program that will use it."),
    )
    submit = SubmitField(_l("Create token"))


class RevokeTokenForm(Form):
    """An empty form: revoking is a POST with a CSRF token."""


def profile_context(user: User) -> dict[str, object]:
    """What the token section of the profile page needs."""
    return {"api_tokens": tokens_of(user), "token_form": TokenForm(formdata=None)}


def _profile_page(**context: object) -> str:
    user = signed_in_record()
    form = ProfileForm(formdata=None, locale=user.locale or session.get("lang") or "zh_CN")
    values = {**profile_context(user), **context}
    return render_template("auth/profile.html", form=form, **values)


@bp.post("/profile/tokens")
def create() -> str:
    """Make a token for the signed-in user and show it once."""
    require(Action.EDIT_OWN_PROFILE)
    form = TokenForm()
    if not form.validate_on_submit():
        errors = [str(e) for field in form for e in field.errors]
        return _profile_page(token_form=form, token_errors=errors)
    with attempt() as outcome:
        token, text = create_token(current_who(), signed_in_record(), label=form.label.data or "")
    if outcome.refused is None:
        return _profile_page(new_token=token, new_token_text=text)
    return _profile_page(token_form=form, token_errors=messages(outcome.refused))


@bp.post("/profile/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    """Revoke one of the signed-in user's tokens."""
    require(Action.EDIT_OWN_PROFILE)
    token = find_row(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)  # another user's token is as unknown as a made-up id
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        revoked = revoke_token(current_who(), token)
    if revoked:
        flash(_("The token is revoked: programs using it are refused from now on."), "success")
    return redirect(url_for("auth.profile"))
