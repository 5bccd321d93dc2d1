"""Memory of a streaming batch: peak RSS of the CLI at 10,000 and 100,000 inputs.

The CLI reads the input list, verifies with a bounded window and writes each
result as soon as it is the next in input order, so its memory should not
grow with the batch. This runs

    python -m verifier verify --input-file list.csv --json > out.jsonl

for each ``--sizes`` value and samples the child's resident set size
(``/proc/PID/status`` VmRSS) against the number of results written so far,
then takes the exact peak from ``wait4``.

Sources:

- ``files`` (default): ``--distinct`` OB 3.0 credentials signed with a
  did:key (``--suite``, eddsa-jcs-2022 by default: the cheapest proof to
  check, so 100,000 inputs take minutes, not tens of minutes), listed over
  and over to make ``size`` rows: every row is read, parsed and verified;
- ``server``: hosted OB 2.0 assertions from ``bench/latency_server.py`` with
  no latency, every URL distinct (this also shows what the fetcher's
  per-batch document cache holds).

    python bench/memory_stream.py [--sizes 10000 100000] [--source files|server]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import ROOT, loopback_issuer, machine, print_summary
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

TEMPLATE = Path(__file__).resolve().parent / "data" / "ob3_credential.json"


def write_credentials(folder: Path, *, distinct: int, suite: str) -> list[Path]:
    """``distinct`` signed OB 3.0 credential files."""
    from verifier import keys
    from verifier.proofs import sign

    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"skillproof bench issuer").digest())
    did = keys.did_key_from_public_key(private.public_key())
    vm = f"{did}#{did.removeprefix('did:key:')}"
    template = json.loads(TEMPLATE.read_text("utf-8"))
    template["issuer"]["id"] = did
    paths = []
    for i in range(distinct):
        doc = copy.deepcopy(template)
        doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        doc["credentialSubject"]["identifier"][0]["identityHash"] = f"learner{i}@example.org"
        signed = sign(
            doc, private_key=private, verification_method=vm, cryptosuite=suite, created="2025-02-01T09:00:00Z"
        )
        path = folder / f"cred-{i:06d}.json"
        path.write_text(json.dumps(signed))
        paths.append(path)
    return paths


def _rss_mib(pid: int, field: str = "VmRSS") -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_sampled(cmd: list[str], out_path: Path, *, every: float = 0.5) -> dict[str, Any]:
    """Run the CLI, sampling (results written, RSS MiB); exact peak RSS from wait4."""
    import os

    samples: list[tuple[int, float]] = []
    start = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL)
        done = threading.Event()

        high_water: list[float] = []

        def sample() -> None:
            while not done.wait(every):
                rss = _rss_mib(proc.pid)
                hwm = _rss_mib(proc.pid, "VmHWM")
                if rss is None:
                    return
                if hwm is not None:
                    high_water.append(hwm)
                try:
                    with open(out_path, "rb") as f:
                        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
                except OSError:
                    lines = 0
                samples.append((lines, round(rss, 1)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    # The peak is the child's own high-water mark (VmHWM, monotonic, read until
    # its last sample). wait4's ru_maxrss is kept for reference only: a forked
    # child starts with its parent's peak, and this parent holds the whole input
    # list, so ru_maxrss grows with the batch even when the verifier does not.
    return {
        "exit_status": proc.returncode,
        "wall_s": wall,
        "peak_rss_mib": max(high_water) if high_water else usage.ru_maxrss / 1024,
        "ru_maxrss_mib": usage.ru_maxrss / 1024,
        "samples": samples,
    }


def rss_at_fractions(samples: list[tuple[int, float]], total: int) -> dict[str, float]:
    """RSS when 10%, 25%, 50%, 75% and 100% of the results had been written (nearest sample after)."""
    out: dict[str, float] = {}
    for frac in (0.1, 0.25, 0.5, 0.75, 1.0):
        target = int(total * frac)
        later = [rss for n, rss in samples if n >= target]
        if later:
            out[f"{int(frac * 100)}%"] = later[0]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return its JSON summary."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--source", choices=("files", "server"), default="files")
    p.add_argument("--distinct", type=int, default=1000, help="distinct credential files (files source)")
    p.add_argument("--suite", default="eddsa-jcs-2022", help="cryptosuite of the files")
    args = p.parse_args(argv)

    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        folder = Path(tmp)
        creds = (
            write_credentials(folder, distinct=min(args.distinct, max(args.sizes)), suite=args.suite)
            if args.source == "files"
            else []
        )
        for size in args.sizes:
            listing = folder / f"list-{size}.csv"
            cmd = [sys.executable, "-m", "verifier", "verify", "--input-file", str(listing), "--json"]
            cmd += ["--now", "2026-01-01T00:00:00Z"]
            if args.source == "files":
                with open(listing, "w") as f:
                    f.write("badge\n")
                    for i in range(size):
                        f.write(f"{creds[i % len(creds)]}\n")
                result = run_sampled(cmd, folder / "out.jsonl")
            else:
                with loopback_issuer(assertions=size, badgeclasses=100, origins=20, latency=0.0) as server:
                    from latency_server import World

                    world = World(assertions=size, badgeclasses=100, origins=20, port=server.port, latency=0)
                    with open(listing, "w") as f:
                        f.write("badge\n")
                        for i in range(size):
                            f.write(world.assertion_url(i) + "\n")
                    for host in server.allow_hosts:
                        cmd += ["--allow-host", host]
                    result = run_sampled(cmd, folder / "out.jsonl")
            lines = (folder / "out.jsonl").read_text().splitlines()
            statuses: dict[str, int] = {}
            reasons: dict[str, int] = {}
            for line in lines:
                r = json.loads(line)
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                if r["status"] != "verified":
                    reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
            runs[str(size)] = {
                "exit_status": result["exit_status"],
                "results": len(lines),
                "statuses": statuses,
                "top_non_verified_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:3]),
                "wall_s": round(result["wall_s"], 1),
                "inputs_per_s": round(size / result["wall_s"], 1),
                "peak_rss_mib": round(result["peak_rss_mib"], 1),
                "ru_maxrss_mib_incl_parent_at_fork": round(result["ru_maxrss_mib"], 1),
                "rss_mib_when_done": rss_at_fractions(result["samples"], size),
            }
            (folder / "out.jsonl").unlink()
    peaks = [runs[str(s)]["peak_rss_mib"] for s in args.sizes]
    summary: dict[str, Any] = {
        "benchmark": "memory_stream",
        "source": args.source,
        "suite": args.suite if args.source == "files" else None,
        "distinct_documents": min(args.distinct, max(args.sizes)) if args.source == "files" else max(args.sizes),
        "runs": runs,
        "peak_ratio_largest_to_smallest": round(peaks[-1] / peaks[0], 3) if len(peaks) > 1 else None,
        "machine": machine(),
    }
    print_summary(summary)
    return summary


if __name__ == "__main__":
    main()
