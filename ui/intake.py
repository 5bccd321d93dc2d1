"""The Import page's "Résumés and profiles" section: read what was dropped, queue what was chosen.

Reading runs :mod:`talent.intake` (the same code as ``python -m talent
extract``); profile links are expanded through the dashboard's transport
(:func:`ui.verification.make_transport`: the sample's issuers from disk, every
other host through the fetcher's guard, or nothing when offline). Queuing
stores the candidates (merged with those already in the workspace, matched by
email) and creates one verification job for the chosen badge links, the same
way an ATS import does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from talent.intake import (
    Extraction,
    IntakeCandidate,
    Person,
    expand_sync,
    extract_files,
    extract_links,
    group_candidates,
    to_candidates,
)
from ui.verification import make_transport
from ui.workspace import workspace
from verifier.pipeline import BadgeInput


@st.cache_data(max_entries=8, show_spinner=False)
def read_sources(
    files: tuple[tuple[str, bytes], ...],
    pasted: str,
    pasted_for: tuple[str, str],
    expand: bool,
    max_badges: int,
) -> list[Extraction]:
    """Every source read (cached for the same input): files, then the pasted links as one source
    belonging to ``pasted_for`` (name, email); profiles expanded when ``expand``."""
    # One process: worker processes spawned from the Streamlit server set themselves up from the
    # server's main module (docs/decisions/resume-pdf-reader.md).
    found = extract_files(list(files))
    if pasted.strip():
        name, email = pasted_for
        # The label names the source; a candidate without an email is keyed by it, so it holds a
        # digest of the links: two people pasted under one name are never merged by the name.
        digest = hashlib.sha256(pasted.strip().encode("utf-8", "surrogatepass")).hexdigest()[:8]
        links = extract_links(pasted, source=f"pasted links ({name.strip() or 'no name'}, {digest})")
        found.append(replace(links, candidate=Person(name.strip(), email.strip().lower())))
    if expand and any(link.kind == "profile" for e in found for link in e.links):
        found = expand_sync(found, transport=make_transport(), max_badges=max_badges)
    return found


def people(found: Sequence[Extraction]) -> list[IntakeCandidate]:
    """The readable sources grouped into candidates, matched to the workspace's by email."""
    return group_candidates(found, workspace().candidates())


def queue(chosen: Sequence[tuple[IntakeCandidate, Sequence[str]]], *, source: str) -> tuple[int, int]:
    """Store the chosen candidates (merged with those already there) and queue their chosen badge
    links that are new as one verification job; (new candidates, badges queued)."""
    ws = workspace()
    existing = ws.candidates()
    known = {c.candidate_id: c for c in existing}
    picked = [(p, list(urls)) for p, urls in chosen if urls]
    if not picked:
        return 0, 0
    stored = to_candidates(picked, existing)
    ws.save_candidates(stored, source=source)
    inputs = []
    for cand, (_person, urls) in zip(stored, picked, strict=True):
        before = set(known[cand.candidate_id].badges) if cand.candidate_id in known else set()
        inputs += [
            BadgeInput(source=u, candidate=cand.candidate_id, emails=cand.emails) for u in urls if u not in before
        ]
    if inputs:
        ws.create_job(inputs, label=f"résumés and profiles: {source}")
    ws.log("import résumés", f"{source}: {len(picked)} candidates, {len(inputs)} badge links", len(inputs))
    return sum(1 for c in stored if c.candidate_id not in known), len(inputs)
