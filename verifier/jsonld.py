"""JSON-LD processing for proofs: expansion and RDF canonicalization, bounded.

Every call serves contexts from :func:`verifier.contexts.document_loader`
(never the network) and raises :class:`~verifier.errors.ContextError` naming
the first context outside the bundled allow-list.

Guarantees:

- **No silently dropped data.** JSON-LD expansion ignores a property that no
  context defines, so a signature would not cover it. pyld's
  ``on_property_dropped`` hook records such properties, and every ``@type``
  and ``@id`` in the expanded form must be an absolute IRI or a blank node
  (a relative one is dropped on conversion to RDF). Either raises
  :class:`~verifier.errors.UndefinedTermError` naming the terms (VC Data
  Integrity 1.0 §4.6 "Context Validation" and §2.4 "Processing Model":
  processors should expand in "safe mode" and stop on dropped terms).
- **Bounded canonicalization.** RDF Dataset Canonicalization (RDFC-1.0;
  pyld implements it under its former name URDNA2015. Known difference:
  pyld escapes only backslash, double quote, tab, newline and carriage
  return in literals, so a literal holding
  another control character, U+0000–U+001F or U+007F, may serialize
  differently from an implementation using canonical N-Quads escapes) is
  exponential in the worst case (RDFC-1.0 §4.8 "Hash N-Degree Quads" and
  §6 "Security Considerations" on poison graphs). :class:`CanonLimits` caps
  the number of quads and blank nodes before canonicalizing and the work
  (recursive hashing calls) and wall-clock time while canonicalizing;
  exceeding any raises :class:`~verifier.errors.CanonicalizationLimit`.
- **Shared context cache.** Processed remote contexts are kept in an LRU
  cache per context variant, reused by every call in the thread (pyld only
  shares contexts a loader tags ``static``; the loader here tags them so),
  and processed type-scoped contexts are memoised (see :class:`_Processor`).
  The caches are per thread because pyld's are not thread-safe.

Public functions: :func:`expand`, :func:`expansion`, :func:`canonize`,
:func:`check_terms`; an :class:`Expansion` done once serves the term check
and the canonicalization of the same document.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import rfc8785
from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld as _pyld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.resolved_context import ResolvedContext

from verifier import contexts
from verifier.contexts import Variant
from verifier.errors import CanonicalizationLimit, ContextError, DocumentError, UndefinedTermError

ALGORITHMS = frozenset({"RDFC-1.0", "URDNA2015"})


@dataclass(frozen=True, slots=True)
class CanonLimits:
    """Bounds on one canonicalization.

    The defaults leave room for large real credentials (an OB 3.0 credential
    with many results and alignments has tens of blank nodes) while stopping
    a crafted graph within a second.
    """

    max_quads: int = 20_000
    max_blank_nodes: int = 2_000
    max_work: int = 20_000  # about 0.3 s of hashing; a large real credential needs well under 100
    timeout: float = 1.0


DEFAULT_LIMITS = CanonLimits()


# -- document loading and the shared context cache --------------------------


@cache
def _loader(variant: Variant) -> Callable[[str, dict[str, Any] | None], dict[str, Any]]:
    base = contexts.document_loader(ob303=variant)

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        doc = base(url, options)
        # pyld caches a resolved remote context across operations only when its
        # loader tags it "static"; the bundled contexts are immutable and pinned.
        doc["tag"] = "static"
        return doc

    return load


# Per thread: pyld's caches (cachetools LRUCache, per-context processed caches)
# are not thread-safe, and the dashboard verifies in background threads.
_local = threading.local()


def _shared_cache(variant: Variant) -> LRUCache[Any, Any]:
    caches: dict[str, LRUCache[Any, Any]] | None = getattr(_local, "caches", None)
    if caches is None:
        caches = _local.caches = {}
    found = caches.get(variant)
    if found is None:
        found = caches[variant] = LRUCache(maxsize=512)
    return found


def _inline_keys() -> dict[int, tuple[Any, str]]:
    keys: dict[int, tuple[Any, str]] | None = getattr(_local, "inline_keys", None)
    if keys is None:
        keys = _local.inline_keys = {}
    return keys


_INLINE_KEYS_MAX = 4096


def _inline_key(ctx: Any) -> str | None:
    """pyld's cache key for an inline context (its JCS form), memoised by identity.

    Type-scoped contexts are the same objects on every call (they live in the
    cached processed contexts), and computing their JCS form was a fifth of
    the time of a verification. ``None`` when JCS cannot serialize ``ctx``.
    """
    memo = _inline_keys()
    hit = memo.get(id(ctx))
    if hit is not None and hit[0] is ctx:
        return hit[1]
    try:
        key = rfc8785.dumps(dict(ctx)).decode("utf-8")
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError):
        # JCS refuses what I-JSON does (RFC 8785 §3.2.2.3: integers beyond 2^53,
        # ...): such a context gets no key, and pyld processes it its own way.
        return None
    if len(memo) >= _INLINE_KEYS_MAX:
        memo.clear()
    memo[id(ctx)] = (ctx, key)  # holding ctx keeps its id from being reused
    return key


class _Resolver(ContextResolver):
    """pyld's ContextResolver with inline-context keys memoised (see :func:`_inline_key`).

    Mirrors ``ContextResolver.resolve`` for the common shapes (URLs, objects,
    null) and hands anything else to it unchanged.
    """

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        if cycles is None:
            cycles = set()
        if isinstance(context, (dict, frozendict)) and "@context" in context:
            context = context["@context"]
        items = context if isinstance(context, list) else [context]
        if not all(isinstance(c, (str, dict, frozendict)) or c is None or c is False for c in items):
            return super().resolve(active_ctx, context, base, cycles)
        out: list[Any] = []
        for ctx in items:
            if isinstance(ctx, str):
                resolved = self._get(ctx) or self._resolve_remote_context(active_ctx, ctx, base, cycles)
                if isinstance(resolved, list):
                    out.extend(resolved)
                else:
                    out.append(resolved)
            elif ctx is None or ctx is False:
                out.append(ResolvedContext(False))
            else:
                key = _inline_key(ctx)
                if key is None:
                    return super().resolve(active_ctx, context, base, cycles)
                found = self._get(key)
                if not found:
                    found = ResolvedContext(ctx)
                    self._cache_resolved_context(key, found, "static")
                out.append(found)
        return out


def _options(variant: Variant) -> dict[str, Any]:
    loader = _loader(variant)
    return {
        "documentLoader": loader,
        "contextResolver": _Resolver(_shared_cache(variant), loader),
        "base": "",
        "processingMode": "json-ld-1.1",
    }


def _unwrap(exc: BaseException) -> BaseException:
    """The first :class:`ContextError` in a pyld exception's cause chain, else ``exc``."""
    seen: BaseException | None = exc
    depth = 0
    while seen is not None and depth < 20:
        if isinstance(seen, ContextError):
            return seen
        seen = seen.__cause__ or seen.__context__
        depth += 1
    return exc


