"""A badge's stored evidence holds every document it depended on, whatever else shared its batch.

Values memoised for a batch (a status list, a DID document, a domain's DID configuration) are
fetched for the first badge that needs them; the badges that reuse them must keep those documents
too, or a shortlist bundle of one candidate cannot be re-checked offline.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from talent.bundles import check_bundle, shortlist_bundle
from talent.shortlist import Shortlist
from talent.storage import Workspace
from ui.sample import load_sample
from ui.verification import SAMPLE_DIR, sample_hosts, verify_all
from verifier.pipeline import BadgeInput
from verifier.recording import RecordedDocument

FILES = sorted(p for p in (SAMPLE_DIR / "files").glob("*/*") if p.suffix in (".json", ".jws", ".jwt", ".png", ".svg"))


def _documents(items: list[BadgeInput]) -> dict[str, set[tuple[str, str, str]]]:
    kept: dict[int, list[RecordedDocument]] = {}

    def keep(i: int, documents: list[RecordedDocument]) -> None:
        kept[i] = documents

    verify_all(items, offline=True, on_documents=keep)
    return {items[i].source: {(d.url, d.accept, d.sha256) for d in docs} for i, docs in kept.items()}


def test_a_badge_keeps_the_documents_it_shares_with_others_in_its_batch() -> None:
    items = [BadgeInput(source=str(f), data=f.read_bytes(), filename=f.name) for f in FILES]
    together = _documents(items)
    alone: dict[str, set[tuple[str, str, str]]] = {}
    for item in items:
        alone.update(_documents([item]))
    assert together == alone
    # the sample's badges share status lists and DID documents: the comparison means something
    shared = [
        u for u, *_ in set().union(*together.values()) if sum(u in {d[0] for d in v} for v in together.values()) > 1
    ]
    assert any("status" in u for u in shared)
    assert any("did.json" in u for u in shared)


def test_every_one_candidate_bundle_of_the_sample_checks_again_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'skillproof.db'}"
    monkeypatch.setenv("SKILLPROOF_DATABASE_URL", url)  # the worker verifies with this workspace's terms
    ws = Workspace(url)
    load_sample(ws, verify=True)
    role = ws.roles()[0]
    changed = []
    for candidate in ws.candidates():
        shortlist = Shortlist("one", role.role_id, (candidate.candidate_id,))
        bundle = shortlist_bundle(ws, shortlist, role, verifies_tls=False, vouched_hosts=sample_hosts())
        check = check_bundle(bundle.content)
        assert not check.error
        assert not check.problems
        changed += [(candidate.candidate_id, row["badge"], row["changed"]) for row in check.rows if row["changed"]]
    ws.close()
    assert changed == []
