"""``python -m talent extract FILE... [--expand] [--json]``: what intake finds, one line per source.

Each FILE is a résumé (PDF, DOCX, HTML, Markdown, text), a ZIP of résumés,
LinkedIn's export ZIP or its CSV files, or a link (``https://…``: a badge
profile or badge to list as a source of its own). With ``--json`` each source
is printed as one JSON object (JSON Lines, in input order)::

    {"source", "candidate": {"name", "email"},
     "links": [{"url", "platform", "kind", "from_profile", "text"?}],
     "claims": [{"text"}], "problems": [...]}

and otherwise as a short readable block. ``--expand`` replaces profile links
by the badges they list, read through the verifier's guarded fetcher (at
most ``--max-badges`` per profile). ``--offline-issuers DIR`` answers
requests from folders laid out as ``DIR/<host>/…`` instead of the network
(the sample workspace's ``sample_data/issuers``).

Exit status: 0 when every source was read, 1 when some source could not be
read at all (its line says why), 2 for a usage error.

The other commands work on a workspace database: ``recheck`` and ``alerts``
(for cron), and ``forget --db URL CANDIDATE_ID...``, which removes candidates
with everything kept about them (:meth:`talent.storage.Workspace.delete_candidates`)
and prints how many were removed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from talent.intake import Extraction, ReadLimits, expand_sync, extract_files, extract_links
from talent.intake.linkedin import is_linkedin_file
from talent.intake.sources import AUTO_WORKERS, AUTO_WORKERS_FROM, extract_each
from verifier.fetch import FetchLimits
from verifier.offline import OfflineTransport, routes_from_folders
from verifier.profiles import DEFAULT_MAX_BADGES


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m talent`` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m talent", description="The talent engine's command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    x = sub.add_parser(
        "extract",
        help="candidates, credential links and unlinked claims from résumés, LinkedIn exports and profile links",
        description="Read each FILE (résumé PDF/DOCX/HTML/Markdown/text, a ZIP of them, LinkedIn's export, "
        "or an https:// profile link) and print what was found, one source at a time.",
    )
    x.add_argument("files", nargs="+", metavar="FILE", help="a file, or an http(s) link")
    x.add_argument("--expand", action="store_true", help="replace profile links by the badges they list")
    x.add_argument("--json", action="store_true", help="one JSON object per source (JSON Lines)")
    x.add_argument(
        "--max-badges",
        type=_positive_int,
        default=DEFAULT_MAX_BADGES,
        metavar="N",
        help="at most N badges per profile (default %(default)s)",
    )
    x.add_argument("--max-pages", type=_positive_int, default=ReadLimits().max_pages, metavar="N", help="PDF page cap")
    x.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per-request timeout when expanding")
    x.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help=f"read the files on N processes (default: up to {AUTO_WORKERS}, one per core, for more than "
        f"{AUTO_WORKERS_FROM} files; else 1)",
    )
    x.add_argument(
        "--offline-issuers",
        metavar="DIR",
        help="answer requests from DIR/<host>/... instead of the network (nothing else is reached)",
    )
    r = sub.add_parser(
        "recheck",
        help="queue a re-check of the shortlisted candidates' badges (or every badge) in the workspace",
        description="Queue the workspace's badges for verification again as a job the app's worker runs "
        "(each re-check stores new results; the Start and Shortlist pages list what changed). For cron: "
        "with --if-due, only when the workspace's schedule says a re-check is due.",
    )
    r.add_argument("--all", action="store_true", help="every badge in the workspace, not only the shortlisted")
    r.add_argument("--if-due", action="store_true", help="only when the schedule set in the app says it is due")
    r.add_argument("--database", metavar="URL", help="the workspace database (default: as the app finds it)")
    a = sub.add_parser(
        "alerts",
        help="send the alerts (e-mail, webhook) on shortlisted candidates' changed evidence not yet sent",
        description="Send, once, the shortlisted candidates' changes since the previous check on the channels "
        "set in the app (SMTP password from SKILLPROOF_SMTP_PASSWORD). A failed delivery is logged and "
        "tried again next time.",
    )
    a.add_argument("--database", metavar="URL", help="the workspace database (default: as the app finds it)")
    f = sub.add_parser(
        "forget",
        help="remove candidates with their badges, results, stored evidence and queued checks",
        description="Remove each CANDIDATE_ID from the workspace: the candidate, their results and the documents "
        "kept for them, their badges waiting to be checked, and their places on shortlists. Ids not in the "
        "workspace are ignored. Prints how many candidates were removed.",
    )
    f.add_argument("candidate_ids", nargs="+", metavar="CANDIDATE_ID", help="a candidate id, e.g. ats:A1")
    f.add_argument(
        "--db",
        "--database",
        dest="database",
        metavar="URL",
        help="the workspace database (default: as the app finds it)",
    )
    return parser


def _forget(args: argparse.Namespace) -> int:
    from talent.errors import StorageError
    from talent.storage import Workspace

    try:
        with Workspace(args.database) as ws:
            removed = ws.delete_candidates(args.candidate_ids)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"removed {removed} of {len(set(args.candidate_ids))} candidate(s)")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    from talent.alerts import deliver_alerts
    from talent.errors import StorageError
    from talent.storage import Workspace

    try:
        with Workspace(args.database) as ws:
            done = deliver_alerts(ws)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for d in done:
        print(f"{d.channel}: {d.events} change(s) {'sent' if d.sent else 'NOT sent'} — {d.detail}")
    if not done:
        print("no alert to send")
    return 0 if all(d.sent for d in done) else 1


def _recheck(args: argparse.Namespace) -> int:
    from talent.errors import StorageError
    from talent.recheck import due, queue_recheck
    from talent.storage import Workspace
    from verifier.models import utc_now

    try:
        with Workspace(args.database) as ws:
            now = utc_now()
            if args.if_due and not due(ws, now):
                print("no re-check due yet")
                return 0
            job, count = queue_recheck(ws, now, scope="workspace" if args.all else None)
            if job is not None:
                ws.queue.enqueue(label="scheduled re-check")  # the app server's worker verifies it
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if job is None:
        print("nothing to re-check (no shortlisted candidate has a badge)")
        return 0
    print(f"queued {count} badge(s) for re-checking as job {job}; the app server's worker verifies them")
    return 0


def _describe(e: Extraction) -> str:
    who = " ".join(p for p in (e.candidate.name, f"<{e.candidate.email}>" if e.candidate.email else "") if p)
    lines = [f"{e.source}: {who or 'no name or email found'}"]
    for link in e.links:
        origin = f" (from {link.from_profile})" if link.from_profile else ""
        lines.append(f"  {link.kind:<7} {link.platform or '-':<18} {link.url}{origin}")
    for claim in e.claims:
        lines.append(f"  claimed, no verifiable credential: {claim.text}")
    for problem in e.problems:
        lines.append(f"  problem: {problem}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "recheck":
        return _recheck(args)
    if args.command == "alerts":
        return _alerts(args)
    if args.command == "forget":
        return _forget(args)
    limits = ReadLimits(max_pages=args.max_pages)
    slots: list[list[Extraction]] = []  # one per argument, in order
    files: list[tuple[str, bytes]] = []
    file_slots: list[int] = []
    loose: list[tuple[str, bytes]] = []  # LinkedIn's CSV files given one by one: read together, last
    for item in args.files:
        if item.lower().startswith(("http://", "https://")):
            slots.append([extract_links(item, source=item)])
            continue
        try:
            data = Path(item).read_bytes()
        except OSError as exc:
            slots.append([Extraction.unreadable(item, f"cannot be read: {exc.strerror or exc}")])
            continue
        if is_linkedin_file(item):
            loose.append((item, data))
        else:
            file_slots.append(len(slots))
            slots.append([])
            files.append((item, data))
    workers = args.workers or (min(AUTO_WORKERS, os.cpu_count() or 1) if len(files) > AUTO_WORKERS_FROM else 1)
    for index, found in zip(file_slots, extract_each(files, limits=limits, workers=workers), strict=True):
        slots[index] = found
    if loose:
        slots.append(extract_files(loose, limits=limits))
    results = [e for slot in slots for e in slot]
    if args.expand:
        transport = None
        if args.offline_issuers:
            transport = OfflineTransport(routes_from_folders(args.offline_issuers))
        results = expand_sync(
            results, transport=transport, max_badges=args.max_badges, limits=FetchLimits(timeout=args.timeout)
        )
    out = sys.stdout
    for e in results:
        out.write((json.dumps(e.to_dict(), ensure_ascii=False) if args.json else _describe(e)) + "\n")
    out.flush()
    return 1 if any(not e.readable for e in results) else 0
