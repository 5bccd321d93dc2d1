"""The sample workspace verifies offline, each badge with the outcome it was built to have."""

from __future__ import annotations

import csv
import json

from talent.issuers import RegistrySettings
from ui.verification import SAMPLE_DIR, Terms, make_transport, sample_registry_settings, verify_all
from verifier.pipeline import BadgeInput


def _inputs() -> tuple[list[BadgeInput], list[dict[str, str]]]:
    rows = list(csv.DictReader((SAMPLE_DIR / "badges.csv").open(encoding="utf-8")))
    items = [
        BadgeInput(
            r["badge"] if r["badge"].startswith("https://") else str(SAMPLE_DIR / r["badge"]),
            candidate=r["candidate_id"],
            emails=(r["email"],),
        )
        for r in rows
    ]
    return items, rows


def _sample_terms() -> Terms:
    """The terms loading the sample sets: the bundled DCC snapshot and the sample's own registry."""
    return Terms(sample_registry_settings().registries())


def test_every_sample_badge_has_its_expected_outcome_offline() -> None:
    expected = {
        (e["candidate_id"], e["badge"]): e for e in json.loads((SAMPLE_DIR / "expected.json").read_text())["badges"]
    }
    items, rows = _inputs()
    results = verify_all(items, offline=True, terms=_sample_terms())
    assert len(results) == len(rows) >= 100
    wrong = [
        (row["badge"], expected[(row["candidate_id"], row["badge"])]["case"], r.status.value, r.reason)
        for r, row in zip(results, rows, strict=True)
        if r.status.value != expected[(row["candidate_id"], row["badge"])]["status"]
    ]
    assert wrong == []


def test_sample_covers_every_kind_of_problem() -> None:
    badges = json.loads((SAMPLE_DIR / "expected.json").read_text())["badges"]
    cases = {b["case"] for b in badges}
    families = {b["family"] for b in badges}
    assert {"revoked", "expired", "tampered", "not-yet-valid", "wrong-recipient"} <= cases
    assert {"ob2-hosted", "ob2-signed", "ob3-di", "ob3-jwt", "baked-png", "baked-svg"} <= families
    assert any(f.startswith("platform-") for f in families)


def test_offline_mode_never_reaches_an_unknown_host() -> None:
    transport = make_transport(offline=True)
    results = verify_all([BadgeInput("https://issuer.not-in-the-sample.example/a/1")], offline=True)
    assert results[0].status.value == "error"
    assert transport.resolve("https://issuer.not-in-the-sample.example/a/1") is None


def test_sample_issuers_prove_every_identity_level_offline() -> None:
    expected = {
        (e["candidate_id"], e["badge"]): e for e in json.loads((SAMPLE_DIR / "expected.json").read_text())["badges"]
    }
    items, rows = _inputs()
    results = verify_all(items, offline=True, terms=_sample_terms())
    wrong = []
    for r, row in zip(results, rows, strict=True):
        want = expected[(row["candidate_id"], row["badge"])]
        got = r.issuer.identity.level.value if r.issuer.identity else None
        if "identity" in want and (got != want["identity"] or r.status.value != want["status"]):
            wrong.append((row["badge"], want["identity"], got, r.status.value))
    assert wrong == []
    levels = {e.get("identity") for e in expected.values()}
    assert {"registry", "domain", "platform", "self-asserted"} <= levels
    by_issuer = {(r.issuer.name, r.issuer.identity.level.value if r.issuer.identity else None) for r in results}
    # a did:web issuer, a did:key linked to its website, a registry-listed did:key, a lone did:key
    assert ("Woodgrove Academy", "domain") in by_issuer
    assert ("Fabrikam Institute of Technology", "domain") in by_issuer
    assert ("Trey Research Institute", "registry") in by_issuer
    assert ("Tailspin Skills Guild", "self-asserted") in by_issuer


def test_the_sample_impersonator_fails_on_its_claimed_name() -> None:
    fakes = [
        e for e in json.loads((SAMPLE_DIR / "expected.json").read_text())["badges"] if e["case"] == "impersonation"
    ]
    assert len(fakes) == 1
    item = BadgeInput(str(SAMPLE_DIR / fakes[0]["badge"]), emails=(fakes[0]["email"],))
    (result,) = verify_all([item], offline=True, terms=_sample_terms())
    assert result.status.value == "failed"
    identity = result.issuer.identity
    assert identity is not None
    assert identity.impersonation is not None
    assert identity.impersonation.severity == "fail"
    assert identity.impersonation.resembles == "Trey Research Institute"
    assert result.issuer.name != "Trey Research Institute"  # one Cyrillic letter: the same to the eye
    issuer_check = next(c for c in result.checks if c.id == "issuer")
    assert issuer_check.outcome.value == "fail"
    assert "registered as" in issuer_check.message
    # without the sample's registry nothing says who Trey Research is: the claim is merely self-asserted
    (plain,) = verify_all([item], offline=True, terms=Terms(RegistrySettings().registries()))
    assert plain.issuer.identity is not None
    assert plain.issuer.identity.impersonation is None


def test_a_registry_that_cannot_be_read_is_listed_as_unchecked_never_as_not_listed() -> None:
    from talent.issuers import RegistrySettings
    from ui.verification import registry_status

    gone = {"name": "Gone registry", "type": "dcc-legacy", "url": "https://registry.gone.example/registry.json"}
    terms = Terms(sample_registry_settings().with_list([gone], snapshot=True).registries())
    status = {r["name"]: r for r in registry_status(terms, offline=True)}
    assert status["Gone registry"]["loaded"] is False
    assert status["SkillProof Sample Registry"]["loaded"] is True
    items, _rows = _inputs()
    (result,) = verify_all(items[:1], offline=True, terms=terms)
    assert result.issuer.identity is not None
    assert [u.name for u in result.issuer.identity.unchecked_registries] == ["Gone registry"]
    assert RegistrySettings.from_value(RegistrySettings(listed=(gone,)).to_value()).listed == (gone,)
