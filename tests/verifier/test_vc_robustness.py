"""Arbitrary input never crashes the OB 3.0 / VC code: it raises the typed error it documents, or reports."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import jose, ob3, status
from verifier.errors import DocumentError

pytestmark = pytest.mark.slow  # property tests: each runs many examples

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "@context",
        "id",
        "type",
        "issuer",
        "credentialSubject",
        "achievement",
        "alignment",
        "identifier",
        "result",
        "tag",
        "name",
        "validFrom",
        "credentialStatus",
        "statusListIndex",
        "endorsement",
    ]
)
documents = st.dictionaries(KEYS, json_values, max_size=8)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@FAST
@given(st.text(max_size=80))
def test_parse_compact_only_raises_document_error(token: str) -> None:
    with contextlib.suppress(DocumentError):
        jose.parse_compact(token)


@FAST
@given(documents, st.dictionaries(st.sampled_from(["iss", "sub", "jti", "nbf", "exp"]), json_values, max_size=5))
def test_claim_mapping_only_raises_document_error(vc: dict[str, Any], claims: dict[str, Any]) -> None:
    for payload in ({"vc": vc, **claims}, {"vp": vc, **claims}, {**vc, **claims}):
        with contextlib.suppress(DocumentError):
            jose.credential_from_claims(payload)
        token = f"{_b64({'alg': 'EdDSA'})}.{_b64(payload)}.c2ln"
        with contextlib.suppress(DocumentError):
            jose.credential_from_claims(jose.parse_compact(token).payload)


@FAST
@given(documents)
def test_reading_a_credential_never_raises(doc: dict[str, Any]) -> None:
    ob3.classify(doc)
    ob3.issuer_info(doc)
    ob3.achievement_info(doc)
    ob3.skills(doc)
    ob3.dates_of(doc)
    ob3.recipient_check(doc, ("ada@example.org",))


@FAST
@given(documents)
def test_status_entries_parse_or_raise_status_error(doc: dict[str, Any]) -> None:
    with contextlib.suppress(status.StatusError):
        status.parse_entries(doc)


@FAST
@given(json_values)
def test_status_list_decoding_only_raises_status_error(value: Any) -> None:
    for multibase in (True, False):
        with contextlib.suppress(status.StatusError):
            status.decode_list(value, multibase=multibase)
