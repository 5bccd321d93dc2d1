"""Open Badges 3.0 credentials/s: eddsa-rdfc-2022 verification, one core and a file batch on all cores.

A typical OpenBadgeCredential (``bench/data/ob3_credential.json``: issuer
Profile, achievement with criteria, image and two skill alignments) is signed
with a did:key Ed25519 key (``verifier.proofs.sign``, eddsa-rdfc-2022), in
``--size`` copies that differ in ``id`` and recipient (so no cache can answer
for a copy).

1. one core, warm, in-process: ``verify_input`` on each copy's bytes through
   the whole pipeline (detect, structure, RDF canonicalization, signature,
   key binding, expiry), after ``--warmup`` copies; then the proof step alone
   (``verify_proofs``) on the same copies; a pyinstrument profile of the
   pipeline run summarised as self time per library;
2. a batch of files through the CLI, ``--workers 1`` and ``--workers N``
   (``verifier.distributed``: a process pool), wall time including start-up.

Reference: the Digital Credentials Consortium's JavaScript stack verifies a
typical credential in about 2.8 ms warm on this machine class.

    python bench/ob3_throughput.py [--size 1000] [--workers 2] [--profile PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import BENCH, machine, print_summary, run_child
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import keys
from verifier.fetch import Fetcher
from verifier.models import Status
from verifier.pipeline import BadgeInput, verify_input
from verifier.proofs import sign, verify_proofs
from verifier.session import Session

TEMPLATE = BENCH / "data" / "ob3_credential.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def signed_copies(n: int) -> list[bytes]:
    """``n`` distinct credentials signed with one did:key (deterministic key)."""
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"skillproof bench issuer").digest())
    did = keys.did_key_from_public_key(private.public_key())
    vm = f"{did}#{did.removeprefix('did:key:')}"
    template = json.loads(TEMPLATE.read_text("utf-8"))
    template["issuer"]["id"] = did
    out = []
    for i in range(n):
        doc = copy.deepcopy(template)
        doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        doc["credentialSubject"]["identifier"][0]["identityHash"] = f"learner{i}@example.org"
        signed = sign(
            doc,
            private_key=private,
            verification_method=vm,
            cryptosuite="eddsa-rdfc-2022",
            created="2025-02-01T09:00:00Z",
        )
        out.append(json.dumps(signed).encode())
    return out


async def _pipeline(creds: list[bytes]) -> tuple[float, Counter[str], list[str]]:
    async with Fetcher() as fetcher:
        session = Session(fetcher=fetcher, now=NOW)
        statuses: Counter[str] = Counter()
        reasons: list[str] = []
        start = time.perf_counter()
        for n, data in enumerate(creds):
            r = await verify_input(BadgeInput(f"copy-{n}.json", data=data, filename=f"copy-{n}.json"), session)
            statuses[r.status.value] += 1
            if r.status is not Status.VERIFIED and len(reasons) < 3:
                reasons.append(r.reason)
        return time.perf_counter() - start, statuses, reasons


async def _proofs_only(creds: list[bytes]) -> tuple[float, int]:
    docs = [json.loads(c) for c in creds]
    async with Fetcher() as fetcher:
        session = Session(fetcher=fetcher, now=NOW)
        valid = 0
        start = time.perf_counter()
        for doc in docs:
            reports = await verify_proofs(doc, session, issuer_id=doc["issuer"]["id"])
            valid += all(r.valid is True for r in reports)
        return time.perf_counter() - start, valid


def self_time_by_library(profiler: Any, top: int = 12) -> dict[str, float]:
    """Self time (s) per library / verifier module from a pyinstrument session."""
    totals: Counter[str] = Counter()

    def library(frame: Any, parent: str) -> str:
        path = frame.file_path or ""
        if frame.function.startswith("[") and not path:
            return parent  # pyinstrument's synthetic "[self]" frames carry their parent's own time
        if not path or path == "<built-in>":
            return f"built-in: {frame.function}"
        if "site-packages/" in path:
            return path.split("site-packages/", 1)[1].split("/", 1)[0]
        if "/verifier/" in path:
            return "verifier/" + path.split("/verifier/", 1)[1]
        if "/lib/python3" in path:
            return "stdlib:" + path.rsplit("/", 1)[-1]
        return path.rsplit("/", 1)[-1]

    def walk(frame: Any, parent: str) -> None:
        lib = library(frame, parent)
        totals[lib] += max(0.0, frame.time - sum(c.time for c in frame.children))
        for child in frame.children:
            walk(child, lib)

    root = profiler.last_session.root_frame()
    if root is not None:
        walk(root, "")
    return {k: round(v, 3) for k, v in totals.most_common(top)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return its JSON summary."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1000, help="credentials (default %(default)s)")
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes for the file batch")
    p.add_argument("--profile", metavar="PATH", help="also write the pyinstrument text report here")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    creds = signed_copies(args.size + args.warmup)
    sign_s = time.perf_counter() - t0
    warm, batch = creds[: args.warmup], creds[args.warmup :]
    asyncio.run(_pipeline(warm))
    pipeline_s, statuses, reasons = asyncio.run(_pipeline(batch))
    proofs_s, valid = asyncio.run(_proofs_only(batch))

    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    asyncio.run(_pipeline(batch[: max(1, min(len(batch), 300))]))
    profiler.stop()
    by_lib = self_time_by_library(profiler)
    if args.profile:
        Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))

    files: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ob3-") as tmp:
        paths = []
        for n, data in enumerate(batch):
            path = Path(tmp) / f"cred-{n:06d}.json"
            path.write_bytes(data)
            paths.append(str(path))
        listing = Path(tmp) / "list.csv"
        listing.write_text("badge\n" + "\n".join(paths) + "\n")
        for workers in sorted({1, args.workers}):
            cmd = [sys.executable, "-m", "verifier", "verify", "--input-file", str(listing), "--json"]
            cmd += ["--now", NOW.isoformat(), "--workers", str(workers), "--partition-size", "50"]
            run = run_child(cmd, stdout_path=Path(tmp) / f"out-{workers}.jsonl")
            lines = (Path(tmp) / f"out-{workers}.jsonl").read_text().splitlines()
            files[f"workers_{workers}"] = {
                "exit_status": run.returncode,
                "results": len(lines),
                "verified": sum(json.loads(x)["status"] == "verified" for x in lines),
                "wall_s": round(run.wall_s, 3),
                "credentials_per_s": round(len(batch) / run.wall_s, 1),
                "parent_cpu_s": round(run.cpu_s, 2),
            }

    n = len(batch)
    summary: dict[str, Any] = {
        "benchmark": "ob3_throughput",
        "credentials": n,
        "cryptosuite": "eddsa-rdfc-2022",
        "sign_s_total": round(sign_s, 2),
        "one_core_pipeline": {
            "statuses": dict(statuses),
            "non_verified_reasons": reasons,
            "seconds": round(pipeline_s, 3),
            "credentials_per_s": round(n / pipeline_s, 1),
            "ms_per_credential": round(1000 * pipeline_s / n, 3),
        },
        "one_core_proof_only": {
            "valid": valid,
            "credentials_per_s": round(n / proofs_s, 1),
            "ms_per_credential": round(1000 * proofs_s / n, 3),
        },
        "dcc_js_reference_ms": 2.8,
        "ratio_to_dcc_js": round((1000 * pipeline_s / n) / 2.8, 2),
        "file_batch_cli": files,
        "profile_self_time_by_library_s": by_lib,
        "machine": machine(),
    }
    print_summary(summary)
    return summary


if __name__ == "__main__":
    main()
