"""Rebuild the sample workspace deterministically: ``python sample_data/generate.py``.

Everything here is fictional: people (``example.org`` / ``example.com``
addresses) and issuers (hosts under ``.example``). Keys are fixed and
committed under ``sample_data/keys/`` (created on the first run only), all
randomness comes from one seeded generator, and every signature scheme used
(RS256, Ed25519) is deterministic, so a rerun rewrites identical files.

Validity windows are set relative to fixed dates far from today rather than
to a pinned verification clock, so the sample verifies the same way with the
real current time until 2099: valid badges were issued in 2024–2025 and
expire in 2099 (or never); "expired" ones expired on 2025-06-30;
"not yet valid" ones become valid on 2099-01-01.

What it writes (see ``sample_data/README.md``):

- ``candidates.csv``: an ATS export (30 people, one row each, badge links in
  one column);
- ``badges.csv``: one row per badge (candidate id, email, badge URL or file
  path relative to this folder) — the input list for the verifier;
- ``files/<candidate>/``: badges handed in as files (signed JWS, OB 3.0
  JSON, VC-JWT, baked PNG / SVG);
- ``issuers/<host>/``: what each fictional issuer serves, for
  :class:`verifier.offline.OfflineTransport`;
- ``expected.json``: the outcome each badge is built to have;
- ``resumes/``: résumés (PDF written by fpdf2, DOCX by python-docx) and a
  LinkedIn export, with hyperlinked badges, a Credly profile link whose
  listing is served from ``issuers/www.credly.com/`` and unlinked claims,
  for the Import page's "Résumés and profiles" section (their badges are not
  in ``badges.csv`` / ``expected.json``; ``resumes/README.md`` lists them).
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import json
import random
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from verifier import baked, proofs  # noqa: E402
from verifier import keys as vkeys  # noqa: E402

SEED = 20250601
KEYS = HERE / "keys"
ISSUERS = HERE / "issuers"
FILES = HERE / "files"
RESUMES = HERE / "resumes"
FIXED_TIME = (2025, 6, 1, 0, 0, 0)

NORTHWIND = "https://badges.northwind.example"  # OB 2.0 hosted (and baked)
CONTOSO = "https://learn.contoso.example"  # OB 2.0 signed
FABRIKAM_STATUS = "https://status.fabrikam.example"  # OB 3.0 Data Integrity issuer's status lists
TAILSPIN_STATUS = "https://status.tailspin.example"  # OB 3.0 VC-JWT issuer's status lists
MISSING_HOST = "https://badges.vanished.example"  # an issuer that no longer answers (couldn't verify)
# Issuer identity (verifier/identity.py), one issuer per level:
REGISTRY_URL = "https://registry.sample.example/registry.json"  # where the fictional registry would be published
REGISTRY_NAME = "SkillProof Sample Registry"
TREY = ("Trey Research Institute", "https://www.treyresearch.example")  # did:key, listed in the registry
WOODGROVE_DID = "did:web:academy.woodgrove.example"  # did:web: the DID names the host serving its document
WOODGROVE = ("Woodgrove Academy", "https://academy.woodgrove.example")
FABRIKAM_SITE = "https://www.fabrikam.example"  # publishes a DID configuration linking Fabrikam's did:key
# An impersonator: a fresh did:key claiming Trey Research's name (a Cyrillic "е" in "Trey") and website.
IMPOSTOR = ("Tr\u0435y Research Institute", "https://www.treyresearch.example")

VALID_ISSUED = ("2024-03-11", "2024-09-02", "2025-01-20", "2025-04-14", "2025-05-05")
VALID_UNTIL = "2099-12-31T23:59:59Z"
EXPIRED_AT = "2025-06-30T00:00:00Z"
NOT_BEFORE = "2099-01-01T00:00:00Z"

OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
FRAMEWORK = "SkillProof Sample Skills"
FRAMEWORK_URL = "https://skills.sample.example/framework"

# (skill name, code). Names follow the skills catalogue and the sample roles (sample_data/roles/).
SKILLS: list[tuple[str, str]] = [
    ("Python", "SK-PY"), ("SQL", "SK-SQL"), ("Data Analysis", "SK-DA"), ("Machine Learning", "SK-ML"),
    ("Statistics", "SK-STAT"), ("Data Visualization", "SK-VIZ"), ("Microsoft Excel", "SK-XLS"),
    ("Power BI", "SK-PBI"), ("Tableau", "SK-TAB"), ("Cloud Computing", "SK-CLOUD"),
    ("Amazon Web Services", "SK-AWS"), ("Kubernetes", "SK-K8S"), ("Docker", "SK-DOCKER"), ("Linux", "SK-LINUX"),
    ("Terraform", "SK-TF"), ("Monitoring and observability", "SK-OBS"), ("CI/CD", "SK-CICD"), ("Git", "SK-GIT"),
    ("Cybersecurity", "SK-SEC"), ("Network Security", "SK-NETSEC"), ("Cloud security", "SK-CLOUDSEC"),
    ("Security information and event management", "SK-SIEM"), ("Incident response", "SK-IR"),
    ("Threat intelligence", "SK-TI"), ("Vulnerability management", "SK-VM"), ("Risk assessment", "SK-RA"),
    ("JavaScript", "SK-JS"), ("React", "SK-REACT"), ("UX Design", "SK-UX"),
    ("Project Management", "SK-PM"), ("Agile Methods", "SK-AGILE"), ("Scrum", "SK-SCRUM"), ("PRINCE2", "SK-P2"),
    ("Risk management", "SK-RM"), ("Budget management", "SK-BUDGET"), ("Stakeholder management", "SK-STAKE"),
    ("Leadership", "SK-LEAD"), ("Communication", "SK-COMM"), ("Stakeholder Communication", "SK-SCOMM"),
    ("Nursing", "SK-NURSE"), ("Patient assessment", "SK-PA"), ("Medication administration", "SK-MED"),
    ("Basic Life Support", "SK-BLS"), ("Infection control", "SK-IC"), ("Safeguarding", "SK-SAFE"),
    ("Electronic health records", "SK-EHR"), ("Wound care", "SK-WOUND"),
]  # fmt: skip

# Badge (achievement) templates: name -> the skills it aligns to. Index 2 is used by the tampered cases.
ACHIEVEMENTS: list[tuple[str, list[str]]] = [
    ("Python Programming Foundations", ["Python", "Git"]),
    ("Applied Data Analysis", ["Data Analysis", "SQL", "Statistics"]),
    ("Machine Learning Practitioner", ["Machine Learning", "Python", "Statistics"]),
    ("Dashboards and Data Visualization", ["Data Visualization", "SQL"]),
    ("Cloud Infrastructure Associate", ["Cloud Computing", "Linux"]),
    ("Container Orchestration", ["Kubernetes", "Docker"]),
    ("Secure Systems Defender", ["Cybersecurity", "Network Security", "Linux"]),
    ("Modern Front-End Developer", ["JavaScript", "React", "Git"]),
    ("User Experience Design", ["UX Design", "Stakeholder Communication"]),
    ("Agile Project Leadership", ["Project Management", "Agile Methods", "Leadership"]),
    ("Continuous Delivery Engineer", ["CI/CD", "Docker", "Git"]),
    ("SQL for Analysts", ["SQL", "Data Analysis"]),
    ("Spreadsheet Analytics with Excel", ["Microsoft Excel", "Data Analysis"]),
    ("Business Intelligence with Power BI and Tableau", ["Power BI", "Tableau", "Data Visualization"]),
    ("Professional Communication", ["Communication", "Stakeholder management"]),
    ("AWS Cloud Practitioner", ["Amazon Web Services", "Cloud Computing"]),
    ("Infrastructure as Code with Terraform", ["Terraform", "CI/CD"]),
    ("Observability Engineer", ["Monitoring and observability", "Linux"]),
    (
        "Security Operations Analyst",
        ["Security information and event management", "Incident response", "Threat intelligence"],
    ),
    ("Vulnerability Management Specialist", ["Vulnerability management", "Risk assessment"]),
    ("Cloud Security Fundamentals", ["Cloud security", "Amazon Web Services"]),
    ("PRINCE2 Foundation", ["PRINCE2", "Project Management", "Risk management"]),
    ("Scrum Master", ["Scrum", "Agile Methods", "Leadership"]),
    ("Budgeting for Project Leads", ["Budget management", "Stakeholder management"]),
    ("Registered Nurse Clinical Skills", ["Nursing", "Patient assessment", "Medication administration"]),
    ("Basic Life Support Provider", ["Basic Life Support"]),
    ("Infection Prevention and Control", ["Infection control", "Safeguarding"]),
    ("Electronic Health Records in Practice", ["Electronic health records", "Communication"]),
    ("Wound Care Essentials", ["Wound care", "Patient assessment"]),
]

# What each job title's holders mostly earn (a candidate's badges follow their track, with some variety).
TRACKS: dict[str, list[int]] = {
    "Data Analyst": [1, 3, 11, 12, 13, 0, 14],
    "BI Developer": [3, 11, 12, 13, 1, 14],
    "Junior Data Scientist": [0, 1, 2, 3, 11],
    "Cloud Engineer": [4, 5, 15, 16, 17, 10, 20],
    "DevOps Engineer": [5, 10, 16, 17, 4, 15],
    "Security Analyst": [6, 18, 19, 20, 14],
    "Project Coordinator": [9, 21, 22, 23, 14],
    "Front-End Developer": [7, 0, 8, 10],
    "UX Designer": [8, 7, 14],
    "Registered Nurse": [24, 25, 26, 27, 28, 14],
}

FIRST = [
    "Avery", "Bryn", "Caspian", "Delphine", "Emrys", "Farah", "Gideon", "Halley", "Ines", "Jory",
    "Kestrel", "Linnea", "Marlow", "Nadia", "Orrin", "Perpetua", "Quill", "Rosalind", "Soren", "Tamsin",
    "Ulla", "Vesper", "Wren", "Xanthe", "Yusuf", "Zinnia", "Anselm", "Beatrix", "Cosimo", "Dagny",
]  # fmt: skip
LAST = [
    "Quillfeather", "Ashdown", "Brightwater", "Corbel", "Dunmore", "Eversley", "Fairweather", "Grimsby",
    "Hollowell", "Ironside", "Juniper", "Kettleby", "Larkspur", "Merriweather", "Nettlefold", "Oakhurst",
    "Pennywhistle", "Quarrington", "Rookwood", "Stillwater", "Thistlewood", "Underhill", "Valentyne",
    "Whitlock", "Yarrow", "Zephyrine", "Applegarth", "Blackthorn", "Copperfield", "Dewberry",
]  # fmt: skip
TITLES = list(TRACKS)
CITIES = ["Lisbon", "Leeds", "Lyon", "Utrecht", "Gdańsk", "Tallinn", "Porto", "Bristol", "Ghent", "Aarhus"]

# The problem cases, in the order they are handed out (the rest are valid).
# kind -> (format family, expected status)
CASES: list[tuple[str, str, str]] = [
    ("revoked", "ob2-hosted", "failed"),
    ("revoked-flag", "ob2-hosted", "failed"),
    ("expired", "ob2-hosted", "failed"),
    ("wrong-recipient", "ob2-hosted", "failed"),
    ("issuer-gone", "ob2-hosted", "error"),
    ("revoked", "ob2-signed", "failed"),
    ("tampered", "ob2-signed", "failed"),
    ("expired", "ob2-signed", "failed"),
    ("revoked", "ob3-di", "failed"),
    ("tampered", "ob3-di", "failed"),
    ("expired", "ob3-di", "failed"),
    ("not-yet-valid", "ob3-di", "failed"),
    ("wrong-recipient", "ob3-di", "failed"),
    ("status-unreachable", "ob3-di", "error"),
    ("revoked", "ob3-jwt", "failed"),
    ("expired", "ob3-jwt", "failed"),
    ("tampered", "ob3-jwt", "failed"),
    ("not-yet-valid", "ob3-jwt", "failed"),
    ("wrong-recipient", "baked-png", "failed"),
    ("tampered", "baked-svg", "failed"),
]
FAMILIES = ["ob2-hosted", "ob2-signed", "ob3-di", "ob3-jwt", "baked-png", "baked-svg"]


# -- helpers ---------------------------------------------------------------


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def _hash_email(email: str, salt: str) -> str:
    # OB 2.0 §IdentityObject / OB 3.0 §IdentityObject: "sha256$" + hex(sha256(identity + salt))
    return "sha256$" + hashlib.sha256((email.lower() + salt).encode()).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _ed25519_key(name: str) -> ed25519.Ed25519PrivateKey:
    path = KEYS / f"{name}-ed25519.pem"
    if not path.exists():
        KEYS.mkdir(parents=True, exist_ok=True)
        key = ed25519.Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(f"skillproof-sample-{name}".encode()).digest()
        )
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    return loaded


def _rsa_key(name: str) -> rsa.RSAPrivateKey:
    path = KEYS / f"{name}-rsa.pem"
    if not path.exists():
        KEYS.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def _bitstring(revoked: list[int], size: int = 131072) -> str:
    """Bitstring Status List v1.0 §3.1: GZIP, then base64url with multibase prefix ``u``;
    index 0 is the most significant bit of the first byte; 16 KB minimum."""
    bits = bytearray(size // 8)
    for i in revoked:
        bits[i // 8] |= 0x80 >> (i % 8)
    return "u" + _b64url(gzip.compress(bytes(bits), mtime=0))


def _tamper_jws(token: str, change: Callable[[dict[str, Any]], None]) -> str:
    head, payload, sig = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(body)
    return ".".join([head, _b64url(json.dumps(body, separators=(",", ":")).encode()), sig])


# -- the people --------------------------------------------------------------


@dataclass
class Candidate:
    """One fictional applicant."""

    id: str
    first: str
    last: str
    email: str
    title: str
    city: str
    badges: list[dict[str, str]] = field(default_factory=list)
    achievements: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def make_candidates(rng: random.Random) -> list[Candidate]:
    """30 applicants with example.org / example.com addresses."""
    out = []
    for i, (first, last) in enumerate(zip(FIRST, LAST, strict=True)):
        domain = "example.org" if i % 3 else "example.com"
        out.append(
            Candidate(
                id=f"C{i + 1:03d}",
                first=first,
                last=last,
                email=f"{first.lower()}.{last.lower()}@{domain}",
                title=rng.choice(TITLES),
                city=rng.choice(CITIES),
            )
        )
    return out


# -- the issuers -------------------------------------------------------------


class Workspace:
    """Builds issuers' documents and the badges, recording the expected outcome of each."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.expected: list[dict[str, Any]] = []
        self.contoso_key = _rsa_key("contoso")
        self.fabrikam_key = _ed25519_key("fabrikam")
        self.tailspin_key = _ed25519_key("tailspin")
        self.fabrikam_did = vkeys.did_key_from_public_key(self.fabrikam_key.public_key())
        self.tailspin_did = vkeys.did_key_from_public_key(self.tailspin_key.public_key())
        self.fabrikam_revoked: list[int] = []
        self.tailspin_revoked: list[int] = []
        self.contoso_revoked: list[str] = []
        self.status_index = {"fabrikam": 0, "tailspin": 0}
        self.baked_png = baked.bake_png
        self.baked_svg = baked.bake_svg
        self.sign_di = proofs.sign

    def uid(self) -> str:
        return f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def pick(self, cand: Candidate) -> tuple[str, list[str]]:
        """An achievement this candidate does not hold yet, mostly from their job title's track."""
        track = [ACHIEVEMENTS[i] for i in TRACKS[cand.title] if ACHIEVEMENTS[i][0] not in cand.achievements]
        rest = [a for a in ACHIEVEMENTS if a[0] not in cand.achievements]
        name, skills = self.rng.choice(track if track and self.rng.random() < 0.85 else rest)
        cand.achievements.add(name)
        return name, skills

    def salt(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    # OB 2.0 hosted: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#HostedBadge
    def write_ob2_issuers(self) -> None:
        nw = ISSUERS / "badges.northwind.example"
        _dump(
            nw / "issuer.json",
            {
                "@context": OB2_CONTEXT,
                "type": "Issuer",
                "id": f"{NORTHWIND}/issuer",
                "name": "Northwind Academy",
                "url": NORTHWIND,
                "email": "badges@northwind.example",
            },
        )
        ct = ISSUERS / "learn.contoso.example"
        pem = (
            self.contoso_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        _dump(
            ct / "issuer.json",
            {
                "@context": OB2_CONTEXT,
                "type": "Issuer",
                "id": f"{CONTOSO}/issuer",
                "name": "Contoso Learning",
                "url": CONTOSO,
                "email": "credentials@contoso.example",
                "publicKey": f"{CONTOSO}/keys/1",
                "revocationList": f"{CONTOSO}/revocations",
            },
        )
        _dump(
            ct / "keys" / "1.json",
            {
                "@context": OB2_CONTEXT,
                "type": "CryptographicKey",
                "id": f"{CONTOSO}/keys/1",
                "owner": f"{CONTOSO}/issuer",
                "publicKeyPem": pem,
            },
        )
        for base, folder in ((NORTHWIND, nw), (CONTOSO, ct)):
            for name, skills in ACHIEVEMENTS:
                _dump(folder / "badges" / f"{_slug(name)}.json", self.ob2_badgeclass(base, name, skills))

    def ob2_badgeclass(self, base: str, name: str, skills: list[str]) -> dict[str, Any]:
        codes = dict(SKILLS)
        return {
            "@context": OB2_CONTEXT,
            "type": "BadgeClass",
            "id": f"{base}/badges/{_slug(name)}",
            "name": name,
            "description": f"Awarded for demonstrating {', '.join(skills)} in assessed project work.",
            "image": f"{base}/images/{_slug(name)}.png",
            "criteria": {"narrative": f"Completed the {name} programme and its capstone assessment."},
            "issuer": f"{base}/issuer",
            "tags": [s.lower() for s in skills],
            "alignment": [
                {
                    "targetName": s,
                    "targetUrl": f"{FRAMEWORK_URL}/{codes[s].lower()}",
                    "targetFramework": FRAMEWORK,
                    "targetCode": codes[s],
                }
                for s in skills
            ],
        }

    def ob2_assertion(self, cand: Candidate, base: str, name: str, case: str, aid: str) -> dict[str, Any]:
        salt = self.salt()
        email = cand.email if case != "wrong-recipient" else "someone.else@example.net"
        doc: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": aid,
            "recipient": {"type": "email", "hashed": True, "salt": salt, "identity": _hash_email(email, salt)},
            "badge": f"{base}/badges/{_slug(name)}",
            "issuedOn": f"{self.rng.choice(VALID_ISSUED)}T09:00:00Z",
            "evidence": f"{base}/evidence/{aid.rsplit('/', 1)[-1]}",
        }
        if case == "expired":
            doc["issuedOn"] = "2023-06-30T09:00:00Z"
            doc["expires"] = EXPIRED_AT
        if case == "revoked-flag":
            doc["revoked"] = True
            doc["revocationReason"] = "Issued in error"
        return doc

    def hosted(self, cand: Candidate, case: str) -> tuple[str, str]:
        """An OB 2.0 hosted assertion; returns (badge reference, achievement name)."""
        name, _ = self.pick(cand)
        slug = f"{cand.id.lower()}-{_slug(name)}"
        base = MISSING_HOST if case == "issuer-gone" else NORTHWIND
        aid = f"{base}/assertions/{slug}"
        verification = {"type": "hosted"}
        doc = self.ob2_assertion(cand, NORTHWIND, name, case, aid)
        doc["verification"] = verification
        if case != "issuer-gone":
            folder = ISSUERS / "badges.northwind.example" / "assertions"
            _dump(folder / f"{slug}.json", doc)
            if case == "revoked":
                (folder / f"{slug}.json").unlink()
                (folder / f"{slug}.gone").write_text("revoked: issued to the wrong cohort\n")
        return aid, name

    # OB 2.0 signed: §SignedBadge, a JWS (RS256) whose payload is the assertion
    def signed(self, cand: Candidate, case: str) -> tuple[str, str]:
        """An OB 2.0 signed assertion handed in as a .jws file."""
        token, name = self.signed_token(cand, case)
        path = FILES / cand.id / f"contoso-{_slug(name)}.jws"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n")
        return str(path.relative_to(HERE)), name

    def signed_token(self, cand: Candidate, case: str) -> tuple[str, str]:
        """A compact JWS (RS256) of an OB 2.0 assertion by Contoso, and the achievement name."""
        from joserfc import jws
        from joserfc.jwk import RSAKey

        name, _ = self.pick(cand)
        aid = self.uid()
        doc = self.ob2_assertion(cand, CONTOSO, name, case, aid)
        doc["verification"] = {"type": "SignedBadge", "creator": f"{CONTOSO}/keys/1"}
        key = RSAKey.import_key(
            self.contoso_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        token = jws.serialize_compact({"alg": "RS256"}, json.dumps(doc, separators=(",", ":")), key)
        if case == "tampered":
            token = _tamper_jws(token, lambda d: d.update(badge=f"{CONTOSO}/badges/{_slug(ACHIEVEMENTS[2][0])}"))
        if case == "revoked":
            self.contoso_revoked.append(aid)
        return token, name

    def write_contoso_revocations(self) -> None:
        _dump(
            ISSUERS / "learn.contoso.example" / "revocations.json",
            {
                "@context": OB2_CONTEXT,
                "type": "RevocationList",
                "id": f"{CONTOSO}/revocations",
                "issuer": f"{CONTOSO}/issuer",
                "revokedAssertions": [
                    {"id": a, "revocationReason": "Assessment withdrawn"} for a in self.contoso_revoked
                ],
            },
        )

    # OB 3.0 §8 OpenBadgeCredential
    def ob3_credential(self, cand: Candidate, issuer: str, case: str) -> tuple[dict[str, Any], str]:
        who = "fabrikam" if issuer == "fabrikam" else "tailspin"
        did = self.fabrikam_did if who == "fabrikam" else self.tailspin_did
        issuer_name = "Fabrikam Institute of Technology" if who == "fabrikam" else "Tailspin Skills Guild"
        status_base = FABRIKAM_STATUS if who == "fabrikam" else TAILSPIN_STATUS
        name, skills = self.pick(cand)
        codes = dict(SKILLS)
        salt = self.salt()
        email = cand.email if case != "wrong-recipient" else "someone.else@example.net"
        index = self.status_index[who] = self.status_index[who] + 1
        if case == "revoked":
            (self.fabrikam_revoked if who == "fabrikam" else self.tailspin_revoked).append(index)
        issued = f"{self.rng.choice(VALID_ISSUED)}T10:00:00Z"
        cred: dict[str, Any] = {
            "@context": OB3_CONTEXT,
            "id": self.uid(),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name,
            "issuer": {
                "id": did,
                "type": ["Profile"],
                "name": issuer_name,
                "url": f"https://www.{who}.example",
            },
            "validFrom": issued,
            "validUntil": VALID_UNTIL,
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [
                    {
                        "type": "IdentityObject",
                        "identityHash": _hash_email(email, salt),
                        "identityType": "emailAddress",
                        "hashed": True,
                        "salt": salt,
                    }
                ],
                "achievement": {
                    "id": f"https://www.{who}.example/achievements/{_slug(name)}",
                    "type": ["Achievement"],
                    "name": name,
                    "description": f"Awarded for demonstrating {', '.join(skills)} in assessed project work.",
                    "criteria": {"narrative": f"Completed the {name} programme and its capstone assessment."},
                    "achievementType": "Certificate",
                    "alignment": [
                        {
                            "type": ["Alignment"],
                            "targetName": s,
                            "targetUrl": f"{FRAMEWORK_URL}/{codes[s].lower()}",
                            "targetFramework": FRAMEWORK,
                            "targetCode": codes[s],
                            "targetType": "ceasn:Competency",
                        }
                        for s in skills
                    ],
                },
            },
            "credentialStatus": {
                "id": f"{status_base}/lists/1#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(index),
                "statusListCredential": f"{status_base}/lists/1",
            },
        }
        if case == "status-unreachable":
            cred["credentialStatus"]["statusListCredential"] = f"{status_base}/lists/retired"
            cred["credentialStatus"]["id"] = f"{status_base}/lists/retired#{index}"
        if case == "expired":
            cred["validFrom"] = "2023-06-30T10:00:00Z"
            cred["validUntil"] = EXPIRED_AT
        if case == "not-yet-valid":
            cred["validFrom"] = NOT_BEFORE
        return cred, name

    def sign_ob3_di(self, cred: dict[str, Any], key: ed25519.Ed25519PrivateKey, did: str) -> dict[str, Any]:
        signed: dict[str, Any] = self.sign_di(
            cred,
            private_key=key,
            verification_method=f"{did}#{did.removeprefix('did:key:')}",
            cryptosuite="eddsa-rdfc-2022",
            created=cred["validFrom"] if cred["validFrom"] < "2090" else "2025-05-05T10:00:00Z",
        )
        return signed

    def di(self, cand: Candidate, case: str, *, bake: str | None = None) -> tuple[str, str]:
        """An OB 3.0 credential with an eddsa-rdfc-2022 proof by a did:key issuer."""
        cred, name = self.ob3_credential(cand, "fabrikam", case)
        signed = self.sign_ob3_di(cred, self.fabrikam_key, self.fabrikam_did)
        if case == "tampered":
            signed["credentialSubject"]["achievement"]["name"] = "Chief Data Scientist (Distinguished)"
        payload = json.dumps(signed, indent=2, ensure_ascii=False)
        return self._write_credential(cand, "fabrikam", name, payload, ".json", bake), name

    def jwt(self, cand: Candidate, case: str) -> tuple[str, str]:
        """An OB 3.0 credential as a VC-JWT (EdDSA, did:key issuer). VC-JOSE-COSE §3.1.1 / VC-JWT 1.1 claims."""
        import warnings
        from datetime import datetime

        from joserfc import jwt
        from joserfc.jwk import OKPKey

        warnings.filterwarnings("ignore", message="EdDSA is deprecated")

        cred, name = self.ob3_credential(cand, "tailspin", case)
        did = self.tailspin_did
        claims: dict[str, Any] = {
            "iss": did,
            "jti": cred["id"],
            "nbf": int(datetime.fromisoformat(cred["validFrom"]).timestamp()),
            "exp": int(datetime.fromisoformat(cred["validUntil"]).timestamp()),
            "vc": cred,
        }
        header = {"alg": "EdDSA", "kid": f"{did}#{did.removeprefix('did:key:')}", "typ": "JWT"}
        token = jwt.encode(header, claims, OKPKey.import_key(self.tailspin_key), algorithms=["EdDSA"])
        if case == "tampered":
            token = _tamper_jws(token, lambda c: c["vc"]["credentialSubject"]["achievement"].update(name="Grandmaster"))
        return self._write_credential(cand, "tailspin", name, token + "\n", ".jwt", None), name

    def _write_credential(self, cand: Candidate, who: str, name: str, text: str, suffix: str, bake: str | None) -> str:
        folder = FILES / cand.id
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{who}-{_slug(name)}"
        if bake == "png":
            path = folder / f"{stem}.png"
            path.write_bytes(self.baked_png(_badge_png(self.rng), text, keyword="openbadgecredential"))
        elif bake == "svg":
            path = folder / f"{stem}.svg"
            path.write_bytes(self.baked_svg(_badge_svg(name).encode(), text, element="credential"))
        else:
            path = folder / f"{stem}{suffix}"
            n = 2
            while path.exists():
                path = folder / f"{stem}-{n}{suffix}"
                n += 1
            path.write_text(text, encoding="utf-8")
        return str(path.relative_to(HERE))

    def baked_hosted(self, cand: Candidate, case: str, kind: str) -> tuple[str, str]:
        """An OB 2.0 hosted assertion baked into an image (Baking Specification 2.0); the
        tampered case bakes a signed assertion whose payload was altered after signing
        (a tampered copy of a *hosted* assertion would be verified from the issuer's own copy)."""
        if case == "tampered":
            token, name = self.signed_token(cand, "tampered")
            path = FILES / cand.id / f"contoso-{_slug(name)}.{kind}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "png":
                path.write_bytes(self.baked_png(_badge_png(self.rng), token))
            else:
                path.write_bytes(self.baked_svg(_badge_svg(name).encode(), token))
            return str(path.relative_to(HERE)), name
        aid, name = self.hosted(cand, "wrong-recipient" if case == "wrong-recipient" else "valid")
        folder = FILES / cand.id
        folder.mkdir(parents=True, exist_ok=True)
        doc = json.loads(
            (ISSUERS / "badges.northwind.example" / "assertions" / f"{aid.rsplit('/', 1)[-1]}.json").read_text()
        )
        text = json.dumps(doc)
        if kind == "png":
            path = folder / f"northwind-{_slug(name)}.png"
            path.write_bytes(self.baked_png(_badge_png(self.rng), text))
        else:
            path = folder / f"northwind-{_slug(name)}.svg"
            path.write_bytes(self.baked_svg(_badge_svg(name).encode(), text))
        return str(path.relative_to(HERE)), name

    def platform(self, cand: Candidate, platform: str) -> tuple[str, str]:
        """A badge given as a platform's public page URL (Credly / Badgr style); the platform's
        API copy (hosted OB 2.0, issuer and badge class on the API host) is served offline."""
        name, skills = self.pick(cand)
        uid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if platform == "credly":
            page = f"https://www.credly.com/badges/{uid}/public_url"
            # where verifier/platforms.py maps a Credly badge page: www.credly.com/api/v1/obi/v2/...
            api = "https://www.credly.com/api/v1/obi/v2"
            aid, issuer, badge = (
                f"{api}/badge_assertions/{uid}",
                f"{api}/issuers/{uid[:8]}",
                f"{api}/badge_classes/{uid[:8]}",
            )
            folder = ISSUERS / "www.credly.com" / "api"
            afile = folder / "v1/obi/v2/badge_assertions" / f"{uid}.json"
            ifile, bfile = (
                folder / "v1/obi/v2/issuers" / f"{uid[:8]}.json",
                folder / "v1/obi/v2/badge_classes" / f"{uid[:8]}.json",
            )
            issuer_name = "Adatum Cloud Academy (via Credly)"
        else:
            slug = _b64url(hashlib.sha256(uid.encode()).digest())[:22]
            page = f"https://badgr.com/public/assertions/{slug}"
            api = "https://api.badgr.io/public"
            aid, issuer, badge = f"{api}/assertions/{slug}", f"{api}/issuers/{slug[:10]}", f"{api}/badges/{slug[:10]}"
            folder = ISSUERS / "api.badgr.io"
            afile = folder / "public/assertions" / f"{slug}.json"
            ifile, bfile = (
                folder / "public/issuers" / f"{slug[:10]}.json",
                folder / "public/badges" / f"{slug[:10]}.json",
            )
            issuer_name = "Litware Design School (via Badgr)"
        salt = self.salt()
        _dump(ifile, {"@context": OB2_CONTEXT, "type": "Issuer", "id": issuer, "name": issuer_name,
                      "url": issuer, "email": "badges@litware.example"})  # fmt: skip
        bc = self.ob2_badgeclass(api, name, skills)
        bc.update(id=badge, issuer=issuer)
        _dump(bfile, bc)
        _dump(
            afile,
            {
                "@context": OB2_CONTEXT,
                "type": "Assertion",
                "id": aid,
                "recipient": {"type": "email", "hashed": True, "salt": salt, "identity": _hash_email(cand.email, salt)},
                "badge": badge,
                "issuedOn": f"{self.rng.choice(VALID_ISSUED)}T12:00:00Z",
                "verification": {"type": "hosted"},
            },
        )
        return page, name

    def write_status_lists(self) -> None:
        for who, base, revoked, key, did in (
            ("fabrikam", FABRIKAM_STATUS, self.fabrikam_revoked, self.fabrikam_key, self.fabrikam_did),
            ("tailspin", TAILSPIN_STATUS, self.tailspin_revoked, self.tailspin_key, self.tailspin_did),
        ):
            # Bitstring Status List v1.0 §2.2 BitstringStatusListCredential
            status: dict[str, Any] = {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"{base}/lists/1",
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": did,
                "validFrom": "2024-01-01T00:00:00Z",
                "credentialSubject": {
                    "id": f"{base}/lists/1#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": _bitstring(revoked),
                },
            }
            folder = ISSUERS / base.removeprefix("https://")
            status = self.sign_di(
                status,
                private_key=key,
                verification_method=f"{did}#{did.removeprefix('did:key:')}",
                cryptosuite="eddsa-rdfc-2022",
                created="2025-05-05T10:00:00Z",
            )
            _dump(folder / "lists" / "1.json", status)
            _ = who


def _badge_png(rng: random.Random) -> bytes:
    """A small round badge image (a 64×64 PNG, drawn by hand: no imaging library needed)."""
    import struct
    import zlib

    colour = rng.choice([(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233)])
    rows = []
    for y in range(64):
        row = bytearray([0])
        for x in range(64):
            inside = (x - 31.5) ** 2 + (y - 31.5) ** 2 <= 30**2
            row += bytes((*colour, 255)) if inside else bytes((0, 0, 0, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def _badge_svg(name: str) -> str:
    initials = "".join(w[0] for w in name.split()[:3]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
        '<circle cx="60" cy="60" r="56" fill="#0072B2"/>'
        f'<text x="60" y="70" font-size="32" text-anchor="middle" fill="#ffffff" font-family="sans-serif">{initials}</text>'
        "</svg>"
    )


# -- the plan -----------------------------------------------------------------


def plan(candidates: list[Candidate]) -> list[tuple[Candidate, str, str]]:
    """(candidate, family, case) for every badge: four per candidate, the problem cases spread evenly."""
    slots = [(cand, FAMILIES[(i + k) % len(FAMILIES)], "valid") for i, cand in enumerate(candidates) for k in range(4)]
    for n, (case, family, _status) in enumerate(CASES):
        free = [j for j, s in enumerate(slots) if s[1] == family and s[2] == "valid"]
        j = free[(n * 7) % len(free)]
        slots[j] = (slots[j][0], family, case)
    return slots


def main() -> None:
    """Rebuild every generated file (keys are kept)."""
    for folder in (ISSUERS, FILES, RESUMES):
        if folder.exists():
            shutil.rmtree(folder)
    ws = Workspace()
    rng = ws.rng
    candidates = make_candidates(rng)
    ws.write_ob2_issuers()
    for cand, family, case in plan(candidates):
        if family == "ob2-hosted":
            ref, name = ws.hosted(cand, case)
        elif family == "ob2-signed":
            ref, name = ws.signed(cand, case)
        elif family == "ob3-di":
            ref, name = ws.di(cand, case)
        elif family == "ob3-jwt":
            ref, name = ws.jwt(cand, case)
        elif case == "valid" and rng.random() < 0.5:
            ref, name = ws.di(cand, case, bake=family.removeprefix("baked-"))
        else:
            ref, name = ws.baked_hosted(cand, case, family.removeprefix("baked-"))
        status = "verified" if case == "valid" else next(s for k, f, s in CASES if k == case and f == family)
        cand.badges.append({"badge": ref, "achievement": name})
        ws.expected.append(
            {
                "candidate_id": cand.id,
                "email": cand.email,
                "badge": ref,
                "family": family,
                "case": case,
                "status": status,
            }
        )
    for n, platform in enumerate(("credly", "badgr", "credly", "badgr", "credly")):
        cand = candidates[3 + 5 * n]
        ref, name = ws.platform(cand, platform)
        cand.badges.append({"badge": ref, "achievement": name})
        ws.expected.append(
            {"candidate_id": cand.id, "email": cand.email, "badge": ref, "family": f"platform-{platform}",
             "case": "valid", "status": "verified"}
        )  # fmt: skip
    write_identity_issuers(ws, candidates)
    for e in ws.expected:  # the issuer identity level each badge that verifies as built proves
        if e["case"] in ("valid", "impersonation"):
            e["identity"] = IDENTITY_BY_FAMILY.get(
                e["family"], "platform" if e["family"].startswith("platform-") else "domain"
            )
    ws.write_contoso_revocations()
    ws.write_status_lists()
    write_tables(candidates, ws.expected)
    _dump(HERE / "expected.json", {"note": "the outcome each sample badge is built to have", "badges": ws.expected})
    # Last, so that every file above stays the same whatever the résumés draw from the generator.
    resumes = write_resumes(ws, candidates)
    print(f"{len(candidates)} candidates, {len(ws.expected)} badges, {resumes} résumés / exports")


# -- issuer identity: a registry, a did:web issuer, a linked domain, an impersonator ----------------

# Tailspin (VC-JWT) and the impersonator are did:keys nothing vouches for; Trey Research is in the sample's
# registry; every other issuer proves a domain (Northwind, Contoso, Woodgrove, Fabrikam's linked did:key).
IDENTITY_BY_FAMILY = {"ob3-jwt": "self-asserted", "ob3-impostor": "self-asserted", "ob3-registry": "registry"}
IDENTITY_SEED = SEED + 11  # its own generator: the badges above and the résumés below stay byte-for-byte


def _ob3_plain(
    rng: random.Random, cand: Candidate, issuer: dict[str, Any], name: str, skills: list[str]
) -> dict[str, Any]:
    """An OB 3.0 credential (no status list) from ``issuer`` to ``cand`` for achievement ``name``."""
    codes = dict(SKILLS)
    salt = f"{rng.getrandbits(64):016x}"
    site = issuer["url"]
    return {
        "@context": OB3_CONTEXT,
        "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"type": ["Profile"], **issuer},
        "validFrom": f"{rng.choice(VALID_ISSUED)}T10:00:00Z",
        "validUntil": VALID_UNTIL,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": _hash_email(cand.email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"{site}/achievements/{_slug(name)}",
                "type": ["Achievement"],
                "name": name,
                "description": f"Awarded for demonstrating {', '.join(skills)} in assessed project work.",
                "criteria": {"narrative": f"Completed the {name} programme and its capstone assessment."},
                "achievementType": "Certificate",
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": s,
                        "targetUrl": f"{FRAMEWORK_URL}/{codes[s].lower()}",
                        "targetFramework": FRAMEWORK,
                        "targetCode": codes[s],
                        "targetType": "ceasn:Competency",
                    }
                    for s in skills
                ],
            },
        },
    }


