"""Rules of accounts: the problems an account change can have."""

from __future__ import annotations

from enum import StrEnum


class AccountProblem(StrEnum):
    """Why an account change was refused."""

    USERNAME_TAKEN = "username_taken"
    USERNAME_INVALID = "username_invalid"
    UNKNOWN_ROLE = "unknown_role"
    DEPARTMENT_REQUIRED = "department_required"
    DEPARTMENT_INACTIVE = "department_inactive"
    DEPARTMENT_CODE_TAKEN = "department_code_taken"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105  (a problem code, not a password)
    LAST_ADMIN = "last_admin"
    NOT_LOCAL = "not_local"


USERNAME_MAX = 64
