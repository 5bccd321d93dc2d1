"""The offline transport serves mapped folders and nothing else."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from verifier.errors import HTTPStatusError
from verifier.fetch import Fetcher
from verifier.offline import OfflineTransport, routes_from_folders


@pytest.fixture
def issuer_root(tmp_path: Path) -> Path:
    host = tmp_path / "badges.northwind.example"
    (host / "assertions").mkdir(parents=True)
    (host / "assertions" / "1.json").write_text('{"id": "https://badges.northwind.example/assertions/1"}')
    (host / "assertions" / "2.gone").write_text("")
    (host / "index.json").write_text('{"name": "Northwind"}')
    (tmp_path / "secret.json").write_text('{"secret": true}')
    return tmp_path


async def test_mapped_url_is_served_from_its_file(issuer_root: Path) -> None:
    async with Fetcher(transport=OfflineTransport(routes_from_folders(issuer_root))) as f:
        doc = await f.fetch_json("https://badges.northwind.example/assertions/1")
        root = await f.fetch_json("https://badges.northwind.example/")
    assert doc["id"].endswith("/assertions/1")
    assert root["name"] == "Northwind"


async def test_gone_marker_answers_410(issuer_root: Path) -> None:
    async with Fetcher(transport=OfflineTransport(routes_from_folders(issuer_root))) as f:
        with pytest.raises(HTTPStatusError) as info:
            await f.fetch("https://badges.northwind.example/assertions/2")
    assert info.value.status_code == 410


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/assertions/1",
        "http://badges.northwind.example/assertions/1",
        "https://badges.northwind.example/assertions/404",
        "https://badges.northwind.example/%2e%2e/secret.json",
    ],
)
async def test_unmapped_or_escaping_url_answers_404(issuer_root: Path, url: str) -> None:
    transport = OfflineTransport(routes_from_folders(issuer_root))
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(url)
    assert response.status_code == 404
    assert len(transport.requests) == 1


async def test_fallback_is_asked_only_for_hosts_not_served(issuer_root: Path) -> None:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, json={"from": "fallback"})

    transport = OfflineTransport(routes_from_folders(issuer_root), fallback=httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=transport) as client:
        missing = await client.get("https://badges.northwind.example/assertions/404")
        other = await client.get("https://issuer.elsewhere.example/a")
    assert missing.status_code == 404
    assert other.json() == {"from": "fallback"}
    assert asked == ["https://issuer.elsewhere.example/a"]


async def test_shared_host_serves_its_files_and_passes_the_rest_on(tmp_path: Path) -> None:
    host = tmp_path / "api.platform.test"
    host.mkdir()
    (host / "known.json").write_text('{"from": "disk"}')
    transport = OfflineTransport(
        routes_from_folders(tmp_path),
        fallback=httpx.MockTransport(lambda request: httpx.Response(200, json={"from": "fallback"})),
        shared_hosts=["api.platform.test"],
    )
    async with httpx.AsyncClient(transport=transport) as client:
        known = await client.get("https://api.platform.test/known")
        other = await client.get("https://api.platform.test/other")
    assert known.json() == {"from": "disk"}
    assert other.json() == {"from": "fallback"}


async def test_dashboard_transport_refuses_internal_addresses_behind_the_sample() -> None:
    from ui.verification import make_transport
    from verifier.errors import FetchError

    async with Fetcher(transport=make_transport(offline=False)) as f:
        with pytest.raises(FetchError):
            await f.fetch("http://127.0.0.1:9/secret")
        with pytest.raises(FetchError):
            await f.fetch("http://169.254.169.254/latest/meta-data/")
