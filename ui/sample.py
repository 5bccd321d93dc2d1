"""The first launch: an empty workspace gets the sample (``sample_data/``), verified offline.

Under the app server its lifespan loads the sample and queues it, and the
server's worker verifies it while the start page shows the progress. A page
run with no server (``AppTest``, a script) loads and verifies it in place.
"""

from __future__ import annotations

import csv
import os
import threading

import streamlit as st

from talent.candidates import Candidate, candidate_key, import_file
from talent.roles import load_roles_dir
from talent.storage import Workspace
from talent.worker import Worker
from ui.verification import SAMPLE_DIR, cluster_config, make_transport, sample_registry_settings, verify_all
from ui.workspace import SAMPLE_MARK, url, workspace
from verifier.pipeline import BadgeInput

SAMPLE_LABEL = "sample workspace"

_init_lock = threading.Lock()
_initialised: set[str] = set()


def ensure_workspace() -> None:
    """On the first launch (a workspace that has never been written to), load the sample and verify it
    offline (about a second). ``SKILLPROOF_NO_SAMPLE=1`` starts empty instead."""
    db = url()
    if db in _initialised:
        return
    with _init_lock:
        if db in _initialised:
            return
        ws = workspace()
        if is_first_launch(ws):
            with st.spinner("First launch: loading the sample workspace and verifying its badges offline…"):
                load_sample(ws)
        _initialised.add(db)


def load_sample(ws: Workspace, *, verify: bool = True) -> str | None:
    """Load ``sample_data/``: the ATS export, every badge (files kept as bytes in the job), the roles, and
    queue its badges as a run (its id). ``verify``: verify them now, in this thread."""
    imported = import_file(SAMPLE_DIR / "candidates.csv")
    with (SAMPLE_DIR / "badges.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_ats = {c.ats_id: c for c in imported.candidates}
    people = {c.candidate_id: c for c in imported.candidates}
    # People whose ATS row has no badge link (their badges were handed in as files) are rejected by the
    # importer ("no badge"); they come from the badge list instead.
    for row in rows:
        if row["candidate_id"] not in by_ats:
            key = candidate_key(row["candidate"], [row["email"]], row["candidate_id"])
            people.setdefault(key, Candidate(key, row["candidate"], (row["email"],), row["candidate_id"]))
            by_ats[row["candidate_id"]] = people[key]
    ws.save_candidates(people.values(), source="sample_data/candidates.csv")
    roles_dir = SAMPLE_DIR / "roles"
    if roles_dir.is_dir():
        for role in load_roles_dir(roles_dir):
            ws.save_role(role)
    inputs = []
    for row in rows:
        cand = by_ats[row["candidate_id"]]
        badge = row["badge"]
        if badge.startswith("https://"):
            inputs.append(BadgeInput(source=badge, candidate=cand.candidate_id, emails=cand.emails))
        else:
            path = SAMPLE_DIR / badge
            inputs.append(
                BadgeInput(
                    source=f"sample_data/{badge}",
                    data=path.read_bytes(),
                    filename=path.name,
                    candidate=cand.candidate_id,
                    emails=cand.emails,
                )
            )
    # the sample's own (fictional) registry beside the bundled DCC snapshot, so one issuer is "registry"
    ws.save_registry_settings(sample_registry_settings())
    ws.create_job(inputs, label=SAMPLE_LABEL)
    ws.log(SAMPLE_MARK, f"{len(people)} candidates, {len(inputs)} badges", len(inputs))
    run_id = ws.queue.enqueue(label=SAMPLE_LABEL)
    if verify:
        worker = Worker(ws, verify=verify_all, transport_factory=make_transport, cluster_config=cluster_config)
        try:
            worker.drain()
        finally:
            worker.stop()
    return run_id


def is_first_launch(ws: Workspace) -> bool:
    """True for a workspace never written to, unless ``SKILLPROOF_NO_SAMPLE=1`` asks to start empty."""
    return ws.revision() == 0 and os.environ.get("SKILLPROOF_NO_SAMPLE") != "1"