# -- safe-mode expansion ------------------------------------------------------


# pyld resolves a relative IRI against this placeholder when a document has no
# base (jsonld.py DEFAULT_BASE_IRI); other processors keep it relative and drop it.
_PYLD_PLACEHOLDER_BASE = getattr(_pyld, "DEFAULT_BASE_IRI", "http://example.org/base/")


def _is_absolute_iri(value: str) -> bool:
    if value.startswith(_PYLD_PLACEHOLDER_BASE):
        return False
    return value.startswith("_:") or (":" in value and not value.startswith(":"))


def _relative_iris(expanded: Any, found: set[str], budget: list[int]) -> None:
    # Walk the expanded form: every node's @type and @id must be absolute.
    stack = [expanded]
    while stack:
        item = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            return
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@value" in item:
                continue
            types = item.get("@type")
            for t in types if isinstance(types, list) else [types] if isinstance(types, str) else []:
                if isinstance(t, str) and not _is_absolute_iri(t):
                    found.add(t.removeprefix(_PYLD_PLACEHOLDER_BASE))
            ident = item.get("@id")
            if isinstance(ident, str) and not _is_absolute_iri(ident):
                found.add(ident.removeprefix(_PYLD_PLACEHOLDER_BASE))
            for key, value in item.items():
                if key not in ("@type", "@id") and isinstance(value, (list, dict)):
                    stack.append(value)


