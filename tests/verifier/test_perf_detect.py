"""The nesting-depth scan of JSON bodies gives what a character-by-character
scan gives, for real documents and for random bracket, quote and backslash soup."""

from __future__ import annotations

import random

import pytest

from tests.conftest import FIXTURES
from verifier import detect
from verifier.errors import InputError


def _reference_depth(text: str) -> int:
    """The scan one character at a time: brackets outside strings, strings end at an unescaped quote."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > detect.MAX_JSON_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def test_depth_of_every_json_fixture_is_the_character_scan_s() -> None:
    paths = sorted(FIXTURES.rglob("*.json"))
    assert len(paths) > 100
    for path in paths:
        text = path.read_text("utf-8", errors="replace")
        assert detect._nesting_depth(text) == _reference_depth(text), path


def test_depth_of_random_bracket_soup_is_the_character_scan_s() -> None:
    rng = random.Random(20261128)
    alphabet = '[]{}"\\ a\n:,'
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        assert detect._nesting_depth(text) == _reference_depth(text), text
    for depth in (63, 64, 65, 66, 200):
        for opener, closer in (("[", "]"), ("{", "}"), ('["', '"]')):
            text = opener * depth + closer * depth
            assert detect._nesting_depth(text) == _reference_depth(text), text


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("[" * 64 + "{}" + "]" * 64, True),  # 65 levels
        ('{"a": ' + "[" * 62 + "{}" + "]" * 62 + "}", False),  # 64 levels
        ('{"a": "' + "[" * 500 + '"}', False),  # brackets in a string
        ('{"a": [' + "[]," * 500 + "[]]}", False),  # many brackets, shallow
    ],
)
def test_only_json_nested_deeper_than_the_limit_is_refused(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(InputError, match="nested deeper"):
            detect.parse_json_object(text)
    else:
        assert isinstance(detect.parse_json_object(text), dict)
