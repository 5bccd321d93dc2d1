"""Resource exhaustion: hostile inputs end in bounded time and memory, with a clear error, and the batch goes on.

Each hostile input is verified through :func:`verifier.pipeline.verify_batch`
between good sample badges; the test measures wall time and the peak of
Python allocations (tracemalloc) or, for a subprocess, its peak RSS, against
generous bounds (< 30 s, < 500 MB) so that a busy machine never makes them
flake. Speed targets live in ``bench/``.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import gzip
import io
import json
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from talent.candidates import MAX_BADGES_PER_CANDIDATE
from tests.conftest import FIXTURES, ROOT
from tests.reliability.faultserver import LoopbackServer, Request, reply
from tests.security.batch import (
    MAX_BYTES,
    MAX_SECONDS,
    PEAK_RSS_SOURCE,
    SAMPLE,
    measured,
    run_batch,
    sample_badges,
    sandwich,
)
from verifier import cli
from verifier.fetch import FetchLimits
from verifier.models import Status, VerificationResult
from verifier.pipeline import BadgeInput

PNG = (FIXTURES / "ob2" / "badge.png").read_bytes()
IHDR_END = 8 + 25  # signature + the IHDR chunk


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


# -- hostile documents in hand -------------------------------------------------------------------------


def itxt_bomb() -> bytes:
    """A baked PNG whose compressed iTXt inflates to 200 MB (a decompression bomb, ~200 kB on disk)."""
    payload = zlib.compress(b"{" + b" " * (200 * 1024 * 1024) + b"}", 9)
    return PNG[:IHDR_END] + _chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + payload) + PNG[IHDR_END:]


def giant_chunk_length() -> bytes:
    """A PNG whose iTXt chunk claims 2 GiB: nothing may be allocated for it."""
    return PNG[:IHDR_END] + struct.pack(">I", 0x7FFFFFFF) + b"iTXt" + b"openbadges\x00\x00\x00\x00\x00{}"


def many_chunks() -> bytes:
    """A PNG with 200,000 empty ancillary chunks before its image data."""
    return PNG[:IHDR_END] + _chunk(b"tEXt", b"x\x00y") * 200_000 + PNG[IHDR_END:]


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (b"" if i == 1 else b"%d" % (i - 1)) for _ in range(10)))
        for i in range(1, 10)
    )
    + b']><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
    b"<openbadges:assertion>&lol9;</openbadges:assertion></svg>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
    b"<openbadges:assertion>&xxe;</openbadges:assertion></svg>"
)
XXE_PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
    b'<openbadges:assertion verify="x"/></svg>'
)


def deep_json() -> bytes:
    """JSON nested 100,000 levels deep (a recursion bomb for naive parsers)."""
    return b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def deep_array_json() -> bytes:
    return b'{"@context": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def ten_mb_jwt() -> bytes:
    """A 10 MB compact JWS whose payload claims to be an OB 2.0 assertion."""
    header = _b64(json.dumps({"alg": "RS256"}).encode())
    payload = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "https://issuer.example/a/1",
        "filler": "x" * (7 * 1024 * 1024),
    }
    return header + b"." + _b64(json.dumps(payload).encode()) + b"." + _b64(b"s" * 256)


DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def ten_mb_vc_jwt() -> bytes:
    """A 10 MB VC-JWT, well-formed all the way to its (wrong) signature."""
    header = _b64(json.dumps({"alg": "EdDSA", "kid": f"{DID}#{DID.split(':')[-1]}"}).encode())
    payload = {
        "iss": DID,
        "vc": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "issuer": DID,
            "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:1", "https://example.org/x": ["y" * 100] * 70_000},
        },
    }
    return header + b"." + _b64(json.dumps(payload).encode()) + b"." + _b64(b"s" * 64)


def _sample_ob3() -> tuple[dict[str, object], str]:
    badge = sample_badges("ob3-di")[0]
    return json.loads((SAMPLE / badge["badge"]).read_text("utf-8")), badge["email"]


def symmetric_graph(size: int = 12) -> bytes:
    """A signed OB 3.0 credential carrying blank nodes that all link to one another
    (RDFC-1.0's worst case: the n-degree hash explores every permutation)."""
    doc, _ = _sample_ob3()
    doc = copy.deepcopy(doc)
    subject = doc["credentialSubject"]
    assert isinstance(subject, dict)
    subject["http://example.org/knows"] = [
        {"@id": f"_:n{i}", "http://example.org/p": [{"@id": f"_:n{j}"} for j in range(size) if j != i]}
        for i in range(size)
    ]
    return json.dumps(doc).encode()


def many_blank_nodes(count: int) -> bytes:
    """A signed OB 3.0 credential with ``count`` extra blank nodes (about 40 bytes each)."""
    doc, _ = _sample_ob3()
    doc = copy.deepcopy(doc)
    subject = doc["credentialSubject"]
    assert isinstance(subject, dict)
    subject["http://example.org/knows"] = [{"http://example.org/p": str(i)} for i in range(count)]
    return json.dumps(doc).encode()


@dataclass(frozen=True)
class Hostile:
    """A hostile input, the file name it arrives under, and what its result must say."""

    make: Callable[[], bytes]
    filename: str
    reason: str  # a regex the result's reason must match
    statuses: tuple[Status, ...] = (Status.ERROR,)


HOSTILE_FILES = {
    "png-itxt-decompression-bomb": Hostile(itxt_bomb, "bomb.png", r"inflates to more than"),
    "png-giant-chunk-length": Hostile(giant_chunk_length, "giant.png", r"truncated or corrupt"),
    "png-two-hundred-thousand-chunks": Hostile(many_chunks, "chunks.png", r"more than \d+ chunks"),
    "svg-billion-laughs": Hostile(lambda: BILLION_LAUGHS, "laughs.svg", r"entities"),
    "svg-external-entity-etc-passwd": Hostile(lambda: XXE, "xxe.svg", r"entities or external"),
    "svg-external-parameter-entity": Hostile(lambda: XXE_PARAMETER, "xxe2.svg", r"entities or external"),
    "json-nested-100k-deep": Hostile(deep_json, "deep.json", r"nested deeper than"),
    "json-context-array-200k-deep": Hostile(deep_array_json, "deep2.json", r"nested deeper than"),
    "jwt-10-mb-ob2-payload": Hostile(ten_mb_jwt, "big.jws", r"longer than", (Status.ERROR, Status.FAILED)),
    "jwt-10-mb-vc-payload": Hostile(
        ten_mb_vc_jwt, "big.jwt", r"signature does not verify|longer than|larger than", (Status.ERROR, Status.FAILED)
    ),
    "json-ld-symmetric-blank-node-graph": Hostile(
        symmetric_graph, "poison.json", r"canonicaliz", (Status.ERROR, Status.FAILED)
    ),
    "json-ld-2100-blank-nodes": Hostile(
        lambda: many_blank_nodes(2100), "blank.json", r"blank nodes", (Status.ERROR, Status.FAILED)
    ),
    "over-20-mib-input": Hostile(lambda: b"{" + b" " * (21 * 1024 * 1024) + b"}", "huge.json", r"larger than"),
}


def _assert_neighbours_verified(results: list[VerificationResult], hostile_at: list[int]) -> None:
    for i, r in enumerate(results):
        if i not in hostile_at:
            assert r.status is Status.VERIFIED, (r.input, r.reason)


SLOW_FILES = {"json-ld-2100-blank-nodes"}


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=[pytest.mark.slow] if c in SLOW_FILES else []) for c in HOSTILE_FILES]
)
async def test_a_hostile_file_ends_bounded_with_a_clear_error_and_the_batch_goes_on(case: str) -> None:
    hostile = HOSTILE_FILES[case]
    data = hostile.make()
    items, at = sandwich([BadgeInput(source=case, data=data, filename=hostile.filename)])
    del data
    with measured() as m:
        results = await run_batch(items)
    m.assert_bounded()
    assert [r.input for r in results] == [i.source for i in items]
    bad = results[at[0]]
    assert bad.status in hostile.statuses, (bad.status, bad.reason)
    assert bad.status is not Status.VERIFIED
    assert bad.reason, "a hostile input gets a reason a user can read"
    assert re.search(hostile.reason, bad.reason), bad.reason
    _assert_neighbours_verified(results, at)


