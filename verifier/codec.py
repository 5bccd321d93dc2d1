"""The one base64url codec of the verifier (RFC 4648 §5), strict.

Every base64url value the verifier reads goes through :func:`b64url_decode`:
JWS segments (OB 2.0 signed, VC-JWT, detached JWS proofs), JWK members,
``did:jwk`` identifiers and status lists' ``encodedList``.

Python's ``base64.urlsafe_b64decode`` silently drops characters outside the
alphabet (``"a!b"`` decodes as ``"ab"``), accepts the standard alphabet's
``+`` and ``/`` in places, and ignores padding errors once it has enough
bytes: two different strings then decode to the same bytes. Here:

- only ``A-Z a-z 0-9 - _`` are accepted (RFC 4648 §5, Table 2); anything
  else — ``+``, ``/``, whitespace, line breaks, ``%`` — is an error
  (RFC 4648 §3.3: "implementations MUST reject the encoded data if it
  contains characters outside the base alphabet");
- padding: ``padding="forbidden"`` for JOSE (RFC 7515 §2, "Base64url
  Encoding": "with all trailing '=' characters omitted"; RFC 7517 and RFC
  7518 §6 use the same definition for JWK members); ``padding="optional"``
  where RFC 4648 §3.2 lets the data length be implicit but padding may be
  present (status lists published before the Bitstring Status List spec
  said "no padding"); present padding must then be exactly right;
- a length of 1 modulo 4 never encodes whole bytes (RFC 4648 §4) and is
  refused, as are non-zero bits in the last character that the decoded
  bytes do not use (RFC 4648 §3.5): each byte string has exactly one
  encoding, so what was decoded re-encodes to what was read.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal

from verifier.errors import DocumentError

Padding = Literal["forbidden", "optional"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_UNPADDED = re.compile(r"[A-Za-z0-9_-]*")
# The bits of the last character that a 2- or 3-character tail leaves unused.
_SPARE_BITS = {2: 0x0F, 3: 0x03}


class Base64urlError(DocumentError):
    """Text that is not base64url as RFC 4648 §5 (and, for JOSE, RFC 7515 §2) defines it."""


def b64url_decode(text: str, *, what: str = "value", padding: Padding = "forbidden") -> bytes:
    """The bytes ``text`` encodes, or :class:`Base64urlError` naming ``what``.

    See the module docstring for what is refused. An empty string decodes to
    ``b""``; callers for whom empty is wrong say so themselves.
    """
    if not isinstance(text, str):
        raise Base64urlError(f"{what} is not a base64url string")
    body = text
    if padding == "optional" and text.endswith("="):
        if len(text) % 4:
            raise Base64urlError(f"{what} is not base64url: padded to {len(text)} characters, not a multiple of 4")
        body = text.rstrip("=")
        if len(text) - len(body) > 2:
            raise Base64urlError(f"{what} is not base64url: more than two padding characters")
    if not _UNPADDED.fullmatch(body):
        bad = next(c for c in body if c not in _ALPHABET)
        if bad == "=":
            raise Base64urlError(f"{what} is not base64url: padding ('=') is not allowed here (RFC 7515 §2)")
        raise Base64urlError(f"{what} is not base64url: {bad!r} is outside the base64url alphabet (RFC 4648 §5)")
    tail = len(body) % 4
    if tail == 1:
        raise Base64urlError(f"{what} is not base64url: {len(body)} characters cannot encode whole bytes")
    if padding == "optional" and body is not text and len(body) + (4 - tail) % 4 != len(text):
        raise Base64urlError(f"{what} is not base64url: wrong amount of padding")
    if tail and _ALPHABET.index(body[-1]) & _SPARE_BITS[tail]:
        raise Base64urlError(f"{what} is not base64url: the last character has bits set that encode nothing")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:  # not expected after the checks above
        raise Base64urlError(f"{what} is not base64url: {exc}") from None


def b64url_encode(data: bytes) -> str:
    """``data`` as unpadded base64url (RFC 7515 §2), the form every decoder here reads."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
