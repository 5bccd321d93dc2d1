"""Input detection: what kind of badge input is this?

:func:`detect` looks at raw bytes (a file's content, a pasted string, a
fetched body) and says which of the supported forms it is:

- ``url``: an ``http(s)://`` URL (a hosted badge or a platform page);
- ``json``: a JSON object (OB 2.0 assertion, OB 3.0 / VC credential,
  presentation, CLR) -- parsed, with a depth limit;
- ``jws``: a compact JWS / JWT (three base64url segments);
- ``png`` / ``svg``: a baked badge image (extracted by :mod:`verifier.baked`).

Anything else raises :class:`~verifier.errors.InputError` naming what was
expected.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal

from verifier.errors import InputError

Kind = Literal["url", "json", "jws", "png", "svg"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_JSON_DEPTH = 64
MAX_INPUT_BYTES = 20 * 1024 * 1024

_JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)

EXPECTED = (
    "expected a badge URL (http/https), a JSON credential or assertion, "
    "a compact JWS/JWT, or a baked PNG/SVG badge image"
)


@dataclass(frozen=True, slots=True)
class Detected:
    """The detected form of an input and its decoded value.

    ``value`` is a ``str`` for ``url`` and ``jws``, a ``dict`` for ``json``,
    and ``bytes`` for ``png`` and ``svg``.
    """

    kind: Kind
    value: Any


def detect(data: bytes | str, *, filename: str | None = None) -> Detected:
    """Classify ``data``; :class:`InputError` when it is none of the supported forms."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    if raw.startswith(PNG_SIGNATURE):
        return Detected("png", raw)
    if not raw.strip():
        raise InputError(f"empty input: {EXPECTED}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        suffix = (filename or "").lower().rsplit(".", 1)[-1] if filename and "." in filename else ""
        hint = f" (a .{suffix} file)" if suffix else ""
        raise InputError(f"binary data that is not a PNG{hint}: {EXPECTED}") from exc
    stripped = text.strip()
    if _looks_like_svg(stripped):
        return Detected("svg", stripped.encode("utf-8"))
    if stripped.startswith("{") or stripped.startswith("["):
        return Detected("json", parse_json_object(stripped))
    if _URL_RE.match(stripped):
        return Detected("url", stripped)
    if _JWS_RE.match(stripped):
        return Detected("jws", stripped)
    # JSON strings holding a JWS (some platforms serve "\"eyJ...\"")
    if stripped.startswith('"') and stripped.endswith('"'):
        try:
            inner = json.loads(stripped)
        except ValueError:
            inner = None
        if isinstance(inner, str) and _JWS_RE.match(inner.strip()):
            return Detected("jws", inner.strip())
    raise InputError(f"unrecognised input: {EXPECTED}")


def parse_json_object(text: str | bytes) -> dict[str, Any]:
    """Parse JSON that must be an object, refusing absurd nesting.

    :class:`InputError` for malformed JSON, a non-object, or nesting deeper
    than :data:`MAX_JSON_DEPTH`.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError("JSON is not valid UTF-8") from exc
    # The depth never exceeds the number of opening brackets: most bodies need no scan.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nesting_depth(text) > MAX_JSON_DEPTH:
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"malformed JSON: {exc}") from exc
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]
    if not isinstance(value, dict):
        raise InputError(f"JSON must be an object, got {type(value).__name__}")
    return value


# A JSON string as a left-to-right scan reads it: from a quote to the next
# quote not escaped by a backslash, or to the end of an unterminated text.
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET_RE = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting_depth(text: str) -> int:
    """Maximum bracket depth outside strings, capped at ``MAX_JSON_DEPTH + 1``
    (linear, no recursion, no Python-level loop over the text)."""
    brackets = _NOT_BRACKET_RE.sub("", _STRING_RE.sub("", text))
    deepest = max(0, max(accumulate(map(_STEP.__getitem__, brackets)), default=0))
    return min(deepest, MAX_JSON_DEPTH + 1)


def _looks_like_svg(text: str) -> bool:
    head = text[:4096].lstrip("\ufeff").lower()
    if head.startswith("<svg"):
        return True
    return head.startswith("<?xml") or head.startswith("<!doctype svg") or (head.startswith("<!--") and "<svg" in head)
