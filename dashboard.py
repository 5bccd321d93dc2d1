"""SkillProof: the start page and the app server (``streamlit run dashboard.py``).

``streamlit run dashboard.py`` finds ``app`` below (Streamlit's ASGI entry
point, ``st.App``) and serves it: this file is then the script every browser
session runs, and the server around it (:mod:`server.app`) adds the
verification worker, the HTTP API and start-up migrations.

What SkillProof does, the workspace at a glance, and the next step. On the
first launch with an empty workspace the sample workspace is loaded and
verified offline (see ``sample_data/README.md``).
"""

from __future__ import annotations

import streamlit as st

from ui import navigation, sample
from ui import workspace as state
from ui.accessible import chart, status_summary, status_table
from ui.charts import status_bar
from ui.recheck import run_due_recheck, start_changes
from ui.render import link, run_page


def next_step(summary: state.Summary) -> tuple[str, str, str]:
    """(message, page, link label) for what a newcomer should do next."""
    if summary.candidates == 0:
        return ("Start by importing your candidates (an ATS export) on **Import**.", "pages/1_Import.py", "Import")
    if summary.queued:
        return (f"{summary.queued} badges are waiting to be checked: run **Verify**.", "pages/2_Verify.py", "Verify")
    if summary.roles == 0:
        return ("Describe the role you are hiring for on **Roles**.", "pages/4_Roles.py", "Roles")
    return (
        "See how the candidates' verified skills cover each role on **Coverage**, then build a shortlist.",
        "pages/5_Coverage.py",
        "Coverage",
    )


def sample_being_verified() -> bool:
    """True while the server's worker verifies the sample loaded on the first launch."""
    run = state.workspace().queue.progress()
    return run is not None and run.label == sample.SAMPLE_LABEL and not run.ended


@st.fragment(run_every=1.0)
def first_launch_progress() -> None:
    """Say what the first launch is doing and how far it is; refresh the whole page once it is done."""
    run = state.workspace().queue.progress()
    if run is None or run.ended:
        st.rerun()  # the counts on the page were read before the run ended
        return
    share = run.done / run.total if run.total else 0.0
    st.progress(
        share,
        text=f"First launch: verifying the sample workspace's badges offline — {run.done} of {run.total} checked…",
    )


def start_page() -> None:
    """The Start page body."""
    st.title("SkillProof")
    st.write(
        "SkillProof checks candidates' digital badges and credentials — Open Badges 2.0 and 3.0, W3C Verifiable "
        "Credentials — and shows what the **verified** ones add up to against the roles you hire for. A badge "
        "counts only when it is genuine, issued by who it claims, not revoked, not expired, and issued to this "
        "candidate."
    )
    if sample_being_verified():
        first_launch_progress()
    if run_due_recheck():
        st.toast("A scheduled re-check of the shortlisted candidates' badges has started.")
    summary = state.summary()
    if summary.is_sample:
        st.info(
            "You are looking at the **sample workspace**: 30 fictional candidates and their badges from fictional "
            "issuers, verified offline. Import your own candidates at any time. Its issuers show every level of "
            "identity proof — one listed in a registry, websites, badge platforms, bare keys — and one "
            "impersonator: see **Issuers**.",
            icon=":material/science:",
        )
    cols = st.columns(6)
    cols[0].metric("Candidates", summary.candidates, help="People in the workspace.")
    cols[1].metric("Badges", summary.badges, help="Badges and credentials imported.")
    cols[2].metric("✔ Verified", summary.verified, help="Every check that applies passed.")
    cols[3].metric("✖ Failed", summary.failed, help="Not valid now (revoked, expired, tampered, wrong recipient...).")
    cols[4].metric("? Couldn't verify", summary.errors, help="A check could not be completed; never counted as valid.")
    cols[5].metric("Roles", summary.roles, help="Requirement profiles to rank candidates against.")
    left, right = st.columns([3, 2])
    with left:
        message, page, label = next_step(summary)
        st.header("Next step")
        st.success(message)
        link(page, label, icon=":material/arrow_forward:")
        if summary.candidates == 0 and st.button(
            "Or load the sample workspace",
            help="30 fictional candidates with badges of every kind from fictional issuers, verified offline.",
            key="load_sample",
        ):
            with st.spinner("Loading and verifying the sample workspace…"):
                sample.load_sample(state.workspace())
            st.rerun()
        st.header("Pages")
        for page in navigation.PAGES:
            link(page.path, f"{page.title} — {page.what}", icon=page.icon)
        start_changes()
    with right:
        if summary.badges:
            counts = {"verified": summary.verified, "failed": summary.failed, "error": summary.errors}
            chart(
                status_bar(counts, title="Badges by status"),
                key="start_status_chart",
                summary=status_summary(counts),
                table=status_table(counts),
                what="Badges by status",
            )
    st.caption(
        "Everything the dashboard verifies can also be verified from a shell: `python -m verifier verify --help`."
    )


def start() -> None:
    """The start page inside the shared page frame."""
    run_page(start_page, title="Start")


if __name__ == "__main__":  # Streamlit runs this file as the script of every browser session
    navigation.run(start)
else:  # imported by the ASGI server: `streamlit run dashboard.py` finds `app` and serves it with uvicorn
    from server.app import app_options

    app = st.App(__file__, **app_options())
