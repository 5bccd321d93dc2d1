"""Text normalisation shared by the catalogue, the importer and the exports."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Keep the characters that tell skills apart (C++, C#, .NET, CI/CD, Node.js).
_PUNCT = re.compile(r"[^\w+#./ -]+")
_PARENS = re.compile(r"\s*\((?:computer programming|programming|software|language)\)\s*")


@lru_cache(maxsize=200_000)
def normalise(text: str) -> str:
    """A comparison key for a skill label: NFKC, case-folded, punctuation and
    spacing collapsed; ``"  Python (computer programming) "`` -> ``"python"``.

    Two labels a reader would call the same skill spelling (case, spacing,
    hyphens, ESCO's "(computer programming)" qualifier) get the same key.
    """
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PARENS.sub(" ", t)
    t = t.replace("_", " ").replace("-", " ")
    t = _PUNCT.sub(" ", t)
    return _SPACE.sub(" ", t).strip(" .")
