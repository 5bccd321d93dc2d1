"""Issuer registries: is this issuer's DID or id listed by someone the employer trusts?

A registry list (``--registries FILE``) is the Digital Credentials
Consortium's known-registries JSON (``digitalcredentials/dcc-known-registries``,
``known-did-registries.json``): a list of

- ``{"name", "type": "dcc-legacy", "url"}``: a static JSON document
  ``{"meta": {"created", "updated"}, "registry": {DID: {"name", "location", "url"}}}``
  (the form of ``digitalcredentials/issuer-registry`` ``registry.json``);
- ``{"name", "type": "oidf", "trustAnchorEC" | "fetchEndpoint"}``: an OpenID
  Federation 1.0 trust anchor (see :func:`_oidf_lookup`).

Other keys (``governanceUrl``) are kept for display and otherwise ignored;
an entry of another type is reported as unchecked on every result, never
dropped silently.

The employer's trust list (``--trust``) is a registry too: its allow entries
list issuers (by id, DID or domain) under the name "trust list".

With no list given, the verifier uses :data:`SNAPSHOT`, a dated copy of the
DCC's public dcc-legacy registries bundled in ``registry_data/`` (with the
repository, path and commit each came from), so that lookups work offline.
:func:`snapshot_info` says how old it is.

Loading: registries are fetched through the session's guarded fetcher (so
the SSRF guard, size cap and timeouts apply; https, or http only for hosts
the caller allowed) and cached in ``session.cache`` for the batch. A registry
that cannot be loaded (unreachable, not JSON, not the format, larger than
:data:`MAX_REGISTRY_BYTES`, an OIDF statement that does not verify) is
listed in ``unchecked_registries`` on every result it could have changed:
it is never treated as "not listed".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from verifier import jose, keys
from verifier.errors import DocumentError, FetchError, HTTPStatusError, KeyResolutionError
from verifier.models import RegistryListing, UncheckedRegistry
from verifier.session import Session
from verifier.trust import TrustList, issuer_domain

DATA_DIR = Path(__file__).parent / "registry_data"
SNAPSHOT_FILE = DATA_DIR / "dcc-snapshot.json"
KNOWN_REGISTRIES_FILE = DATA_DIR / "known-did-registries.json"
MAX_REGISTRY_BYTES = 2 * 1024 * 1024  # the largest public DCC registry is ~15 KB
MAX_REGISTRY_ENTRIES = 50_000
MAX_REGISTRIES = 32
TRUST_LIST_NAME = "trust list"
ENTITY_STATEMENT_TYPE = "entity-statement+jwt"  # OpenID Federation 1.0 §3 "Entity Statement"


T = TypeVar("T")


class RegistryConfigError(ValueError):
    """A registry list that cannot be used at all (a usage error)."""


@dataclass(frozen=True, slots=True)
class RegistrySpec:
    """One configured registry."""

    name: str
    type: str
    url: str | None = None  # dcc-legacy
    trust_anchor_ec: str | None = None  # oidf
    fetch_endpoint: str | None = None  # oidf
    bundled: Mapping[str, Any] | None = None  # a snapshot's registry document, never fetched

    @property
    def where(self) -> str:
        """Where the registry is read from (for messages)."""
        if self.bundled is not None:
            return f"bundled snapshot of {self.url}"
        return self.url or self.trust_anchor_ec or self.fetch_endpoint or self.name


@dataclass(frozen=True, slots=True)
class Entry:
    """What a registry records about one issuer."""

    registry: str
    id: str
    name: str | None = None
    url: str | None = None
    location: str | None = None

    def listing(self) -> RegistryListing:
        """As it appears in ``issuer.identity.registries``."""
        return RegistryListing(self.registry, self.name, self.url, self.location)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A dcc-legacy registry as loaded: its entries by id, or why it could not be."""

    spec: RegistrySpec
    entries: Mapping[str, Entry] = field(default_factory=dict)
    updated: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the configured registries say about one issuer id."""

    listings: tuple[Entry, ...] = ()
    unchecked: tuple[UncheckedRegistry, ...] = ()


@dataclass(frozen=True, slots=True)
class Registries:
    """The registries one batch consults, plus the trust list's allow entries."""

    specs: tuple[RegistrySpec, ...] = ()
    trust: TrustList | None = None
    source: str = "configured"  # "configured" | "snapshot"

    def with_trust(self, trust: TrustList | None) -> Registries:
        """The same registries with the employer's trust list as one more."""
        return Registries(self.specs, trust, self.source)

    async def loaded(self, session: Session) -> tuple[Loaded, ...]:
        """Every dcc-legacy registry, loaded once per batch."""

        async def load_all() -> tuple[Loaded, ...]:
            return tuple(
                await asyncio.gather(*(_load_legacy(s, session) for s in self.specs if s.type == "dcc-legacy"))
            )

        return await _once(session, ("registries-loaded", str(id(self))), load_all)

    async def status(self, session: Session) -> list[dict[str, Any]]:
        """One row per configured registry, for a settings screen: its name, type, where it
        is read from, whether it loaded (and why not), how many issuers it lists and its
        ``meta.updated`` (OIDF registries are asked per issuer: only their anchor is checked)."""
        rows: list[dict[str, Any]] = []
        loaded = {id(x.spec): x for x in await self.loaded(session)}
        for spec in self.specs:
            row: dict[str, Any] = {"name": spec.name, "type": spec.type, "where": spec.where}
            if spec.type == "dcc-legacy":
                got = loaded[id(spec)]
                row.update(loaded=got.error is None, error=got.error, entries=len(got.entries), updated=got.updated)
            elif spec.type == "oidf":
                anchor = await _oidf_anchor(spec, session)
                error = anchor if isinstance(anchor, str) else None
                row.update(loaded=error is None, error=error, entries=None, updated=None)
            else:
                row.update(
                    loaded=False, error=f"registry type {spec.type!r} is not supported", entries=None, updated=None
                )
            rows.append(row)
        return rows

    async def known_entries(self, session: Session) -> tuple[tuple[Entry, ...], tuple[UncheckedRegistry, ...]]:
        """All entries of the loaded list registries (for impersonation checks),
        and the registries that could not be loaded or cannot be listed (once per batch)."""

        async def collect() -> tuple[tuple[Entry, ...], tuple[UncheckedRegistry, ...]]:
            entries: list[Entry] = []
            unchecked: list[UncheckedRegistry] = []
            for loaded in await self.loaded(session):
                if loaded.error is not None:
                    unchecked.append(UncheckedRegistry(loaded.spec.name, loaded.error))
                else:
                    entries.extend(loaded.entries.values())
            return tuple(entries), tuple(unchecked)

        return await _once(session, ("registry-entries", str(id(self))), collect)

    async def lookup(self, issuer_id: str | None, session: Session) -> Lookup:
        """The registries that list ``issuer_id`` and those that could not be checked."""
        listings: list[Entry] = []
        unchecked: list[UncheckedRegistry] = []
        for spec in self.specs:
            if spec.type not in ("dcc-legacy", "oidf"):
                unchecked.append(UncheckedRegistry(spec.name, f"registry type {spec.type!r} is not supported"))
        for loaded in await self.loaded(session):
            if loaded.error is not None:
                unchecked.append(UncheckedRegistry(loaded.spec.name, loaded.error))
            elif issuer_id:
                entry = loaded.entries.get(_registry_key(issuer_id))
                if entry is not None:
                    listings.append(entry)
        oidf = [s for s in self.specs if s.type == "oidf"]
        if oidf and issuer_id:
            for spec, outcome in zip(
                oidf, await asyncio.gather(*(_oidf_cached(s, issuer_id, session) for s in oidf)), strict=True
            ):
                if isinstance(outcome, Entry):
                    listings.append(outcome)
                elif isinstance(outcome, str):
                    unchecked.append(UncheckedRegistry(spec.name, outcome))
        if self.trust is not None and issuer_id and self.trust.verdict(issuer_id) == "allow":
            listings.append(Entry(TRUST_LIST_NAME, issuer_id, None, issuer_domain(issuer_id)))
        return Lookup(tuple(listings), tuple(unchecked))


