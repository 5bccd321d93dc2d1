"""``issuer.identity``: how far "issued by who it claims" is proven.

:func:`assess` runs after a credential's own checks, on every result
(members of presentations and CLRs included), and sets
``issuer.identity`` (``docs/verifier-contract.md`` "Issuer identity
levels"). Strongest first:

``registry``
    The credential is bound to its issuer id (its signature verified with a
    key that is the issuer's, or an OB 2.0 hosted assertion passed its
    hosted check) and a configured registry lists that id
    (:mod:`verifier.registries`; the employer's trust list counts as one).
``platform``
    Bound, and the documents came from a known badge platform's host
    (:func:`verifier.platforms.platform_of_host`): the platform vouches for
    the organisation. Checked before ``domain`` because on a platform's host
    the domain proven is the platform's, not the issuer's.
``domain``
    Bound, and a domain is proven to be the issuer's:

    - ``did:web`` / an ``https`` issuer id: the DID document (or issuer
      document) holding the signing key was served by that host;
    - OB 2.0 hosted: the assertion, its BadgeClass and the issuer profile
      were served by the issuer id's host (the assertion from an origin the
      issuer's verification policy allows, which the ``hosted`` check
      established);
    - OB 2.0 signed: the issuer profile listing the signing key was served
      by the issuer id's host;
    - any DID whose claimed ``url`` origin publishes a valid DIF Well-Known
      DID Configuration linking it (:mod:`verifier.didconfig`).
``self-asserted``
    Nothing above: the name and url are only what the badge says.

What "served by that host" proves depends on the transport. Only an
``https`` answer through the guarded fetcher's own transport, which checks
the certificate against the host name, proves a domain. Tests and on-premise
issuers are reached over plain ``http`` on hosts the operator named with
``--allow-host``: an answer from such a host counts, because the operator
has declared that host to be the one it names (a loopback test server plays
the issuer's domain), and ``how`` says that no TLS was involved. Through any
other transport (a mock, an offline folder) an answer proves nothing about
its host unless that host was allowed the same way.

Impersonation: the claimed name (NFKC, casefold, UTS #39 skeleton; see
:mod:`verifier.names`) equal to a registry or allow-list entry's name, or
the claimed ``url`` host equal to an entry's domain, while the issuer is
none of those entries, makes the ``issuer`` check fail (the result is then
``failed``); a near match is a warning on that check.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from verifier import didconfig, platforms
from verifier.did import did_web_url
from verifier.errors import KeyResolutionError
from verifier.models import (
    Check,
    CheckId,
    Format,
    IdentityLevel,
    Impersonation,
    IssuerIdentity,
    Outcome,
    Status,
    UncheckedRegistry,
    VerificationResult,
    derive_status,
    failed,
    warned,
)
from verifier.names import NEAR_MATCH, comparable
from verifier.registries import TRUST_LIST_NAME, Entry, Registries
from verifier.session import Session
from verifier.trust import issuer_domain

log = logging.getLogger(__name__)

CREDENTIALS_CHECK = "credentials"
_PASSING = (Outcome.PASS, Outcome.WARN)


async def assess(result: VerificationResult, session: Session) -> VerificationResult:
    """``result`` with ``issuer.identity`` set (members too), the ``issuer`` check
    failed or warned on impersonation, and the status re-derived."""
    members = tuple([await assess(m, session) for m in result.credentials])
    try:
        identity = await establish(result, session)
    except Exception as exc:  # identity must never cost a result; it is reported instead
        log.exception("issuer identity could not be established")
        identity = IssuerIdentity(
            how=f"issuer identity could not be established: {exc.__class__.__name__}",
            claims_name=result.issuer.name,
            claims_url=result.issuer.url,
        )
    checks = _with_identity_note(list(result.checks), identity)
    imp = identity.impersonation
    if imp is not None:
        checks = _with_issuer_check(checks, imp)
    if members != result.credentials:
        checks = _with_members_check(checks, members)
    out = replace(result, issuer=replace(result.issuer, identity=identity), credentials=members)
    if checks != list(result.checks):
        out = replace(out, checks=tuple(checks), status=_status(checks, result.status))
    return out


def _status(checks: Iterable[Check], before: Status) -> Status:
    status = derive_status(checks)
    # Identity only ever adds a failure; it never lifts an error to verified.
    if before is Status.ERROR and status is Status.VERIFIED:
        return Status.ERROR
    return status


def _with_identity_note(checks: list[Check], identity: IssuerIdentity) -> list[Check]:
    """The ``issuer`` check's message says how far the identity is proven (its outcome is unchanged)."""
    if identity.level is IdentityLevel.SELF_ASSERTED:
        note = f"issuer identity not proven: {identity.how}"
    else:
        note = f"issuer identity proven ({identity.level.value}: {identity.proven})"
    out = []
    for c in checks:
        if c.id == CheckId.ISSUER.value and c.outcome in _PASSING and note not in c.message:
            c = replace(c, message=f"{c.message}; {note}" if c.message else note)
        out.append(c)
    return out


