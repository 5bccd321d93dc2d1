"""Dashboard at scale: rerun time of every page and peak memory on a large workspace.

Builds a synthetic workspace (``ui.synthetic.load_synthetic_workspace``:
``--candidates`` people with ``--badges-each`` verification results each,
10,000 x 5 = 50,000 badges by default; nothing is fetched) in a temporary
data directory, then for the start page and each file in ``pages/`` runs
``streamlit.testing.v1.AppTest``: a first run (cold caches) and
``--reruns`` reruns (what a user waits for after each click). Reports the
time of each, any exception a page raised, the process RSS after each page
and the peak RSS of the whole run.

Targets: every rerun under 1 s; peak RSS under 1 GiB.

    python bench/dashboard_scale.py [--candidates 10000] [--badges-each 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, current_rss_mib, machine, print_summary, self_peak_rss_mib


def page_files() -> list[Path]:
    """The start page, then every page in ``pages/`` in menu order."""
    return [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print its JSON summary; return the exit status.

    Anything the pages or the loader print goes to standard error, so that
    standard output holds the summary alone.
    """
    with contextlib.redirect_stdout(sys.stderr):
        status, summary = _measure(argv)
    print_summary(summary)
    return status


def _measure(argv: list[str] | None) -> tuple[int, dict[str, Any]]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--candidates", type=int, default=10_000)
    p.add_argument("--badges-each", type=int, default=5)
    p.add_argument("--reruns", type=int, default=3)
    p.add_argument("--timeout", type=float, default=120.0, help="AppTest timeout per run (s)")
    args = p.parse_args(argv)

    summary: dict[str, Any] = {
        "benchmark": "dashboard_scale",
        "candidates": args.candidates,
        "badges": args.candidates * args.badges_each,
    }
    with tempfile.TemporaryDirectory(prefix="bench-dash-") as tmp:
        os.environ["SKILLPROOF_DATA_DIR"] = tmp
        os.chdir(ROOT)
        from streamlit.testing.v1 import AppTest

        from ui.synthetic import load_synthetic_workspace

        rss_before = current_rss_mib()
        t0 = time.perf_counter()
        load_synthetic_workspace(args.candidates, args.badges_each)
        summary["load_s"] = round(time.perf_counter() - t0, 2)
        summary["rss_after_load_mib"] = round(current_rss_mib(), 1)
        summary["rss_at_start_mib"] = round(rss_before, 1)

        pages: dict[str, Any] = {}
        for path in page_files():
            at = AppTest.from_file(str(path), default_timeout=args.timeout)
            start = time.perf_counter()
            at.run()
            first = time.perf_counter() - start
            reruns = []
            for _ in range(args.reruns):
                start = time.perf_counter()
                at.run()
                reruns.append(time.perf_counter() - start)
            errors = [str(e.value)[:300] for e in at.exception]
            pages[path.name] = {
                "first_run_s": round(first, 3),
                "rerun_s_median": round(statistics.median(reruns), 3) if reruns else None,
                "rerun_s_max": round(max(reruns), 3) if reruns else None,
                "exceptions": errors,
                "rss_after_mib": round(current_rss_mib(), 1),
            }
        summary["pages"] = pages
        summary["slowest_rerun_s"] = max((v["rerun_s_max"] or 0.0) for v in pages.values())
        summary["peak_rss_mib"] = round(self_peak_rss_mib(), 1)
        summary["targets_met"] = {
            "rerun_under_1s": summary["slowest_rerun_s"] < 1.0,
            "peak_under_1GiB": summary["peak_rss_mib"] < 1024,
            "no_page_exception": not any(v["exceptions"] for v in pages.values()),
        }
        summary["available"] = True
        summary["machine"] = machine()
    return 0, summary


if __name__ == "__main__":
    sys.exit(main())
