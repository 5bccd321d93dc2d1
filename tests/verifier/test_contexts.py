"""Bundled JSON-LD contexts: served from the allow-list, pinned, never fetched."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from verifier.contexts import document_loader, get_context, known_urls
from verifier.errors import ContextError


def test_every_manifest_context_is_served_and_matches_its_pin() -> None:
    manifest = json.loads((ROOT / "verifier" / "contexts" / "manifest.json").read_text())
    loader = document_loader()
    for entry in manifest:
        doc = loader(entry["url"], None)
        assert doc["documentUrl"] == entry["url"]
        assert isinstance(doc["document"], dict)


def test_an_unknown_context_is_refused_by_name() -> None:
    with pytest.raises(ContextError, match=r"https://evil\.example/context"):
        document_loader()("https://evil.example/context", None)


def test_both_revisions_of_the_ob_303_context_are_available() -> None:
    url = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    later = json.dumps(get_context(url))
    earlier = json.dumps(get_context(url, ob303="original"))
    assert later != earlier
    assert "endorsementJwt" in later
    assert "endorsementJwt" not in earlier


def test_the_core_credential_contexts_are_known() -> None:
    assert {
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/openbadges/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    } <= known_urls()


def test_the_two_ob_303_revisions_stay_apart_after_processing() -> None:
    from pyld import jsonld as pyld

    url = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    doc = {"@context": [url], "jti": "urn:uuid:1"}  # "jti" is defined by the later revision only
    for _ in range(2):  # the second round runs on whatever pyld cached in the first
        later = pyld.expand(doc, {"documentLoader": document_loader()})
        earlier = pyld.expand(doc, {"documentLoader": document_loader(ob303="original")})
        assert "jwt#jti" in json.dumps(later)
        assert "jwt#jti" not in json.dumps(earlier)
