"""Creating and changing accounts and departments; each change is audited.

These functions check the business rules (a department lead needs a department, passwords
follow the password rules) and raise :class:`Refused` with a problem code the caller words
in the user's language. They flush, and leave the commit to the caller.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from tracker.domain.accounts import USERNAME_MAX, AccountProblem
from tracker.domain.passwords import PasswordProblem, password_problems
from tracker.domain.policy import DEPARTMENT_ROLES, Role
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Department, User
from tracker.services.commands import audit
from tracker.services.commands.tokens import revoke_tokens_of


def one_time_password() -> str:
    """A random password to hand over once; the user must replace it at first sign-in."""
    return secrets.token_urlsafe(9)


def _check_username(username: str) -> list[AccountProblem]:
    name = username.strip()
    if not name or len(name) > USERNAME_MAX or any(c.isspace() for c in name):
        return [AccountProblem.USERNAME_INVALID]
    exists = db.session.scalar(
        sa.select(User.id).where(sa.func.lower(User.username) == name.lower())
    )
    return [AccountProblem.USERNAME_TAKEN] if exists else []


def _check_role(role: str, department: Department | None) -> list[AccountProblem]:
    if role not in {r.value for r in Role}:
        return [AccountProblem.UNKNOWN_ROLE]
    if role in DEPARTMENT_ROLES and department is None:
        return [AccountProblem.DEPARTMENT_REQUIRED]
    return []


def create_user(
    who: Who,
    *,
    username: str,
    role: str,
    department: Department | None = None,
    display_name: str = "",
    password: str | None = None,
    locale: str | None = None,
) -> tuple[User, str | None]:
    """Create an account. Without ``password`` a one-time password is made and returned.

    A user given a one-time password must change it at first sign-in, so whoever handed it
    over (the admin) never knows the password in use.
    """
    username = username.strip()
    problems: list[AccountProblem | PasswordProblem] = [
        *_check_username(username),
        *_check_role(role, department),
    ]
    if department is not None and not department.active:
        problems.append(AccountProblem.DEPARTMENT_INACTIVE)
    if password is not None:
        problems.extend(password_problems(password, username))
    Refused.unless_clean(problems)
    generated = None
    if password is None:
        generated = password = one_time_password()
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        department=department if role in DEPARTMENT_ROLES else None,
        active=True,
        must_change_password=generated is not None,
        locale=locale,
        session_version=1,
        created_at=who.now,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.note(
        who,
        "user_created",
        target=user,
        detail=f"role={role} department={department.code if department else ''}",
    )
    return user, generated


def update_user(
    who: Who,
    user: User,
    *,
    role: str,
    department: Department | None,
    display_name: str,
    active: bool,
) -> list[str]:
    """Change role, department, name or active state; return what changed, for the log.

    Deactivating ends the user's sessions at once. The last active admin cannot be demoted or
    deactivated, so nobody is locked out of administration.
    """
    Refused.unless_clean(_update_problems(user, role, department, active))
    changes = [
        *_change_role(user, role, department if role in DEPARTMENT_ROLES else None),
        *_change_profile(who, user, display_name.strip(), active),
    ]
    if changes:
        action = "user_deactivated" if changes == ["deactivated"] else "user_updated"
        audit.note(who, action, target=user, detail="; ".join(changes))
    db.session.flush()
    return changes


def _update_problems(
    user: User, role: str, department: Department | None, active: bool
) -> list[AccountProblem]:
    """What refuses a change: the role rules, a newly chosen inactive department, the last admin.

    A user may keep a department deactivated since; only choosing one anew is refused.
    """
    problems = _check_role(role, department)
    if department is not None and not department.active and department != user.department:
        problems.append(AccountProblem.DEPARTMENT_INACTIVE)
    losing_admin = user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active)
    if losing_admin and _active_admins() <= 1:
        problems.append(AccountProblem.LAST_ADMIN)
    return problems


def _change_role(user: User, role: str, department: Department | None) -> list[str]:
    """Set role and department; what changed, in the words of the audit log."""
    changes = []
    if user.role != role:
        changes.append(f"role {user.role}→{role}")
        user.role = role
    if user.department != department:
        old = user.department.code if user.department else "-"
        new = department.code if department else "-"
        changes.append(f"department {old}→{new}")
        user.department = department
    return changes


def _change_profile(who: Who, user: User, display_name: str, active: bool) -> list[str]:
    """Set the name and the active state (deactivating ends the sessions); what changed."""
    changes = []
    if user.display_name != display_name:
        changes.append("display name")
        user.display_name = display_name
    if user.active != active:
        changes.append("activated" if active else "deactivated")
        user.active = active
        if not active:
            end_sessions(who, user)
    return changes


def end_sessions(who: Who, user: User) -> None:
    """Every way the user is signed in ends: their sessions and their API tokens.

    A password reset, a password change and a deactivation all mean "whoever had access
    before must prove it again"; a token is a standing access, so it is revoked (and stays
    listed as revoked on the profile page).
    """
    user.session_version += 1
    revoke_tokens_of(who, user)


def _active_admins() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
        )
        or 0
    )


def deactivate_user(who: Who, user: User) -> bool:
    """Deactivate an account (ending its sessions); False when it already was inactive."""
    if not user.active:
        return False
    update_user(
        who,
        user,
        role=user.role,
        department=user.department,
        display_name=user.display_name,
        active=False,
    )
    return True


def reset_password(who: Who, user: User) -> str:
    """Give the user a new one-time password and end their sessions.

    A directory account has no password here: giving it one would open a second way in that
    outlives its removal from the directory.
    """
    if user.source != "local":
        raise Refused([AccountProblem.NOT_LOCAL])
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    end_sessions(who, user)
    audit.note(who, "password_reset", target=user)
    db.session.flush()
    return password


def change_own_password(who: Who, user: User, *, current: str, new: str) -> None:
    """The user replaces their password; other sessions of theirs end."""
    if user.source != "local":
        raise Refused([AccountProblem.NOT_LOCAL])
    problems: list[AccountProblem | PasswordProblem] = []
    if not user.check_password(current):
        problems.append(AccountProblem.WRONG_PASSWORD)
    problems.extend(password_problems(new, user.username))
    Refused.unless_clean(problems)
    user.set_password(new)
    user.must_change_password = False
    end_sessions(who, user)
    audit.record("password_changed", now=who.now, actor=user, address=who.address, target=user)
    db.session.flush()


def set_locale(user: User, locale: str | None) -> None:
    """Remember the user's preferred language for their next sign-in.

    A preference, neither audited nor kept in history, so it needs no :class:`Who`.
    """
    user.locale = locale


def create_department(
    who: Who, *, code: str, name_zh: str, name_en: str, coordinating: bool = False
) -> Department:
    """Add a department; codes are unique and never reused for another office."""
    code = code.strip()
    taken = db.session.scalar(
        sa.select(Department.id).where(sa.func.lower(Department.code) == code.lower())
    )
    if taken:
        raise Refused([AccountProblem.DEPARTMENT_CODE_TAKEN])
    department = Department(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        is_coordinating=coordinating,
        is_sample=False,
        active=True,
    )
    db.session.add(department)
    db.session.flush()
    audit.note(
        who,
        "department_created",
        target=department,
        detail=f"{department.name_zh} / {department.name_en}",
    )
    return department


def update_department(
    who: Who,
    department: Department,
    *,
    name_zh: str,
    name_en: str,
    coordinating: bool,
    active: bool,
) -> list[str]:
    """Rename, flag as coordinating, or (de)activate a department; return what changed."""
    changes = []
    if (department.name_zh, department.name_en) != (name_zh.strip(), name_en.strip()):
        changes.append(f"renamed {department.name_zh}→{name_zh.strip()}")
        department.name_zh, department.name_en = name_zh.strip(), name_en.strip()
    if department.is_coordinating != coordinating:
        changes.append("coordinating" if coordinating else "not coordinating")
        department.is_coordinating = coordinating
    if department.active != active:
        changes.append("activated" if active else "deactivated")
        department.active = active
    if changes:
        audit.note(who, "department_updated", target=department, detail="; ".join(changes))
    db.session.flush()
    return changes
