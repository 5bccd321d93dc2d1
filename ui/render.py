"""How pages show things: the page frame, statuses, checks, empty states.

Colours, symbols and words for statuses live in :mod:`ui.theme`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui import auth, navigation
from ui.sample import ensure_workspace
from ui.theme import GREY, OUTCOME_SYMBOLS, STATUS_COLOURS, status_css, status_label
from verifier.labels import check_label, format_label
from verifier.models import VerificationResult

log = logging.getLogger(__name__)


def run_page(
    body: Callable[[], None], *, title: str, icon: str = ":material/verified:", permission: auth.Permission = "view"
) -> None:
    """Run a page body inside the shared frame.

    Sets the page config, shows the sign-in state in the sidebar (the
    single-user notice when no sign-in is configured), stops the page unless
    the user holds ``permission`` (:func:`ui.auth.require`: a signed-out
    visitor sees only a sign-in prompt), makes sure the workspace exists
    (loading the sample on first launch), and turns any unexpected exception
    into a friendly ``st.error``: no traceback ever reaches the page (it goes
    to the server log instead).
    """
    navigation.enter_through_registry()
    st.set_page_config(page_title=f"{title} · SkillProof", page_icon=icon, layout="wide")
    auth.sidebar()
    try:
        auth.require(permission)
        ensure_workspace()
        body()
    except Exception as exc:
        log.exception("page %s failed", title)
        st.error(
            f"**Something went wrong on this page** ({exc.__class__.__name__}: {_short(str(exc))}).\n\n"
            "Your workspace is safe. Try reloading the page; if the problem stays, open the Start page and "
            "check the terminal where `streamlit run` is running for details."
        )


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def link(page: str, label: str, *, icon: str = "➡️") -> None:
    """A link to another page; where pages are not registered (a page run on its own, as in
    tests) it becomes a plain pointer to the sidebar instead of an error."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(f"{icon} {label}: open it from the sidebar.")


def empty_state(message: str, *, page: str | None = None, label: str | None = None) -> None:
    """An empty state that says what to do, with a link to the page that does it."""
    st.info(message, icon=":material/info:")
    if page is not None:
        link(page, label or "Go there")


def styled_status(frame: pd.DataFrame, column: str = "Status", *, max_rows: int = 5000) -> Any:
    """A Styler colouring the status column (plain frame when too large to style quickly)."""
    if len(frame) > max_rows or column not in frame.columns:
        return frame
    return frame.style.map(status_css, subset=[column])


SKILL_WORDS = {
    "name": "Skill",
    "framework": "Framework",
    "code": "Code",
    "url": "Link",
    "source": "Read from",
    "target_type": "Kind",
}


def table_style(frame: pd.DataFrame) -> Any:
    """A frame for ``st.table``: no index column, and long unbroken text (a DID, a key id, a URL)
    wrapped inside its cell, so that no cell becomes a scroll box a keyboard cannot reach."""
    return frame.style.hide(axis="index").map(lambda _value: "overflow-wrap: anywhere")


def checks_frame(result: VerificationResult) -> pd.DataFrame:
    """One row per check: what was checked, the outcome (symbol + word) and the message."""
    rows = []
    for c in result.checks:
        outcome = OUTCOME_SYMBOLS.get(c.outcome.value, c.outcome.value)
        if c.indeterminate:
            outcome = "? could not be determined"
        rows.append({"Check": check_label(c.id), "Outcome": outcome, "Detail": c.message})
    return pd.DataFrame(rows, columns=["Check", "Outcome", "Detail"])


def result_details(result: VerificationResult) -> None:
    """The drill-down of one badge: verdict, each check, issuer, recipient, dates, skills."""
    colour = STATUS_COLOURS.get(result.status.value, GREY)
    st.markdown(
        f"<div style='border-left: 6px solid {colour}; padding: 0.3rem 0.8rem; margin-bottom: 0.6rem'>"
        f"<strong>{status_label(result.status.value)}</strong> — {_escape(result.summary)}</div>",
        unsafe_allow_html=True,
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Achievement**")
        st.write(plain(result.achievement.name) if result.achievement.name else "(not stated)")
        if result.achievement.description:
            st.caption(plain(result.achievement.description))
        st.markdown("**Issuer**")
        st.write(plain(result.issuer.name) if result.issuer.name else "(not stated)")
        # plain text, not a caption: a link drawn in the caption's faded colour misses AA contrast
        st.markdown(plain(" · ".join(x for x in (result.issuer.id, result.issuer.url) if x)) or "no issuer id")
    with right:
        st.markdown("**Recipient**")
        match = {True: "✔ issued to this candidate", False: "✖ issued to someone else", None: "– not checked"}
        st.write(match[result.recipient_match] + (f" ({auth.contact(result.email)})" if result.email else ""))
        st.markdown("**Dates**")
        st.write(plain(f"Issued: {result.issued_on or '—'} · Expires: {result.expires or 'never'}"))
        st.caption(
            plain(
                f"Format: {format_label(result.format)}"
                + (f" · platform: {result.platform}" if result.platform else "")
            )
        )
    # the sentence above comes first; the technical checks are one click away
    with st.expander(f"Technical checks ({len(result.checks)})"):
        if result.reason:
            st.markdown(f"Decided by: {plain(result.reason)}")
        # a list, not a table: a check's detail can hold a long unbroken key id or URL, which a table
        # cell would turn into a scroll box that keyboard users cannot reach (WCAG 2.1.1)
        st.markdown(
            "\n".join(
                f"- {outcome} — **{plain(check)}**" + (f": {plain(detail)}" if detail else "")
                for check, outcome, detail in checks_frame(result).itertuples(index=False)
            )
        )
    if result.skills:
        st.markdown("**Skills the badge states**")
        skills = pd.DataFrame([s.to_dict() for s in result.skills])
        skills = skills[[c for c in SKILL_WORDS if c in skills]].fillna("").rename(columns=SKILL_WORDS)
        st.table(table_style(skills))


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|:<>~$=])")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun in the right number: "1 badge", "3 badges", "2 badge links"
    (``plural`` for the irregular ones)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def plain(text: str) -> str:
    """``text`` made safe to pass to ``st.write`` / ``st.caption``: every
    Markdown punctuation character is backslash-escaped (CommonMark §2.4), so
    a badge's own words show as the words, never as a remote image, a link,
    a heading or coloured text."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text).replace("\n", "  \n")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
