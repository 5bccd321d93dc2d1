"""Context revisions: every published revision of a changed context is bundled,
pinned and tried in a documented order; the one a proof verified under is named;
forgeries still fail; the search is bounded."""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.conftest import ROOT
from verifier import contexts, jsonld, keys, proofset
from verifier.fetch import Fetcher
from verifier.models import Outcome
from verifier.proofs import Problem, sign, verify_proofs
from verifier.proofs import data_integrity as di
from verifier.session import Session

OB = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ALIAS = "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"
MANIFEST = json.loads((ROOT / "verifier" / "contexts" / "manifest.json").read_text("utf-8"))
NOW = datetime(2025, 6, 1, tzinfo=UTC)
KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DID = keys.did_key_from_public_key(KEY.public_key())
VM = f"{DID}#{DID.removeprefix('did:key:')}"


@pytest.fixture
async def session() -> AsyncIterator[Session]:
    async with Fetcher(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as fetcher:
        yield Session(fetcher=fetcher, now=NOW)


def revision(url: str, label: str) -> contexts.Revision:
    [found] = [r for r in contexts.revisions(url) if r.label == label]
    return found


def credential(ob_context: str = OB, **achievement: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", ob_context],
        "id": "urn:uuid:5b1b1ca5-4c2a-4e0b-9a0e-7f0c2d7f6d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": "Profile", "name": "Example University"},
        "issuanceDate": "2022-06-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:learner",
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:1c6b33b6-8f0f-4a8c-b1b7-1f54b1f0bb11",
                "type": "Achievement",
                "name": "Welding I",
                "description": "Safe MIG welding.",
                "criteria": {"narrative": "Passed the practical exam."},
                **achievement,
            },
        },
    }


SUITE_CONTEXT = {
    "Ed25519Signature2020": "https://w3id.org/security/suites/ed25519-2020/v1",
    "eddsa-rdfc-2022": "https://w3id.org/security/data-integrity/v1",
}


def signed(doc: dict[str, Any], variant: str, suite: str = "Ed25519Signature2020") -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    if suite in SUITE_CONTEXT:
        doc["@context"].append(SUITE_CONTEXT[suite])
    return sign(
        doc, private_key=KEY, verification_method=VM, cryptosuite=suite, created="2022-06-01T00:00:00Z", ob303=variant
    )


# -- the bundle -------------------------------------------------------------------


def test_every_revision_is_pinned_and_has_provenance() -> None:
    root = ROOT / "verifier" / "contexts"
    for entry in MANIFEST:
        data = (root / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert "npm_package" in entry or "pypi_package" in entry or ("@" in entry["repository"] and entry["path"]), (
            entry
        )
    for url in contexts.revised_urls():
        revs = contexts.revisions(url)
        assert revs[0].default
        assert not any(r.default for r in revs[1:])
        assert len({r.label for r in revs}) == len(revs), url
        assert len({r.sha256 for r in revs}) == len(revs), url


def test_the_ob_30_context_carries_every_published_revision_newest_first() -> None:
    labels = [r.label for r in contexts.revisions(OB)]
    assert labels[0] == "2022-11-04"  # published with OB 3.0, served by 1EdTech's validator
    assert len(labels) == 21
    dates = [label[:10] for label in labels]
    assert dates == sorted(dates, reverse=True)
    assert [r.label for r in contexts.revisions(ALIAS)] == labels
    assert contexts.get_context(ALIAS) == contexts.get_context(OB)


def test_revisions_are_distinct_documents() -> None:
    docs = [json.dumps(contexts.get_context(OB, ob303=r.key), sort_keys=True) for r in contexts.revisions(OB)]
    assert len(set(docs)) == len(docs)


def test_the_303_revisions_keep_the_two_known_ones() -> None:
    revs = contexts.revisions(OB303)
    assert revs[0].label == "1edtech-validator"
    assert contexts.revision("original") == revision(OB303, "2024-03-04")


@pytest.mark.parametrize(
    "url",
    [
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "https://w3id.org/openbadges/extensions/recipientProfile/context.json",
        "https://openbadgespec.org/extensions/recipientProfile/context.json",
        "https://w3id.org/openbadges/extensions/applyLinkExtension/context.json",
        "https://openbadgespec.org/v2/context.json",
        "https://w3id.org/security/suites/ed25519-2018/v1",
        "https://w3id.org/vc-revocation-list-2020/v1",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/dcc/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://www.w3.org/2018/credentials/examples/v1",
        "https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json",
        ALIAS,
    ],
)
def test_contexts_real_credentials_load_are_bundled(url: str) -> None:
    assert url in contexts.known_urls()
    doc = contexts.document_loader()(url, None)
    assert isinstance(doc["document"], dict)


def test_a_badgr_recipient_profile_extension_expands() -> None:
    # Badgr adds this whenever it knows the recipient's name (OB 2.0 extension)
    doc = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://api.badgr.io/public/assertions/abc",
        "extensions:recipientProfile": {
            "@context": "https://openbadgespec.org/extensions/recipientProfile/context.json",
            "type": ["Extension", "extensions:RecipientProfile"],
            "name": "Ada Lovelace",
        },
    }
    expanded = json.dumps(jsonld.expand(doc))
    assert "https://w3id.org/openbadges/extensions#RecipientProfile" in expanded
    assert "Ada Lovelace" in expanded


