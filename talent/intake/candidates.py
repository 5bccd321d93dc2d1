"""Sources grouped by candidate, ready to queue for verification.

Sources with the same email address are one candidate; a source is matched
to a candidate already in the workspace by email (any of the candidate's
addresses), never by name alone. A source without an email is a candidate
of its own, with an id made from the source (``intake:<hash>``), so that two
people who share a name are never merged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from talent.candidates import Candidate
from talent.intake.model import Claim, Extraction, Link


@dataclass(frozen=True, slots=True)
class IntakeCandidate:
    """One candidate as intake found them: id (an existing one when the email
    matched), name, email, the sources, links, claims and problems."""

    candidate_id: str
    name: str
    email: str
    sources: tuple[str, ...]
    links: tuple[Link, ...]
    claims: tuple[Claim, ...]
    problems: tuple[str, ...] = ()
    existing: bool = False

    def badge_links(self) -> tuple[Link, ...]:
        """The links that are verified (badges; unexpanded profiles are not)."""
        return tuple(link for link in self.links if link.kind == "badge")


@dataclass
class _Group:
    name: str = ""
    email: str = ""
    sources: list[str] = field(default_factory=list)
    links: dict[str, Link] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def source_id(source: str) -> str:
    """The id of a candidate known only by one source."""
    return "intake:" + hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def group_candidates(extractions: Iterable[Extraction], existing: Sequence[Candidate] = ()) -> list[IntakeCandidate]:
    """Readable sources grouped into candidates (see the module docstring), in first-seen order."""
    by_email = {e.lower(): c for c in existing for e in c.emails}
    groups: dict[str, _Group] = {}
    for ex in extractions:
        if not ex.readable:
            continue
        email = ex.candidate.email.lower()
        key = f"email:{email}" if email else source_id(ex.source)
        if email and email in by_email:
            key = by_email[email].candidate_id
        g = groups.setdefault(key, _Group())
        g.name = g.name or ex.candidate.name
        g.email = g.email or email
        g.sources.append(ex.source)
        for link in ex.links:
            g.links.setdefault(link.url, link)
        for claim in ex.claims:
            g.claims.setdefault(claim.text.casefold(), claim)
        g.problems.extend(f"{ex.source}: {p}" for p in ex.problems)
    known = {c.candidate_id: c for c in existing}
    out = []
    for key, g in groups.items():
        old = known.get(key)
        out.append(
            IntakeCandidate(
                key,
                (old.name if old and old.name else g.name),
                g.email,
                tuple(g.sources),
                tuple(g.links.values()),
                tuple(g.claims.values()),
                tuple(g.problems),
                old is not None,
            )
        )
    return out


def to_candidates(
    chosen: Iterable[tuple[IntakeCandidate, Sequence[str]]], existing: Sequence[Candidate] = ()
) -> list[Candidate]:
    """Workspace candidates for the chosen badge URLs of each intake candidate,
    merged with the stored candidate when there is one (emails and badges added)."""
    known = {c.candidate_id: c for c in existing}
    out = []
    for person, urls in chosen:
        old = known.get(person.candidate_id)
        emails = tuple(dict.fromkeys([*(old.emails if old else ()), *([person.email] if person.email else [])]))
        badges = tuple(dict.fromkeys([*(old.badges if old else ()), *urls]))
        out.append(
            Candidate(
                person.candidate_id,
                (old.name if old and old.name else person.name) or person.sources[0],
                emails,
                old.ats_id if old else None,
                badges,
                old.rows if old else (),
            )
        )
    return out
