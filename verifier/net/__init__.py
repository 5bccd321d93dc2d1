"""The verifier's network layer: one HTTP stack for every fetch.

Badge, issuer and key URLs come from strangers, so the verifier never lets a
URL reach into the network it runs in (SSRF). Three modules, each one job,
each looking only down the list:

- :mod:`verifier.net.policy` — the address policy: which URLs and
  addresses may be connected to (:class:`NetGuard`: URL checks without I/O,
  then every DNS answer vetted); no sockets.
- :mod:`verifier.net.backend` — the pinned stream backend: an httpcore
  network backend (:class:`PinnedBackend`) that connects only to the
  addresses the policy vetted, over lean asyncio streams
  (:class:`AsyncioBackend`).
- :mod:`verifier.net.http11` — our HTTP/1.1 client (:class:`OriginPools`),
  an ``httpx.AsyncBaseTransport`` over those connections; the one transport
  the CLI, the dashboard and the API fetch through.

:class:`verifier.fetch.Fetcher` puts them together (caps, timeouts, size
limits, redirects, retries, the per-batch cache) and is what verification
code uses. The names below are the package's public API.
"""

from __future__ import annotations

from verifier.net.backend import AsyncioBackend, AsyncioStream, PinnedBackend, default_ssl_context
from verifier.net.http11 import MAX_RESPONSE_HEAD, HTTPClient, OriginPools, guarded_transport
from verifier.net.policy import (
    MAX_URL_LENGTH,
    AllowList,
    NetGuard,
    Resolver,
    Target,
    allow_host_entry,
    blocked_reason,
    normalize_host,
    system_resolver,
)

__all__ = [
    "MAX_RESPONSE_HEAD",
    "MAX_URL_LENGTH",
    "AllowList",
    "AsyncioBackend",
    "AsyncioStream",
    "HTTPClient",
    "NetGuard",
    "OriginPools",
    "PinnedBackend",
    "Resolver",
    "Target",
    "allow_host_entry",
    "blocked_reason",
    "default_ssl_context",
    "guarded_transport",
    "normalize_host",
    "system_resolver",
]