_PROCESSED_MAX = 2048
_IRI_MAX = 16_384  # the terms of every bundled context take about 1,500; ids unique to a document come and go


def _iri_memo() -> dict[Any, tuple[Any, Any]]:
    memo: dict[Any, tuple[Any, Any]] | None = getattr(_local, "iris", None)
    if memo is None:
        memo = _local.iris = {}
    return memo


def _processed_memo() -> dict[Any, tuple[Any, Any]]:
    memo: dict[Any, tuple[Any, Any]] | None = getattr(_local, "processed", None)
    if memo is None:
        memo = _local.processed = {}
    return memo


def _local_context_key(local_ctx: Any) -> Any:
    """A value key for a local context (URL, inline object or a list of them); None if unusual."""
    if isinstance(local_ctx, str):
        return ("url", local_ctx)
    if isinstance(local_ctx, (dict, frozendict)):
        key = _inline_key(local_ctx)
        return None if key is None else ("object", key)
    if isinstance(local_ctx, list) and len(local_ctx) <= 32:
        parts = [_local_context_key(item) for item in local_ctx]
        if all(p is not None for p in parts):
            return ("list", tuple(parts))
    return None


class _Processor(_pyld.JsonLdProcessor):
    """pyld's processor with processed contexts memoised across documents.

    pyld caches a processed context under the identity (``_uuid``) of the
    active context it was applied to, but a type-scoped context is applied to a
    fresh copy of the active context every time, so it was processed again for
    every document: half the time of a verification. Processing is a pure
    function of the (immutable, frozen) active context, the local context's
    value, the flags and the options that matter (base, processing mode, the
    loader), so the result is memoised under exactly those. Only frozen active
    contexts take part: pyld's own pre-validation of scoped contexts passes a
    context still being built, which is never memoised.
    """

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        local_key = _local_context_key(local_ctx) if isinstance(active_ctx, frozendict) else None
        if local_key is None:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (
            id(active_ctx),
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
            id(options.get("documentLoader")),
        )
        memo = _processed_memo()
        hit = memo.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if isinstance(result, frozendict):
            if len(memo) >= _PROCESSED_MAX:
                memo.clear()
            memo[key] = (active_ctx, result)  # holding active_ctx keeps its id from being reused
        return result

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: Any = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # IRI expansion (JSON-LD 1.1 Processing Algorithms §4.5) outside context
        # processing (no local context) is a pure function of the frozen active
        # context, the value, the base and the vocab flag; it ran a hundred times
        # per document, mostly on the same few terms, and was a fifth of the time.
        if local_ctx or type(value) is not str or not isinstance(active_ctx, frozendict):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if base is not None and type(base) is not str:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        memo = _iri_memo()
        key = (id(active_ctx), value, base, bool(vocab))
        hit = memo.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        if len(memo) >= _IRI_MAX:
            memo.clear()
        memo[key] = (active_ctx, result)  # holding active_ctx keeps its id from being reused
        return result


class _SafeProcessor(_Processor):
    """A processor that records properties expansion would drop."""

    def __init__(self) -> None:
        self.dropped: set[str] = set()
        super().__init__(on_property_dropped=self._on_dropped)

    def _on_dropped(self, prop: str | None) -> None:
        self.dropped.add(prop if prop is not None else "(null)")

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        expanded = super().expand(input_, options)
        relative: set[str] = set()
        _relative_iris(expanded, relative, [1_000_000])
        undefined = self.dropped | relative
        if undefined:
            raise UndefinedTermError(sorted(undefined))
        return expanded


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (UndefinedTermError, CanonicalizationLimit, ContextError):
        raise
    except _pyld.JsonLdError as exc:
        inner = _unwrap(exc)
        if isinstance(inner, ContextError):
            raise inner from exc
        cause: BaseException = exc
        while isinstance(cause.__cause__, (_pyld.JsonLdError, UndefinedTermError, CanonicalizationLimit)):
            cause = cause.__cause__
        if isinstance(cause, (UndefinedTermError, CanonicalizationLimit)):
            raise cause from exc
        raise DocumentError(f"invalid JSON-LD: {getattr(cause, 'message', None) or cause}") from exc
    except RecursionError as exc:
        raise DocumentError("JSON-LD document nested too deeply") from exc
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        # pyld parses untrusted input; a shape it does not expect surfaces as a
        # Python error (e.g. an invalid relative IRI) rather than a JsonLdError
        raise DocumentError(f"invalid JSON-LD: {exc}") from exc


