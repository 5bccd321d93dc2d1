"""Candidates' email addresses never reach a log: neither the workspace's audit log nor Python logging.

A full run — import an ATS export, create a verification job, verify every
badge against a loopback issuer (including badges that fail on the
recipient check, which compares emails), record the results, rank, save and
export a shortlist — is done with every logger at DEBUG. Emails are planted
where a careless log line would pick them up: candidate ids
(``email:<address>`` when the export has no ATS id), the export's file
name, the shortlist's name and note.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from talent.candidates import import_candidates, read_table
from talent.catalogue import Catalogue
from talent.coverage import compute_coverage, evidence_frame
from talent.matching import SkillMatcher
from talent.roles import load_roles_dir
from talent.shortlist import Shortlist, export_shortlist
from talent.storage import Workspace
from tests.conftest import ROOT
from tests.support.issuer_server import IssuerServer, loopback_available
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Status
from verifier.pipeline import verify_batch
from verifier.session import Session

pytestmark = pytest.mark.skipif(not loopback_available("127.0.0.2"), reason="needs 127.0.0.2 on loopback")

HOST = "127.0.0.2"
OB2 = "https://w3id.org/openbadges/v2"
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PEOPLE = [(f"Person {i}", f"person.{i}@candidates.example") for i in range(12)]
SALT = "pepper"


@pytest.fixture(scope="module")
def issuer() -> Iterator[IssuerServer]:
    """Badge ``/a/<i>`` is issued to person i (hashed); every third is issued to someone else."""
    with IssuerServer([HOST]) as server:
        base = server.origin(HOST)
        server.route_ob2_badge_class(
            HOST,
            issuer_name="Issuer",
            issuer_email="badges@issuer.example",
            badge_name="SQL",
            alignment=[{"targetName": "SQL", "targetUrl": "https://skills.example/sql"}],
        )
        for i, (_, email) in enumerate(PEOPLE):
            owner = email if i % 3 else "someone.else@elsewhere.example"
            identity = "sha256$" + hashlib.sha256((owner + SALT).encode()).hexdigest()
            server.route(
                HOST,
                f"/a/{i}.json",
                json_body={"@context": OB2, "type": "Assertion", "id": f"{base}/a/{i}.json",
                           "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": identity},
                           "badge": f"{base}/badge.json", "issuedOn": "2024-01-01T00:00:00Z",
                           "verification": {"type": "hosted"}},
            )  # fmt: skip
        yield server


def _ats_export(server: IssuerServer, *, with_ats_ids: bool) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow((["Applicant ID"] if with_ats_ids else []) + ["Name", "Email", "Badges"])
    for i, (name, email) in enumerate(PEOPLE):
        badges = f"{server.url(HOST, f'/a/{i}.json')} {server.url(HOST, '/missing.json')}"
        w.writerow(([f"A{i}"] if with_ats_ids else []) + [name, email, badges])
    return buf.getvalue().encode("utf-8")


@pytest.mark.parametrize("with_ats_ids", [True, False], ids=["ats-ids", "ids-are-emails"])
async def test_a_full_import_verify_export_logs_no_email_address(
    with_ats_ids: bool, issuer: IssuerServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = f"export-for-{PEOPLE[0][1]}.csv"
    with Workspace(f"sqlite:///{tmp_path / 'ws.db'}") as ws:
        # import
        imported = import_candidates(read_table(_ats_export(issuer, with_ats_ids=with_ats_ids), filename=source))
        assert len(imported.candidates) == len(PEOPLE)
        ws.save_candidates(imported.candidates, source=source)
        # verify, as a resumable job
        inputs = [b for c in ws.candidates() for b in c.badge_inputs()]
        job = ws.create_job(inputs, label=f"run for {PEOPLE[1][1]}")
        limits = FetchLimits(timeout=2.0, retries=0)
        async with Fetcher(limits=limits, allow_hosts=issuer.allow_hosts) as fetcher:
            results = [r async for r in verify_batch(inputs, Session(fetcher=fetcher))]
        ws.record_results(job, list(enumerate(results)))
        statuses = {r.status for r in results}
        assert statuses == {Status.VERIFIED, Status.FAILED, Status.ERROR}  # recipient mismatches and 404s too
        assert any(r.check("recipient") is not None and r.status is Status.FAILED for r in results)
        # rank and export
        catalogue = Catalogue.default()
        roles = load_roles_dir(ROOT / "sample_data" / "roles")
        pairs = [(r.candidate or "", r) for _, r in ws.job_results(job)]
        report = compute_coverage(evidence_frame(pairs, SkillMatcher(catalogue)), roles, catalogue)
        ids = tuple(c.candidate_id for c in ws.candidates())
        shortlist = Shortlist(f"picks of {PEOPLE[2][1]}", roles[0].role_id, ids, note=f"ask {PEOPLE[3][1]}")
        ws.save_shortlist(shortlist)
        for fmt in ("csv", "xlsx", "json"):
            filename, content, _ = export_shortlist(shortlist, report, fmt)
            assert content
            ws.record_export(shortlist, fmt, filename)
        audit = ws.audit_log()

    assert {"imported", "job created", "verified", "shortlist saved", "exported"} <= {e.action for e in audit}
    leaked = [(e.action, e.detail) for e in audit if EMAIL.search(f"{e.action} {e.detail}")]
    assert leaked == [], "the audit log holds an email address"
    logged = [r.getMessage() for r in caplog.records] + [caplog.text]
    assert not any(EMAIL.search(m) for m in logged), [m for m in logged if EMAIL.search(m)][:3]
    if not with_ats_ids:
        assert any(c.startswith("email:") for c in ids)  # the emails were there to leak
