"""Shared fixtures of the talent engine tests: verification results, roles,
catalogue and a coverage report judged at a fixed instant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from talent.catalogue import Catalogue
from talent.coverage import CoverageReport, compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.roles import Role, load_roles_dir
from verifier.models import VerificationResult, result_from_dict
from verifier.trust import TrustList

FIXTURES = Path(__file__).parent / "fixtures"
ROLES_DIR = Path(__file__).parents[2] / "sample_data" / "roles"
NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.default()


@pytest.fixture(scope="session")
def matcher(catalogue: Catalogue) -> SkillMatcher:
    return SkillMatcher(catalogue)


@pytest.fixture(scope="session")
def roles() -> list[Role]:
    return load_roles_dir(ROLES_DIR)


@pytest.fixture(scope="session")
def trust() -> TrustList:
    return TrustList.load(FIXTURES / "trust.yaml")


@pytest.fixture(scope="session")
def result_pairs() -> list[tuple[str, VerificationResult]]:
    data = json.loads((FIXTURES / "results.json").read_text("utf-8"))
    return [(item["candidate_id"], result_from_dict(item["result"])) for item in data]


@pytest.fixture(scope="session")
def report(
    result_pairs: list[tuple[str, VerificationResult]],
    matcher: SkillMatcher,
    roles: list[Role],
    catalogue: Catalogue,
    trust: TrustList,
) -> CoverageReport:
    evidence = evidence_frame(result_pairs, matcher, trust=trust)
    return compute_coverage(evidence, roles, catalogue, now=NOW)


def met(report: CoverageReport, candidate_id: str, role_id: str, requirement: str) -> bool:
    """Whether one cell of the coverage matrix is met."""
    m = report.matrix
    cell = m[(m["candidate_id"] == candidate_id) & (m["role_id"] == role_id) & (m["requirement"] == requirement)]
    assert len(cell) == 1, (candidate_id, role_id, requirement)
    return bool(cell["met"].iat[0])


def why_not(report: CoverageReport, candidate_id: str, role_id: str, requirement: str) -> list[str]:
    """The reasons the evidence for one requirement did not count."""
    d = report.detail
    rows = d[(d["candidate_id"] == candidate_id) & (d["role_id"] == role_id) & (d["requirement"] == requirement)]
    return [w for w in rows["why_not"] if w]
