"""An offline transport: serve issuers' documents from folders, never the network.

:class:`OfflineTransport` is an ``httpx.AsyncBaseTransport`` for
:class:`verifier.fetch.Fetcher` (``Fetcher(transport=OfflineTransport(...))``).
It maps URL prefixes (``https://badges.northwind.example/``) to folders and
answers every GET from the files in them. Anything it does not map answers
``404 Not Found``; it opens no socket, so a batch verified through it cannot
reach the network whatever the documents say. The sample workspace and tests
use it to play the part of fictional issuers. Only when a ``fallback``
transport is given explicitly are unmapped URLs passed on to it (the
dashboard does this so that the sample's fictional hosts are answered from
disk while real issuers are still reached through the fetcher's guard).

How a URL becomes a file, under the folder of the longest matching prefix:

- the rest of the URL path (query and fragment dropped) is the relative path;
  an empty path or one ending in ``/`` means ``index.json`` there;
- if that file does not exist, the same name plus ``.json`` is tried, then
  ``.jwt`` (so ``/assertions/42`` may be stored as ``assertions/42.json``);
- a sibling file with the suffix ``.gone`` (``assertions/42.gone``) makes the
  URL answer ``410 Gone`` (OB 2.0 §Hosted verification: a revoked hosted
  assertion may answer 410);
- paths that escape the folder (``..``, absolute parts, symlinks outside it)
  answer 404.

The media type follows the file's suffix (``.json`` / ``.jsonld`` ->
``application/ld+json``, ``.jwt`` / ``.jws`` -> ``application/jwt``, images by
their type, else ``application/octet-stream``).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx

_MEDIA_TYPES = {
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".jwt": "application/jwt",
    ".jws": "application/jwt",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}
_FALLBACK_SUFFIXES = (".json", ".jwt")


def _normalise_prefix(prefix: str) -> tuple[str, str, str]:
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"an offline route needs an http(s) URL prefix, not {prefix!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return parts.scheme, parts.netloc.lower(), path


class OfflineTransport(httpx.AsyncBaseTransport):
    """Answer GET requests from local folders; 404 for everything else.

    ``routes`` maps URL prefixes to folders. Requests are recorded in
    :attr:`requests` (URL strings) so tests can see what was asked for.
    """

    def __init__(
        self,
        routes: Mapping[str, str | Path],
        *,
        fallback: httpx.AsyncBaseTransport | None = None,
        shared_hosts: Collection[str] = (),
    ) -> None:
        self._fallback = fallback
        self._shared = frozenset(h.lower() for h in shared_hosts)
        self._routes: list[tuple[tuple[str, str, str], Path]] = sorted(
            ((_normalise_prefix(prefix), Path(folder).resolve()) for prefix, folder in routes.items()),
            key=lambda item: len(item[0][2]),
            reverse=True,
        )
        self.requests: list[str] = []

    def resolve(self, url: str) -> Path | None:
        """The file that answers ``url``, or None when the URL is not served."""
        parts = urlsplit(url)
        host = parts.netloc.lower()
        path = unquote(parts.path or "/")
        for (scheme, netloc, prefix), folder in self._routes:
            if parts.scheme != scheme or host != netloc:
                continue
            if not (path + "/").startswith(prefix) and path != prefix.rstrip("/"):
                continue
            rest = path[len(prefix) :] if path.startswith(prefix) else ""
            return self._file_in(folder, rest)
        return None

    def serves_host(self, url: str) -> bool:
        """Whether some route covers this URL's scheme and host and the host is not shared
        (its answers then never leave this transport)."""
        parts = urlsplit(url)
        if parts.netloc.lower() in self._shared:
            return False
        return any(parts.scheme == s and parts.netloc.lower() == n for (s, n, _p), _f in self._routes)

    async def aclose(self) -> None:
        """Close the fallback transport, if any."""
        if self._fallback is not None:
            await self._fallback.aclose()

    @staticmethod
    def _file_in(folder: Path, rest: str) -> Path | None:
        pure = PurePosixPath(rest)
        if pure.is_absolute() or ".." in pure.parts:
            return None
        base = folder / pure if rest and not rest.endswith("/") else folder / pure / "index.json"
        for candidate in (base, *(base.with_name(base.name + s) for s in _FALLBACK_SUFFIXES)):
            try:
                resolved = candidate.resolve()
            except OSError:
                return None
            if not resolved.is_relative_to(folder):
                return None
            if resolved.is_file():
                return resolved
        gone = base.with_name(base.name + ".gone")
        if gone.resolve().is_relative_to(folder) and gone.is_file():
            return gone
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve a GET from the mapped folders; 405 for other methods, 404 when not mapped."""
        url = str(request.url)
        self.requests.append(url)
        if request.method not in ("GET", "HEAD"):
            return httpx.Response(405, request=request, text="offline transport serves GET only")
        found = self.resolve(url)
        if found is None and self._fallback is not None and not self.serves_host(url):
            return await self._fallback.handle_async_request(request)
        if found is None:
            return httpx.Response(404, request=request, text=f"not served offline: {url}")
        if found.suffix == ".gone":
            return httpx.Response(410, request=request, text="gone")
        media = _MEDIA_TYPES.get(found.suffix.lower()) or mimetypes.guess_type(found.name)[0]
        return httpx.Response(
            200,
            request=request,
            headers={"content-type": media or "application/octet-stream"},
            content=found.read_bytes(),
        )


def routes_from_folders(root: str | Path) -> dict[str, Path]:
    """Routes for a folder of issuers laid out as ``root/<host>/...``.

    Each immediate sub-folder named like a host (``badges.northwind.example``)
    serves ``https://<host>/``. Used by the sample workspace
    (``sample_data/issuers``) and by tests that lay out fake issuers the same way.
    """
    base = Path(root)
    return {f"https://{d.name}/": d for d in sorted(base.iterdir()) if d.is_dir() and "." in d.name}
