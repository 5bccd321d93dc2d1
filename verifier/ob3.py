"""What a W3C verifiable credential, and an Open Badges 3.0 / CLR 2.0 one in
particular, says: its shape, its issuer and achievement, its recipient and
the skills it states. No cryptography here (see :mod:`verifier.vc`).

- :func:`read_structure` / :func:`structure_check`: VC Data Model 2.0 §4.3
  "Contexts" (the first ``@context`` is the base context, 1.1 or 2.0), §4.5
  "Types" (``type`` includes ``VerifiableCredential`` /
  ``VerifiablePresentation``), §4.7 "Issuer" (a URL or an object with an
  ``id``), §4.8 "Credential Subject"; a document without these cannot be
  interpreted (``structure`` indeterminate, the result ``error``). Departures
  that leave it interpretable are *findings*, reported as warnings of the
  ``conformance`` check and never the reason for ``failed``: OB 3.0 §B.1.1
  (``type`` includes ``OpenBadgeCredential`` or ``AchievementCredential``
  when the OB 3.0 context is loaded), §B.1.5 / §9.1 step 1 (the subject has
  an ``id`` and/or an ``identifier``), CLR 2.0 ``ClrCredential`` members,
  and terms no context defines (JSON-LD expansion in safe mode,
  :mod:`verifier.jsonld`).
- :func:`issuer_info`, :func:`achievement_info`, :func:`skills`:
  OB 3.0 §B.1.3 "Profile", §B.1.2 "Achievement", §B.1.4 "Alignment",
  §B.1.12 "Result" / §B.1.13 "ResultDescription".
- :func:`recipient_check`: OB 3.0 §B.1.6 "IdentityObject" against the
  candidate's emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier import jsonld
from verifier.errors import ContextError, DocumentError, UndefinedTermError
from verifier.models import (
    AchievementInfo,
    Check,
    CheckId,
    Format,
    IssuerInfo,
    Outcome,
    Skill,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from verifier.nodes import as_list, node_id, types_of
from verifier.recipient import IdentityFormatError, identity_matches

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
BASE_CONTEXTS = (VC1_CONTEXT, VC2_CONTEXT)
OB3_CONTEXT_PREFIXES = (
    "https://purl.imsglobal.org/spec/ob/v3p0/",
    "https://imsglobal.github.io/openbadges-specification/",
)
CLR_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/clr/v2p0/"
OB3_TYPES = ("OpenBadgeCredential", "AchievementCredential")
ENDORSEMENT_TYPE = "EndorsementCredential"
CLR_TYPE = "ClrCredential"
# The achievementType values whose achievement is itself a skill (OB 3.0 §B.2.1 "AchievementType").
SKILL_ACHIEVEMENT_TYPES = ("Competency",)


def text(value: Any) -> str | None:
    """A plain string from a value that may be a string, a language map or a list of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("@value"), str):
            return str(value["@value"])
        return next((v for v in value.values() if isinstance(v, str)), None)
    if isinstance(value, list):
        return next((t for t in (text(v) for v in value) if t), None)
    return None


def classify(doc: dict[str, Any]) -> str:
    """The :class:`~verifier.models.Format` value of a credential or presentation."""
    types = types_of(doc)
    if "VerifiablePresentation" in types:
        return Format.PRESENTATION.value
    if CLR_TYPE in types:
        return Format.CLR.value
    if any(t in types for t in OB3_TYPES) or ENDORSEMENT_TYPE in types:
        return Format.OB3.value
    return Format.VC.value


def _uses_ob_context(doc: dict[str, Any]) -> bool:
    return any(
        isinstance(c, str) and (c.startswith(OB3_CONTEXT_PREFIXES) or c.startswith(CLR_CONTEXT_PREFIX))
        for c in as_list(doc.get("@context"))
    )


