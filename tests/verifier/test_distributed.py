"""Scale-out verification (verifier.distributed) gives the in-process results, in input order.

The batch is every public vector file, verified with ``now`` fixed; the
documents the vectors point at (``https://example.org/...``) are answered by
an :class:`~verifier.offline.OfflineTransport` over the 1EdTech validator's
assets, so no run reaches the network and each worker gets the same answers
as the in-process reference run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.process
import functools
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from verifier import cli, distributed
from verifier.distributed import BatchConfig, verify_on_cluster, verify_with_processes
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import Status, VerificationResult
from verifier.offline import OfflineTransport
from verifier.pipeline import BadgeInput, verify_batch
from verifier.session import Session

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "vectors"
ASSETS = VECTORS / "1edtech-validator" / "ob20" / "assets"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
TRANSPORT = functools.partial(OfflineTransport, {"https://example.org/": str(ASSETS)})


def _vector_files() -> list[Path]:
    suffixes = {".json", ".jsonld", ".jwt", ".jws", ".png", ".svg"}
    return sorted(
        p
        for p in VECTORS.rglob("*")
        if p.is_file() and p.suffix in suffixes and p.name not in ("manifest.json", "provenance.json")
    )


FILES = _vector_files()


def _inputs() -> list[BadgeInput]:
    # Each vector twice, once with a candidate's email, so partitions hold a
    # mix and the recipient check runs on some inputs.
    items = [BadgeInput(str(p)) for p in FILES]
    items += [BadgeInput(str(p), candidate="Ada", emails=("ada@example.org",)) for p in FILES]
    return items


def _config() -> BatchConfig:
    return BatchConfig(limits=FetchLimits(), now=NOW, transport_factory=TRANSPORT)


def _in_process(items: list[BadgeInput]) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with Fetcher(transport=TRANSPORT()) as fetcher:
            session = Session(fetcher=fetcher, now=NOW)
            return [r.to_dict(include_document=True) async for r in verify_batch(items, session)]

    return asyncio.run(run())


def assert_same_results(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Equal lists of result objects; on a difference, name the first input that differs."""
    assert [r["input"] for r in got] == [r["input"] for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        if mine != theirs:
            keys = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            detail = {k: (mine.get(k), theirs.get(k)) for k in keys if k != "document"}
            raise AssertionError(f"{mine['input']}: differs in {keys}: {json.dumps(detail, default=str)[:2000]}")


@pytest.fixture(scope="module")
def reference() -> list[dict[str, Any]]:
    """The in-process results of the batch."""
    return _in_process(_inputs())


def test_vector_batch_has_mixed_outcomes(reference: list[dict[str, Any]]) -> None:
    # The comparison below only means something if the batch is not uniform.
    assert len(FILES) > 50
    assert len({r["status"] for r in reference}) >= 2


@pytest.mark.slow
def test_cluster_results_equal_in_process_results_in_input_order(reference: list[dict[str, Any]]) -> None:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        results = list(verify_on_cluster(_inputs(), client, _config(), partition_size=7, max_in_flight=3))
    assert_same_results([r.to_dict(include_document=True) for r in results], reference)
    distributed.close_runtimes()


@pytest.mark.slow
def test_process_pool_results_equal_in_process_results_in_input_order(reference: list[dict[str, Any]]) -> None:
    results = list(verify_with_processes(_inputs(), _config(), workers=2, partition_size=25))
    assert_same_results([r.to_dict(include_document=True) for r in results], reference)


class _ThreadExecutorRecorder(concurrent.futures.ThreadPoolExecutor):
    """A thread pool that counts submissions (stands in for a process pool)."""

    submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        type(self).submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_partitions_ahead_of_the_consumer_are_bounded(reference: list[dict[str, Any]]) -> None:
    _ThreadExecutorRecorder.submitted = 0
    size, bound = 10, 3
    stream: Iterator[VerificationResult] = verify_with_processes(
        _inputs(),
        _config(),
        workers=2,
        partition_size=size,
        max_in_flight=bound,
        executor_factory=lambda n: _ThreadExecutorRecorder(max_workers=n),
    )
    seen: list[dict[str, Any]] = []
    for result in stream:
        seen.append(result.to_dict(include_document=True))
        yielded_partitions = len(seen) // size
        # partitions submitted but not yet fully yielded never exceed the bound
        assert _ThreadExecutorRecorder.submitted - yielded_partitions <= bound
    assert_same_results(seen, reference)
    distributed.close_runtimes()


class _LostWorkerExecutor(concurrent.futures.ThreadPoolExecutor):
    """Every second partition's worker dies."""

    calls = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        type(self).calls += 1
        if type(self).calls % 2 == 0:
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            future.set_exception(RuntimeError("worker lost"))
            return future
        return super().submit(fn, *args, **kwargs)


def test_inputs_of_a_lost_worker_are_reported_as_errors_in_order(reference: list[dict[str, Any]]) -> None:
    _LostWorkerExecutor.calls = 0
    items = _inputs()
    results = list(
        verify_with_processes(
            items,
            _config(),
            workers=2,
            partition_size=5,
            executor_factory=lambda n: _LostWorkerExecutor(max_workers=n),
        )
    )
    assert [r.input for r in results] == [i.source for i in items]
    lost = [r for n, r in enumerate(results) if (n // 5) % 2 == 1]
    kept = [r.to_dict(include_document=True) for n, r in enumerate(results) if (n // 5) % 2 == 0]
    assert lost
    assert all(r.status is Status.ERROR and "worker lost" in r.reason for r in lost)
    assert_same_results(kept, [r for n, r in enumerate(reference) if (n // 5) % 2 == 0])
    distributed.close_runtimes()


class _BrokenPoolExecutor(concurrent.futures.ThreadPoolExecutor):
    """A pool that breaks after its first two partitions (a worker process was killed)."""

    calls = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        type(self).calls += 1
        if type(self).calls > 2:
            raise concurrent.futures.process.BrokenProcessPool("a child process terminated abruptly")
        return super().submit(fn, *args, **kwargs)


def test_inputs_after_the_pool_breaks_are_reported_as_errors_in_order(reference: list[dict[str, Any]]) -> None:
    _BrokenPoolExecutor.calls = 0
    items = _inputs()
    results = list(
        verify_with_processes(
            items, _config(), workers=2, partition_size=5, executor_factory=lambda n: _BrokenPoolExecutor(max_workers=n)
        )
    )
    assert [r.input for r in results] == [i.source for i in items]
    assert_same_results([r.to_dict(include_document=True) for r in results[:10]], reference[:10])
    assert all(r.status is Status.ERROR and "terminated abruptly" in r.reason for r in results[10:])
    distributed.close_runtimes()


def test_fetch_caps_are_split_between_workers() -> None:
    config = BatchConfig(limits=FetchLimits(concurrency=64, per_host=8))
    assert (config.split(2).limits.concurrency, config.split(2).limits.per_host) == (32, 4)
    assert config.split(16).limits.per_host == 1  # never below one per worker
    assert config.split(1) == config


def test_partitions_cover_the_input_in_order() -> None:
    items = [BadgeInput(str(n)) for n in range(23)]
    parts = list(distributed.partitions(items, 10))
    assert [len(p) for p in parts] == [10, 10, 3]
    assert [i for p in parts for i in p] == items


def _files_needing_no_fetch() -> list[str]:
    """Vector files whose verification asks for no document (the CLI has no offline transport)."""

    async def needs_nothing(path: Path) -> bool:
        transport = TRANSPORT()
        async with Fetcher(transport=transport) as fetcher:
            await verify_batch([BadgeInput(str(path))], Session(fetcher=fetcher, now=NOW)).__anext__()
        return not transport.requests

    async def run() -> list[str]:
        return [str(p) for p in FILES if await needs_nothing(p)]

    return asyncio.run(run())


@pytest.mark.slow
def test_cli_scheduler_option_gives_the_in_process_output() -> None:
    from distributed import LocalCluster

    files = _files_needing_no_fetch()
    args = ["verify", *files, "--json", "--now", "2025-01-01T00:00:00Z"]
    plain = io.StringIO()
    assert cli.main(args, stdout=plain) in (0, 1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        scaled = io.StringIO()
        status = cli.main([*args, "--scheduler", cluster.scheduler_address, "--partition-size", "4"], stdout=scaled)
    assert status in (0, 1)
    assert_same_results(
        [json.loads(x) for x in scaled.getvalue().splitlines()], [json.loads(x) for x in plain.getvalue().splitlines()]
    )
    assert len(scaled.getvalue().splitlines()) == len(files)
    distributed.close_runtimes()
