"""Detection and whole documents: any bytes give a detection or an InputError; any badge-shaped JSON gives a result.

Badge-shaped documents (OB 2.0 assertions, OB 3.0 / VC credentials and
presentations) built by hypothesis go through the whole pipeline with no
network (every request answers 404): each gives a result with a reason,
never an internal error, and never ``verified``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.strategies import json_values, ob2_assertions, urls, vc_credentials
from tests.fuzz.support import assert_handled, assert_readable, verify_offline
from verifier.detect import Detected, detect
from verifier.errors import InputError
from verifier.models import Status

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

RAW_INPUTS: dict[str, st.SearchStrategy[Any]] = {
    "any-bytes": st.binary(max_size=300),
    "any-text": st.text(max_size=300),
    "json-values": json_values.map(json.dumps),
    "json-like-text": st.text(alphabet='{}[]":,0123456789abc\\ ', max_size=200),
    "svg-like-text": st.builds(lambda body: f"<svg>{body}</svg>", st.text(max_size=200)),
    "xml-declared": st.builds(lambda body: f'<?xml version="1.0"?>{body}', st.text(max_size=200)),
    "png-signature-then-bytes": st.binary(max_size=300).map(lambda b: PNG_SIGNATURE + b),
    "url-like": st.one_of(urls, st.builds(lambda t: "https://" + t, st.text(max_size=80))),
    "quoted-token": st.builds(lambda t: json.dumps(t), st.text(alphabet="abcXYZ019-_.", max_size=60)),
}


@pytest.mark.parametrize("strategy", list(RAW_INPUTS.values()), ids=list(RAW_INPUTS))
def test_detect_gives_a_detection_or_an_input_error_for_any_input(strategy: st.SearchStrategy[Any]) -> None:
    @given(strategy)
    def check(data: bytes | str) -> None:
        try:
            detected = detect(data, filename="input")
        except InputError as exc:
            assert_readable(exc)
            return
        assert isinstance(detected, Detected)
        assert detected.kind in ("url", "json", "jws", "png", "svg")
        if detected.kind == "json":
            assert isinstance(detected.value, dict)

    check()


DOCUMENTS: dict[str, st.SearchStrategy[Any]] = {
    "ob2-assertion": ob2_assertions,
    "vc-credential": vc_credentials,
    "presentation-of-credentials": st.builds(
        lambda creds, ctx: {
            "@context": ctx,
            "type": ["VerifiablePresentation"],
            "verifiableCredential": creds,
        },
        st.lists(st.one_of(vc_credentials, ob2_assertions, json_values), max_size=3),
        st.sampled_from([["https://www.w3.org/ns/credentials/v2"], ["https://www.w3.org/2018/credentials/v1"]]),
    ),
    "any-json-object": st.dictionaries(st.text(max_size=20), json_values, max_size=6),
}


@pytest.mark.parametrize("strategy", list(DOCUMENTS.values()), ids=list(DOCUMENTS))
def test_any_badge_shaped_document_gives_a_result_never_a_crash(strategy: st.SearchStrategy[Any]) -> None:
    @given(strategy, st.sampled_from([(), ("ada@example.org",)]))
    def check(doc: dict[str, Any], emails: tuple[str, ...]) -> None:
        result = verify_offline(json.dumps(doc), filename="badge.json", emails=emails)
        assert_handled(result)
        assert result.status is not Status.VERIFIED  # nothing can be verified with every issuer answering 404

    check()
