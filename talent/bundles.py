"""A shortlist's evidence bundle, built from the workspace.

The bundle has the format of :mod:`verifier.bundle` (``python -m verifier
verify --bundle FILE.zip`` re-verifies it): for every badge of the shortlisted
candidates, the latest stored result, the input exactly as handed in and every
document that result depended on, exactly as fetched (storage keeps them with
their SHA-256, :meth:`talent.storage.Workspace.store_documents`). Added to it:
the role (``role.json``), the registries the workspace verifies against
(``policy/registries.json``: its dated snapshots with their data, and the
registries it fetches) and its trust list when it has one (``policy/trust.json``), the shortlist (``shortlist.json``) and a
report (``report.html``) linking every claim to its files in the bundle.

The workspace's results are judged each at its own time; the bundle records
the newest of those instants as the one to re-verify at.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from talent.issuers import trust_to_value
from talent.roles import Role
from talent.shortlist import Shortlist, safe_filename, shortlist_to_dict
from talent.storage import Workspace
from verifier.bundle import (
    BadgeRecord,
    Bundle,
    BundleError,
    BundleLimits,
    BundleWriter,
    Reverified,
    read_input_bytes,
    reverify,
)
from verifier.models import VerificationResult, utc_now
from verifier.pipeline import BadgeInput
from verifier.recording import RecordedDocument

__all__ = ["APP_BUNDLE_LIMITS", "BundleCheck", "EvidenceBundle", "check_bundle", "shortlist_bundle"]


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    """A bundle made for download: its file name, bytes, the manifest's SHA-256 and badge count."""

    filename: str
    content: bytes
    manifest_sha256: str
    badges: int
    without_documents: int


def _instant(result: VerificationResult) -> datetime | None:
    try:
        return datetime.fromisoformat(result.checked_at.replace("Z", "+00:00")) if result.checked_at else None
    except ValueError:
        return None


def shortlist_bundle(
    ws: Workspace,
    shortlist: Shortlist,
    role: Role | None,
    *,
    names: Mapping[str, str] | None = None,
    verifies_tls: bool = True,
    vouched_hosts: Iterable[str] = (),
) -> EvidenceBundle:
    """Build the evidence bundle of ``shortlist`` from what ``ws`` stores.

    ``verifies_tls`` / ``vouched_hosts`` say how the workspace's fetcher
    proved hosts (the dashboard vouches for its sample's issuers), so that a
    re-verification judges issuer identity on the same terms.
    """
    names = names or {}
    stored = []
    for result_id, candidate_id in ws.latest_result_ids(list(shortlist.candidate_ids)):
        found = ws.stored_result(result_id)
        if found is None:
            continue
        result, given = found
        stored.append((candidate_id, result, given, ws.result_documents(result_id)))
    instants = [t for t in (_instant(r) for _, r, _, _ in stored) if t is not None]
    now = max(instants) if instants else utc_now()
    fd, tmp = tempfile.mkstemp(suffix=".zip")
    os.close(fd)
    try:
        # the workspace's own terms: its registries (snapshots with their data) and its trust list
        policy = Path(tmp).with_suffix(".registries.json")
        policy.write_text(json.dumps(ws.registry_settings().policy_document()), encoding="utf-8")
        trust = ws.trust_list()
        trust_file = None
        if trust.allow or trust.deny:
            trust_file = Path(tmp).with_suffix(".trust.json")
            trust_file.write_text(json.dumps(trust_to_value(trust)), encoding="utf-8")
        writer = BundleWriter(tmp, now=now, registries_file=policy, trust_file=trust_file)
        try:
            writer.note_identity_transport(verifies_tls, vouched_hosts)
            rows = []
            emails: list[str] = []
            without = 0
            for candidate_id, result, given, documents in stored:
                item = given or BadgeInput(result.input, candidate=candidate_id)
                for doc in documents:
                    writer.recorder.add(doc)
                data, filename = read_input_bytes(item)
                keys = tuple((d.url, d.accept) for d in documents)
                without += not documents
                entry = writer.add(result, BadgeRecord(item, data, filename, keys))
                emails.extend(e for e in item.emails if e not in emails)
                rows.append((candidate_id, result, entry, documents))
            if role is not None:
                writer.attach("role", "role.json", _json(role.to_dict()))
            writer.attach("shortlist", "shortlist.json", _json(shortlist_to_dict(shortlist)))
            writer.attach("report", "report.html", _report(shortlist, role, rows, names).encode("utf-8"))
            digest = writer.close()
        except BaseException:
            writer.abort()
            raise
        content = Path(tmp).read_bytes()
    finally:
        for leftover in (Path(tmp), Path(tmp).with_suffix(".registries.json"), Path(tmp).with_suffix(".trust.json")):
            leftover.unlink(missing_ok=True)
    filename = safe_filename(f"{shortlist.name}-{shortlist.role_id}-evidence", suffix=".zip")
    return EvidenceBundle(filename, content, digest, len(rows), without)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _link(name: str | None, label: str) -> str:
    if not name:
        return ""
    return f'<a href="{html.escape(name, quote=True)}">{html.escape(label)}</a>'


