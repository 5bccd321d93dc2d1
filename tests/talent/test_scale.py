"""Scale: the dashboard's rerun (coverage + ranking of 10,000 candidates x 5 badges
against 5 roles) stays under a second; storing 50,000 results is one bulk write."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from talent.catalogue import Catalogue
from talent.coverage import compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.ranking import pool_coverage, rank_candidates
from talent.roles import Role
from talent.storage import Workspace
from tests.talent.conftest import NOW
from verifier.models import AchievementInfo, IssuerInfo, Skill, VerificationResult, failed, make_result, passed

CANDIDATES = 10_000
BADGES_EACH = 5


def _pool(catalogue: Catalogue, roles: list[Role]) -> list[tuple[str, VerificationResult]]:
    rng = random.Random(7)
    role_skills = [r.skill for role in roles for r in role.requirements]
    other = [s.label for s in catalogue][:150]
    ok = (passed("signature"), passed("revocation"))
    revoked = (passed("signature"), failed("revocation", "revoked"))
    pairs = []
    for c in range(CANDIDATES):
        for b in range(BADGES_EACH):
            skills = tuple(Skill(s) for s in rng.sample(role_skills, 2) + rng.sample(other, 1))
            pairs.append(
                (
                    f"c{c}",
                    make_result(
                        f"https://issuer{b}.example/assertions/{c}-{b}",
                        revoked if rng.random() < 0.1 else ok,
                        issuer=IssuerInfo(id=f"https://issuer{b}.example", name=f"Issuer {b}"),
                        achievement=AchievementInfo(name=f"Badge {b}"),
                        skills=skills,
                        issued_on=f"20{rng.randint(18, 26)}-01-15T00:00:00Z",
                        checked_at="2026-11-20T10:00:00Z",
                    ),
                )
            )
    return pairs


@pytest.fixture(scope="module")
def pool(catalogue: Catalogue, roles: list[Role]) -> list[tuple[str, VerificationResult]]:
    return _pool(catalogue, roles)


@pytest.mark.slow
def test_coverage_and_ranking_of_50000_badges_and_5_roles_are_complete(
    pool: list[tuple[str, VerificationResult]], catalogue: Catalogue, roles: list[Role]
) -> None:
    evidence = evidence_frame(pool, SkillMatcher(catalogue))
    assert evidence["candidate_id"].nunique() == CANDIDATES
    # How fast this is, is measured in bench/dashboard_scale.py, not asserted here.
    report = compute_coverage(evidence, roles, catalogue, now=NOW)
    for role in roles:
        assert len(rank_candidates(report, role.role_id, limit=50)) == 50
        pool_coverage(report, role.role_id)
    assert len(report.matrix) == CANDIDATES * sum(len(r.requirements) for r in roles)
    assert report.scores["score"].between(0, 100).all()


@pytest.mark.slow
def test_50000_results_are_stored_and_read_back(pool: list[tuple[str, VerificationResult]], tmp_path: Path) -> None:
    with Workspace(f"sqlite:///{tmp_path / 'big.db'}") as ws:
        started = time.perf_counter()
        assert ws.save_results(pool) == len(pool)
        elapsed = time.perf_counter() - started
        assert len(ws.latest_results()) == len(pool)
    assert elapsed < 60, elapsed  # about 4 s on an idle 2-core machine