def _with_issuer_check(checks: list[Check], imp: Impersonation) -> list[Check]:
    out: list[Check] = []
    seen = False
    for c in checks:
        if c.id == CheckId.ISSUER.value and not seen:
            seen = True
            if imp.severity == "fail":
                c = failed(CheckId.ISSUER, imp.why)
            elif c.outcome in _PASSING:
                c = warned(CheckId.ISSUER, f"{c.message}; {imp.why}" if c.message else imp.why)
        out.append(c)
    if not seen:
        out.append(failed(CheckId.ISSUER, imp.why) if imp.severity == "fail" else warned(CheckId.ISSUER, imp.why))
    return out


def _with_members_check(checks: list[Check], members: tuple[VerificationResult, ...]) -> list[Check]:
    bad = [(n, m) for n, m in enumerate(members, start=1) if m.status is Status.FAILED]
    if not bad:
        return checks
    message = "; ".join(f"#{n} failed: {m.reason}" for n, m in bad)
    replaced = [failed(CREDENTIALS_CHECK, message) if c.id == CREDENTIALS_CHECK else c for c in checks]
    if not any(c.id == CREDENTIALS_CHECK for c in checks):
        replaced.append(failed(CREDENTIALS_CHECK, message))
    return replaced


# -- levels ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Proof:
    level: IdentityLevel
    proven: str
    how: str


async def establish(result: VerificationResult, session: Session) -> IssuerIdentity:
    """The identity of ``result``'s issuer (see the module docstring)."""
    issuer = result.issuer
    registries = _registries(session)
    entries, unchecked = await registries.known_entries(session) if registries is not None else ((), ())
    unchecked_all = list(unchecked)
    bound = _bound(result)
    proof: _Proof | None = None
    listings: tuple[Entry, ...] = ()
    if bound is not None and issuer.id:
        if registries is not None:
            lookup = await registries.lookup(issuer.id, session)
            listings = lookup.listings
            unchecked_all = _merge(unchecked_all, lookup.unchecked)
        if listings:
            names = ", ".join(dict.fromkeys(e.registry for e in listings))
            listed_as = next((e.name for e in listings if e.name), None)
            proof = _Proof(
                IdentityLevel.REGISTRY,
                issuer.id.split("#", 1)[0],
                f"{issuer.id} is listed{f' as {listed_as!r}' if listed_as else ''} by {names}, and {bound}",
            )
        else:
            proof = _platform(result, bound, session) or await _domain(result, bound, session)
    if proof is None:
        proof = _Proof(IdentityLevel.SELF_ASSERTED, "", _self_asserted_how(result, bound))
    identity = IssuerIdentity(
        level=proof.level,
        proven=proof.proven or None,
        how=proof.how,
        registries=tuple(e.listing() for e in listings),
        unchecked_registries=tuple(unchecked_all),
        claims_name=issuer.name,
        claims_url=issuer.url,
    )
    if proof.level is not IdentityLevel.REGISTRY:
        # One finding per (issuer, claims, proof, format) per batch: a batch holds many badges of few issuers.
        key = (
            "identity-impersonation",
            "\n".join(
                map(str, (issuer.id, issuer.name, issuer.url, proof.level, proof.proven, result.format, id(registries)))
            ),
        )
        if key not in session.cache:
            session.cache[key] = _impersonation(result, proof, _index(entries, registries, session))
        identity = replace(identity, impersonation=session.cache[key])
    return identity


