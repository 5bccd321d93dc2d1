"""The dashboard's layers: pages -> ui -> talent -> verifier, one page registry, no SQL above talent."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT
from ui.navigation import PAGES


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _ui_graph() -> dict[str, set[str]]:
    modules = {f"ui.{p.stem}": p for p in (ROOT / "ui").glob("*.py") if p.stem != "__init__"}
    return {name: {m for m in _imports(path) if m in modules} for name, path in modules.items()}


def test_ui_modules_import_each_other_without_a_cycle() -> None:
    graph = _ui_graph()
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, f"import cycle: {' -> '.join((*stack, name))}"
        if name in done:
            return
        for dep in graph[name]:
            visit(dep, (*stack, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_pages_and_ui_never_run_sql() -> None:
    files = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    offenders = [f.name for f in files if any(m.split(".")[0] == "sqlalchemy" for m in _imports(f))]
    assert offenders == []


def test_every_page_file_is_in_the_registry_once() -> None:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
    assert sorted(p.path for p in PAGES) == files


def test_every_link_between_pages_names_a_registered_page() -> None:
    registered = {p.path for p in PAGES}
    sources = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    targets = {t for f in sources for t in re.findall(r"\"(pages/[^\"]+\.py)\"", f.read_text("utf-8"))}
    assert targets, "the pages link to each other"
    assert targets <= registered, targets - registered


def test_no_streamlit_internals_are_patched() -> None:
    sources = [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    for f in sources:
        assert not any(m.startswith("streamlit.runtime") for m in _imports(f)), f.name
