"""Role profiles: the sample roles, round trips and clear validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from talent.catalogue import Catalogue
from talent.errors import RoleError
from talent.roles import Role, check_role_skills, dump_role, dumps_role, load_role, loads_role
from tests.talent.conftest import FIXTURES

SAMPLE_IDS = {"data-analyst", "cloud-engineer", "registered-nurse", "project-manager", "cybersecurity-analyst"}


def test_sample_roles_load_and_every_skill_is_in_the_catalogue(roles: list[Role], catalogue: Catalogue) -> None:
    assert {r.role_id for r in roles} == SAMPLE_IDS
    for role in roles:
        assert check_role_skills(role, catalogue) == []
        assert role.must_haves
        resolved = [catalogue.resolve(r.skill).skill_id for r in role.requirements]  # type: ignore[union-attr]
        assert len(set(resolved)) == len(resolved), role.role_id


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_role_round_trips_through_its_file(roles: list[Role], tmp_path: Path, suffix: str) -> None:
    for role in roles:
        path = dump_role(role, tmp_path / f"{role.role_id}{suffix}")
        assert load_role(path) == role


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("negative-weight.yaml", "negative-weight.yaml: requirements[0].weight: must be a positive number"),
        ("unknown-field.yaml", "requirements[0].must_have: must be true or false"),
        ("no-requirements.json", "requirements: must be a non-empty list"),
        ("not-yaml.yaml", "not valid YAML"),
    ],
)
def test_invalid_role_files_give_clear_errors(name: str, message: str) -> None:
    with pytest.raises(RoleError) as err:
        load_role(FIXTURES / "bad_roles" / name)
    assert message in str(err.value)


def test_age_in_years_is_stored_in_days() -> None:
    role = loads_role("name: R\nrequirements:\n  - skill: SQL\n    max_age_years: 2\n")
    assert role.requirements[0].max_age_days == 730
    assert loads_role(dumps_role(role)) == role


def test_unknown_skills_are_reported(catalogue: Catalogue) -> None:
    role = loads_role("name: R\nrequirements: [SQL, Quantum basket weaving]\n")
    assert check_role_skills(role, catalogue) == ["Quantum basket weaving"]


def test_duplicate_requirement_is_refused() -> None:
    with pytest.raises(RoleError, match=r"requirements\[1\].skill"):
        loads_role("name: R\nrequirements: [SQL, sql]\n")
