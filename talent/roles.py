"""Role requirement profiles, stored as YAML or JSON.

File shape (YAML shown; JSON is the same structure)::

    id: data-analyst            # optional; derived from name when absent
    name: Data Analyst
    description: ...
    requirements:
      - skill: SQL              # a catalogue id, label, synonym or identifier
        weight: 3               # > 0; default 1
        must_have: true         # default false
        min_level: 2            # 1..5; only badges that state a level are held to it
        max_age_years: 3        # or max_age_days; evidence issued earlier does not count
        accepted_issuers:       # optional; issuer ids, DIDs or domains (TrustList matching)
          - example.org
        identity_levels:        # optional; issuer identity levels whose evidence counts here
          - registry            # (default: the workspace's coverage policy; see talent.coverage)
          - domain

Loading validates every field and raises :class:`~talent.errors.RoleError`
naming the file and the field (``requirements[1].weight: must be a positive
number``). :func:`check_role_skills` reports requirement skills the
catalogue does not know.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from talent.catalogue import Catalogue
from talent.errors import RoleError

_ROLE_KEYS = {"id", "name", "description", "requirements"}
_DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)
_REQ_KEYS = {
    "skill", "weight", "must_have", "min_level", "max_age_days", "max_age_years", "accepted_issuers",
    "identity_levels", "note",
}  # fmt: skip
IDENTITY_LEVELS = ("registry", "domain", "platform", "self-asserted")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One required skill of a role and the rules its evidence must meet."""

    skill: str
    weight: float = 1.0
    must_have: bool = False
    min_level: int | None = None
    max_age_days: int | None = None
    accepted_issuers: tuple[str, ...] = ()
    note: str = ""
    identity_levels: tuple[str, ...] = ()  # empty: the workspace's coverage policy decides

    def to_dict(self) -> dict[str, Any]:
        """The requirement as written to a role file (defaults left out)."""
        out: dict[str, Any] = {"skill": self.skill, "weight": self.weight, "must_have": self.must_have}
        if self.min_level is not None:
            out["min_level"] = self.min_level
        if self.max_age_days is not None:
            out["max_age_days"] = self.max_age_days
        if self.accepted_issuers:
            out["accepted_issuers"] = list(self.accepted_issuers)
        if self.note:
            out["note"] = self.note
        if self.identity_levels:
            out["identity_levels"] = list(self.identity_levels)
        return out


@dataclass(frozen=True, slots=True)
class Role:
    """A role's requirement profile; ``role_id`` is unique in a workspace."""

    role_id: str
    name: str
    requirements: tuple[Requirement, ...] = ()
    description: str = ""

    @property
    def must_haves(self) -> tuple[Requirement, ...]:
        """The must-have requirements."""
        return tuple(r for r in self.requirements if r.must_have)

    def to_dict(self) -> dict[str, Any]:
        """The role as a plain mapping (the file form)."""
        return {
            "id": self.role_id,
            "name": self.name,
            "description": self.description,
            "requirements": [r.to_dict() for r in self.requirements],
        }


