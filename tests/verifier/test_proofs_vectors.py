"""The public vectors, step by step: W3C Data Integrity EdDSA / ECDSA
(tests/fixtures/vectors/w3c-vc-di-*) and 1EdTech's OB 3.0 validator fixtures.

The W3C vectors are signed with did:key keys that their issuer
(https://vc.example/issuers/5678) does not control: every intermediate must
match, the signature must verify with the raw key, and the full verification
must still fail on key binding (manifest: failed / signature).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import VECTORS
from verifier import keys
from verifier.fetch import Fetcher
from verifier.proofs import Problem, suites, verify_proofs
from verifier.session import Session

EDDSA = VECTORS / "w3c-vc-di-eddsa"
ECDSA = VECTORS / "w3c-vc-di-ecdsa"
OB30 = VECTORS / "1edtech-validator" / "ob30"

# (folder, file suffix, key pair file)
W3C = [
    (EDDSA / "eddsa-rdfc-2022", "DataInt", EDDSA / "keyPair.json"),
    (EDDSA / "eddsa-jcs-2022", "JCS", EDDSA / "keyPair.json"),
    (EDDSA / "Ed25519Signature2020", "EdSig", EDDSA / "keyPair.json"),
    (ECDSA / "ecdsa-rdfc-2019-p256", "ECDSAP256", ECDSA / "p256KeyPair.json"),
    (ECDSA / "ecdsa-rdfc-2019-p384", "ECDSAP384", ECDSA / "p384KeyPair.json"),
    (ECDSA / "ecdsa-jcs-2019-p256", "JCSECDSAP256", ECDSA / "p256KeyPair.json"),
    (ECDSA / "ecdsa-jcs-2019-p384", "JCSECDSAP384", ECDSA / "p384KeyPair.json"),
]
W3C_IDS = [folder.name for folder, _, _ in W3C]


def _json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _signed(folder: Path) -> dict[str, Any]:
    [path] = list(folder.glob("signed*.json"))
    data: dict[str, Any] = _json(path)
    return data


def _steps(folder: Path, key_file: Path) -> tuple[suites.Suite, dict[str, Any], bytes, bytes, bytes, bytes, Any]:
    signed = _signed(folder)
    proof = signed.pop("proof")
    suite = suites.select_suite(proof)
    config = suites.proof_configuration(suite, proof, signed)
    canon_config, canon_doc = suites.canonical_forms(suite, config, signed)
    public = keys.public_key_from_multikey(_json(key_file)["publicKeyMultibase"])
    data = suites.hash_data(canon_config, canon_doc, suites.hash_for_key(suite, public))
    return suite, proof, canon_config, canon_doc, data, keys.multibase_decode(proof["proofValue"]), public


@pytest.mark.parametrize(("folder", "suffix", "key_file"), W3C, ids=W3C_IDS)
def test_canonical_document_matches_vector(folder: Path, suffix: str, key_file: Path) -> None:
    _, _, _, canon_doc, _, _, _ = _steps(folder, key_file)
    assert canon_doc == (folder / f"canonDoc{suffix}.txt").read_bytes()


@pytest.mark.parametrize(("folder", "suffix", "key_file"), W3C, ids=W3C_IDS)
def test_canonical_proof_configuration_matches_vector(folder: Path, suffix: str, key_file: Path) -> None:
    _, _, canon_config, _, _, _, _ = _steps(folder, key_file)
    assert canon_config == (folder / f"proofCanon{suffix}.txt").read_bytes()


@pytest.mark.parametrize(("folder", "suffix", "key_file"), W3C, ids=W3C_IDS)
def test_hashes_match_vector(folder: Path, suffix: str, key_file: Path) -> None:
    _, _, _, _, data, _, _ = _steps(folder, key_file)
    half = len(data) // 2
    assert data[half:].hex() == (folder / f"docHash{suffix}.txt").read_text().strip()
    assert data[:half].hex() == (folder / f"proofHash{suffix}.txt").read_text().strip()
    assert data.hex() == (folder / f"combinedHash{suffix}.txt").read_text().strip()


@pytest.mark.parametrize(("folder", "suffix", "key_file"), W3C, ids=W3C_IDS)
def test_signature_matches_vector_and_verifies_with_raw_key(folder: Path, suffix: str, key_file: Path) -> None:
    suite, _, _, _, data, signature, public = _steps(folder, key_file)
    assert signature.hex() == (folder / f"sigHex{suffix}.txt").read_text().strip()
    assert suites.verify_signature(suite, public, data, signature)
    assert not suites.verify_signature(suite, public, data[:-1] + bytes([data[-1] ^ 1]), signature)


def test_eddsa_signature_is_reproduced_from_the_published_secret_key() -> None:
    suite, _, _, _, data, signature, _ = _steps(EDDSA / "eddsa-rdfc-2022", EDDSA / "keyPair.json")
    secret = keys.private_key_from_multikey(_json(EDDSA / "keyPair.json")["privateKeyMultibase"])
    assert suites.create_signature(suite, secret, data) == signature


@pytest.mark.parametrize("key_file", [EDDSA / "keyPair.json", ECDSA / "p256KeyPair.json", ECDSA / "p384KeyPair.json"])
def test_published_secret_key_matches_its_public_key(key_file: Path) -> None:
    pair = _json(key_file)
    secret = keys.private_key_from_multikey(pair.get("privateKeyMultibase") or pair["secretKeyMultibase"])
    assert keys.multikey_from_public_key(secret.public_key()) == pair["publicKeyMultibase"]


@pytest.fixture
async def offline() -> AsyncIterator[Session]:
    async with Fetcher(transport=httpx.MockTransport(lambda request: httpx.Response(404))) as fetcher:
        yield Session(fetcher=fetcher)


@pytest.mark.parametrize(("folder", "suffix", "key_file"), W3C, ids=W3C_IDS)
async def test_w3c_vector_fails_because_key_is_not_the_issuers(
    folder: Path, suffix: str, key_file: Path, offline: Session
) -> None:
    doc = _signed(folder)
    [report] = await verify_proofs(doc, offline, issuer_id=doc["issuer"])
    assert report.signature_valid is True
    assert report.valid is False
    assert report.problem == Problem.BINDING
    assert "not controlled by the issuer https://vc.example/issuers/5678" in report.message


@pytest.mark.parametrize("name", ["signedProofSet2.json", "signedProofChain2.json"])
async def test_w3c_proof_sets_and_chains_verify_cryptographically(name: str, offline: Session) -> None:
    doc = _json(EDDSA / "proof-set-chain" / name)
    reports = await verify_proofs(doc, offline, issuer_id=doc["issuer"])
    assert len(reports) >= 2
    assert all(r.signature_valid is True for r in reports)
    assert all(r.problem == Problem.BINDING for r in reports)


# -- 1EdTech OB 3.0 validator fixtures ------------------------------------------------


def _issuer(doc: dict[str, Any]) -> str:
    issuer = doc["issuer"]
    return issuer if isinstance(issuer, str) else issuer["id"]


def profile_transport(doc: dict[str, Any], *, listed: bool = True) -> httpx.MockTransport:
    """Serve the issuer profile at the issuer's URL, publishing the key named in the proof's fragment."""
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    vm = next(p["verificationMethod"] for p in proofs if "verificationMethod" in p)
    issuer, _, fragment = vm.partition("#")
    profile = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": issuer,
        "type": "Profile",
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": issuer, "publicKeyMultibase": fragment}],
        "assertionMethod": [vm] if listed else [],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=profile) if str(request.url) == issuer else httpx.Response(404)

    return httpx.MockTransport(handler)


async def test_1edtech_did_key_method_verifies(offline: Session) -> None:
    doc = _json(OB30 / "simple-did-key-method.json")
    [report] = await verify_proofs(doc, offline, issuer_id=_issuer(doc))
    assert report.valid is True
    # the issuer is a urn:uuid: no document can bind a key to it; the did:key signs for itself
    assert report.key_binding == "self-certifying"


@pytest.mark.parametrize(
    "name", ["simple.json", "simple_v1.json", "simple-eddsa-2022.json", "simple-did-web-method.json"]
)
async def test_1edtech_fragment_key_verifies_once_the_profile_lists_it(name: str) -> None:
    doc = _json(OB30 / name)
    async with Fetcher(transport=profile_transport(doc)) as fetcher:
        [report] = await verify_proofs(doc, Session(fetcher=fetcher), issuer_id=_issuer(doc))
    assert report.valid is True, report.message


async def test_1edtech_fragment_key_is_not_trusted_when_the_profile_does_not_list_it() -> None:
    doc = _json(OB30 / "simple.json")
    async with Fetcher(transport=profile_transport(doc, listed=False)) as fetcher:
        [report] = await verify_proofs(doc, Session(fetcher=fetcher), issuer_id=_issuer(doc))
    assert report.valid is False
    assert report.problem == Problem.BINDING


async def test_1edtech_fragment_key_is_indeterminate_offline(offline: Session) -> None:
    doc = _json(OB30 / "simple.json")
    [report] = await verify_proofs(doc, offline, issuer_id=_issuer(doc))
    assert report.valid is None
    assert report.signature_valid is None


async def test_1edtech_multiple_proofs_reports_each_and_one_verifies() -> None:
    doc = _json(OB30 / "simple-multiple-proofs.json")
    async with Fetcher(transport=profile_transport(doc)) as fetcher:
        reports = await verify_proofs(doc, Session(fetcher=fetcher), issuer_id=_issuer(doc))
    assert [r.type for r in reports] == ["SomeProofType", "DataIntegrityProof"]
    assert reports[0].valid is None
    assert reports[0].problem == Problem.UNSUPPORTED
    assert reports[1].valid is True


async def test_1edtech_bad_proof_value_fails_on_signature() -> None:
    doc = _json(OB30 / "simple-err-proof-value.json")
    async with Fetcher(transport=profile_transport(doc)) as fetcher:
        [report] = await verify_proofs(doc, Session(fetcher=fetcher), issuer_id=_issuer(doc))
    assert report.valid is False
    assert report.problem == Problem.SIGNATURE


@pytest.mark.parametrize(
    "name",
    [
        "simple-err-proof-method.json",
        "simple-err-proof-method-no-scheme.json",
        "simple-err-proof-method-unknown-scheme.json",
        "simple-err-proof-method-unknown-did-method.json",
    ],
)
async def test_1edtech_bad_verification_methods_never_verify(name: str, offline: Session) -> None:
    doc = _json(OB30 / name)
    reports = await verify_proofs(doc, offline, issuer_id=_issuer(doc))
    assert reports
    assert all(r.valid is not True for r in reports)
    assert all(r.message for r in reports)


async def test_ob3_spec_signed_example_verifies_once_its_issuer_profile_lists_the_key(offline: Session) -> None:
    doc = _json(VECTORS / "ob3-spec-test-vectors" / "signed-credential-from-spec.json")
    [unreachable] = await verify_proofs(doc, offline, issuer_id=_issuer(doc))
    assert unreachable.valid is None
    async with Fetcher(transport=profile_transport(doc)) as fetcher:
        [report] = await verify_proofs(doc, Session(fetcher=fetcher), issuer_id=_issuer(doc))
    assert report.valid is True, report.message
