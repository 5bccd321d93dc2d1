"""SkillProof's credential verifier: Open Badges 2.0 / 3.0 and W3C Verifiable Credentials.

A library in its own right (no UI imports). The entry points:

- :func:`verifier.pipeline.verify_input` / :func:`verifier.pipeline.verify_batch`
  with a :class:`verifier.session.Session` around a :class:`verifier.fetch.Fetcher`;
- ``python -m verifier verify`` (:mod:`verifier.cli`).

Results are :class:`verifier.models.VerificationResult` objects.
"""

from __future__ import annotations

__version__ = "0.1.0"
