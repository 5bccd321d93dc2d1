"""Baked badges: extraction from PNG / SVG (OB 2.0 and 3.0 baking) and baking."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from verifier import baked
from verifier.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OB2 = FIXTURES / "vectors" / "1edtech-validator" / "ob20"
OB3 = FIXTURES / "vectors" / "1edtech-validator" / "ob30"
PLAIN_PNG = (FIXTURES / "ob2" / "badge.png").read_bytes()
PLAIN_SVG = (FIXTURES / "ob2" / "badge.svg").read_bytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _with_chunk(kind: bytes, body: bytes, png: bytes = PLAIN_PNG) -> bytes:
    """``png`` with one chunk inserted after IHDR (8-byte signature + 25-byte IHDR)."""
    return png[:33] + _chunk(kind, body) + png[33:]


def test_vector_png_yields_its_assertion_json() -> None:
    text = baked.extract_png((OB2 / "simple-badge.png").read_bytes())
    assert text.startswith("{")
    assert '"type":"Assertion"' in text


@pytest.mark.parametrize("name", ["simple-json.png", "simple-jwt.png"])
def test_ob3_vector_png_yields_its_credential(name: str) -> None:
    text = baked.extract_png((OB3 / name).read_bytes())
    assert text.startswith("{") if "json" in name else text.count(".") == 2


@pytest.mark.parametrize("name", ["simple-json.svg", "simple-jwt.svg"])
def test_ob3_vector_svg_yields_its_credential(name: str) -> None:
    text = baked.extract_svg((OB3 / name).read_bytes())
    assert text.startswith("{") if "json" in name else text.count(".") == 2


def test_compressed_itxt_is_inflated() -> None:
    body = b"openbadges\0\x01\x00\0\0" + zlib.compress(b"https://issuer.example/a/1")
    assert baked.extract_png(_with_chunk(b"iTXt", body)) == "https://issuer.example/a/1"


def test_inflation_beyond_the_cap_is_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * (baked.MAX_PAYLOAD_BYTES + 10), 9)
    with pytest.raises(InputError, match="inflates to more than"):
        baked.extract_png(_with_chunk(b"iTXt", b"openbadges\0\x01\x00\0\0" + bomb))


def test_legacy_text_chunk_yields_the_hosted_url() -> None:
    png = _with_chunk(b"tEXt", b"openbadges\0https://issuer.example/a/2")
    assert baked.extract_png(png) == "https://issuer.example/a/2"


def test_itxt_wins_over_legacy_text_chunk() -> None:
    png = _with_chunk(b"tEXt", b"openbadges\0https://old.example/a")
    png = _with_chunk(b"iTXt", b"openbadges\0\0\0\0\0https://new.example/a", png)
    assert baked.extract_png(png) == "https://new.example/a"


def test_ob3_keyword_is_found() -> None:
    png = _with_chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
    assert baked.extract_png(png) == "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"


def test_png_without_badge_names_the_missing_chunk() -> None:
    with pytest.raises(InputError, match=r"no iTXt 'openbadges' chunk"):
        baked.extract_png(PLAIN_PNG)


def test_png_with_bad_crc_is_refused() -> None:
    png = bytearray(_with_chunk(b"iTXt", b"openbadges\0\0\0\0\0https://x.example/a"))
    png[-20] ^= 0xFF  # inside IDAT's data
    with pytest.raises(InputError, match="CRC"):
        baked.extract_png(bytes(png))


def test_truncated_png_is_refused() -> None:
    with pytest.raises(InputError, match="truncated"):
        baked.extract_png(PLAIN_PNG[:40])


def test_chunk_length_past_the_end_is_refused() -> None:
    png = PLAIN_PNG[:33] + struct.pack(">I", 0x7FFFFFF0) + b"iTXt" + b"openbadges"
    with pytest.raises(InputError, match="runs past the end"):
        baked.extract_png(png)


def test_empty_badge_text_is_refused() -> None:
    with pytest.raises(InputError, match="empty"):
        baked.extract_png(_with_chunk(b"iTXt", b"openbadges\0\0\0\0\0   "))


def test_bake_png_round_trips_and_replaces_earlier_badge() -> None:
    once = baked.bake_png(PLAIN_PNG, "https://issuer.example/a/1")
    twice = baked.bake_png(once, '{"id": "x"}')
    assert baked.extract_png(once) == "https://issuer.example/a/1"
    assert baked.extract_png(twice) == '{"id": "x"}'
    assert twice.count(b"openbadges") == 1


def test_svg_verify_attribute_is_returned() -> None:
    svg = baked.bake_svg(PLAIN_SVG, "https://issuer.example/a/3")
    assert b'verify="https://issuer.example/a/3"' in svg
    assert baked.extract_svg(svg) == "https://issuer.example/a/3"


def test_svg_json_content_round_trips_even_with_cdata_end_marker() -> None:
    payload = '{"id": "https://issuer.example/a/4", "note": "]]>"}'
    assert baked.extract_svg(baked.bake_svg(PLAIN_SVG, payload)) == payload


def test_svg_credential_element_is_found() -> None:
    svg = baked.bake_svg(PLAIN_SVG, '{"type": ["VerifiableCredential"]}', element="credential")
    assert baked.extract_svg(svg) == '{"type": ["VerifiableCredential"]}'


def test_svg_without_badge_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no <openbadges:assertion>"):
        baked.extract_svg(PLAIN_SVG)


def test_svg_element_in_a_foreign_namespace_is_ignored() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="http://evil.example"><o:assertion verify="https://x.example/a"/></svg>'
    with pytest.raises(InputError):
        baked.extract_svg(svg)


def test_svg_xml_bomb_is_refused() -> None:
    with pytest.raises(InputError, match="entities"):
        baked.extract_svg((FIXTURES / "ob2" / "bomb.svg").read_bytes())


def test_svg_external_entity_is_refused() -> None:
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b"<openbadges:assertion>&x;</openbadges:assertion></svg>"
    )
    with pytest.raises(InputError, match="entities"):
        baked.extract_svg(svg)


def test_malformed_svg_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not well-formed"):
        baked.extract_svg(b"<svg><g></svg>")
