"""What a badge says beyond its name: criteria, evidence, results, alignments.

Hiring managers weigh these most, so the dashboard shows them beside the
verification result. They are read from the credential as obtained
(``VerificationResult.document``) and, for Open Badges 2.0, from the
BadgeClass when it is embedded:

- Open Badges 3.0 (§B.1.1 AchievementCredential, §B.1.3 AchievementSubject,
  §B.1.2 Achievement, §B.1.15 Result, §B.1.16 ResultDescription, §B.1.17
  RubricCriterionLevel, §B.1.8 Evidence, §B.1.4 Alignment, §B.1.6 Criteria):
  ``credentialSubject.achievement.criteria`` / ``alignment`` /
  ``resultDescription``, ``credentialSubject.result`` (each pointing at its
  ResultDescription and, for rubrics, at the achieved RubricCriterionLevel),
  and the credential's ``evidence``;
- Open Badges 2.0 (§Assertion ``evidence`` / ``narrative``, §BadgeClass
  ``criteria`` / ``alignment``, §Evidence, §AlignmentObject, §Criteria).

Everything here is the badge's own words: shown as text, never as markup, and
never used to decide whether the badge is genuine. Nothing raises: a field of
the wrong shape is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlignmentInfo",
    "BadgeDetails",
    "CriteriaInfo",
    "EvidenceItem",
    "ResultItem",
    "details_from_dict",
    "details_of",
    "level_number",
]

MAX_ITEMS = 100  # of each kind: a badge is not a database
MAX_TEXT = 20_000


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:MAX_TEXT]
    if isinstance(value, Mapping):  # OB 3.0 allows language maps in some places
        for key in ("@value", "en", "en-US", "en-GB"):
            found = _text(value.get(key))
            if found:
                return found
    return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return (value if isinstance(value, list) else [value])[:MAX_ITEMS]


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Mapping):
        found = value.get("id", value.get("@id"))
        return found.strip() or None if isinstance(found, str) else None
    return None


# Level words, lowest first, mapped onto the 1-5 scale of a role's min_level
# (talent/roles.py). Rubric levels are free text (OB 3.0 §B.1.17 gives "level"
# and "name" as strings), so a level counts only where its words say it.
_LEVEL_WORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\b(expert|master(y|ed)?|exemplary|distinguished|distinction)\b", re.I), 4),
    (re.compile(r"\b(advanced|proficient|proficiency|competent|accomplished|merit)\b", re.I), 3),
    (re.compile(r"\b(intermediate|developing|practitioner|associate)\b", re.I), 2),
    (re.compile(r"\b(foundation(al)?|fundamentals?|beginner|basic|novice|emerging|introductory|pass)\b", re.I), 1),
)
_LEVEL_NUMBER = re.compile(r"\b(?:level|lvl|tier)\s*([1-5])\b", re.I)


def level_number(*texts: str | None) -> int | None:
    """The 1-5 level the first text that states one states ("Level 3" -> 3,
    "Mastered" -> 4, "Proficient" -> 3, "Developing" -> 2, "Basic" -> 1), else None."""
    for text in texts:
        if not text:
            continue
        numeric = _LEVEL_NUMBER.search(text)
        if numeric:
            return int(numeric.group(1))
        for pattern, level in _LEVEL_WORDS:
            if pattern.search(text):
                return level
    return None


@dataclass(frozen=True, slots=True)
class CriteriaInfo:
    """How the achievement is earned: a page (``id``) and/or a narrative (Markdown text)."""

    id: str | None = None
    narrative: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"id": self.id, "narrative": self.narrative}


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence the issuer attached (a link and/or a description)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    genre: str | None = None
    audience: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (only what is stated)."""
        return {k: v for k, v in (("id", self.id), ("name", self.name), ("description", self.description),
                                  ("narrative", self.narrative), ("genre", self.genre),
                                  ("audience", self.audience)) if v is not None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AlignmentInfo:
    """A framework item the achievement or a result is aligned to."""

    name: str
    framework: str | None = None
    code: str | None = None
    url: str | None = None
    type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "framework": self.framework, "code": self.code, "url": self.url, "type": self.type}


