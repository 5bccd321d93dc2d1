"""The verifier's CLI with a chosen HTTP/1.1 client, for comparing them.

    python bench/cli_with_client.py httpcore verify --input-file list.csv ...
    python bench/cli_with_client.py own verify ...        # the same as python -m verifier

``own`` is the fetcher's client (``verifier.net.OriginPools``); ``httpcore``
is httpcore's connection pool (httpx's default stack) over the same pinned
backend (``tests.support.httpcore_pool.HttpcorePool``). Everything else —
guard, caps, cache, pipeline, output — is the CLI's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.httpcore_pool import HttpcorePool  # noqa: E402
from verifier.cli import main  # noqa: E402
from verifier.net import HTTPClient, OriginPools  # noqa: E402

CLIENTS: dict[str, HTTPClient] = {"own": OriginPools, "httpcore": HttpcorePool}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CLIENTS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(CLIENTS)}}} verify ...")
    sys.exit(main(sys.argv[2:], http_client=CLIENTS[sys.argv[1]]))
