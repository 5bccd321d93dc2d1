"""Evidence bundles: what was verified, as it was received, re-checkable later.

A bundle is a ZIP archive:

    manifest.json          what is in the bundle: every file with its SHA-256
                           and size, every badge (its input, candidate and
                           emails, result file, the documents it depended on),
                           every recorded document (URL asked for, Accept,
                           final URL, redirects, media type, file), the
                           policy files used, the instant judged at
    manifest.sha256        SHA-256 of manifest.json
    inputs/NNNN/NAME       a badge file exactly as it was handed in
    results/NNNN.json      the result as recorded (verifier contract form)
    documents/SHA256       each fetched document's body, stored once
    policy/trust.EXT       the trust list used, if any
    policy/registries.json the registries list used, if any

Re-verifying (:func:`reverify`) serves the recorded documents through a
transport that opens no socket (:class:`BundleTransport`), so a bundle
re-verifies offline when it holds every document; a URL it does not hold
answers "not in the bundle", which is an ``error``, never a pass. Each badge
comes back with ``changed``: what differs from the recorded result.

Nothing in a bundle is trusted on its word:

- every file is hashed and compared with the manifest; a file whose hash does
  not match, or that is missing, is never used, and the badges that depend on
  it come back ``error`` with a ``bundle`` check saying which file;
- ``manifest.sha256`` must match ``manifest.json``, else nothing is used;
- paths that would escape the archive (absolute, ``..``, backslashes, drive
  letters), links and entries past the size caps are refused and reported.
  Nothing is ever extracted to disk.

The manifest's hashes make later changes to any file detectable; they are not
a signature: whoever holds the bundle could rewrite manifest and hashes
together. Keep an exported bundle where it cannot be rewritten (or record its
``manifest.sha256`` elsewhere, as the dashboard's audit log does).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import stat
import zipfile
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from verifier.errors import VerifierError
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import VerificationResult, errored, make_result, result_from_dict
from verifier.pipeline import BadgeInput, map_batch, verify_input
from verifier.recording import DocumentKey, DocumentRecorder, RecordedDocument, recording_batch, recording_item
from verifier.registries import Registries, registries_from_json
from verifier.session import Session
from verifier.trust import TrustList

__all__ = [
    "BUNDLE_CHECK",
    "BUNDLE_FORMAT",
    "BadgeRecord",
    "Bundle",
    "BundleBadge",
    "BundleError",
    "BundleLimits",
    "BundleTransport",
    "BundleWriter",
    "Change",
    "Reverified",
    "diff_results",
    "read_input_bytes",
    "recording_batch",
    "reverify",
    "verify_recorded",
]

BUNDLE_FORMAT = "skillproof-evidence-bundle"
BUNDLE_VERSION = 1
BUNDLE_CHECK = "bundle"
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
_MAX_FILE_BYTES = 32 * 1024 * 1024


class BundleError(VerifierError):
    """The file is not a bundle that can be read at all (not a ZIP, no manifest, manifest altered)."""


@dataclass(frozen=True, slots=True)
class BundleLimits:
    """Caps on what a bundle may hold (a crafted archive cannot exhaust memory)."""

    max_entries: int = 100_000
    max_file_bytes: int = _MAX_FILE_BYTES
    max_total_bytes: int = 1024 * 1024 * 1024
    max_manifest_bytes: int = 64 * 1024 * 1024


# -- writing -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgeRecord:
    """What one badge's verification used: its input as handed in and the documents it fetched."""

    item: BadgeInput
    input_bytes: bytes | None
    filename: str | None
    documents: tuple[DocumentKey, ...]


def read_input_bytes(item: BadgeInput, *, limit: int = _MAX_FILE_BYTES) -> tuple[bytes | None, str | None]:
    """The input as handed in: an upload's bytes, a file's bytes, or pasted content; None for a URL."""
    if item.data is not None:
        return item.data[: limit + 1] if len(item.data) > limit else item.data, item.filename
    source = item.source.strip()
    if source.lower().startswith(("http://", "https://")):
        return None, None
    path = Path(source)
    try:
        if path.is_file():
            with path.open("rb") as fh:
                return fh.read(limit + 1), path.name
    except OSError:
        pass
    if source.startswith(("{", "ey")):  # pasted content, as the pipeline reads it
        return source.encode("utf-8"), "pasted.txt"
    return None, None


