"""The text rules and the patterns the API's document publishes for them agree."""

from __future__ import annotations

import re
import sys

import pytest

from tracker.domain.text import NOT_BLANK, has_control_characters, text_pattern

EVERY_CHARACTER = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_not_blank_is_what_strip_leaves_something_of() -> None:
    pattern = re.compile(NOT_BLANK)
    for char in EVERY_CHARACTER:
        assert bool(pattern.search(f" {char}\u3000")) == bool(char.strip()), repr(char)


@pytest.mark.parametrize("multiline", [False, True])
def test_text_pattern_refuses_exactly_the_control_characters(multiline: bool) -> None:
    pattern = re.compile(text_pattern(multiline=multiline))
    for char in map(chr, range(0x200)):
        text = f"a{char}b"
        assert bool(pattern.match(text)) != has_control_characters(text, multiline=multiline)
