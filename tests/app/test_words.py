"""What people read: human column labels with help, blanks rather than ``None``, formats and
checks in words, and the ranking rule and its explanations (AppTest, on the sample workspace)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from talent.ranking import RANKING_RULE
from tests.app.conftest import DASHBOARD
from ui.render import counted
from verifier.labels import FORMAT_LABELS

pytestmark = pytest.mark.slow


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    at = at.switch_page(f"pages/{name}").run()
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == []
    return at


def _columns(at: AppTest, index: int = 0) -> dict[str, dict[str, object]]:
    config: dict[str, dict[str, object]] = json.loads(at.dataframe[index].proto.columns)
    return {c: v for c, v in config.items() if c != "_index"}  # the hidden index


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "")


def test_the_roles_editor_speaks_words_and_shows_blanks(sample_workspace: Path) -> None:
    at = _page("4_Roles.py")
    config = _columns(at)
    labels = {c: str(v["label"]) for c, v in config.items()}
    assert labels == {
        "skill": "Skill",
        "weight": "Weight",
        "must_have": "Must-have",
        "min_level": "Minimum level",
        "max_age_years": "Evidence no older than (years)",
        "accepted_issuers": "Accepted issuers",
        "identity_levels": "Issuer identity",
    }
    assert all(v.get("help") for v in config.values()), "every column explains itself"
    frame = at.dataframe[0].value
    assert frame.notna().all().all(), "no None or NaN in the editor: empty cells are blanks"
    assert "" in set(frame["min_level"]), "a requirement without a minimum level shows a blank"
    assert f"**How candidates are ranked.** {RANKING_RULE}" in _markdown(at)


def test_the_ranking_states_its_rule_and_why_each_candidate_sits_above_the_next(sample_workspace: Path) -> None:
    at = _page("5_Coverage.py")
    text = _markdown(at)
    assert RANKING_RULE in text
    config = _columns(at)
    assert [config[c]["label"] for c in ("rank", "name", "must_haves", "score", "met", "explanation")] == [
        "Rank",
        "Candidate",
        "Must-haves met",
        "Score",
        "Requirements met",
        "Why this place",
    ]
    assert all(v.get("help") for v in config.values())
    ranked = at.dataframe[0].value
    first, second = ranked["name"].iat[0], ranked["name"].iat[1]
    assert ranked["explanation"].iat[0].startswith(f"Ranks above {second} (#2): ")
    assert f"1. **{first}**: Ranks above {second} (#2): " in text  # the full text, readable in the expander
    # every chart has a text summary and its data as a table
    assert len([e for e in at.expander if e.label.endswith("the data as a table")]) == 3
    assert "Of 30 candidates, the fewest have verified evidence for" in text


def test_results_show_formats_and_checks_in_words(sample_workspace: Path) -> None:
    at = _page("3_Results.py")
    table = at.dataframe[0].value
    formats = set(table["Format"])
    assert formats <= set(FORMAT_LABELS.values())
    assert "Open Badges 2.0 (hosted)" in formats
    assert not formats & set(FORMAT_LABELS), "no machine code where a person reads"
    assert all(v.get("help") for v in _columns(at).values())


def test_compare_shows_every_reason_in_full_with_the_evidence_one_click_away(sample_workspace: Path) -> None:
    at = _page("6_Compare.py")
    side = at.table[0].value
    assert list(side.columns[:3]) == ["Requirement", "Must-have", "Weight"]
    reasons = [str(v) for col in side.columns[3:] for v in side[col] if str(v).startswith("✘")]
    assert reasons
    assert not any(r.endswith("…") for r in reasons), "reasons are never cut"
    requirements = [str(r) for r in side["Requirement"][1:]]  # the first row is the score
    evidence = [
        e
        for e in at.expander
        if any(e.label.startswith(f"{r} — ") or e.label.startswith(f"{r} (must-have) — ") for r in requirements)
    ]
    assert len(evidence) == len(requirements)  # one expander per requirement


def test_the_html_report_gives_each_chart_a_summary_and_a_table(sample_workspace: Path) -> None:
    from ui.coverage import coverage_view
    from ui.report import html_report

    view = coverage_view("cloud-engineer")
    picked = tuple(view.ranked["candidate_id"].head(2))
    html = html_report("Round 1", "cloud-engineer", picked).content.decode("utf-8")
    assert html.count("<details><summary>The data as a table</summary>") == 2 + len(picked)  # heatmap, gaps, profiles
    assert "Of 30 candidates, the fewest have verified evidence for" in html
    assert "<th>Why this place</th>" in html
    assert "Ranks above" in html
    assert "Candidates are ranked first by the must-haves they meet" in html
    assert "must_haves" not in html.split("<h2>Verified coverage</h2>")[0]  # no column codes where people read


def test_counts_are_written_in_the_right_number() -> None:
    assert counted(1, "badge") == "1 badge"
    assert counted(0, "candidate") == "0 candidates"
    assert counted(2, "badge link") == "2 badge links"
    assert counted(1234, "badge") == "1,234 badges"
    assert counted(3, "person", "people") == "3 people"
