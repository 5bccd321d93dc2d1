"""Hosted Open Badges 2.0 verification against slow issuers, through the CLI.

Starts ``bench/latency_server.py`` (its own process: 20 loopback origins,
25 ms per request by default) and runs

    python -m verifier verify --input-file list.csv --allow-host ... --json

on ``--assertions`` hosted assertions over ``--badgeclasses`` BadgeClasses
(each row carries the recipient's email, so the recipient check runs too).

Reports badges/s, the requests the issuers saw against the minimum (every
document exactly once), and the ratio to the physical limit

    limit = max(minimum requests x latency / effective concurrency, 3 x latency)
    effective concurrency = min(global cap, per-host cap x origins)

(3 x latency: assertion -> BadgeClass -> issuer is a chain of three
dependent fetches). ``cpu_floor_ratio`` is the CLI's CPU time over the
limit: when it is above 1 the run is CPU-bound and
no idle machine would reach the limit. ``batch_s`` runs from the first request the issuers
receive to the CLI's exit, so interpreter start-up and imports (reported as
``startup_s``) are left out of the ratio; ``ratio_wall`` includes them.

    python bench/hosted_ob2.py                                  # 10,000 over 100
    python bench/hosted_ob2.py --assertions 1000 --badgeclasses 20
    python bench/hosted_ob2.py --profile /tmp/hosted.txt        # pyinstrument the CLI
    python bench/hosted_ob2.py --http-client httpcore           # httpcore's pool instead of ours
    python bench/hosted_ob2.py --registries 2                   # two 5,000-issuer registries configured

``--registries N`` (default 0: ``--registries none``) serves N dcc-legacy
registries of ``--registry-entries`` synthetic issuers each from a local
HTTP server and passes them to the CLI (``--registries FILE``), so that the
cost of issuer identity (registry loading, lookups, impersonation checks)
shows against the same batch without registries.

``--http-client httpcore`` runs the CLI through ``bench/cli_with_client.py``
with httpcore's connection pool (httpx's default stack) over the same pinned
backend, for ``docs/decisions/0001-own-http11-client.md``.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from common import loopback_issuer, machine, print_summary, run_child
from latency_server import recipient_email, world_parser

from verifier.fetch import FetchLimits


def write_input_list(path: Path, *, assertions: int, badgeclasses: int, origins: int, port: int) -> list[str]:
    """The CSV the CLI reads (badge, email, candidate); returns the badge URLs in order."""
    from latency_server import World

    world = World(assertions=assertions, badgeclasses=badgeclasses, origins=origins, port=port, latency=0)
    urls = [world.assertion_url(i) for i in range(assertions)]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["candidate", "email", "badge"])
        for i, url in enumerate(urls):
            w.writerow([f"Learner {i}", recipient_email(i), url])
    return urls


@contextmanager
def registry_server(count: int, entries: int) -> Iterator[tuple[list[dict[str, str]], str]]:
    """``count`` dcc-legacy registries of ``entries`` synthetic issuers on 127.0.0.1;
    yields (the known-registries list, the allow-host entry)."""
    bodies = {
        f"/registry-{n}.json": json.dumps(
            {
                "meta": {"created": "2026-01-01T00:00:00Z", "updated": "2026-12-01T00:00:00Z"},
                "registry": {
                    f"did:web:member-{n}-{i}.example": {
                        "name": f"Registered Institution {n}-{i}",
                        "location": "Somewhere",
                        "url": f"https://member-{n}-{i}.example",
                    }
                    for i in range(entries)
                },
            }
        ).encode()
        for n in range(count)
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield (
            [
                {"name": f"Bench Registry {n}", "type": "dcc-legacy", "url": f"http://127.0.0.1:{port}{path}"}
                for n, path in enumerate(bodies)
            ],
            f"127.0.0.1:{port}",
        )
    finally:
        server.shutdown()
        server.server_close()


def minimum_requests(*, assertions: int, badgeclasses: int, origins: int) -> int:
    """Every document exactly once: the assertions, the BadgeClasses they use, those classes' issuers."""
    used_classes = min(badgeclasses, assertions)
    used_issuers = min(origins, used_classes)
    return assertions + used_classes + used_issuers


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; print and return its JSON summary."""
    p = world_parser()
    p.description = __doc__.split("\n\n")[0]
    p.add_argument("--concurrency", type=int, default=None, help="CLI --concurrency (default: the CLI's)")
    p.add_argument("--per-host", type=int, default=None, help="CLI --per-host (default: the CLI's)")
    p.add_argument("--workers", type=int, default=1, help="CLI --workers (local processes; caps are split)")
    p.add_argument("--scheduler", metavar="ADDR", help="CLI --scheduler (a running Dask cluster)")
    p.add_argument("--profile", metavar="PATH", help="run the CLI under pyinstrument; text report to PATH")
    p.add_argument(
        "--http-client",
        choices=("own", "httpcore"),
        default="own",
        help="the fetcher's HTTP/1.1 client (default: own, verifier.net.OriginPools)",
    )
    p.add_argument("--registries", type=int, default=0, help="issuer registries to configure (default 0: none)")
    p.add_argument("--registry-entries", type=int, default=5000, help="issuers per registry (default 5000)")
    args = p.parse_args(argv)
    defaults = FetchLimits()
    concurrency = args.concurrency or defaults.concurrency
    per_host = args.per_host or defaults.per_host

    with (
        tempfile.TemporaryDirectory(prefix="bench-ob2-") as tmp,
        loopback_issuer(
            assertions=args.assertions, badgeclasses=args.badgeclasses, origins=args.origins, latency=args.latency
        ) as server,
        registry_server(args.registries, args.registry_entries) as (registries, registry_host),
    ):
        tmpdir = Path(tmp)
        urls = write_input_list(
            tmpdir / "list.csv",
            assertions=args.assertions,
            badgeclasses=args.badgeclasses,
            origins=args.origins,
            port=server.port,
        )
        entry = ["-m", "verifier"] if args.http_client == "own" else ["bench/cli_with_client.py", args.http_client]
        cli = [*entry, "verify", "--input-file", str(tmpdir / "list.csv"), "--json"]
        cli += ["--concurrency", str(concurrency), "--per-host", str(per_host)]
        if args.workers > 1:
            cli += ["--workers", str(args.workers), "--partition-size", "100"]
        if args.scheduler:
            cli += ["--scheduler", args.scheduler, "--partition-size", "100"]
        for host in server.allow_hosts:
            cli += ["--allow-host", host]
        if args.registries:
            (tmpdir / "registries.json").write_text(json.dumps(registries), "utf-8")
            cli += ["--registries", str(tmpdir / "registries.json"), "--allow-host", registry_host]
        else:
            cli += ["--registries", "none"]
        if args.profile:
            cmd = [sys.executable, "-m", "pyinstrument", "--show-all", "-r", "text", "-o", args.profile, *cli]
        else:
            cmd = [sys.executable, *cli]
        server.control("reset")
        run = run_child(cmd, stdout_path=tmpdir / "out.jsonl")
        stats = server.control("stats")
        results = [json.loads(line) for line in (tmpdir / "out.jsonl").read_text().splitlines() if line.strip()]

    scaled = args.workers > 1 or bool(args.scheduler)
    statuses = Counter(r.get("status") for r in results)
    in_order = [r.get("input") for r in results] == urls
    reasons = Counter(r.get("reason") for r in results if r.get("status") != "verified")
    minimum = minimum_requests(assertions=args.assertions, badgeclasses=args.badgeclasses, origins=args.origins)
    effective = min(concurrency, per_host * args.origins)
    limit = max(minimum * args.latency / effective, 3 * args.latency)
    # perf_counter is the system-wide monotonic clock on Linux: the server's
    # first-request instant and the CLI's spawn/exit instants are comparable.
    first = stats.get("first_request_t")
    batch_s = run.ended - first if isinstance(first, float) else run.wall_s
    summary: dict[str, Any] = {
        "benchmark": "hosted_ob2",
        "assertions": args.assertions,
        "badgeclasses": args.badgeclasses,
        "origins": args.origins,
        "latency_s": args.latency,
        "concurrency": concurrency,
        "per_host": per_host,
        "effective_concurrency": effective,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "http_client": args.http_client,
        "registries": args.registries,
        "registry_entries": args.registry_entries if args.registries else 0,
        "identity_levels": dict(Counter((r.get("issuer") or {}).get("identity", {}).get("level") for r in results)),
        "exit_status": run.returncode,
        "results": len(results),
        "results_in_input_order": in_order,
        "statuses": dict(statuses),
        "top_non_verified_reasons": dict(reasons.most_common(3)),
        "wall_s": round(run.wall_s, 3),
        "startup_s": round(run.wall_s - batch_s, 3),
        "batch_s": round(batch_s, 3),
        "badges_per_s": round(args.assertions / batch_s, 1) if batch_s > 0 else None,
        "requests": stats["requests"],
        "requests_by_kind": stats["by_kind"],
        "minimum_requests": minimum,
        # each worker process has its own fetcher and cache, so shared documents are fetched once per worker
        "minimum_requests_with_worker_caches": args.assertions + (minimum - args.assertions) * args.workers,
        "max_serves_of_one_document": stats["max_serves_of_one_document"],
        "limit_s": round(limit, 3),
        "ratio_to_limit": round(batch_s / limit, 3),
        "ratio_wall": round(run.wall_s / limit, 3),
        "max_inflight_per_origin": stats["max_inflight_per_origin"],
        "max_inflight_total": stats["max_inflight_total"],
        # requests x latency / batch time: how many of the effective concurrency slots were busy on average
        "mean_inflight": round(stats["requests"] * args.latency / batch_s, 1) if batch_s > 0 else None,
        "max_open_connections_per_origin": stats["max_open_connections_per_origin"],
        "per_host_cap_respected": stats["max_inflight_per_origin"] <= per_host,
        "cli_cpu_s": round(run.cpu_s, 2),
        # The CLI's own CPU time over the limit: the best ratio it could reach on
        # an idle machine (a CPU-bound run cannot beat its CPU time on one core).
        # Worker processes (--workers, --scheduler) are not the CLI's waited-for
        # children, so their CPU is not counted: no floor is given then.
        "cli_cpu_ms_per_badge": None if scaled else round(1000 * run.cpu_s / args.assertions, 3),
        "cpu_floor_ratio": None if scaled else round(run.cpu_s / limit, 3),
        "cli_max_rss_mib": round(run.max_rss_mib, 1),
        "server_cpu_s": stats["server_cpu_s"],
        "profile": args.profile,
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if run.returncode not in (0, 1):
        summary["stderr_tail"] = run.stderr[-1500:]
    print_summary(summary)
    return summary


if __name__ == "__main__":
    main()
