"""Open Badges 3.0 / W3C Verifiable Credentials verification. Not yet implemented."""

from __future__ import annotations

from typing import Any

from verifier.models import CheckId, Format, VerificationResult, error_result
from verifier.session import Session


async def verify_vc_json(doc: dict[str, Any], session: Session, *, input: str) -> VerificationResult:
    """Verify a JSON-LD verifiable credential, presentation or CLR."""
    return error_result(
        input, CheckId.SIGNATURE, "verifiable credential verification is not available yet", format=Format.VC.value
    )


async def verify_vc_jwt(token: str, session: Session, *, input: str) -> VerificationResult:
    """Verify a VC-JWT / VC-JOSE credential."""
    return error_result(input, CheckId.SIGNATURE, "VC-JWT verification is not available yet", format=Format.VC.value)
