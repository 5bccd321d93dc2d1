"""Open Badges 2.0 verification: hosted and signed assertions.

Open Badges 2.0 §Verification
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Verification),
as this module carries it out. Each step's number appears in the code.

Hosted (:func:`verify_hosted`):

1. The assertion is re-fetched from its own ``id``; that copy, not the one
   given (pasted, baked), is verified. HTTP 410 means revoked (§HostedBadge).
2. Every document is compacted against the bundled OB v2 context (never
   fetched), so embedded and referenced nodes read alike; ``@context``,
   ``type`` and required properties are checked (§Assertion, §BadgeClass,
   §Profile).
3. The BadgeClass and the issuer Profile are fetched and type-checked.
4. The hosted verification policy (§VerificationObject: ``startsWith``,
   ``allowedOrigins``, by default the issuer id's host) must allow the URL
   the assertion was served from.
5. ``revoked: true`` on the re-fetched assertion means revoked.
6. ``issuedOn`` / ``expires`` are judged at ``session.now``.
7. The recipient (§IdentityObject) is compared with the candidate's emails.

Signed (:func:`verify_signed`):

1. The JWS header names RS256 (§SignedBadge: "JSON Web Signature ... RS256");
   ``none`` and HMAC algorithms are refused before anything else.
2. The payload is the assertion; steps 2 and 3 above apply.
3. The key is fetched from ``verification.creator`` (a CryptographicKey with
   ``publicKeyPem``) and the signature is checked with it.
4. The key must be the issuer's: its ``owner`` is the issuer and the
   issuer's ``publicKey`` lists it.
5. The issuer's ``revocationList`` (§RevocationList) must not list the
   assertion; a list that cannot be fetched makes revocation indeterminate.
6. Dates and recipient as above.

A failure in fetch, structure, signature, hosted or issuer stops the run:
the checks not yet made are reported as skipped.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, NoReturn

from cachetools import LRUCache
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyld import jsonld

from verifier import jose, ob1
from verifier.contexts import document_loader
from verifier.errors import ContextError, DocumentError, FetchError, HTTPStatusError
from verifier.jsonld import is_absolute_iri
from verifier.models import (
    AchievementInfo,
    Check,
    CheckId,
    Format,
    IssuerInfo,
    Outcome,
    VerificationResult,
    errored,
    failed,
    make_result,
    passed,
    skipped,
    warned,
)
from verifier.ob2_rules import (
    OB2_CONTEXT,
    SIGNED_TYPES,
    RuleError,
    as_list,
    check_assertion,
    check_badge_class,
    check_context,
    check_dates,
    check_issuer,
    check_recipient,
    host_of,
    hosted_policy,
    is_http_url,
    node_id,
    revoked_entry,
    skills_of,
    types_of,
)
from verifier.session import Session

# §SignedBadge names RS256 only. ES256/PS256 are not accepted: no OB 2.0
# issuer is known to use them and accepting them would widen what a
# forged header can ask for. "none" and HMAC (HS*) are never accepted.
ALLOWED_ALGORITHMS = frozenset({"RS256"})
MIN_RSA_BITS = 2048
MAX_JWS_CHARS = 1024 * 1024

HOSTED_PLAN = (
    CheckId.FETCH,
    CheckId.STRUCTURE,
    CheckId.HOSTED,
    CheckId.ISSUER,
    CheckId.REVOCATION,
    CheckId.EXPIRY,
    CheckId.RECIPIENT,
)
SIGNED_PLAN = (
    CheckId.FETCH,
    CheckId.STRUCTURE,
    CheckId.SIGNATURE,
    CheckId.ISSUER,
    CheckId.REVOCATION,
    CheckId.EXPIRY,
    CheckId.RECIPIENT,
)


class _Stop(Exception):
    """A fatal check: the run ends and the rest of the plan is skipped."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.message)
        self.check = check


