"""Helpers for ``httpx.MockTransport`` handlers.

``httpx.Response(content=...)`` is read eagerly, so a client that reads the
raw stream (``aiter_raw``) finds it already consumed. :func:`streamed`
returns a response whose body is a real one-shot stream, as a network
response would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import httpx


class _OneShot(httpx.AsyncByteStream):
    def __init__(self, body: bytes, chunk: int = 64 * 1024) -> None:
        self._body = body
        self._chunk = chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self._body), self._chunk):
            yield self._body[start : start + self._chunk]

    async def aclose(self) -> None:
        return None


def streamed(status: int, body: bytes | str = b"", headers: Mapping[str, str] | None = None) -> httpx.Response:
    """A response whose body arrives as a stream (``aiter_raw`` works)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return httpx.Response(status, headers=dict(headers or {}), stream=_OneShot(data))


def folder_transport(
    origins: Mapping[str, Path], extra: Mapping[str, bytes | str] | None = None
) -> httpx.MockTransport:
    """A transport serving files: URL prefix -> folder, plus exact URL -> body.

    Unknown URLs get 404. Paths cannot escape their folder.
    """
    exact = dict(extra or {})
    roots = {prefix: folder.resolve() for prefix, folder in origins.items()}

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url in exact:
            return streamed(200, exact[url], {"content-type": "application/ld+json"})
        for prefix, root in roots.items():
            if url.startswith(prefix):
                target = (root / url[len(prefix) :].split("?")[0]).resolve()
                if target.is_file() and root in target.parents:
                    return streamed(200, target.read_bytes(), {"content-type": "application/json"})
        return streamed(404, "not found", {"content-type": "text/plain"})

    return httpx.MockTransport(handler)


Handler = Callable[[httpx.Request], httpx.Response]
