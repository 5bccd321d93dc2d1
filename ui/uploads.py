"""Turning what a user hands in (files, ZIP archives, pasted URLs) into badge inputs.

Nothing a user gives is dropped silently: every file, archive member or line
that cannot be used comes back as a :class:`Problem` with the reason, for the
page to list.

ZIP archives are read with bounds (a "ZIP bomb" or a hostile archive cannot
exhaust memory or write anywhere): at most :data:`MAX_MEMBERS` members, each
at most :data:`MAX_MEMBER_BYTES` uncompressed, :data:`MAX_TOTAL_BYTES` in
all, a compression ratio of at most :data:`MAX_RATIO`; member names are used
as labels only (nothing is extracted to disk), and names that are absolute or
climb out (``..``) are refused. Archives inside archives are not opened.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

BADGE_SUFFIXES = (".json", ".jsonld", ".jwt", ".jws", ".txt", ".png", ".svg")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_URLS = 5000


@dataclass(frozen=True, slots=True)
class BadgeFile:
    """One badge file ready to verify: a label (file name or ``archive.zip/member``) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the user gave that cannot be used, and why."""

    item: str
    reason: str


def expand_files(files: list[tuple[str, bytes]]) -> tuple[list[BadgeFile], list[Problem]]:
    """Badge files from uploads (ZIPs opened with bounds); unusable items come back as problems."""
    out: list[BadgeFile] = []
    problems: list[Problem] = []
    for name, data in files:
        suffix = PurePosixPath(name.lower()).suffix
        if suffix == ".zip":
            got, bad = _expand_zip(name, data)
            out += got
            problems += bad
        elif suffix not in BADGE_SUFFIXES:
            problems.append(Problem(name, f"not a badge file type (expected {', '.join(BADGE_SUFFIXES)} or .zip)"))
        elif len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"))
        elif not data.strip():
            problems.append(Problem(name, "the file is empty"))
        else:
            out.append(BadgeFile(name, data))
    return out, problems


def _expand_zip(name: str, data: bytes) -> tuple[list[BadgeFile], list[Problem]]:
    out: list[BadgeFile] = []
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        return [], [Problem(name, f"not a readable ZIP archive ({exc})")]
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            return [], [Problem(name, f"the archive holds {len(members)} files; at most {MAX_MEMBERS} are accepted")]
        total = 0
        for info in members:
            label = f"{name}/{info.filename}"
            path = PurePosixPath(info.filename)
            if (
                path.is_absolute()
                or ".." in path.parts
                or info.filename.startswith(("/", "\\"))
                or ":" in path.parts[0]
            ):
                problems.append(Problem(label, "unsafe path inside the archive (absolute or climbing out with ..)"))
                continue
            suffix = path.suffix.lower()
            if suffix not in BADGE_SUFFIXES:
                reason = "archives inside archives are not opened" if suffix == ".zip" else "not a badge file type"
                problems.append(Problem(label, reason))
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                problems.append(Problem(label, f"larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB uncompressed"))
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                problems.append(Problem(label, f"compressed more than {MAX_RATIO}:1 (refused as a possible ZIP bomb)"))
                continue
            if total + info.file_size > MAX_TOTAL_BYTES:
                problems.append(Problem(label, f"the archive expands beyond {MAX_TOTAL_BYTES // (1024 * 1024)} MB"))
                break
            try:
                with archive.open(info) as fh:
                    content = fh.read(MAX_MEMBER_BYTES + 1)  # the header's size may lie: read with a cap
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                problems.append(Problem(label, f"cannot be read from the archive ({exc})"))
                continue
            if len(content) > MAX_MEMBER_BYTES:
                problems.append(Problem(label, "larger than its header says (refused)"))
                continue
            total += len(content)
            if not content.strip():
                problems.append(Problem(label, "the file is empty"))
                continue
            out.append(BadgeFile(label, content))
    return out, problems


def parse_urls(text: str) -> tuple[list[str], list[Problem]]:
    """Badge URLs from pasted text (one per line, or separated by spaces, commas or semicolons)."""
    urls: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    tokens = [t.strip().strip("<>\"'") for t in text.replace(",", " ").replace(";", " ").split()]
    for token in tokens:
        if not token or token.startswith("#"):
            continue
        parts = urlsplit(token)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(Problem(token, "not an http(s) URL"))
        elif token in seen:
            problems.append(Problem(token, "given twice (kept once)"))
        elif len(urls) >= MAX_URLS:
            problems.append(Problem(token, f"more than {MAX_URLS} URLs at once"))
        else:
            seen.add(token)
            urls.append(token)
    return urls, problems
