"""Uploaded badge files and ZIP archives: bounded, path-safe, nothing dropped silently."""

from __future__ import annotations

import io
import zipfile

from ui import uploads
from ui.uploads import expand_files, parse_urls


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_members_are_badges_and_unsafe_paths_are_refused() -> None:
    data = _zip({"a/badge.json": b"{}", "../../etc/passwd.json": b"{}", "/abs.json": b"{}", "readme.md": b"x"})
    files, problems = expand_files([("batch.zip", data)])
    assert [f.name for f in files] == ["batch.zip/a/badge.json"]
    reasons = {p.item: p.reason for p in problems}
    assert "unsafe path" in reasons["batch.zip/../../etc/passwd.json"]
    assert "unsafe path" in reasons["batch.zip//abs.json"]
    assert "not a badge file type" in reasons["batch.zip/readme.md"]


def test_highly_compressed_member_is_refused_as_a_zip_bomb() -> None:
    data = _zip({"bomb.json": b"0" * 2_000_000})
    files, problems = expand_files([("bomb.zip", data)])
    assert files == []
    assert "ZIP bomb" in problems[0].reason


def test_too_many_members_refuses_the_archive(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 3)
    data = _zip({f"b{i}.json": b"{}" for i in range(4)})
    files, problems = expand_files([("many.zip", data)])
    assert files == []
    assert "at most 3" in problems[0].reason


def test_not_a_zip_and_empty_files_are_listed() -> None:
    files, problems = expand_files([("broken.zip", b"not a zip"), ("empty.json", b"  "), ("x.exe", b"MZ")])
    assert files == []
    assert len(problems) == 3


def test_pasted_urls_keep_valid_ones_and_list_the_rest() -> None:
    urls, problems = parse_urls(
        "https://a.example/1\nnot a url\nhttps://a.example/1, ftp://x.example/2; https://b.example/2"
    )
    assert urls == ["https://a.example/1", "https://b.example/2"]
    assert {p.item for p in problems} == {"not", "a", "url", "https://a.example/1", "ftp://x.example/2"}
