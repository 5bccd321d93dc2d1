"""Skill extraction: every field a badge states its skills in, and the fallbacks."""

from __future__ import annotations

from talent.catalogue import Catalogue
from talent.extract import extract_skills, level_of
from verifier.models import AchievementInfo, Skill, VerificationResult, make_result, passed


def _by_source(pairs: list[tuple[str, VerificationResult]], input_url: str) -> VerificationResult:
    return next(r for _, r in pairs if r.input == input_url)


def test_ob2_alignments_keep_framework_code_and_url(result_pairs: list) -> None:
    bls = _by_source(result_pairs, "https://education.hospital.example/assertions/bls")
    skills = extract_skills(bls)
    align = next(s for s in skills if s.field == "alignment")
    assert (align.name, align.framework, align.code, align.url) == (
        "Resuscitation",
        "Hospital Competencies",
        "RES-1",
        "https://education.hospital.example/competencies/res-1",
    )
    assert {s.name for s in skills if s.field == "tag"} == {"CPR", "first aid"}


def test_ob3_achievement_alignment_and_tags(result_pairs: list) -> None:
    cred = _by_source(result_pairs, "urn:uuid:ob3-nursing")
    skills = extract_skills(cred)
    assert ("Nursing practice", "alignment") in {(s.name, s.field) for s in skills}
    assert {"medication administration", "patient assessment"} <= {s.name for s in skills if s.field == "tag"}
    assert all(s.level == 3 for s in skills)  # "Level 3" in the achievement name


def test_platform_skills_field_is_read() -> None:
    doc = {"badge_template": {"name": "Data Viz", "skills": ["Tableau", {"name": "Dashboards"}]}}
    r = make_result("https://www.credly.com/badges/x", [passed("signature")], document=doc)
    assert {(s.name, s.field) for s in extract_skills(r)} == {("Tableau", "skills"), ("Dashboards", "skills")}


def test_verifier_skills_keep_their_source() -> None:
    r = make_result(
        "x", [passed("signature")], skills=(Skill("Go", source="tag"), Skill("Rust", "F", "R1", "https://f/r1"))
    )
    got = {(s.name, s.field, s.code) for s in extract_skills(r)}
    assert got == {("Go", "tag", None), ("Rust", "alignment", "R1")}


def test_achievement_name_and_description_are_the_last_resort(catalogue: Catalogue) -> None:
    r = make_result(
        "x",
        [passed("signature")],
        achievement=AchievementInfo(
            name="Analyst Bootcamp", description="Covers SQL, Power BI and data visualisation."
        ),
    )
    skills = extract_skills(r, catalogue=catalogue)
    assert skills[0].name == "Analyst Bootcamp"
    assert skills[0].field == "achievement.name"
    assert {s.name for s in skills if s.field == "achievement.description"} == {"SQL", "Power BI", "Data visualisation"}


def test_stated_skills_suppress_the_fallback(catalogue: Catalogue) -> None:
    r = make_result(
        "x", [passed("signature")], achievement=AchievementInfo(name="SQL Basics"), skills=(Skill("PostgreSQL"),)
    )
    assert [s.field for s in extract_skills(r, catalogue=catalogue)] == ["alignment"]


def test_same_skill_twice_in_a_badge_is_merged() -> None:
    r = make_result("x", [passed("signature")], skills=(Skill("Docker"), Skill("docker", source="tag")))
    assert len(extract_skills(r)) == 1


def test_levels_from_wording() -> None:
    assert level_of("AWS Solutions Architect – Associate") == 2
    assert level_of("Azure Fundamentals") == 1
    assert level_of("Level 4 Diploma") == 4
    assert level_of("Kubernetes") is None