def _linkage_jwt(key: ed25519.Ed25519PrivateKey, did: str, origin: str) -> str:
    """A Domain Linkage Credential in the JWT proof format (DIF Well-Known DID Configuration v1.0,
    §"JSON Web Token Proof Format"): ``iss`` = ``sub`` = the DID, the origin in ``credentialSubject``."""
    from datetime import datetime

    header = {"alg": "EdDSA", "typ": "JWT", "kid": f"{did}#{did.removeprefix('did:key:')}"}
    issued, until = "2025-01-01T00:00:00Z", VALID_UNTIL
    payload = {
        "iss": did,
        "sub": did,
        "nbf": int(datetime.fromisoformat(issued).timestamp()),
        "exp": int(datetime.fromisoformat(until).timestamp()),
        "vc": {
            "@context": [
                "https://www.w3.org/2018/credentials/v1",
                "https://identity.foundation/.well-known/did-configuration/v1",
            ],
            "issuer": did,
            "issuanceDate": issued,
            "expirationDate": until,
            "type": ["VerifiableCredential", "DomainLinkageCredential"],
            "credentialSubject": {"id": did, "origin": origin},
        },
    }
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{_b64url(key.sign(signing_input.encode()))}"


def _identity_pick(rng: random.Random, cand: Candidate) -> tuple[str, list[str]]:
    """An achievement of the candidate's track they do not hold yet (the workspace's generator untouched)."""
    track = [ACHIEVEMENTS[i] for i in TRACKS[cand.title] if ACHIEVEMENTS[i][0] not in cand.achievements]
    name, skills = rng.choice(track or [a for a in ACHIEVEMENTS if a[0] not in cand.achievements])
    cand.achievements.add(name)
    return name, skills


