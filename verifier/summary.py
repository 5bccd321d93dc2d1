"""One plain sentence per result, written for a recruiter.

The sentence is the result's ``summary`` field (docs/verifier-contract.md,
"One result object"): the CLI, the exports, the API and the dashboard all show
the same words. It is derived from the checks alone, so it can never say more
than the checks established:

- ``verified``: "Genuine: …", with what is and is not proven about the issuer
  and the recipient;
- ``failed``: what is wrong, from the check that decided it ("Withdrawn by its
  issuer", "Genuine, but expired on 3 March 2025", "Not genuine: …");
- ``error``: what could not be checked, always followed by "this says nothing
  bad about the candidate" — an unanswered status list or an unsupported format
  is no evidence against anyone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verifier.models import Check, VerificationResult

__all__ = ["NOTHING_BAD", "human_date", "summarize"]

NOTHING_BAD = "this says nothing bad about the candidate"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def human_date(value: str | None) -> str | None:
    """``2025-03-03T00:00:00Z`` as "3 March 2025"; None or unparsable text as given."""
    if not value:
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return f"{when.day} {when:%B %Y}"


def _first_date(text: str) -> str | None:
    match = _ISO_DATE.search(text)
    return human_date(match.group(0)) if match else None


def _issuer_words(result: VerificationResult) -> str:
    """Who issued it, as far as the checks prove it (``issuer.identity``)."""
    issuer = result.issuer
    identity = issuer.identity
    claimed = issuer.name or issuer.url or issuer.id or "an unnamed issuer"
    if identity is None:
        return f"issued by {claimed}"
    level, proven = identity.level.value, identity.proven
    if level == "registry":
        names = [r.name for r in identity.registries if r.name]
        where = f" (listed in {names[0]})" if names else " (listed in a trusted registry)"
        return f"issued by {claimed}{where}"
    if level == "domain" and proven:
        return f"issued by {claimed}, whose ownership of {proven} is proven"
    if level == "platform" and proven:
        return f"issued by {claimed} through {proven}, which vouches for it"
    return f"signed by an issuer whose identity is not proven (it only claims to be {claimed})"


def _recipient_words(result: VerificationResult) -> str:
    if result.recipient_match is True:
        return " to this candidate"
    return ""


def _verified(result: VerificationResult) -> str:
    sentence = f"Genuine: {_issuer_words(result)}{_recipient_words(result)}"
    if result.expires:
        sentence += f", valid until {human_date(result.expires)}"
    sentence += "."
    notes: list[str] = []
    recipient = result.check("recipient")
    if result.recipient_match is None and recipient is not None and recipient.outcome.value == "skip":
        notes.append("not matched to the candidate's email")
    identity = result.issuer.identity
    if identity is not None and identity.impersonation is not None:
        notes.append(f"its issuer resembles {identity.impersonation.resembles}, which it is not proven to be")
    revocation = result.check("revocation")
    if revocation is not None and revocation.outcome.value == "warn":
        notes.append("the issuer offers no way to check whether it was withdrawn")
    if notes:
        sentence += " Note: " + "; ".join(notes) + "."
    return sentence


def _failed(result: VerificationResult, decisive: Check) -> str:
    message = decisive.message
    lowered = message.lower()
    check_id = decisive.id
    if check_id == "revocation":
        when = _first_date(message)
        return "Withdrawn by its issuer" + (f" on {when}" if when else "") + "."
    if check_id == "expiry":
        if "expired" in lowered:
            when = human_date(result.expires) or _first_date(message)
            return "Genuine, but expired" + (f" on {when}" if when else "") + "."
        if "future" in lowered or "not valid until" in lowered:
            when = _first_date(message)
            return "Not valid yet" + (f": it only becomes valid on {when}" if when else "") + "."
        return f"Its dates are not valid: {message}."
    if check_id == "recipient":
        return "Issued to someone else: the badge's recipient is not this candidate's email."
    if check_id == "issuer":
        return f"Not from the issuer it names: {message}."
    if check_id == "hosted":
        return f"Not genuine: it is not served where its issuer says its badges live ({message})."
    if check_id == "signature":
        return f"Not genuine: its signature does not prove it came unaltered from its issuer ({message})."
    if check_id == "structure":
        return f"Not genuine: its content is inconsistent ({message})."
    if check_id == "credentials":
        return f"One or more credentials inside it are not valid ({message})."
    return f"Not valid: {message}."


def _error(decisive: Check) -> str:
    message = decisive.message
    check_id = decisive.id
    if check_id == "revocation":
        lead = "Couldn't check whether it was withdrawn: the issuer's list did not answer"
    elif check_id == "fetch":
        lead = "Couldn't be checked: the badge or a document it depends on could not be obtained"
    elif check_id == "structure":
        lead = "Couldn't be checked: the file is not a credential this tool can read"
    elif check_id == "signature":
        lead = "Couldn't check its signature"
    elif check_id == "issuer":
        lead = "Couldn't confirm its issuer"
    elif check_id == "recipient":
        lead = "Couldn't compare its recipient with the candidate"
    else:
        lead = "Couldn't be checked"
    detail = f" ({message})" if message else ""
    return f"{lead}{detail} — {NOTHING_BAD}."


def summarize(result: VerificationResult) -> str:
    """The recruiter's sentence for ``result`` (see the module docstring)."""
    from verifier.models import Status, decisive_check

    if result.status is Status.VERIFIED:
        return _verified(result)
    decisive = decisive_check(result.checks)
    if decisive is None:  # pragma: no cover - make_result never builds this
        return f"Couldn't be checked — {NOTHING_BAD}."
    if result.status is Status.FAILED:
        return _failed(result, decisive)
    return _error(decisive)