async def verify_recorded(item: BadgeInput | str, session: Session) -> tuple[VerificationResult, BadgeRecord]:
    """Verify one input and note what it used (inside an open :func:`recording_batch`)."""
    badge = item if isinstance(item, BadgeInput) else BadgeInput(item)
    data, filename = read_input_bytes(badge)
    with recording_item() as keys:
        result = await verify_input(badge, session)
    return result, BadgeRecord(badge, data, filename, tuple(keys))


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_filename(name: str | None) -> str:
    base = PurePosixPath((name or "input").replace("\\", "/")).name
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "input"
    return cleaned[:120]


class BundleWriter:
    """Write a bundle as results arrive; documents and the manifest at :meth:`close`.

    Documents are held in memory until then (each distinct body once), which
    suits the shortlists and batches bundles are made for.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        now: datetime,
        trust_file: str | Path | None = None,
        registries_file: str | Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.now = now
        self.recorder = DocumentRecorder()
        self._zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self._files: dict[str, dict[str, Any]] = {}
        self._badges: list[dict[str, Any]] = []
        self._policy: dict[str, str | None] = {"trust": None, "registries": None}
        self._identity_transport: dict[str, Any] | None = None
        self._attachments: dict[str, str] = {}
        if trust_file is not None:
            suffix = Path(trust_file).suffix.lower() or ".json"
            self._policy["trust"] = self._write(f"policy/trust{suffix}", Path(trust_file).read_bytes())
        if registries_file is not None:
            self._policy["registries"] = self._write("policy/registries.json", Path(registries_file).read_bytes())

    def note_transport(self, fetcher: Fetcher) -> None:
        """Record whether the recording fetcher checks TLS and which hosts it vouches
        for, so that re-verification judges ``issuer.identity`` on the same terms."""
        self._identity_transport = {"verifies_tls": fetcher.verifies_tls, "vouched_hosts": list(fetcher.vouched_hosts)}

    def note_identity_transport(self, verifies_tls: bool, vouched_hosts: Iterable[str]) -> None:
        """:meth:`note_transport` for results recorded earlier by a fetcher that is gone (stored results)."""
        self._identity_transport = {"verifies_tls": verifies_tls, "vouched_hosts": list(vouched_hosts)}

    def attach(self, label: str, name: str, data: bytes) -> str:
        """Add a file that is not verified again but is hashed like every other (a role, a report);
        the manifest's ``attachments`` maps ``label`` to it. ``name`` must be a plain relative path."""
        if _unsafe_name(name) is not None or name in (MANIFEST, MANIFEST_HASH):
            raise BundleError(f"{name!r} cannot be a file name in a bundle")
        self._attachments[label] = self._write(name, data)
        return name

    def _write(self, name: str, data: bytes) -> str:
        if name not in self._files:
            self._zip.writestr(name, data)
            self._files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        return name

    def add(self, result: VerificationResult, record: BadgeRecord) -> dict[str, Any]:
        """Add one badge: its input bytes, its result and the list of documents it used.
        Returns the badge's manifest entry (its file names)."""
        index = len(self._badges) + 1
        input_file = None
        if record.input_bytes is not None:
            input_file = self._write(f"inputs/{index:04d}/{_safe_filename(record.filename)}", record.input_bytes)
        payload = json.dumps(result.to_dict(include_document=False), ensure_ascii=False, indent=2).encode("utf-8")
        result_file = self._write(f"results/{index:04d}.json", payload)
        self._badges.append(
            {
                "index": index,
                "input": record.item.source,
                "filename": record.filename,
                "candidate": record.item.candidate,
                "emails": list(record.item.emails),
                "input_file": input_file,
                "result_file": result_file,
                "documents": [{"url": url, "accept": accept} for url, accept in record.documents],
            }
        )
        return self._badges[-1]

    def close(self, *, emails: Iterable[str] = ()) -> str:
        """Write documents and the manifest; returns the manifest's SHA-256."""
        documents = []
        for doc in self.recorder.documents.values():
            name = self._write(f"documents/{doc.sha256}", doc.content)
            documents.append(
                {
                    "url": doc.url,
                    "accept": doc.accept,
                    "final_url": doc.final_url,
                    "redirects": list(doc.redirects),
                    "status": doc.status,
                    "content_type": doc.content_type,
                    "file": name,
                }
            )
        manifest = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "now": self.now.isoformat().replace("+00:00", "Z"),
            "emails": list(emails),
            "policy": self._policy,
            "identity_transport": self._identity_transport,
            "attachments": self._attachments,
            "badges": self._badges,
            "documents": documents,
            "files": self._files,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        self._zip.writestr(MANIFEST, data)
        self._zip.writestr(MANIFEST_HASH, f"{digest}  {MANIFEST}\n")
        self._zip.close()
        return digest

    def abort(self) -> None:
        """Close the archive without a manifest (it will not open as a bundle)."""
        self._zip.close()