@dataclass(frozen=True, slots=True)
class Structure:
    """What reading a credential or presentation found.

    ``check`` is the ``structure`` check: ``fail`` is always indeterminate
    (the document cannot be interpreted), never an accusation. ``findings``
    are data-model departures that touch neither authenticity, validity nor
    the recipient; they become the ``conformance`` check's warnings.
    ``expanded`` is the safe-mode expansion of the document without its
    proof, when it expanded without loss (the proofs' canonicalization starts
    from it). ``undefined`` names the terms no context defines.
    """

    check: Check
    findings: tuple[str, ...] = ()
    expanded: jsonld.Expansion | None = None
    undefined: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether the document could be interpreted at all."""
        return self.check.outcome is not Outcome.FAIL

    def conformance(self) -> Check:
        """The ``conformance`` check: ``warn`` listing the findings, else ``pass``."""
        if self.findings:
            return warned(CheckId.CONFORMANCE, "; ".join(self.findings))
        return passed(CheckId.CONFORMANCE, "no departures from the data model found")


def structure_check(doc: dict[str, Any], *, what: str = "credential") -> Check:
    """The ``structure`` check of a credential or presentation (see module docstring).

    Proofs are left out of the term check: each proof is checked by its own
    suite, and an unknown proof type must not make the credential malformed.
    """
    return read_structure(doc, what=what).check


def checked_structure(doc: dict[str, Any], *, what: str = "credential") -> tuple[Check, jsonld.Expansion | None]:
    """:func:`structure_check`, with the safe-mode expansion of the document
    without its ``proof`` when it expanded without loss, else None."""
    found = read_structure(doc, what=what)
    return found.check, found.expanded


def read_structure(doc: dict[str, Any], *, what: str = "credential") -> Structure:
    """Read a credential or presentation: its ``structure`` check and its
    data-model findings (see :class:`Structure`).

    What cannot be interpreted (no VC base context, not a VerifiableCredential,
    no issuer or subject, a context that is not bundled, invalid JSON-LD) is
    indeterminate: nothing about the badge's authenticity or validity follows
    from it. Departures that leave the badge interpretable are findings.
    """
    contexts = as_list(doc.get("@context"))
    if not contexts or contexts[0] not in BASE_CONTEXTS:
        first = contexts[0] if contexts else None
        return Structure(
            errored(
                CheckId.STRUCTURE,
                f"not a verifiable credential: the first @context must be {VC2_CONTEXT} or {VC1_CONTEXT}, "
                f"not {first!r} (VC Data Model §4.3)",
            )
        )
    types = types_of(doc)
    presentation = "VerifiablePresentation" in types
    findings: list[str] = []
    if not presentation:
        shape = _credential_shape(doc, types, findings)
        if shape is not None:
            return Structure(shape)
    body = {k: v for k, v in doc.items() if k != "proof"}
    if presentation:
        body.pop("verifiableCredential", None)  # each member is checked on its own
    expanded: jsonld.Expansion | None = None
    undefined: tuple[str, ...] = ()
    try:
        expanded = jsonld.expansion(body)
    except ContextError as exc:
        return Structure(
            errored(CheckId.STRUCTURE, f"unknown JSON-LD context {exc.url}: the {what} cannot be interpreted")
        )
    except UndefinedTermError as exc:
        # VC Data Model 2.0 §4.3 / JSON-LD 1.1 §9.1: a term no context defines has
        # no meaning; it is a data-model finding. What it means for a proof over the
        # RDF form (Data Integrity 1.0 §2.4.3) is the signature check's to say.
        undefined = tuple(exc.terms)
        findings.append(f"terms not defined by the {what}'s JSON-LD contexts: {', '.join(undefined)}")
    except DocumentError as exc:
        return Structure(errored(CheckId.STRUCTURE, f"the {what} is not valid JSON-LD: {exc}"))
    version = "VC 2.0" if contexts[0] == VC2_CONTEXT else "VC 1.1"
    if version == "VC 1.1" and any(t in types for t in (*OB3_TYPES, ENDORSEMENT_TYPE, CLR_TYPE)):
        # OB 3.0 (final) and CLR 2.0 are built on VC 2.0; earlier drafts used VC 1.1 and are still issued.
        check = warned(
            CheckId.STRUCTURE,
            f"well-formed {what}, but in the VC 1.1 data model that Open Badges 3.0 / CLR 2.0 drafts used "
            "(the final specifications use VC 2.0)",
        )
    else:
        check = passed(CheckId.STRUCTURE, f"well-formed {version} {'presentation' if presentation else what}")
    return Structure(check, tuple(findings), expanded, undefined)


def _credential_shape(doc: dict[str, Any], types: list[str], findings: list[str]) -> Check | None:
    """The indeterminate structure check for a credential missing a part it cannot
    be read without, else None; data-model findings are added to ``findings``."""
    if "VerifiableCredential" not in types:
        return errored(
            CheckId.STRUCTURE,
            f"not a verifiable credential: type must include VerifiableCredential, got {types or None}",
        )
    if node_id(doc.get("issuer")) is None:
        return errored(CheckId.STRUCTURE, "the credential names no issuer (a URL or an object with an id)")
    if not any(isinstance(s, dict) for s in as_list(doc.get("credentialSubject"))):
        return errored(CheckId.STRUCTURE, "the credential has no credentialSubject")
    if _uses_ob_context(doc) and not any(
        t in types for t in (*OB3_TYPES, ENDORSEMENT_TYPE, CLR_TYPE, "BitstringStatusListCredential")
    ):
        # OB 3.0 §B.1.1: an OB credential's type includes OpenBadgeCredential or
        # AchievementCredential. Loading the context defines terms; it claims nothing.
        findings.append(
            "loads the Open Badges 3.0 / CLR context but its type is neither OpenBadgeCredential nor "
            f"AchievementCredential (OB 3.0 §B.1.1): read as a plain verifiable credential ({', '.join(types)})"
        )
    if any(t in types for t in OB3_TYPES) and not all("id" in sub or "identifier" in sub for sub in subjects(doc)):
        # OB 3.0 §9.1 step 1 / §B.1.5: an AchievementSubject has an id or an identifier. Without
        # either the credential names no recipient: the recipient check is skipped, not failed.
        findings.append(
            "the credentialSubject is identified by neither an id nor an identifier (OB 3.0 §B.1.5): "
            "the credential does not say who it was issued to"
        )
    if CLR_TYPE in types and not any(
        isinstance(s, dict) and "verifiableCredential" in s for s in as_list(doc.get("credentialSubject"))
    ):
        findings.append("a ClrCredential's credentialSubject has no verifiableCredential (CLR 2.0 §B.1.3)")
    return None


# -- what the credential says ----------------------------------------------------


def subjects(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The credential's subject objects."""
    return [s for s in as_list(doc.get("credentialSubject")) if isinstance(s, dict)]