def _report(
    shortlist: Shortlist,
    role: Role | None,
    rows: Sequence[tuple[str, VerificationResult, Mapping[str, Any], Sequence[RecordedDocument]]],
    names: Mapping[str, str],
) -> str:
    """A plain HTML page: every badge (claim) with its result in words and links to its files here."""
    title = f"{shortlist.name} — {role.name if role is not None else shortlist.role_id}"
    lines = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)} — evidence</title>",
        "<style>body{font-family:sans-serif;margin:2rem}td,th{border:1px solid #999;padding:.3rem;"
        "vertical-align:top;text-align:left}table{border-collapse:collapse}</style>",
        f"</head><body><h1>{html.escape(title)}</h1>",
        "<p>Every claim below links to its files in this bundle: the badge as handed in, the result as recorded, "
        "and each document the verification fetched. <code>manifest.json</code> lists every file with its SHA-256; "
        "<code>python -m verifier verify --bundle THIS.zip</code> checks them all again.</p>",
        "<table><thead><tr><th>Candidate</th><th>Badge</th><th>Status</th><th>In words</th>"
        "<th>Files</th></tr></thead><tbody>",
    ]
    for candidate_id, result, entry, documents in rows:
        badge = result.achievement.name or result.input
        files = [_link(entry.get("input_file"), "badge as handed in"), _link(entry.get("result_file"), "result")]
        files += [_link(f"documents/{d.sha256}", f"fetched: {d.url}") for d in documents]
        lines.append(
            "<tr>"
            f"<td>{html.escape(names.get(candidate_id, candidate_id))}</td>"
            f"<td>{html.escape(badge)}</td>"
            f"<td>{html.escape(result.status)}</td>"
            f"<td>{html.escape(result.summary)}</td>"
            f"<td>{'<br>'.join(f for f in files if f)}</td>"
            "</tr>"
        )
    lines.append("</tbody></table></body></html>")
    return "\n".join(lines)


# -- checking a bundle again ---------------------------------------------------------------------------

#: Caps on a bundle handed to the app (the reader refuses archives past them; nothing is extracted to disk).
APP_BUNDLE_LIMITS = BundleLimits(max_entries=20_000, max_file_bytes=16 * 1024 * 1024, max_total_bytes=256 * 1024 * 1024)
MAX_BUNDLE_UPLOAD = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BundleCheck:
    """A bundle verified again from its own documents: one row per badge, the bundle's problems,
    or why it could not be read at all (``error``)."""

    rows: tuple[dict[str, Any], ...] = ()
    problems: tuple[str, ...] = ()
    error: str = ""
    judged_at: str = ""


def check_bundle(data: bytes, *, limits: BundleLimits = APP_BUNDLE_LIMITS) -> BundleCheck:
    """Open a bundle someone handed in (its own caps and path checks: :class:`verifier.bundle.Bundle`)
    and verify every badge again, offline, at the bundle's own instant; never raises for bad input."""
    if len(data) > MAX_BUNDLE_UPLOAD:
        return BundleCheck(error=f"the file is larger than {MAX_BUNDLE_UPLOAD // (1024 * 1024)} MB")
    fd, tmp = tempfile.mkstemp(suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        try:
            bundle = Bundle.open(tmp, limits=limits)
        except BundleError as exc:
            return BundleCheck(error=str(exc).replace(tmp, "the bundle"))
        redone = asyncio.run(_again(bundle))
    finally:
        Path(tmp).unlink(missing_ok=True)
    rows = tuple(
        {
            "candidate": r.result.candidate or "",
            "badge": r.result.achievement.name or r.result.input,
            "recorded": r.recorded.status.value if r.recorded is not None else "",
            "now": r.result.status.value,
            "in words": r.result.summary,
            "changed": "; ".join(f"{c.what}: {c.was} → {c.now}" for c in r.changed),
        }
        for r in redone
    )
    problems = tuple(p.replace(tmp, "the bundle") for p in bundle.problems)
    return BundleCheck(rows, problems, judged_at=_iso(bundle.now) if bundle.now else "")


async def _again(bundle: Bundle) -> list[Reverified]:
    return [r async for r in reverify(bundle, now=bundle.now)]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