# -- configuration ---------------------------------------------------------------


def parse_registry_list(data: Any, *, where: str = "registry list") -> tuple[RegistrySpec, ...]:
    """Registry specs from the known-registries JSON form; :class:`RegistryConfigError` when unusable."""
    if isinstance(data, Mapping) and isinstance(data.get("registries"), list):
        data = data["registries"]
    if not isinstance(data, list):
        raise RegistryConfigError(f"{where}: a registry list is a JSON array of {{name, type, url | trustAnchorEC}}")
    if len(data) > MAX_REGISTRIES:
        raise RegistryConfigError(f"{where}: {len(data)} registries; at most {MAX_REGISTRIES} are consulted")
    specs: list[RegistrySpec] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise RegistryConfigError(f"{where}: entry {n} needs a 'name'")
        name, kind = item["name"].strip(), str(item.get("type") or "")
        if kind == "dcc-legacy":
            url = item.get("url")
            if not _is_http(url):
                raise RegistryConfigError(f"{where}: registry {name!r} (dcc-legacy) needs an http(s) 'url'")
            specs.append(RegistrySpec(name, kind, url=str(url).strip()))
        elif kind == "oidf":
            ec, endpoint = item.get("trustAnchorEC"), item.get("fetchEndpoint")
            if not _is_http(ec) and not _is_http(endpoint):
                raise RegistryConfigError(f"{where}: registry {name!r} (oidf) needs 'trustAnchorEC' or 'fetchEndpoint'")
            specs.append(
                RegistrySpec(
                    name,
                    kind,
                    trust_anchor_ec=str(ec).strip() if _is_http(ec) else None,
                    fetch_endpoint=str(endpoint).strip() if _is_http(endpoint) else None,
                )
            )
        else:
            specs.append(RegistrySpec(name, kind or "unknown"))  # reported as unchecked on every result
    return tuple(specs)


