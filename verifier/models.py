"""Typed results of a verification.

A :class:`VerificationResult` is what every verification path returns, for
every input, however bad. Its JSON form (:meth:`VerificationResult.to_dict`)
is the result object of ``docs/verifier-contract.md``; fields may be added,
never renamed or dropped.

How the overall status is decided (:func:`derive_status`):

- a check whose outcome is ``fail`` and which is *determinate* means the badge
  is not valid now: the status is ``failed``;
- a check that could not be completed (a network failure, an unreachable
  status list, an unsupported format) is reported with outcome ``fail`` and
  ``indeterminate=True``: the status is ``error`` unless another check
  determinately failed. "Could not be determined" is never "valid";
- otherwise ``verified`` (warnings allowed).

Results are plain data: they carry no ``__bool__`` so that a result is never
mistaken for a verdict in an ``if``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from verifier.details import BadgeDetails, details_from_dict


class Status(enum.StrEnum):
    """Overall verdict for one input."""

    VERIFIED = "verified"
    FAILED = "failed"
    ERROR = "error"


class Outcome(enum.StrEnum):
    """Outcome of one check."""

    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


class CheckId(enum.StrEnum):
    """The check ids of the contract. More specific ids may be used as well."""

    FETCH = "fetch"
    STRUCTURE = "structure"
    SIGNATURE = "signature"
    HOSTED = "hosted"
    ISSUER = "issuer"
    REVOCATION = "revocation"
    EXPIRY = "expiry"
    RECIPIENT = "recipient"
    CONFORMANCE = "conformance"  # data-model findings: warn or pass, never the reason for failed


class Format(enum.StrEnum):
    """What kind of credential an input turned out to be."""

    OB1_HOSTED = "ob1-hosted"  # an Open Badges 1.0 / 1.1 hosted assertion, verified as 2.0 (verifier.ob1)
    OB2_HOSTED = "ob2-hosted"
    OB2_SIGNED = "ob2-signed"
    OB3 = "ob3"
    VC = "vc"
    CLR = "clr"
    PRESENTATION = "presentation"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step and what it found.

    ``indeterminate`` marks a ``fail`` that means "could not be determined"
    (for instance a status list that could not be fetched); such a check makes
    the result ``error``, never ``verified`` and, on its own, never ``failed``.
    """

    id: str
    outcome: Outcome
    message: str = ""
    indeterminate: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The check as a JSON object of the contract."""
        out: dict[str, Any] = {"id": self.id, "outcome": self.outcome.value, "message": self.message}
        if self.indeterminate:
            out["indeterminate"] = True
        return out


def passed(check_id: str | CheckId, message: str = "") -> Check:
    """A passing check."""
    return Check(str(_id(check_id)), Outcome.PASS, message)


def failed(check_id: str | CheckId, message: str) -> Check:
    """A check that determinately failed: the badge is not valid."""
    return Check(str(_id(check_id)), Outcome.FAIL, message)


def errored(check_id: str | CheckId, message: str) -> Check:
    """A check that could not be completed: the outcome is unknown."""
    return Check(str(_id(check_id)), Outcome.FAIL, message, indeterminate=True)


def warned(check_id: str | CheckId, message: str) -> Check:
    """A check that passed with a caveat worth showing."""
    return Check(str(_id(check_id)), Outcome.WARN, message)


def skipped(check_id: str | CheckId, message: str) -> Check:
    """A check that did not apply or could not run because an earlier one failed."""
    return Check(str(_id(check_id)), Outcome.SKIP, message)


def _id(check_id: str | CheckId) -> str:
    return check_id.value if isinstance(check_id, CheckId) else check_id


class IdentityLevel(enum.StrEnum):
    """What is proven about who issued a credential, strongest first
    (``docs/verifier-contract.md`` "Issuer identity levels")."""

    REGISTRY = "registry"
    DOMAIN = "domain"
    PLATFORM = "platform"
    SELF_ASSERTED = "self-asserted"


@dataclass(frozen=True, slots=True)
class RegistryListing:
    """A registry that lists the issuer, and what its entry says."""

    name: str
    entry_name: str | None = None
    entry_url: str | None = None
    entry_location: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "entry": {"name", "url"[, "location"]}}``."""
        entry: dict[str, Any] = {"name": self.entry_name, "url": self.entry_url}
        if self.entry_location:
            entry["location"] = self.entry_location
        return {"name": self.name, "entry": entry}