# -- verification ---------------------------------------------------------------


@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "eddsa-rdfc-2022", "Ed25519Signature2018"])
async def test_a_proof_made_under_the_default_revision_needs_no_other(
    suite: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = signed(credential(), contexts.LATEST, suite)
    calls: list[str] = []
    real = jsonld.canonize
    monkeypatch.setattr(jsonld, "canonize", lambda *a, **k: calls.append(k.get("ob303", "?")) or real(*a, **k))
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert report.valid is True, report.message
    assert report.context_revision is None
    assert set(calls) == {contexts.LATEST}
    assert len(calls) == 2  # the document and the proof configuration, once each


@pytest.mark.parametrize("label", ["2022-11-03", "2022-05-26b", "2022-05-19", "2022-04-28", "2022-03-24"])
@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "eddsa-rdfc-2022"])
async def test_a_proof_made_under_an_earlier_revision_verifies_and_names_it(
    label: str, suite: str, session: Session
) -> None:
    rev = revision(OB, label)
    doc = credential()
    if label < "2022-05":
        # the drafts before May 2022 had no AchievementSubject (nor, before April, OpenBadgeCredential)
        doc["credentialSubject"].pop("type")
        doc["type"] = ["VerifiableCredential", "OpenBadgeCredential" if label >= "2022-04" else "AchievementCredential"]
    doc = signed(doc, rev.key, suite)
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert report.valid is True, report.message
    # the first revision (in the documented order) under which the proof verifies is named: the one
    # it was made under, or an earlier-tried one that reads this document exactly alike
    [named] = [r for r in contexts.revisions(OB) if r.describe() == report.context_revision]
    body = {k: v for k, v in doc.items() if k != "proof"}
    assert jsonld.canonize(body, algorithm="URDNA2015", ob303=named.key) == jsonld.canonize(
        body, algorithm="URDNA2015", ob303=rev.key
    )
    assert named.label >= rev.label
    assert named.label in report.message
    assert "earlier revision" in report.message
    check = proofset.judge([report])
    assert check.outcome == Outcome.PASS
    assert named.label in check.message


async def test_a_term_only_an_earlier_revision_defines_is_read_under_it(session: Session) -> None:
    rev = revision(OB, "2022-05-26b")  # Achievement "tags", dropped later
    doc = signed(credential(tags=["welding", "safety"]), rev.key)
    with pytest.raises(Exception, match="tags"):
        jsonld.expand({k: v for k, v in doc.items() if k != "proof"})
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert report.valid is True, report.message
    assert report.context_revision == rev.describe()


async def test_a_term_no_revision_defines_is_named_as_not_secured(session: Session) -> None:
    # Added after signing: no revision defines it, the proof holds over the document
    # read without it, and the report says the proof does not secure it (Data
    # Integrity 1.0 §2.4.3); the signature check is then a warning, never a pass.
    doc = signed(credential(), contexts.LATEST)
    doc["credentialSubject"]["achievement"]["flavour"] = "vanilla"
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert report.valid is True, report.message
    assert report.unsigned_terms == ("flavour",)
    assert "flavour, which it does not secure" in report.message
    assert proofset.judge([report]).outcome == Outcome.WARN


@pytest.mark.parametrize("label", [None, "2022-05-26b"])
async def test_tampered_credentials_fail_under_every_revision(label: str | None, session: Session) -> None:
    variant = revision(OB, label).key if label else contexts.LATEST
    doc = signed(credential(), variant)
    doc["credentialSubject"]["achievement"]["name"] = "Nuclear Engineering"
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE), report.message
    assert "also tried 8 earlier revisions" in report.message  # the drafts before 2022-05-19 cannot read it
    assert report.context_revision is None


async def test_a_foreign_signature_fails_under_every_revision(session: Session) -> None:
    doc = credential()
    doc["@context"].append(SUITE_CONTEXT["Ed25519Signature2020"])
    forged = sign(
        doc,
        private_key=ed25519.Ed25519PrivateKey.generate(),
        verification_method=VM,  # claims the issuer's key
        cryptosuite="Ed25519Signature2020",
        created="2022-06-01T00:00:00Z",
        ob303=revision(OB, "2022-06-07").key,
    )
    [report] = await verify_proofs(forged, session, issuer_id=DID)
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE), report.message


async def test_a_revision_cannot_be_moved_to_another_url(session: Session) -> None:
    # signed under an early revision of context.json, but the document names 3.0.3:
    # 3.0.3's own revisions are tried, never context.json's
    doc = credential()
    signed_doc = signed(doc, revision(OB, "2022-05-26b").key)
    moved = copy.deepcopy(signed_doc)
    moved["@context"][1] = OB303
    [report] = await verify_proofs(moved, session, issuer_id=DID)
    assert report.valid is False, report.message


