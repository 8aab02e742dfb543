"""User-facing wording of account and password problems, in the user's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.domain.passwords import MAX_LENGTH, MIN_LENGTH, PasswordProblem
from tracker.services.accounts import AccountProblem

_MESSAGES = {
    AccountProblem.USERNAME_TAKEN: _l("This user name is already taken."),
    AccountProblem.USERNAME_INVALID: _l("A user name has 1 to 64 characters and no spaces."),
    AccountProblem.UNKNOWN_ROLE: _l("Unknown role."),
    AccountProblem.DEPARTMENT_REQUIRED: _l("A department lead needs a department."),
    AccountProblem.DEPARTMENT_INACTIVE: _l("This department is deactivated."),
    AccountProblem.DEPARTMENT_CODE_TAKEN: _l("This department code is already taken."),
    AccountProblem.WRONG_PASSWORD: _l("The current password is not correct."),
    AccountProblem.LAST_ADMIN: _l("The last active administrator cannot be removed."),
    PasswordProblem.CONTAINS_USERNAME: _l("The password must not contain the user name."),
    PasswordProblem.ONE_CHARACTER: _l("The password must not repeat a single character."),
}


def problem_message(problem: AccountProblem | PasswordProblem) -> str:
    """One problem in words."""
    if problem is PasswordProblem.TOO_SHORT:
        return _("The password needs at least %(num)d characters.", num=MIN_LENGTH)
    if problem is PasswordProblem.TOO_LONG:
        return _("The password may have at most %(num)d characters.", num=MAX_LENGTH)
    return str(_MESSAGES[problem])
