"""The sample workspace verifies offline, each badge with the outcome it was built to have."""

from __future__ import annotations

import csv
import json

from ui.verification import SAMPLE_DIR, make_transport, verify_all
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


def test_every_sample_badge_has_its_expected_outcome_offline() -> None:
    expected = {
        (e["candidate_id"], e["badge"]): e for e in json.loads((SAMPLE_DIR / "expected.json").read_text())["badges"]
    }
    items, rows = _inputs()
    results = verify_all(items, offline=True)
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
