"""The Issuers page: every issuer with its identity level; allow / deny edit the workspace trust list
(stored, audit-logged) and the issuer's badges are checked again with it."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from talent.issuers import RegistrySettings, issuer_rows
from talent.storage import Workspace
from tests.app.conftest import DASHBOARD
from ui.verification import verify_all

PAGE = "pages/9_Issuers.py"


def _open(at: AppTest) -> AppTest:
    at.run()
    return at.switch_page(PAGE).run()


def _finish_pending(ws: Workspace) -> None:
    """Verify whatever the page queued, as the app's verification worker does (record_results skips
    items another runner stored first)."""
    for job in ws.jobs():
        items = ws.pending_items(job["job_id"])
        if items:
            results = verify_all([i.input for i in items], offline=True)
            ws.record_results(job["job_id"], [(i.index, r) for i, r in zip(items, results, strict=True)])


def _issuer(ws: Workspace, name: str) -> dict[str, object]:
    rows = issuer_rows((cid, d) for _r, cid, d in ws.latest_result_records())
    row = next(r for r in rows if r.claimed_name == name)
    return {"key": row.key, "level": row.level, "trust": row.trust, "verified": row.verified, "badges": row.badges}


def test_the_issuers_page_lists_every_level_of_the_sample(sample_workspace: Path) -> None:
    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == []
    table = at.dataframe[0].value
    identity = " ".join(table["Identity"])
    for word in ("◆ registry", "● domain", "■ platform", "○ self-asserted"):
        assert word in identity
    assert "SkillProof Sample Registry" in identity
    impostor = table[table["Impersonation"].str.contains("registered as")]
    assert len(impostor) == 1
    assert impostor["Impersonation"].iloc[0].startswith("✖")
    # the registries section says how old the bundled snapshot is
    assert any("days ago" in m.value for m in at.markdown)


def test_deny_then_allow_an_issuer_is_stored_logged_and_applied(sample_workspace: Path) -> None:
    from ui.workspace import workspace

    ws = workspace()
    before = _issuer(ws, "Tailspin Skills Guild")
    assert before["level"] == "self-asserted"
    assert before["verified"] > 0
    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    at.selectbox(key="iss_pick").set_value(before["key"]).run()
    assert any("Tailspin Skills Guild" in h.value for h in at.header)
    at.button(key="iss_deny").click().run()
    assert [e.value for e in at.exception] == []
    assert any("denied" in s.value for s in at.success)
    assert ws.trust_list().deny == (before["key"],)
    assert any(e.action == "trust list" and "denied" in e.detail for e in ws.audit_log())
    _finish_pending(ws)
    denied = _issuer(ws, "Tailspin Skills Guild")
    assert denied["trust"] == "deny"
    assert denied["verified"] == 0  # every badge it issued now fails the issuer check
    # allowing it makes the trust list a registry that lists it: the level rises to "registry"
    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    at.selectbox(key="iss_pick").set_value(before["key"]).run()
    at.button(key="iss_allow").click().run()
    _finish_pending(ws)
    assert ws.trust_list().allow == (before["key"],)
    assert ws.trust_list().deny == ()
    allowed = _issuer(ws, "Tailspin Skills Guild")
    assert allowed["trust"] == "allow"
    assert allowed["level"] == "registry"
    assert allowed["verified"] == before["verified"]
    # and off the list again: back to what the badges alone prove
    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    at.selectbox(key="iss_pick").set_value(before["key"]).run()
    at.button(key="iss_clear").click().run()
    _finish_pending(ws)
    assert ws.trust_list().allow == ()
    assert _issuer(ws, "Tailspin Skills Guild")["level"] == "self-asserted"


def test_registry_settings_are_validated_and_stored(empty_workspace: Path) -> None:
    from ui.workspace import workspace

    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    at.text_area(key="reg_text").set_value('[{"name": "No URL", "type": "dcc-legacy"}]').run()
    at.button(key="reg_save").click().run()
    assert any("Not saved" in e.value for e in at.error)
    assert workspace().registry_settings() == RegistrySettings()
    listed = '[{"name": "On-premise registry", "type": "dcc-legacy", "url": "https://registry.corp.example/r.json"}]'
    at.text_area(key="reg_text").set_value(listed).run()
    at.checkbox(key="reg_snap").uncheck().run()
    at.button(key="reg_save").click().run()
    saved = workspace().registry_settings()
    assert saved.snapshot is False
    assert [r["name"] for r in saved.listed] == ["On-premise registry"]
    assert [s.name for s in saved.registries().specs] == ["On-premise registry"]


def test_results_show_the_issuer_identity_and_filter_by_level(sample_workspace: Path) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()
    at.switch_page("pages/3_Results.py").run()
    table = at.dataframe[0].value
    cells = list(table["Issuer identity"])
    assert any(c.startswith("◆ SkillProof Sample Registry") and "claims: Trey Research Institute" in c for c in cells)
    assert any(c.startswith("● academy.woodgrove.example (sample files, no TLS)") for c in cells)
    assert any(c.startswith("■ credly.com") for c in cells)
    assert any(c.startswith("○ not proven · claims: Tailspin Skills Guild") for c in cells)
    assert any("⚠ resembles Trey Research Institute" in c for c in cells)
    at.multiselect(key="f_identity").set_value(["◆ registry"]).run()
    shown = at.dataframe[0].value
    assert len(shown) == 3
    assert set(shown["Issuer"]) == {"Trey Research Institute"}


def test_the_registries_can_be_checked_from_the_page(sample_workspace: Path) -> None:
    at = _open(AppTest.from_file(str(DASHBOARD), default_timeout=60))
    at.button(key="reg_check").click().run()
    assert [e.value for e in at.exception] == []
    checked = at.table[-1].value
    loaded = dict(zip(checked["Registry"], checked["Loaded"], strict=True))
    assert loaded["SkillProof Sample Registry"] == "✔ yes"
    assert all(v == "✔ yes" for v in loaded.values())  # the snapshots are read offline
