"""Markdown tables from a results folder written by ``bench/run_all.sh``.

    python bench/report.py bench/results-20261128T161500Z > /tmp/tables.md

Each table row says when it was measured and the load average before and
after (from the ``.uptime`` files). Missing runs are listed as missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _load(folder: Path, name: str) -> tuple[dict[str, Any] | None, str]:
    path = folder / f"{name}.json"
    uptime = folder / f"{name}.uptime"
    load = ""
    if uptime.exists():
        lines = [ln.split("load average:")[-1].strip() for ln in uptime.read_text().splitlines() if ln.strip()]
        load = " → ".join(x.split(",")[0] for x in lines)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None, load
    return data, load


HOSTED_RUNS = {
    "hosted_10k": "10,000 over 100 classes, defaults",
    "hosted_1k_20": "1,000 over 20 classes",
    "hosted_10k_workers2": "10,000, `--workers 2`",
    "hosted_10k_dask": "10,000, `--scheduler` (2 Dask workers)",
    "hosted_2k_profile": "2,000 under pyinstrument (slowed by it)",
}


def hosted(folder: Path) -> list[str]:
    """The hosted OB 2.0 table."""
    rows = [
        "| run | verified | batch s (wall s) | badges/s | requests / minimum | limit s | ratio | CPU ms/badge | CPU floor ratio | in flight: mean, max; max per origin / open conns per origin | RSS MiB | load (1 min) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in HOSTED_RUNS.items():
        d, load = _load(folder, name)
        if d is None:
            rows.append(f"| {label} | not run | | | | | | | | | | {load} |")
            continue
        minimum = d["minimum_requests"]
        if d.get("workers", 1) > 1:
            minimum = f"{minimum} ({d['minimum_requests_with_worker_caches']} with per-worker caches)"
        rows.append(
            f"| {label} | {d['statuses'].get('verified', 0)}/{d['results']} | {d['batch_s']} ({d['wall_s']}) "
            f"| {d['badges_per_s']} | {d['requests']} / {minimum} | {d['limit_s']} | {d['ratio_to_limit']} "
            f"| {_dash(d.get('cli_cpu_ms_per_badge'))} | {_dash(d.get('cpu_floor_ratio'))} "
            f"| {d.get('mean_inflight', '?')}, {d.get('max_inflight_total', '?')}; {d['max_inflight_per_origin']} / {d['max_open_connections_per_origin']} | {d['cli_max_rss_mib']} | {load} |"
        )
    rows.append(
        "\nRatio = batch time (first request to exit) ÷ limit; CPU floor = the CLI's CPU time ÷ limit "
        "(— when worker processes do the work: their CPU is not the CLI's)."
    )
    return rows


def _dash(value: Any) -> str:
    return "—" if value is None else str(value)


def ob3(folder: Path) -> list[str]:
    """The OB 3.0 table."""
    d, load = _load(folder, "ob3")
    if d is None:
        return ["OB 3.0: not run."]
    p, q = d["one_core_pipeline"], d["one_core_proof_only"]
    rows = [
        "| measure | credentials/s | ms/credential | note |",
        "| --- | --- | --- | --- |",
        f"| one core, whole pipeline (warm, in-process) | {p['credentials_per_s']} | {p['ms_per_credential']} | {', '.join(f'{n} {k}' for k, n in p['statuses'].items())} |",
        f"| one core, proof only (`verify_proofs`) | {q['credentials_per_s']} | {q['ms_per_credential']} | {q['valid']} valid |",
    ]
    for key, run in d["file_batch_cli"].items():
        rows.append(
            f"| file batch, CLI `--{key.replace('_', ' ')}` (wall incl. start-up) | {run['credentials_per_s']} "
            f"| {round(1000 * run['wall_s'] / d['credentials'], 3)} | {run['verified']}/{run['results']} verified |"
        )
    rows.append(f"\nLoad (1 min) before → after: {load}. Reference: DCC JS ~2.8 ms warm.")
    rows.append(f"Self time by library (pyinstrument, 300 credentials): `{d['profile_self_time_by_library_s']}`")
    return rows


def dashboard(folder: Path) -> list[str]:
    """The dashboard table."""
    d, load = _load(folder, "dashboard")
    if d is None or not d.get("available"):
        return [f"Dashboard: not measured ({(d or {}).get('reason', 'no result')})."]
    rows = [
        f"{d['candidates']} candidates, {d['badges']} badges; workspace load {d['load_s']} s ({d.get('loader')}); "
        f"peak RSS {d['peak_rss_mib']} MiB; load (1 min) {load}.",
        "",
        "| page | first run s | rerun s (median / max) | RSS after MiB | exceptions |",
        "| --- | --- | --- | --- | --- |",
    ]
    for page, v in d["pages"].items():
        rows.append(
            f"| {page} | {v['first_run_s']} | {v['rerun_s_median']} / {v['rerun_s_max']} | {v['rss_after_mib']} "
            f"| {len(v['exceptions'])} |"
        )
    rows.append(f"\nTargets: {d['targets_met']}")
    return rows


def main() -> None:
    """Print every table for the folder given as the first argument."""
    folder = Path(sys.argv[1])
    for title, fn in (("Hosted OB 2.0", hosted), ("OB 3.0", ob3), ("Dashboard", dashboard)):
        print(f"### {title}\n")
        print("\n".join(fn(folder)))
        print()


if __name__ == "__main__":
    main()
