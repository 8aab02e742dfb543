"""Sign in, sign out, and the user's own profile and password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.access import client_address, current_who
from tracker.auth import bp
from tracker.auth.forms import LoginForm, PasswordForm, ProfileForm
from tracker.auth.redirects import safe_next
from tracker.auth.tokens import profile_context
from tracker.clock import utcnow
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.messages import message as problem_message
from tracker.services.commands import audit
from tracker.services.commands.accounts import change_own_password, set_locale
from tracker.services.commands.signin import Outcome, sign_in


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; on success go to ``next`` if it is on this site."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        result = sign_in(
            form.username.data or "",
            form.password.data or "",
            address=client_address(),
            now=utcnow(),
        )
        db.session.commit()
        if result.outcome is Outcome.THROTTLED:
            message = _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")
            return render_template("auth/login.html", form=form, error=message), 429
        if result.outcome is Outcome.BAD_CREDENTIALS or result.user is None:
            message = _("Wrong user name or password.")
            return render_template("auth/login.html", form=form, error=message), 200
        session.clear()
        login_user(result.user)
        if result.user.locale:
            session["lang"] = result.user.locale
        if result.user.must_change_password:
            return redirect(url_for("auth.password"))
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=None)


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST, so a link on another site cannot sign anyone out)."""
    audit.record("logout", now=utcnow(), actor=current_user, address=client_address())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
def profile() -> Response | str:
    """The user's own settings: preferred language; a link to change the password."""
    form = ProfileForm(locale=current_user.locale or session.get("lang") or "zh_CN")
    if form.validate_on_submit():
        set_locale(current_user, form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, **profile_context(current_user))


@bp.route("/profile/password", methods=["GET", "POST"])
def password() -> Response | str:
    """Change one's own password; required after an admin reset it."""
    form = PasswordForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            change_own_password(
                current_who(),
                current_user,
                current=form.current.data or "",
                new=form.new.data or "",
            )
        except Refused as error:
            db.session.rollback()
            errors = [problem_message(p) for p in error.problems]
        else:
            db.session.commit()
            # The session version moved on; sign in again in this session only.
            login_user(current_user._get_current_object())
            flash(_("Your password is changed."), "success")
            return redirect(url_for("board.index"))
    return render_template("auth/password.html", form=form, errors=errors)
