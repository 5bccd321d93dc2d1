"""The talent engine: verified skills, role requirements, coverage, ranking, shortlists, storage.

Pure Python + pandas (no streamlit). Data flows one way::

    ATS file ──► candidates.read_table / detect_mapping / preview_import / import_candidates
                   └─► Candidate(candidate_id, name, emails, ats_id, badges).badge_inputs() ──► verifier
    verifier results (candidate_id, VerificationResult)
       ──► coverage.evidence_frame(pairs, SkillMatcher(Catalogue.default()), trust=TrustList)   [cache this]
       ──► coverage.compute_coverage(evidence, roles, catalogue, now=..., policy=...)          [< 1 s / rerun]
              └─► CoverageReport: matrix, scores, pairs/detail, unverified_badges(), wide()
       ──► ranking.rank_candidates / pool_coverage / uncovered_requirements / compare_candidates
       ──► shortlist.Shortlist + export_shortlist(shortlist, report, "csv" | "xlsx" | "json")
    storage.Workspace: candidates, results (history), roles, shortlists, jobs, audit log

The names below are the public API; each module's docstring details its rules.
"""

from __future__ import annotations

from talent.candidates import (
    Candidate,
    ColumnMapping,
    ImportResult,
    detect_mapping,
    import_candidates,
    import_file,
    is_badge_url,
    preview_import,
    read_table,
)
from talent.catalogue import Catalogue, CatalogueSkill
from talent.coverage import CoveragePolicy, CoverageReport, compute_coverage, evidence_frame, pairs_from_results
from talent.errors import (
    CatalogueError,
    ExportError,
    ImportMappingError,
    JobError,
    RoleError,
    StorageError,
    TalentError,
)
from talent.extract import BadgeSkill, extract_skills
from talent.matching import MatchConfig, SkillMatch, SkillMatcher
from talent.ranking import (
    RANKING_RULE,
    Comparison,
    compare_candidates,
    explain_above,
    explain_score,
    pool_coverage,
    rank_candidates,
    requirement_evidence,
    uncovered_requirements,
)
from talent.roles import (
    Requirement,
    Role,
    check_role_skills,
    dump_role,
    dumps_role,
    load_role,
    load_roles_dir,
    loads_role,
)
from talent.shortlist import Shortlist, escape_cell, export_shortlist, safe_filename, shortlist_tables
from talent.storage import Workspace, database_url

__all__ = [
    "RANKING_RULE",
    "BadgeSkill",
    "Candidate",
    "Catalogue",
    "CatalogueError",
    "CatalogueSkill",
    "ColumnMapping",
    "Comparison",
    "CoveragePolicy",
    "CoverageReport",
    "ExportError",
    "ImportMappingError",
    "ImportResult",
    "JobError",
    "MatchConfig",
    "Requirement",
    "Role",
    "RoleError",
    "Shortlist",
    "SkillMatch",
    "SkillMatcher",
    "StorageError",
    "TalentError",
    "Workspace",
    "check_role_skills",
    "compare_candidates",
    "compute_coverage",
    "database_url",
    "detect_mapping",
    "dump_role",
    "dumps_role",
    "escape_cell",
    "evidence_frame",
    "explain_above",
    "explain_score",
    "export_shortlist",
    "extract_skills",
    "import_candidates",
    "import_file",
    "is_badge_url",
    "load_role",
    "load_roles_dir",
    "loads_role",
    "pairs_from_results",
    "pool_coverage",
    "preview_import",
    "rank_candidates",
    "read_table",
    "requirement_evidence",
    "safe_filename",
    "shortlist_tables",
    "uncovered_requirements",
]
