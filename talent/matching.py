"""Matching a skill stated in a badge to the catalogue, explainably.

Order of the methods (the first that answers wins):

1. ``identifier``: the badge's alignment URL or code is a catalogue skill's
   ESCO URI / UUID, O*NET id or catalogue id (OB 2.0 ``AlignmentObject``
   ``targetUrl`` / ``targetCode``; OB 3.0 ``Alignment`` ``targetUrl`` /
   ``targetCode``);
2. ``exact`` / ``synonym``: the normalised name equals a label / synonym;
3. ``fuzzy``: rapidfuzz ``token_sort_ratio`` against every label and synonym
   (names shorter than ``min_fuzzy_length`` are not fuzzy-matched: "R" must
   not become "Rust");
4. ``semantic``: cosine similarity of WordLlama embeddings.

Every :class:`SkillMatch` carries its method and score (0..1). For fuzzy and
semantic matches, a score at or above the ``*_accept`` threshold is a match;
between ``*_flag`` and ``*_accept`` it is kept but marked ``low_confidence``
(shown as a possible match, never counted as coverage); below ``*_flag`` it
is no match (``method == "none"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from talent.catalogue import Catalogue
from talent.semantic import Embedder, WordLlamaEmbedder
from talent.text import normalise

METHODS = ("identifier", "exact", "synonym", "fuzzy", "semantic", "none")


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Thresholds of the matcher (scores are 0..1)."""

    fuzzy_accept: float = 0.92
    fuzzy_flag: float = 0.80
    semantic_accept: float = 0.85
    semantic_flag: float = 0.65
    use_fuzzy: bool = True
    use_semantic: bool = True
    min_fuzzy_length: int = 4

    def __post_init__(self) -> None:
        for name in ("fuzzy_accept", "fuzzy_flag", "semantic_accept", "semantic_flag"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.fuzzy_flag > self.fuzzy_accept or self.semantic_flag > self.semantic_accept:
            raise ValueError("a *_flag threshold cannot be above its *_accept threshold")


class SkillKey(NamedTuple):
    """What identifies a badge skill for matching: its name and alignment identifiers
    (a tuple, so that hashing many of them stays cheap)."""

    name: str
    code: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """The catalogue skill a badge skill was matched to, how, and how surely.

    ``skill_id`` is None when nothing matched (``method == "none"``).
    ``low_confidence`` matches are shown as possible matches and never count.
    """

    skill_id: str | None
    label: str | None
    method: str
    score: float
    low_confidence: bool = False
    matched_text: str = ""

    @property
    def counts(self) -> bool:
        """True when the match may count as coverage."""
        return self.skill_id is not None and not self.low_confidence


NO_MATCH = SkillMatch(None, None, "none", 0.0)
# Catalogue label embeddings of the bundled model, by catalogue texts (a few catalogues at most).
_CATALOGUE_EMBEDDINGS: dict[tuple[str, ...], npt.NDArray[np.float32]] = {}


class SkillMatcher:
    """Matches badge skills to a catalogue; results are cached per distinct key.

    The semantic step embeds the catalogue's labels and synonyms once, on its
    first use; the embedder is :class:`~talent.semantic.WordLlamaEmbedder`
    unless one is given.
    """

    def __init__(
        self, catalogue: Catalogue, *, config: MatchConfig | None = None, embedder: Embedder | None = None
    ) -> None:
        self.catalogue = catalogue
        self.config = config or MatchConfig()
        self._embedder = embedder
        self._texts = catalogue.texts()
        self._norm_texts = [t[2] for t in self._texts]
        self._matrix: npt.NDArray[np.float32] | None = None
        self._cache: dict[SkillKey, SkillMatch] = {}

    def match(self, name: str, *, code: str | None = None, url: str | None = None) -> SkillMatch:
        """The best catalogue match for one badge skill."""
        return self.match_many([SkillKey(name, code, url)])[0]

    def match_many(self, keys: Sequence[SkillKey]) -> list[SkillMatch]:
        """Matches for many keys; each distinct key is matched once, and the
        semantic step embeds all the leftovers in one batch."""
        todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        leftovers: list[SkillKey] = []
        for key in todo:
            found = self._direct(key)
            if found is None and self.config.use_fuzzy:
                found = self._fuzzy(key)
            if found is not None and not (found.low_confidence and self.config.use_semantic):
                self._cache[key] = found
            else:
                if found is not None:
                    self._cache[key] = found  # a flagged fuzzy match, unless semantic does better
                leftovers.append(key)
        if leftovers and self.config.use_semantic:
            for key, sem in zip(leftovers, self._semantic(leftovers), strict=True):
                prev = self._cache.get(key)
                if prev is None or (sem.skill_id is not None and not sem.low_confidence):
                    self._cache[key] = sem if sem.skill_id is not None or prev is None else prev
        for key in leftovers:
            self._cache.setdefault(key, NO_MATCH)
        return [self._cache[k] for k in keys]

    # -- the methods, in order ------------------------------------------------------------------

    def _direct(self, key: SkillKey) -> SkillMatch | None:
        for ident in (key.url, key.code):
            if ident:
                skill = self.catalogue.lookup_identifier(ident)
                if skill is not None:
                    return SkillMatch(skill.skill_id, skill.label, "identifier", 1.0, matched_text=ident)
        hit = self.catalogue.lookup_text(key.name) if key.name.strip() else None
        if hit is not None:
            skill, how = hit
            return SkillMatch(skill.skill_id, skill.label, how, 1.0, matched_text=key.name)
        return None

    def _fuzzy(self, key: SkillKey) -> SkillMatch | None:
        query = normalise(key.name)
        if len(query) < self.config.min_fuzzy_length or not self._norm_texts:
            return None
        best = process.extractOne(query, self._norm_texts, scorer=fuzz.token_sort_ratio)
        if best is None:
            return None
        _text, score, idx = best
        score = round(float(score) / 100.0, 4)
        if score < self.config.fuzzy_flag:
            return None
        sid, text, _ = self._texts[idx]
        skill = self.catalogue.get(sid)
        assert skill is not None
        return SkillMatch(sid, skill.label, "fuzzy", score, score < self.config.fuzzy_accept, text)

    def _semantic(self, keys: Sequence[SkillKey]) -> list[SkillMatch]:
        queries = [k.name.strip() for k in keys]
        usable = [i for i, q in enumerate(queries) if q]
        out = [NO_MATCH] * len(keys)
        if not usable or not self._texts:
            return out
        matrix = self._catalogue_matrix()
        vectors = self._embedder_or_default().embed([queries[i] for i in usable])
        sims = vectors @ matrix.T
        best_idx = sims.argmax(axis=1)
        for row, i in enumerate(usable):
            j = int(best_idx[row])
            score = round(float(sims[row, j]), 4)
            if score < self.config.semantic_flag:
                continue
            sid, text, _ = self._texts[j]
            skill = self.catalogue.get(sid)
            assert skill is not None
            out[i] = SkillMatch(sid, skill.label, "semantic", score, score < self.config.semantic_accept, text)
        return out

    def _embedder_or_default(self) -> Embedder:
        if self._embedder is None:
            self._embedder = WordLlamaEmbedder()
        return self._embedder

    def _catalogue_matrix(self) -> npt.NDArray[np.float32]:
        if self._matrix is None:
            texts = tuple(t[1] for t in self._texts)
            embedder = self._embedder_or_default()
            if isinstance(embedder, WordLlamaEmbedder):
                # The bundled model is shared, so its catalogue embeddings can be too.
                cached = _CATALOGUE_EMBEDDINGS.get(texts)
                if cached is None:
                    cached = embedder.embed(list(texts))
                    if len(_CATALOGUE_EMBEDDINGS) >= 4:
                        _CATALOGUE_EMBEDDINGS.pop(next(iter(_CATALOGUE_EMBEDDINGS)))
                    _CATALOGUE_EMBEDDINGS[texts] = cached
                self._matrix = cached
            else:
                self._matrix = embedder.embed(list(texts))
        return self._matrix


def match_table(matcher: SkillMatcher, keys: Iterable[SkillKey]) -> dict[SkillKey, SkillMatch]:
    """Matches for the distinct keys among ``keys`` (for vectorised joins)."""
    distinct = list(dict.fromkeys(keys))
    return dict(zip(distinct, matcher.match_many(distinct), strict=True))
