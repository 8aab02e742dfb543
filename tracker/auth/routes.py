"""Sign in, sign out, and the user's own profile and password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from tracker.access import client_address, current_who, signed_in_record
from tracker.auth import bp, oidc
from tracker.auth.forms import LoginForm, PasswordForm, ProfileForm
from tracker.auth.ldap_directory import ldap_directory
from tracker.auth.redirects import FALLBACK, safe_next
from tracker.auth.tokens import profile_context
from tracker.clock import utcnow
from tracker.domain.directory import DirectoryProblem, Source
from tracker.domain.policy import DEPARTMENT_ROLES
from tracker.domain.refusal import Who
from tracker.i18n import LANGUAGES
from tracker.messages import message, messages
from tracker.models import User
from tracker.services.commands.accounts import change_own_password, set_locale
from tracker.services.commands.signin import Outcome, SignInResult, sign_in, sign_out
from tracker.unit_of_work import Attempt, attempt, unit_of_work


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    """Show the sign-in form; on success go to ``next`` if it is on this site."""
    if current_user.is_authenticated:
        return redirect(landing(current_user))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=None)
    visitor = Who(now=utcnow(), address=client_address())  # nobody until signed in
    directory = ldap_directory(current_app.config)
    with unit_of_work():  # every attempt is logged, and the log is what throttles
        result = sign_in(
            visitor, form.username.data or "", form.password.data or "", directory=directory
        )
    if result.outcome is Outcome.OK and result.user is not None:
        return start_session(result.user)
    words, status = refusal_words(result)
    return render_template("auth/login.html", form=form, error=words), status


def refusal_words(result: SignInResult) -> tuple[str, int]:
    """What the sign-in page says to a refused attempt, and with which status.

    A wrong name and a wrong password read alike; what the directory or provider vouched
    for may be told plainly, since the person has already proved who they are.
    """
    if result.outcome is Outcome.THROTTLED:
        return _("Too many failed sign-in attempts. Please wait 15 minutes and try again."), 429
    if result.outcome is Outcome.UNAVAILABLE:
        return _(
            "The organisation's directory does not answer, so nobody can be signed in through "
            "it just now. Please try again in a few minutes, or tell the administrator."
        ), 503
    if result.outcome is Outcome.DIRECTORY_REQUIRED:
        return _(
            "Sign in with the organisation's unified identity: local accounts are kept for "
            "administrators only."
        ), 403
    if result.outcome is Outcome.NO_ACCESS:
        return message(result.problem or DirectoryProblem.NO_MAPPED_GROUP), 403
    return _("Wrong user name or password."), 200


def start_session(user: User, next_url: str | None = None) -> Response:
    """Start a fresh session in the user's language; a one-time password must go first.

    A language chosen on the sign-in page itself (``?lang=en``) is the latest wish and is kept;
    otherwise the one saved in the profile applies. ``next_url`` is the ``next`` a sign-in
    that left the site (OpenID Connect) kept; otherwise the request's own ``next`` counts.
    """
    chosen = session.get("lang")
    session.clear()
    session.permanent = True  # expires after TRACKER_SESSION_HOURS without a request
    login_user(user)
    lang = chosen if isinstance(chosen, str) and chosen in LANGUAGES else user.locale
    if lang:
        session["lang"] = lang
    if user.must_change_password:
        return redirect(url_for("auth.password"))
    return redirect(landing(user, next_url))


def landing(user: User, next_url: str | None = None) -> str:
    """A safe ``next`` wins; otherwise a department lead starts on their department's page
    (what they act on), everyone else on the board."""
    target = safe_next(next_url if next_url is not None else request.args.get("next"))
    if target == FALLBACK and user.role in DEPARTMENT_ROLES:
        return url_for("work.mine")
    return target


@bp.post("/logout")
def logout() -> Response:
    """Sign out (a POST, so a link on another site cannot sign anyone out).

    Someone who came in through the OpenID Connect provider is then sent to the provider to
    end its session too, when it offers that; the local session is over either way.
    """
    id_token = session.get(oidc.ID_TOKEN_KEY)
    from_provider = current_user.is_authenticated and signed_in_record().source == Source.OIDC
    with unit_of_work():
        sign_out(current_who())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    provider_url = (
        oidc.provider_logout_url(id_token if isinstance(id_token, str) else None)
        if from_provider
        else None
    )
    return redirect(provider_url or url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
def profile() -> Response | str:
    """The user's own settings: preferred language; a link to change the password."""
    form = ProfileForm(locale=current_user.locale or session.get("lang") or "zh_CN")
    if form.validate_on_submit():
        with unit_of_work():
            set_locale(signed_in_record(), form.locale.data)
        session["lang"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, **profile_context(signed_in_record()))


@bp.route("/profile/password", methods=["GET", "POST"])
def password() -> Response | str:
    """Change one's own password; required after an admin reset it."""
    form = PasswordForm()
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            change_own_password(
                current_who(),
                signed_in_record(),
                current=form.current.data or "",
                new=form.new.data or "",
            )
        if outcome.refused is None:
            # The session version moved on; sign in again in this session only.
            login_user(signed_in_record())
            flash(_("Your password is changed."), "success")
            return redirect(landing(signed_in_record()))
    errors = messages(outcome.refused) if outcome.refused else []
    return render_template("auth/password.html", form=form, errors=errors)