def _registries(session: Session) -> Registries | None:
    registries = session.registries
    if session.trust is not None and session.trust.allow:
        registries = (registries or Registries()).with_trust(session.trust)
    return registries


def _merge(a: list[UncheckedRegistry], b: Iterable[UncheckedRegistry]) -> list[UncheckedRegistry]:
    seen = {(u.name, u.reason) for u in a}
    return a + [u for u in b if (u.name, u.reason) not in seen]


def _check(result: VerificationResult, check_id: str) -> Check | None:
    return next((c for c in result.checks if c.id == check_id), None)


def _bound(result: VerificationResult) -> str | None:
    """How the credential is bound to its issuer id (a clause for ``how``), or None."""
    if result.format == Format.PRESENTATION.value:
        return None
    signature = _check(result, CheckId.SIGNATURE.value)
    if signature is not None and signature.outcome in _PASSING:
        return "the credential is signed with its key"
    hosted = _check(result, CheckId.HOSTED.value)
    issuer_check = _check(result, CheckId.ISSUER.value)
    if (
        result.format == Format.OB2_HOSTED.value
        and hosted is not None
        and hosted.outcome in _PASSING
        and issuer_check is not None
        and issuer_check.outcome in _PASSING
    ):
        return "the assertion is hosted where its issuer's verification policy allows"
    return None


@lru_cache(maxsize=4096)
def _origin(prefix: str) -> tuple[str, str, int | None, str] | None:
    """(scheme, host, port, netloc) of an http(s) URL's origin, lower-cased; None otherwise."""
    try:
        parts = urlsplit(prefix)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port, parts.netloc.lower()


def _split(url: str | None) -> tuple[str, str, int | None, str] | None:
    if not url:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    # Only the origin matters: cached by it, since a batch's URLs share few origins.
    return _origin(f"{scheme.lower()}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}")


def _host(url: str | None) -> str | None:
    parts = _split(url)
    return parts[1] if parts else None


def served_clause(url: str | None, session: Session) -> str | None:
    """How an answer from ``url`` proves its host (a clause for ``how``), or None
    when it does not (see the module docstring on transports)."""
    parts = _split(url)
    if parts is None:
        return None
    scheme, host, port, netloc = parts
    fetcher = session.fetcher
    key = ("identity-served", f"{id(fetcher.vouched_hosts)}:{fetcher.verifies_tls}:{scheme}://{netloc}")
    if key in session.cache:
        cached: str | None = session.cache[key]
        return cached
    allowed = {a.lower() for a in fetcher.vouched_hosts}
    clause: str | None = None
    if host in allowed or (port is not None and f"{host}:{port}" in allowed) or netloc in allowed:
        clause = (
            f"from {netloc}, a host the operator vouches for (--allow-host, or documents the application ships), "
            "without TLS"
        )
    elif scheme == "https" and fetcher.verifies_tls:
        clause = f"over TLS with a certificate valid for {host}"
    session.cache[key] = clause
    return clause


def _platform(result: VerificationResult, bound: str, session: Session) -> _Proof | None:
    """The documents (the badge, the issuer profile) came from a known platform's host."""
    for url in (result.source_url, result.issuer.id):
        found = platforms.platform_of_host(_host(url))
        how = served_clause(url, session) if found is not None else None
        if found is not None and how is not None:
            _, name, domain = found
            return _Proof(
                IdentityLevel.PLATFORM,
                domain,
                f"served by {name} {how}, a known badge platform that vouches for the organisation; {bound}",
            )
    return None


