"""Verify: run the queued badges with a live progress bar; cancel; resume after a reload."""

from __future__ import annotations

import streamlit as st

from ui.render import counted, link, run_page
from ui.runs import cancel_run, job_progress, start_run
from ui.theme import status_label
from ui.workspace import latest_results, pending_count, requeue_all

REFRESH_SECONDS = 1.0


@st.fragment(run_every=REFRESH_SECONDS)
def live_progress() -> None:
    """Progress, running counts and the latest results, refreshed every second while a run is active."""
    progress = job_progress()
    if progress is None:
        st.caption("No verification run yet.")
        return
    share = progress.done / progress.total if progress.total else 1.0
    st.progress(share, text=f"{progress.done} of {progress.total} badges checked — {progress.state_label}")
    a, b, c, d = st.columns(4)
    a.metric("✔ Verified", progress.verified, help="Every check that applies passed.")
    b.metric("✖ Failed", progress.failed, help="Not valid now: revoked, expired, tampered, wrong recipient, ...")
    c.metric(
        "? Couldn't verify", progress.errors, help="The check could not be completed (network, unsupported format)."
    )
    d.metric("Waiting", max(progress.total - progress.done, 0), help="Queued and not checked yet.")
    latest = latest_results(limit=15)
    if not latest.empty:
        st.markdown("**Latest results**")
        shown = latest.assign(Status=[status_label(s) for s in latest["status"]])
        st.dataframe(
            shown[["Status", "candidate", "achievement", "issuer", "reason"]].rename(
                columns={"candidate": "Candidate", "achievement": "Badge", "issuer": "Issuer", "reason": "Reason"}
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "Status": st.column_config.TextColumn(
                    width="small", help="✔ Verified, ✖ Failed or ? Couldn't verify (never treated as valid)."
                ),
                "Candidate": st.column_config.TextColumn(help="Whose badge it is."),
                "Badge": st.column_config.TextColumn(width="medium", help="The achievement the badge is for."),
                "Issuer": st.column_config.TextColumn(width="small", help="Who the badge says issued it."),
                "Reason": st.column_config.TextColumn(
                    width="large", help="Why it failed or could not be verified; Results shows the full text."
                ),
            },
        )
    if progress.finished and st.session_state.get("verify_was_running"):
        st.session_state["verify_was_running"] = False
        st.rerun()  # refresh the buttons once the run ends
    st.session_state["verify_was_running"] = not progress.finished


def verify_page() -> None:
    """The Verify page body."""
    st.title("Verify")
    st.write(
        "Checks every queued badge: genuine, issued by who it claims, not revoked, not expired, issued to this "
        "candidate. The run continues if you leave this page or reload it; results appear as they arrive."
    )
    pending = pending_count()
    progress = job_progress()
    running = progress is not None and not progress.finished
    left, mid, right = st.columns([2, 2, 3])
    with left:
        if st.button(
            f"Verify {counted(pending, 'queued badge')}" if pending else "Nothing queued",
            type="primary",
            disabled=running or pending == 0,
            help="Starts a run over every badge that has not been checked yet.",
            key="verify_start",
        ):
            start_run()
            st.rerun()
    with mid:
        if st.button(
            "Cancel the run",
            disabled=not running,
            help="Stops after the badges in flight; those already checked keep their results, the rest stay queued.",
            key="verify_cancel",
        ):
            cancel_run()
            st.rerun()
    with right:
        if st.button(
            "Re-check every badge",
            disabled=running,
            help="Queues all badges again (for instance to see revocations that happened since the last run).",
            key="verify_recheck",
        ):
            n = requeue_all()
            st.toast(f"{n} badges queued again.")
            st.rerun()
    if pending == 0 and progress is None:
        st.info("No badges are queued. Import candidates and badges first.", icon=":material/info:")
        link("pages/1_Import.py", "Go to Import", icon=":material/arrow_forward:")
        return
    live_progress()
    if progress is not None and progress.finished and progress.done:
        st.success("Run finished. See every badge on **Results**, or how candidates cover a role on **Coverage**.")
        link("pages/3_Results.py", "Results", icon=":material/arrow_forward:")


run_page(verify_page, title="Verify", icon=":material/check_circle:", permission="import")
