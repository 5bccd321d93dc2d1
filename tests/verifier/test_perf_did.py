"""A did:key / did:jwk method decoded once per batch is the method decoding it again gives;
a method that cannot be decoded is refused every time, never remembered as good."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import FIXTURES
from verifier import did
from verifier.errors import KeyResolutionError
from verifier.fetch import Fetcher
from verifier.session import Session

KEYS = json.loads((FIXTURES / "di" / "keys.json").read_text("utf-8"))


def _offline() -> Fetcher:
    return Fetcher(transport=httpx.MockTransport(lambda request: httpx.Response(404)))


@pytest.mark.parametrize("name", ["ed25519-a", "p256-a", "p384-a"])
async def test_a_self_certifying_method_resolved_again_in_the_batch_is_the_same_method(name: str) -> None:
    async with _offline() as fetcher:
        batch = Session(fetcher=fetcher)
        for vm_id in (f"{KEYS[name]['didKey']}#{KEYS[name]['publicKeyMultibase']}", f"{KEYS[name]['didJwk']}#0"):
            first = await did.resolve_verification_method(vm_id, batch)
            again = await did.resolve_verification_method(vm_id, batch)
            fresh = await did.resolve_verification_method(vm_id, Session(fetcher=fetcher))
            assert again is first
            assert (again.id, again.controller, again.public_jwk, dict(again.relationships), again.source) == (
                fresh.id,
                fresh.controller,
                fresh.public_jwk,
                dict(fresh.relationships),
                fresh.source,
            )


async def test_a_method_that_cannot_be_decoded_is_refused_every_time() -> None:
    did_key = KEYS["ed25519-a"]["didKey"]
    wrong = f"{did_key}#{KEYS['ed25519-b']['publicKeyMultibase']}"
    async with _offline() as fetcher:
        batch = Session(fetcher=fetcher)
        await did.resolve_verification_method(f"{did_key}#{KEYS['ed25519-a']['publicKeyMultibase']}", batch)
        for _ in range(2):
            with pytest.raises(KeyResolutionError, match="does not name the key"):
                await did.resolve_verification_method(wrong, batch)
            with pytest.raises(KeyResolutionError):
                await did.resolve_verification_method("did:jwk:!!!#0", batch)