def expand(doc: dict[str, Any], *, ob303: Variant = "latest", strict: bool = True) -> list[Any]:
    """The expanded form of ``doc`` (JSON-LD 1.1 Processing Algorithms §5.1).

    ``strict`` (the default) raises :class:`UndefinedTermError` instead of
    dropping undefined terms. :class:`ContextError` for a context outside the
    allow-list, :class:`DocumentError` for invalid JSON-LD.
    """
    processor: _pyld.JsonLdProcessor = _SafeProcessor() if strict else _Processor()
    result: list[Any] = _run(lambda: processor.expand(_as_input(doc), _options(ob303)))
    return result


@dataclass(frozen=True, slots=True, eq=False)
class Expansion:
    """The safe-mode expansion of one document, kept to canonicalize it without
    expanding it again (see :func:`expansion`).

    ``form`` is never handed out or modified: :func:`canonize` works on a copy.
    """

    document: dict[str, Any]
    form: list[Any]
    ob303: Variant

    def matches(self, doc: dict[str, Any], ob303: Variant) -> bool:
        """Whether this is the expansion of ``doc``: the same variant, the same
        keys in the same order and the very same value objects (a document
        rebuilt around the same values, as ``doc`` without its ``proof`` is).
        Values are compared by identity, so an equal-looking copy does not match."""
        if ob303 != self.ob303 or len(doc) != len(self.document):
            return False
        return all(k1 == k2 and v1 is v2 for (k1, v1), (k2, v2) in zip(self.document.items(), doc.items(), strict=True))


MAX_REVISIONS = 32  # earlier context revisions tried by expansion() (see verifier.contexts)


def expansion(doc: dict[str, Any], *, ob303: Variant = "latest") -> Expansion:
    """The strict (safe-mode) expansion of ``doc``, as :func:`expand` with
    ``strict=True`` raises it, kept for :func:`canonize` and :func:`check_terms`.

    Under the default variant, a document with terms its contexts' default
    revisions leave undefined is read under the first earlier revision of one
    of its contexts that defines them all (:func:`verifier.contexts.alternatives`,
    at most :data:`MAX_REVISIONS`): a credential signed in 2022 may use a term a
    later revision dropped. :attr:`Expansion.ob303` then names that revision;
    whether the document's proof holds under it is for the proof to show. If
    none does, the default revision's :class:`UndefinedTermError` is raised.
    """
    try:
        return Expansion(dict(doc), expand(doc, ob303=ob303, strict=True), ob303)
    except UndefinedTermError as first:
        if ob303 != contexts.LATEST:
            raise
        ctx = doc.get("@context")
        urls = [c for c in (ctx if isinstance(ctx, list) else [ctx]) if isinstance(c, str)]
        for rev in contexts.alternatives(urls)[:MAX_REVISIONS]:
            try:
                return Expansion(dict(doc), expand(doc, ob303=rev.key, strict=True), rev.key)
            except DocumentError:
                continue
        raise first


def check_terms(doc: dict[str, Any], *, ob303: Variant = "latest", expanded: Expansion | None = None) -> None:
    """Raise :class:`UndefinedTermError` if any term of ``doc`` is undefined by its contexts.

    ``expanded``, when it :meth:`~Expansion.matches` ``doc``, already showed
    every term defined (it was expanded in safe mode), and nothing is redone.
    """
    if expanded is not None and expanded.matches(doc, ob303):
        return
    expand(doc, ob303=ob303, strict=True)


