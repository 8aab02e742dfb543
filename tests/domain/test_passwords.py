"""Password rules."""

import pytest

from tracker.domain.passwords import PasswordProblem, password_problems


@pytest.mark.parametrize(
    ("password", "problems"),
    [
        ("correct horse battery", []),
        ("123456789", [PasswordProblem.TOO_SHORT]),
        ("1234567890", []),
        ("x" * 201, [PasswordProblem.TOO_LONG, PasswordProblem.ONE_CHARACTER]),
        ("aaaaaaaaaaaa", [PasswordProblem.ONE_CHARACTER]),
        ("wang-secret-2020", [PasswordProblem.CONTAINS_USERNAME]),
        ("WANG-secret-2020", [PasswordProblem.CONTAINS_USERNAME]),
        ("gnaw-secret-2020", [PasswordProblem.CONTAINS_USERNAME]),
        ("", [PasswordProblem.TOO_SHORT]),
    ],
)
def test_password_rules(password: str, problems: list[PasswordProblem]) -> None:
    assert password_problems(password, "wang") == problems
