"""Skills stated by a badge, each with the field it was read from.

Where skills are read, in order (every source is used, duplicates merged):

- the verifier's ``result.skills`` (already read from the credential);
- the credential document itself, when the result carries it:
  OB 2.0 BadgeClass ``alignment`` (AlignmentObject ``targetName``,
  ``targetFramework``, ``targetCode``, ``targetUrl``; OB 2.0 §BadgeClass,
  §AlignmentObject) and ``tags``; OB 3.0 ``Achievement.alignment``
  (``Alignment``: same target* fields, OB 3.0 §B.1.3) and ``tag``; and the
  ``skills`` list that some platforms add (strings or objects with ``name``);
- as the last resort, when none of the above gave a skill: the achievement's
  ``name``, and catalogue skills named in its ``description`` (whole-phrase
  match), recorded with ``field = "achievement.name"`` /
  ``"achievement.description"``.

A level is read from a skill's or the achievement's wording where it states
one: "level N" / "LN" gives N; foundation / fundamentals / beginner /
introductory = 1, associate / intermediate / practitioner = 2, professional /
advanced = 3, expert / master = 4. Badges that state no level get None.

A result the learner achieved counts too (OB 3.0 §B.1.15 Result with its
§B.1.16 ResultDescription and §B.1.17 RubricCriterionLevel, as the verifier
reports them in ``result.details.results``): its level on the same 1-5 scale
(:func:`verifier.details.level_number`: "Level N" = N, expert / mastered /
exemplary / distinction = 4, advanced / proficient / competent / merit = 3,
intermediate / developing / practitioner / associate = 2, foundation / basic /
beginner / novice / pass = 1). Every skill of the badge then has at least
that level: a requirement's ``min_level`` can be met by the level a result
states, and the higher of the two levels is taken when both are stated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from talent.catalogue import Catalogue
from talent.text import normalise
from verifier.models import VerificationResult

_LEVEL_NUM = re.compile(r"\b(?:level|lvl|tier)\s*([1-9])\b|\bL([1-9])\b", re.I)
_LEVEL_WORDS = (
    (re.compile(r"\b(?:expert|master|mastery)\b", re.I), 4),
    (re.compile(r"\b(?:professional|advanced)\b", re.I), 3),
    (re.compile(r"\b(?:associate|intermediate|practitioner)\b", re.I), 2),
    (re.compile(r"\b(?:foundation|foundations|fundamentals|beginner|introductory|introduction)\b", re.I), 1),
)
_FIELD_OF_SOURCE = {"alignment": "alignment", "tag": "tag", "tags": "tag", "skills": "skills", "skill": "skills"}


@dataclass(frozen=True, slots=True)
class BadgeSkill:
    """One skill a badge states: its name, alignment identifiers, the field it
    came from (``alignment``, ``tag``, ``skills``, ``result``,
    ``achievement.name``, ``achievement.description``) and a level if stated."""

    name: str
    field: str
    framework: str | None = None
    code: str | None = None
    url: str | None = None
    level: int | None = None


def level_of(*texts: str | None) -> int | None:
    """The level that the first text stating one states (see module docstring)."""
    for text in texts:
        if text:
            level = _level_of_text(text)
            if level is not None:
                return level
    return None


@lru_cache(maxsize=100_000)
def _level_of_text(text: str) -> int | None:
    m = _LEVEL_NUM.search(text)
    if m:
        return int(m.group(1) or m.group(2))
    for pattern, level in _LEVEL_WORDS:
        if pattern.search(text):
            return level
    return None


def extract_skills(result: VerificationResult, *, catalogue: Catalogue | None = None) -> tuple[BadgeSkill, ...]:
    """Every skill that ``result``'s badge states, without duplicates.

    Works on any result; whether the skills may count is decided by coverage
    (only verified, in-date badges count).
    """
    ach_level = level_of(result.achievement.name)
    result_level = result.details.level if result.details is not None else None
    found: dict[tuple[str, str, str], BadgeSkill] = {}

    def add(skill: BadgeSkill) -> None:
        name = skill.name.strip()
        if not name and not (skill.url or skill.code):
            return
        key = (normalise(name), (skill.code or "").strip(), (skill.url or "").strip().rstrip("/"))
        if key not in found:
            stated = level_of(name) or ach_level
            level = (
                max(stated, result_level) if stated is not None and result_level is not None else stated or result_level
            )
            found[key] = BadgeSkill(name, skill.field, skill.framework, skill.code, skill.url, level)

    for stated in result.skills:
        field = _FIELD_OF_SOURCE.get(stated.source, stated.source or "alignment")
        add(BadgeSkill(stated.name, field, stated.framework, stated.code, stated.url))
    for from_doc in _document_skills(result.document):
        add(from_doc)
    if found:
        return tuple(found.values())
    if result.achievement.name:
        add(BadgeSkill(result.achievement.name, "achievement.name"))
    if catalogue is not None and result.achievement.description:
        for label in description_skills(result.achievement.description, catalogue):
            add(BadgeSkill(label, "achievement.description"))
    return tuple(found.values())


def description_skills(text: str, catalogue: Catalogue, *, max_words: int = 6) -> list[str]:
    """Catalogue labels / synonyms that occur as whole phrases in ``text``
    (labels of 1-2 characters are left out: "R", "Go" would match prose)."""
    words = normalise(text[:5000]).split()
    hits: list[str] = []
    seen: set[str] = set()
    for size in range(min(max_words, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i : i + size])
            if len(phrase) < 3 or phrase in seen:
                continue
            hit = catalogue.lookup_text(phrase)
            if hit is not None and hit[0].skill_id not in seen:
                seen.add(hit[0].skill_id)
                seen.add(phrase)
                hits.append(hit[0].label)
    return hits


def _document_skills(document: Any) -> Iterator[BadgeSkill]:
    if not isinstance(document, Mapping):
        return
    for holder in _achievements(document):
        yield from _alignments(holder.get("alignment") or holder.get("alignments"))
        for key in ("tags", "tag"):
            for tag in _as_list(holder.get(key)):
                if isinstance(tag, str) and tag.strip():
                    yield BadgeSkill(tag.strip()[:200], "tag")
        for item in _as_list(holder.get("skills")):
            if isinstance(item, str) and item.strip():
                yield BadgeSkill(item.strip()[:200], "skills")
            elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
                yield BadgeSkill(str(item["name"]).strip()[:200], "skills", url=_str(item.get("url") or item.get("id")))


def _achievements(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The objects that carry alignment / tags: an OB 2.0 BadgeClass
    (``badge``), OB 3.0 ``credentialSubject.achievement``, a platform's
    ``badge_template``, and the document itself."""
    yield document
    badge = document.get("badge")
    if isinstance(badge, Mapping):
        yield badge
    for subject in _as_list(document.get("credentialSubject")):
        if isinstance(subject, Mapping):
            for ach in _as_list(subject.get("achievement")):
                if isinstance(ach, Mapping):
                    yield ach
    template = document.get("badge_template")
    if isinstance(template, Mapping):
        yield template


def _alignments(value: Any) -> Iterator[BadgeSkill]:
    for a in _as_list(value):
        if not isinstance(a, Mapping):
            continue
        name = _str(a.get("targetName")) or ""
        url = _str(a.get("targetUrl") or a.get("url"))
        if name or url:
            yield BadgeSkill(name[:200], "alignment", _str(a.get("targetFramework")), _str(a.get("targetCode")), url)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
