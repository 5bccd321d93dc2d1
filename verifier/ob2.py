"""Open Badges 2.0 verification (hosted and signed). Not yet implemented."""

from __future__ import annotations

from typing import Any

from verifier.models import CheckId, Format, VerificationResult, error_result
from verifier.session import Session


async def verify_hosted(assertion: dict[str, Any], session: Session, *, input: str) -> VerificationResult:
    """Verify an OB 2.0 hosted assertion."""
    return error_result(
        input, CheckId.STRUCTURE, "OB 2.0 hosted verification is not available yet", format=Format.OB2_HOSTED.value
    )


async def verify_signed(token: str, session: Session, *, input: str) -> VerificationResult:
    """Verify an OB 2.0 signed assertion (compact JWS)."""
    return error_result(
        input, CheckId.STRUCTURE, "OB 2.0 signed verification is not available yet", format=Format.OB2_SIGNED.value
    )
