"""What one batch of verifications shares: the fetcher, the clock, the
candidate's emails, the trust list and per-batch caches.

Every verification function takes a :class:`Session`; nothing reads global
state. The caller owns the fetcher's lifetime (``async with Fetcher() as f``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from verifier.fetch import Fetcher
from verifier.trust import TrustList

if TYPE_CHECKING:
    from verifier.registries import Registries


@dataclass
class Session:
    """Shared state for one batch.

    ``now`` is the instant at which validity is judged (``--now``).
    ``emails`` are the candidate's addresses for the recipient check; empty
    means the recipient check is skipped and ``recipient_match`` is null.
    ``cache`` is free for verification steps to memoise resolved documents
    (DID documents, processed contexts, status lists) within the batch,
    keyed by a (kind, id) tuple. ``registries`` are the issuer registries
    that ``issuer.identity`` consults (none: only domains and platforms are
    checked; the trust list still counts as a registry).
    ``strict_status_signer`` refuses (``error``) a status list issued by
    someone other than the credential's issuer, which is otherwise accepted
    with a warning (see :mod:`verifier.status`).
    """

    fetcher: Fetcher
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    emails: tuple[str, ...] = ()
    trust: TrustList | None = None
    cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    registries: Registries | None = None
    strict_status_signer: bool = False

    def for_candidate(self, emails: tuple[str, ...]) -> Session:
        """The same batch state (fetcher, caches, registries, options) for another candidate."""
        return replace(self, emails=emails)
