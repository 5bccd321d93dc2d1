"""Input detection: every input gets a kind or an error that says what was expected."""

from __future__ import annotations

import pytest

from verifier.detect import MAX_JSON_DEPTH, PNG_SIGNATURE, detect, parse_json_object
from verifier.errors import InputError


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("https://badges.example.org/assertions/1", "url"),
        ("  http://x.example/b  \n", "url"),
        ('{"@context": "https://w3id.org/openbadges/v2"}', "json"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln", "jws"),
        ('"eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln"', "jws"),
        (PNG_SIGNATURE + b"rest", "png"),
        ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "svg"),
        ("<svg></svg>", "svg"),
    ],
)
def test_supported_inputs_are_recognised(data: str | bytes, kind: str) -> None:
    assert detect(data).kind == kind


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("", "empty input"),
        ("hello world", "unrecognised input"),
        (b"\xff\xd8\xff\xe0JFIF", "not a PNG"),
        ("[1, 2]", "must be an object"),
        ('{"a": ', "malformed JSON"),
        ("ftp://example.org/badge", "unrecognised input"),
    ],
)
def test_bad_inputs_say_what_was_expected(data: str | bytes, fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        detect(data)


def test_deeply_nested_json_is_refused_without_recursion() -> None:
    deep = "[" * (MAX_JSON_DEPTH * 100) + "]" * (MAX_JSON_DEPTH * 100)
    with pytest.raises(InputError, match="nested deeper"):
        parse_json_object(deep)


def test_braces_inside_strings_do_not_count_as_nesting() -> None:
    doc = parse_json_object('{"a": "' + "[" * 500 + '"}')
    assert doc["a"].startswith("[[")
