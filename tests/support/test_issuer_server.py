"""The loopback fake issuer serves what it is told, per host, and records requests."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.issuer_server import IssuerServer, loopback_available, loopback_hosts

pytestmark = pytest.mark.skipif(not loopback_available("127.0.0.3"), reason="needs 127.0.0.2-3 on loopback (Linux)")


def test_each_host_answers_its_own_routes_on_one_port() -> None:
    with IssuerServer(loopback_hosts(2)) as server:
        server.route("127.0.0.2", "/doc.json", json_body={"host": 2})
        server.route("127.0.0.3", "/doc.json", json_body={"host": 3})
        assert server.allow_hosts == (f"127.0.0.2:{server.port}", f"127.0.0.3:{server.port}")
        with httpx.Client() as client:
            two = client.get(server.url("127.0.0.2", "/doc.json"))
            three = client.get(server.url("127.0.0.3", "/doc.json?x=1"))
            missing = client.get(server.url("127.0.0.2", "/nope"))
        assert two.json() == {"host": 2}
        assert three.json() == {"host": 3}
        assert two.headers["content-type"] == "application/ld+json"
        assert missing.status_code == 404
        assert server.hits("127.0.0.3", "/doc.json") == 1


def test_status_headers_and_latency_are_served_as_configured() -> None:
    with IssuerServer(["127.0.0.2"]) as server:
        server.route("127.0.0.2", "/gone", status=410, body="gone", headers={"x-reason": "revoked"}, delay=0.2)
        started = time.monotonic()
        with httpx.Client() as client:
            response = client.get(server.url("127.0.0.2", "/gone"))
        assert time.monotonic() - started >= 0.2
        assert (response.status_code, response.text, response.headers["x-reason"]) == (410, "gone", "revoked")


def test_unknown_host_cannot_be_routed() -> None:
    server = IssuerServer(["127.0.0.2"])
    with pytest.raises(ValueError, match="not served"):
        server.route("127.0.0.9", "/x", body="x")