@dataclass(frozen=True, slots=True)
class UncheckedRegistry:
    """A configured registry that could not be consulted, and why."""

    name: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "reason"}``."""
        return {"name": self.name, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Impersonation:
    """The credential claims a registered or allow-listed issuer's name or
    domain while its proven identity is another. ``severity`` is ``fail`` for
    an equal name (after normalisation) or domain, ``warn`` for a near match."""

    resembles: str
    why: str
    severity: str  # "fail" | "warn"

    def to_dict(self) -> dict[str, Any]:
        """``{"resembles", "why", "severity"}``."""
        return {"resembles": self.resembles, "why": self.why, "severity": self.severity}


@dataclass(frozen=True, slots=True)
class IssuerIdentity:
    """How far the issuer's identity is proven (``issuer.identity``).

    ``proven`` is the identifier that is proven (a domain, a DID, a platform's
    domain) or None; ``how`` says in one sentence how; ``claims_name`` /
    ``claims_url`` are what the credential merely states.
    """

    level: IdentityLevel = IdentityLevel.SELF_ASSERTED
    proven: str | None = None
    how: str = ""
    registries: tuple[RegistryListing, ...] = ()
    unchecked_registries: tuple[UncheckedRegistry, ...] = ()
    claims_name: str | None = None
    claims_url: str | None = None
    impersonation: Impersonation | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``issuer.identity`` object of the verifier contract."""
        return {
            "level": self.level.value,
            "proven": self.proven,
            "how": self.how,
            "registries": [r.to_dict() for r in self.registries],
            "unchecked_registries": [u.to_dict() for u in self.unchecked_registries],
            "claims": {"name": self.claims_name, "url": self.claims_url},
            "impersonation": self.impersonation.to_dict() if self.impersonation is not None else None,
        }


