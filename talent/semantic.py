"""Semantic similarity of short skill texts with WordLlama, offline.

The model ships inside the installed ``wordllama`` package (its ``weights/``
and ``tokenizers/`` folders), so it is loaded with ``cache_dir`` set to the
package's own folder and ``disable_download=True``: it never reaches the
network. It is loaded once per process, on first use, and shared.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt


class Embedder(Protocol):
    """Anything that turns texts into unit-length vectors (one row per text)."""

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit-normalised embeddings, shape ``(len(texts), dim)``."""
        ...


class WordLlamaEmbedder:
    """The bundled WordLlama model (256 dimensions), loaded lazily and offline."""

    _lock = threading.Lock()
    _model: Any = None

    @classmethod
    def model(cls) -> Any:
        """The loaded WordLlama inference object; loads it on the first call.

        Raises ``FileNotFoundError`` when the package's bundled weights are missing
        (never downloads them).
        """
        if cls._model is None:
            with cls._lock:
                if cls._model is None:
                    import wordllama
                    from wordllama import WordLlama

                    cache_dir = Path(wordllama.__file__).resolve().parent
                    cls._model = WordLlama.load(cache_dir=cache_dir, disable_download=True)
        return cls._model

    def embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Unit-normalised embeddings of ``texts``."""
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        vectors = np.asarray(self.model().embed(list(texts), norm=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
