"""Hypothesis strategies for badge-shaped data: JSON values, OB 2.0 assertions, OB 3.0 / VC credentials, JWS."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

OB2 = "https://w3id.org/openbadges/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

text = st.text(max_size=40)
urls = st.one_of(
    st.sampled_from(
        [
            "https://issuer.example/issuer.json",
            "https://issuer.example/badge.json",
            "https://issuer.example/a/1",
            "http://127.0.0.1/x",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "did:web:issuer.example",
            "did:jwk:eyJrdHkiOiJPS1AifQ",
            "urn:uuid:00000000-0000-4000-8000-000000000000",
            "_:b0",
            "#key-1",
            "",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ]
    ),
    st.builds(lambda host, path: f"https://{host}/{path}", st.from_regex(r"[a-z]{1,8}\.example", fullmatch=True), text),
)
dates = st.one_of(
    st.sampled_from(
        ["2024-03-01T12:00:00Z", "2024-03-01", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "not a date"]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.integers(min_value=-(2**63), max_value=2**63),
    text,
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text, urls)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.one_of(text, urls), children, max_size=4)
    ),
    max_leaves=12,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The strategy, or any JSON value instead (a wrong type)."""
    return st.one_of(strategy, strategy, strategy, json_values)


identity_objects = st.fixed_dictionaries(
    {},
    optional={
        "type": maybe(st.sampled_from(["email", "url", "telephone", "id"])),
        "hashed": maybe(st.booleans()),
        "salt": maybe(text),
        "identity": maybe(st.one_of(text, st.just("sha256$" + "0" * 64), st.just("ada@example.org"))),
    },
)
ob2_assertions = st.fixed_dictionaries(
    {"@context": maybe(st.sampled_from([OB2, [OB2], VC1]))},
    optional={
        "type": maybe(st.sampled_from(["Assertion", ["Assertion"], "BadgeClass"])),
        "id": maybe(urls),
        "recipient": maybe(identity_objects),
        "badge": maybe(st.one_of(urls, st.dictionaries(text, json_values, max_size=4))),
        "verification": maybe(
            st.fixed_dictionaries(
                {"type": maybe(st.sampled_from(["hosted", "HostedBadge", "signed", "SignedBadge", "x"]))},
                optional={"creator": maybe(urls), "allowedOrigins": maybe(st.lists(text, max_size=3))},
            )
        ),
        "issuedOn": maybe(dates),
        "expires": maybe(dates),
        "revoked": maybe(st.booleans()),
        "evidence": json_values,
    },
)
issuers = st.one_of(urls, st.fixed_dictionaries({"id": maybe(urls)}, optional={"name": text, "type": json_values}))
vc_credentials = st.fixed_dictionaries(
    {"@context": maybe(st.sampled_from([[VC2, OB3], [VC1], [VC2], VC2, [VC1, OB3], [VC2, {"@vocab": "https://x/"}]]))},
    optional={
        "type": maybe(
            st.sampled_from(
                [
                    ["VerifiableCredential", "OpenBadgeCredential"],
                    ["VerifiableCredential"],
                    ["VerifiablePresentation"],
                    ["VerifiableCredential", "ClrCredential"],
                ]
            )
        ),
        "id": maybe(urls),
        "issuer": maybe(issuers),
        "validFrom": maybe(dates),
        "validUntil": maybe(dates),
        "issuanceDate": maybe(dates),
        "expirationDate": maybe(dates),
        "credentialSubject": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": maybe(urls),
                    "type": json_values,
                    "identifier": json_values,
                    "achievement": json_values,
                },
            )
        ),
        "credentialStatus": json_values,
        "verifiableCredential": maybe(st.lists(json_values, max_size=2)),
        "proof": maybe(
            st.fixed_dictionaries(
                {
                    "type": maybe(
                        st.sampled_from(["DataIntegrityProof", "Ed25519Signature2020", "JsonWebSignature2020"])
                    )
                },
                optional={
                    "cryptosuite": maybe(st.sampled_from(["eddsa-rdfc-2022", "ecdsa-jcs-2019", "eddsa-jcs-2022", "x"])),
                    "verificationMethod": maybe(urls),
                    "proofPurpose": maybe(st.sampled_from(["assertionMethod", "authentication"])),
                    "proofValue": maybe(st.sampled_from(["z3FXQ", "zzzz", "", "u123"])),
                    "created": maybe(dates),
                },
            )
        ),
    },
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def as_segment(value: Any) -> str:
    return b64url(json.dumps(value).encode())


jws_headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": maybe(st.sampled_from(["EdDSA", "ES256", "ES384", "RS256", "PS256", "none", "HS256"])),
        "kid": maybe(urls),
        "typ": maybe(st.sampled_from(["JWT", "vc+jwt", "vc+ld+json+jwt", "vp+jwt"])),
        "jwk": maybe(
            st.fixed_dictionaries(
                {"kty": maybe(st.sampled_from(["OKP", "EC", "RSA"]))},
                optional={"crv": maybe(st.sampled_from(["Ed25519", "P-256"])), "x": text, "y": text, "n": text},
            )
        ),
        "crit": json_values,
    },
)
jws_payloads = st.one_of(
    ob2_assertions,
    vc_credentials,
    st.fixed_dictionaries(
        {"vc": maybe(vc_credentials)},
        optional={"iss": maybe(urls), "jti": maybe(urls), "sub": maybe(urls), "nbf": maybe(dates), "exp": maybe(dates)},
    ),
)
structured_tokens = st.builds(
    lambda h, p, s: f"{as_segment(h)}.{as_segment(p)}.{b64url(s)}",
    maybe(jws_headers),
    jws_payloads,
    st.binary(max_size=80),
)
raw_tokens = st.one_of(
    st.from_regex(r"[A-Za-z0-9_\-]{0,30}\.[A-Za-z0-9_\-]{0,30}\.[A-Za-z0-9_\-]{0,30}", fullmatch=True),
    st.text(alphabet="ABCabc0123-_.=+/ ", max_size=60),
)
tokens = st.one_of(structured_tokens, structured_tokens, raw_tokens)
