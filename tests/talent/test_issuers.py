"""talent.issuers: the workspace's registry settings, trust-list edits and issuers grouped from results."""

from __future__ import annotations

import json

import pytest

from talent.issuers import RegistrySettings, inputs_for_issuer, issuer_rows, with_verdict
from talent.storage import Workspace
from verifier.registries import RegistryConfigError, registries_from_json, snapshot_registries
from verifier.trust import TrustList

LISTED = {"name": "On-premise", "type": "dcc-legacy", "url": "https://registry.corp.example/registry.json"}
OWN = {
    "retrieved": "2025-06-01",
    "registries": [
        {
            "name": "Own snapshot",
            "type": "dcc-legacy",
            "url": "https://own.example/registry.json",
            "data": {"meta": {}, "registry": {"did:key:z6Mkexample": {"name": "Example Issuer"}}},
        }
    ],
}


def test_the_default_is_the_bundled_snapshot_alone() -> None:
    specs = RegistrySettings().registries().specs
    assert [s.name for s in specs] == [s.name for s in snapshot_registries().specs]
    assert all(s.bundled is not None for s in specs)


def test_snapshots_and_listed_registries_make_one_document_that_reads_back_the_same() -> None:
    settings = RegistrySettings(snapshot=False, listed=(LISTED,), snapshots=(OWN,))
    doc = settings.policy_document()
    assert doc["retrieved"] == "2025-06-01"
    again = registries_from_json(json.loads(json.dumps(doc)))
    assert [(s.name, s.bundled is not None) for s in again.specs] == [("Own snapshot", True), ("On-premise", False)]
    assert RegistrySettings.from_value(settings.to_value()) == settings


def test_a_registry_list_is_validated_before_it_is_stored() -> None:
    with pytest.raises(RegistryConfigError):
        RegistrySettings().with_list([{"name": "no url", "type": "dcc-legacy"}], snapshot=True)
    with pytest.raises(RegistryConfigError):
        RegistrySettings().with_list({"not": "a list"}, snapshot=True)
    kept = RegistrySettings(snapshots=(OWN,)).with_list([LISTED], snapshot=False)
    assert kept.snapshots == (OWN,)
    assert kept.listed == (LISTED,)


def test_verdicts_replace_each_other() -> None:
    trust = with_verdict(TrustList(), "did:web:a.example", "deny")
    trust = with_verdict(trust, "did:web:a.example", "allow")
    assert trust == TrustList(allow=("did:web:a.example",))
    assert with_verdict(trust, "did:web:a.example", "clear") == TrustList()
    with pytest.raises(ValueError, match="needed"):
        with_verdict(trust, "  ", "allow")


def _result(issuer_id: str | None, name: str, level: str | None, status: str = "verified") -> dict[str, object]:
    issuer: dict[str, object] = {"id": issuer_id, "name": name}
    if level is not None:
        issuer["identity"] = {"level": level, "proven": issuer_id, "how": f"{level} proof", "claims": {"name": name}}
    return {"input": f"badge-{name}-{level}-{status}", "status": status, "issuer": issuer,
            "achievement": {"name": f"{name} badge"}}  # fmt: skip


def test_issuers_are_grouped_by_id_strongest_level_first() -> None:
    records = [
        ("c1", _result("did:key:z6Mkfake#key", "Lone Key", "self-asserted")),
        ("c1", _result("https://a.example/issuer", "A", "domain")),
        ("c2", _result("https://a.example/issuer", "A", "self-asserted", "failed")),
        ("c2", _result(None, "Nameless", None)),
    ]
    rows = issuer_rows(records)
    assert [(r.key, r.level) for r in rows] == [
        ("https://a.example/issuer", "domain"),
        ("did:key:z6Mkfake", "self-asserted"),
        ("name:Nameless", "not assessed"),
    ]
    a = rows[0]
    assert (a.badges, a.verified, a.candidates, a.levels_seen) == (2, 1, ["c1", "c2"], ["domain", "self-asserted"])
    assert rows[2].issuer_id == ""  # no id: cannot be put on the trust list
    assert inputs_for_issuer(records, "did:key:z6Mkfake") == [("c1", "badge-Lone Key-self-asserted-verified")]


