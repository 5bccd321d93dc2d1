"""The app server: what ``dashboard.py`` hands to ``st.App``.

- **lifespan**: opens the workspace (which applies schema migrations), loads
  and queues the sample on the first launch, starts the server's one
  verification worker (:class:`talent.worker.Worker`) and stops it on
  shutdown; unfinished runs in the database are picked up by the worker, so
  a restart resumes them;
- **routes**: the HTTP API under ``/api/v1`` (:mod:`server.api`);
- **middleware**: request size limits for the API (:mod:`server.api`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from talent.storage import Workspace, database_url
from talent.worker import Worker
from ui.verification import cluster_config, make_transport, verify_all

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[dict[str, Any]]:
    """Start-up and shutdown of the app server (see the module docstring)."""
    from ui.sample import SAMPLE_LABEL, is_first_launch, load_sample

    ws = await asyncio.to_thread(Workspace, database_url())
    if await asyncio.to_thread(is_first_launch, ws):
        log.info("first launch: loading the %s; the worker verifies it", SAMPLE_LABEL)
        await asyncio.to_thread(load_sample, ws, verify=False)
    worker = Worker(ws, verify=verify_all, transport_factory=make_transport, cluster_config=cluster_config)
    worker.start()
    try:
        yield {"workspace": ws, "worker": worker}
    finally:
        from server.api import close

        await close()
        await asyncio.to_thread(worker.stop)
        ws.close()


def app_options() -> dict[str, Any]:
    """Keyword arguments for ``st.App``: lifespan, routes, middleware."""
    from server.api import middleware, routes

    return {"lifespan": lifespan, "routes": routes(), "middleware": middleware()}
