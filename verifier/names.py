"""Comparing organisation names the way an impersonator would not want.

:func:`skeleton` reduces a name to the form in which visually confusable
spellings coincide: Unicode NFKC, case folding, then the UTS #39 §4
"Confusable Detection" skeleton (ICU's ``SpoofChecker.getSkeleton``, the
Unicode consortium's own confusables data; nothing is tabulated here), with
runs of white space and punctuation collapsed. ``"Аmazon"`` with a Cyrillic
``А`` and ``"Amazon"`` have the same skeleton.

:func:`near` is a fuzzy match on skeletons (RapidFuzz ``fuzz.ratio``, 0-100)
for names that are close without being equal ("Amazon Web Service" for
"Amazon Web Services"). :data:`NEAR_MATCH` (90) was chosen on real names
(``tests/verifier/test_names.py``): one or two edited letters in a name of a
dozen letters or more reach it ("Harvard Universlty" 94, "Amazon Web
Service" 97); distinct institutions with merely similar names do not
("University of Michigan" / "University of Minnesota" 77, "University of
Toronto" / "University of Toledo" 83, "MIT xPRO" / "MIT xPRO RC" 86).
Real names built to look alike ("Stamford University" for "Stanford
University", 97) do reach it: that is a warning worth showing, never a
failure.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import icu
from rapidfuzz import fuzz

NEAR_MATCH = 90.0
MIN_NAME_CHARS = 4  # shorter names ("MIT", "IBM") match too much by accident to accuse anyone
_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


@lru_cache(maxsize=65536)
def skeleton(name: str) -> str:
    """NFKC, casefold, UTS #39 skeleton, then separators collapsed to one space."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    skel = _checker().getSkeleton(0, folded)
    # The skeleton maps some letters onto look-alike sequences ("m" -> "rn");
    # fold again so case differences the mapping introduces do not matter.
    skel = unicodedata.normalize("NFKC", skel).casefold()
    return _SEPARATORS.sub(" ", skel).strip()


def comparable(name: str | None) -> str | None:
    """The skeleton of ``name`` when it is long enough to compare, else None."""
    if not name:
        return None
    letters = _SEPARATORS.sub("", unicodedata.normalize("NFKC", name))
    if len(letters) < MIN_NAME_CHARS:
        return None
    return skeleton(name)


def similarity(a: str, b: str) -> float:
    """How alike two skeletons are, 0-100."""
    return float(fuzz.ratio(a, b))


def near(a: str, b: str) -> bool:
    """Two different skeletons close enough to be mistaken for each other."""
    return a != b and similarity(a, b) >= NEAR_MATCH
