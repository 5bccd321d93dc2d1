"""Packaging: every third-party module the code imports is a declared dependency of pyproject.toml
(the verifier's in the base install, the dashboard's in the ``dashboard`` extra, Dask in ``scale``),
and every declared dependency is pinned in requirements.txt."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
FIRST_PARTY = {"verifier", "talent", "ui", "server", "tests"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imports(folder: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in FIRST_PARTY}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    where = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in where.get(m, [])} for m in modules}


def _undeclared(folder: str, declared: set[str]) -> dict[str, set[str]]:
    return {m: dists for m, dists in _distributions(_imports(folder)).items() if not dists & declared}


def test_the_verifier_needs_only_the_base_install_and_the_scale_extra() -> None:
    base = {_name(r) for r in PROJECT["dependencies"]}
    scale = {_name(r) for r in PROJECT["optional-dependencies"]["scale"]}
    assert _undeclared("verifier", base | scale) == {}
    # Dask only where a batch is spread out, imported when asked for
    assert not _undeclared("verifier", base).keys() - {"distributed", "dask"}


def test_the_dashboard_needs_only_what_the_dashboard_extra_adds() -> None:
    extras = PROJECT["optional-dependencies"]
    declared = {_name(r) for r in [*PROJECT["dependencies"], *extras["dashboard"], *extras["scale"]]}
    for folder in ("talent", "ui", "server", "pages"):
        assert _undeclared(folder, declared) == {}, folder


def test_every_declared_dependency_is_pinned_in_the_lock() -> None:
    pinned = {
        _name(line)
        for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    extras = PROJECT["optional-dependencies"]
    declared = {_name(r) for r in [*PROJECT["dependencies"], *extras["dashboard"], *extras["scale"]]}
    assert declared - pinned == set()