def identity_from_dict(data: Mapping[str, Any] | None) -> IssuerIdentity | None:
    """Rebuild :class:`IssuerIdentity` from its JSON form; None when absent or unreadable."""
    if not isinstance(data, Mapping):
        return None
    try:
        level = IdentityLevel(str(data.get("level")))
    except ValueError:
        return None
    claims: Mapping[str, Any] = data["claims"] if isinstance(data.get("claims"), Mapping) else {}
    imp = data.get("impersonation")
    return IssuerIdentity(
        level=level,
        proven=data.get("proven"),
        how=str(data.get("how") or ""),
        registries=tuple(
            RegistryListing(
                name=str(r.get("name") or ""),
                entry_name=(r.get("entry") or {}).get("name"),
                entry_url=(r.get("entry") or {}).get("url"),
                entry_location=(r.get("entry") or {}).get("location"),
            )
            for r in data.get("registries") or ()
            if isinstance(r, Mapping)
        ),
        unchecked_registries=tuple(
            UncheckedRegistry(name=str(u.get("name") or ""), reason=str(u.get("reason") or ""))
            for u in data.get("unchecked_registries") or ()
            if isinstance(u, Mapping)
        ),
        claims_name=claims.get("name"),
        claims_url=claims.get("url"),
        impersonation=(
            Impersonation(
                resembles=str(imp.get("resembles") or ""),
                why=str(imp.get("why") or ""),
                severity=str(imp.get("severity") or "warn"),
            )
            if isinstance(imp, Mapping)
            else None
        ),
    )


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    """Who issued the credential, as the credential and its issuer profile say,
    and (``identity``) how much of that is proven."""

    id: str | None = None
    name: str | None = None
    url: str | None = None
    email: str | None = None
    trust: str | None = None  # "allow" | "deny" | "unknown" when a trust list was given
    endorsements: tuple[VerificationResult, ...] = ()
    identity: IssuerIdentity | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``trust``, ``endorsements`` and ``identity`` only when present."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "url": self.url}
        if self.email:
            out["email"] = self.email
        if self.trust:
            out["trust"] = self.trust
        if self.endorsements:
            out["endorsements"] = [e.to_dict() for e in self.endorsements]
        if self.identity is not None:
            out["identity"] = self.identity.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class AchievementInfo:
    """What the credential says was achieved (OB 2.0 BadgeClass / OB 3.0 Achievement)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    image: str | None = None
    criteria: str | None = None
    achievement_type: str | None = None
    credits_available: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the contract plus optional extras when present."""
        out: dict[str, Any] = {"id": self.id, "name": self.name, "description": self.description}
        for key, value in (
            ("image", self.image),
            ("criteria", self.criteria),
            ("achievement_type", self.achievement_type),
            ("credits_available", self.credits_available),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill the badge itself states, and the field it was read from."""

    name: str
    framework: str | None = None
    code: str | None = None
    url: str | None = None
    source: str = "alignment"  # alignment | tag | result | achievementType | ...
    target_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: name, framework, code, url, plus source and target_type."""
        out: dict[str, Any] = {
            "name": self.name,
            "framework": self.framework,
            "code": self.code,
            "url": self.url,
            "source": self.source,
        }
        if self.target_type:
            out["target_type"] = self.target_type
        return out


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of verifying one input.

    ``status`` is always consistent with ``checks`` when built through
    :func:`make_result`. ``document`` holds the credential as obtained (for a
    drill-down); it is left out of :meth:`to_dict` unless asked for.
    ``credentials`` holds one result per credential inside a container (a
    verifiable presentation or a CLR).
    """

    input: str
    status: Status
    format: str = Format.UNKNOWN.value
    checks: tuple[Check, ...] = ()
    issuer: IssuerInfo = field(default_factory=IssuerInfo)
    achievement: AchievementInfo = field(default_factory=AchievementInfo)
    recipient_match: bool | None = None
    issued_on: str | None = None
    expires: str | None = None
    skills: tuple[Skill, ...] = ()
    credential_id: str | None = None
    platform: str | None = None
    source_url: str | None = None
    checked_at: str | None = None
    candidate: str | None = None
    email: str | None = None
    credentials: tuple[VerificationResult, ...] = ()
    document: Any = None
    #: what the badge states beyond its name (criteria, evidence, results, alignments), when it states any
    details: BadgeDetails | None = None

    @property
    def reason(self) -> str:
        """The message of the check that decided a non-verified status, or ''."""
        decisive = decisive_check(self.checks)
        return decisive.message if decisive is not None else ""

    @property
    def summary(self) -> str:
        """One plain sentence for a recruiter (:func:`verifier.summary.summarize`)."""
        from verifier.summary import summarize

        return summarize(self)

    def check(self, check_id: str) -> Check | None:
        """The first check with this id, if any."""
        return next((c for c in self.checks if c.id == check_id), None)

    def to_dict(self, *, include_document: bool = False) -> dict[str, Any]:
        """The result object of the verifier contract."""
        out: dict[str, Any] = {
            "input": self.input,
            "status": self.status.value,
            "summary": self.summary,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
            "issuer": self.issuer.to_dict(),
            "achievement": self.achievement.to_dict(),
            "recipient_match": self.recipient_match,
            "issued_on": self.issued_on,
            "expires": self.expires,
            "skills": [s.to_dict() for s in self.skills],
            "reason": self.reason,
        }
        for key, value in (
            ("credential_id", self.credential_id),
            ("platform", self.platform),
            ("source_url", self.source_url),
            ("checked_at", self.checked_at),
            ("candidate", self.candidate),
            ("email", self.email),
        ):
            if value is not None:
                out[key] = value
        if self.credentials:
            out["credentials"] = [c.to_dict(include_document=include_document) for c in self.credentials]
        if self.details is not None and not self.details.is_empty:
            out["details"] = self.details.to_dict()
        if include_document and self.document is not None:
            out["document"] = self.document
        return out


def derive_status(checks: Iterable[Check]) -> Status:
    """The overall status that a list of checks implies (see module docstring)."""
    any_indeterminate = False
    for c in checks:
        if c.outcome is Outcome.FAIL:
            if not c.indeterminate:
                return Status.FAILED
            any_indeterminate = True
    return Status.ERROR if any_indeterminate else Status.VERIFIED


def decisive_check(checks: Iterable[Check]) -> Check | None:
    """The check that decided a non-verified status: the first determinate
    failure, else the first indeterminate one."""
    checks = tuple(checks)
    for c in checks:
        if c.outcome is Outcome.FAIL and not c.indeterminate:
            return c
    for c in checks:
        if c.outcome is Outcome.FAIL:
            return c
    return None


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


def make_result(input: str, checks: Iterable[Check], **fields: Any) -> VerificationResult:
    """Build a result whose status follows from its checks.

    A result with no checks at all cannot be verified: it gets an indeterminate
    ``structure`` check so that nothing is ever verified by omission.
    """
    checks = tuple(checks)
    if not checks:
        checks = (errored(CheckId.STRUCTURE, "nothing was checked"),)
    status = derive_status(checks)
    if status is Status.VERIFIED and not any(c.outcome is Outcome.PASS for c in checks):
        checks = (*checks, errored(CheckId.STRUCTURE, "no check passed"))
        status = Status.ERROR
    return VerificationResult(input=input, status=status, checks=checks, **fields)


def error_result(input: str, check_id: str | CheckId, message: str, **fields: Any) -> VerificationResult:
    """A result for an input that could not be verified at all."""
    return make_result(input, [errored(check_id, message)], **fields)


def with_context(result: VerificationResult, **fields: Any) -> VerificationResult:
    """A copy of ``result`` with extra context (candidate, email, checked_at, ...)."""
    return replace(result, **fields)


def skills_from_dicts(items: Iterable[Mapping[str, Any]]) -> tuple[Skill, ...]:
    """Skills from plain mappings (the inverse of :meth:`Skill.to_dict`)."""
    return tuple(
        Skill(
            name=str(i["name"]),
            framework=i.get("framework"),
            code=i.get("code"),
            url=i.get("url"),
            source=str(i.get("source") or "alignment"),
            target_type=i.get("target_type"),
        )
        for i in items
    )


def result_from_dict(data: Mapping[str, Any]) -> VerificationResult:
    """Rebuild a result from its :meth:`VerificationResult.to_dict` form (for storage)."""
    checks = tuple(
        Check(
            id=str(c["id"]),
            outcome=Outcome(c["outcome"]),
            message=str(c.get("message") or ""),
            indeterminate=bool(c.get("indeterminate", False)),
        )
        for c in data.get("checks") or ()
    )
    iss = data.get("issuer") or {}
    ach = data.get("achievement") or {}
    return VerificationResult(
        input=str(data.get("input", "")),
        status=Status(data["status"]),
        format=str(data.get("format") or Format.UNKNOWN.value),
        checks=checks,
        issuer=IssuerInfo(
            id=iss.get("id"),
            name=iss.get("name"),
            url=iss.get("url"),
            email=iss.get("email"),
            trust=iss.get("trust"),
            endorsements=tuple(result_from_dict(e) for e in iss.get("endorsements") or ()),
            identity=identity_from_dict(iss.get("identity")),
        ),
        achievement=AchievementInfo(
            id=ach.get("id"),
            name=ach.get("name"),
            description=ach.get("description"),
            image=ach.get("image"),
            criteria=ach.get("criteria"),
            achievement_type=ach.get("achievement_type"),
            credits_available=ach.get("credits_available"),
        ),
        recipient_match=data.get("recipient_match"),
        issued_on=data.get("issued_on"),
        expires=data.get("expires"),
        skills=skills_from_dicts(data.get("skills") or ()),
        credential_id=data.get("credential_id"),
        platform=data.get("platform"),
        source_url=data.get("source_url"),
        checked_at=data.get("checked_at"),
        candidate=data.get("candidate"),
        email=data.get("email"),
        credentials=tuple(result_from_dict(c) for c in data.get("credentials") or ()),
        document=data.get("document"),
        details=details_from_dict(data.get("details")),
    )
