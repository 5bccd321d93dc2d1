"""``python -m verifier verify``: the command-line contract.

See ``docs/verifier-contract.md`` (the shape of the command and of each result
object). Exit status: 0 when every input verified, 1 when any failed or
errored, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from verifier.bundle import Bundle, BundleError, BundleWriter, reverify, verify_recorded
from verifier.fetch import Fetcher, FetchLimits
from verifier.inputs import InputListError, read_input_file, read_lines
from verifier.models import Status, VerificationResult
from verifier.net import HTTPClient, OriginPools, allow_host_entry
from verifier.pipeline import BadgeInput, map_batch, verify_batch
from verifier.recording import recording_batch
from verifier.registries import (
    SNAPSHOT_FILE,
    Registries,
    RegistryConfigError,
    load_registry_list,
    snapshot_registries,
)
from verifier.session import Session
from verifier.trust import TrustList

EXIT_OK, EXIT_NOT_VERIFIED, EXIT_USAGE = 0, 1, 2
_DEFAULTS = FetchLimits()

CSV_COLUMNS = (
    "input",
    "status",
    "format",
    "reason",
    "candidate",
    "email",
    "recipient_match",
    "issuer_id",
    "issuer_name",
    "achievement_id",
    "achievement_name",
    "issued_on",
    "expires",
    "skills",
    "checks",
    "platform",
    "checked_at",
    "summary",
    "issuer_identity",
    "issuer_proven",
    "issuer_impersonation",
)


class UsageError(Exception):
    """Bad options or an unreadable input list."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (``verify`` subcommand)."""
    parser = argparse.ArgumentParser(
        prog="python -m verifier",
        description="Verify digital badges and credentials: Open Badges 2.0 / 3.0 and W3C Verifiable Credentials.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser(
        "verify",
        help="verify badges given as URLs, files, or a CSV/XLSX list",
        description="Verify each INPUT (a badge URL, a file: .json .jsonld .jws .jwt .txt .png .svg, or - for one input per line on standard input).",
    )
    v.add_argument("inputs", nargs="*", metavar="INPUT", help="badge URL, file path, or - for standard input")
    v.add_argument(
        "--input-file",
        metavar="FILE",
        help="CSV or XLSX list: one row per badge (badge/badge_url/url, email, candidate/name columns)",
    )
    v.add_argument(
        "--email",
        metavar="ADDR",
        action="append",
        default=[],
        help="the candidate's email, for the recipient check (repeatable)",
    )
    out = v.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="JSON Lines output, one object per input (default when stdout is not a terminal)",
    )
    out.add_argument("--csv", action="store_true", help="one CSV row per input")
    v.add_argument(
        "--concurrency",
        type=_positive_int,
        default=_DEFAULTS.concurrency,
        metavar="N",
        help="how many fetches may run at once (default %(default)s)",
    )
    v.add_argument(
        "--per-host",
        type=_positive_int,
        default=_DEFAULTS.per_host,
        metavar="N",
        help="how many fetches may run at once against one host (default %(default)s)",
    )
    v.add_argument(
        "--timeout",
        type=_positive_float,
        default=_DEFAULTS.timeout,
        metavar="SECONDS",
        help="per-request timeout (default %(default)s)",
    )
    v.add_argument(
        "--now", type=_parse_now, metavar="ISO8601", help="the instant at which validity is judged (default: now)"
    )
    v.add_argument(
        "--allow-host",
        action="append",
        type=_allow_host,
        default=[],
        metavar="HOST[:PORT]",
        help="let the fetcher reach this otherwise blocked (loopback/private) host; repeatable",
    )
    v.add_argument(
        "--trust", metavar="FILE", help="issuer trust list (JSON/YAML with allow/deny lists, or CSV issuer,verdict)"
    )
    v.add_argument(
        "--registries",
        metavar="FILE",
        default=None,
        help="issuer registries in the DCC known-registries JSON form ([{name, type: dcc-legacy, url} | "
        "{name, type: oidf, trustAnchorEC | fetchEndpoint}]); 'bundled' (the default) uses the bundled dated "
        "snapshot of the DCC's public registries, offline; 'none' consults no registry",
    )
    v.add_argument("--include-document", action="store_true", help="add the credential document to each JSON result")
    v.add_argument(
        "--strict-status-signer",
        action="store_true",
        help="treat a status list signed by someone other than the credential's issuer as unverifiable (error) "
        "instead of accepting it with a warning",
    )
    ev = v.add_argument_group("evidence bundles (verifier.bundle)")
    ev.add_argument(
        "--bundle-out",
        metavar="FILE.zip",
        help="also write an evidence bundle: every input as received or fetched, the documents it depended on, "
        "the results, the trust list and registries used, and a manifest of SHA-256 hashes",
    )
    ev.add_argument(
        "--bundle",
        metavar="FILE.zip",
        help="re-verify an evidence bundle (offline, from the documents it holds): one result per badge, "
        "each with 'changed', what differs from the recorded result",
    )
    ev.add_argument(
        "--bundle-online",
        action="store_true",
        help="with --bundle: fetch every document afresh instead of using the bundle's copies",
    )
    scale = v.add_argument_group("scale-out (verifier.distributed)")
    scale.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="verify on a Dask distributed cluster: partitions of the input go to its workers",
    )
    scale.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="verify on N local processes (for CPU-bound batches of files; default %(default)s)",
    )
    scale.add_argument(
        "--partition-size",
        type=_positive_int,
        default=100,
        metavar="N",
        help="inputs per partition with --scheduler or --workers (default %(default)s)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    http_client: HTTPClient = OriginPools,
) -> int:
    """Run the CLI; returns the exit status. ``http_client`` builds the
    fetcher's network transport (see :class:`verifier.fetch.Fetcher`); the
    benchmark passes httpcore's pool to compare the two."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    if args.bundle:
        return _reverify_bundle(args, out=stdout)
    if args.bundle_online:
        print("error: --bundle-online goes with --bundle", file=sys.stderr)
        return EXIT_USAGE
    try:
        items = _collect_inputs(args, stdin)
        trust = TrustList.load(args.trust) if args.trust else None
        registries = _registries(args.registries)
        first = next(items, None)
    except (UsageError, InputListError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.bundle_out and (args.scheduler or args.workers > 1):
        print(
            "error: --bundle-out records what one process fetched: use it without --workers/--scheduler",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if first is None:
        print("error: no input given (pass URLs or files, --input-file, or -)", file=sys.stderr)
        return EXIT_USAGE
    mode = "csv" if args.csv else "json" if (args.json or not stdout.isatty()) else "text"
    limits = FetchLimits(concurrency=args.concurrency, per_host=args.per_host, timeout=args.timeout)
    now = args.now or datetime.now(UTC)
    if args.scheduler or args.workers > 1:
        return _run_scaled(
            itertools.chain([first], items),
            args,
            limits=limits,
            now=now,
            trust=trust,
            registries=registries,
            mode=mode,
            out=stdout,
        )
    try:
        all_ok = asyncio.run(
            _run(
                itertools.chain([first], items),
                limits=limits,
                allow_hosts=tuple(args.allow_host),
                now=now,
                emails=tuple(args.email),
                trust=trust,
                registries=registries,
                mode=mode,
                out=stdout,
                include_document=args.include_document,
                bundle=_bundle_writer(args, now) if args.bundle_out else None,
                http_client=http_client,
                strict_status_signer=args.strict_status_signer,
            )
        )
    except (InputListError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK if all_ok else EXIT_NOT_VERIFIED


async def _run(
    items: Iterable[BadgeInput],
    *,
    limits: FetchLimits,
    allow_hosts: tuple[str, ...],
    now: datetime,
    emails: tuple[str, ...],
    trust: TrustList | None,
    registries: Registries | None = None,
    mode: str,
    out: IO[str],
    include_document: bool,
    bundle: BundleWriter | None = None,
    http_client: HTTPClient = OriginPools,
    strict_status_signer: bool = False,
) -> bool:
    writer = ResultWriter(out, mode, include_document=include_document)
    # Results are flushed at least every FLUSH_SECONDS (and at the end), not one
    # by one: a reader of the stream sees each result promptly, and a large batch
    # does not pay a system call per line.
    flusher = asyncio.create_task(_flush_periodically(out))
    window = max(64, limits.concurrency * 4)
    try:
        async with Fetcher(limits=limits, allow_hosts=allow_hosts, http_client=http_client) as fetcher:
            session = Session(
                fetcher=fetcher,
                now=now,
                emails=emails,
                trust=trust,
                registries=registries,
                strict_status_signer=strict_status_signer,
            )
            if bundle is None:
                async for result in verify_batch(items, session, window=window):
                    writer.write(result)
            else:
                bundle.note_transport(fetcher)
                with recording_batch(bundle.recorder):
                    async for result, record in map_batch(items, session, verify_recorded, window=window):
                        writer.write(result)
                        bundle.add(result, record)
                bundle.close(emails=emails)
                bundle = None
    finally:
        if bundle is not None:
            bundle.abort()
        flusher.cancel()
        out.flush()
    return writer.all_verified


def _bundle_writer(args: argparse.Namespace, now: datetime) -> BundleWriter:
    return BundleWriter(
        args.bundle_out,
        now=now,
        trust_file=args.trust,
        registries_file=_registries_file(getattr(args, "registries", None)),
    )


def _registries_file(value: str | None) -> str | Path | None:
    """The file behind ``--registries`` (the bundled snapshot's for ``bundled``), for the evidence bundle."""
    if value is not None and value.strip().lower() == "none":
        return None
    if value is None or value.strip().lower() == "bundled":
        return SNAPSHOT_FILE
    return value


def _reverify_bundle(args: argparse.Namespace, *, out: IO[str]) -> int:
    """``--bundle FILE.zip``: verify a bundle's badges again and say what changed."""
    if args.inputs or args.input_file:
        print("error: --bundle takes no other inputs", file=sys.stderr)
        return EXIT_USAGE
    try:
        bundle = Bundle.open(args.bundle)
        trust = TrustList.load(args.trust) if args.trust else None
        # The bundle's own registries unless others are named.
        registries = _registries(args.registries) if args.registries else None
    except (BundleError, OSError, ValueError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for problem in bundle.problems:
        print(f"bundle: {problem}", file=sys.stderr)
    mode = "csv" if args.csv else "json" if (args.json or not out.isatty()) else "text"
    writer = ResultWriter(out, mode, include_document=args.include_document, extra_columns=("changed",))

    async def run() -> None:
        limits = FetchLimits(concurrency=args.concurrency, per_host=args.per_host, timeout=args.timeout)
        online = Fetcher(limits=limits, allow_hosts=tuple(args.allow_host)) if args.bundle_online else None
        try:
            async for item in reverify(
                bundle, now=args.now, trust=trust, online_fetcher=online, limits=limits, registries=registries
            ):
                writer.write(item.result, extra={"changed": [c.to_dict() for c in item.changed]})
        finally:
            if online is not None:
                await online.aclose()

    asyncio.run(run())
    out.flush()
    return EXIT_OK if writer.all_verified else EXIT_NOT_VERIFIED


class ResultWriter:
    """Writes results in the chosen output form (``json``, ``csv`` or ``text``)
    and remembers whether every one verified. A CSV header comes first."""

    def __init__(
        self,
        out: IO[str],
        mode: str,
        *,
        include_document: bool = False,
        extra_columns: tuple[str, ...] = (),
    ) -> None:
        self.out = out
        self.mode = mode
        self.include_document = include_document
        self.extra_columns = extra_columns
        self.all_verified = True
        self._csv = csv.writer(out) if mode == "csv" else None
        if self._csv is not None:
            self._csv.writerow((*CSV_COLUMNS, *extra_columns))

    def write(self, result: VerificationResult, *, extra: dict[str, Any] | None = None) -> None:
        """Write one result (not flushed); ``extra`` adds fields (and the CSV's extra columns)."""
        extra = extra or {}
        self.all_verified = self.all_verified and result.status is Status.VERIFIED
        if self._csv is not None:
            tail = [
                json.dumps(extra.get(c), ensure_ascii=False) if extra.get(c) is not None else ""
                for c in self.extra_columns
            ]
            self._csv.writerow([spreadsheet_safe(v) for v in (*csv_row(result), *tail)])
        elif self.mode == "json":
            doc = result.to_dict(include_document=self.include_document) | extra
            self.out.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
        else:
            changed = extra.get("changed")
            note = f"  (changed: {', '.join(c['what'] for c in changed)})" if changed else ""
            self.out.write(text_line(result) + note + "\n")


FLUSH_SECONDS = 0.2


async def _flush_periodically(out: IO[str]) -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        out.flush()


def _run_scaled(
    items: Iterable[BadgeInput],
    args: argparse.Namespace,
    *,
    limits: FetchLimits,
    now: datetime,
    trust: TrustList | None,
    registries: Registries | None = None,
    mode: str,
    out: IO[str],
) -> int:
    """``--scheduler`` / ``--workers``: the same results, verified on several processes or machines."""
    from verifier import distributed

    config = distributed.BatchConfig(
        limits=limits,
        allow_hosts=tuple(args.allow_host),
        now=now,
        emails=tuple(args.email),
        trust=trust,
        registries=registries,
        strict_status_signer=args.strict_status_signer,
    )
    writer = ResultWriter(out, mode, include_document=args.include_document)

    def emit(results: Iterable[VerificationResult]) -> None:
        for result in results:
            writer.write(result)
            out.flush()

    try:
        if args.scheduler:
            from distributed import Client

            try:
                client = Client(args.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                print(f"error: cannot reach the scheduler {args.scheduler}: {exc}", file=sys.stderr)
                return EXIT_USAGE
            with client:
                emit(distributed.verify_on_cluster(items, client, config, partition_size=args.partition_size))
        else:
            emit(
                distributed.verify_with_processes(
                    items, config, workers=args.workers, partition_size=args.partition_size
                )
            )
    except InputListError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK if writer.all_verified else EXIT_NOT_VERIFIED


def _collect_inputs(args: argparse.Namespace, stdin: IO[str]) -> Iterator[BadgeInput]:
    sources: list[Iterable[BadgeInput]] = []
    for raw in args.inputs:
        if raw == "-":
            sources.append(read_lines(stdin.read()))
        else:
            sources.append([BadgeInput(raw)])
    if args.input_file:
        sources.append(read_input_file(args.input_file))
    return itertools.chain.from_iterable(sources)


def csv_row(result: VerificationResult) -> list[Any]:
    """The CSV columns (:data:`CSV_COLUMNS`) of one result."""
    ident = result.issuer.identity
    return [
        result.input,
        result.status.value,
        result.format,
        result.reason,
        result.candidate or "",
        result.email or "",
        "" if result.recipient_match is None else str(result.recipient_match).lower(),
        result.issuer.id or "",
        result.issuer.name or "",
        result.achievement.id or "",
        result.achievement.name or "",
        result.issued_on or "",
        result.expires or "",
        "; ".join(s.name for s in result.skills),
        "; ".join(f"{c.id}:{c.outcome.value}" for c in result.checks),
        result.platform or "",
        result.checked_at or "",
        result.summary,
        ident.level.value if ident else "",
        (ident.proven or "") if ident else "",
        (ident.impersonation.why if ident.impersonation else "") if ident else "",
    ]


def text_line(result: VerificationResult) -> str:
    """A one-line human summary, for a terminal."""
    mark = {"verified": "OK  ", "failed": "FAIL", "error": "ERR "}[result.status.value]
    name = result.achievement.name or "?"
    issuer = result.issuer.name or result.issuer.id or "?"
    return f"{mark} {result.input}  [{result.format}] {name} / {issuer} - {result.summary}"


def spreadsheet_safe(value: Any) -> str:
    """A cell value that no spreadsheet will read as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _registries(value: str | None) -> Registries | None:
    """``--registries``: a file, ``bundled`` (the snapshot) or ``none``."""
    if value is None or value.strip().lower() == "bundled":
        return snapshot_registries()
    if value.strip().lower() == "none":
        return None
    try:
        return load_registry_list(value)
    except RegistryConfigError as exc:
        raise UsageError(str(exc)) from exc


def _allow_host(text: str) -> str:
    try:
        return allow_host_entry(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