# -- reading -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BundleBadge:
    """One badge of a bundle, with what of its material could be trusted."""

    index: int
    input: str
    candidate: str | None
    emails: tuple[str, ...]
    filename: str | None
    input_bytes: bytes | None
    recorded: VerificationResult | None
    documents: tuple[DocumentKey, ...]
    problems: tuple[str, ...]


@dataclass
class Bundle:
    """A bundle opened and checked against its manifest (see the module docstring)."""

    path: Path
    manifest: Mapping[str, Any]
    badges: list[BundleBadge]
    documents: dict[DocumentKey, RecordedDocument]
    problems: list[str] = field(default_factory=list)
    trust: TrustList | None = None
    registries: Registries | None = None

    @property
    def identity_transport(self) -> tuple[bool, tuple[str, ...]]:
        """Whether the recording fetcher checked TLS, and the hosts it vouched for
        (``issuer.identity`` is judged again on the recorded answers as it was then)."""
        note = self.manifest.get("identity_transport")
        if not isinstance(note, Mapping):
            return False, ()
        hosts = tuple(str(h) for h in _list(note.get("vouched_hosts")))
        return note.get("verifies_tls") is True, hosts

    @property
    def now(self) -> datetime | None:
        """The instant the bundle's results were judged at."""
        text = self.manifest.get("now")
        try:
            return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
        except ValueError:
            return None

    @classmethod
    def open(cls, path: str | Path, *, limits: BundleLimits | None = None) -> Bundle:
        """Read and check a bundle; :class:`BundleError` when it cannot be used at all."""
        return _BundleReader(Path(path), limits or BundleLimits()).read()


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name or "\\" in name:
        return "has a backslash or NUL in its name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if any(part in ("..", "") for part in name.rstrip("/").split("/")):
        return "has a path that escapes the archive"
    return None