@dataclass(frozen=True, slots=True)
class ResultItem:
    """One result the learner achieved (a grade, a rubric level, a status), with
    what its ResultDescription says it measures. ``level`` is the 1-5 level its
    words state (:func:`level_number`), for a role's minimum level."""

    name: str | None = None
    result_type: str | None = None
    value: str | None = None
    achieved_level: str | None = None
    status: str | None = None
    required: str | None = None
    level: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "result_type": self.result_type,
            "value": self.value,
            "achieved_level": self.achieved_level,
            "status": self.status,
            "required": self.required,
            "level": self.level,
        }

    @property
    def text(self) -> str:
        """One line: "Final Project Grade: A (required C)"."""
        shown = self.achieved_level or self.value or self.status or "stated"
        name = self.name or self.result_type or "Result"
        return f"{name}: {shown}" + (f" (required {self.required})" if self.required else "")


@dataclass(frozen=True, slots=True)
class BadgeDetails:
    """Criteria, evidence, results, alignments and the learner's narrative of one badge."""

    criteria: CriteriaInfo | None = None
    evidence: tuple[EvidenceItem, ...] = ()
    results: tuple[ResultItem, ...] = ()
    alignments: tuple[AlignmentInfo, ...] = ()
    narrative: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when the badge states none of these."""
        return not (self.criteria or self.evidence or self.results or self.alignments or self.narrative)

    @property
    def level(self) -> int | None:
        """The highest 1-5 level its results state, else None."""
        levels = [r.level for r in self.results if r.level is not None]
        return max(levels) if levels else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "criteria": self.criteria.to_dict() if self.criteria else None,
            "evidence": [e.to_dict() for e in self.evidence],
            "results": [r.to_dict() for r in self.results],
            "alignments": [a.to_dict() for a in self.alignments],
            "narrative": self.narrative,
        }


def _criteria(value: Any) -> CriteriaInfo | None:
    if isinstance(value, str):
        return CriteriaInfo(id=value.strip() or None) if value.strip() else None
    if isinstance(value, Mapping):
        found = CriteriaInfo(id=_id(value), narrative=_text(value.get("narrative")))
        return found if found.id or found.narrative else None
    return None


def _evidence(value: Any) -> tuple[EvidenceItem, ...]:
    items = []
    for raw in _list(value):
        if isinstance(raw, str) and raw.strip():
            items.append(EvidenceItem(id=raw.strip()))
        elif isinstance(raw, Mapping):
            item = EvidenceItem(
                id=_id(raw),
                name=_text(raw.get("name")),
                description=_text(raw.get("description")),
                narrative=_text(raw.get("narrative")),
                genre=_text(raw.get("genre")),
                audience=_text(raw.get("audience")),
            )
            if item != EvidenceItem():
                items.append(item)
    return tuple(items)


def _alignments(value: Any) -> tuple[AlignmentInfo, ...]:
    out = []
    for raw in _list(value):
        if not isinstance(raw, Mapping):
            continue
        name = _text(raw.get("targetName"))
        if name:
            out.append(
                AlignmentInfo(
                    name=name,
                    framework=_text(raw.get("targetFramework")),
                    code=_text(raw.get("targetCode")),
                    url=_text(raw.get("targetUrl")),
                    type=_text(raw.get("targetType")),
                )
            )
    return tuple(out)


def _results(results: Any, descriptions: Any) -> tuple[ResultItem, ...]:
    by_id: dict[str, Mapping[str, Any]] = {}
    all_levels: dict[str, Mapping[str, Any]] = {}
    for desc in _list(descriptions):
        if isinstance(desc, Mapping) and _id(desc):
            by_id[str(_id(desc))] = desc
            for lv in _list(desc.get("rubricCriterionLevel")):
                if isinstance(lv, Mapping) and _id(lv):
                    all_levels.setdefault(str(_id(lv)), lv)
    out = []
    for raw in _list(results):
        if not isinstance(raw, Mapping):
            continue
        desc = by_id.get(_id(raw.get("resultDescription")) or "", {})
        levels = {str(_id(lv)): lv for lv in _list(desc.get("rubricCriterionLevel")) if isinstance(lv, Mapping)}
        # The level should be one of its ResultDescription's; real credentials
        # (1EdTech's own complete example) point into a sibling description.
        achieved_id = _id(raw.get("achievedLevel")) or ""
        achieved = levels.get(achieved_id) or all_levels.get(achieved_id)
        achieved_text = None
        if achieved is not None:
            achieved_text = _text(achieved.get("name")) or _text(achieved.get("level"))
        elif _id(raw.get("achievedLevel")):
            achieved_text = _id(raw.get("achievedLevel"))
        required_level = levels.get(_id(desc.get("requiredLevel")) or "")
        required = _text(desc.get("requiredValue")) or (
            (_text(required_level.get("name")) or _text(required_level.get("level"))) if required_level else None
        )
        value = _text(raw.get("value"))
        level = None
        if achieved is not None:
            level = level_number(_text(achieved.get("level")), _text(achieved.get("name")))
        item = ResultItem(
            name=_text(desc.get("name")),
            result_type=_text(desc.get("resultType")),
            value=value,
            achieved_level=achieved_text,
            status=_text(raw.get("status")),
            required=required,
            level=level,
        )
        if item.value or item.achieved_level or item.status:
            out.append(item)
    return tuple(out)


def details_of(document: Any, *, badge_class: Mapping[str, Any] | None = None) -> BadgeDetails:
    """The details a credential states (see the module docstring); empty for anything else."""
    if not isinstance(document, Mapping):
        return BadgeDetails()
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if isinstance(subject, Mapping):  # OB 3.0 / VC
        achievement = subject.get("achievement")
        achievement = achievement if isinstance(achievement, Mapping) else {}
        return BadgeDetails(
            criteria=_criteria(achievement.get("criteria")),
            evidence=_evidence(document.get("evidence")),
            results=_results(subject.get("result"), achievement.get("resultDescription")),
            alignments=_alignments(achievement.get("alignment")),
            narrative=_text(subject.get("narrative")),
        )
    # Open Badges 2.0 assertion; the BadgeClass is embedded or given
    badge = badge_class if badge_class is not None else document.get("badge")
    badge = badge if isinstance(badge, Mapping) else {}
    return BadgeDetails(
        criteria=_criteria(badge.get("criteria")),
        evidence=_evidence(document.get("evidence")),
        alignments=_alignments(badge.get("alignment")),
        narrative=_text(document.get("narrative")),
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _level(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5 else None


def details_from_dict(data: Any) -> BadgeDetails | None:
    """A :class:`BadgeDetails` from its JSON form (:meth:`BadgeDetails.to_dict`); None for anything else."""
    if not isinstance(data, Mapping):
        return None
    crit = data.get("criteria")
    criteria = (
        CriteriaInfo(id=_str(crit.get("id")), narrative=_str(crit.get("narrative")))
        if isinstance(crit, Mapping)
        else None
    )
    evidence = tuple(
        EvidenceItem(**{k: _str(e.get(k)) for k in ("id", "name", "description", "narrative", "genre", "audience")})
        for e in _list(data.get("evidence"))
        if isinstance(e, Mapping)
    )
    results = tuple(
        ResultItem(
            **{k: _str(r.get(k)) for k in ("name", "result_type", "value", "achieved_level", "status", "required")},
            level=_level(r.get("level")),
        )
        for r in _list(data.get("results"))
        if isinstance(r, Mapping)
    )
    alignments = tuple(
        AlignmentInfo(name=str(a.get("name")), **{k: _str(a.get(k)) for k in ("framework", "code", "url", "type")})
        for a in _list(data.get("alignments"))
        if isinstance(a, Mapping) and isinstance(a.get("name"), str)
    )
    return BadgeDetails(criteria, evidence, results, alignments, _str(data.get("narrative")))