def achievement_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The first subject's ``achievement`` object, if any."""
    for subject in subjects(doc):
        achievement = subject.get("achievement")
        if isinstance(achievement, dict):
            return achievement
    return None


def issuer_info(doc: dict[str, Any], *, endorsements: tuple[Any, ...] = (), trust: str | None = None) -> IssuerInfo:
    """The issuer as the credential states it (OB 3.0 §B.1.3 "Profile")."""
    issuer = doc.get("issuer")
    profile = issuer if isinstance(issuer, dict) else {}
    email = profile.get("email")
    return IssuerInfo(
        id=node_id(issuer),
        name=text(profile.get("name")),
        url=node_id(profile.get("url")),
        email=email if isinstance(email, str) else None,
        trust=trust,
        endorsements=endorsements,
    )


def achievement_info(doc: dict[str, Any]) -> AchievementInfo:
    """The achievement (OB 3.0 §B.1.2); for a plain VC, the credential's own name and description."""
    achievement = achievement_of(doc)
    if achievement is None:
        return AchievementInfo(
            id=node_id(doc.get("id")), name=text(doc.get("name")), description=text(doc.get("description"))
        )
    criteria = achievement.get("criteria")
    credits = achievement.get("creditsAvailable")
    kind = achievement.get("achievementType")
    return AchievementInfo(
        id=node_id(achievement),
        name=text(achievement.get("name")),
        description=text(achievement.get("description")),
        image=node_id(achievement.get("image")),
        criteria=(text(criteria.get("narrative")) or node_id(criteria))
        if isinstance(criteria, dict)
        else text(criteria),
        achievement_type=kind if isinstance(kind, str) else None,
        credits_available=float(credits)
        if isinstance(credits, (int, float)) and not isinstance(credits, bool)
        else None,
    )


def _alignment_skills(alignments: Any, source: str) -> list[Skill]:
    out = []
    for a in as_list(alignments):
        if not isinstance(a, dict):
            continue
        name = text(a.get("targetName"))
        if not name:
            continue
        code = a.get("targetCode")
        framework = a.get("targetFramework")
        target_type = a.get("targetType")
        out.append(
            Skill(
                name=name,
                framework=text(framework),
                code=str(code) if isinstance(code, (str, int)) else None,
                url=node_id(a.get("targetUrl")),
                source=source,
                target_type=target_type if isinstance(target_type, str) else None,
            )
        )
    return out


