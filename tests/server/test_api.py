"""The HTTP API against the running app server (``streamlit run dashboard.py``): bearer tokens, limits,
the OpenAPI document, and the same result as the command line for every kind of input it takes.

The OB 2.0 inputs are served by a loopback issuer (tests/fixtures/ob2); the server and the CLI are both
allowed to reach it (``SKILLPROOF_API_ALLOW_HOSTS`` / ``--allow-host``) and judge at the same instant.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from talent.storage import Workspace
from tests.conftest import ROOT
from tests.fixtures.ob2 import make_fixtures as fx
from tests.support.app_server import AppServer
from tests.support.issuer_server import IssuerServer, loopback_available
from verifier import baked

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not loopback_available("127.0.0.3"), reason="needs 127.0.0.2-3 on loopback (Linux)"),
]

A_HOST, B_HOST = "127.0.0.2", "127.0.0.3"
NOW = "2025-01-01T00:00:00Z"
TOKEN = "env-token-for-tests"
RATE_TOKEN = "env-token-for-the-rate-test"
MAX_BYTES = 200_000
VC = ROOT / "tests" / "fixtures" / "vc" / "credentials"


@dataclass
class Api:
    server: AppServer
    issuer: IssuerServer
    stored_token: str

    def hosted(self, name: str) -> str:
        return self.issuer.url(A_HOST, f"/assertions/{name}.json")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data = tmp_path_factory.mktemp("api-server")
    with IssuerServer([A_HOST, B_HOST]) as issuer:
        a, b = issuer.origin(A_HOST), issuer.origin(B_HOST)
        for name in ("issuer", "key", "revocations", "badge"):
            issuer.route(A_HOST, f"/{name}.json", json_body=fx.render(name, A=a, B=b))
        issuer.route(B_HOST, "/key.json", json_body=fx.render("other-key", A=a, B=b))
        for name in json.loads((fx.TEMPLATES / "variants.json").read_text("utf-8"))["hosted"]:
            issuer.route(A_HOST, f"/assertions/{name}.json", json_body=fx.variant("hosted", name, A=a, B=b))
        # a token made the way the Settings page makes one: stored hashed in the workspace
        with Workspace(f"sqlite:///{data / 'skillproof.db'}") as ws:
            _, stored = ws.create_api_token("settings page")
        env = {
            "SKILLPROOF_API_TOKENS": f"{TOKEN},{RATE_TOKEN}",
            "SKILLPROOF_API_ALLOW_HOSTS": ",".join(issuer.allow_hosts),
            "SKILLPROOF_API_MAX_BYTES": str(MAX_BYTES),
            "SKILLPROOF_API_RATE": "20",
        }
        with AppServer(data, env=env) as server:
            yield Api(server, issuer, stored)


def _cli(api: Api, *inputs: str, email: str | None = None, now: str = NOW) -> list[dict[str, Any]]:
    args = [sys.executable, "-m", "verifier", "verify", *inputs, "--json", "--now", now]
    for allowed in api.issuer.allow_hosts:
        args += ["--allow-host", allowed]
    if email:
        args += ["--email", email]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _without_input(value: Any) -> Any:
    """``value`` with every ``input`` reduced to what follows the source (``#credential-1`` of a
    presentation's credential): the CLI names a path, the API the request field."""
    if isinstance(value, dict):
        return {k: (str(v).partition("#")[2] if k == "input" else _without_input(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_input(v) for v in value]
    return value


def _same(api_result: dict[str, Any], cli_result: dict[str, Any]) -> None:
    """Equal in every field but where the input came from (a path for the CLI, a name for the API)."""
    assert _without_input(api_result) == _without_input(cli_result)


# -- tokens and limits ---------------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused(api: Api) -> None:
    status, headers, body = api.server.post("/api/v1/verify", {"url": api.hosted("valid")})
    assert status == 401
    assert headers.get("www-authenticate", headers.get("WWW-Authenticate", "")).startswith("Bearer")
    assert "token" in body["error"]


def test_a_wrong_token_is_refused(api: Api) -> None:
    status, _, _ = api.server.post("/api/v1/verify", {"url": api.hosted("valid")}, token="not-a-token")
    assert status == 401


def test_a_token_made_on_the_settings_page_is_accepted(api: Api) -> None:
    status, _, body = api.server.post("/api/v1/verify", {"url": api.hosted("valid")}, token=api.stored_token)
    assert status == 200, body
    assert body["result"]["format"] == "ob2-hosted"


def test_a_body_over_the_size_limit_is_refused(api: Api) -> None:
    big = {"credential": {"@context": "https://www.w3.org/ns/credentials/v2", "pad": "x" * MAX_BYTES}}
    status, _, body = api.server.post("/api/v1/verify", big, token=TOKEN)
    assert status == 413
    assert str(MAX_BYTES) in body["error"]


def test_too_many_requests_are_told_when_to_come_back(api: Api) -> None:
    statuses = []
    for _ in range(25):
        status, headers, _ = api.server.post("/api/v1/verify", {"jwt": "not.a.jwt"}, token=RATE_TOKEN)
        statuses.append(status)
        if status == 429:
            assert int(headers.get("retry-after", headers.get("Retry-After", "0"))) >= 1
            break
    assert statuses[0] == 200
    assert statuses[-1] == 429
    # the limit is per token: another caller is not held back
    assert api.server.post("/api/v1/verify", {"jwt": "not.a.jwt"}, token=TOKEN)[0] == 200


def test_bad_bodies_get_a_clear_error(api: Api) -> None:
    assert api.server.post("/api/v1/verify", {"url": "ftp://x"}, token=TOKEN)[0] == 400
    assert api.server.post("/api/v1/verify", {"file": "***", "filename": "a.png"}, token=TOKEN)[0] == 400
    assert api.server.post("/api/v1/credentials/verify", {"options": {}}, token=TOKEN)[0] == 400
    status, _, body = api.server.request(
        "POST", "/api/v1/verify", body=b"{not json", token=TOKEN, headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert "JSON" in body["error"]


def test_the_openapi_document_describes_every_endpoint(api: Api) -> None:
    status, _, doc = api.server.request("GET", "/api/v1/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/v1/credentials/verify", "/api/v1/presentations/verify", "/api/v1/verify"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


# -- the same result as the command line -----------------------------------------------------------------


def test_a_url_gives_the_cli_result(api: Api) -> None:
    for name in ("valid", "revoked-flag"):
        (cli,) = _cli(api, api.hosted(name), email=fx.RECIPIENT)
        status, _, body = api.server.post(
            "/api/v1/verify", {"url": api.hosted(name), "options": {"email": fx.RECIPIENT, "now": NOW}}, token=TOKEN
        )
        assert status == 200
        assert body["result"] == cli
        assert body["verified"] is (cli["status"] == "verified")


def test_a_json_document_gives_the_cli_result(api: Api, tmp_path: Path) -> None:
    document = fx.variant("hosted", "valid", A=api.issuer.origin(A_HOST), B=api.issuer.origin(B_HOST))
    path = tmp_path / "assertion.json"
    path.write_text(json.dumps(document), "utf-8")
    (cli,) = _cli(api, str(path))
    status, _, body = api.server.post("/api/v1/verify", {"credential": document, "options": {"now": NOW}}, token=TOKEN)
    assert status == 200
    _same(body["result"], cli)


def test_a_jwt_gives_the_cli_result(api: Api, tmp_path: Path) -> None:
    token = fx.sign_rs256(fx.variant("signed", "valid", A=api.issuer.origin(A_HOST), B=api.issuer.origin(B_HOST)))
    path = tmp_path / "badge.jws"
    path.write_text(token, "utf-8")
    (cli,) = _cli(api, str(path))
    status, _, body = api.server.post("/api/v1/verify", {"jwt": token, "options": {"now": NOW}}, token=TOKEN)
    assert status == 200
    _same(body["result"], cli)
    assert cli["format"] == "ob2-signed"


def test_a_base64_file_gives_the_cli_result(api: Api, tmp_path: Path) -> None:
    png = baked.bake_png(fx.make_png(), api.hosted("valid"))
    path = tmp_path / "badge.png"
    path.write_bytes(png)
    (cli,) = _cli(api, str(path))
    payload = {"file": base64.b64encode(png).decode(), "filename": "badge.png", "options": {"now": NOW}}
    status, _, body = api.server.post("/api/v1/verify", payload, token=TOKEN)
    assert status == 200
    _same(body["result"], cli)


@pytest.mark.parametrize("name", ["valid-eddsa-rdfc-2022.json", "tampered.json", "jwt-eddsa.jwt"])
def test_the_vc_api_credential_endpoint_gives_the_cli_result(api: Api, name: str) -> None:
    path = VC / name
    (cli,) = _cli(api, str(path))
    text = path.read_text("utf-8")
    credential: Any = json.loads(text) if name.endswith(".json") else text.strip()
    status, _, body = api.server.post(
        "/api/v1/credentials/verify", {"verifiableCredential": credential, "options": {"now": NOW}}, token=TOKEN
    )
    assert status == 200
    _same(body["result"], cli)
    failed = [c["id"] for c in cli["checks"] if c["outcome"] == "fail"]
    assert [e["title"] for e in body["errors"]][: len(failed)] == failed
    assert body["verified"] is (cli["status"] == "verified")
    assert set(body["checks"]) <= {c["id"] for c in cli["checks"]}


@pytest.mark.parametrize("name", ["presentation.json", "presentation-tampered.json", "presentation.jwt"])
def test_the_vc_api_presentation_endpoint_gives_the_cli_result(api: Api, name: str) -> None:
    path = VC / name
    (cli,) = _cli(api, str(path))
    text = path.read_text("utf-8")
    presentation: Any = json.loads(text) if name.endswith(".json") else text.strip()
    status, _, body = api.server.post(
        "/api/v1/presentations/verify", {"verifiablePresentation": presentation, "options": {"now": NOW}}, token=TOKEN
    )
    assert status == 200
    _same(body["result"], cli)


def test_an_issuer_in_the_bundled_registries_is_found_as_by_the_cli(api: Api) -> None:
    """A real DCC credential whose did:key the bundled DCC registry snapshot lists: the API consults the
    workspace's registries (by default that snapshot, as the CLI's default) and proves the same level."""
    path = (
        ROOT
        / "tests/realworld/credentials/dcc-vc-test-fixtures/v1/bothSignatureTypes/didKey/legacy-noStatus-noExpiry-basicOBv3.json"
    )
    issued_later = "2026-06-01T00:00:00Z"  # the credential was issued after NOW
    (cli,) = _cli(api, str(path), now=issued_later)
    assert cli["status"] == "verified", cli["checks"]
    assert cli["issuer"]["identity"]["level"] == "registry"
    status, _, body = api.server.post(
        "/api/v1/credentials/verify",
        {"verifiableCredential": json.loads(path.read_text("utf-8")), "options": {"now": issued_later}},
        token=TOKEN,
    )
    assert status == 200
    _same(body["result"], cli)