async def _domain(result: VerificationResult, bound: str, session: Session) -> _Proof | None:
    issuer_id = result.issuer.id or ""
    if issuer_id.startswith("did:web:") and bound.startswith("the credential is signed"):
        try:
            url = did_web_url(issuer_id.split("#", 1)[0])
        except KeyResolutionError:
            url = ""
        how = served_clause(url, session) if ("controller-document", url) in session.cache else None
        domain = issuer_domain(issuer_id)
        if how is not None and domain:
            return _Proof(
                IdentityLevel.DOMAIN,
                domain,
                f"did:web: the DID document holding the signing key was served by {domain} {how}",
            )
    if issuer_id.startswith("https://") and result.format in (Format.OB3.value, Format.VC.value, Format.CLR.value):
        doc_url = issuer_id.split("#", 1)[0]
        how = served_clause(doc_url, session) if ("controller-document", doc_url) in session.cache else None
        if how is not None and bound.startswith("the credential is signed"):
            host = _host(issuer_id) or ""
            return _Proof(
                IdentityLevel.DOMAIN, host, f"the issuer document holding the signing key was served by {host} {how}"
            )
    if result.format == Format.OB2_HOSTED.value and issuer_id.startswith(("https://", "http://")):
        proof = _ob2_hosted(result, session)
        if proof is not None:
            return proof
    if result.format == Format.OB2_SIGNED.value and issuer_id.startswith(("https://", "http://")):
        how = served_clause(issuer_id, session)
        if how is not None:
            host = _host(issuer_id) or ""
            return _Proof(
                IdentityLevel.DOMAIN,
                host,
                f"the issuer profile listing the signing key was served by {host} {how}",
            )
    if issuer_id.startswith("did:") and bound.startswith("the credential is signed") and result.issuer.url:
        linked, message = await didconfig.check_linkage(issuer_id.split("#", 1)[0], result.issuer.url, session)
        if linked is not None:
            return _Proof(IdentityLevel.DOMAIN, linked, message)
        session.cache[("identity-linkage-note", issuer_id)] = message
    return None


def _ob2_hosted(result: VerificationResult, session: Session) -> _Proof | None:
    issuer_id = result.issuer.id or ""
    issuer_host = _host(issuer_id)
    assertion_url = result.source_url or result.credential_id
    badge_url = result.achievement.id if _host(result.achievement.id) else None
    hows = [served_clause(u, session) for u in (assertion_url, badge_url, issuer_id) if u]
    if issuer_host is None or any(h is None for h in hows):
        return None
    # The BadgeClass is the issuer's when it is on the issuer's host or on the
    # assertion's (an origin the issuer's policy allows, per the hosted check).
    if badge_url is not None and _host(badge_url) not in (issuer_host, _host(assertion_url)):
        return None
    return _Proof(
        IdentityLevel.DOMAIN,
        issuer_host,
        f"the assertion, BadgeClass and issuer profile were served {hows[-1]}, from the issuer's own origin "
        f"{issuer_host} or one its verification policy allows",
    )


def _self_asserted_how(result: VerificationResult, bound: str | None) -> str:
    issuer_id = result.issuer.id or ""
    if result.format == Format.PRESENTATION.value:
        return "a presentation: each credential in it has its own issuer identity"
    if bound is None:
        return "not proven: the credential's own checks did not bind it to its issuer"
    method = issuer_id.split(":")[1] if issuer_id.startswith("did:") and ":" in issuer_id[4:] else ""
    if method in ("key", "jwk"):
        why = f"did:{method} is a key anyone can make; it names no organisation"
    elif issuer_id.lower().startswith("urn:"):
        why = "a URN names no organisation"
    elif not issuer_id:
        why = "the credential names no issuer id"
    else:
        why = f"nothing proves that {issuer_id} belongs to the organisation it names"
    return f"{why}: the name and url are only what the credential says"


# -- impersonation -----------------------------------------------------------------


def _entry_domain(entry: Entry) -> str | None:
    """The domain an entry names: its url's host, else the host of a path-less ``did:web``
    (a ``did:web:host:path`` DID may live on a host shared by many issuers). A badge
    platform's domain is shared by every organisation on it, so it names none of them."""
    host = _host(entry.url) if entry.registry != TRUST_LIST_NAME else entry.url
    if not host and entry.id.startswith("did:web:") and ":" not in entry.id.removeprefix("did:web:"):
        host = issuer_domain(entry.id)
    return _own_domain(host)


def _own_domain(host: str | None) -> str | None:
    """``host`` without ``www.``, or None when it is a badge platform's (shared) host."""
    bare = _bare(host)
    if bare is None or platforms.platform_of_host(bare) or platforms.platform_of_host("www." + bare):
        return None
    return bare


