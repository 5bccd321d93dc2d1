"""A small process that works on the talent workspace, for the durability tests to kill.

    python -m tests.reliability.job_runner verify DB_URL JOB_ID --allow-host HOST:PORT [--chunk N]
    python -m tests.reliability.job_runner import DB_URL CSV_PATH

``verify`` verifies the job's pending items (``Workspace.pending_items``)
and records their results in chunks (``Workspace.record_results``), printing
``recorded <count>`` after each chunk is committed. ``import`` reads an ATS
export with the talent importer and saves every candidate in one
transaction, printing ``saving <count>`` just before the write and ``saved``
after it. Either may be killed at any moment; running it again finishes the
work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from talent.candidates import import_file
from talent.storage import Workspace
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import VerificationResult
from verifier.pipeline import verify_batch
from verifier.session import Session


async def verify_job(url: str, job_id: str, *, allow_hosts: list[str], chunk: int) -> int:
    """Verify every pending item of the job; returns how many results were recorded."""
    with Workspace(url) as ws:
        pending = ws.pending_items(job_id)
        print(f"pending {len(pending)}", flush=True)
        recorded = 0
        buffer: list[tuple[int, VerificationResult]] = []
        limits = FetchLimits(timeout=2.0, retries=1, backoff=0.01, concurrency=8, per_host=4)
        async with Fetcher(limits=limits, allow_hosts=allow_hosts) as fetcher:
            session = Session(fetcher=fetcher)
            results = verify_batch((item.input for item in pending), session, window=16)
            async for result in results:
                buffer.append((pending[recorded + len(buffer)].index, result))
                if len(buffer) >= chunk:
                    recorded += ws.record_results(job_id, buffer)
                    buffer = []
                    print(f"recorded {recorded}", flush=True)
            if buffer:
                recorded += ws.record_results(job_id, buffer)
                print(f"recorded {recorded}", flush=True)
    print("done", flush=True)
    return recorded


def import_candidates_file(url: str, path: str) -> int:
    """Import an ATS export into the workspace in one transaction."""
    result = import_file(path)
    with Workspace(url) as ws:
        print(f"saving {len(result.candidates)}", flush=True)
        n = ws.save_candidates(result.candidates, source="ats.csv")
    print("saved", flush=True)
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="job_runner")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("db")
    v.add_argument("job")
    v.add_argument("--allow-host", action="append", default=[])
    v.add_argument("--chunk", type=int, default=10)
    i = sub.add_parser("import")
    i.add_argument("db")
    i.add_argument("csv")
    args = parser.parse_args(argv)
    if args.command == "verify":
        asyncio.run(verify_job(args.db, args.job, allow_hosts=args.allow_host, chunk=args.chunk))
    else:
        import_candidates_file(args.db, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