class _Input(dict[str, Any]):
    """A document as handed to pyld, which deep-copies its input before
    expanding it: the copy is made by :func:`_copy` rather than
    ``copy.deepcopy`` (a tenth of the time of a verification). Expansion does
    not modify its input, so sharing of sub-objects, which only
    ``copy.deepcopy`` preserves, makes no difference to it."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: _copy(v) for k, v in self.items()}


def _as_input(doc: Any) -> Any:
    return _Input(doc) if type(doc) is dict else doc


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (what ``copy.deepcopy`` gives, faster for dicts and lists)."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


def _to_rdf_expanded(processor: _pyld.JsonLdProcessor, expanded: list[Any], options: dict[str, Any]) -> Any:
    """pyld's ``JsonLdProcessor.to_rdf`` from its expansion step on (JSON-LD 1.1
    API §8.3 "Deserialize JSON-LD to RDF"), for a document already expanded
    with the same processor options. ``expanded`` is consumed (pyld's list
    conversion pops from it)."""
    options = options.copy()
    options.setdefault("produceGeneralizedRdf", False)
    options.setdefault("extractAllScripts", True)
    options.setdefault("identifierIssuer", _pyld.IdentifierIssuer("_:b"))
    issuer = options["identifierIssuer"]
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {}
    for graph_name, graph in sorted(node_map.items()):
        # skip relative IRIs, as pyld does
        if graph_name == "@default" or is_absolute_iri(graph_name):
            dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    return dataset


# -- bounded canonicalization -------------------------------------------------


class _BoundedCanon(URDNA2015):
    """URDNA2015 / RDFC-1.0 that stops when its work or time budget runs out."""

    def __init__(self, limits: CanonLimits) -> None:
        super().__init__()
        self._work = limits.max_work
        self._deadline = time.monotonic() + limits.timeout

    def _spend(self) -> None:
        self._work -= 1
        if self._work < 0:
            raise CanonicalizationLimit("canonicalization work budget exhausted (a crafted or pathological graph)")
        if self._work % 64 == 0 and time.monotonic() > self._deadline:
            raise CanonicalizationLimit("canonicalization took too long (a crafted or pathological graph)")

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._spend()
        return super().hash_n_degree_quads(id_, issuer)

    def hash_related_blank_node(self, related: str, quad: Any, issuer: Any, position: str) -> Any:
        self._spend()
        return super().hash_related_blank_node(related, quad, issuer, position)

    def modify_first_degree_component(self, id_: str, component: Any, key: str) -> Any:
        # RDFC-1.0 §4.6.3 step 3.1.1: a blank node is serialized as _:a (the
        # reference node) or _:z. pyld deep-copies the component first; its
        # values are strings, so a shallow copy is the same copy, made faster.
        if component["type"] != "blank node" or not all(type(v) is str for v in component.values()):
            return super().modify_first_degree_component(id_, component, key)
        component = dict(component)
        component["value"] = "_:a" if component["value"] == id_ else "_:z"
        return component


def _check_blank_node_floor(expanded: Any, limits: CanonLimits) -> None:
    """Raise :class:`CanonicalizationLimit` when the RDF dataset of ``expanded``
    is sure to have more blank nodes than ``limits`` allow (see :func:`_blank_node_floor`)."""
    count = _blank_node_floor(expanded)
    if count > limits.max_blank_nodes:
        raise CanonicalizationLimit(f"document has at least {count} blank nodes (limit {limits.max_blank_nodes})")


def _blank_node_floor(expanded: Any) -> int:
    """A lower bound on the blank nodes of the RDF dataset of ``expanded``.

    Counted: node objects without ``@id`` that are values of a property whose
    subject and predicate are absolute (a blank node is absolute here, a
    blank-node predicate is not): each becomes a fresh blank node, the object
    of a triple of the dataset (JSON-LD 1.1 API §8.3 "Deserialize JSON-LD to
    RDF"). Anything else is left out, so the count never exceeds the
    dataset's, and the dataset check that follows is the exact one.
    """
    count = 0
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item or "@list" in item or "@graph" in item:
            continue
        subject = item.get("@id")
        subject_ok = subject is None or (isinstance(subject, str) and is_absolute_iri(subject))
        for prop, values in item.items():
            if prop[:1] == "@":
                continue
            if type(values) is list:
                if subject_ok and prop[:2] != "_:" and is_absolute_iri(prop):
                    for v in values:
                        if isinstance(v, dict) and "@id" not in v and _NOT_NODE.isdisjoint(v):
                            count += 1
                stack.append(values)
            elif isinstance(values, dict):
                stack.append(values)
    return count


_NOT_NODE = frozenset({"@value", "@list", "@graph", "@set"})


# An absolute IRI as pyld tells one from a relative reference: a scheme
# (RFC 3987 §2.2), or "_" for a blank node label, then ":" and no whitespace.
# pyld writes the scheme's tail as [A-Za-z0-9+-.], a range that also admits
# ","; the same set is written out here so that both sides of the graph-name
# and fast-path tests agree with the processor (tests/verifier/test_jsonld.py
# holds the two to the same answers). "$" also matches before a final newline,
# as in pyld.
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+,.-]*|_):\S*$")


@lru_cache(maxsize=4096)
def is_absolute_iri(iri: str) -> bool:
    """Whether pyld reads ``iri`` as an absolute IRI (a blank node label is one), memoised."""
    return _ABSOLUTE_IRI.match(iri) is not None


def _check_dataset(dataset: dict[str, list[dict[str, Any]]], limits: CanonLimits) -> None:
    quads = 0
    blanks: set[str] = set()
    for graph_name, triples in dataset.items():
        quads += len(triples)
        if graph_name.startswith("_:"):
            blanks.add(graph_name)
        for triple in triples:
            for pos in ("subject", "object"):
                component = triple[pos]
                if component["type"] == "blank node":
                    blanks.add(component["value"])
    if quads > limits.max_quads:
        raise CanonicalizationLimit(f"document has {quads} RDF statements (limit {limits.max_quads})")
    if len(blanks) > limits.max_blank_nodes:
        raise CanonicalizationLimit(f"document has {len(blanks)} blank nodes (limit {limits.max_blank_nodes})")


def canonize(
    doc: dict[str, Any],
    *,
    algorithm: str,
    ob303: Variant = "latest",
    strict: bool = True,
    limits: CanonLimits = DEFAULT_LIMITS,
    expanded: Expansion | None = None,
) -> str:
    """The canonical N-Quads of ``doc`` under ``algorithm`` (``"RDFC-1.0"`` or ``"URDNA2015"``).

    The algorithm must be named: pyld's own default is the obsolete URGNA2012.
    Raises :class:`UndefinedTermError` (``strict``), :class:`ContextError`,
    :class:`CanonicalizationLimit` or :class:`DocumentError`; never returns a
    canonical form of a document that lost data on the way.

    ``expanded`` (from :func:`expansion`), when ``strict`` and it
    :meth:`~Expansion.matches` ``doc``, stands for the expansion step, which
    gives the same dataset as expanding ``doc`` again; otherwise it is ignored.
    """
    if algorithm not in ALGORITHMS:
        raise DocumentError(f"unsupported canonicalization algorithm {algorithm!r}")
    processor: _pyld.JsonLdProcessor = _SafeProcessor() if strict else _Processor()
    options = _options(ob303)
    reuse = expanded if strict and expanded is not None and expanded.matches(doc, ob303) else None

    def run() -> str:
        # RDFC-1.0 §4.4: the input is the RDF dataset of the document
        # (JSON-LD 1.1 API "Deserialize JSON-LD to RDF"), then canonical labels.
        rdf_options = {**options, "produceGeneralizedRdf": False}
        if reuse is not None:
            form = _copy(reuse.form)
        else:
            try:
                form = processor.expand(_as_input(doc), rdf_options)
            except _pyld.JsonLdError as exc:
                # as pyld's to_rdf reports it
                raise _pyld.JsonLdError(
                    "Could not expand input before serialization to RDF.", "jsonld.RdfError"
                ) from exc
        # Building the dataset takes time quadratic in the blank nodes of one
        # subject (pyld's node map checks every new reference against the
        # others), so a graph sure to be over the limit is refused first.
        _check_blank_node_floor(form, limits)
        dataset = _to_rdf_expanded(processor, form, rdf_options)
        _check_dataset(dataset, limits)
        result: str = _BoundedCanon(limits).main(dataset, {"format": "application/n-quads"})
        return result

    result: str = _run(run)
    return result
