"""Reusable test helpers: fake issuers on loopback (:mod:`tests.support.issuer_server`)
and streamed responses for ``httpx.MockTransport`` (:mod:`tests.support.mock`)."""
