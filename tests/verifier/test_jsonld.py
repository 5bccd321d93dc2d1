"""JSON-LD expansion and canonicalization: bundled contexts only, no dropped terms, bounded work."""

from __future__ import annotations

import copy
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cachetools import LRUCache
from hypothesis import given
from hypothesis import strategies as st
from pyld import jsonld as pyld_jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from tests.conftest import FIXTURES, VECTORS
from verifier import jsonld
from verifier.errors import CanonicalizationLimit, ContextError, DocumentError, UndefinedTermError

EDDSA = VECTORS / "w3c-vc-di-eddsa"
OB3_CANON = VECTORS / "ob3-spec-test-vectors"


def _json(path: Any) -> Any:
    return json.loads(path.read_text("utf-8"))


def _unsigned_vc() -> dict[str, Any]:
    doc: dict[str, Any] = _json(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    del doc["proof"]
    return doc


def _v1_badge() -> dict[str, Any]:
    doc: dict[str, Any] = _json(FIXTURES / "di" / "credentials" / "v1-context-valid.json")
    del doc["proof"]
    return doc


def test_canonical_nquads_match_the_w3c_vector() -> None:
    expected = (EDDSA / "eddsa-rdfc-2022" / "canonDocDataInt.txt").read_text("utf-8")
    assert jsonld.canonize(_unsigned_vc(), algorithm="RDFC-1.0") == expected


def test_urdna2015_name_gives_the_same_canonical_form() -> None:
    doc = _unsigned_vc()
    assert jsonld.canonize(doc, algorithm="URDNA2015") == jsonld.canonize(doc, algorithm="RDFC-1.0")


def test_canonicalization_algorithm_must_be_a_supported_one() -> None:
    with pytest.raises(DocumentError):
        jsonld.canonize(_unsigned_vc(), algorithm="URGNA2012")


def test_blank_node_labels_do_not_depend_on_key_order() -> None:
    doc = _v1_badge()
    reordered = json.loads(json.dumps(doc, sort_keys=True))
    reordered["credentialSubject"] = dict(reversed(list(reordered["credentialSubject"].items())))
    assert jsonld.canonize(reordered, algorithm="RDFC-1.0") == jsonld.canonize(doc, algorithm="RDFC-1.0")
    assert "_:c14n0" in jsonld.canonize(doc, algorithm="RDFC-1.0")


def test_ob3_spec_example_proof_configuration_canonicalizes_to_its_published_form() -> None:
    doc = _json(OB3_CANON / "signed-credential-from-spec.json")
    proof = doc.pop("proof")
    config = {k: v for k, v in proof.items() if k != "proofValue"} | {"@context": doc["@context"]}
    expected = (OB3_CANON / "clrv2p0" / "proof-canon.txt").read_text("utf-8")
    assert jsonld.canonize(config, algorithm="RDFC-1.0") == expected


def test_unknown_context_raises_context_error_naming_it() -> None:
    doc = _unsigned_vc()
    doc["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(ContextError) as info:
        jsonld.canonize(doc, algorithm="RDFC-1.0")
    assert info.value.url == "https://evil.example/context.jsonld"


def test_unknown_context_is_refused_by_expand_too() -> None:
    with pytest.raises(ContextError):
        jsonld.expand({"@context": "https://evil.example/c", "name": "x"})


def test_undefined_property_is_refused_and_named() -> None:
    doc = _v1_badge()
    doc["credentialSubject"]["shoeSize"] = 44
    doc["favouriteColour"] = "teal"
    with pytest.raises(UndefinedTermError) as info:
        jsonld.canonize(doc, algorithm="RDFC-1.0")
    assert info.value.terms == ["favouriteColour", "shoeSize"]


def test_undefined_property_is_silently_dropped_without_strict_mode() -> None:
    doc = _v1_badge()
    changed = copy.deepcopy(doc)
    changed["credentialSubject"]["shoeSize"] = 44
    # this is exactly what strict mode exists to prevent: the extra claim would not be signed
    assert jsonld.canonize(changed, algorithm="RDFC-1.0", strict=False) == jsonld.canonize(doc, algorithm="RDFC-1.0")


def test_relative_type_is_refused() -> None:
    doc = {"@context": {"name": "https://schema.org/name"}, "@type": "Widget", "name": "x"}
    with pytest.raises(UndefinedTermError) as info:
        jsonld.expand(doc)
    assert info.value.terms == ["Widget"]


def test_relative_id_is_refused() -> None:
    doc = {"@context": {"name": "https://schema.org/name"}, "@id": "badge-7", "name": "x"}
    with pytest.raises(UndefinedTermError) as info:
        jsonld.canonize(doc, algorithm="RDFC-1.0")
    assert info.value.terms == ["badge-7"]


def test_check_terms_accepts_a_fully_defined_badge() -> None:
    jsonld.check_terms(_v1_badge())


def test_vocab_of_credentials_v2_defines_every_term() -> None:
    doc = _unsigned_vc()
    doc["anythingGoes"] = "VC 2.0 maps undefined terms to its issuer-dependent vocabulary"
    jsonld.check_terms(doc)


def test_invalid_json_ld_is_a_document_error() -> None:
    with pytest.raises(DocumentError):
        jsonld.canonize({"@context": {"@version": 2.0}, "name": "x"}, algorithm="RDFC-1.0")


def _poison_graph(size: int) -> dict[str, Any]:
    """Blank nodes that all link to one another: RDFC's worst case (exponential permutations)."""
    nodes = [
        {"@id": f"_:n{i}", "http://example.org/p": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    return {"@graph": nodes}


def test_blank_node_limit_stops_large_graphs_before_canonicalizing() -> None:
    with pytest.raises(CanonicalizationLimit, match="blank nodes"):
        jsonld.canonize(_poison_graph(12), algorithm="RDFC-1.0", limits=jsonld.CanonLimits(max_blank_nodes=10))


def test_statement_limit_stops_large_graphs_before_canonicalizing() -> None:
    with pytest.raises(CanonicalizationLimit, match="RDF statements"):
        jsonld.canonize(_poison_graph(12), algorithm="RDFC-1.0", limits=jsonld.CanonLimits(max_quads=100))


def test_poison_graph_is_stopped_by_the_work_budget_quickly() -> None:
    start = time.monotonic()
    with pytest.raises(CanonicalizationLimit):
        jsonld.canonize(_poison_graph(10), algorithm="RDFC-1.0")
    assert time.monotonic() - start < 10  # bounded by the work budget, not by the graph (generous: noisy machines)


def test_poison_graph_is_stopped_by_the_clock() -> None:
    start = time.monotonic()
    limits = jsonld.CanonLimits(max_work=10**9, timeout=0.2)
    with pytest.raises(CanonicalizationLimit, match="too long"):
        jsonld.canonize(_poison_graph(10), algorithm="RDFC-1.0", limits=limits)
    assert time.monotonic() - start < 10  # the 0.2 s clock stops it (generous bound: noisy machines)


def test_small_symmetric_graph_still_canonicalizes() -> None:
    assert jsonld.canonize(_poison_graph(3), algorithm="RDFC-1.0").count("_:c14n") > 0


def test_processed_contexts_are_shared_across_calls() -> None:
    jsonld.canonize(_unsigned_vc(), algorithm="RDFC-1.0")
    cache = jsonld._shared_cache("latest")
    assert "https://www.w3.org/ns/credentials/v2" in cache
    resolved = cache["https://www.w3.org/ns/credentials/v2"]
    jsonld.canonize(_unsigned_vc(), algorithm="RDFC-1.0")
    assert cache["https://www.w3.org/ns/credentials/v2"] is resolved


def test_canonicalization_is_consistent_across_threads() -> None:
    doc = _unsigned_vc()
    expected = jsonld.canonize(doc, algorithm="RDFC-1.0")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: jsonld.canonize(doc, algorithm="RDFC-1.0"), range(32)))
    assert set(results) == {expected}


def _jsonld_documents() -> list[Path]:
    found = []
    for path in sorted([*VECTORS.rglob("*.json"), *(FIXTURES / "di").rglob("*.json")]):
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(doc, dict) and "@context" in doc:
            found.append(path)
    return found


def _reference_canonical(doc: dict[str, Any]) -> str | None:
    """Canonical N-Quads straight from pyld: no memoised contexts, a fresh context cache."""
    loader = jsonld._loader("latest")
    options = {
        "documentLoader": loader,
        "contextResolver": ContextResolver(LRUCache(maxsize=100), loader),
        "base": "",
        "processingMode": "json-ld-1.1",
    }
    try:
        dataset = pyld_jsonld.JsonLdProcessor().to_rdf(copy.deepcopy(doc), options)
    except Exception:
        return None
    result: str = URDNA2015().main(dataset, {"format": "application/n-quads"})
    return result


def _assert_same_as_pyld(documents: list[Path]) -> int:
    compared = 0
    for _ in range(2):  # the second round runs entirely on memoised contexts
        for path in documents:
            doc = json.loads(path.read_text("utf-8"))
            expected = _reference_canonical(doc)
            if expected is None:
                with pytest.raises(DocumentError):
                    jsonld.canonize(doc, algorithm="RDFC-1.0", strict=False)
                continue
            assert jsonld.canonize(doc, algorithm="RDFC-1.0", strict=False) == expected, path
            compared += 1
    return compared


def test_memoised_context_processing_gives_pyld_s_own_canonical_forms() -> None:
    documents = [p for p in _jsonld_documents() if p.parent.name in ("ob30", "eddsa-rdfc-2022", "credentials")]
    documents = [p for p in documents if "ecdsa" not in p.name and "Ed25519Signature2020" not in p.name]
    assert _assert_same_as_pyld(documents) > 30


@pytest.mark.slow
def test_memoised_context_processing_gives_pyld_s_own_canonical_forms_for_every_vector() -> None:
    documents = _jsonld_documents()
    assert len(documents) > 100
    assert _assert_same_as_pyld(documents) > 100


@given(
    st.one_of(
        st.text(max_size=30),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9+,.\-_:]{0,10}:[^:]{0,10}\n?", fullmatch=True),
    )
)
def test_absolute_iri_test_agrees_with_pyld_s_own(value: str) -> None:
    # verifier.jsonld.is_absolute_iri replaces pyld's private _is_absolute_iri in the
    # graph-name filter and the OB 2.0 fast path; both must give the processor's answer.
    assert jsonld.is_absolute_iri(value) is bool(pyld_jsonld._is_absolute_iri(value))


def test_an_inline_context_jcs_cannot_key_is_resolved_by_pyld_itself() -> None:
    # RFC 8785 refuses integers beyond I-JSON's range; such a context gets no JCS key
    # and pyld processes it (and here refuses it) itself, rather than the key failing.
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", {"big": {"@id": "https://example.org/big"}, "n": 2**60}],
        "type": "VerifiableCredential",
        "big": "x",
    }
    with pytest.raises(DocumentError, match="invalid term definition"):
        jsonld.canonize(doc, algorithm="RDFC-1.0")
    ok = {"@context": ["https://www.w3.org/ns/credentials/v2", {"big": "https://example.org/big"}], "big": 2**60}
    assert "https://example.org/big" in jsonld.canonize(ok, algorithm="RDFC-1.0")
