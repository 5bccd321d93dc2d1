"""The sample workspace's résumés (sample_data/resumes/): read, expanded through the offline
transport, matched to the ATS candidates by email, and every badge they link verifies."""

from __future__ import annotations

from pathlib import Path

from talent.candidates import import_file
from talent.intake import expand_sync, extract_files, group_candidates
from ui.verification import SAMPLE_DIR, make_transport, verify_all
from verifier.pipeline import BadgeInput

RESUMES = SAMPLE_DIR / "resumes"


def test_sample_resumes_expand_match_and_verify_offline() -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(RESUMES.iterdir()) if p.suffix in (".pdf", ".docx", ".zip")]
    assert {Path(n).suffix for n, _ in files} == {".pdf", ".docx", ".zip"}
    found = expand_sync(extract_files(files), transport=make_transport(offline=True))
    assert all(e.readable and not e.problems for e in found), [e.problems for e in found]
    assert sum(1 for e in found for link in e.links if link.from_profile) == 5  # two Credly profiles listed offline
    assert all(e.claims for e in found)  # each has a certification without a link: shown, never queued
    ats = import_file(SAMPLE_DIR / "candidates.csv").candidates
    people = group_candidates(found, ats)
    assert sum(p.existing for p in people) == 1  # the résumé of an ATS candidate, matched by email
    inputs = [
        BadgeInput(source=link.url, candidate=p.candidate_id, emails=(p.email,))
        for p in people
        for link in p.badge_links()
    ]
    assert len(inputs) == 10
    results = verify_all(inputs, offline=True)
    assert [r.status for r in results] == ["verified"] * len(inputs), [(r.input, r.status) for r in results]