def skills(doc: dict[str, Any]) -> tuple[Skill, ...]:
    """The skills the credential itself states, each with the field it came from.

    - ``achievement.alignment`` (source ``alignment``): targetName,
      targetFramework, targetCode, targetUrl, targetType;
    - ``achievement.tag`` (source ``tag``);
    - an achievement whose ``achievementType`` is ``Competency`` is itself a
      skill (source ``achievementType``);
    - alignments of ``achievement.resultDescription`` and of the subject's
      ``result`` entries (source ``result``).

    Duplicates (same source, name, framework and code) are listed once.
    """
    found: list[Skill] = []
    achievement = achievement_of(doc) or {}
    found += _alignment_skills(achievement.get("alignment"), "alignment")
    for tag in as_list(achievement.get("tag")):
        if isinstance(tag, str) and tag.strip():
            found.append(Skill(name=tag.strip(), source="tag"))
    kind = achievement.get("achievementType")
    name = text(achievement.get("name"))
    if kind in SKILL_ACHIEVEMENT_TYPES and name:
        found.append(Skill(name=name, url=node_id(achievement), source="achievementType", target_type=str(kind)))
    for description in as_list(achievement.get("resultDescription")):
        if isinstance(description, dict):
            found += _alignment_skills(description.get("alignment"), "result")
    for subject in subjects(doc):
        for result in as_list(subject.get("result")):
            if isinstance(result, dict):
                found += _alignment_skills(result.get("alignment"), "result")
    unique: dict[tuple[str, str, str | None, str | None], Skill] = {}
    for s in found:
        unique.setdefault((s.source, s.name, s.framework, s.code), s)
    return tuple(unique.values())


def dates_of(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    """(issued_on, expires) as stated: validFrom / issuanceDate / awardedDate; validUntil / expirationDate."""
    issued = next((doc[k] for k in ("validFrom", "issuanceDate", "awardedDate") if isinstance(doc.get(k), str)), None)
    expires = next((doc[k] for k in ("validUntil", "expirationDate") if isinstance(doc.get(k), str)), None)
    return issued, expires


# -- recipient -------------------------------------------------------------------


def recipient_check(doc: dict[str, Any], emails: tuple[str, ...]) -> tuple[Check, bool | None]:
    """The ``recipient`` check and ``recipient_match`` (OB 3.0 §B.1.6 "IdentityObject").

    No emails: skipped, ``None``. No ``identifier`` of type ``emailAddress``
    in the credential: skipped with the reason, ``None`` (it cannot be
    checked, which is not a mismatch). Otherwise a match on any email
    identifier passes (``True``) and no match fails (``False``).
    """
    if not emails:
        return skipped(CheckId.RECIPIENT, "no candidate email given"), None
    identifiers = [i for s in subjects(doc) for i in as_list(s.get("identifier")) if isinstance(i, dict)]
    email_ids = [i for i in identifiers if str(i.get("identityType", "")).lower() in ("emailaddress", "email")]
    for s in subjects(doc):
        # A subject identified by a mailto: IRI names a plain email address (RFC 6068).
        sid = s.get("id")
        if isinstance(sid, str) and sid.lower().startswith("mailto:"):
            email_ids.append({"identityHash": sid[7:].split("?", 1)[0], "hashed": False})
    if not email_ids:
        if identifiers:
            kinds = sorted({str(i.get("identityType")) for i in identifiers})
            why = f"the credential names its recipient by {', '.join(kinds)}, not by email"
        else:
            why = "the credential names no recipient email (no identifier), so it cannot be checked"
        return skipped(CheckId.RECIPIENT, why), None
    for identity in email_ids:
        value = identity.get("identityHash")
        if not isinstance(value, str):
            return errored(CheckId.RECIPIENT, "an IdentityObject has no identityHash: it cannot be compared"), None
        salt = identity.get("salt")
        hashed = identity.get("hashed") in (True, "true")
        try:
            if identity_matches(
                value,
                emails,
                hashed=hashed,
                salt=salt if isinstance(salt, str) else None,
                identity_type="emailAddress",
            ):
                how = "hashed" if hashed else "plain"
                return passed(CheckId.RECIPIENT, f"issued to the candidate's email ({how} identity)"), True
        except IdentityFormatError as exc:
            return errored(CheckId.RECIPIENT, f"the recipient identity cannot be compared: {exc}"), None
    return failed(CheckId.RECIPIENT, "issued to someone else: no candidate email matches the recipient identity"), False
