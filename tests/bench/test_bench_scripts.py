"""Each benchmark script still runs, on tiny sizes, and its summary holds together.

The scripts are run the way the bench README says (``python bench/<name>.py``
from the repository root), so a renamed option, a moved import or a changed
CLI contract shows up here rather than on the day someone re-measures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(name: str, *args: str, ok: tuple[int, ...] = (0,), timeout: float = 240) -> tuple[int, dict[str, Any]]:
    """Run ``bench/<name>.py`` with ``args``; its exit status and parsed JSON summary."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode in ok, proc.stderr[-3000:]
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.slow
def test_hosted_ob2_bench_fetches_each_document_once_within_the_per_host_cap() -> None:
    _, s = run_bench(
        "hosted_ob2",
        "--assertions", "40", "--badgeclasses", "4", "--origins", "3", "--latency", "0.002", "--per-host", "2",
    )  # fmt: skip
    assert s["results"] == 40
    assert s["results_in_input_order"] is True
    assert sum(s["statuses"].values()) == 40
    assert s["minimum_requests"] == 40 + 4 + 3
    assert s["requests"] >= s["minimum_requests"]
    assert s["max_inflight_per_origin"] <= 2
    assert s["per_host_cap_respected"] is True
    assert s["limit_s"] > 0
    assert s["ratio_to_limit"] > 0


@pytest.mark.slow
def test_hosted_ob2_bench_runs_over_httpcores_pool_too() -> None:
    _, s = run_bench(
        "hosted_ob2",
        "--assertions", "20", "--badgeclasses", "2", "--origins", "2", "--latency", "0.002",
        "--http-client", "httpcore",
    )  # fmt: skip
    assert s["http_client"] == "httpcore"
    assert s["statuses"] == {"verified": 20}
    assert s["requests"] == s["minimum_requests"]


@pytest.mark.slow
def test_hosted_ob2_bench_runs_with_registries_configured() -> None:
    _, s = run_bench(
        "hosted_ob2",
        "--assertions", "20", "--badgeclasses", "2", "--origins", "2", "--latency", "0.002",
        "--registries", "2", "--registry-entries", "50",
    )  # fmt: skip
    assert s["registries"] == 2
    assert s["statuses"] == {"verified": 20}
    assert s["identity_levels"] == {"domain": 20}


@pytest.mark.slow
def test_ob3_throughput_bench_verifies_its_signed_copies() -> None:
    _, s = run_bench("ob3_throughput", "--size", "8", "--warmup", "2", "--workers", "2")
    assert s["credentials"] == 8
    assert sum(s["one_core_pipeline"]["statuses"].values()) == 8
    assert s["one_core_pipeline"]["ms_per_credential"] > 0
    for run in s["file_batch_cli"].values():
        assert run["results"] == 8
    assert set(s["file_batch_cli"]) == {"workers_1", "workers_2"}
    assert s["profile_self_time_by_library_s"]


@pytest.mark.slow
def test_memory_stream_bench_reports_a_peak_for_each_size() -> None:
    _, s = run_bench("memory_stream", "--sizes", "10", "30", "--distinct", "4")
    assert set(s["runs"]) == {"10", "30"}
    assert [r["results"] for r in s["runs"].values()] == [10, 30]
    assert all(r["peak_rss_mib"] > 0 for r in s["runs"].values())
    assert s["peak_ratio_largest_to_smallest"] > 0


@pytest.mark.slow
def test_memory_stream_bench_runs_against_the_loopback_issuer() -> None:
    _, s = run_bench("memory_stream", "--sizes", "15", "--source", "server")
    assert s["runs"]["15"]["results"] == 15


@pytest.mark.slow
def test_dashboard_scale_bench_runs_every_page_without_an_exception() -> None:
    _, s = run_bench("dashboard_scale", "--candidates", "20", "--badges-each", "2", "--reruns", "1", timeout=300)
    pages = {p.name for p in [ROOT / "dashboard.py", *(ROOT / "pages").glob("*.py")]}
    assert set(s["pages"]) == pages
    assert all(v["rerun_s_max"] is not None for v in s["pages"].values())
    assert s["peak_rss_mib"] > 0
    assert s["targets_met"]["no_page_exception"], s["pages"]


@pytest.mark.slow
def test_intake_resumes_bench_reads_every_resume_and_finds_what_they_hold() -> None:
    _, s = run_bench("intake_resumes", "--count", "5", "--writer", "fpdf2", "--workers", "1")
    assert (s["resumes"], s["pdf"], s["docx"]) == (5, 4, 1)
    assert s["pdf_pages"] == 8  # two pages each
    assert s["found"] == {"links": 15, "claims": 10, "emails": 5, "problems": 0}
    assert s["extract_seconds"] > 0