def write_identity_issuers(ws: Workspace, candidates: list[Candidate]) -> None:
    """Issuers of every identity level beyond those above (Northwind and Contoso prove their domains,
    the platforms vouch for theirs, Tailspin's did:key is self-asserted):

    - ``registry``: Trey Research Institute, a did:key listed in the sample's own registry, shipped as a
      dated snapshot (``registry-snapshot.json``, DCC dcc-legacy form) which loading the sample adds to the
      workspace's registries beside the bundled DCC snapshot;
    - ``domain``: Woodgrove Academy, ``did:web:academy.woodgrove.example`` (its DID document at
      ``/.well-known/did.json``), and Fabrikam, whose did:key is linked to ``www.fabrikam.example`` by a
      DID configuration (``/.well-known/did-configuration.json``);
    - an impersonator: a fresh did:key claiming Trey Research's name (one Cyrillic letter) and website,
      whose badge fails the issuer check.

    Offline, these hosts are answered from the sample's files, which the dashboard vouches for
    (``ui/verification.py``): "domain" then means "the documents SkillProof ships", not TLS.
    """
    rng = random.Random(IDENTITY_SEED)
    trey_key, wood_key, imp_key = _ed25519_key("trey"), _ed25519_key("woodgrove"), _ed25519_key("impostor")
    trey_did = vkeys.did_key_from_public_key(trey_key.public_key())
    imp_did = vkeys.did_key_from_public_key(imp_key.public_key())
    # A dated registry snapshot in the form of verifier/registry_data/dcc-snapshot.json: loading the sample
    # adds it beside the bundled DCC snapshot (RegistrySettings.snapshots), so it works offline and is
    # recorded whole in evidence bundles.
    _dump(
        HERE / "registry-snapshot.json",
        {
            "retrieved": "2025-06-01",
            "note": "A fictional issuer registry for the sample workspace, written by sample_data/generate.py.",
            "registries": [
                {
                    "name": REGISTRY_NAME,
                    "type": "dcc-legacy",
                    "url": REGISTRY_URL,
                    "source": {"fictional": True, "written_by": "sample_data/generate.py"},
                    "data": {
                        "meta": {"created": "2025-01-01T00:00:00+00:00", "updated": "2025-06-01T00:00:00+00:00"},
                        "registry": {
                            trey_did: {"name": TREY[0], "location": "Redmond, WA, USA (fictional)", "url": TREY[1]},
                        },
                    },
                }
            ],
        },
    )
    wood_mb = vkeys.multikey_from_public_key(wood_key.public_key())
    _dump(
        ISSUERS / "academy.woodgrove.example" / ".well-known" / "did.json",
        {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": WOODGROVE_DID,
            "verificationMethod": [
                {"id": f"{WOODGROVE_DID}#key-1", "type": "Multikey", "controller": WOODGROVE_DID,
                 "publicKeyMultibase": wood_mb}
            ],
            "assertionMethod": [f"{WOODGROVE_DID}#key-1"],
        },
    )  # fmt: skip
    _dump(
        ISSUERS / "www.fabrikam.example" / ".well-known" / "did-configuration.json",
        {
            "@context": "https://identity.foundation/.well-known/did-configuration/v1",
            "linked_dids": [_linkage_jwt(ws.fabrikam_key, ws.fabrikam_did, FABRIKAM_SITE)],
        },
    )
    plan = [
        ("registry", trey_did, TREY, trey_key, f"{trey_did}#{trey_did.removeprefix('did:key:')}", (1, 10, 16)),
        ("didweb", WOODGROVE_DID, WOODGROVE, wood_key, f"{WOODGROVE_DID}#key-1", (5, 12, 21)),
        ("impostor", imp_did, IMPOSTOR, imp_key, f"{imp_did}#{imp_did.removeprefix('did:key:')}", (9,)),
    ]
    for family, did, (issuer_name, site), key, method, who in plan:
        for i in who:
            cand = candidates[i]
            name, skills = _identity_pick(rng, cand)
            cred = _ob3_plain(rng, cand, {"id": did, "name": issuer_name, "url": site}, name, skills)
            signed = ws.sign_di(
                cred, private_key=key, verification_method=method, cryptosuite="eddsa-rdfc-2022",
                created=cred["validFrom"],
            )  # fmt: skip
            stem = {"registry": "trey", "didweb": "woodgrove", "impostor": "trey-research"}[family]
            path = FILES / cand.id / f"{stem}-{_slug(name)}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(signed, indent=2, ensure_ascii=False), encoding="utf-8")
            ref = str(path.relative_to(HERE))
            cand.badges.append({"badge": ref, "achievement": name})
            status = "failed" if family == "impostor" else "verified"
            case = "impersonation" if family == "impostor" else "valid"
            ws.expected.append(
                {"candidate_id": cand.id, "email": cand.email, "badge": ref, "family": f"ob3-{family}",
                 "case": case, "status": status}
            )  # fmt: skip


