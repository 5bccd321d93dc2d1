"""JWS / JWT parsing, the OB 2.0 signed and VC-JWT paths, and baked PNG / SVG extraction, on hostile input.

Every parser returns its value or raises its documented typed error
(:class:`~verifier.errors.DocumentError` for JWS, :class:`~verifier.errors.InputError`
for baked images); through the pipeline every input gives a result, never an
internal error.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from tests.fuzz.strategies import raw_tokens, structured_tokens, tokens
from tests.fuzz.support import assert_handled, assert_readable, verify_offline
from verifier import baked, jose
from verifier.errors import DocumentError, InputError
from verifier.models import Status

PNG = (FIXTURES / "ob2" / "badge.png").read_bytes()
SVG = (FIXTURES / "ob2" / "badge.svg").read_bytes()


def _parse(token: str) -> None:
    try:
        parsed = jose.parse_compact(token)
    except DocumentError as exc:
        assert_readable(exc)
        return
    assert isinstance(parsed.header, dict)
    assert isinstance(parsed.payload, dict)
    assert parsed.alg in jose.ALGORITHMS


def _pipeline(token: str) -> None:
    result = verify_offline(token, filename="badge.jwt")
    assert_handled(result)
    assert result.status is not Status.VERIFIED


JWS_CASES: dict[str, tuple[Callable[[str], None], st.SearchStrategy[str]]] = {
    "parse-structured": (_parse, structured_tokens),
    "parse-raw": (_parse, raw_tokens),
    "pipeline-structured": (_pipeline, structured_tokens),
    "pipeline-any": (_pipeline, tokens),
}


@pytest.mark.parametrize("case", list(JWS_CASES))
def test_a_compact_jws_parses_or_raises_a_document_error(case: str) -> None:
    run, strategy = JWS_CASES[case]
    given(strategy)(run)()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _with_chunk(kind: bytes, body: bytes) -> bytes:
    return PNG[:33] + _chunk(kind, body) + PNG[33:]


def _flip(data: bytes, positions: list[int], values: list[int]) -> bytes:
    out = bytearray(data)
    for p, v in zip(positions, values, strict=False):
        out[p % len(out)] = v
    return bytes(out)


itxt_bodies = st.builds(
    lambda keyword, flag, method, lang, text, compress: (
        keyword + b"\x00" + bytes([flag, method]) + lang + b"\x00\x00" + (zlib.compress(text) if compress else text)
    ),
    st.sampled_from([b"openbadges", b"openbadgecredential", b"other", b""]),
    st.integers(0, 3),
    st.integers(0, 2),
    st.binary(max_size=5),
    st.binary(max_size=200),
    st.booleans(),
)
PNG_INPUTS: dict[str, st.SearchStrategy[bytes]] = {
    "signature-then-bytes": st.binary(max_size=400).map(lambda b: PNG[:8] + b),
    "baked-badge-with-flipped-bytes": st.builds(
        _flip,
        st.just(_with_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00{}")),
        st.lists(st.integers(0, 10**6), max_size=6),
        st.lists(st.integers(0, 255), max_size=6),
    ),
    "well-formed-chunks-of-any-content": st.builds(
        _with_chunk, st.sampled_from([b"iTXt", b"tEXt", b"zTXt", b"IDAT", b"iTXT"]), itxt_bodies
    ),
    "truncated-baked-badge": st.integers(0, 400).map(
        lambda n: _with_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00https://issuer.example/a/1")[:n]
    ),
}
svg_payloads = st.one_of(st.text(max_size=100), st.just("]]>"), st.just("&amp;"), st.just("<x/>"))
SVG_INPUTS: dict[str, st.SearchStrategy[bytes]] = {
    "any-text-in-svg": st.text(max_size=300).map(lambda t: f"<svg>{t}</svg>".encode()),
    "badge-element-with-any-content": st.builds(
        lambda verify, body, ns: (
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{ns}">'
            f"<openbadges:assertion verify={verify!r}><![CDATA[{body}]]></openbadges:assertion></svg>"
        ).encode(),
        st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=50),
        svg_payloads,
        st.sampled_from(["http://openbadges.org", "https://purl.imsglobal.org/ob/v3p0", "urn:other"]),
    ),
    "real-svg-with-flipped-bytes": st.builds(
        _flip, st.just(SVG), st.lists(st.integers(0, 10**6), max_size=6), st.lists(st.integers(0, 255), max_size=6)
    ),
    "xml-declarations": st.builds(
        lambda encoding, version: f'<?xml version="{version}" encoding="{encoding}"?><svg/>'.encode(),
        st.sampled_from(["U-F-8", "utf-8", "latin-1", "x-unknown", "", "utf-32", "ebcdic-cp-us"]),
        st.sampled_from(["1.0", "1.1", "2.0", ""]),
    ),
    "doctype-declarations": st.builds(
        lambda decl: f'<?xml version="1.0"?><!DOCTYPE svg [{decl}]><svg/>'.encode(),
        st.sampled_from(['<!ENTITY a "b">', '<!ENTITY a SYSTEM "file:///etc/hostname">', "", "<!ELEMENT svg ANY>"]),
    ),
}


def _extract(extract: Callable[[bytes], str], data: bytes) -> None:
    try:
        text = extract(data)
    except InputError as exc:
        assert_readable(exc)
        return
    assert isinstance(text, str)
    assert text.strip()
    assert len(text.encode("utf-8")) <= baked.MAX_PAYLOAD_BYTES


IMAGE_CASES: list[tuple[str, Callable[[bytes], str], st.SearchStrategy[bytes], str]] = [
    *((f"png-{name}", baked.extract_png, s, "badge.png") for name, s in PNG_INPUTS.items()),
    *((f"svg-{name}", baked.extract_svg, s, "badge.svg") for name, s in SVG_INPUTS.items()),
]


@pytest.mark.parametrize(("extract", "strategy"), [c[1:3] for c in IMAGE_CASES], ids=[c[0] for c in IMAGE_CASES])
def test_baked_extraction_returns_text_or_raises_an_input_error(
    extract: Callable[[bytes], str], strategy: st.SearchStrategy[bytes]
) -> None:
    given(strategy)(lambda data: _extract(extract, data))()


@pytest.mark.parametrize(("strategy", "filename"), [c[2:4] for c in IMAGE_CASES], ids=[c[0] for c in IMAGE_CASES])
def test_a_hostile_image_through_the_pipeline_gives_a_result(strategy: st.SearchStrategy[bytes], filename: str) -> None:
    @given(strategy)
    def check(data: Any) -> None:
        result = verify_offline(data, filename=filename)
        assert_handled(result)
        assert result.status is not Status.VERIFIED

    check()