def _bare(host: str | None) -> str | None:
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _trust_entries(registries: Registries | None) -> list[Entry]:
    if registries is None or registries.trust is None:
        return []
    out = []
    for allowed in registries.trust.allow:
        domain = issuer_domain(allowed) if "://" in allowed or allowed.startswith("did:") else allowed
        out.append(
            Entry(
                TRUST_LIST_NAME,
                allowed,
                registries.trust.name_of(allowed),
                (domain or "").lower().lstrip(".") or None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Index:
    """Registry and allow-list entries by name skeleton and by domain, built once per batch."""

    entries: tuple[Entry, ...]
    by_name: dict[str, tuple[Entry, ...]]
    by_domain: dict[str, tuple[Entry, ...]]
    names: tuple[str, ...]


def _index(entries: tuple[Entry, ...], registries: Registries | None, session: Session) -> _Index:
    key = ("identity-index", f"{id(registries)}:{id(entries)}")
    cached = session.cache.get(key)
    if isinstance(cached, _Index):
        return cached
    everything = (*entries, *_trust_entries(registries))
    by_name: dict[str, list[Entry]] = {}
    by_domain: dict[str, list[Entry]] = {}
    for e in everything:
        skel = comparable(e.name)
        if skel:
            by_name.setdefault(skel, []).append(e)
        d = _entry_domain(e)
        if d:
            by_domain.setdefault(d, []).append(e)
    index = _Index(
        everything,
        {k: tuple(v) for k, v in by_name.items()},
        {k: tuple(v) for k, v in by_domain.items()},
        tuple(by_name),
    )
    session.cache[key] = index
    return index


def _impersonation(result: VerificationResult, proof: _Proof, index: _Index) -> Impersonation | None:
    issuer = result.issuer
    claimed_name = comparable(issuer.name)
    claimed_domain = _own_domain(_host(issuer.url))
    if (claimed_name is None and claimed_domain is None) or not index.entries:
        return None
    issuer_key = (issuer.id or "").split("#", 1)[0]
    proven_domain = _bare(proof.proven) if proof.level is IdentityLevel.DOMAIN else None

    def is_issuer(e: Entry) -> bool:
        d = _entry_domain(e)
        if e.registry == TRUST_LIST_NAME:
            if e.id.startswith("did:") or "://" in e.id:
                return issuer_key == e.id.rstrip("/") or issuer_key.startswith(e.id + ":")
            return (
                d is not None and proven_domain is not None and (proven_domain == d or proven_domain.endswith("." + d))
            )
        return e.id == issuer_key or (d is not None and d == proven_domain)

    by_name = list(index.by_name.get(claimed_name or "", ()))
    by_domain = list(index.by_domain.get(claimed_domain or "", ()))
    matched = by_name + by_domain
    if matched and not any(is_issuer(e) for e in matched):
        target = matched[0]
        what = f"{issuer.name!r}" if by_name else f"the domain {claimed_domain}"
        registered = ", ".join(dict.fromkeys(e.id for e in matched))
        where = ", ".join(dict.fromkeys(e.registry for e in matched))
        verb = "issued" if result.format == Format.OB2_HOSTED.value else "signed"
        if _bound(result) is None:
            # Who really issued it is not established (its own checks failed or could not be
            # completed): the claim is suspicious, but not determinate evidence of impersonation.
            return Impersonation(
                resembles=target.name or _entry_domain(target) or target.id,
                why=f"claims to be {what}, registered as {registered} ({where}); who issued it could not be "
                "established",
                severity="warn",
            )
        return Impersonation(
            resembles=target.name or _entry_domain(target) or target.id,
            why=f"claims to be {what}, registered as {registered} ({where}), but is {verb} by "
            f"{issuer.id or 'an unnamed issuer'}",
            severity="fail",
        )
    if claimed_name and not by_name:
        best = process.extractOne(claimed_name, index.names, scorer=fuzz.ratio, score_cutoff=NEAR_MATCH)
        if best is not None:
            for e in index.by_name[best[0]]:
                if not is_issuer(e):
                    return Impersonation(
                        resembles=e.name or e.id,
                        why=f"the name {issuer.name!r} closely resembles {e.name!r}, registered as {e.id} "
                        f"({e.registry}); {issuer.id or 'this issuer'} is not that issuer",
                        severity="warn",
                    )
    return None