@pytest.mark.parametrize("case", ["svg-external-entity-etc-passwd", "svg-external-parameter-entity"])
async def test_an_external_entity_is_never_read(case: str) -> None:
    passwd = Path("/etc/passwd")
    secret_line = passwd.read_text().splitlines()[0] if passwd.exists() else "root:x:0:0"
    items, _ = sandwich([BadgeInput(source=case, data=HOSTILE_FILES[case].make(), filename="x.svg")])
    results = await run_batch(items)
    dumped = json.dumps([r.to_dict(include_document=True) for r in results], default=str)
    assert secret_line not in dumped
    assert "root:" not in dumped


# A credential of 20,000 trivial blank nodes (~800 kB, far under the 20 MiB
# input cap): building its RDF dataset would take minutes, so the blank-node
# limit must apply before it is built.
@pytest.mark.slow
def test_a_credential_with_twenty_thousand_blank_nodes_ends_within_bounds(tmp_path: Path) -> None:
    path = tmp_path / "blank-nodes.json"
    path.write_bytes(many_blank_nodes(20_000))
    code = (
        "import asyncio, sys\n"
        "from tests.security.batch import run_batch\n"
        "from verifier.pipeline import BadgeInput\n"
        "r = asyncio.run(run_batch([BadgeInput(sys.argv[1])]))\n"
        "print(r[0].status.value, r[0].reason)\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=MAX_SECONDS
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"a 20,000 blank node credential was still being verified after {MAX_SECONDS:.0f} s")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] in ("failed", "error")


