"""The expansion made once for the structure check gives the same canonical
forms, term checks and results as expanding again; memoised IRI expansion
gives pyld's own expanded form."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cachetools import LRUCache
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from tests.conftest import FIXTURES, VECTORS
from verifier import jsonld, ob3
from verifier.errors import CanonicalizationLimit, DocumentError, UndefinedTermError

ALGORITHMS = ("RDFC-1.0", "URDNA2015")


def _documents() -> list[tuple[Path, dict[str, Any]]]:
    """Every JSON-LD object among the fixtures and vectors (anything with an ``@context``)."""
    found = []
    for root in (FIXTURES / "di", FIXTURES / "vc", VECTORS):
        for path in sorted(root.rglob("*.json")):
            try:
                doc = json.loads(path.read_text("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(doc, dict) and "@context" in doc:
                found.append((path, doc))
    return found


DOCUMENTS = _documents()


def _unsecured(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


def _canonical(doc: dict[str, Any], algorithm: str, expanded: jsonld.Expansion | None = None) -> tuple[str, str]:
    try:
        return "ok", jsonld.canonize(doc, algorithm=algorithm, expanded=expanded)
    except DocumentError as exc:  # every jsonld error is a DocumentError
        return type(exc).__name__, str(exc)


def test_there_are_documents_to_compare() -> None:
    assert len(DOCUMENTS) > 100


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_canonical_form_from_the_structure_expansion_is_the_one_expanding_again_gives(algorithm: str) -> None:
    reused = 0
    for path, doc in DOCUMENTS:
        body = _unsecured(doc)
        try:
            expanded = jsonld.expansion(body)
        except DocumentError:
            continue
        before = json.dumps(expanded.form)
        unsecured = _unsecured(doc)  # a new dict around the same values, as the proof code builds it
        assert expanded.matches(unsecured, "latest")
        fresh = _canonical(unsecured, algorithm)
        shared = _canonical(unsecured, algorithm, expanded)
        assert shared == fresh, path
        assert json.dumps(expanded.form) == before, f"{path}: the kept expansion was modified"
        reused += fresh[0] == "ok"
    assert reused > 100


def test_structure_check_keeps_the_expansion_of_the_credential_without_its_proof() -> None:
    kept = 0
    for path, doc in DOCUMENTS:
        check, expanded = ob3.checked_structure(doc)
        assert check == ob3.structure_check(doc), path
        if expanded is None:
            continue
        if "verifiableCredential" in doc and "VerifiablePresentation" in ob3.types_of(doc):
            # a presentation's term check leaves its members out: not the document its proof secures
            assert not expanded.matches(_unsecured(doc), "latest"), path
            continue
        assert expanded.matches(_unsecured(doc), "latest"), path
        assert expanded.form == jsonld.expand(_unsecured(doc)), path
        kept += 1
    assert kept > 50


def test_an_expansion_of_another_document_is_not_used() -> None:
    path = VECTORS / "w3c-vc-di-eddsa" / "eddsa-rdfc-2022" / "signedDataInt.json"
    doc = _unsecured(json.loads(path.read_text("utf-8")))
    expanded = jsonld.expansion(doc)
    tampered = copy.deepcopy(doc)  # equal, but not the same values
    assert not expanded.matches(tampered, "latest")
    assert not expanded.matches(doc, "original")
    subject = tampered["credentialSubject"]
    subject["name"] = "someone else"
    assert jsonld.canonize(tampered, algorithm="RDFC-1.0", expanded=expanded) == jsonld.canonize(
        tampered, algorithm="RDFC-1.0"
    )
    assert "someone else" in jsonld.canonize(tampered, algorithm="RDFC-1.0", expanded=expanded)


def test_a_term_check_is_not_answered_by_the_expansion_of_another_document() -> None:
    # a VC 1.1 credential: its contexts have no @vocab, so an unknown term is undefined
    path = FIXTURES / "di" / "credentials" / "v1-context-valid.json"
    doc = _unsecured(json.loads(path.read_text("utf-8")))
    expanded = jsonld.expansion(doc)
    jsonld.check_terms(doc, expanded=expanded)
    with_undefined = {**doc, "notDefinedAnywhere": "x"}
    with pytest.raises(UndefinedTermError):
        jsonld.check_terms(with_undefined, expanded=expanded)
    with pytest.raises(UndefinedTermError):
        jsonld.canonize(with_undefined, algorithm="RDFC-1.0", expanded=expanded)


_REFERENCE_CACHE: LRUCache[Any, Any] = LRUCache(maxsize=100)  # pyld's own cache of resolved contexts


def _pyld_expand(doc: dict[str, Any]) -> Any:
    loader = jsonld._loader("latest")
    options = {
        "documentLoader": loader,
        "contextResolver": ContextResolver(_REFERENCE_CACHE, loader),
        "base": "",
        "processingMode": "json-ld-1.1",
    }
    return pyld_jsonld.JsonLdProcessor().expand(copy.deepcopy(doc), options)


def test_memoised_iri_expansion_gives_pyld_s_own_expanded_form() -> None:
    compared = 0
    documents = [(p, d) for p, d in DOCUMENTS if p.parent.name in ("ob30", "eddsa-rdfc-2022", "credentials")]
    for _ in range(2):  # the second round runs on memoised IRIs
        for path, doc in documents:
            try:
                expected = _pyld_expand(doc)
            except Exception:
                with pytest.raises(DocumentError):
                    jsonld.expand(doc, strict=False)
                continue
            assert jsonld.expand(doc, strict=False) == expected, path
            compared += 1
    assert compared > 30


def test_expansion_of_a_document_sharing_sub_objects_is_that_of_its_json_copy() -> None:
    path = FIXTURES / "di" / "credentials" / "v1-context-valid.json"
    doc = _unsecured(json.loads(path.read_text("utf-8")))
    subject = doc["credentialSubject"]
    shared = {**doc, "credentialSubject": [subject, subject]}  # one object in two places
    before = json.dumps(shared)
    as_json = json.loads(before)
    assert jsonld.expand(shared) == jsonld.expand(as_json)
    for algorithm in ALGORITHMS:
        assert jsonld.canonize(shared, algorithm=algorithm) == jsonld.canonize(as_json, algorithm=algorithm)
    assert json.dumps(shared) == before, "the input was modified"


def _dataset_blank_nodes(doc: dict[str, Any]) -> int:
    processor = jsonld._SafeProcessor()
    options = {**jsonld._options("latest"), "produceGeneralizedRdf": False}
    dataset = jsonld._to_rdf_expanded(processor, jsonld.expand(doc), options)
    blanks = {name for name in dataset if name.startswith("_:")}
    for triples in dataset.values():
        for triple in triples:
            blanks |= {triple[p]["value"] for p in ("subject", "object") if triple[p]["type"] == "blank node"}
    return len(blanks)


def test_the_blank_node_floor_never_exceeds_the_dataset_s_blank_nodes() -> None:
    counted = 0
    for path, doc in DOCUMENTS:
        body = _unsecured(doc)
        try:
            expanded = jsonld.expand(body)
        except DocumentError:
            continue
        floor = jsonld._blank_node_floor(expanded)
        assert floor <= _dataset_blank_nodes(body), path
        counted += floor > 0
    assert counted > 50


def test_a_graph_sure_to_be_over_the_blank_node_limit_is_refused_before_building_it() -> None:
    path = FIXTURES / "di" / "credentials" / "v1-context-valid.json"
    doc = _unsecured(json.loads(path.read_text("utf-8")))
    limits = jsonld.CanonLimits(max_blank_nodes=50)
    subject = doc["credentialSubject"]
    doc["credentialSubject"] = [
        {**subject, "id": f"did:example:{i}", "achievement": {**subject["achievement"], "id": None}} for i in range(30)
    ]
    for s in doc["credentialSubject"]:
        del s["achievement"]["id"]  # an achievement without id, and its criteria: two blank nodes
    with pytest.raises(CanonicalizationLimit, match="at least 60 blank nodes"):
        jsonld.canonize(doc, algorithm="RDFC-1.0", limits=limits)
    with pytest.raises(CanonicalizationLimit, match="at least 60 blank nodes"):
        jsonld.canonize(doc, algorithm="RDFC-1.0", limits=limits, expanded=jsonld.expansion(doc))
    doc["credentialSubject"] = doc["credentialSubject"][:25]
    jsonld.canonize(doc, algorithm="RDFC-1.0", limits=limits)


def test_canonical_form_is_pyld_s_own_public_normalize() -> None:
    # The processor memoises through pyld's internal hooks (docs/decisions/0002): whatever
    # pyld release is installed, the canonical N-Quads must be those of its public API.
    compared = 0
    loader = jsonld._loader("latest")
    for path, doc in DOCUMENTS:
        body = _unsecured(doc)
        status, ours = _canonical(body, "URDNA2015")
        if status != "ok":
            continue
        options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            "contextResolver": ContextResolver(_REFERENCE_CACHE, loader),
            "base": "",
            "processingMode": "json-ld-1.1",
        }
        assert pyld_jsonld.normalize(copy.deepcopy(body), options) == ours, path
        compared += 1
    assert compared > 100
