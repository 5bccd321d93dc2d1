"""The words and tables that stand beside every chart."""

from __future__ import annotations

import pandas as pd

from ui.accessible import gaps_summary, heatmap_summary, profile_summary, status_summary, status_table, table_frame


def test_status_summary_and_table() -> None:
    counts = {"verified": 105, "failed": 18, "error": 2}
    assert status_summary(counts) == "125 badges: 105 verified (84%), 18 failed (14%), 2 couldn't verify (2%)."
    assert status_table(counts).to_dict("records")[2] == {"Status": "Couldn't verify", "Badges": 2}
    assert status_summary({}) == "0 badges: 0 verified (0%), 0 failed (0%), 0 couldn't verify (0%)."


def test_heatmap_profile_and_gaps_summaries() -> None:
    heat = pd.DataFrame({"SQL": [1.0, 0.0], "Python": [1.0, 1.0]}, index=["Ada", "Bo"])
    text = heatmap_summary(heat, "Data Analyst")
    assert "Most requirements covered: Ada (2 of 2)" in text
    assert "Most covered requirement: Python (2 of 2 candidates); least covered: SQL (1)" in text
    profile = pd.DataFrame({"requirement": ["SQL", "Python"], "coverage": [0.0, 1.0], "must_have": [True, False]})
    assert profile_summary("Bo", profile) == (
        "Bo has verified evidence for 1 of 2 requirements, 0 of 1 must-haves; missing: SQL."
    )
    gaps = pd.DataFrame({"requirement": ["SQL", "R"], "covered": [3, 0], "total": [5, 5], "must_have": [True, False]})
    assert gaps_summary(gaps) == (
        "Of 5 candidates, the fewest have verified evidence for R (0), the most for SQL (3). Nobody covers R."
    )


def test_a_table_never_has_an_empty_header() -> None:
    frame = table_frame(pd.DataFrame({"Ada": ["✔"]}, index=["SQL"]), "Requirement")
    assert list(frame.columns) == ["Requirement", "Ada"]
    assert frame.iat[0, 0] == "SQL"
