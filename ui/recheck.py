"""Re-checks on the pages: what changed since the last check and since an export, badges about to
expire, the schedule setting, and starting a re-check when the schedule says one is due
(:mod:`talent.recheck`; the badge's own words are shown as text)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from talent.alerts import AlertSettings
from talent.recheck import RecheckSettings, changes, due, expiring, last_export_at, queue_recheck, shortlisted_ids
from ui import runs
from ui.render import counted, plain
from ui.workspace import names_at, revision, url, workspace
from verifier.models import utc_now


def run_due_recheck() -> int:
    """Queue and start a re-check when the workspace's schedule says one is due; how many badges."""
    ws = workspace()
    now = utc_now()
    settings = RecheckSettings.load(ws)
    if settings.scope == "shortlisted" and not shortlisted_ids(ws):
        return 0  # nothing to re-check: no write on a page view
    if not due(ws, now, settings):
        return 0
    job, count = queue_recheck(ws, now)
    if job is not None:
        runs.start_run()
    return count


def _who(candidate_id: str) -> str:
    return names_at(url(), revision()).get(candidate_id, candidate_id)


def changes_panel(*, candidate_ids: Sequence[str] | None = None, since: str | None = None, title: str) -> int:
    """The badges whose latest check differs from the one before (or from ``since``), and the verified
    badges expiring within the warning window; returns how many lines were shown."""
    ws = workspace()
    settings = RecheckSettings.load(ws)
    found = changes(ws, since=since, candidate_ids=candidate_ids)
    soon = expiring(ws, utc_now(), settings.warn_days, candidate_ids=candidate_ids)
    st.header(title)
    if not found and not soon:
        st.write(f"Nothing changed, and no verified badge expires within {settings.warn_days} days.")
        return 0
    if found:
        st.markdown(
            "\n".join(
                f"- **{plain(_who(c.candidate_id))}** — {plain(c.badge)}: {plain(', '.join(c.kinds))}. "
                f"{plain(c.summary)}"
                for c in found
            )
        )
    if soon:
        st.warning(
            "\n".join(
                f"- {plain(_who(e.candidate_id))} — {plain(e.badge)}: expires within {e.days_left + 1} days "
                f"({plain(e.expires[:10])})"
                for e in soon
            ),
            icon=":material/schedule:",
        )
    return len(found) + len(soon)


def shortlist_changes(name: str, role_id: str, candidate_ids: Sequence[str]) -> None:
    """On the Shortlist page: changes since the last check, and since this shortlist's last export."""
    changes_panel(candidate_ids=candidate_ids, title="Changed since the last check")
    exported = last_export_at(workspace(), name, role_id)
    if exported is not None:
        changes_panel(candidate_ids=candidate_ids, since=exported, title=f"Changed since the export of {exported[:16]}")


def start_changes() -> None:
    """On the Start page: the shortlisted candidates' changes since the last check."""
    wanted = sorted(shortlisted_ids(workspace()))
    if wanted:
        changes_panel(candidate_ids=wanted, title="Shortlisted candidates: changed since the last check")


def schedule_settings() -> None:
    """The re-check schedule: how often, which badges, how many days ahead to warn of expiry."""
    ws = workspace()
    current = RecheckSettings.load(ws)
    with st.expander("Re-check schedule"), st.form("recheck_schedule"):
        hours = st.number_input(
            "Re-check every (hours; 0 = off)",
            min_value=0,
            max_value=24 * 365,
            value=current.every_hours,
            help="Badges are verified again this often; each re-check stores new results.",
        )
        scope = st.radio(
            "Which badges",
            ["shortlisted", "workspace"],
            index=0 if current.scope == "shortlisted" else 1,
            format_func=lambda s: "Shortlisted candidates' badges" if s == "shortlisted" else "Every badge",
            horizontal=True,
        )
        days = st.number_input(
            "Warn of expiry this many days ahead", min_value=0, max_value=3650, value=current.warn_days
        )
        if st.form_submit_button("Save the schedule"):
            RecheckSettings(int(hours), str(scope), int(days)).save(ws)
            st.success("Saved. `python -m talent recheck --if-due` runs the same schedule from cron.")


def alert_settings() -> None:
    """E-mail and webhook alerts on shortlisted candidates' changed evidence, and the delivery log."""
    ws = workspace()
    current = AlertSettings.load(ws)
    with st.expander("Alerts (e-mail, webhook)"):
        with st.form("alert_settings"):
            st.markdown(
                "**E-mail** (leave the server empty for none; the password comes from `SKILLPROOF_SMTP_PASSWORD`)"
            )
            host = st.text_input("SMTP server", value=current.smtp_host)
            port = st.number_input("SMTP port", min_value=1, max_value=65535, value=current.smtp_port)
            starttls = st.checkbox("Use STARTTLS", value=current.smtp_starttls)
            user = st.text_input("SMTP user name (optional)", value=current.smtp_user)
            sender = st.text_input("From", value=current.smtp_from)
            to = st.text_input("To (comma-separated)", value=", ".join(current.smtp_to))
            st.markdown("**Webhook** (a JSON POST signed with HMAC-SHA256 in `X-SkillProof-Signature`)")
            hook = st.text_input("Webhook URL", value=current.webhook_url)
            secret = st.text_input("Signing secret", value=current.webhook_secret, type="password")
            allow = st.text_input(
                "Allow these private hosts (host:port, comma-separated)",
                value=", ".join(current.webhook_allow_hosts),
                help="Addresses inside a private network are refused unless listed here.",
            )
            include = st.checkbox("Include candidates' e-mail addresses in the webhook", value=current.include_emails)
            if st.form_submit_button("Save the alert settings"):
                new = AlertSettings(
                    smtp_host=host.strip(),
                    smtp_port=int(port),
                    smtp_starttls=starttls,
                    smtp_user=user.strip(),
                    smtp_from=sender.strip(),
                    smtp_to=tuple(x.strip() for x in to.split(",") if x.strip()),
                    webhook_url=hook.strip(),
                    webhook_secret=secret,
                    webhook_allow_hosts=tuple(x.strip() for x in allow.split(",") if x.strip()),
                    include_emails=include,
                )
                try:
                    new.save(ws)
                except ValueError as exc:
                    st.error(str(exc), icon=":material/error:")
                else:
                    st.success("Saved.")
        log = ws.alert_deliveries(limit=20)
        if log:
            st.markdown("**Delivery log**")
            st.markdown(
                "\n".join(
                    f"- {plain(d['at'][:16])} · {plain(d['channel'])} · {plain(d['state'])} "
                    f"({counted(d['attempts'], 'attempt')}): {plain(d['detail'])}"
                    for d in log
                )
            )
            failed = [d for d in log if d["state"] == "failed"]
            if failed:
                st.warning(f"{len(failed)} alert delivery(ies) failed; they are tried again after the next check.")
