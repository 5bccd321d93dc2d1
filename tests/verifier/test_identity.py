"""issuer.identity: every level, every registry type, impersonation, and bad registries.

Registries, DID configurations and the OIDF anchor are real HTTP servers on
loopback; did:web (whose URL is always https) is served by a mock transport
for a host the test allows. Every signature is made in the test.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey

from tests.fixtures.ob2 import make_fixtures as ob2fx
from tests.support.issuer_server import IssuerServer, loopback_available
from tests.verifier.identity_helpers import NOW, Anchor, Signer, linkage_jwt, registry_document, vc_jwt
from verifier import cli
from verifier.fetch import Fetcher, FetchLimits
from verifier.models import IdentityLevel, Status, VerificationResult
from verifier.pipeline import BadgeInput, verify_input
from verifier.proofs.data_integrity import sign
from verifier.registries import (
    MAX_REGISTRY_BYTES,
    Registries,
    RegistryConfigError,
    parse_registry_list,
    snapshot_info,
    snapshot_registries,
)
from verifier.session import Session
from verifier.trust import TrustList

pytestmark = pytest.mark.skipif(not loopback_available("127.0.0.3"), reason="needs 127.0.0.2-3 on loopback (Linux)")

AT = datetime.fromtimestamp(NOW, UTC)
OB2_NOW = datetime(2025, 1, 1, tzinfo=UTC)  # within the OB 2.0 fixtures' validity
REG, ORG = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def server() -> Iterator[IssuerServer]:
    with IssuerServer([REG, ORG]) as s:
        yield s


async def verify(
    token: str,
    server: IssuerServer | None = None,
    *,
    registries: Registries | None = None,
    trust: TrustList | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    allow: tuple[str, ...] = (),
) -> VerificationResult:
    hosts = (server.allow_hosts if server else ()) + allow
    async with Fetcher(transport=transport, allow_hosts=hosts, limits=FetchLimits(retries=0, timeout=5)) as f:
        session = Session(fetcher=f, now=AT, registries=registries, trust=trust)
        return await verify_input(BadgeInput("cred.jwt", data=token.encode()), session)


def legacy(server: IssuerServer, name: str, entries: dict[str, dict[str, str]], path: str = "/registry.json") -> str:
    server.route(REG, path, json_body=registry_document(entries), content_type="application/json")
    return json.dumps({"name": name, "type": "dcc-legacy", "url": server.url(REG, path)})


def regs(*specs: str) -> Registries:
    return Registries(parse_registry_list([json.loads(s) for s in specs]))


def ident(result: VerificationResult) -> Any:
    assert result.issuer.identity is not None
    return result.issuer.identity


# -- self-asserted, registry -----------------------------------------------------------


async def test_a_fresh_did_key_is_self_asserted_and_says_why() -> None:
    signer = Signer.did_key()
    r = await verify(vc_jwt(signer, name="Example Institute of Technology", url="https://issuer.example.org/"))
    i = ident(r)
    assert r.status is Status.VERIFIED
    assert i.level is IdentityLevel.SELF_ASSERTED
    assert i.proven is None
    assert "did:key is a key anyone can make" in i.how
    assert (i.claims_name, i.claims_url) == ("Example Institute of Technology", "https://issuer.example.org/")
    assert r.to_dict()["issuer"]["identity"]["claims"]["name"] == "Example Institute of Technology"


async def test_a_did_key_listed_in_a_dcc_legacy_registry_is_at_registry_level(server: IssuerServer) -> None:
    signer = Signer.did_key()
    spec = legacy(server, "Loopback Registry", {signer.did: {"name": "Issuer U", "url": "https://u.example"}})
    r = await verify(vc_jwt(signer, name="Issuer U"), server, registries=regs(spec))
    i = ident(r)
    assert i.level is IdentityLevel.REGISTRY
    assert i.proven == signer.did
    assert [(x.name, x.entry_name) for x in i.registries] == [("Loopback Registry", "Issuer U")]
    assert i.unchecked_registries == ()
    assert r.status is Status.VERIFIED


async def test_a_registry_is_loaded_once_per_batch(server: IssuerServer) -> None:
    signer = Signer.did_key()
    spec = legacy(server, "R", {signer.did: {"name": "Issuer U"}})
    registries = regs(spec)
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        session = Session(fetcher=f, now=AT, registries=registries)
        for _ in range(5):
            await verify_input(BadgeInput("c", data=vc_jwt(signer).encode()), session)
    assert server.hits(REG, "/registry.json") == 1


async def test_the_trust_list_is_a_registry() -> None:
    signer = Signer.did_key()
    r = await verify(vc_jwt(signer, name="Ours"), trust=TrustList(allow=(signer.did,)))
    assert ident(r).level is IdentityLevel.REGISTRY
    assert ident(r).registries[0].name == "trust list"


@pytest.mark.parametrize(
    ("route", "says"),
    [
        ({"status": 503, "body": b"down"}, "HTTP 503"),
        ({"body": b"<html>nope</html>"}, "not JSON"),
        ({"json_body": {"issuers": []}}, "not a registry document"),
        ({"body": b'{"registry": {"' + b"x" * (MAX_REGISTRY_BYTES + 10) + b'": {}}}'}, "larger than"),
    ],
    ids=["unreachable", "garbage", "wrong-shape", "oversized"],
)
async def test_a_registry_that_cannot_be_loaded_is_unchecked_on_every_result(
    server: IssuerServer, route: dict[str, Any], says: str
) -> None:
    server.route(REG, "/bad.json", **route)
    bad = json.dumps({"name": "Bad Registry", "type": "dcc-legacy", "url": server.url(REG, "/bad.json")})
    signer = Signer.did_key()
    good = legacy(server, "Good", {signer.did: {"name": "Listed"}})
    listed = await verify(vc_jwt(signer), server, registries=regs(bad, good))
    other = await verify(vc_jwt(Signer.did_key()), server, registries=regs(bad, good))
    for r in (listed, other):
        (u,) = ident(r).unchecked_registries
        assert u.name == "Bad Registry"
        assert says in u.reason
    assert ident(listed).level is IdentityLevel.REGISTRY
    assert ident(other).level is IdentityLevel.SELF_ASSERTED  # never raised by an unloadable registry
    assert other.status is Status.VERIFIED


async def test_an_unreachable_registry_host_is_unchecked(server: IssuerServer) -> None:
    spec = json.dumps({"name": "Gone", "type": "dcc-legacy", "url": "http://127.0.0.9:9/registry.json"})
    r = await verify(vc_jwt(Signer.did_key()), server, registries=regs(spec), allow=("127.0.0.9:9",))
    (u,) = ident(r).unchecked_registries
    assert u.name == "Gone"
    assert "could not be loaded" in u.reason


def test_a_malformed_registry_list_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryConfigError):
        parse_registry_list({"name": "x"})
    with pytest.raises(RegistryConfigError):
        parse_registry_list([{"name": "x", "type": "dcc-legacy"}])
    with pytest.raises(RegistryConfigError):
        parse_registry_list([{"name": "x", "type": "oidf"}])
    bad = tmp_path / "regs.json"
    bad.write_text("not json", "utf-8")
    assert cli.main(["verify", "x.json", "--registries", str(bad)]) == cli.EXIT_USAGE


async def test_an_unknown_registry_type_is_reported_not_dropped() -> None:
    r = await verify(vc_jwt(Signer.did_key()), registries=regs('{"name": "VCR", "type": "vc-recognition"}'))
    (u,) = ident(r).unchecked_registries
    assert u.name == "VCR"
    assert "not supported" in u.reason


# -- OpenID Federation --------------------------------------------------------------------


def oidf_setup(server: IssuerServer) -> tuple[Anchor, str]:
    anchor = Anchor(server.url(REG, ""), server.url(REG, "/fetch"))
    server.route(REG, "/.well-known/openid-federation", body=anchor.entity_configuration())
    spec = json.dumps(
        {
            "name": "Loopback Federation",
            "type": "oidf",
            "trustAnchorEC": server.url(REG, "/.well-known/openid-federation"),
        }
    )
    return anchor, spec


async def test_oidf_subordinate_statement_lists_the_issuer_with_its_organisation_name(server: IssuerServer) -> None:
    anchor, spec = oidf_setup(server)
    signer = Signer.did_key()
    server.route(REG, f"/fetch?sub={signer.did.replace(':', '%3A')}", body=anchor.statement(signer.did, "Org One"))
    r = await verify(vc_jwt(signer, name="Org One"), server, registries=regs(spec))
    i = ident(r)
    assert i.level is IdentityLevel.REGISTRY
    assert [(x.name, x.entry_name) for x in i.registries] == [("Loopback Federation", "Org One")]


async def test_oidf_by_fetch_endpoint_alone_reads_the_anchor_at_its_origin(server: IssuerServer) -> None:
    anchor, _ = oidf_setup(server)
    signer = Signer.did_key()
    server.route(REG, f"/fetch?sub={signer.did.replace(':', '%3A')}", body=anchor.statement(signer.did, "Org One"))
    spec = json.dumps({"name": "F", "type": "oidf", "fetchEndpoint": server.url(REG, "/fetch?sub=")})
    r = await verify(vc_jwt(signer), server, registries=regs(spec))
    assert ident(r).level is IdentityLevel.REGISTRY


async def test_oidf_not_found_is_not_listed_and_not_unchecked(server: IssuerServer) -> None:
    _, spec = oidf_setup(server)
    r = await verify(vc_jwt(Signer.did_key()), server, registries=regs(spec))
    assert ident(r).level is IdentityLevel.SELF_ASSERTED
    assert ident(r).unchecked_registries == ()


@pytest.mark.parametrize("problem", ["bad-signature", "other-sub", "expired", "bad-anchor"])
async def test_oidf_statements_that_do_not_verify_leave_the_registry_unchecked(
    server: IssuerServer, problem: str
) -> None:
    anchor, spec = oidf_setup(server)
    signer = Signer.did_key()
    if problem == "bad-signature":
        stranger = ECKey.generate_key("P-256", parameters={"kid": "anchor-1"})
        body = anchor.statement(signer.did, "Org", key=stranger)
    elif problem == "other-sub":
        body = anchor.statement(Signer.did_key().did, "Org")
    elif problem == "expired":
        body = anchor.statement(signer.did, "Org", exp=NOW - 10)
    else:
        body = anchor.statement(signer.did, "Org")
        server.route(REG, "/.well-known/openid-federation", body=anchor.entity_configuration(exp=NOW - 10))
    server.route(REG, f"/fetch?sub={signer.did.replace(':', '%3A')}", body=body)
    r = await verify(vc_jwt(signer), server, registries=regs(spec))
    i = ident(r)
    assert i.level is IdentityLevel.SELF_ASSERTED
    (u,) = i.unchecked_registries
    expected = {
        "bad-signature": "signature does not verify",
        "other-sub": "is about",
        "expired": "expired",
        "bad-anchor": "entity configuration",
    }[problem]
    assert expected in u.reason


# -- domain: did:web and DID configuration ------------------------------------------------


def did_web_transport(signer: Signer, host: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == host and request.url.path == "/.well-known/did.json":
            return httpx.Response(200, json=signer.did_document())
        return httpx.Response(404)

    return httpx.MockTransport(handler)


async def test_did_web_served_by_an_allowed_host_proves_the_domain() -> None:
    signer = Signer.did_web("did:web:issuer.test")
    r = await verify(
        vc_jwt(signer, name="Issuer Test"), transport=did_web_transport(signer, "issuer.test"), allow=("issuer.test",)
    )
    i = ident(r)
    assert r.status is Status.VERIFIED
    assert (i.level, i.proven) == (IdentityLevel.DOMAIN, "issuer.test")
    assert "without TLS" in i.how  # said plainly: the operator vouched for the host, no certificate did


async def test_did_web_through_a_transport_without_tls_proves_nothing() -> None:
    signer = Signer.did_web("did:web:issuer.test")
    r = await verify(vc_jwt(signer), transport=did_web_transport(signer, "issuer.test"))
    assert r.status is Status.VERIFIED
    assert ident(r).level is IdentityLevel.SELF_ASSERTED


def did_configuration(server: IssuerServer, linked: list[Any]) -> str:
    doc = {"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": linked}
    server.route(ORG, "/.well-known/did-configuration.json", json_body=doc, content_type="application/json")
    return server.origin(ORG)


async def test_a_did_key_whose_claimed_domain_publishes_a_valid_linkage_is_at_domain_level(
    server: IssuerServer,
) -> None:
    signer = Signer.did_key()
    origin = did_configuration(server, [])
    did_configuration(server, [linkage_jwt(Signer.did_key(), origin), linkage_jwt(signer, origin)])
    r = await verify(vc_jwt(signer, name="Org", url=origin + "/about"), server)
    i = ident(r)
    assert (i.level, i.proven) == (IdentityLevel.DOMAIN, ORG)
    assert "did-configuration.json" in i.how


@pytest.mark.parametrize("problem", ["wrong-origin", "expired", "wrong-signature", "not-listed"])
async def test_a_linkage_that_does_not_hold_proves_nothing(server: IssuerServer, problem: str) -> None:
    signer = Signer.did_key()
    origin = server.origin(ORG)
    if problem == "wrong-origin":
        token = linkage_jwt(signer, "https://elsewhere.example")
    elif problem == "expired":
        token = linkage_jwt(signer, origin, nbf=NOW - 400 * 86400, exp=NOW - 86400)
    elif problem == "wrong-signature":
        token = linkage_jwt(signer, origin)
        impostor = linkage_jwt(Signer(Signer.did_key().key, signer.did, signer.kid), origin)
        token = token.rsplit(".", 1)[0] + "." + impostor.rsplit(".", 1)[1]
    else:
        token = linkage_jwt(Signer.did_key(), origin)
    did_configuration(server, [token])
    r = await verify(vc_jwt(signer, name="Org", url=origin), server)
    assert ident(r).level is IdentityLevel.SELF_ASSERTED
    assert r.status is Status.VERIFIED


# -- impersonation -----------------------------------------------------------------------


def aws_registry(server: IssuerServer) -> str:
    return legacy(
        server,
        "Employer Registry",
        {"did:web:aws.example": {"name": "Amazon Web Services", "url": "https://aws.amazon.com"}},
    )


@pytest.mark.parametrize(
    "claimed",
    ["Amazon Web Services", "AMAZON  web services", "\u0410mazon Web Services", "Amaz\u043en Web Services"],
    ids=["same", "case-and-space", "cyrillic-A", "cyrillic-o"],
)
async def test_a_did_key_claiming_a_registered_name_fails_the_issuer_check(server: IssuerServer, claimed: str) -> None:
    signer = Signer.did_key()
    r = await verify(vc_jwt(signer, name=claimed), server, registries=regs(aws_registry(server)))
    imp = ident(r).impersonation
    assert r.status is Status.FAILED
    assert imp is not None
    assert imp.severity == "fail"
    assert imp.resembles == "Amazon Web Services"
    issuer_check = r.check("issuer")
    assert issuer_check is not None
    assert issuer_check.outcome.value == "fail"
    assert "registered as did:web:aws.example" in issuer_check.message
    assert f"signed by {signer.did}" in issuer_check.message


async def test_a_did_key_claiming_a_registered_domain_fails(server: IssuerServer) -> None:
    r = await verify(
        vc_jwt(Signer.did_key(), name="Cloud Training", url="https://www.aws.amazon.com/training"),
        server,
        registries=regs(aws_registry(server)),
    )
    assert r.status is Status.FAILED
    assert "the domain aws.amazon.com" in (r.check("issuer").message if r.check("issuer") else "")


async def test_a_near_match_warns_and_never_passes_identity(server: IssuerServer) -> None:
    r = await verify(vc_jwt(Signer.did_key(), name="Amazon Web Service"), server, registries=regs(aws_registry(server)))
    imp = ident(r).impersonation
    assert imp is not None
    assert imp.severity == "warn"
    assert r.status is Status.VERIFIED
    assert r.check("issuer") is not None
    assert r.check("issuer").outcome.value == "warn"
    assert ident(r).level is IdentityLevel.SELF_ASSERTED


async def test_an_unrelated_name_is_no_impersonation(server: IssuerServer) -> None:
    r = await verify(vc_jwt(Signer.did_key(), name="Northwind Academy"), server, registries=regs(aws_registry(server)))
    assert ident(r).impersonation is None
    assert r.status is Status.VERIFIED


async def test_the_registered_issuer_itself_is_not_an_impersonator(server: IssuerServer) -> None:
    signer = Signer.did_key()
    spec = legacy(server, "R", {signer.did: {"name": "Amazon Web Services", "url": "https://aws.amazon.com"}})
    r = await verify(
        vc_jwt(signer, name="Amazon Web Services", url="https://aws.amazon.com"), server, registries=regs(spec)
    )
    assert ident(r).level is IdentityLevel.REGISTRY
    assert ident(r).impersonation is None
    assert r.status is Status.VERIFIED


async def test_claiming_an_allow_listed_domain_without_proving_it_fails() -> None:
    r = await verify(
        vc_jwt(Signer.did_key(), name="Acme", url="https://badges.acme.example/"),
        trust=TrustList(allow=("badges.acme.example",)),
    )
    assert r.status is Status.FAILED
    assert ident(r).impersonation is not None


async def test_an_impersonating_member_fails_its_presentation(server: IssuerServer) -> None:
    holder = Signer.did_key()
    member = vc_jwt(Signer.did_key(), name="Amazon Web Services")
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": ["EnvelopedVerifiableCredential"],
                "id": "data:application/vc+jwt," + member,
            }
        ],
    }
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        session = Session(fetcher=f, now=AT, registries=regs(aws_registry(server)))
        r = await verify_input(BadgeInput("vp.json", data=json.dumps(vp).encode()), session)
    (m,) = r.credentials
    assert m.status is Status.FAILED
    assert ident(m).impersonation is not None
    assert r.status is Status.FAILED
    assert ident(r).level is IdentityLevel.SELF_ASSERTED
    assert "presentation" in ident(r).how


# -- snapshot and CLI ---------------------------------------------------------------------


def test_the_bundled_snapshot_is_dated_and_sourced() -> None:
    info = snapshot_info(datetime(2027, 1, 2, tzinfo=UTC))
    assert info.retrieved == "2026-12-03"
    assert info.age_days == 30
    assert {r["name"] for r in info.registries} >= {"DCC Member Registry", "DCC Community Registry"}
    for r in info.registries:
        assert r["entries"] > 0
        assert len(r["source"]["commit"]) == 40
        assert r["source"]["repository"]


async def test_the_snapshot_works_offline_for_a_registered_did() -> None:
    registries = snapshot_registries()
    transport = httpx.MockTransport(lambda request: httpx.Response(599))
    async with Fetcher(transport=transport) as f:
        session = Session(fetcher=f, now=AT, registries=registries)
        lookup = await registries.lookup("did:web:c21u.gatech.edu", session)
    assert [e.name for e in lookup.listings] == [
        "Georgia Tech Center for 21st Century Universities",
        "Georgia Tech Center for 21st Century Universities",
    ]
    assert lookup.unchecked == ()


def test_cli_reports_identity_and_registries(
    server: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signer = Signer.did_key()
    spec = legacy(server, "CLI Registry", {signer.did: {"name": "Issuer U"}})
    regfile = tmp_path / "registries.json"
    regfile.write_text("[" + spec + "]", "utf-8")
    token = tmp_path / "c.jwt"
    token.write_text(vc_jwt(signer, name="Issuer U"), "utf-8")
    args = ["verify", str(token), "--json", "--now", AT.isoformat(), "--registries", str(regfile)]
    args += [a for h in server.allow_hosts for a in ("--allow-host", h)]
    assert cli.main(args) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    identity = line["issuer"]["identity"]
    assert identity["level"] == "registry"
    assert identity["registries"] == [{"name": "CLI Registry", "entry": {"name": "Issuer U", "url": None}}]
    assert identity["unchecked_registries"] == []
    assert identity["impersonation"] is None


def test_a_bundle_reverifies_identity_with_its_recorded_registries(
    server: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signer = Signer.did_key()
    spec = legacy(server, "Bundled Registry", {signer.did: {"name": "Issuer U"}})
    regfile = tmp_path / "registries.json"
    regfile.write_text("[" + spec + "]", "utf-8")
    token = tmp_path / "c.jwt"
    token.write_text(vc_jwt(signer, name="Issuer U"), "utf-8")
    bundle = tmp_path / "b.zip"
    args = ["verify", str(token), "--json", "--now", AT.isoformat(), "--registries", str(regfile)]
    args += [a for h in server.allow_hosts for a in ("--allow-host", h)]
    assert cli.main([*args, "--bundle-out", str(bundle)]) == 0
    capsys.readouterr()
    server.stop()  # offline from here: the registry is answered from the bundle
    assert cli.main(["verify", "--bundle", str(bundle), "--json", "--now", AT.isoformat()]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert line["issuer"]["identity"]["level"] == "registry"
    assert line["changed"] == []


# -- OB 2.0: hosted and signed on the issuer's origin; a platform's host ---------------------


def ob2_site(server: IssuerServer) -> str:
    a, b = server.origin(REG), server.origin(ORG)
    for name in ("issuer", "key", "revocations", "badge"):
        server.route(REG, f"/{name}.json", json_body=ob2fx.render(name, A=a, B=b))
    server.route(REG, "/assertions/valid.json", json_body=ob2fx.variant("hosted", "valid", A=a, B=b))
    return a


async def test_ob2_hosted_on_the_issuers_origin_proves_its_domain(server: IssuerServer) -> None:
    origin = ob2_site(server)
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        r = await verify_input(BadgeInput(origin + "/assertions/valid.json"), Session(fetcher=f, now=OB2_NOW))
    i = ident(r)
    assert r.status is Status.VERIFIED
    assert (i.level, i.proven) == (IdentityLevel.DOMAIN, REG)
    assert "assertion, BadgeClass and issuer profile" in i.how


async def test_ob2_signed_whose_profile_lists_the_key_proves_its_domain(server: IssuerServer) -> None:
    origin = ob2_site(server)
    token = ob2fx.sign_rs256(ob2fx.variant("signed", "valid", A=origin, B=server.origin(ORG)))
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        r = await verify_input(BadgeInput("s.jws", data=token.encode()), Session(fetcher=f, now=OB2_NOW))
    assert r.status is Status.VERIFIED
    assert (ident(r).level, ident(r).proven) == (IdentityLevel.DOMAIN, REG)


async def test_ob2_hosted_from_a_host_nobody_vouches_for_proves_nothing(server: IssuerServer) -> None:
    origin = ob2_site(server)
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        f.vouched_hosts = ()  # reachable, but plain http and not vouched for: no domain proof
        r = await verify_input(BadgeInput(origin + "/assertions/valid.json"), Session(fetcher=f, now=OB2_NOW))
    assert r.status is Status.VERIFIED
    assert ident(r).level is IdentityLevel.SELF_ASSERTED


async def test_a_badge_served_by_a_known_platform_is_at_platform_level() -> None:
    a, b = "https://api.badgr.io", "https://other.example"
    docs = {f"{a}/{name}.json": ob2fx.render(name, A=a, B=b) for name in ("issuer", "key", "revocations", "badge")}
    docs[f"{a}/assertions/valid.json"] = ob2fx.variant("hosted", "valid", A=a, B=b)
    transport = httpx.MockTransport(
        lambda req: httpx.Response(200, json=docs[str(req.url)]) if str(req.url) in docs else httpx.Response(404)
    )
    async with Fetcher(transport=transport, allow_hosts=("api.badgr.io",), limits=FetchLimits(retries=0)) as f:
        r = await verify_input(BadgeInput(f"{a}/assertions/valid.json"), Session(fetcher=f, now=OB2_NOW))
    i = ident(r)
    assert r.status is Status.VERIFIED
    assert (i.level, i.proven) == (IdentityLevel.PLATFORM, "badgr.io")
    assert "Badgr" in i.how


def jsonld_linkage(signer: Signer, origin: str, *, expiration: str = "2027-06-01T00:00:00Z") -> dict[str, Any]:
    """A Domain Linkage Credential in the Linked Data Proof format (Ed25519Signature2020)."""
    doc = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://identity.foundation/.well-known/did-configuration/v1",
            "https://w3id.org/security/suites/ed25519-2020/v1",
        ],
        "issuer": signer.did,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": expiration,
        "type": ["VerifiableCredential", "DomainLinkageCredential"],
        "credentialSubject": {"id": signer.did, "origin": origin},
    }
    return sign(
        doc,
        private_key=signer.key,
        verification_method=signer.kid,
        cryptosuite="Ed25519Signature2020",
        created="2026-01-01T00:00:00Z",
    )


@pytest.mark.parametrize("problem", [None, "expired", "tampered"])
async def test_a_linked_data_proof_domain_linkage(server: IssuerServer, problem: str | None) -> None:
    signer = Signer.did_key()
    origin = server.origin(ORG)
    dlc = jsonld_linkage(
        signer, origin, expiration="2026-02-01T00:00:00Z" if problem == "expired" else "2027-06-01T00:00:00Z"
    )
    if problem == "tampered":
        dlc["issuanceDate"] = "2026-01-02T00:00:00Z"  # no longer what was signed
    did_configuration(server, [dlc])
    r = await verify(vc_jwt(signer, name="Org", url=origin + "/"), server)
    expected = IdentityLevel.DOMAIN if problem is None else IdentityLevel.SELF_ASSERTED
    assert ident(r).level is expected


async def test_a_platform_domain_is_shared_and_never_claimed_by_one_issuer(server: IssuerServer) -> None:
    spec = legacy(
        server, "Sandbox", {"did:web:www.credly.com:api:v1:obi:v3:issuers:ede32dcc": {"name": "Credly Test OBv3 PM"}}
    )
    r = await verify(
        vc_jwt(Signer.did_key(), name="Adatum Cloud Academy", url="https://www.credly.com/org/adatum"),
        server,
        registries=regs(spec),
    )
    assert ident(r).impersonation is None
    assert r.status is Status.VERIFIED


async def test_an_allow_list_entry_with_a_name_protects_that_name() -> None:
    ours = Signer.did_key()
    trust = TrustList.from_mapping({"allow": [{"id": ours.did, "name": "Northwind Academy"}, "partner.example"]})
    assert trust.allow == (ours.did, "partner.example")
    impostor = await verify(vc_jwt(Signer.did_key(), name="N\u043erthwind Academy"), trust=trust)
    assert impostor.status is Status.FAILED
    assert "trust list" in (impostor.check("issuer").message if impostor.check("issuer") else "")
    genuine = await verify(vc_jwt(ours, name="Northwind Academy"), trust=trust)
    assert genuine.status is Status.VERIFIED
    assert ident(genuine).level is IdentityLevel.REGISTRY


def test_a_trust_list_csv_may_name_its_issuers() -> None:
    trust = TrustList.from_csv("issuer,verdict,name\ndid:web:a.example,allow,A University\nbad.example,deny,\n")
    assert trust.name_of("did:web:a.example") == "A University"
    assert trust.deny == ("bad.example",)


async def test_registry_status_says_what_loaded(server: IssuerServer) -> None:
    _, oidf = oidf_setup(server)
    good = legacy(server, "Good", {"did:web:x.example": {"name": "X"}})
    bad = json.dumps({"name": "Gone", "type": "dcc-legacy", "url": server.url(REG, "/missing.json")})
    registries = regs(good, bad, oidf)
    async with Fetcher(allow_hosts=server.allow_hosts, limits=FetchLimits(retries=0)) as f:
        rows = await registries.status(Session(fetcher=f, now=AT))
    assert [(r["name"], r["loaded"], r["entries"]) for r in rows] == [
        ("Good", True, 1),
        ("Gone", False, 0),
        ("Loopback Federation", True, None),
    ]
    assert rows[0]["updated"] == "2026-01-01T00:00:00Z"
    assert "HTTP 404" in rows[1]["error"]


async def test_a_claim_that_could_not_be_checked_is_never_an_accusation(server: IssuerServer) -> None:
    """A badge whose issuer key cannot be resolved (error) that names a registered issuer:
    suspicious (a warning on identity), but not determinate evidence: the result stays error."""
    signer = Signer.did_web("did:web:unreachable.example")
    r = await verify(vc_jwt(signer, name="Amazon Web Services"), server, registries=regs(aws_registry(server)))
    imp = ident(r).impersonation
    assert r.status is Status.ERROR
    assert imp is not None
    assert imp.severity == "warn"


def test_cli_with_an_oidf_registry(server: IssuerServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    anchor, spec = oidf_setup(server)
    signer = Signer.did_key()
    server.route(REG, f"/fetch?sub={signer.did.replace(':', '%3A')}", body=anchor.statement(signer.did, "Org One"))
    regfile = tmp_path / "registries.json"
    regfile.write_text("[" + spec + "]", "utf-8")
    token = tmp_path / "c.jwt"
    token.write_text(vc_jwt(signer, name="Org One"), "utf-8")
    args = ["verify", str(token), "--csv", "--now", AT.isoformat(), "--registries", str(regfile)]
    args += [a for h in server.allow_hosts for a in ("--allow-host", h)]
    assert cli.main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["issuer_identity"] == "registry"
    assert rows[0]["issuer_proven"] == signer.did
