"""Name comparison for impersonation: NFKC + casefold + UTS #39 skeleton, and the near-match threshold.

The threshold (verifier.names.NEAR_MATCH) is tested on real institution names: look-alike spellings
reach it, distinct institutions with merely similar names do not.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from verifier.names import NEAR_MATCH, comparable, near, similarity, skeleton

SNAPSHOT = Path(__file__).resolve().parents[2] / "verifier" / "registry_data" / "dcc-snapshot.json"


@pytest.mark.parametrize(
    "spoof",
    [
        "\u0410mazon Web Services",  # Cyrillic capital A
        "Amaz\u043en Web Services",  # Cyrillic small o
        "AMAZON WEB SERVICES",
        "Amazon  Web\u00a0Services",  # double space, no-break space
        "\uff21mazon Web Services",  # fullwidth A (NFKC)
        "Arnazon Web Services",  # rn for m (a UTS #39 confusable)
    ],
)
def test_confusable_spellings_share_the_skeleton(spoof: str) -> None:
    assert skeleton(spoof) == skeleton("Amazon Web Services")


def test_different_names_keep_different_skeletons() -> None:
    assert skeleton("Amazon Web Services") != skeleton("Amazon Web Service")
    assert comparable("MIT") is None  # too short to accuse anyone of resembling it
    assert comparable("") is None


@pytest.mark.parametrize(
    ("claimed", "real"),
    [
        ("Amazon Web Service", "Amazon Web Services"),
        ("Harvard Universlty", "Harvard University"),
        ("Stamford University", "Stanford University"),
        ("Colombia University", "Columbia University"),
        ("Massachusetts Institute of Technologies", "Massachusetts Institute of Technology"),
        ("Goodwill Industries Internationa", "Goodwill Industries International"),
    ],
)
def test_look_alike_names_are_near(claimed: str, real: str) -> None:
    assert near(skeleton(claimed), skeleton(real)), similarity(skeleton(claimed), skeleton(real))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("University of Michigan", "University of Minnesota"),
        ("University of Toronto", "University of Toledo"),
        ("MIT xPRO", "MIT xPRO RC"),
        ("Digital Promise", "Digital Promise Development"),
        ("Georgia Institute of Technology", "Georgia State University"),
        ("University of Washington", "Washington University in St. Louis"),
        ("Coursera", "Coursera Inc"),
    ],
)
def test_distinct_institutions_are_not_near(a: str, b: str) -> None:
    assert not near(skeleton(a), skeleton(b)), similarity(skeleton(a), skeleton(b))


def test_the_threshold_on_the_public_registries() -> None:
    """Among the real names of the DCC registries, only variants of one organisation's own name
    ("... Demo Issuer" / "... Test Issuer") come within the threshold of each other."""
    snap = json.loads(SNAPSHOT.read_text("utf-8"))
    names = sorted({e["name"] for r in snap["registries"] for e in r["data"]["registry"].values() if e.get("name")})
    close = [
        (a, b)
        for a, b in itertools.combinations(names, 2)
        if (sa := comparable(a)) and (sb := comparable(b)) and near(sa, sb)
    ]
    assert len(names) > 50
    for a, b in close:
        first = set(a.casefold().replace("(", " ").split()[:2])
        assert first <= set(b.casefold().replace("(", " ").split()), (a, b)  # the same organisation's variants
    assert NEAR_MATCH == 90.0