async def test_the_search_is_bounded_by_count(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = signed(credential(), revision(OB, "2022-05-19").key)  # the ninth revision tried
    calls: list[str] = []
    real = jsonld.canonize
    monkeypatch.setattr(jsonld, "canonize", lambda *a, **k: calls.append(k.get("ob303", "?")) or real(*a, **k))
    monkeypatch.setattr(di, "MAX_REVISIONS", 3)
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE)
    assert "also tried 3 earlier revisions" in report.message
    assert len(set(calls)) == 4  # the default and three others
    assert len(calls) == 8  # each: one canonicalization of the document and one of the proof configuration


async def test_the_search_is_bounded_by_time(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = signed(credential(), revision(OB, "2022-09-13").key)
    monkeypatch.setattr(di, "REVISION_BUDGET", -1.0)
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE)
    assert "also tried" not in report.message


async def test_every_candidate_is_canonicalized_at_most_once(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = signed(credential(), contexts.LATEST)
    doc["name"] = "tampered"
    calls: list[str] = []
    real = jsonld.canonize
    monkeypatch.setattr(jsonld, "canonize", lambda *a, **k: calls.append(k.get("ob303", "?")) or real(*a, **k))
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert report.valid is False
    assert set(calls) == {contexts.LATEST} | {r.key for r in contexts.alternatives([OB])}
    assert max(Counter(calls).values()) <= 2  # the document, and the proof configuration if the document could be read


async def test_a_crafted_graph_is_not_retried_under_other_revisions(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = signed(credential(), contexts.LATEST)
    calls: list[str] = []

    def refuse(*a: Any, **k: Any) -> str:
        calls.append(k.get("ob303", "?"))
        raise jsonld.CanonicalizationLimit("too much work")

    monkeypatch.setattr(jsonld, "canonize", refuse)
    [report] = await verify_proofs(doc, session, issuer_id=DID)
    assert (report.valid, report.problem) == (None, Problem.STRUCTURE)  # cannot be checked: not evidence
    assert calls == [contexts.LATEST]


async def test_the_whole_pipeline_reads_a_term_only_an_earlier_revision_defines(session: Session) -> None:
    from verifier import pipeline

    rev = revision(OB, "2022-05-26b")
    doc = signed(credential(tags=["welding"]), rev.key)
    expanded = jsonld.expansion({k: v for k, v in doc.items() if k != "proof"})
    assert expanded.ob303 == rev.key
    result = await pipeline.route_json(doc, session, input="test")
    signature = next(c for c in result.checks if c.id == "signature")
    assert signature.outcome == Outcome.PASS, [(c.id, c.outcome, c.message) for c in result.checks]
    assert "2022-05-26b" in signature.message
    # the same document with a term no revision defines is still refused
    doc["credentialSubject"]["achievement"]["flavour"] = "vanilla"
    result = await pipeline.route_json(doc, session, input="test")
    assert result.status.value != "verified"


def test_an_ob2_badgr_assertion_with_a_recipient_profile_compacts() -> None:
    from verifier import ob2

    doc = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://api.badgr.io/public/assertions/abc",
        "extensions:recipientProfile": {
            "@context": "https://openbadgespec.org/extensions/recipientProfile/context.json",
            "type": ["Extension", "extensions:RecipientProfile"],
            "name": "Ada Lovelace",
        },
    }
    out = ob2.compact(doc)
    assert out["extensions:recipientProfile"]["name"] == "Ada Lovelace"


async def test_a_clr_credential_signed_under_the_2022_clr_context_verifies_and_names_it(session: Session) -> None:
    clr = "https://purl.imsglobal.org/spec/clr/v2p0/context.json"
    rev = revision(clr, "2022-09-09")
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1", OB, clr],
        "id": "urn:uuid:0c6a8d4e-6d0b-4a4e-9b6c-3b5c2a1f9e01",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": DID, "type": "Profile", "name": "Example University"},
        "issuanceDate": "2022-10-01T00:00:00Z",
        "name": "Transcript",
        "credentialSubject": {"id": "did:example:learner", "type": "ClrSubject", "verifiableCredential": []},
    }
    body = copy.deepcopy(doc)
    assert jsonld.canonize(body, algorithm="URDNA2015") != jsonld.canonize(body, algorithm="URDNA2015", ob303=rev.key)
    signed_doc = signed(doc, rev.key)
    [report] = await verify_proofs(signed_doc, session, issuer_id=DID)
    assert report.valid is True, report.message
    assert report.context_revision == rev.describe()
    signed_doc["name"] = "Forged transcript"
    [report] = await verify_proofs(signed_doc, session, issuer_id=DID)
    assert (report.valid, report.problem) == (False, Problem.SIGNATURE)
