"""Bundled JSON-LD contexts, served from an allow-list and pinned by SHA-256.

A verifier must never fetch a JSON-LD context while it verifies: a context
served by an attacker changes what a signed document means. The documents in
``verifier/contexts/`` (see its README and ``manifest.json`` for where each
came from) are read with :mod:`importlib.resources`, checked against their
pinned SHA-256 and served by :func:`document_loader`. pyld's own
``BUNDLED_CONTEXTS`` fill in the few W3C contexts we do not ship (security v1
and v2). Any other URL raises :class:`~verifier.errors.ContextError`.

The OB 3.0.3 context changed in place after publication. By default the later
revision (``variants/``, a superset) is served; ``ob303="original"`` serves
the earlier one, so a proof made under either can be checked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, Literal

from verifier.errors import ContextError

_OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
Variant = Literal["latest", "original"]


@cache
def _manifest() -> tuple[tuple[str, str, str], ...]:
    root = resources.files("verifier") / "contexts"
    entries = json.loads((root / "manifest.json").read_text("utf-8"))
    return tuple((e["url"], e["file"], e["sha256"]) for e in entries)


@cache
def _load_file(name: str, sha256: str) -> Any:
    data = (resources.files("verifier") / "contexts" / name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ContextError(name, f"bundled context fails its SHA-256 pin ({digest})")
    return json.loads(data)


@cache
def _pyld_bundled() -> dict[str, Any]:
    from pyld.documentloader.frozen import BUNDLED_CONTEXTS

    return {url: json.loads(path.read_text("utf-8")) for url, path in BUNDLED_CONTEXTS.items()}


def known_urls() -> frozenset[str]:
    """Every context URL that can be served."""
    return frozenset(u for u, _, _ in _manifest()) | frozenset(_pyld_bundled())


def get_context(url: str, *, ob303: Variant = "latest") -> Any:
    """The parsed context document for ``url``; :class:`ContextError` if unknown."""
    candidates = [(f, h) for u, f, h in _manifest() if u == url]
    if candidates:
        if url == _OB303:
            # the manifest lists the original first and the later revision (variants/) second
            pick = (
                [c for c in candidates if c[0].startswith("variants/")]
                if ob303 == "latest"
                else [c for c in candidates if not c[0].startswith("variants/")]
            )
            candidates = pick or candidates
        name, sha = candidates[0]
        return _load_file(name, sha)
    bundled = _pyld_bundled()
    if url in bundled:
        return bundled[url]
    raise ContextError(url)


def document_loader(*, ob303: Variant = "latest") -> Callable[[str, dict[str, Any] | None], dict[str, Any]]:
    """A pyld ``documentLoader`` that serves only the bundled contexts.

    Pass it per call: ``jsonld.expand(doc, {"documentLoader": document_loader()})``.
    """

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        # Normalise a trailing "#" or fragment-less variant; nothing else is tolerated.
        key = url.split("#", 1)[0]
        remote: dict[str, Any] = {"contextUrl": None, "documentUrl": key, "document": get_context(key, ob303=ob303)}
        if key != _OB303:
            # Bundled contexts are pinned and never change: let pyld keep their
            # processed form across operations (its "static" cache tag, keyed by
            # URL). Not the OB 3.0.3 context, whose URL serves two revisions.
            remote["tag"] = "static"
        return remote

    return load