# -- résumés -------------------------------------------------------------------

# A résumé as blocks: (style, [(text, link or None), ...]); styles: name, line, heading, bullet.
Block = tuple[str, list[tuple[str, str | None]]]


def _credly_listing(ws: Workspace, cand: Candidate, user: str, count: int) -> str:
    """A Credly profile (www.credly.com/users/<user>) listing ``count`` new platform badges of
    ``cand``, served offline as the badges.json listing (verifier/profiles.py)."""
    data = []
    for _ in range(count):
        page, name = ws.platform(cand, "credly")
        uid = page.split("/badges/", 1)[1].split("/", 1)[0]
        data.append({"id": uid, "issued_to": cand.name, "public": True, "state": "accepted",
                     "badge_template": {"name": name, "vanity_slug": _slug(name)}})  # fmt: skip
    meta = {"count": count, "current_page": 1, "total_count": count, "total_pages": 1, "per": 48,
            "previous_page_url": None, "next_page_url": None}  # fmt: skip
    _dump(ISSUERS / "www.credly.com" / "users" / user / "badges.json", {"data": data, "metadata": meta})
    return f"https://www.credly.com/users/{user}"


def _resume_pdf(blocks: list[Block], path: Path) -> None:
    """A PDF written by fpdf2 (core Helvetica, Latin-1 text), links as /URI annotations."""
    from datetime import UTC, datetime

    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(*FIXED_TIME, tzinfo=UTC))
    pdf.set_creator("SkillProof sample generator")
    pdf.add_page()
    sizes = {"name": 20, "heading": 13, "line": 11, "bullet": 11}
    for style, parts in blocks:
        pdf.set_font("Helvetica", style="B" if style in ("name", "heading") else "", size=sizes[style])
        height = sizes[style] * 0.6
        if style == "heading":
            pdf.ln(3)
        if style == "bullet":
            pdf.cell(6, height, "-")
        for text, link in parts:
            if link:
                pdf.set_text_color(0, 70, 160)
                pdf.cell(pdf.get_string_width(text) + 1, height, text, link=link)
                pdf.set_text_color(0, 0, 0)
            else:
                pdf.cell(pdf.get_string_width(text) + 1, height, text)
        pdf.ln(height + 1)
    path.write_bytes(bytes(pdf.output()))


