"""Baked badges: the badge embedded in a PNG or SVG image, out and in.

Open Badges 2.0 Baking Specification
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html):

- PNG: an ``iTXt`` chunk with keyword ``openbadges`` whose text is the
  assertion's JSON or a compact JWS (compression "MUST NOT be used", but a
  compressed chunk is still read, inflated under a size cap). The legacy
  form is a ``tEXt`` chunk ``openbadges`` holding the hosted assertion's URL.
  Extraction takes the first such chunk.
- SVG: ``<openbadges:assertion verify="...">`` (namespace
  ``http://openbadges.org``) right inside ``<svg>``; the ``verify``
  attribute holds the hosted URL or the JWS, the element text (usually a
  CDATA section) the assertion JSON.

Open Badges 3.0 §Baked badges (https://www.imsglobal.org/spec/ob/v3p0#baking)
uses the keyword ``openbadgecredential`` in PNG and ``<openbadges:credential>``
in SVG, with the credential's JSON or its VC-JWT. Both are returned the same
way; the pipeline routes the text to the right verifier.

Every extractor returns the embedded text (a URL, JSON text or a compact JWS)
or raises :class:`~verifier.errors.InputError` naming what is missing.
Everything read is bounded: chunk count, chunk length, inflated size and
payload size. SVG is parsed with :mod:`defusedxml`: entity declarations
(XML bombs) and external entities are refused.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from verifier.errors import InputError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
OB2_SVG_NS = "http://openbadges.org"
OB3_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PAYLOAD_BYTES = 1024 * 1024  # a badge is a few KiB; a JWS with embedded images stays well below this
MAX_CHUNKS = 10_000

# Namespaces under which an embedded badge element is recognised. The OB 2.0
# spec fixes http://openbadges.org; issuers are seen adding a trailing slash or
# https, and OB 3.0 images may use the OB 3.0 namespace.
_SVG_NAMESPACES = frozenset(
    {
        OB2_SVG_NS,
        OB2_SVG_NS + "/",
        "https://openbadges.org",
        "https://openbadges.org/",
        OB3_SVG_NS,
        OB3_SVG_NS + "/",
        "https://purl.imsglobal.org/ob/v3p0/",
    }
)
_SVG_ELEMENTS = ("assertion", "credential")


# -- PNG ---------------------------------------------------------------------


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk up to IEND; lengths and CRCs checked."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"the PNG is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    if not data.startswith(PNG_SIGNATURE):
        raise InputError("not a PNG image (bad signature)")
    out: list[tuple[bytes, bytes]] = []
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if len(out) >= MAX_CHUNKS:
            raise InputError(f"the PNG has more than {MAX_CHUNKS} chunks")
        if pos + 8 > len(data):
            raise InputError("the PNG is truncated (incomplete chunk header)")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 8 + length
        if length > 0x7FFFFFFF or end + 4 > len(data):
            raise InputError(f"the PNG is truncated or corrupt (chunk {kind!r} runs past the end)")
        body = data[pos + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        # PNG §5.3: the CRC covers the chunk type and data.
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise InputError(f"the PNG is corrupt (bad CRC in a {kind.decode('latin-1')} chunk)")
        out.append((kind, body))
        pos = end + 4
        if kind == b"IEND":
            break
    return out


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_PAYLOAD_BYTES + 1)
    except zlib.error as exc:
        raise InputError(f"the baked badge chunk does not inflate: {exc}") from exc
    if len(out) > MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
        raise InputError(f"the baked badge inflates to more than {MAX_PAYLOAD_BYTES} bytes")
    return out


def _itxt(body: bytes) -> tuple[str, str]:
    """(keyword, text) of an iTXt chunk (PNG §11.3.4.5)."""
    keyword, sep, rest = body.partition(b"\0")
    if not sep or len(rest) < 2:
        raise InputError("the PNG has a malformed iTXt chunk")
    flag, method = rest[0], rest[1]
    rest = rest[2:]
    _language, sep1, rest = rest.partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2):
        raise InputError("the PNG has a malformed iTXt chunk")
    name = keyword.decode("latin-1")
    if flag == 1:
        if method != 0:
            raise InputError(f"the iTXt chunk {name!r} uses an unknown compression method {method}")
        text = _inflate(text)
    elif flag != 0:
        raise InputError(f"the iTXt chunk {name!r} has an invalid compression flag {flag}")
    if len(text) > MAX_PAYLOAD_BYTES:
        raise InputError(f"the baked badge is larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        return name, text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"the iTXt chunk {name!r} is not UTF-8 text") from exc


def _text_chunk(kind: bytes, body: bytes) -> tuple[str, str]:
    """(keyword, text) of a tEXt or zTXt chunk (Latin-1 text, PNG §11.3.4.3/4)."""
    keyword, sep, text = body.partition(b"\0")
    if not sep:
        raise InputError(f"the PNG has a malformed {kind.decode('latin-1')} chunk")
    if kind == b"zTXt":
        if not text or text[0] != 0:
            raise InputError("the PNG has a zTXt chunk with an unknown compression method")
        text = _inflate(text[1:])
    if len(text) > MAX_PAYLOAD_BYTES:
        raise InputError(f"the baked badge is larger than {MAX_PAYLOAD_BYTES} bytes")
    return keyword.decode("latin-1"), text.decode("latin-1")


def extract_png(data: bytes) -> str:
    """The badge baked into a PNG: the text of the first ``iTXt`` chunk with
    keyword ``openbadges`` (OB 2.0) or ``openbadgecredential`` (OB 3.0), else
    of a legacy ``tEXt``/``zTXt`` ``openbadges`` chunk (a URL).

    :class:`InputError` when the PNG is malformed or holds no baked badge.
    """
    legacy: str | None = None
    for kind, body in _chunks(data):
        if kind == b"iTXt":
            keyword, text = _itxt(body)
            if keyword in (OB2_KEYWORD, OB3_KEYWORD):
                return _payload(text, where=f"iTXt {keyword!r} chunk")
        elif kind in (b"tEXt", b"zTXt") and legacy is None and body.partition(b"\0")[0] == OB2_KEYWORD.encode():
            legacy = _text_chunk(kind, body)[1]
    if legacy is not None:
        return _payload(legacy, where="legacy tEXt 'openbadges' chunk")
    raise InputError("the PNG holds no baked badge (no iTXt 'openbadges' chunk)")


def _payload(text: str, *, where: str) -> str:
    text = text.strip()
    if not text:
        raise InputError(f"the baked badge is empty (the {where} has no text)")
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise InputError(f"the baked badge is larger than {MAX_PAYLOAD_BYTES} bytes")
    return text


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def bake_png(image: bytes, payload: str, *, keyword: str = OB2_KEYWORD) -> bytes:
    """A copy of ``image`` with ``payload`` baked in an uncompressed ``iTXt``
    chunk right after ``IHDR``; any earlier badge chunk is replaced.

    ``keyword`` is ``openbadges`` (OB 2.0) or ``openbadgecredential`` (OB 3.0).
    """
    if keyword not in (OB2_KEYWORD, OB3_KEYWORD):
        raise ValueError(f"unsupported baking keyword {keyword!r}")
    chunks = _chunks(image)
    if not chunks or chunks[0][0] != b"IHDR":
        raise InputError("the PNG does not start with an IHDR chunk")
    # keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, text
    itxt = keyword.encode("latin-1") + b"\0\0\0\0\0" + payload.encode("utf-8")
    out = bytearray(PNG_SIGNATURE)
    for i, (kind, body) in enumerate(chunks):
        if kind in (b"iTXt", b"tEXt", b"zTXt") and body.partition(b"\0")[0] in (b"openbadges", b"openbadgecredential"):
            continue
        out += _chunk(kind, body)
        if i == 0:
            out += _chunk(b"iTXt", itxt)
    return bytes(out)


# -- SVG ---------------------------------------------------------------------


def _parse_svg(data: bytes) -> Element:
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(f"the SVG is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    try:
        # defusedxml refuses entity declarations (billion laughs, quadratic
        # blow-up) and external entities / DTD retrieval.
        root: Element = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputError(
            f"the SVG declares XML entities or external references, which are refused ({exc.__class__.__name__})"
        ) from exc
    except ParseError as exc:
        raise InputError(f"the SVG is not well-formed XML: {exc}") from exc
    except (LookupError, ValueError) as exc:  # an XML declaration naming an unknown or multi-byte encoding
        raise InputError(f"the SVG declares an encoding that cannot be read: {exc}") from exc
    return root


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def extract_svg(data: bytes) -> str:
    """The badge baked into an SVG: the ``verify`` attribute of the first
    ``<openbadges:assertion>`` / ``<openbadges:credential>`` element, else its
    text content (JSON or a JWT).

    :class:`InputError` when the SVG is malformed, declares entities, or holds
    no baked badge.
    """
    root = _parse_svg(data)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        ns, local = _split_tag(element.tag)
        if local not in _SVG_ELEMENTS or ns not in _SVG_NAMESPACES:
            continue
        verify = (element.get("verify") or "").strip()
        if verify:
            return _payload(verify, where=f"<openbadges:{local}> verify attribute")
        return _payload("".join(element.itertext()), where=f"<openbadges:{local}> element")
    raise InputError("the SVG holds no baked badge (no <openbadges:assertion> element)")


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_BAKED_ELEMENT = re.compile(
    rb"<openbadges:(assertion|credential)\b[^>]*?(/>|>.*?</openbadges:\1\s*>)", re.IGNORECASE | re.DOTALL
)


def bake_svg(image: bytes, payload: str, *, element: str = "assertion") -> bytes:
    """A copy of ``image`` with ``payload`` baked right inside ``<svg>``.

    A URL or compact JWS goes into the ``verify`` attribute; JSON goes into
    the element's content as CDATA (OB 2.0 Baking §SVG). ``element`` is
    ``assertion`` (OB 2.0) or ``credential`` (OB 3.0). Any earlier badge
    element is replaced.
    """
    if element not in _SVG_ELEMENTS:
        raise ValueError(f"unsupported baking element {element!r}")
    _parse_svg(image)  # refuse to bake into something we would refuse to read
    image = _BAKED_ELEMENT.sub(b"", image)
    match = _SVG_OPEN.search(image)
    if match is None:
        raise InputError("the SVG has no <svg> element")
    self_closing = match.group(0).endswith(b"/>")
    open_tag = match.group(0)[:-2] + b">" if self_closing else match.group(0)
    ns = OB2_SVG_NS if element == "assertion" else OB3_SVG_NS
    if b"xmlns:openbadges" not in open_tag:
        open_tag = open_tag[:-1] + f' xmlns:openbadges="{ns}">'.encode()
    text = payload.strip()
    if text.startswith(("{", "[")):
        cdata = text.replace("]]>", "]]]]><![CDATA[>")
        baked = f"<openbadges:{element}><![CDATA[{cdata}]]></openbadges:{element}>"
    else:
        baked = f"<openbadges:{element} verify={quoteattr(text)}/>"
    close = b"</svg>" if self_closing else b""
    return image[: match.start()] + open_tag + baked.encode("utf-8") + close + image[match.end() :]
