"""What text may hold: no control characters, except tab and line breaks in long text.

A NUL byte or an escape in a name or a note is never what a user meant, PostgreSQL refuses
NUL in text columns, and other control characters break exports and terminals. Forms, path
parameters and the API all ask this one rule.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character (tab and line breaks pass in multiline text)."""
    pattern = _CONTROL if multiline else _CONTROL_OR_BREAK
    return pattern.search(text) is not None