def test_a_weaker_issuer_bearing_a_better_proven_issuers_name_is_flagged() -> None:
    credly = "https://www.credly.com/api/v1/obi/v2/issuers/aws"
    records = [
        ("c1", _result(credly, "Amazon Web Services", "platform")),
        # a fresh did:key, the same name with a Cyrillic "а" (folded as a look-alike)
        ("c2", _result("did:key:z6MkImpostor#k", "Amаzon Web Services", "self-asserted")),
        ("c3", _result(None, "AMAZON WEB SERVICES", None)),  # names no id at all
        ("c4", _result("did:key:z6MkOther#k", "Some Bootcamp", "self-asserted")),
        ("c5", _result("did:web:bootcamp.example", "Some Bootcamp", "domain")),
        ("c6", _result("did:key:z6MkOther2#k", "Some Bootcamp", "self-asserted")),
        # the same organisation proven on its own domain and on a platform: nothing to flag
        ("c7", _result("https://www.credly.com/api/v1/obi/v2/issuers/bc", "Some Bootcamp", "platform")),
    ]
    registered = _result("did:key:z6MkFaker#k", "Amazon Web Services", "self-asserted")
    registered["issuer"]["identity"]["impersonation"] = {"severity": "fail", "why": "claims to be a registered issuer"}  # type: ignore[index]
    records.append(("c8", registered))
    rows = {r.key: r for r in issuer_rows(records)}
    # what the verifier found already says it: no second finding
    assert rows["did:key:z6MkFaker"].impersonation == ["claims to be a registered issuer"]
    impostor = rows["did:key:z6MkImpostor"]
    assert impostor.impersonation_severity == "warn"
    assert impostor.impersonation == [
        f"bears the name 'Amazon Web Services' of another issuer in this workspace, {credly} "
        f"(platform: {credly}), while its own identity is self-asserted"
    ]
    assert rows["name:AMAZON WEB SERVICES"].impersonation_severity == "warn"
    # the better-proven issuer is not flagged, and self-asserted issuers protect no name
    assert rows[credly].impersonation == []
    assert rows["did:web:bootcamp.example"].impersonation == []
    assert rows["https://www.credly.com/api/v1/obi/v2/issuers/bc"].impersonation == []
    assert [len(rows[k].impersonation) for k in ("did:key:z6MkOther", "did:key:z6MkOther2")] == [1, 1]
    assert "did:web:bootcamp.example (domain" in rows["did:key:z6MkOther"].impersonation[0]


def test_issuers_with_different_names_are_not_flagged() -> None:
    rows = issuer_rows(
        [
            ("c1", _result("https://www.credly.com/api/v1/obi/v2/issuers/aws", "Amazon Web Services", "platform")),
            ("c2", _result("did:key:z6MkA#k", "Amazon Web Services Training Partner Network", "self-asserted")),
            ("c3", _result("did:key:z6MkB#k", "AWS", "self-asserted")),  # too short to compare
        ]
    )
    assert [r.impersonation for r in rows] == [[], [], []]


def test_trust_edits_are_stored_and_audit_logged(tmp_path: object) -> None:
    ws = Workspace(f"sqlite:///{tmp_path}/w.db")
    try:
        ws.set_issuer_trust("did:web:a.example", "deny", label="A")
        ws.set_issuer_trust("did:web:b.example", "allow")
        assert ws.trust_list() == TrustList(allow=("did:web:b.example",), deny=("did:web:a.example",))
        lines = [(e.action, e.detail) for e in ws.audit_log()]
        assert ("trust list", "denied: did:web:a.example (A)") in lines
        assert ("trust list", "allowed: did:web:b.example") in lines
        ws.save_registry_settings(RegistrySettings(snapshot=False, listed=(LISTED,)))
        assert ws.registry_settings().listed == (LISTED,)
    finally:
        ws.close()
