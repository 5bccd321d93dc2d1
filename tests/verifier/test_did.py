"""Resolving verification methods (did:key, did:jwk, did:web, https) and binding them to issuers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from verifier import did, keys
from verifier.codec import b64url_encode
from verifier.errors import KeyBindingError, KeyResolutionError
from verifier.fetch import Fetcher
from verifier.session import Session

DI = FIXTURES / "di"
KEYS = json.loads((DI / "keys.json").read_text("utf-8"))
SERVED = json.loads((DI / "served.json").read_text("utf-8"))
ISSUER = "https://issuer.example/profile"


def _handler(request: httpx.Request) -> httpx.Response:
    name = SERVED.get(str(request.url))
    if name is None:
        return httpx.Response(404)
    return httpx.Response(200, content=(DI / name).read_bytes(), headers={"content-type": "application/json"})


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Fetcher(transport=httpx.MockTransport(_handler)) as fetcher:
        yield Session(fetcher=fetcher)


def _session_serving(documents: dict[str, Any]) -> Fetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        doc = documents.get(str(request.url))
        return httpx.Response(200, json=doc) if doc is not None else httpx.Response(404)

    return Fetcher(transport=httpx.MockTransport(handler))


# -- did:key ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ed25519-a", "p256-a", "p384-a"])
async def test_did_key_resolves_to_its_own_key_listed_for_assertion(name: str, session: Session) -> None:
    did_key = KEYS[name]["didKey"]
    mb = KEYS[name]["publicKeyMultibase"]
    vm = await did.resolve_verification_method(f"{did_key}#{mb}", session)
    assert vm.id == f"{did_key}#{mb}"
    assert vm.controller == did_key
    assert vm.type == "Multikey"
    assert keys.multikey_from_public_key(vm.public_key) == mb
    assert vm.id in vm.relationships["assertionMethod"]
    assert did.check_key_binding(vm, did_key, "assertionMethod") == "controller"


async def test_bare_did_key_names_its_one_method(session: Session) -> None:
    did_key = KEYS["ed25519-a"]["didKey"]
    vm = await did.resolve_verification_method(did_key, session)
    assert vm.id == f"{did_key}#{KEYS['ed25519-a']['publicKeyMultibase']}"


async def test_did_key_fragment_naming_another_key_is_refused(session: Session) -> None:
    did_key = KEYS["ed25519-a"]["didKey"]
    with pytest.raises(KeyResolutionError, match="does not name the key"):
        await did.resolve_verification_method(f"{did_key}#{KEYS['ed25519-b']['publicKeyMultibase']}", session)


def test_did_key_document_lists_the_key_under_every_signing_relationship() -> None:
    did_key = KEYS["p256-a"]["didKey"]
    doc = did.did_key_document(did_key)
    vm_id = doc["verificationMethod"][0]["id"]
    for rel in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"):
        assert doc[rel] == [vm_id]
    assert "keyAgreement" not in doc


# -- did:jwk ------------------------------------------------------------------------------


async def test_did_jwk_resolves_method_zero(session: Session) -> None:
    did_jwk = KEYS["p256-a"]["didJwk"]
    vm = await did.resolve_verification_method(f"{did_jwk}#0", session)
    assert vm.controller == did_jwk
    assert keys.multikey_from_public_key(vm.public_key) == KEYS["p256-a"]["publicKeyMultibase"]
    assert did.check_key_binding(vm, did_jwk, "assertionMethod") == "controller"


async def test_did_jwk_for_encryption_cannot_sign_assertions(session: Session) -> None:
    jwk = keys.jwk_from_public_key(keys.public_key_from_multikey(KEYS["p256-a"]["publicKeyMultibase"])) | {"use": "enc"}
    did_jwk = "did:jwk:" + b64url_encode(json.dumps(jwk).encode())
    vm = await did.resolve_verification_method(f"{did_jwk}#0", session)
    with pytest.raises(KeyBindingError, match="assertionMethod"):
        did.check_key_binding(vm, did_jwk, "assertionMethod")


async def test_malformed_did_jwk_is_a_resolution_error(session: Session) -> None:
    with pytest.raises(KeyResolutionError):
        await did.resolve_verification_method("did:jwk:!!!#0", session)


# -- did:web ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did_web", "url"),
    [
        ("did:web:issuer.example", "https://issuer.example/.well-known/did.json"),
        ("did:web:issuer.example:units:registry", "https://issuer.example/units/registry/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
    ],
)
def test_did_web_url_follows_the_method_spec(did_web: str, url: str) -> None:
    assert did.did_web_url(did_web) == url


@pytest.mark.parametrize(
    "did_web",
    [
        "did:web:",
        "did:web:evil.example%2Fpath",
        "did:web:a.example:..:x",
        "did:web:a@b",
        "did:web:a.example%3Fq",
        "did:web:a.example%40b.example",
        "did:web:a.example:x%2F..",
        "did:web:a.example::x",
    ],
)
def test_malformed_did_web_is_refused(did_web: str) -> None:
    with pytest.raises(KeyResolutionError):
        did.did_web_url(did_web)


async def test_did_web_method_by_relative_id_resolves(session: Session) -> None:
    vm = await did.resolve_verification_method("did:web:issuer.example#key-1", session)
    assert vm.controller == "did:web:issuer.example"
    assert did.check_key_binding(vm, "did:web:issuer.example", "assertionMethod") == "controller"


async def test_did_web_method_embedded_in_assertion_method_resolves(session: Session) -> None:
    vm = await did.resolve_verification_method("did:web:issuer.example#key-2", session)
    assert keys.multikey_from_public_key(vm.public_key) == KEYS["p384-a"]["publicKeyMultibase"]
    assert did.check_key_binding(vm, "did:web:issuer.example", "assertionMethod") == "controller"


async def test_did_web_document_about_another_did_is_refused(session: Session) -> None:
    with pytest.raises(KeyResolutionError, match="has id"):
        await did.resolve_verification_method("did:web:impostor.example#key-1", session)


async def test_did_web_without_fragment_is_refused(session: Session) -> None:
    with pytest.raises(KeyResolutionError):
        await did.resolve_verification_method("did:web:issuer.example", session)


# -- https --------------------------------------------------------------------------------


async def test_https_method_in_profile_resolves_and_binds(session: Session) -> None:
    vm = await did.resolve_verification_method(f"{ISSUER}#key-1", session)
    assert vm.source == "https"
    assert did.check_key_binding(vm, ISSUER, "assertionMethod") == "controller"


async def test_https_standalone_key_document_takes_relationships_from_its_controller(session: Session) -> None:
    vm = await did.resolve_verification_method("https://issuer.example/keys/ed25519-2020", session)
    assert vm.type == "Ed25519VerificationKey2020"
    assert vm.controller == ISSUER
    assert did.check_key_binding(vm, ISSUER, "assertionMethod") == "controller"


async def test_https_key_listed_only_for_authentication_is_not_bound_for_assertion(session: Session) -> None:
    vm = await did.resolve_verification_method(f"{ISSUER}#key-auth", session)
    assert did.check_key_binding(vm, ISSUER, "authentication") == "controller"
    with pytest.raises(KeyBindingError, match="not listed under assertionMethod"):
        did.check_key_binding(vm, ISSUER, "assertionMethod")


async def test_key_in_url_fragment_is_never_read_from_the_fragment(session: Session) -> None:
    fragment_key = KEYS["ed25519-b"]["publicKeyMultibase"]
    with pytest.raises(KeyBindingError, match="does not list the key"):
        await did.resolve_verification_method(f"{ISSUER}#{fragment_key}", session)


async def test_unreachable_controller_document_is_a_resolution_error(session: Session) -> None:
    with pytest.raises(KeyResolutionError, match="could not fetch"):
        await did.resolve_verification_method("https://gone.example/profile#key-1", session)


async def test_http_method_is_refused(session: Session) -> None:
    with pytest.raises(KeyResolutionError, match="https"):
        await did.resolve_verification_method("http://issuer.example/profile#key-1", session)


@pytest.mark.parametrize("vm_id", ["did:example:123#k", "xxx:abc", "z6MkNotAUrl", "", "  "])
async def test_unsupported_identifiers_are_resolution_errors(vm_id: str, session: Session) -> None:
    with pytest.raises(KeyResolutionError):
        await did.resolve_verification_method(vm_id, session)


async def test_document_whose_id_differs_from_its_url_is_refused() -> None:
    vm_id = "https://keys.example/doc#k"
    doc = {
        "id": "https://other.example/doc",
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": "https://other.example/doc", "publicKeyMultibase": "z"}
        ],
    }
    async with _session_serving({"https://keys.example/doc": doc}) as fetcher:
        with pytest.raises(KeyResolutionError, match="has id"):
            await did.resolve_verification_method(vm_id, Session(fetcher=fetcher))


async def test_method_without_controller_is_refused() -> None:
    vm_id = "https://keys.example/doc#k"
    mb = KEYS["ed25519-a"]["publicKeyMultibase"]
    doc = {
        "id": "https://keys.example/doc",
        "verificationMethod": [{"id": vm_id, "type": "Multikey", "publicKeyMultibase": mb}],
    }
    async with _session_serving({"https://keys.example/doc": doc}) as fetcher:
        with pytest.raises(KeyResolutionError, match="controller"):
            await did.resolve_verification_method(vm_id, Session(fetcher=fetcher))


async def test_controller_documents_are_cached_in_the_session(session: Session) -> None:
    await did.resolve_verification_method(f"{ISSUER}#key-1", session)
    await did.resolve_verification_method(f"{ISSUER}#key-2", session)
    assert ("controller-document", ISSUER) in session.cache
    assert session.fetcher.stats.requests == 1


# -- binding ------------------------------------------------------------------------------


async def test_someone_elses_did_key_is_not_the_issuers(session: Session) -> None:
    vm = await did.resolve_verification_method(KEYS["ed25519-b"]["didKey"], session)
    with pytest.raises(KeyBindingError, match=f"not controlled by the issuer {ISSUER}"):
        did.check_key_binding(vm, ISSUER, "assertionMethod")


async def test_urn_issuer_accepts_a_self_certifying_key_and_says_so(session: Session) -> None:
    vm = await did.resolve_verification_method(KEYS["ed25519-a"]["didKey"], session)
    assert did.check_key_binding(vm, "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164", "assertionMethod") == (
        "self-certifying"
    )


async def test_urn_issuer_does_not_accept_a_hosted_key(session: Session) -> None:
    vm = await did.resolve_verification_method(f"{ISSUER}#key-1", session)
    with pytest.raises(KeyBindingError):
        did.check_key_binding(vm, "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164", "assertionMethod")


async def test_no_issuer_means_binding_is_left_to_the_caller(session: Session) -> None:
    vm = await did.resolve_verification_method(KEYS["ed25519-a"]["didKey"], session)
    assert did.check_key_binding(vm, None, "assertionMethod") is None
