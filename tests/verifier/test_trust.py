"""Issuer trust lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.trust import TrustList, issuer_domain


def test_deny_wins_and_domains_cover_subdomains() -> None:
    t = TrustList(allow=("example.org", "did:web:good.example"), deny=("bad.example.org",))
    assert t.verdict("https://badges.example.org/issuer") == "allow"
    assert t.verdict("https://bad.example.org/issuer") == "deny"
    assert t.verdict("did:web:good.example") == "allow"
    assert t.verdict("did:web:good.example#key-1") == "allow"
    assert t.verdict("https://other.example/") == "unknown"
    assert t.verdict(None) == "unknown"


def test_a_domain_entry_does_not_match_a_lookalike() -> None:
    t = TrustList(allow=("example.org",))
    assert t.verdict("https://evilexample.org/i") == "unknown"


def test_did_web_domain_is_read() -> None:
    assert issuer_domain("did:web:issuer.example.com:users:alice") == "issuer.example.com"
    assert issuer_domain("did:web:localhost%3A8443") == "localhost"


def test_files_in_every_form_load(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("allow: [a.example]\ndeny: [b.example]\n")
    (tmp_path / "t.json").write_text('{"allow": ["a.example"], "deny": ["b.example"]}')
    (tmp_path / "t.csv").write_text("Issuer,Verdict\na.example,allow\nb.example,deny\n")
    for name in ("t.yaml", "t.json", "t.csv"):
        t = TrustList.load(tmp_path / name)
        assert t.allow == ("a.example",)
        assert t.deny == ("b.example",)


def test_a_bad_trust_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("issuer,verdict\na.example,maybe\n")
    with pytest.raises(ValueError, match="unknown verdict"):
        TrustList.load(tmp_path / "t.csv")
    (tmp_path / "t.yaml").write_text("- just a list\n")
    with pytest.raises(ValueError, match="mapping"):
        TrustList.load(tmp_path / "t.yaml")
