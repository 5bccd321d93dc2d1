"""Proofs on W3C Verifiable Credentials / Open Badges 3.0: Data Integrity.

The interface:

- :func:`verify_proofs` (async) ``(document, session, *, issuer_id, purpose="assertionMethod")
  -> list[ProofReport]``: one report per proof (an object or a proof set /
  chain); never raises for bad input.
- :class:`ProofReport`: ``type``, ``cryptosuite``, ``verification_method``,
  ``created``, ``valid`` (True / False / None = could not be determined),
  ``message``, ``problem`` (a :class:`Problem` code), ``signature_valid``,
  ``controller``, ``key_binding`` and the proof's ``purpose``, ``expires``, ``proof_id``.
- :func:`sign` ``(document, *, private_key, verification_method, cryptosuite,
  created, purpose="assertionMethod", proof_type="DataIntegrityProof", ...) -> dict``:
  a signed copy, for eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019,
  ecdsa-jcs-2019 and Ed25519Signature2020.

Suites live in :mod:`verifier.proofs.suites`, the algorithm in
:mod:`verifier.proofs.data_integrity`; keys are resolved by :mod:`verifier.did`.
"""

from __future__ import annotations

from verifier.proofs.data_integrity import Problem, ProofReport, sign, verify_proofs
from verifier.proofs.suites import SUITES

__all__ = ["SUITES", "Problem", "ProofReport", "sign", "verify_proofs"]
