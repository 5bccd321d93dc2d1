"""Evidence bundles (verifier.bundle): written while verifying, re-verified later
offline from the documents they hold, and never trusted where a hash disagrees."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.ob2 import make_fixtures as fx
from tests.fixtures.vc.serve import NOW as VC_NOW
from tests.fixtures.vc.serve import RECIPIENT as VC_RECIPIENT
from tests.fixtures.vc.serve import fetcher as vc_fetcher
from tests.support.issuer_server import IssuerServer, loopback_available
from verifier import cli
from verifier.bundle import Bundle, BundleError, BundleLimits, BundleWriter, reverify, verify_recorded
from verifier.models import Status
from verifier.pipeline import BadgeInput, map_batch
from verifier.recording import recording_batch
from verifier.session import Session

HOST = "127.0.0.2"
NOW = "2025-01-01T00:00:00Z"
VC_CREDENTIALS = Path(__file__).resolve().parents[1] / "fixtures" / "vc" / "credentials"

pytestmark = pytest.mark.skipif(not loopback_available(HOST), reason="needs 127.0.0.2 on loopback (Linux)")


def _serve_issuer(server: IssuerServer) -> None:
    a = server.origin(HOST)
    for name in ("issuer", "key", "revocations", "badge"):
        server.route(HOST, f"/{name}.json", json_body=fx.render(name, A=a, B=a))
    for name in ("valid", "revoked-flag"):
        server.route(HOST, f"/assertions/{name}.json", json_body=fx.variant("hosted", name, A=a, B=a))


@pytest.fixture
def issuer() -> Iterator[IssuerServer]:
    with IssuerServer([HOST]) as server:
        _serve_issuer(server)
        yield server


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], str]:
    code = cli.main(["verify", *args, "--json"])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines() if line.strip()], captured.err


def _make_bundle(issuer: IssuerServer, path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    url = issuer.url(HOST, "/assertions/valid.json")
    allow = [f"--allow-host={h}" for h in issuer.allow_hosts]
    code, results, err = _cli([url, "--email", fx.RECIPIENT, "--now", NOW, *allow, "--bundle-out", str(path)], capsys)
    assert code == 0, (results, err)
    return results


def _rewrite(path: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite some entries of a ZIP (None deletes), keeping the rest byte for byte."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for info, data in entries:
            if info.filename in change:
                new = change.pop(info.filename)
                if new is None:
                    continue
                data = new
            dst.writestr(info, data)
        for name, data in change.items():
            if data is not None:
                dst.writestr(name, data)


def test_bundle_of_a_hosted_badge_reverifies_identically_offline(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    recorded = _make_bundle(issuer, bundle, capsys)
    issuer.stop()  # every issuer document must now come from the bundle
    code, results, err = _cli(["--bundle", str(bundle), "--now", NOW], capsys)
    assert code == 0, (results, err)
    assert len(results) == 1
    assert results[0]["status"] == "verified"
    assert results[0]["changed"] == []
    assert results[0]["recipient_match"] is True
    assert results[0]["checks"] == recorded[0]["checks"]


def test_bundle_holds_every_document_with_its_hash(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    with zipfile.ZipFile(bundle) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert z.read("manifest.sha256").decode().split()[0] == hashlib.sha256(z.read("manifest.json")).hexdigest()
        for name, meta in manifest["files"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == meta["sha256"]
    urls = {d["url"] for d in manifest["documents"]}
    assert {issuer.url(HOST, p) for p in ("/assertions/valid.json", "/badge.json", "/issuer.json")} <= urls
    badge = manifest["badges"][0]
    assert badge["result_file"] in manifest["files"]
    assert {d["url"] for d in badge["documents"]} <= urls


def test_revocation_after_export_shows_as_a_change_online(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    a = issuer.origin(HOST)
    issuer.route(HOST, "/assertions/valid.json", json_body=fx.variant("hosted", "valid", A=a, B=a) | {"revoked": True})
    allow = [f"--allow-host={h}" for h in issuer.allow_hosts]
    code, results, _ = _cli(["--bundle", str(bundle), "--bundle-online", "--now", NOW, *allow], capsys)
    assert code == 1
    changed = {c["what"]: (c["was"], c["now"]) for c in results[0]["changed"]}
    assert changed["status"] == ("verified", "failed")
    assert changed["check:revocation"] == ("pass", "fail")
    # offline, the bundle still says what was true when it was made
    code, results, _ = _cli(["--bundle", str(bundle), "--now", NOW], capsys)
    assert code == 0
    assert results[0]["changed"] == []


def test_an_altered_document_is_never_trusted(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    with zipfile.ZipFile(bundle) as z:
        manifest = json.loads(z.read("manifest.json"))
    doc = next(d for d in manifest["documents"] if d["url"].endswith("/badge.json"))
    _rewrite(bundle, {doc["file"]: b'{"forged": true}'})
    code, results, err = _cli(["--bundle", str(bundle), "--now", NOW], capsys)
    assert code == 1
    assert results[0]["status"] == "error"
    bundle_check = next(c for c in results[0]["checks"] if c["id"] == "bundle")
    assert "badge.json" in bundle_check["message"]
    assert "does not match the manifest" in err


def test_an_altered_manifest_makes_the_bundle_unusable(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    with zipfile.ZipFile(bundle) as z:
        manifest = json.loads(z.read("manifest.json"))
    manifest["now"] = "1999-01-01T00:00:00Z"
    _rewrite(bundle, {"manifest.json": json.dumps(manifest).encode()})
    assert cli.main(["verify", "--bundle", str(bundle)]) == 2
    assert "manifest was altered" in capsys.readouterr().err


def test_paths_escaping_the_archive_and_unlisted_files_are_reported_not_used(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    _rewrite(bundle, {"../../etc/evil.json": b"{}", "/abs.json": b"{}", "extra.txt": b"hello"})
    opened = Bundle.open(bundle)
    text = "\n".join(opened.problems)
    assert "escapes the archive" in text
    assert "absolute path" in text
    assert "extra.txt: not listed in the manifest" in text
    assert all(not b.problems for b in opened.badges)


def test_oversized_entries_are_refused(
    issuer: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "evidence.zip"
    _make_bundle(issuer, bundle, capsys)
    opened = Bundle.open(bundle, limits=BundleLimits(max_file_bytes=64))
    assert any("larger than 64 bytes" in p for p in opened.problems)
    assert all(b.problems for b in opened.badges)


@pytest.mark.parametrize(
    "content",
    [b"not a zip", b"PK\x03\x04garbage", None],
    ids=["text", "truncated-zip", "zip-without-manifest"],
)
def test_a_file_that_is_not_a_bundle_is_a_usage_error(content: bytes | None, tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    if content is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("hello.txt", "hi")
        content = buf.getvalue()
    path.write_bytes(content)
    with pytest.raises(BundleError):
        Bundle.open(path)
    assert cli.main(["verify", "--bundle", str(path)]) == 2


def test_bundle_takes_no_other_inputs(tmp_path: Path) -> None:
    assert cli.main(["verify", "x.json", "--bundle", str(tmp_path / "b.zip")]) == 2
    assert cli.main(["verify", "x.json", "--bundle-online"]) == 2
    assert cli.main(["verify", "x.json", "--bundle-out", str(tmp_path / "b.zip"), "--workers", "2"]) == 2


async def test_credential_files_keep_their_bytes_and_reverify_offline(tmp_path: Path) -> None:
    """OB 3.0 / VC files (DID documents and status lists fetched) through the library API."""
    names = ["valid-eddsa-rdfc-2022.json", "not-revoked-bitstring.json", "expired.json"]
    items = [BadgeInput(str(VC_CREDENTIALS / n), emails=(VC_RECIPIENT,)) for n in names]
    path = tmp_path / "vc.zip"
    writer = BundleWriter(path, now=VC_NOW)
    f, _ = vc_fetcher()
    async with f:
        session = Session(fetcher=f, now=VC_NOW)
        with recording_batch(writer.recorder):
            recorded = [r async for r, record in _add_all(map_batch(items, session, verify_recorded), writer)]
    writer.close()
    assert [r.status for r in recorded] == [Status.VERIFIED, Status.VERIFIED, Status.FAILED]
    opened = Bundle.open(path)
    for badge, name in zip(opened.badges, names, strict=True):
        assert badge.input_bytes == (VC_CREDENTIALS / name).read_bytes()
    again = [r async for r in reverify(opened, now=VC_NOW)]
    assert [r.result.status for r in again] == [r.status for r in recorded]
    assert all(r.changed == () for r in again), [r.changed for r in again]
    later = [r async for r in reverify(opened)]  # judged today: the status list is the recorded one
    assert later[0].result.status is recorded[0].status


async def _add_all(results: Any, writer: BundleWriter) -> Any:
    async for result, record in results:
        writer.add(result, record)
        yield result, record
