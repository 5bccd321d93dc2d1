"""A synthetic large workspace for benchmarks: N candidates × M badges of results, no network.

:func:`synthetic_results` builds :class:`~verifier.models.VerificationResult`
objects directly (nothing is fetched or verified), with the same shape the
verifier gives: realistic issuers, achievements aligned to catalogue skills,
and a mix of statuses (about 80 % verified, 12 % failed, 8 % couldn't verify).
:func:`synthetic_candidates` gives the matching candidate table. Both are
deterministic for a given seed.

    from ui.synthetic import synthetic_candidates, synthetic_results
    people = synthetic_candidates(5000)
    results = synthetic_results(5000, 5)      # 25,000 results

``load_synthetic_workspace(n, m)`` stores them in the current
workspace (the data directory of ``SKILLPROOF_DATA_DIR``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pandas as pd

from talent.candidates import Candidate
from talent.roles import load_roles_dir
from talent.storage import Workspace
from ui.verification import SAMPLE_DIR
from ui.workspace import workspace
from verifier.models import (
    AchievementInfo,
    CheckId,
    IssuerInfo,
    Skill,
    VerificationResult,
    errored,
    failed,
    make_result,
    passed,
)

SKILL_POOL = (
    "Python", "SQL", "Data Analysis", "Machine Learning", "Statistics", "Data Visualization", "Cloud Computing",
    "Kubernetes", "Docker", "Linux", "Cybersecurity", "Network Security", "JavaScript", "React", "UX Design",
    "Project Management", "Agile Methods", "Stakeholder Communication", "Git", "CI/CD",
)  # fmt: skip
ISSUERS = (
    ("https://badges.northwind.example/issuer", "Northwind Academy"),
    ("https://learn.contoso.example/issuer", "Contoso Learning"),
    ("did:key:z6MkSyntheticFabrikam", "Fabrikam Institute of Technology"),
    ("did:key:z6MkSyntheticTailspin", "Tailspin Skills Guild"),
)
FORMATS = ("ob2-hosted", "ob2-signed", "ob3", "vc")
FAILURES = (
    (CheckId.REVOCATION, "revoked by the issuer"),
    (CheckId.EXPIRY, "expired on 2025-06-30"),
    (CheckId.SIGNATURE, "the signature does not match the document (tampered)"),
    (CheckId.RECIPIENT, "issued to a different email address"),
)


def synthetic_candidates(n: int, *, seed: int = 7) -> pd.DataFrame:
    """``candidate_id, name, email`` for ``n`` fictional people (``example.org`` addresses)."""
    rng = random.Random(seed)
    first = ("Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kai", "Liv", "Max", "Nia", "Oz")
    last = ("Ash", "Birch", "Cedar", "Dale", "Elm", "Fern", "Glen", "Heath", "Iris", "Juniper", "Kerr", "Lark")
    rows = []
    for i in range(n):
        name = f"{rng.choice(first)} {rng.choice(last)}-{i:05d}"
        rows.append({"candidate_id": f"S{i:05d}", "name": name, "email": f"synthetic.{i:05d}@example.org"})
    return pd.DataFrame(rows, columns=["candidate_id", "name", "email"])


def _one(rng: random.Random, cid: str, email: str, k: int) -> VerificationResult:
    issuer_id, issuer_name = rng.choice(ISSUERS)
    skills = rng.sample(SKILL_POOL, rng.randint(1, 3))
    name = f"{skills[0]} {rng.choice(('Foundations', 'Practitioner', 'Professional', 'Specialist'))}"
    roll = rng.random()
    checks = [passed(CheckId.STRUCTURE, "well-formed"), passed(CheckId.SIGNATURE, "signature verified")]
    if roll < 0.80:
        checks += [passed(CheckId.REVOCATION, "not revoked"), passed(CheckId.EXPIRY, "valid now")]
    elif roll < 0.92:
        check_id, message = rng.choice(FAILURES)
        checks.append(failed(check_id, message))
    else:
        checks.append(errored(CheckId.REVOCATION, "the status list could not be fetched (HTTP 503)"))
    url = f"https://badges.synthetic.example/assertions/{cid.lower()}-{k}"
    return make_result(
        url,
        checks,
        format=rng.choice(FORMATS),
        issuer=IssuerInfo(id=issuer_id, name=issuer_name, url=issuer_id if issuer_id.startswith("http") else None),
        achievement=AchievementInfo(id=f"{url}#achievement", name=name, description=f"Shows {', '.join(skills)}."),
        recipient_match=True,
        issued_on=f"2025-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}T09:00:00Z",
        expires=None,
        skills=tuple(Skill(name=s, framework="SkillProof Sample Skills") for s in skills),
        credential_id=url,
        source_url=url,
        checked_at="2026-01-01T00:00:00Z",
        candidate=cid,
        email=email,
    )


def iter_synthetic_results(n_candidates: int, badges_each: int, *, seed: int = 7) -> Iterator[VerificationResult]:
    """Results one at a time (candidate-major order), without holding them all."""
    rng = random.Random(seed)
    people = synthetic_candidates(n_candidates, seed=seed)
    for cid, email in zip(people["candidate_id"], people["email"], strict=True):
        for k in range(badges_each):
            yield _one(rng, cid, email, k)


def synthetic_results(n_candidates: int, badges_each: int, *, seed: int = 7) -> list[VerificationResult]:
    """``n_candidates × badges_each`` results (see module docstring)."""
    return list(iter_synthetic_results(n_candidates, badges_each, seed=seed))


def load_synthetic_workspace(n_candidates: int, badges_each: int, *, url: str | None = None) -> Workspace:
    """Fill a workspace with ``n_candidates × badges_each`` synthetic results (no network) and the sample roles.

    ``url`` is a database URL (default: the current one, from ``SKILLPROOF_DATA_DIR`` /
    ``SKILLPROOF_DATABASE_URL``). For benchmarks of the pages:

        SKILLPROOF_DATA_DIR=/tmp/big python -c "from ui.synthetic import load_synthetic_workspace as l; l(5000, 5)"
        SKILLPROOF_DATA_DIR=/tmp/big streamlit run dashboard.py
    """
    ws = Workspace(url) if url else workspace()
    people = synthetic_candidates(n_candidates)
    ws.save_candidates(
        Candidate(cid, name, (email,))
        for cid, name, email in zip(people["candidate_id"], people["name"], people["email"], strict=True)
    )
    ws.save_results((str(r.candidate), r) for r in iter_synthetic_results(n_candidates, badges_each))
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            ws.save_role(role)
    ws.log("synthetic workspace", f"{n_candidates} candidates x {badges_each} badges", n_candidates * badges_each)
    return ws
