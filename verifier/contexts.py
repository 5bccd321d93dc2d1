"""Bundled JSON-LD contexts, served from an allow-list and pinned by SHA-256.

A verifier must never fetch a JSON-LD context while it verifies: a context
served by an attacker changes what a signed document means. The documents in
``verifier/contexts/`` (see its README and ``manifest.json`` for where each
came from) are read with :mod:`importlib.resources`, checked against their
pinned SHA-256 and served by :func:`document_loader`. pyld's own
``BUNDLED_CONTEXTS`` fill in the few W3C contexts we do not ship (security v1
and v2). Any other URL raises :class:`~verifier.errors.ContextError`.

Revisions. Some context URLs served different documents over time (the OB 3.0
``context.json`` changed some twenty times while the specification was
drafted in 2021-22; ``context-3.0.1.json`` and ``context-3.0.3.json`` changed
after publication), and a credential signed under one revision only verifies
against that revision. Every published revision is bundled, each pinned with
its provenance (repository, path, commit, date). The manifest lists a URL's
revisions in the order they are tried: the first is the *default*, served
unless a variant asks for another. The documented order is the revision most
credentials use first (the one published with the specification version, or
the one 1EdTech's validator serves), then the others newest first.

A *variant* names what is served: ``"latest"`` (every URL's default),
``"original"`` (the OB 3.0.3 context as first published in March 2024; kept
for callers that chose between the two 3.0.3 revisions) or the
:attr:`Revision.key` of one revision, served for its URL while every other
URL gets its default.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from verifier.errors import ContextError

_OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_OB303_ORIGINAL = "2024-03-04"
Variant = str
LATEST: Variant = "latest"


@dataclass(frozen=True, slots=True)
class Revision:
    """One bundled document for a context URL, with where it came from.

    ``label`` tells revisions of one URL apart (a date, or a source name);
    ``default`` is True for the revision tried first.
    """

    url: str
    file: str
    sha256: str
    label: str
    source: str
    default: bool

    @property
    def key(self) -> Variant:
        """The variant that serves this revision for its URL."""
        return f"{self.url} @ {self.label}"

    def describe(self) -> str:
        """``<url> as of <label> (<source>)``, for messages."""
        return f"{self.url} as of {self.label} ({self.source})"


@cache
def _manifest() -> tuple[tuple[str, str, str], ...]:
    root = resources.files("verifier") / "contexts"
    entries = json.loads((root / "manifest.json").read_text("utf-8"))
    return tuple((e["url"], e["file"], e["sha256"]) for e in entries)


@cache
def _revisions() -> dict[str, tuple[Revision, ...]]:
    root = resources.files("verifier") / "contexts"
    entries = json.loads((root / "manifest.json").read_text("utf-8"))
    by_url: dict[str, list[Revision]] = {}
    for e in entries:
        source = e.get("repository") or e.get("npm_package") or "bundled"
        if "path" in e:
            source = f"{source}:{e['path']}"
        same = by_url.setdefault(e["url"], [])
        label = e.get("revision") or e["sha256"][:12]
        same.append(Revision(e["url"], e["file"], e["sha256"], label, source, default=not same))
    return {url: tuple(revs) for url, revs in by_url.items()}


@cache
def _by_key() -> dict[Variant, Revision]:
    return {r.key: r for revs in _revisions().values() for r in revs}


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


def revisions(url: str) -> tuple[Revision, ...]:
    """The bundled revisions of ``url`` in the order they are tried (the default first); () if none."""
    return _revisions().get(url.split("#", 1)[0], ())


def revised_urls() -> frozenset[str]:
    """The URLs with more than one bundled revision."""
    return frozenset(url for url, revs in _revisions().items() if len(revs) > 1)


def alternatives(urls: Iterable[str]) -> list[Revision]:
    """The non-default revisions of ``urls`` (each URL once, in the order given),
    each URL's in its documented order: what to try when the defaults do not verify."""
    out: list[Revision] = []
    seen: set[str] = set()
    for url in urls:
        key = url.split("#", 1)[0] if isinstance(url, str) else None
        if key is None or key in seen:
            continue
        seen.add(key)
        out.extend(r for r in revisions(key) if not r.default)
    return out


def revision(variant: Variant) -> Revision | None:
    """The revision a variant names (None for ``"latest"``)."""
    if variant == "original":
        return _by_key().get(f"{_OB303} @ {_OB303_ORIGINAL}")
    return _by_key().get(variant)


def _pick(url: str, variant: Variant) -> Revision | None:
    revs = _revisions().get(url)
    if not revs:
        return None
    chosen = revision(variant) if variant != LATEST else None
    if chosen is not None and chosen.url == url:
        return chosen
    return revs[0]


def get_context(url: str, *, ob303: Variant = LATEST) -> Any:
    """The parsed context document for ``url`` under the variant ``ob303``
    (see the module docstring); :class:`ContextError` if unknown."""
    picked = _pick(url, ob303)
    if picked is not None:
        return _load_file(picked.file, picked.sha256)
    bundled = _pyld_bundled()
    if url in bundled:
        return bundled[url]
    raise ContextError(url)


def document_loader(*, ob303: Variant = LATEST) -> Callable[[str, dict[str, Any] | None], dict[str, Any]]:
    """A pyld ``documentLoader`` that serves only the bundled contexts, under the variant ``ob303``.

    Pass it per call: ``jsonld.expand(doc, {"documentLoader": document_loader()})``.
    """
    revised = revised_urls()

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        # Normalise a trailing "#" or fragment-less variant; nothing else is tolerated.
        key = url.split("#", 1)[0]
        remote: dict[str, Any] = {"contextUrl": None, "documentUrl": key, "document": get_context(key, ob303=ob303)}
        if key not in revised:
            # Bundled contexts are pinned and never change: let pyld keep their
            # processed form across operations (its "static" cache tag, keyed by
            # URL). Not a URL with several revisions, whose processed form
            # depends on the variant.
            remote["tag"] = "static"
        return remote

    return load