# -- hostile issuers over HTTP -------------------------------------------------------------------------


async def _oversize_declared(request: Request, writer: asyncio.StreamWriter) -> bool:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{")
    await writer.drain()
    await request.client_gone(5)
    return False


async def _oversize_body(request: Request, writer: asyncio.StreamWriter) -> bool:
    await reply(writer, 200, b'{"x": "' + b"a" * (3 * 1024 * 1024) + b'"}')
    return True


async def _endless(request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b" " * 16384
    while not writer.is_closing():
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()


async def _slow_drip(request: Request, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not writer.is_closing():
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.05)


GZIP_BOMB = gzip.compress(b" " * 100_000_000, compresslevel=9)  # 100 MB of spaces in ~100 kB


async def _gzip_bomb(request: Request, writer: asyncio.StreamWriter) -> bool:
    await reply(writer, 200, GZIP_BOMB, headers=[("Content-Encoding", "gzip")], content_type="application/json")
    return True


# Compressed once, not per request: compressing 50 MB inside the server's event
# loop (the test's own loop) took longer than the fetch deadline on a busy machine.
DEFLATE_BOMB = zlib.compress(b"[" * 50_000_000, 9)  # 50 MB of brackets in ~50 kB


async def _deflate_bomb(request: Request, writer: asyncio.StreamWriter) -> bool:
    await reply(writer, 200, DEFLATE_BOMB, headers=[("Content-Encoding", "deflate")])
    return True


async def _never_answers(request: Request, writer: asyncio.StreamWriter) -> bool:
    await request.client_gone(10)
    return False


HOSTILE_SERVERS = {
    "declared-10-gb-body": (_oversize_declared, r"larger than|size|cap|too large|bytes"),
    "3-mb-body-over-a-1-mb-cap": (_oversize_body, r"larger than|size|cap|too large|bytes"),
    "endless-chunked-body": (_endless, r"larger than|size|cap|too large|bytes"),
    "slow-drip-body": (_slow_drip, r"time|within"),
    "gzip-bomb": (_gzip_bomb, r"larger than|size|cap|too large|bytes"),
    "deflate-bomb": (_deflate_bomb, r"larger than|size|cap|too large|bytes"),
    "never-answers": (_never_answers, r"time|within"),
}
NET_LIMITS = FetchLimits(timeout=1.0, connect_timeout=0.5, read_timeout=0.5, retries=1, backoff=0.01)


@pytest.mark.parametrize("case", list(HOSTILE_SERVERS), ids=list(HOSTILE_SERVERS))
async def test_a_hostile_issuer_response_ends_bounded_with_a_clear_error_and_the_batch_goes_on(case: str) -> None:
    handler, reason = HOSTILE_SERVERS[case]
    limits = FetchLimits(
        timeout=NET_LIMITS.timeout,
        connect_timeout=NET_LIMITS.connect_timeout,
        read_timeout=NET_LIMITS.read_timeout,
        retries=NET_LIMITS.retries,
        backoff=NET_LIMITS.backoff,
        max_bytes=1024 * 1024,
    )
    async with LoopbackServer(handler) as server:
        items, at = sandwich([BadgeInput(server.url(f"/{case}/1")), BadgeInput(server.url(f"/{case}/2"))])
        started = time.monotonic()
        with measured() as m:
            results = await run_batch(
                items,
                transport=_offline_then_network(),
                limits=limits,
                allow_hosts=[server.origin],
            )
        elapsed = time.monotonic() - started
    m.assert_bounded()
    assert elapsed < 4 * limits.total_deadline + 5  # bounded by the fetch deadline, not by the server
    for i in at:
        bad = results[i]
        assert bad.status is Status.ERROR, (bad.status, bad.reason)
        assert bad.check("fetch") is not None
        assert re.search(reason, bad.reason, flags=re.IGNORECASE), bad.reason
    _assert_neighbours_verified(results, at)


def _offline_then_network() -> httpx.AsyncBaseTransport:
    from tests.security.batch import offline_transport

    return offline_transport(fallback=httpx.AsyncHTTPTransport(retries=0))


# -- 100,000-row lists -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_hundred_thousand_row_input_list_streams_one_result_per_row_in_bounded_memory(tmp_path: Path) -> None:
    rows = 100_000
    listing = tmp_path / "list.csv"
    with listing.open("w", encoding="utf-8") as f:
        f.write("candidate,email,badge\n")
        for i in range(rows):
            f.write(f"Person {i},p{i}@example.org,missing/{i}.json\n")
    # ``python -m verifier`` that reports its own peak RSS on standard error when it ends.
    wrapper = PEAK_RSS_SOURCE + (
        "import runpy, sys\n"
        "sys.argv = ['verifier', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('verifier', run_name='__main__', alter_sys=True)\n"
        "finally:\n"
        "    print('peak-rss', peak_rss(), file=sys.stderr)\n"
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", wrapper, "verify", "--input-file", str(listing), "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_at = time.monotonic() - started
    running_after_first = proc.poll() is None
    count = 1
    last = first
    for line in proc.stdout:
        count += 1
        last = line
    proc.wait(timeout=MAX_SECONDS)
    elapsed = time.monotonic() - started
    assert proc.stderr is not None
    peak_rss = int(proc.stderr.read().split("peak-rss", 1)[1].split()[0])
    assert proc.returncode == 1  # not every input verified
    assert count == rows
    assert running_after_first, "results are written as they come, not after the whole list"
    assert first_at < elapsed
    for line, i in ((first, 0), (last, rows - 1)):
        result = json.loads(line)
        assert result["status"] == "error"
        assert result["input"].endswith(f"missing/{i}.json")
        assert "no such file" in result["reason"]
    assert elapsed < 3 * MAX_SECONDS, f"{elapsed:.1f} s"
    assert peak_rss < MAX_BYTES, f"peak RSS {peak_rss / 2**20:.0f} MiB"
    print(
        f"\n{rows} rows: first result after {first_at:.1f} s, all in {elapsed:.1f} s, peak RSS {peak_rss / 2**20:.0f} MiB"
    )


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_hundred_thousand_row_ats_export_imports_in_bounds_and_keeps_every_row(fmt: str, tmp_path: Path) -> None:
    rows = 100_000 if fmt == "csv" else 20_000  # openpyxl writes ~5k rows/s; the reader is what is measured
    giant_row, empty_row = rows // 2, rows // 2 + 10
    header = ["Candidate ID", "Name", "Email", "Badges"]
    body: list[list[str]] = []
    for i in range(rows):
        if i == giant_row:  # megabyte cells: a formula-looking name and thousands of links
            links = " ".join(f"https://badges.example.org/assertions/{k}.json" for k in range(20_000))
            body.append([f"A{i}", '=HYPERLINK("http://evil.example")' + "x" * 1_000_000, f"p{i}@example.org", links])
        elif i == empty_row:
            body.append(["", "", "not-an-email", "https://badges.example.org/assertions/x.json"])
        else:
            body.append(
                [f"A{i}", f"Person {i}", f"p{i}@example.org", f"https://badges.example.org/assertions/{i}.json"]
            )
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf).writerows([header, *body])
        data = buf.getvalue().encode("utf-8")
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(header)
        for row in body:
            ws.append(row)
        out = tmp_path / "ats.xlsx"
        wb.save(out)
        data = out.read_bytes()
    del body
    path = tmp_path / f"ats.{fmt}"
    path.write_bytes(data)
    # In a subprocess, so that its peak RSS is the import's alone.
    code = PEAK_RSS_SOURCE + (
        "import json, sys, time\n"
        "from talent.candidates import import_candidates, read_table\n"
        "started = time.monotonic()\n"
        "r = import_candidates(read_table(sys.argv[1]))\n"
        "elapsed = time.monotonic() - started\n"
        "print(json.dumps({'seconds': elapsed, 'rss': peak_rss(),\n"
        "  'rows_read': r.rows_read, 'candidates': {c.candidate_id: [c.name, list(c.badges)] for c in r.candidates},\n"
        "  'rejected': [[int(a), str(b)] for a, b in zip(r.rejected['row'], r.rejected['reason'])]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=4 * MAX_SECONDS
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["seconds"] < MAX_SECONDS, f"{result['seconds']:.1f} s"
    assert result["rss"] < MAX_BYTES, f"peak RSS {result['rss'] / 2**20:.0f} MiB"
    print(f"\n{rows} {fmt} rows imported in {result['seconds']:.1f} s, peak RSS {result['rss'] / 2**20:.0f} MiB")
    assert result["rows_read"] == rows
    assert len(result["candidates"]) + len(result["rejected"]) == rows
    assert [r[0] for r in result["rejected"]] == [empty_row + 2]  # spreadsheet row: the header is row 1
    assert "not a valid address" in result["rejected"][0][1]
    name, badges = result["candidates"][f"ats:A{giant_row}"]
    assert len(name) <= 200
    assert 0 < len(badges) <= MAX_BADGES_PER_CANDIDATE
    for neighbour in (giant_row - 1, giant_row + 1, empty_row - 1, empty_row + 1):
        assert result["candidates"][f"ats:A{neighbour}"][1] == [
            f"https://badges.example.org/assertions/{neighbour}.json"
        ]


# -- hostile rows in an input list ------------------------------------------------------------------------

HOSTILE_ROWS = {
    "a-200-kb-cell": "missing/" + "x" * 200_000 + ".json",
    "a-nul-byte": "missing/nul\x00.json",
    "ten-thousand-columns": "missing/wide.json" + ",x" * 10_000,
    "an-unclosed-quote-to-the-end": '"missing/open.json',
    "a-formula": '=HYPERLINK("http://evil.example")',
}


@pytest.mark.parametrize("case", list(HOSTILE_ROWS))
def test_a_hostile_row_in_an_input_list_gets_a_result_and_the_list_goes_on(case: str, tmp_path: Path) -> None:
    row = HOSTILE_ROWS[case]
    listing = tmp_path / "list.csv"
    listing.write_text(f"badge,email\nmissing/first.json,a@example.org\n{row}\nmissing/last.json,c@example.org\n")
    out = io.StringIO()
    started = time.monotonic()
    code = cli.main(["verify", "--input-file", str(listing), "--json"], stdout=out)
    assert time.monotonic() - started < MAX_SECONDS
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == cli.EXIT_NOT_VERIFIED
    assert results[0]["input"].endswith("missing/first.json")
    assert all(r["status"] == "error" and r["reason"] for r in results)
    if (
        case != "an-unclosed-quote-to-the-end"
    ):  # an unclosed quote runs to the end of the file: the last row is inside it
        assert len(results) == 3
        assert results[-1]["input"].endswith("missing/last.json")


# -- hostile role files ------------------------------------------------------------------------------------


def _yaml_alias_bomb() -> str:
    """YAML's billion laughs: nine levels of ten aliases each, inside the requirements list."""
    lines = ["name: Bomb", "requirements:", "  - &a0 {skill: SQL, weight: 1}"]
    for i in range(1, 9):
        lines.append(f"  - &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines)


HOSTILE_ROLES = {
    "yaml-alias-bomb": _yaml_alias_bomb,
    "thirty-thousand-aliased-requirements": lambda: (
        "name: Wide\nrequirements:\n  - &r {skill: SQL, weight: 1}\n" + "  - *r\n" * 30_000
    ),
    "deeply-nested-flow-sequences": lambda: "name: Deep\nrequirements: " + "[" * 1_200 + "]" * 1_200,
    "python-object-tag": lambda: "name: !!python/object/apply:os.system ['echo pwned']\nrequirements: []",
}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=[pytest.mark.slow] if c.startswith("thirty") else []) for c in HOSTILE_ROLES],
)
def test_a_hostile_role_file_loads_or_is_refused_within_bounds(case: str) -> None:
    from talent.errors import RoleError
    from talent.roles import Role, dumps_role, loads_role

    text = HOSTILE_ROLES[case]()
    with measured(trace_memory=case != "deeply-nested-flow-sequences") as m:
        try:
            role: Role | None = loads_role(text, source=f"{case}.yaml")
        except RoleError as exc:
            role = None
            message = str(exc)
        else:
            message = ""
            dumps_role(role)  # what would be stored must be bounded too
    m.assert_bounded()
    assert role is not None or message.startswith(f"{case}.yaml")
