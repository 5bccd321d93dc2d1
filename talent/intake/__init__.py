"""Intake: candidates and their credential links from where the links really are.

Résumés (PDF, DOCX, HTML, Markdown, text), LinkedIn's data export, and badge
profile links (Credly, Badgr / Canvas Credentials, Open Badge Passport,
Accredible) become :class:`Extraction` values: who the source is about, the
links it holds (badge / profile / other), the certifications it claims
without a link, and what could not be used. The Import page and
``python -m talent extract`` run the same functions::

    extractions = extract_files([(name, data), ...])          # one per source, never raises
    extractions = expand_sync(extractions, transport=...)      # profiles -> the badges they list
    people = group_candidates(extractions, ws.candidates())    # by email, never by name alone
    candidates = to_candidates([(person, chosen_urls), ...], ws.candidates())

Claims are shown as "claimed, no verifiable credential" and never counted.
"""

from __future__ import annotations

from talent.intake.candidates import IntakeCandidate, group_candidates, source_id, to_candidates
from talent.intake.expand import expand_extractions, expand_sync
from talent.intake.model import Claim, Extraction, Link, Person
from talent.intake.readers import ReadLimits, Unreadable
from talent.intake.sources import extract_files, extract_links, extract_resume, read_document

__all__ = [
    "Claim",
    "Extraction",
    "IntakeCandidate",
    "Link",
    "Person",
    "ReadLimits",
    "Unreadable",
    "expand_extractions",
    "expand_sync",
    "extract_files",
    "extract_links",
    "extract_resume",
    "group_candidates",
    "read_document",
    "source_id",
    "to_candidates",
]
