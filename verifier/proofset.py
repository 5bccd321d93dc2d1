"""From the Data Integrity proofs of a document to one ``signature`` check.

:func:`verifier.proofs.verify_proofs` reports every proof on its own
(``valid``: ``True``, ``False`` or ``None`` for "could not be determined").
This module decides what the set means, and says so in one message that
names every proof ("proof 1 (eddsa-rdfc-2022, did:key:z6Mk...): valid; ...").

The rule (VC Data Model 2.0 §4.12 "Securing Mechanisms"; VC Data Integrity 1.0
§4.4 "Verify Proof" per proof; OB 3.0 §8 "Proofs (Signatures)": "If multiple
proofs are provided, the verifier MAY use any one proof to verify the
credential"):

1. No proof at all: ``failed`` (nothing makes the document verifiable).
2. Any proof determinately invalid (bad signature, tampered document, a key
   that is not the issuer's): ``failed``. A document that carries a forged or
   broken proof beside a good one is not accepted: every proof that claims to
   secure it must hold.
3. Otherwise, at least one proof valid (signature checked with a key bound to
   the issuer for the purpose): ``pass``. Proofs whose outcome could not be
   determined (an unsupported proof type, an unreachable key) are listed in
   the message but do not block.
4. Otherwise (every proof indeterminate): ``error`` (indeterminate), never
   "valid".

A proof that holds only over the document without its undefined terms
(VC Data Integrity 1.0 §2.4.3 "Securing Data Losslessly": RDF
canonicalization drops them, so they are not secured) makes the check
``warn``, naming the terms, unless another proof secures the whole document.
Whether those terms matter to what the result reports is the caller's to
decide (:mod:`verifier.vc`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from verifier.errors import VerifierError
from verifier.jsonld import Expansion
from verifier.models import Check, CheckId, errored, failed, passed, warned
from verifier.proofs import verify_proofs
from verifier.session import Session


class ProofOutcome(Protocol):
    """What this module reads from a :class:`verifier.proofs.ProofReport`."""

    @property
    def type(self) -> str | None:
        """The proof's ``type``, if any."""
        ...

    @property
    def cryptosuite(self) -> str | None:
        """The proof's ``cryptosuite``, if any."""
        ...

    @property
    def verification_method(self) -> str | None:
        """The proof's ``verificationMethod``, if any."""
        ...

    @property
    def valid(self) -> bool | None:
        """True, False, or None when the outcome could not be determined."""
        ...

    @property
    def message(self) -> str:
        """Why, in words."""
        ...


def describe(index: int, report: ProofOutcome) -> str:
    """One proof's line: ``proof 2 (eddsa-rdfc-2022, did:key:...): invalid: <why>``."""
    label = report.cryptosuite or report.type or "unknown proof type"
    where = f", {report.verification_method}" if report.verification_method else ""
    verdict = {True: "valid", False: "invalid", None: "could not be verified"}[report.valid]
    detail = f": {report.message}" if report.message and report.valid is not True else ""
    unsigned = unsigned_terms(report)
    if report.valid is True and unsigned:
        detail = f" without its undefined terms {', '.join(unsigned)}, which it does not secure"
    revision = getattr(report, "context_revision", None)
    if report.valid is True and isinstance(revision, str) and revision:
        # the proof verified only under an earlier revision of a context (verifier.contexts): say which
        detail = f" (signed under an earlier revision of a JSON-LD context: {revision})"
    return f"proof {index} ({label}{where}): {verdict}{detail}"


def judge(reports: Sequence[ProofOutcome], *, what: str = "credential") -> Check:
    """The ``signature`` check implied by per-proof reports (see module docstring)."""
    if not reports:
        return failed(CheckId.SIGNATURE, f"the {what} has no proof: it is not verifiable")
    lines = "; ".join(describe(i, r) for i, r in enumerate(reports, start=1))
    if any(r.valid is False for r in reports):
        return failed(CheckId.SIGNATURE, lines)
    valid = [r for r in reports if r.valid is True]
    if valid and all(unsigned_terms(r) for r in valid):
        return warned(CheckId.SIGNATURE, lines)
    if valid:
        return passed(CheckId.SIGNATURE, lines)
    return errored(CheckId.SIGNATURE, lines)


def unsigned_terms(report: ProofOutcome) -> tuple[str, ...]:
    """The undefined terms a valid proof does not secure (see module docstring)."""
    terms = getattr(report, "unsigned_terms", ())
    return tuple(terms) if isinstance(terms, (tuple, list)) else ()


def has_proof(document: dict[str, Any]) -> bool:
    """Whether the document carries at least one embedded proof object."""
    proof = document.get("proof")
    if isinstance(proof, list):
        return any(isinstance(p, dict) for p in proof)
    return isinstance(proof, dict)


async def check_proofs(
    document: dict[str, Any],
    session: Session,
    *,
    issuer_id: str | None,
    purpose: str = "assertionMethod",
    what: str = "credential",
    expanded: Expansion | None = None,
) -> Check:
    """Verify every embedded proof of ``document`` and judge the set.

    Never raises for a bad document: a malformed proof section is a
    determinate failure, a verification error the proof code did not expect
    is indeterminate. ``expanded`` (a :class:`verifier.jsonld.Expansion` of
    the document without its proof) is passed on to spare expanding it again.
    """
    if not has_proof(document):
        return judge([], what=what)
    try:
        reports = await verify_proofs(document, session, issuer_id=issuer_id, purpose=purpose, expanded=expanded)
    except VerifierError as exc:
        return errored(CheckId.SIGNATURE, f"the proofs could not be checked: {exc}")
    return judge(reports, what=what)
