"""Badge details (verifier.details): criteria, evidence, results and alignments as the
badge states them, read from real credentials (the 1EdTech validator's complete OB 3.0
example) and an OB 2.0 assertion with an embedded BadgeClass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier.details import BadgeDetails, details_of, level_number

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
COMPLETE = VECTORS / "1edtech-validator" / "ob30" / "complete.json"


def test_complete_ob3_credential_gives_evidence_results_criteria_and_alignments() -> None:
    details = details_of(json.loads(COMPLETE.read_text("utf-8")))
    assert [e.name for e in details.evidence] == ["Final Project Report", "Final Project Code"]
    assert details.evidence[1].id == "https://github.com/somebody/project"
    assert details.narrative == "There is a final project report and source code evidence."
    texts = [r.text for r in details.results]
    assert "Final Project Grade: A (required C)" in texts
    rubric = next(r for r in details.results if r.achieved_level)
    assert rubric.achieved_level == "Mastery"
    assert rubric.level == 4
    assert details.level == 4
    assert any(r.status == "Completed" for r in details.results)
    assert details.criteria is not None
    assert details.criteria.narrative
    assert details.alignments
    json.dumps(details.to_dict())  # serialisable


def test_ob2_assertion_reads_the_embedded_badge_class() -> None:
    assertion = {
        "type": "Assertion",
        "evidence": [{"id": "https://example.org/portfolio", "narrative": "Built a *pipeline*"}, "https://e.org/x"],
        "narrative": "Presented to the panel",
        "badge": {
            "criteria": {"id": "https://example.org/criteria", "narrative": "Pass the exam"},
            "alignment": [{"targetName": "Data cleaning", "targetFramework": "ESCO", "targetUrl": "https://e.org/s"}],
        },
    }
    details = details_of(assertion)
    assert details.criteria is not None
    assert details.criteria.narrative == "Pass the exam"
    assert [e.id for e in details.evidence] == ["https://example.org/portfolio", "https://e.org/x"]
    assert details.alignments[0].framework == "ESCO"
    assert details.narrative == "Presented to the panel"


@pytest.mark.parametrize("document", [None, [], "text", {"credentialSubject": 5}, {"badge": "https://x"}, {}])
def test_anything_else_gives_empty_details(document: object) -> None:
    assert details_of(document) == BadgeDetails()


def test_wrongly_shaped_fields_are_left_out() -> None:
    doc = {
        "credentialSubject": {
            "achievement": {"criteria": 42, "alignment": ["x", {"targetName": ""}], "resultDescription": "nope"},
            "result": [{"value": {"weird": 1}}, 7],
        },
        "evidence": [None, {"type": "Evidence"}],
    }
    assert details_of(doc).is_empty


@pytest.mark.parametrize(
    ("words", "level"),
    [("Level 3", 3), ("Mastered", 4), ("Proficient", 3), ("Developing", 2), ("Basic", 1), ("Gold", None)],
)
def test_level_words_map_onto_the_one_to_five_scale(words: str, level: int | None) -> None:
    assert level_number(words) == level
