"""Compaction without JSON-LD processing gives exactly what pyld's compaction
gives (same keys, values and key order), for every OB 2.0 document among the
fixtures, vectors and sample data, and for random documents built from the
OB v2 context's terms and from values chosen to fall outside the fast path."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, VECTORS
from verifier import ob2
from verifier.errors import DocumentError
from verifier.ob2_rules import OB2_CONTEXT

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def _nodes(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nodes(v)


def _ob2_documents() -> list[tuple[Path, dict[str, Any]]]:
    """Every object with an OB v2 @context, at any depth, in every JSON file there."""
    found = []
    roots = (FIXTURES / "ob2", VECTORS / "1edtech-validator" / "ob20", SAMPLE_DATA, FIXTURES)
    seen: set[Path] = set()
    for root in roots:
        for path in sorted(root.rglob("*.json")):
            if path in seen:
                continue
            seen.add(path)
            try:
                doc = json.loads(path.read_text("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            for node in _nodes(doc):
                if "openbadges/v2" in json.dumps(node.get("@context")):
                    found.append((path, node))
    return found


def _pyld(doc: dict[str, Any]) -> str:
    try:
        return json.dumps(ob2._compact_jsonld(doc))
    except DocumentError as exc:
        return f"error: {exc}"


def test_every_ob2_document_compacts_alike_both_ways() -> None:
    fast_count = 0
    documents = _ob2_documents()
    assert len(documents) > 100
    for path, doc in documents:
        fast = ob2.compact_fast(doc)
        if fast is None:
            continue
        fast_count += 1
        assert json.dumps(fast) == _pyld(doc), path
        assert json.dumps(ob2.compact(doc)) == json.dumps(fast)
    assert fast_count > 100


IRIS = [
    "https://issuer.example/badges/1",
    "http://127.0.0.2:8000/assertions/7",
    "urn:uuid:3c5a7a8e-0000-4000-8000-000000000001",
    "mailto:someone@example.org",
    "data:image/png;base64,iVBORw0KGgo=",
    "HTTPS://Upper.example/x",
    "http://schema.org/Thing",  # a prefix would shorten it
    "https://w3id.org/openbadges#Assertion",  # a term
    "https://w3id.org/openbadges/extensions#x",
    "obi:thing",  # a compact IRI
    "schema:x",
    "_:b0",
    "relative/path",
    "https://has space.example/x",
    "",
    "@id",
    "id:x",
    "x:",
]
LITERALS = ["text", "", "2016-12-31T23:59:59Z", "true", True, False, 0, 7, 2.5, -1e300, None, "urn:uuid:1"]
TYPES = ["Assertion", "BadgeClass", "Profile", "Issuer", "hosted", "HostedBadge", "signed", "email", "Foo", *IRIS[:8]]


def _random_value(rng: random.Random, is_iri: bool, depth: int) -> Any:
    roll = rng.random()
    if roll < 0.12:
        size = rng.choice([0, 1, 1, 2, 3])
        items = [_random_value(rng, is_iri, depth) for _ in range(size)]
        if items and rng.random() < 0.1:
            items.append(items[0])  # a duplicate
        return items
    if is_iri and depth < 3 and roll < 0.35:
        return _random_node(rng, depth + 1)
    if rng.random() < 0.08:
        return rng.choice(LITERALS if is_iri else [*IRIS, {"name": "x"}])  # the wrong kind
    return rng.choice(IRIS if is_iri else LITERALS)


def _random_node(rng: random.Random, depth: int) -> dict[str, Any]:
    terms = ob2._ob2_terms()
    assert terms is not None
    keys = sorted(terms.keys)
    odd_keys = ["verify", "hosted", "extensions:x", "@id", "@type", "unknownTerm", "revoked", "revokedAssertions"]
    node: dict[str, Any] = {}
    if rng.random() < 0.8:
        node["id"] = rng.choice(IRIS[:6]) if rng.random() < 0.85 else rng.choice(IRIS)
    if rng.random() < 0.8:
        node["type"] = rng.choice(TYPES) if rng.random() < 0.8 else rng.sample(TYPES, rng.choice([0, 1, 2, 3]))
    for _ in range(rng.randrange(0, 6)):
        key = rng.choice(keys) if rng.random() < 0.9 else rng.choice(odd_keys)
        spec = terms.keys.get(key)
        node[key] = _random_value(rng, spec[1] if spec else rng.random() < 0.5, depth)
    return node


def test_random_documents_compact_alike_both_ways() -> None:
    rng = random.Random(20261128)
    fast_count = 0
    for _ in range(500):
        doc = {"@context": OB2_CONTEXT, **_random_node(rng, 0)}
        if rng.random() < 0.05:
            doc["@context"] = rng.choice([[OB2_CONTEXT], OB2_CONTEXT + "/", {"@vocab": "https://x.example/"}])
        fast = ob2.compact_fast(doc)
        if fast is None:
            continue
        fast_count += 1
        assert json.dumps(fast) == _pyld(doc), doc
    assert fast_count > 100


def test_a_document_that_compaction_would_change_is_left_to_pyld() -> None:
    base = {"@context": OB2_CONTEXT, "type": "Assertion", "id": "https://issuer.example/a/1"}
    for extra in (
        {"verify": {"type": "hosted"}},  # an alias: compacts to "verification"
        {"badge": {"id": "https://issuer.example/b"}},  # a reference: compacts to a string
        {"badge": "http://schema.org/Thing"},  # compacts to schema:Thing
        {"name": None},  # dropped
        {"tags": []},
        {"extensions:x": "y"},
        {"type": "HostedBadge"},  # compacts to "hosted"
        {"@context": [OB2_CONTEXT]},
    ):
        doc = {**base, **extra}
        assert ob2.compact_fast(doc) is None, extra
        assert json.dumps(ob2.compact(doc)) == _pyld(doc)
