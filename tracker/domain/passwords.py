"""Password rules, checked the same way by the sign-in pages and the command line."""

from __future__ import annotations

from enum import StrEnum

MIN_LENGTH = 10
MAX_LENGTH = 200


class PasswordProblem(StrEnum):
    """Why a password is refused; the caller words it in the user's language."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    CONTAINS_USERNAME = "contains_username"
    ONE_CHARACTER = "one_character"


def password_problems(password: str, username: str) -> list[PasswordProblem]:
    """Every rule a new password breaks; an empty list means it is acceptable.

    A password that contains the user name (or is it reversed) is the first thing an
    attacker tries, so it is refused whatever its length.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(PasswordProblem.TOO_SHORT)
    if len(password) > MAX_LENGTH:
        problems.append(PasswordProblem.TOO_LONG)
    lowered = password.casefold()
    name = username.strip().casefold()
    if name and (name in lowered or name[::-1] in lowered):
        problems.append(PasswordProblem.CONTAINS_USERNAME)
    if password and len(set(password)) == 1:
        problems.append(PasswordProblem.ONE_CHARACTER)
    return problems
