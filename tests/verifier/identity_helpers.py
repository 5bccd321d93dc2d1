"""Signed credentials, DID documents, registries and OIDF statements for the identity tests.

Every key is made fresh with ``cryptography``; every signature is real.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jwt
from joserfc.jwk import ECKey

from verifier import keys

VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DIDCONF = "https://identity.foundation/.well-known/did-configuration/v1"
NOW = 1_780_000_000  # 2026-05-28


def b64url(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Signer:
    """An Ed25519 key and the DID / key id it signs as."""

    key: ed25519.Ed25519PrivateKey
    did: str
    kid: str

    @classmethod
    def did_key(cls) -> Signer:
        key = ed25519.Ed25519PrivateKey.generate()
        did = keys.did_key_from_public_key(key.public_key())
        return cls(key, did, f"{did}#{did.removeprefix('did:key:')}")

    @classmethod
    def did_web(cls, did: str) -> Signer:
        return cls(ed25519.Ed25519PrivateKey.generate(), did, f"{did}#key-1")

    def did_document(self) -> dict[str, Any]:
        jwk = keys.jwk_from_public_key(self.key.public_key())
        return {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": self.did,
            "verificationMethod": [
                {"id": self.kid, "type": "JsonWebKey2020", "controller": self.did, "publicKeyJwk": jwk}
            ],
            "assertionMethod": [self.kid],
        }

    def jws(self, payload: dict[str, Any], *, typ: str = "vc+jwt") -> str:
        header = {"alg": "EdDSA", "typ": typ, "kid": self.kid}
        signing_input = f"{b64url(json.dumps(header))}.{b64url(json.dumps(payload))}"
        return f"{signing_input}.{b64url(self.key.sign(signing_input.encode()))}"


def credential(issuer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An Open Badges 3.0 credential (its context defines the issuer's ``url``)."""
    doc: dict[str, Any] = {
        "@context": [VC2, OB3],
        "id": "urn:uuid:5b0c1d1e-2f0a-4f7e-9d43-6a1c2b3d4e5f",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"type": ["Profile"], **issuer},
        "name": "Cloud Architecture",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:holder",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:0c9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6c",
                "type": ["Achievement"],
                "name": "Cloud Architecture",
                "description": "Designs cloud systems.",
                "criteria": {"narrative": "Passed the exam."},
            },
        },
    }
    doc.update(extra)
    return doc


def vc_jwt(signer: Signer, *, name: str | None = None, url: str | None = None) -> str:
    issuer: dict[str, Any] = {"id": signer.did}
    if name is not None:
        issuer["name"] = name
    if url is not None:
        issuer["url"] = url
    return signer.jws(credential(issuer))


def linkage_jwt(signer: Signer, origin: str, *, nbf: int = NOW - 86400, exp: int = NOW + 86400 * 365) -> str:
    """A Domain Linkage Credential in the JWT proof format (DIF did-configuration §"JSON Web Token Proof Format")."""
    payload = {
        "iss": signer.did,
        "sub": signer.did,
        "nbf": nbf,
        "exp": exp,
        "vc": {
            "@context": [VC1, DIDCONF],
            "type": ["VerifiableCredential", "DomainLinkageCredential"],
            "credentialSubject": {"id": signer.did, "origin": origin},
        },
    }
    return signer.jws(payload, typ="JWT")


def registry_document(entries: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"meta": {"created": "2025-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}, "registry": entries}


class Anchor:
    """An OpenID Federation trust anchor with an ES256 key (joserfc-signed JWTs)."""

    def __init__(self, entity_id: str, fetch_endpoint: str) -> None:
        self.entity_id = entity_id
        self.fetch_endpoint = fetch_endpoint
        self.key = ECKey.generate_key("P-256", parameters={"kid": "anchor-1"})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def sign(self, claims: dict[str, Any], key: ECKey | None = None) -> str:
        use = key or self.key
        header = {"alg": "ES256", "typ": "entity-statement+jwt", "kid": use.kid}
        return jwt.encode(header, claims, use)

    def entity_configuration(self, *, exp: int = NOW + 86400) -> str:
        return self.sign(
            {
                "iss": self.entity_id,
                "sub": self.entity_id,
                "iat": NOW - 60,
                "exp": exp,
                "jwks": self.jwks(),
                "metadata": {"federation_entity": {"federation_fetch_endpoint": self.fetch_endpoint}},
            }
        )

    def statement(self, sub: str, name: str, *, exp: int = NOW + 86400, key: ECKey | None = None) -> str:
        return self.sign(
            {
                "iss": self.entity_id,
                "sub": sub,
                "iat": NOW - 60,
                "exp": exp,
                "metadata": {"federation_entity": {"organization_name": name, "homepage_uri": "https://org.example"}},
            },
            key,
        )


def es256_raw(signature_der: bytes) -> bytes:
    r, s = decode_dss_signature(signature_der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


__all__ = ["Anchor", "Signer", "credential", "ec", "linkage_jwt", "registry_document", "vc_jwt"]