def role_from_dict(data: Any, *, source: str = "") -> Role:
    """A validated role from its mapping form; :class:`RoleError` on any bad field."""
    if not isinstance(data, Mapping):
        raise RoleError("a role must be a mapping with name and requirements", source=source)
    unknown = set(map(str, data)) - _ROLE_KEYS
    if unknown:
        raise RoleError(f"unknown field(s) {', '.join(sorted(unknown))}", source=source)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RoleError("must be a non-empty text", path="name", source=source)
    role_id = data.get("id") or slug(name)
    if not isinstance(role_id, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", role_id):
        raise RoleError("must be letters, digits, '.', '_' or '-' (at most 100)", path="id", source=source)
    if role_id.split(".")[0].upper() in _DEVICE_NAMES:  # the id names the role's file and its download
        if data.get("id"):
            raise RoleError(f"{role_id!r} is a reserved file name on Windows", path="id", source=source)
        role_id += "-role"
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise RoleError("must be text", path="description", source=source)
    reqs_raw = data.get("requirements")
    if not isinstance(reqs_raw, list) or not reqs_raw:
        raise RoleError("must be a non-empty list", path="requirements", source=source)
    reqs = tuple(_requirement(r, path=f"requirements[{i}]", source=source) for i, r in enumerate(reqs_raw))
    seen: set[str] = set()
    for i, r in enumerate(reqs):
        key = r.skill.casefold()
        if key in seen:
            raise RoleError(f"skill {r.skill!r} is listed twice", path=f"requirements[{i}].skill", source=source)
        seen.add(key)
    return Role(role_id, name.strip(), reqs, description.strip())


def _requirement(raw: Any, *, path: str, source: str) -> Requirement:
    if isinstance(raw, str):
        raw = {"skill": raw}
    if not isinstance(raw, Mapping):
        raise RoleError("must be a mapping with at least 'skill'", path=path, source=source)
    unknown = set(map(str, raw)) - _REQ_KEYS
    if unknown:
        raise RoleError(f"unknown field(s) {', '.join(sorted(unknown))}", path=path, source=source)
    skill = raw.get("skill")
    if not isinstance(skill, str) or not skill.strip():
        raise RoleError("must be a non-empty text", path=f"{path}.skill", source=source)
    weight = raw.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 1000:
        raise RoleError("must be a positive number (at most 1000)", path=f"{path}.weight", source=source)
    must = raw.get("must_have", False)
    if not isinstance(must, bool):
        raise RoleError("must be true or false", path=f"{path}.must_have", source=source)
    level = raw.get("min_level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5):
        raise RoleError("must be a whole number from 1 to 5", path=f"{path}.min_level", source=source)
    if raw.get("max_age_days") is not None and raw.get("max_age_years") is not None:
        raise RoleError("give max_age_days or max_age_years, not both", path=path, source=source)
    age_days: int | None = None
    for key, factor in (("max_age_days", 1), ("max_age_years", 365)):
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100 * 365:
            raise RoleError("must be a positive number", path=f"{path}.{key}", source=source)
        age_days = round(value * factor)
    issuers = raw.get("accepted_issuers") or []
    if not isinstance(issuers, list) or not all(isinstance(i, str) and i.strip() for i in issuers):
        raise RoleError("must be a list of issuer ids or domains", path=f"{path}.accepted_issuers", source=source)
    note = raw.get("note") or ""
    if not isinstance(note, str):
        raise RoleError("must be text", path=f"{path}.note", source=source)
    levels = raw.get("identity_levels") or []
    if not isinstance(levels, list) or not all(isinstance(v, str) and v.strip() in IDENTITY_LEVELS for v in levels):
        raise RoleError(
            f"must be a list of identity levels ({', '.join(IDENTITY_LEVELS)})",
            path=f"{path}.identity_levels",
            source=source,
        )
    return Requirement(
        skill.strip(),
        float(weight),
        must,
        level,
        age_days,
        tuple(i.strip() for i in issuers),
        note.strip(),
        tuple(dict.fromkeys(v.strip() for v in levels)),
    )


def loads_role(text: str, *, source: str = "", fmt: str | None = None) -> Role:
    """A role from YAML or JSON text (JSON is YAML too, so YAML is the default)."""
    try:
        data = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
        raise RoleError(f"not valid {fmt or 'YAML'}: {exc}", source=source) from exc
    return role_from_dict(data, source=source)


def load_role(path: str | Path) -> Role:
    """A role from a ``.yaml`` / ``.yml`` / ``.json`` file."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise RoleError("a role file must be .yaml, .yml or .json", source=p.name)
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoleError(f"cannot read: {exc}", source=p.name) from exc
    return loads_role(text, source=p.name, fmt="json" if p.suffix.lower() == ".json" else None)


def load_roles_dir(folder: str | Path) -> list[Role]:
    """Every role file in ``folder``, sorted by file name; ids must be unique."""
    roles: list[Role] = []
    for p in sorted(Path(folder).iterdir()):
        if p.suffix.lower() in (".yaml", ".yml", ".json"):
            roles.append(load_role(p))
    ids = [r.role_id for r in roles]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RoleError(f"role id(s) used twice: {', '.join(sorted(dupes))}", source=str(folder))
    return roles


def dumps_role(role: Role, *, fmt: str = "yaml") -> str:
    """The role as YAML (default) or JSON text that :func:`loads_role` reads back."""
    if fmt == "json":
        return json.dumps(role.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(role.to_dict(), sort_keys=False, allow_unicode=True)
    raise RoleError(f"unknown role format {fmt!r} (use yaml or json)")


def dump_role(role: Role, path: str | Path) -> Path:
    """Write the role to ``path`` (format from the suffix) and return the path."""
    p = Path(path)
    fmt = "json" if p.suffix.lower() == ".json" else "yaml"
    p.write_text(dumps_role(role, fmt=fmt), "utf-8")
    return p


def check_role_skills(role: Role, catalogue: Catalogue) -> list[str]:
    """Requirement skills that the catalogue cannot resolve (empty when all are known)."""
    return [r.skill for r in role.requirements if catalogue.resolve(r.skill) is None]


def slug(text: str) -> str:
    """A file- and id-safe form of a name: ``"Data Analyst"`` -> ``"data-analyst"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:100] or "role"


@dataclass(frozen=True, slots=True)
class RoleSet:
    """Roles by id, in the order given."""

    roles: tuple[Role, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, roles: Iterable[Role]) -> RoleSet:
        """A role set; :class:`RoleError` when two roles share an id."""
        roles = tuple(roles)
        ids = [r.role_id for r in roles]
        if len(set(ids)) != len(ids):
            raise RoleError("two roles share an id")
        return cls(roles)

    def get(self, role_id: str) -> Role:
        """The role with this id; KeyError when absent."""
        for r in self.roles:
            if r.role_id == role_id:
                return r
        raise KeyError(role_id)
