"""Errors raised by the verifier's primitives.

Primitives raise these; the verification pipeline turns them into check
outcomes (see :mod:`verifier.models`). Nothing outside a page catches broadly.

    VerifierError
    ├── FetchError                 a document could not be obtained (indeterminate)
    │   ├── BlockedAddress         the SSRF guard refused the target
    │   ├── HTTPStatusError        the server answered 4xx / 5xx (carries status_code)
    │   ├── ResponseTooLarge       the body exceeded the size cap
    │   ├── FetchTimeout           connect / read / total time ran out
    │   └── TooManyRedirects       the redirect limit was reached
    ├── InputError                 the input is not a badge in any supported form
    ├── DocumentError              a document is malformed (bad JSON, wrong types)
    │   ├── ContextError           a JSON-LD context outside the bundled allow-list
    │   ├── UndefinedTermError     JSON-LD terms no context defines (pyld would drop them)
    │   └── CanonicalizationLimit  a graph too large or too costly to canonicalize
    ├── KeyResolutionError         a verification key could not be resolved
    ├── KeyBindingError            the key is not controlled by the issuer (determinate)
    └── ProofError                 a proof is malformed or uses an unsupported suite
"""

from __future__ import annotations


class VerifierError(Exception):
    """Base of every error the verifier raises on purpose."""


class FetchError(VerifierError):
    """A document could not be obtained. ``url`` is the address asked for."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason} ({url})")
        self.url = url
        self.reason = reason


class BlockedAddress(FetchError):
    """The SSRF guard refused to connect: the target is not a public address."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(
        self, url: str, status_code: int, reason: str | None = None, *, redirects: tuple[str, ...] = ()
    ) -> None:
        super().__init__(url, reason or f"HTTP {status_code}")
        self.status_code = status_code
        #: the redirects followed to ``url`` (as :attr:`verifier.fetch.Response.redirects`)
        self.redirects = redirects


class ResponseTooLarge(FetchError):
    """The response body exceeded the configured size cap."""


class FetchTimeout(FetchError):
    """The request ran out of time."""


class TooManyRedirects(FetchError):
    """The redirect limit was reached."""


class InputError(VerifierError):
    """The input is not a badge in any supported form."""


class DocumentError(VerifierError):
    """A document is malformed for its format."""


class ContextError(DocumentError):
    """A JSON-LD context is not in the bundled allow-list (or fails its pin)."""

    def __init__(self, url: str, reason: str = "unknown JSON-LD context") -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url


class UndefinedTermError(DocumentError):
    """Terms the JSON-LD contexts do not define; ``terms`` names them (sorted)."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__("terms not defined by the JSON-LD context: " + ", ".join(terms))
        self.terms = terms


class CanonicalizationLimit(DocumentError):
    """The RDF graph exceeds the canonicalization budget (blank nodes, size or time)."""


class KeyResolutionError(VerifierError):
    """A verification method or public key could not be resolved."""


class KeyBindingError(VerifierError):
    """The verification method is not controlled by the issuer for the proof purpose.

    Unlike :class:`KeyResolutionError` this is determinate: the key was found,
    and it is someone else's (or not listed for the purpose).
    """

    def __init__(self, message: str, *, vm_id: str, issuer_id: str | None) -> None:
        super().__init__(message)
        self.vm_id = vm_id
        self.issuer_id = issuer_id


class ProofError(VerifierError):
    """A proof is malformed or uses an unsupported algorithm or suite."""