class _BundleReader:
    def __init__(self, path: Path, limits: BundleLimits) -> None:
        self.path = path
        self.limits = limits
        self.problems: list[str] = []

    def read(self) -> Bundle:
        try:
            archive = zipfile.ZipFile(self.path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise BundleError(f"{self.path}: not a readable ZIP archive: {exc}") from exc
        with archive:
            infos = archive.infolist()
            if len(infos) > self.limits.max_entries:
                raise BundleError(f"{self.path}: more than {self.limits.max_entries} entries")
            entries = self._screen(infos)
            manifest = self._manifest(archive, entries)
            declared: Mapping[str, Any] = manifest.get("files") or {}
            if not isinstance(declared, Mapping):
                raise BundleError("the manifest's 'files' is not a mapping")
            good = self._verified_files(archive, entries, declared)
            for name in entries:
                if name not in declared and name not in (MANIFEST, MANIFEST_HASH):
                    self.problems.append(f"{name}: not listed in the manifest; ignored")
            documents = self._documents(manifest, good)
            badges = [self._badge(b, good, documents) for b in _list(manifest.get("badges"))]
            trust = self._trust(manifest, good)
            registries = self._registries(manifest, good)
        return Bundle(self.path, manifest, badges, documents, self.problems, trust, registries)

    def _screen(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        entries: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.filename
            why = _unsafe_name(name)
            if why is None and stat.S_ISLNK(info.external_attr >> 16):
                why = "is a symbolic link"
            cap = self.limits.max_manifest_bytes if name in (MANIFEST, MANIFEST_HASH) else self.limits.max_file_bytes
            if why is None and info.file_size > cap:
                why = f"is larger than {cap} bytes"
            if why is not None:
                self.problems.append(f"{name!r} {why}; refused")
                continue
            if info.is_dir():
                continue
            total += info.file_size
            if total > self.limits.max_total_bytes:
                raise BundleError(f"{self.path}: more than {self.limits.max_total_bytes} bytes uncompressed")
            entries[name] = info
        return entries

    def _read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
        # The sizes in a ZIP's headers can lie: read at most cap + 1 bytes.
        try:
            with archive.open(info) as fh:
                data = fh.read(cap + 1)
        except (OSError, zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
            self.problems.append(f"{info.filename}: cannot be read: {exc}")
            return None
        if len(data) > cap:
            self.problems.append(f"{info.filename}: larger than {cap} bytes; refused")
            return None
        return data

    def _manifest(self, archive: zipfile.ZipFile, entries: Mapping[str, zipfile.ZipInfo]) -> Mapping[str, Any]:
        if MANIFEST not in entries:
            raise BundleError(f"{self.path}: no {MANIFEST}: not an evidence bundle")
        data = self._read(archive, entries[MANIFEST], self.limits.max_manifest_bytes)
        if data is None:
            raise BundleError(f"{self.path}: the manifest cannot be read")
        recorded_hash = None
        if MANIFEST_HASH in entries:
            raw = self._read(archive, entries[MANIFEST_HASH], 4096)
            recorded_hash = raw.decode("ascii", "replace").split()[0].lower() if raw and raw.split() else None
        if recorded_hash is None:
            raise BundleError(f"{self.path}: no {MANIFEST_HASH}: the manifest cannot be checked")
        if hashlib.sha256(data).hexdigest() != recorded_hash:
            raise BundleError(f"{self.path}: {MANIFEST} does not match {MANIFEST_HASH}: the manifest was altered")
        try:
            manifest = json.loads(data)
        except ValueError as exc:
            raise BundleError(f"{self.path}: the manifest is not JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{self.path}: not a {BUNDLE_FORMAT} manifest")
        if manifest.get("version") != BUNDLE_VERSION:
            raise BundleError(f"{self.path}: bundle version {manifest.get('version')!r} is not supported")
        return manifest

    def _verified_files(
        self, archive: zipfile.ZipFile, entries: Mapping[str, zipfile.ZipInfo], declared: Mapping[str, Any]
    ) -> dict[str, bytes]:
        good: dict[str, bytes] = {}
        for name, meta in declared.items():
            expected = str(meta.get("sha256", "")).lower() if isinstance(meta, Mapping) else ""
            info = entries.get(name)
            if info is None:
                self.problems.append(f"{name}: listed in the manifest but missing or refused")
                continue
            data = self._read(archive, info, self.limits.max_file_bytes)
            if data is None:
                continue
            if hashlib.sha256(data).hexdigest() != expected:
                self.problems.append(f"{name}: its SHA-256 does not match the manifest: altered, not used")
                continue
            good[name] = data
        return good

    def _documents(self, manifest: Mapping[str, Any], good: Mapping[str, bytes]) -> dict[DocumentKey, RecordedDocument]:
        documents: dict[DocumentKey, RecordedDocument] = {}
        for entry in _list(manifest.get("documents")):
            if not isinstance(entry, Mapping):
                continue
            content = good.get(str(entry.get("file")))
            if content is None:
                continue
            doc = RecordedDocument(
                url=str(entry.get("url", "")),
                accept=str(entry.get("accept", "")),
                final_url=str(entry.get("final_url") or entry.get("url", "")),
                redirects=tuple(str(r) for r in _list(entry.get("redirects"))),
                status=int(entry.get("status") or 200),
                content_type=str(entry.get("content_type") or "application/octet-stream"),
                content=content,
            )
            documents[(doc.url, doc.accept)] = doc
        return documents

    def _badge(
        self, entry: Any, good: Mapping[str, bytes], documents: Mapping[DocumentKey, RecordedDocument]
    ) -> BundleBadge:
        entry = entry if isinstance(entry, Mapping) else {}
        problems: list[str] = []
        input_file = entry.get("input_file")
        input_bytes = None
        if input_file:
            input_bytes = good.get(str(input_file))
            if input_bytes is None:
                problems.append(f"the badge file {input_file} is missing or altered")
        recorded = None
        result_file = entry.get("result_file")
        raw = good.get(str(result_file)) if result_file else None
        if raw is None:
            problems.append(f"the recorded result {result_file} is missing or altered")
        else:
            try:
                recorded = result_from_dict(json.loads(raw))
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"the recorded result {result_file} cannot be read: {exc}")
        keys: list[DocumentKey] = []
        for doc in _list(entry.get("documents")):
            if not isinstance(doc, Mapping):
                continue
            key = (str(doc.get("url", "")), str(doc.get("accept", "")))
            keys.append(key)
            if key not in documents:
                problems.append(f"the document {key[0]} is missing or altered")
        return BundleBadge(
            index=int(entry.get("index") or 0),
            input=str(entry.get("input", "")),
            candidate=entry.get("candidate"),
            emails=tuple(str(e) for e in _list(entry.get("emails"))),
            filename=entry.get("filename"),
            input_bytes=input_bytes,
            recorded=recorded,
            documents=tuple(keys),
            problems=tuple(problems),
        )

    def _trust(self, manifest: Mapping[str, Any], good: Mapping[str, bytes]) -> TrustList | None:
        policy = manifest.get("policy") or {}
        name = policy.get("trust") if isinstance(policy, Mapping) else None
        if not name:
            return None
        data = good.get(str(name))
        if data is None:
            self.problems.append(f"the trust list {name} is missing or altered; re-verified without it")
            return None
        try:
            suffix = PurePosixPath(str(name)).suffix.lower()
            text = data.decode("utf-8")
            if suffix == ".csv":
                return TrustList.from_csv(text)
            return TrustList.from_mapping(json.loads(text) if suffix == ".json" else _yaml(text))
        except (ValueError, UnicodeDecodeError, AttributeError) as exc:
            self.problems.append(f"the trust list {name} cannot be read: {exc}")
            return None

    def _registries(self, manifest: Mapping[str, Any], good: Mapping[str, bytes]) -> Registries | None:
        policy = manifest.get("policy") or {}
        name = policy.get("registries") if isinstance(policy, Mapping) else None
        if not name:
            return None
        data = good.get(str(name))
        if data is None:
            self.problems.append(f"the registry list {name} is missing or altered; re-verified without it")
            return None
        try:
            return registries_from_json(json.loads(data))
        except (ValueError, UnicodeDecodeError) as exc:
            self.problems.append(f"the registry list {name} cannot be read: {exc}")
            return None


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# -- re-verifying ------------------------------------------------------------


class BundleTransport(httpx.AsyncBaseTransport):
    """Answer GETs from a bundle's documents (redirects replayed); anything else
    is "not in the bundle". Opens no socket."""

    def __init__(self, documents: Mapping[DocumentKey, RecordedDocument]) -> None:
        self._answers: dict[str, dict[str, tuple[int, dict[str, str], bytes]]] = {}
        for doc in documents.values():
            hops = [doc.url, *doc.redirects[1:]] if doc.redirects and doc.redirects[0] == doc.url else [doc.url]
            hops = [h for h in (*hops, doc.final_url) if h]
            for here, there in itertools.pairwise(hops):
                if here != there:
                    self._answer(here, doc.accept, 302, {"location": there}, b"")
            # an error status was recorded as answered (a 410 Gone revokes a hosted OB 2.0 assertion)
            status = doc.status if isinstance(doc.status, int) and 400 <= doc.status < 600 else 200
            self._answer(doc.final_url or doc.url, doc.accept, status, {"content-type": doc.content_type}, doc.content)

    def _answer(self, url: str, accept: str, status: int, headers: dict[str, str], body: bytes) -> None:
        self._answers.setdefault(url, {}).setdefault(accept, (status, headers, body))

    @property
    def allow_hosts(self) -> tuple[str, ...]:
        """Every host:port the bundle answers for (nothing here reaches a network)."""
        hosts = set()
        for url in self._answers:
            parts = urlsplit(url)
            if parts.hostname:
                hosts.add(f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname)
        return tuple(sorted(hosts))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The recorded answer for this URL (and Accept header when several were recorded)."""
        answers = self._answers.get(str(request.url))
        if not answers:
            raise httpx.ConnectError(f"{request.url} is not in the evidence bundle", request=request)
        accept = request.headers.get("accept", "")
        status, headers, body = answers.get(accept) or next(iter(answers.values()))
        return httpx.Response(status, headers=headers, content=body, request=request)


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between a recorded result and the same badge re-verified."""

    what: str
    was: Any
    now: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"what": self.what, "was": self.was, "now": self.now}


def _first_outcomes(result: VerificationResult) -> dict[str, str]:
    out: dict[str, str] = {}
    for check in result.checks:
        outcome = "error" if check.indeterminate else check.outcome.value
        out.setdefault(check.id, outcome)
    return out


def _identity_level(result: VerificationResult) -> Any:
    identity = getattr(result.issuer, "identity", None)
    return getattr(identity, "level", None)


def diff_results(recorded: VerificationResult | None, now: VerificationResult) -> tuple[Change, ...]:
    """What a re-verification changed: status, each check's outcome, issuer identity and trust,
    recipient match, dates and the achievement's name."""
    if recorded is None:
        return (Change("recorded result", "missing or altered", now.status.value),)
    changes: list[Change] = []
    if recorded.status is not now.status:
        changes.append(Change("status", recorded.status.value, now.status.value))
    before, after = _first_outcomes(recorded), _first_outcomes(now)
    for check_id in dict.fromkeys([*before, *after]):
        if before.get(check_id) != after.get(check_id):
            changes.append(Change(f"check:{check_id}", before.get(check_id), after.get(check_id)))
    for what, was, is_now in (
        ("issuer.identity.level", _identity_level(recorded), _identity_level(now)),
        ("issuer.trust", recorded.issuer.trust, now.issuer.trust),
        ("recipient_match", recorded.recipient_match, now.recipient_match),
        ("expires", recorded.expires, now.expires),
        ("issued_on", recorded.issued_on, now.issued_on),
        ("achievement.name", recorded.achievement.name, now.achievement.name),
    ):
        if was != is_now:
            changes.append(Change(what, was, is_now))
    return tuple(changes)


@dataclass(frozen=True, slots=True)
class Reverified:
    """A badge of a bundle verified again, with what changed since it was recorded."""

    result: VerificationResult
    recorded: VerificationResult | None
    changed: tuple[Change, ...]

    def to_dict(self, *, include_document: bool = False) -> dict[str, Any]:
        """The result object of the contract plus ``changed`` (``[]`` when nothing)."""
        out = self.result.to_dict(include_document=include_document)
        out["changed"] = [c.to_dict() for c in self.changed]
        return out


async def reverify(
    bundle: Bundle,
    *,
    now: datetime | None = None,
    trust: TrustList | None = None,
    online_fetcher: Fetcher | None = None,
    limits: FetchLimits | None = None,
    registries: Registries | None = None,
) -> AsyncIterator[Reverified]:
    """Verify every badge of ``bundle`` again and say what changed, in bundle order.

    By default only the bundle's own documents are used (offline); with
    ``online_fetcher`` documents are fetched afresh instead (what has changed
    at the issuers since). ``now`` defaults to the current time; the bundle's
    own instant is :attr:`Bundle.now`. A badge whose files or documents fail
    their hash comes back ``error`` with a ``bundle`` check naming them.
    """
    judged_at = now or datetime.now(UTC)
    policy = trust if trust is not None else bundle.trust
    transport = BundleTransport(bundle.documents)
    fetcher = online_fetcher or Fetcher(transport=transport, allow_hosts=transport.allow_hosts, limits=limits)
    if online_fetcher is None:
        # The recorded answers prove their hosts exactly as much as they did when recorded.
        fetcher.verifies_tls, fetcher.vouched_hosts = bundle.identity_transport
    try:
        emails = tuple(str(e) for e in _list(bundle.manifest.get("emails")))
        session = Session(
            fetcher=fetcher, now=judged_at, emails=emails, trust=policy, registries=registries or bundle.registries
        )
        usable = [b for b in bundle.badges if not b.problems]
        items = [
            BadgeInput(b.input, data=b.input_bytes, filename=b.filename, candidate=b.candidate, emails=b.emails)
            for b in usable
        ]
        fresh = {b.index: r async for b, r in _zip_async(usable, map_batch(items, session, verify_input))}
        for badge in bundle.badges:
            if badge.problems:
                result = make_result(
                    badge.input,
                    [errored(BUNDLE_CHECK, "; ".join(badge.problems))],
                    candidate=badge.candidate,
                    checked_at=judged_at.isoformat().replace("+00:00", "Z"),
                )
            else:
                result = replace(fresh[badge.index], email=badge.emails[0] if badge.emails else None)
            yield Reverified(result, badge.recorded, diff_results(badge.recorded, result))
    finally:
        if online_fetcher is None:
            await fetcher.aclose()


async def _zip_async(
    badges: list[BundleBadge], results: AsyncIterator[VerificationResult]
) -> AsyncIterator[tuple[BundleBadge, VerificationResult]]:
    index = 0
    async for result in results:
        yield badges[index], result
        index += 1