def load_registry_list(path: str | Path) -> Registries:
    """``--registries FILE``; :class:`RegistryConfigError` when it cannot be used."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise RegistryConfigError(f"cannot read the registry list {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RegistryConfigError(f"the registry list {path} is not JSON: {exc}") from exc
    return Registries(parse_registry_list(data, where=str(path)))


def registries_from_json(data: Any) -> Registries:
    """Registries from a known-registries list or a bundled snapshot document
    (as an evidence bundle stores either); :class:`RegistryConfigError` otherwise."""
    if isinstance(data, Mapping) and isinstance(data.get("registries"), list) and "retrieved" in data:
        return _snapshot_from(data)
    return Registries(parse_registry_list(data))


def _snapshot_from(snap: Mapping[str, Any]) -> Registries:
    """A snapshot document's registries: entries with their ``data`` are read from it; an entry
    without ``data`` is a known-registries entry, fetched when used (a workspace's registries
    recorded in an evidence bundle mix both)."""
    specs: list[RegistrySpec] = []
    for r in snap["registries"]:
        if not isinstance(r, Mapping) or not isinstance(r.get("name"), str):
            raise RegistryConfigError("a registry snapshot entry needs a name and its data")
        if "data" not in r:
            specs.extend(parse_registry_list([r], where="registry snapshot"))
            continue
        if not isinstance(r.get("data"), Mapping):
            raise RegistryConfigError("a registry snapshot entry needs a name and its data")
        specs.append(RegistrySpec(r["name"], "dcc-legacy", url=str(r.get("url") or r["name"]), bundled=r["data"]))
    return Registries(tuple(specs), source="snapshot")


@cache
def _snapshot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SNAPSHOT_FILE.read_text("utf-8"))
    return data


def snapshot_registries() -> Registries:
    """The bundled DCC registries (offline; see :func:`snapshot_info`)."""
    return _snapshot_from(_snapshot())


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """How old the bundled registry snapshot is, and where it came from."""

    retrieved: str
    age_days: int
    registries: tuple[dict[str, Any], ...]


def snapshot_info(now: datetime | None = None) -> SnapshotInfo:
    """The snapshot's retrieval date, its age in days at ``now``, and per registry
    its name, entry count, ``meta.updated`` and source (repository, path, commit)."""
    snap = _snapshot()
    retrieved = datetime.fromisoformat(snap["retrieved"]).replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return SnapshotInfo(
        retrieved=snap["retrieved"],
        age_days=max(0, (now - retrieved).days),
        registries=tuple(
            {
                "name": r["name"],
                "url": r["url"],
                "entries": len(r["data"].get("registry") or {}),
                "updated": (r["data"].get("meta") or {}).get("updated"),
                "source": r["source"],
            }
            for r in snap["registries"]
        ),
    )


def _is_http(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(("https://", "http://"))


def _registry_key(issuer_id: str) -> str:
    """Registries key DIDs without a fragment (``did:key:z6Mk…``); an id given with
    one (``did:web:x#key-1``) is looked up without it."""
    return issuer_id.split("#", 1)[0].strip()


# -- dcc-legacy ------------------------------------------------------------------


async def _once(session: Session, key: tuple[str, str], make: Callable[[], Awaitable[T]]) -> T:
    """``make()`` run once per batch for ``key``: concurrent callers share one task
    (a registry is fetched and parsed once, not once per badge in flight)."""
    task = session.cache.get(key)
    if isinstance(task, asyncio.Task) and task.done() and not task.cancelled() and task.exception() is None:
        return cast(T, task.result())  # the common case once loaded: no scheduling at all
    if not isinstance(task, asyncio.Task):
        task = asyncio.ensure_future(make())
        session.cache[key] = task
    return cast(T, await asyncio.shield(task))


async def _load_legacy(spec: RegistrySpec, session: Session) -> Loaded:
    async def load() -> Loaded:
        if spec.bundled is not None:
            return _parse_legacy(spec, spec.bundled)
        return await _fetch_legacy(spec, session)

    return await _once(session, ("registry", spec.where), load)


async def _fetch_legacy(spec: RegistrySpec, session: Session) -> Loaded:
    url = spec.url or ""
    try:
        response = await session.fetcher.fetch(url, accept="application/json")
    except FetchError as exc:
        return Loaded(spec, error=f"could not be loaded from {url}: {exc.reason}")
    if len(response.content) > MAX_REGISTRY_BYTES:
        return Loaded(spec, error=f"{url} is larger than the {MAX_REGISTRY_BYTES // 1024} KB registry cap")
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return Loaded(spec, error=f"{url} is not JSON")
    return _parse_legacy(spec, data)


def _parse_legacy(spec: RegistrySpec, data: Any) -> Loaded:
    registry = data.get("registry") if isinstance(data, Mapping) else None
    if not isinstance(registry, Mapping):
        return Loaded(spec, error=f"{spec.where} is not a registry document (no 'registry' object)")
    if len(registry) > MAX_REGISTRY_ENTRIES:
        return Loaded(
            spec, error=f"{spec.where} lists {len(registry)} issuers, more than the cap of {MAX_REGISTRY_ENTRIES}"
        )
    entries: dict[str, Entry] = {}
    for did, info in registry.items():
        if not isinstance(did, str) or not isinstance(info, Mapping):
            continue
        entries[_registry_key(did)] = Entry(
            spec.name,
            _registry_key(did),
            name=_text(info.get("name")),
            url=_text(info.get("url")),
            location=_text(info.get("location")),
        )
    meta = data.get("meta") if isinstance(data.get("meta"), Mapping) else {}
    return Loaded(spec, entries, updated=_text(meta.get("updated")))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- OpenID Federation -------------------------------------------------------------
#
# OpenID Federation 1.0, as the DCC's verifier-core uses it for its member
# registry (src/services/registry-handlers/oidf-handler.ts):
#
# 1. the trust anchor's Entity Configuration (§3, §9 "Obtaining Federation
#    Entity Configuration Information": ``/.well-known/openid-federation``) is
#    a JWT signed by one of the keys in its own ``jwks`` claim; ``iss`` equals
#    ``sub`` (§3.1.1); ``exp`` is in the future; its
#    ``metadata.federation_entity.federation_fetch_endpoint`` (§5.1.1) names
#    the fetch endpoint.
# 2. the Subordinate Statement about the issuer comes from that endpoint with
#    ``?sub=<issuer id>`` (§8.1.1 "Fetch Subordinate Statement Request"); a
#    404 means the anchor has no statement about it (§8.9 error "not_found").
# 3. the statement is signed by one of the anchor's keys, ``iss`` is the
#    anchor's entity identifier, ``sub`` the issuer id, ``exp`` in the future
#    (§3.1.1, §8.1.2). The organisation's name and homepage are its
#    ``metadata.federation_entity.organization_name`` / ``homepage_uri`` (§5.2.2).
#
# The anchor is trusted because of where its configuration was fetched from
# (the configured URL, over the guarded fetcher): no keys are pinned.


@dataclass(frozen=True, slots=True)
class _AnchorConfig:
    entity_id: str
    jwks: tuple[dict[str, Any], ...]
    fetch_endpoint: str


_NOT_LISTED = None


async def _oidf_cached(spec: RegistrySpec, issuer_id: str, session: Session) -> Entry | str | None:
    """An :class:`Entry` when the anchor lists the issuer, None when it does not,
    a reason string when it could not be checked. Cached per batch."""
    key = ("oidf-lookup", f"{spec.name}\n{spec.trust_anchor_ec}\n{spec.fetch_endpoint}\n{issuer_id}")
    return await _once(session, key, lambda: _oidf_lookup(spec, _registry_key(issuer_id), session))


async def _oidf_lookup(spec: RegistrySpec, issuer_id: str, session: Session) -> Entry | str | None:
    anchor = await _oidf_anchor(spec, session)
    if isinstance(anchor, str):
        return anchor
    url = _with_query(anchor.fetch_endpoint, "sub", issuer_id)
    try:
        response = await session.fetcher.fetch(url, accept="application/entity-statement+jwt")
    except HTTPStatusError as exc:
        if exc.status_code == 404:
            return _NOT_LISTED
        return f"the fetch endpoint answered HTTP {exc.status_code} for {issuer_id}"
    except FetchError as exc:
        return f"the fetch endpoint could not be reached: {exc.reason}"
    try:
        claims = _verified_statement(response.text, anchor.jwks, session.now)
    except DocumentError as exc:
        return f"the subordinate statement about {issuer_id} is not valid: {exc}"
    if claims.get("iss") != anchor.entity_id:
        return f"the subordinate statement was issued by {claims.get('iss')!r}, not the trust anchor {anchor.entity_id}"
    if claims.get("sub") != issuer_id:
        return f"the subordinate statement is about {claims.get('sub')!r}, not {issuer_id}"
    metadata = claims.get("metadata")
    if not isinstance(metadata, Mapping):
        return "the subordinate statement carries no metadata"
    entity = _mapping(metadata.get("federation_entity"))
    return Entry(
        spec.name,
        issuer_id,
        name=_text(entity.get("organization_name")),
        url=_text(entity.get("homepage_uri")),
        location=_text(entity.get("location")),
    )


async def _oidf_anchor(spec: RegistrySpec, session: Session) -> _AnchorConfig | str:
    key = ("oidf-anchor", f"{spec.trust_anchor_ec}\n{spec.fetch_endpoint}")
    return await _once(session, key, lambda: _load_anchor(spec, session))


async def _load_anchor(spec: RegistrySpec, session: Session) -> _AnchorConfig | str:
    ec_url = spec.trust_anchor_ec
    if ec_url is None:  # only a fetch endpoint: the anchor is the entity at its origin (§9)
        parts = urlsplit(spec.fetch_endpoint or "")
        ec_url = urlunsplit((parts.scheme, parts.netloc, "/.well-known/openid-federation", "", ""))
    try:
        response = await session.fetcher.fetch(ec_url, accept="application/entity-statement+jwt")
    except FetchError as exc:
        return f"the trust anchor's entity configuration could not be loaded from {ec_url}: {exc.reason}"
    try:
        unverified = jose.parse_compact(response.text).payload
        jwks = _jwks(unverified.get("jwks"))
        claims = _verified_statement(response.text, jwks, session.now)
    except DocumentError as exc:
        return f"the trust anchor's entity configuration at {ec_url} is not valid: {exc}"
    if not isinstance(claims.get("iss"), str) or claims.get("iss") != claims.get("sub"):
        return f"the trust anchor's entity configuration at {ec_url} is not self-issued (iss differs from sub)"
    entity = _mapping(_mapping(claims.get("metadata")).get("federation_entity"))
    endpoint = entity.get("federation_fetch_endpoint") or spec.fetch_endpoint
    if not _is_http(endpoint):
        return f"the trust anchor's entity configuration at {ec_url} names no federation fetch endpoint"
    return _AnchorConfig(str(claims["iss"]), jwks, str(endpoint))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _jwks(value: Any) -> tuple[dict[str, Any], ...]:
    keys_ = value.get("keys") if isinstance(value, Mapping) else None
    if not isinstance(keys_, list) or not keys_ or not all(isinstance(k, dict) for k in keys_):
        raise DocumentError("it publishes no keys (jwks.keys)")
    return tuple(keys_)


def _verified_statement(token: str, jwks: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The claims of an entity statement signed by one of ``jwks`` and not expired;
    :class:`DocumentError` otherwise."""
    jws = jose.parse_compact(token.strip())
    typ = jws.header.get("typ")
    if typ is not None and str(typ).lower() != ENTITY_STATEMENT_TYPE:
        raise DocumentError(f"typ is {typ!r}, not {ENTITY_STATEMENT_TYPE}")
    kid = jws.header.get("kid")
    candidates = [k for k in jwks if kid is None or k.get("kid") == kid]
    if not candidates:
        raise DocumentError(f"it is signed with key {kid!r}, which the trust anchor does not publish")
    for jwk in candidates:
        try:
            jose.verify_signature(jws, keys.public_key_from_jwk(jwk))
            break
        except (jose.SignatureInvalid, KeyResolutionError):
            continue
    else:
        raise DocumentError("its signature does not verify with the trust anchor's keys")
    exp = jws.payload.get("exp")
    if isinstance(exp, str) and exp.isdigit():
        exp = int(exp)  # seen from live registries; the value is covered by the signature either way
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise DocumentError("it has no exp")
    if datetime.fromtimestamp(exp, UTC) <= now:
        raise DocumentError(f"it expired at {datetime.fromtimestamp(exp, UTC).isoformat()}")
    return jws.payload


def _with_query(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