def _resume_docx(blocks: list[Block], path: Path) -> None:
    """A DOCX written by python-docx with hyperlink relationships; dates and ZIP times fixed."""
    import io
    import zipfile
    from datetime import datetime

    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    for style, parts in blocks:
        if style == "name":
            p = d.add_heading("", level=0)
        elif style == "heading":
            p = d.add_heading("", level=1)
        else:
            p = d.add_paragraph("", style="List Bullet" if style == "bullet" else None)
        for text, link in parts:
            if not link:
                p.add_run(text)
                continue
            rid = p.part.relate_to(link, RT.HYPERLINK, is_external=True)
            h = OxmlElement("w:hyperlink")
            h.set(qn("r:id"), rid)
            run = OxmlElement("w:r")
            props = OxmlElement("w:rPr")
            rstyle = OxmlElement("w:rStyle")
            rstyle.set(qn("w:val"), "Hyperlink")
            props.append(rstyle)
            run.append(props)
            t = OxmlElement("w:t")
            t.text = text
            t.set(qn("xml:space"), "preserve")
            run.append(t)
            h.append(run)
            p._p.append(h)
    when = datetime(*FIXED_TIME)
    props = d.core_properties
    props.author, props.last_modified_by, props.revision = "SkillProof sample", "SkillProof sample", 1
    props.created = props.modified = props.last_printed = when
    raw = io.BytesIO()
    d.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # python-docx stamps members with the current time
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_TIME), src.read(info), zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def _linkedin_export(path: Path, person: Candidate, certs: list[tuple[str, str, str]]) -> None:
    """LinkedIn's export ZIP: Profile.csv, Email Addresses.csv and Certifications.csv (with the
    "Notes:" preamble some exports have), in the archive's folder."""
    import io
    import zipfile

    def table(rows: list[list[str]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode("utf-8")

    cert_rows = [["Name", "Url", "Authority", "Started On", "Finished On", "License Number"]]
    cert_rows += [[name, url, authority, "Mar 2025", "", ""] for name, url, authority in certs]
    files = {
        "Profile.csv": table(
            [
                ["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline"],
                [person.first, person.last, "", "", "", person.title],
            ]
        ),
        "Email Addresses.csv": table(
            [["Email Address", "Confirmed", "Primary", "Updated On"], [person.email, "Yes", "Yes", ""]]
        ),
        "Certifications.csv": b'Notes:\n"Licenses and certifications you have added to your profile."\n\n'
        + table(cert_rows),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(zipfile.ZipInfo(f"Basic_LinkedInDataExport_06-01-2025/{name}", date_time=FIXED_TIME), data,
                       zipfile.ZIP_DEFLATED)  # fmt: skip


def _file_slug(name: str) -> str:
    import unicodedata

    return _slug(unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode())


def write_resumes(ws: Workspace, candidates: list[Candidate]) -> int:
    """The sample résumés and LinkedIn export (see the module docstring); returns how many."""
    RESUMES.mkdir(parents=True, exist_ok=True)
    known = candidates[3]  # in the ATS export too: the résumé is matched to them by email
    ines = Candidate("R001", "Inès", "Moreau", "ines.moreau@example.org", TITLES[1], "Lyon")
    tomasz = Candidate("R002", "Tomasz", "Wójcik", "tomasz.wojcik@example.com", TITLES[2], "Gdańsk")
    priya = Candidate("R003", "Priya", "Raman", "priya.raman@example.org", TITLES[0], "Leeds")

    k_badge, k_name = ws.hosted(known, "valid")
    k_page, k_pname = ws.platform(known, "credly")
    k_profile = _credly_listing(ws, known, f"{known.first.lower()}-{known.last.lower()}", 2)
    _resume_pdf(
        [("name", [(known.name, None)]),
         ("line", [(f"{known.title} - ", None), (known.email, f"mailto:{known.email}")]),
         ("heading", [("Experience", None)]),
         ("line", [("Northwind Traders - 2021 to 2025", None)]),
         ("heading", [("Licenses & Certifications", None)]),
         ("bullet", [(f"{k_pname} (", None), ("Credly", k_page), (")", None)]),
         ("bullet", [(k_name, k_badge)]),
         ("bullet", [("Certified Scrum Master (2019)", None)]),
         ("bullet", [("All my badges: ", None), ("Credly profile", k_profile)]),
         ("heading", [("Education", None)]),
         ("line", [("BSc Information Systems", None)])],
        RESUMES / f"{_file_slug(known.name)}.pdf",
    )  # fmt: skip

    i_badge, i_name = ws.hosted(ines, "valid")
    i_page, i_pname = ws.platform(ines, "badgr")
    _resume_docx(
        [("name", [(ines.name, None)]),
         ("line", [(f"{ines.title}, {ines.city} | {ines.email} | ", None), ("Portfolio", "https://portfolio.ines.example/")]),
         ("heading", [("Experience", None)]),
         ("line", [("Contoso Pharma - 2019 to 2025", None)]),
         ("heading", [("Certifications", None)]),
         ("bullet", [(i_pname, i_page)]),
         ("bullet", [(f"{i_name} - ", None), ("verify", i_badge)]),
         ("bullet", [("PRINCE2 Foundation", None)]),
         ("heading", [("Languages", None)]),
         ("line", [("French, English, Spanish", None)])],
        RESUMES / f"{_file_slug(ines.name)}.docx",
    )  # fmt: skip

    t_profile = _credly_listing(ws, tomasz, "tomasz-wojcik", 3)
    _resume_pdf(
        [("name", [(tomasz.name, None)]),
         ("line", [(tomasz.email, None)]),
         ("heading", [("Badges", None)]),
         ("bullet", [("Everything I hold: ", None), ("my Credly profile", t_profile)]),
         ("bullet", [("ISTQB Certified Tester Foundation Level", None)]),
         ("heading", [("Experience", None)]),
         ("line", [("Fabrikam Logistics - 2018 to 2025", None)])],
        RESUMES / f"{_file_slug(tomasz.name)}.pdf",
    )  # fmt: skip

    p_page, p_name = ws.platform(priya, "credly")
    _linkedin_export(
        RESUMES / "linkedin-priya-raman.zip",
        priya,
        [(p_name, p_page, "Adatum Cloud Academy"), ("Google Analytics Certification", "", "Google")],
    )
    return 4


def write_tables(candidates: list[Candidate], expected: list[dict[str, Any]]) -> None:
    """The ATS export (candidates.csv) and the per-badge input list (badges.csv)."""
    with (HERE / "candidates.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["Applicant ID", "First Name", "Last Name", "E-mail Address", "Current Title", "Location", "Badge Links"]
        )
        for c in candidates:
            urls = [b["badge"] for b in c.badges if b["badge"].startswith("https://")]
            w.writerow([c.id, c.first, c.last, c.email, c.title, c.city, " ; ".join(urls)])
    names = {c.id: c.name for c in candidates}
    with (HERE / "badges.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["candidate_id", "candidate", "email", "badge"])
        for e in expected:
            w.writerow([e["candidate_id"], names[e["candidate_id"]], e["email"], e["badge"]])


if __name__ == "__main__":
    main()
