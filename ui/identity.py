"""Issuer identity in words and symbols: the Results column, its level filter and the drill-down section.

Levels (``issuer.identity.level``, strongest first) are told apart by a shape
and a word, never by colour alone: ``◆ registry``, ``● domain``,
``■ platform``, ``○ self-asserted``.

The Results drill-down's section on identity is :func:`ui.issuers.identity_details`.

One honesty note is the dashboard's own: the sample workspace's issuers are
answered from files SkillProof ships, not over the internet, and the
verifier counts such answers as proving a host only because the application
vouches for its own files (its ``how`` says "without TLS").
:func:`offline_note` says so wherever a proven domain is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

LEVEL_SYMBOLS = {"registry": "◆", "domain": "●", "platform": "■", "self-asserted": "○"}
LEVEL_WORDS = {
    "registry": "registry",
    "domain": "domain",
    "platform": "platform",
    "self-asserted": "self-asserted",
}
LEVEL_HELP = {
    "registry": "listed in an issuer registry you consult (or allowed on your trust list)",
    "domain": "a website is proven to be the issuer's (did:web, its own hosted badges, or a DID configuration)",
    "platform": "a badge platform (Credly, Badgr, ...) served it and vouches for the organisation",
    "self-asserted": "nothing proves who issued it: the name and website are only what the badge says",
}
NOT_ASSESSED = "not assessed"
SHIPPED = "sample files, no TLS"  # a proof that rests on files the application ships (see offline_note)
LEVEL_COLUMN_HELP = (
    "How far 'issued by who it claims' is proven. ◆ registry: listed in a registry you consult; ● domain: the "
    "issuer's own website proves it; ■ platform: a badge platform vouches; ○ self-asserted: only the badge says "
    "so. 'claims:' is the name the badge gives its issuer."
)


def level_label(level: str | None) -> str:
    """``"◆ registry"``, ``"○ self-asserted"``; ``"– not assessed"`` for results verified before levels existed."""
    if not level:
        return f"– {NOT_ASSESSED}"
    return f"{LEVEL_SYMBOLS.get(level, '·')} {LEVEL_WORDS.get(level, level)}"


def identity_cell(issuer: Mapping[str, Any]) -> tuple[str, str]:
    """(level label, the Identity cell) of a stored result's ``issuer`` object: the symbol and what is
    proven (the registry's name, the domain, the platform), then ``claims: <name>``."""
    ident = issuer.get("identity") if isinstance(issuer.get("identity"), Mapping) else None
    if ident is None:
        return level_label(None), f"– {NOT_ASSESSED}"
    level = str(ident.get("level") or "")
    registries = [r for r in ident.get("registries") or () if isinstance(r, Mapping)]
    if level == "registry" and registries:
        shown = ", ".join(dict.fromkeys(str(r.get("name")) for r in registries))
    else:
        shown = str(ident.get("proven") or "") or "not proven"
    if level == "domain":
        shown = _domain(shown)
    if offline_note(str(ident.get("how") or "")):
        shown += f" ({SHIPPED})"
    claims = ident.get("claims") if isinstance(ident.get("claims"), Mapping) else {}
    name = (claims or {}).get("name") or issuer.get("name")
    cell = f"{LEVEL_SYMBOLS.get(level, '·')} {shown}" + (f" · claims: {name}" if name else "")
    if isinstance(ident.get("impersonation"), Mapping):
        cell += " · ⚠ resembles " + str(ident["impersonation"].get("resembles") or "another issuer")
    return level_label(level), cell


def _domain(proven: str) -> str:
    """A proven ``did:web:host`` shown as its host."""
    return proven.removeprefix("did:web:").split(":", 1)[0] if proven.startswith("did:web:") else proven


def level_filter(frame: pd.DataFrame, *, key: str = "f_identity") -> pd.DataFrame:
    """A multiselect of identity levels; ``frame`` limited to the chosen ones (all when none chosen)."""
    present = [lbl for lbl in (level_label(lvl) for lvl in LEVEL_SYMBOLS) if lbl in set(frame["identity_level"])]
    if (frame["identity_level"] == level_label(None)).any():
        present.append(level_label(None))
    chosen = st.multiselect(
        "Issuer identity",
        present,
        help="Show badges whose issuer is proven at these levels. " + LEVEL_COLUMN_HELP,
        key=key,
    )
    return frame[frame["identity_level"].isin(chosen)] if chosen else frame


def offline_note(how: str) -> str | None:
    """A plain warning when a proof rests on files the application ships rather than on TLS."""
    if "without TLS" in how:
        return (
            "Served from files SkillProof ships with the sample, not fetched over the internet: the domain counts "
            "as proven here only because the application vouches for its own files. A real issuer proves its "
            "domain over HTTPS, where the certificate is checked."
        )
    return None