@dataclass
class _Run:
    """The checks and result fields of one verification, built step by step."""

    session: Session
    input: str
    format: str
    plan: tuple[CheckId, ...]
    checks: dict[str, Check] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    obtained: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def set(self, check: Check) -> None:
        self.checks[check.id] = check

    def note(self, check_id: CheckId, message: str) -> None:
        """A caveat: turns that check's pass into a warn (added to a warn's message)."""
        self.notes.setdefault(check_id.value, []).append(message)

    def finding(self, message: str) -> None:
        """A data-model departure that touches neither authenticity, validity nor
        the recipient: a warning of the ``conformance`` check, never a failure."""
        self.notes.setdefault(CheckId.CONFORMANCE.value, []).append(message)

    def stop(self, check: Check) -> NoReturn:
        raise _Stop(check)

    def result(self, stopped: Check | None = None) -> VerificationResult:
        if stopped is not None:
            self.checks[stopped.id] = stopped
        out: list[Check] = []
        reason = (
            f"not checked: {stopped.id} {'could not be completed' if stopped.indeterminate else 'failed'}"
            if stopped
            else ""
        )
        for check_id in self.plan:
            check = self.checks.get(check_id.value)
            if check is None:
                out.append(skipped(check_id, reason or "not checked"))
                continue
            extra = self.notes.get(check_id.value)
            if extra and check.outcome in (Outcome.PASS, Outcome.WARN):
                check = warned(check_id, "; ".join([check.message, *extra]) if check.message else "; ".join(extra))
            out.append(check)
        planned = {c.value for c in self.plan}
        out.extend(c for c in self.checks.values() if c.id not in planned)
        if stopped is None:
            findings = self.notes.get(CheckId.CONFORMANCE.value)
            out.append(
                warned(CheckId.CONFORMANCE, "; ".join(findings))
                if findings
                else passed(CheckId.CONFORMANCE, "no departures from the Open Badges 2.0 data model found")
            )
        return make_result(self.input, out, format=self.format, **self.fields)

    # -- documents ---------------------------------------------------------

    async def fetch_json(self, url: str, what: str) -> tuple[dict[str, Any], str]:
        """The JSON object at ``url`` and the final URL after redirects."""
        if not is_http_url(url):
            self.stop(errored(CheckId.STRUCTURE, f"the {what} reference {url!r} is not an HTTP(S) URL"))
        try:
            response = await self.session.fetcher.fetch(url)
        except HTTPStatusError as exc:
            if exc.status_code == 410 and what == "assertion":
                # §HostedBadge: "410 Gone" marks a revoked hosted assertion.
                self.stop(
                    failed(CheckId.REVOCATION, f"the issuer answered 410 Gone for {url}: the assertion is revoked")
                )
            self.stop(errored(CheckId.FETCH, f"could not fetch the {what} {url}: HTTP {exc.status_code}"))
        except FetchError as exc:
            self.stop(errored(CheckId.FETCH, f"could not fetch the {what}: {exc}"))
        try:
            data = response.json()
        except DocumentError:
            self.stop(errored(CheckId.STRUCTURE, f"the {what} served at {url} is not JSON"))
        if not isinstance(data, dict):
            self.stop(errored(CheckId.STRUCTURE, f"the {what} served at {url} is not a JSON object"))
        self.obtained.append(what)
        self.set(passed(CheckId.FETCH, "obtained the " + ", the ".join(self.obtained)))
        return data, response.url

    def compact(self, raw: dict[str, Any], what: str, *, url: str | None = None) -> dict[str, Any]:
        """``raw`` compacted; documents fetched from ``url`` are memoised in the
        session (the fetcher already serves one body per URL per batch). In an
        Open Badges 1.x run, a 1.x BadgeClass or issuer profile is first
        upgraded to 2.0 (:mod:`verifier.ob1`)."""
        if (
            self.format == Format.OB1_HOSTED.value
            and what in ("BadgeClass", "issuer profile")
            and ob1.is_ob1_document(raw)
        ):
            raw = ob1.upgrade(raw, "BadgeClass" if what == "BadgeClass" else "issuer profile", url=url)
            url = None  # the upgraded form is not what the URL serves: not memoised under it
        key = ("ob2-compact", url) if url else None
        if key is not None and key in self.session.cache:
            cached: dict[str, Any] = self.session.cache[key]
            return cached
        try:
            out = compact(raw)
            if key is not None:
                self.session.cache[key] = out
            return out
        except ContextError as exc:
            self.stop(errored(CheckId.STRUCTURE, f"the {what} uses a JSON-LD context that is not bundled: {exc.url}"))
        except DocumentError as exc:
            self.stop(errored(CheckId.STRUCTURE, f"the {what} is not valid JSON-LD: {exc}"))

    def rule(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RuleError as exc:
            self.stop(exc.check)


def compact(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` compacted against the bundled OB v2 context.

    Contexts are served only from the bundled allow-list (passed per call,
    never fetched): :class:`ContextError` for any other context,
    :class:`DocumentError` for JSON-LD that cannot be processed.

    A document already in compact form under exactly that context (see
    :func:`compact_fast`) is rewritten directly into what JSON-LD compaction
    gives; any other goes through pyld.
    """
    fast = compact_fast(raw)
    if fast is not None:
        return fast
    return _compact_jsonld(raw)


def _compact_jsonld(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        out = jsonld.compact(raw, OB2_CONTEXT, {"documentLoader": document_loader()})
    except jsonld.JsonLdError as exc:
        # pyld wraps the loader's refusal in one or more JsonLdErrors: find the innermost reason.
        cause: BaseException | None = exc
        messages: list[str] = []
        while cause is not None:
            if isinstance(cause, ContextError):
                raise ContextError(cause.url) from exc
            details = getattr(cause, "details", None)
            if getattr(cause, "code", "") == "loading remote context failed" and isinstance(details, dict):
                raise ContextError(str(details.get("url", "?"))) from exc
            if cause.args and isinstance(cause.args[0], str):
                messages.append(cause.args[0])
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise DocumentError(messages[-1] if messages else "JSON-LD processing failed") from exc
    if not isinstance(out, dict):
        raise DocumentError("the document compacts to nothing")
    out.pop("@context", None)
    return out


# -- compaction of documents already compact -------------------------------------
#
# JSON-LD compaction (JSON-LD 1.1 API §4.1 "Compaction Algorithm") of a
# document that only uses the OB v2 context's own terms, one way each, gives
# the document back with single-element arrays unwrapped (compactArrays) and
# each node's keys in the order of their expanded IRIs ("@id" and "@type"
# first). Which terms and values come back unchanged is not assumed: it is
# read from pyld's processed context and confirmed by compacting probe
# documents with pyld once per process. Everything else (another or a nested
# context, keywords, compact IRIs, IRIs a term or prefix could shorten, terms
# sharing an IRI in one node, nulls, empty arrays or nodes, node references
# that compact to strings, aliases such as ``verify``) goes through pyld.


@dataclass(frozen=True, slots=True)
class _Ob2Terms:
    """What the fast path may accept, confirmed against pyld."""

    keys: dict[str, tuple[str, bool]]  # term -> (its IRI, whether its values are IRIs / nodes)
    types: frozenset[str]  # type values that compact to themselves
    names: frozenset[str]  # every term (an IRI whose scheme is a term is a compact IRI)
    iris: tuple[str, ...]  # every term's IRI (an IRI starting with one may compact to a term or CURIE)


class _NotCompact(Exception):
    """Internal: the document is outside the fast path."""


_PROBE_IRI = "https://probe.invalid/x"
_TERM_FIELDS = frozenset({"reverse", "protected", "_prefix", "_term_has_colon", "@id", "@type"})
_XSD = "http://www.w3.org/2001/XMLSchema#"


@cache
def _ob2_terms() -> _Ob2Terms | None:
    """The OB v2 context's terms as pyld processes them, each kept only if
    pyld's compaction of a probe gives it back unchanged; None (no fast path)
    if anything about the context is unexpected."""
    try:
        processor = jsonld.JsonLdProcessor()
        options = {"documentLoader": document_loader(), "base": "", "processingMode": "json-ld-1.1"}
        options["contextResolver"] = jsonld.ContextResolver(LRUCache(maxsize=8), options["documentLoader"])
        active = processor.process_context(processor._get_initial_context(options), OB2_CONTEXT, options)
        if any(k in active for k in ("@vocab", "@base", "@language", "@direction")):
            return None
        mappings: dict[str, Any] = dict(active["mappings"])
        names = frozenset(mappings)
        iris = tuple(sorted({d["@id"] for d in mappings.values() if d and not d["@id"].startswith("@")}))
        candidates: dict[str, tuple[str, bool]] = {}
        for term, d in mappings.items():
            if not d or set(d) - _TERM_FIELDS or d["reverse"] or ":" in term or d["@id"].startswith("@"):
                continue
            kind = d.get("@type")
            if kind == "@id":
                candidates[term] = (d["@id"], True)
            elif kind is None or (isinstance(kind, str) and kind.startswith(_XSD)):
                candidates[term] = (d["@id"], False)
        type_terms = [t for t, d in mappings.items() if d and not d["@id"].startswith("@") and ":" not in t]

        def probe(doc: dict[str, Any]) -> dict[str, Any]:
            out = _compact_jsonld({"@context": OB2_CONTEXT, **doc})
            return out

        typed = probe({"type": type_terms})["type"]
        types = frozenset(t for t, back in zip(type_terms, typed, strict=True) if t == back)
        keys = dict(candidates)
        samples: list[dict[str, Any]] = [
            {k: _PROBE_IRI if is_iri else "probe" for k, (_, is_iri) in candidates.items()},
            {k: {"name": "probe"} if is_iri else True for k, (_, is_iri) in candidates.items()},
            {k: [_PROBE_IRI, _PROBE_IRI + "2"] if is_iri else [1, 2.5] for k, (_, is_iri) in candidates.items()},
        ]
        for sample in samples:
            back = probe({"type": "Assertion", **sample})
            keys = {k: v for k, v in keys.items() if back.get(k) == sample[k]}
        return _Ob2Terms(keys=keys, types=types, names=names, iris=iris)
    except (DocumentError, jsonld.JsonLdError, KeyError, TypeError, ValueError):
        return None


def compact_fast(raw: dict[str, Any]) -> dict[str, Any] | None:
    """What :func:`compact` gives for ``raw``, computed without JSON-LD
    processing, when ``raw`` is already in compact form under exactly the OB v2
    context; None when it is not (the caller then compacts with pyld).

    The rules (JSON-LD 1.1 API §4.1 and Processing Algorithms §6 "Compaction"
    applied to such a document): every key is ``id``, ``type`` or a term the
    context defines plainly (IRI-valued, typed or plain literal); IRIs are
    absolute, with a scheme that is not a term and no term's IRI as a prefix,
    so expansion and compaction leave them as they are; literals are strings,
    booleans and finite numbers; a one-element array becomes its element; a
    node's keys come in the order of their expanded IRIs.
    """
    terms = _ob2_terms()
    context = raw.get("@context")
    if terms is None or type(context) is not str or context != OB2_CONTEXT:
        return None
    body = {k: v for k, v in raw.items() if k != "@context"}
    if not any(k != "id" for k in body):
        return None  # a top-level node with no more than an id is dropped by expansion
    try:
        return _fast_node(body, terms)
    except _NotCompact:
        return None


def _fast_node(node: dict[str, Any], terms: _Ob2Terms) -> dict[str, Any]:
    if not node or (len(node) == 1 and "id" in node):
        raise _NotCompact  # an empty node, or a reference that compacts to a string
    items: list[tuple[str, str, Any]] = []
    for key, value in node.items():
        if key == "id":
            if not _fast_iri(value, terms):
                raise _NotCompact
            items.append(("@id", key, value))
        elif key == "type":
            items.append(("@type", key, _fast_types(value, terms)))
        else:
            spec = terms.keys.get(key)
            if spec is None:
                raise _NotCompact
            iri, is_iri = spec
            if type(value) is list:
                if not value:
                    raise _NotCompact
                out = [_fast_value(v, is_iri, terms) for v in value]
                items.append((iri, key, out[0] if len(out) == 1 else out))
            else:
                items.append((iri, key, _fast_value(value, is_iri, terms)))
    items.sort(key=lambda item: item[0])
    if any(a[0] == b[0] for a, b in itertools.pairwise(items)):
        raise _NotCompact  # two terms for one IRI: compaction would sort their values out
    return {key: value for _, key, value in items}


def _fast_value(value: Any, is_iri: bool, terms: _Ob2Terms) -> Any:
    kind = type(value)
    if is_iri:
        if kind is str and _fast_iri(value, terms):
            return value
        if kind is dict:
            return _fast_node(value, terms)
        raise _NotCompact
    if kind is str or kind is bool or kind is int or (kind is float and math.isfinite(value)):
        return value
    raise _NotCompact


def _fast_types(value: Any, terms: _Ob2Terms) -> Any:
    values = value if type(value) is list else [value]
    if not values:
        raise _NotCompact
    for v in values:
        if type(v) is not str or not (v in terms.types or _fast_iri(v, terms)):
            raise _NotCompact
    return list(values) if len(values) > 1 else values[0]


def _fast_iri(value: Any, terms: _Ob2Terms) -> bool:
    """Whether ``value`` is an IRI that JSON-LD expansion and compaction under the
    OB v2 context leave unchanged (JSON-LD 1.1 Processing Algorithms §4.5 "IRI
    Expansion", §6.3 "IRI Compaction")."""
    if type(value) is not str or not value or value[0] == "@":
        return False
    scheme, colon, _ = value.partition(":")
    if not colon or not scheme or scheme == "_" or scheme in terms.names:
        return False
    return is_absolute_iri(value) and not value.startswith(terms.iris)


# -- shared steps -------------------------------------------------------------


async def _badge_and_issuer(run: _Run, a: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """Steps 2-3: the BadgeClass and the issuer Profile, fetched and checked."""
    badge_ref = a.get("badge")
    if isinstance(badge_ref, dict) and badge_ref.get("name"):
        badge = badge_ref  # embedded, already compacted with the assertion
    else:
        url = node_id(badge_ref) or ""
        raw, _ = await run.fetch_json(url, "BadgeClass")
        badge = run.compact(raw, "BadgeClass", url=url)
        if badge.get("id") and badge.get("id") != url:
            run.note(CheckId.STRUCTURE, f"the BadgeClass fetched from {url} declares id {badge.get('id')}")
            # The assertion names the BadgeClass by the URL it was fetched from; a different id it
            # declares for itself is not trusted as its identity (it could name another issuer's badge).
            badge = {**badge, "id": url}
    for warning in run.rule(check_badge_class, badge):
        run.finding(warning)
    run.fields["achievement"] = _achievement(badge)
    run.fields["skills"] = skills_of(badge)

    issuer_ref = badge.get("issuer")
    issuer_url: str | None = None
    if isinstance(issuer_ref, dict) and issuer_ref.get("name") and not is_http_url(issuer_ref.get("id")):
        issuer = issuer_ref
    else:
        issuer_url = node_id(issuer_ref) or ""
        raw, _ = await run.fetch_json(issuer_url, "issuer profile")
        issuer = run.compact(raw, "issuer profile", url=issuer_url)
    for warning in run.rule(check_issuer, issuer):
        run.finding(warning)
    run.fields["issuer"] = _issuer_info(issuer, run.session)
    return badge, issuer, issuer_url


def _check_issuer_identity(run: _Run, issuer: dict[str, Any], issuer_url: str | None) -> None:
    """The issuer check: the profile is the one the BadgeClass names, and the
    trust list (if any) does not deny it."""
    declared = str(issuer.get("id"))
    if issuer_url and declared != issuer_url:
        if is_http_url(declared) and host_of(declared) != host_of(issuer_url):
            run.fields["issuer"] = replace(run.fields["issuer"], id=issuer_url)
            run.stop(
                failed(
                    CheckId.ISSUER,
                    f"the issuer profile served at {issuer_url} claims the id {declared}, on another host",
                )
            )
        run.note(CheckId.ISSUER, f"the issuer profile fetched from {issuer_url} declares id {declared}")
    if not is_http_url(declared):
        run.note(
            CheckId.ISSUER, f"the issuer's id {declared} is not an HTTP(S) URL: its profile cannot be tied to a domain"
        )
    info: IssuerInfo = run.fields["issuer"]
    label = f"{info.name} ({declared})" if info.name else declared
    if info.trust == "deny":
        run.stop(failed(CheckId.ISSUER, f"issuer {label} is on the deny list"))
    run.set(passed(CheckId.ISSUER, f"issued by {label}" + (f"; trust list: {info.trust}" if info.trust else "")))


def _finish_common(run: _Run, a: dict[str, Any]) -> None:
    """Steps 6-7: dates and recipient (non-fatal)."""
    run.set(check_dates(a, run.session.now))
    check, match = check_recipient(a, run.session.emails)
    run.set(check)
    run.fields["recipient_match"] = match


def _set_assertion_fields(run: _Run, a: dict[str, Any]) -> None:
    run.fields["credential_id"] = a.get("id")
    run.fields["issued_on"] = a.get("issuedOn") if isinstance(a.get("issuedOn"), str) else None
    run.fields["expires"] = a.get("expires") if isinstance(a.get("expires"), str) else None


def _achievement(badge: dict[str, Any]) -> AchievementInfo:
    criteria = badge.get("criteria")
    criteria_text = node_id(criteria) or (criteria.get("narrative") if isinstance(criteria, dict) else None)
    return AchievementInfo(
        id=node_id(badge),
        name=badge.get("name") if isinstance(badge.get("name"), str) else None,
        description=badge.get("description") if isinstance(badge.get("description"), str) else None,
        image=node_id(badge.get("image")),
        criteria=criteria_text if isinstance(criteria_text, str) else None,
    )


def _issuer_info(issuer: dict[str, Any], session: Session) -> IssuerInfo:
    iid = node_id(issuer)
    return IssuerInfo(
        id=iid,
        name=issuer.get("name") if isinstance(issuer.get("name"), str) else None,
        url=node_id(issuer.get("url")),
        email=issuer.get("email") if isinstance(issuer.get("email"), str) else None,
        trust=session.trust.verdict(iid) if session.trust is not None else None,
    )


def _canonical(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- hosted -------------------------------------------------------------------


async def verify_hosted(assertion: dict[str, Any], session: Session, *, input: str) -> VerificationResult:
    """Verify an OB 2.0 hosted assertion (see the module docstring, "Hosted").

    The copy re-fetched from the assertion's ``id`` is the one verified; a
    given copy that differs is reported as a warning on ``hosted``. Never
    raises for a bad badge: every problem is a check.
    """
    run = _Run(session, input, Format.OB2_HOSTED.value, HOSTED_PLAN)
    run.fields["document"] = assertion
    try:
        await _hosted(run, assertion)
    except _Stop as stop:
        return run.result(stop.check)
    return run.result()


async def _hosted(run: _Run, given: dict[str, Any]) -> None:
    if ob1.is_ob05(given):
        run.stop(
            errored(
                CheckId.STRUCTURE,
                "an Open Badges 0.5 assertion (2011-2013, recipient as a bare email, badge embedded): "
                "this format is not supported, so the badge cannot be checked",
            )
        )
    # An Open Badges 1.0 assertion has no id: its hosted verify.url is where it lives (verifier.ob1).
    given_id = ob1.assertion_id(given) if ob1.version(given) else given.get("id")
    verification = given.get("verification") or given.get("verify")
    if (
        isinstance(verification, dict)
        and {t for t in as_list(verification.get("type")) if isinstance(t, str)} & SIGNED_TYPES
    ):
        run.stop(
            errored(
                CheckId.SIGNATURE,
                "the assertion declares signed verification but was given as plain JSON, without its signature: "
                "verify the JWS (or the baked image) instead",
            )
        )
    if not is_http_url(given_id):
        run.stop(errored(CheckId.STRUCTURE, f"a hosted assertion's id must be its HTTP(S) URL, got {given_id!r}"))
    # 1. re-fetch from its own id; that copy is the one verified
    raw, served_at = await run.fetch_json(str(given_id), "assertion")
    run.fields["document"] = raw
    run.fields["source_url"] = served_at
    if _canonical(raw) != _canonical(given):
        run.note(
            CheckId.HOSTED,
            f"the copy given differs from the one the issuer serves at {given_id}; the issuer's copy was verified",
        )
    # 2. structure (an Open Badges 1.x assertion is read as 2.0: verifier.ob1)
    legacy = ob1.version(raw)
    if legacy is not None:
        run.format = Format.OB1_HOSTED.value
        raw = ob1.upgrade(raw, "assertion")
    run.rule(check_context, raw, "assertion")
    a = run.compact(raw, "assertion")
    for warning in run.rule(check_assertion, a, hosted=True):
        run.finding(warning)
    _set_assertion_fields(run, a)
    if not set(as_list((a.get("verification") or {}).get("type"))).isdisjoint(SIGNED_TYPES):
        run.stop(
            errored(
                CheckId.SIGNATURE, "the assertion served at its id declares signed verification; verify its JWS instead"
            )
        )
    if a.get("id") != given_id:
        run.stop(
            failed(
                CheckId.HOSTED,
                f"the document served at {given_id} has the id {a.get('id')}: it is not the assertion given",
            )
        )
    # 3. BadgeClass and issuer
    badge, issuer, issuer_url = await _badge_and_issuer(run, a)
    if legacy is not None:
        run.set(
            passed(
                CheckId.STRUCTURE,
                f"well-formed Open Badges {legacy} assertion, BadgeClass and issuer profile "
                "(read as Open Badges 2.0, as 1EdTech's validator upgrades them)",
            )
        )
    else:
        run.set(passed(CheckId.STRUCTURE, "well-formed Open Badges 2.0 Assertion, BadgeClass and issuer profile"))
    # 4. hosted verification policy
    hosted = hosted_policy([str(given_id), served_at], badge, issuer, issuer_url)
    if hosted.outcome is Outcome.FAIL:
        run.stop(hosted)
    run.set(hosted)
    _check_issuer_identity(run, issuer, issuer_url)
    # 5. revocation
    if a.get("revoked") is True or str(a.get("revoked")).lower() == "true":
        reason = a.get("revocationReason")
        run.set(
            failed(CheckId.REVOCATION, "revoked by the issuer" + (f": {reason}" if isinstance(reason, str) else ""))
        )
    else:
        run.set(passed(CheckId.REVOCATION, "the issuer serves the assertion and does not mark it revoked"))
    # 6-7. dates and recipient
    _finish_common(run, a)


# -- signed -------------------------------------------------------------------


async def verify_signed(token: str, session: Session, *, input: str) -> VerificationResult:
    """Verify an OB 2.0 signed assertion given as a compact JWS (see the
    module docstring, "Signed"). Never raises for a bad badge."""
    run = _Run(session, input, Format.OB2_SIGNED.value, SIGNED_PLAN)
    try:
        await _signed(run, token.strip())
    except _Stop as stop:
        return run.result(stop.check)
    return run.result()


async def _signed(run: _Run, token: str) -> None:
    """The steps of the module docstring's "Signed" list, in order; each named
    step stops the run with the check it decides when it decides one."""
    jws = _decode_jws(run, token)
    _pin_algorithm(run, jws)  # 1
    a, creator = _signed_assertion(run, jws)  # 2
    _badge, issuer, issuer_url = await _badge_and_issuer(run, a)  # 2 (hosted steps 2-3)
    key = await _signing_key(run, creator)  # 3
    run.set(passed(CheckId.STRUCTURE, "well-formed Open Badges 2.0 Assertion, BadgeClass and issuer profile"))
    _check_rs256_signature(run, jws, key, creator)  # 3
    _check_key_is_the_issuers(run, key, creator, issuer, issuer_url)  # 4
    _check_issuer_identity(run, issuer, issuer_url)
    run.set(await _revocation_list(run, issuer, a))  # 5
    _finish_common(run, a)  # 6


def _decode_jws(run: _Run, token: str) -> jose.CompactJws:
    """The compact JWS, decoded strictly (RFC 7515 §5.2 steps 1-7, through
    :func:`verifier.jose.decode_compact`); what cannot be read is ``error``."""
    if len(token) > MAX_JWS_CHARS:
        run.stop(errored(CheckId.STRUCTURE, f"the JWS is longer than {MAX_JWS_CHARS} characters"))
    try:
        jws = jose.decode_compact(token)
    except jose.MalformedJws as exc:
        run.stop(errored(CheckId.STRUCTURE, f"malformed JWS: {exc}"))
    run.fields["document"] = jws.payload
    return jws


def _pin_algorithm(run: _Run, jws: jose.CompactJws) -> None:
    """Step 1: RS256 only (§SignedBadge), no critical header, a signature at
    all; decided before anything is fetched."""
    try:
        jose.check_header(jws, algorithms=ALLOWED_ALGORITHMS)
    except jose.AlgorithmRefused:
        run.stop(failed(CheckId.SIGNATURE, _refused_algorithm(jws.header.get("alg"))))
    except jose.CriticalHeader:
        run.stop(
            failed(
                CheckId.SIGNATURE,
                f"the JWS marks header parameters critical that are not supported: {jws.header['crit']}",
            )
        )
    if not jws.signature:
        run.stop(failed(CheckId.SIGNATURE, "the JWS has an empty signature"))


def _signed_assertion(run: _Run, jws: jose.CompactJws) -> tuple[dict[str, Any], str]:
    """Step 2: the payload is an OB 2.0 assertion with signed verification;
    returns it compacted, and the URL of its key (``verification.creator``)."""
    raw = jws.payload
    version = ob1.version(raw)
    if version is not None:
        # Open Badges 1.x signed badges name a PEM key file (1.1 §VerificationObject), not a
        # CryptographicKey: they are not supported, which is no evidence against them.
        run.stop(
            errored(
                CheckId.SIGNATURE,
                f"an Open Badges {version} signed assertion: this format is not supported "
                "(only 1.x hosted assertions are), so the signature was not checked",
            )
        )
    run.rule(check_context, raw, "assertion")
    a = run.compact(raw, "assertion")
    for warning in run.rule(check_assertion, a, hosted=False):
        run.finding(warning)
    _set_assertion_fields(run, a)
    verification = a.get("verification") or {}
    if not set(types_of(verification)) & SIGNED_TYPES:
        run.stop(errored(CheckId.STRUCTURE, "the signed assertion's verification type is not signed (SignedBadge)"))
    creator = node_id(verification.get("creator"))
    if creator is None or not is_http_url(creator):
        run.stop(
            errored(
                CheckId.STRUCTURE, "the signed assertion's verification.creator is not the URL of a CryptographicKey"
            )
        )
    return a, creator


async def _signing_key(run: _Run, creator: str) -> dict[str, Any]:
    """Step 3, first half: the CryptographicKey document at ``creator``, compacted."""
    key_raw, _ = await run.fetch_json(creator, "signing key")
    return run.compact(key_raw, "signing key", url=creator)


def _check_rs256_signature(run: _Run, jws: jose.CompactJws, key: dict[str, Any], creator: str) -> None:
    """Step 3, second half: the signature verifies with the key's
    ``publicKeyPem`` (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3)."""
    public_key = _rsa_key(run, key, creator)
    try:
        public_key.verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        run.stop(
            failed(
                CheckId.SIGNATURE,
                f"the RS256 signature does not verify with the key {creator}: the assertion was altered or signed with another key",
            )
        )


def _check_key_is_the_issuers(
    run: _Run, key: dict[str, Any], creator: str, issuer: dict[str, Any], issuer_url: str | None
) -> None:
    """Step 4: the key's ``owner`` is the issuer, and the issuer's
    ``publicKey`` lists the URL the key was fetched from."""
    issuer_ids = {str(issuer.get("id"))} | ({issuer_url} if issuer_url else set())
    owner = node_id(key.get("owner"))
    listed = {node_id(k) for k in as_list(issuer.get("publicKey"))}
    if owner not in issuer_ids:
        run.stop(
            failed(
                CheckId.SIGNATURE,
                f"the signing key {creator} is owned by {owner or 'nobody'}, not by the issuer {issuer.get('id')}",
            )
        )
    # The URL the key was fetched from must be listed; a key document's own claim to
    # another (listed) id proves nothing, since whoever serves it chose that claim.
    if creator not in listed:
        run.stop(
            failed(
                CheckId.SIGNATURE,
                f"the issuer {issuer.get('id')} does not list the signing key {creator} as its publicKey",
            )
        )
    run.set(
        passed(CheckId.SIGNATURE, f"RS256 signature verifies with {creator}, a key of the issuer {issuer.get('id')}")
    )


def _refused_algorithm(alg: Any) -> str:
    if alg is None or str(alg).lower() == "none":
        return "the JWS uses alg 'none' (unsigned); Open Badges 2.0 signed assertions must use RS256"
    if str(alg).upper().startswith("HS"):
        return f"the JWS uses {alg}, a shared-secret (HMAC) algorithm that cannot show who signed; Open Badges 2.0 requires RS256"
    return f"the JWS uses {alg}; Open Badges 2.0 signed assertions must use RS256"


def _rsa_key(run: _Run, key: dict[str, Any], creator: str) -> rsa.RSAPublicKey:
    if "CryptographicKey" not in types_of(key):
        run.stop(errored(CheckId.SIGNATURE, f"the verification creator {creator} is not a CryptographicKey"))
    pem = key.get("publicKeyPem")
    if not isinstance(pem, str):
        run.stop(errored(CheckId.SIGNATURE, f"the key {creator} has no publicKeyPem"))
    try:
        public_key = serialization.load_pem_public_key(pem.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        run.stop(errored(CheckId.SIGNATURE, f"the publicKeyPem of {creator} is not a PEM public key: {exc}"))
    if not isinstance(public_key, rsa.RSAPublicKey):
        run.stop(failed(CheckId.SIGNATURE, f"the key {creator} is not an RSA key, as RS256 requires"))
    if public_key.key_size < MIN_RSA_BITS:
        run.stop(
            failed(
                CheckId.SIGNATURE,
                f"the RSA key {creator} has {public_key.key_size} bits; at least {MIN_RSA_BITS} are required",
            )
        )
    return public_key


async def _revocation_list(run: _Run, issuer: dict[str, Any], a: dict[str, Any]) -> Check:
    url = node_id(issuer.get("revocationList"))
    if url is None:
        return warned(CheckId.REVOCATION, "the issuer publishes no RevocationList, so revocation cannot be checked")
    try:
        raw = await run.session.fetcher.fetch_json(url)
    except (FetchError, DocumentError) as exc:
        return errored(CheckId.REVOCATION, f"could not obtain the issuer's revocation list: {exc}")
    if not isinstance(raw, dict):
        return errored(CheckId.REVOCATION, f"the revocation list at {url} is not a JSON object")
    try:
        key = ("ob2-compact", url)
        revocation_list = run.session.cache.get(key) or compact(raw)
        run.session.cache[key] = revocation_list
    except DocumentError as exc:
        return errored(CheckId.REVOCATION, f"the revocation list at {url} cannot be read: {exc}")
    if "RevocationList" not in types_of(revocation_list):
        return errored(CheckId.REVOCATION, f"the document at {url} is not a RevocationList")
    entry = revoked_entry(revocation_list, a)
    if entry is not None:
        reason = entry.get("revocationReason")
        return failed(
            CheckId.REVOCATION,
            f"revoked by the issuer's revocation list {url}" + (f": {reason}" if isinstance(reason, str) else ""),
        )
    return passed(CheckId.REVOCATION, f"not listed in the issuer's revocation list {url}")


__all__ = ["ALLOWED_ALGORITHMS", "compact", "verify_hosted", "verify_signed"]
