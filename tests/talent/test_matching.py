"""Matching badge skills to the catalogue: order of methods, scores and thresholds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from talent.catalogue import Catalogue
from talent.matching import MatchConfig, SkillMatcher
from talent.semantic import WordLlamaEmbedder


def test_identifier_wins_over_the_name(catalogue: Catalogue) -> None:
    m = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False))
    got = m.match("Some local name", url="http://data.europa.eu/esco/skill/034c29fa-c3ba-45ea-b8f3-bf8e3705e386")
    assert (got.skill_id, got.method, got.score) == ("erlang", "identifier", 1.0)


def test_exact_and_synonym_matches_score_one(catalogue: Catalogue) -> None:
    m = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False))
    assert (m.match("sql").method, m.match("sql").score) == ("exact", 1.0)
    assert m.match("Structured Query Language").method == "synonym"


def test_fuzzy_match_carries_its_score_and_respects_thresholds(catalogue: Catalogue) -> None:
    strict = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False, fuzzy_accept=0.95, fuzzy_flag=0.8))
    got = strict.match("Kubernetess")
    assert got.method == "fuzzy"
    assert got.skill_id == "kubernetes"
    assert 0.9 < got.score < 0.96
    assert not got.low_confidence
    lenient = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False, fuzzy_accept=0.99, fuzzy_flag=0.8))
    flagged = lenient.match("Kubernetess")
    assert flagged.low_confidence
    assert not flagged.counts
    assert flagged.score == got.score
    none = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False, fuzzy_accept=0.99, fuzzy_flag=0.98))
    assert none.match("Kubernetess").method == "none"


def test_short_names_are_not_fuzzy_matched(catalogue: Catalogue) -> None:
    m = SkillMatcher(catalogue, config=MatchConfig(use_semantic=False))
    assert m.match("Rx").method == "none"


class _CountingEmbedder:
    def __init__(self) -> None:
        self.calls: list[int] = []
        self.inner = WordLlamaEmbedder()

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls.append(len(texts))
        return self.inner.embed(texts)


def test_semantic_match_uses_bundled_wordllama_offline(catalogue: Catalogue) -> None:
    embedder = _CountingEmbedder()
    m = SkillMatcher(catalogue, config=MatchConfig(use_fuzzy=False), embedder=embedder)
    got = m.match("Kubernetes cluster administration")
    assert got.method == "semantic"
    assert got.skill_id == "kubernetes"
    assert 0.0 < got.score <= 1.0
    assert got.low_confidence == (got.score < m.config.semantic_accept)
    # The catalogue was embedded once; a second query embeds only itself.
    m.match("Terraform modules")
    assert embedder.calls[0] == len(catalogue.texts())
    assert embedder.calls[1:] == [1, 1]


def test_semantic_thresholds_are_respected(catalogue: Catalogue) -> None:
    score = (
        SkillMatcher(catalogue, config=MatchConfig(use_fuzzy=False)).match("Kubernetes cluster administration").score
    )
    above = SkillMatcher(
        catalogue,
        config=MatchConfig(use_fuzzy=False, semantic_accept=min(1.0, score + 0.01), semantic_flag=score - 0.01),
    )
    assert above.match("Kubernetes cluster administration").low_confidence
    below = SkillMatcher(
        catalogue, config=MatchConfig(use_fuzzy=False, semantic_accept=1.0, semantic_flag=min(1.0, score + 0.01))
    )
    assert below.match("Kubernetes cluster administration").method == "none"


def test_unrelated_text_matches_nothing(catalogue: Catalogue) -> None:
    assert SkillMatcher(catalogue).match("underwater basket weaving").skill_id is None


def test_each_distinct_skill_is_matched_once(catalogue: Catalogue) -> None:
    embedder = _CountingEmbedder()
    m = SkillMatcher(catalogue, embedder=embedder)
    from talent.matching import SkillKey

    keys = [SkillKey("Cloud thing nobody has")] * 50 + [SkillKey("SQL")] * 50
    out = m.match_many(keys)
    assert len(out) == 100
    assert embedder.calls[1:] == [1]


def test_bad_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="flag"):
        MatchConfig(fuzzy_accept=0.7, fuzzy_flag=0.9)


def test_wordllama_loads_from_the_installed_package_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the model load tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(WordLlamaEmbedder, "_model", None)
    vectors = WordLlamaEmbedder().embed(["registered nurse", "Kubernetes"])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
