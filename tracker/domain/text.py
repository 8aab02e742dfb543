"""What text may hold: no control characters, except tab and line breaks in long text.

A NUL byte or an escape in a name or a note is never what a user meant, PostgreSQL refuses
NUL in text columns, and other control characters break exports and terminals. Forms, path
parameters and the API all ask this one rule; the API's document publishes it as patterns.
"""

from __future__ import annotations

import re
import sys

# The control characters, as regular-expression classes that Python and JSON Schema (ECMA 262)
# read alike.
CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
CONTROL_OR_BREAK = r"\x00-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{CONTROL}]")
_CONTROL_OR_BREAK = re.compile(f"[{CONTROL_OR_BREAK}]")

# What ``str.strip()`` takes away: a note of only these is empty to every rule.
_BLANK = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in _BLANK) + "]"


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character (tab and line breaks pass in multiline text)."""
    pattern = _CONTROL if multiline else _CONTROL_OR_BREAK
    return pattern.search(text) is not None


def text_pattern(*, multiline: bool = False) -> str:
    """The pattern of text without control characters, for a published schema."""
    return f"^[^{CONTROL if multiline else CONTROL_OR_BREAK}]*$"
