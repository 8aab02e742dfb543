"""Form pieces every blueprint may use: filters, validators and the limits of ids and versions.

Blueprints import from here and never from each other's ``forms`` modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, TextAreaField
from wtforms.validators import StopValidation

from tracker.domain.dates import in_range
from tracker.domain.text import has_control_characters
from tracker.loaders import find_row
from tracker.models import Department, User
from tracker.models.types import MAX_ID

__all__ = [
    "MAX_ID",
    "Form",
    "date_required",
    "find_department",
    "find_user",
    "strip",
    "version_number",
]


def strip(value: str | None) -> str | None:
    """A text field's value without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


def date_required(_form: FlaskForm, field: Field) -> None:
    """A date must be given; a malformed one already has its own message."""
    if field.data is None and not field.errors:
        raise StopValidation(_l("Enter a date as YYYY-MM-DD."))


def version_number(value: str | None) -> int | None:
    """The version a hidden field carries, or None when it is missing or malformed."""
    if value is None or not str(value).isdigit() or len(str(value)) > 10:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def find_department(department_id: int | None) -> Department | None:
    """The department a choice field names, or None (for 0, out-of-range or unknown ids)."""
    return find_row(Department, department_id)


def find_user(user_id: int | None) -> User | None:
    """The user a choice field names, or None (for 0, out-of-range or unknown ids)."""
    return find_row(User, user_id)


CONTROL_CHARACTERS = _l("Remove the control characters (such as NUL) from this text.")
DATE_RANGE = _l("The date must lie between 2000-01-01 and 2100-12-31.")


class Form(FlaskForm):
    """The base of every form: what no field may hold is refused with a field error.

    Text with control characters (tab and line breaks stay allowed in long text), and dates
    outside the years a plan can mean (the API's bounds). Checked after the fields' own
    validators, so a field shows its own message first.
    """

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for field in self:
            raw = [value for value in (field.raw_data or []) if isinstance(value, str)]
            multiline = isinstance(field, TextAreaField)
            if any(has_control_characters(value, multiline=multiline) for value in raw):
                field.errors = [*field.errors, CONTROL_CHARACTERS]
                valid = False
            if isinstance(field, DateField) and field.data and not in_range(field.data):
                field.errors = [*field.errors, DATE_RANGE]
                valid = False
        return valid
