"""Issuer trust lists: allow / deny by issuer id, DID or domain.

A trust list does not change whether a badge is genuine; it records what the
employer thinks of the issuer. ``deny`` makes the ``issuer`` check fail (the
badge is then ``failed``); ``allow`` and ``unknown`` are reported on the result
(``issuer.trust``) for the talent engine to weight.

File forms (``--trust FILE``):

- JSON or YAML: ``{"allow": ["https://issuer.example", "did:web:x", "example.org"], "deny": [...]}``;
  an entry may also be ``{"id": "example.org", "name": "Example University"}``, naming the
  organisation (an allow entry's name and domain are then protected against impersonation:
  see :mod:`verifier.identity`);
- CSV: a header with ``issuer`` and ``verdict`` (``allow`` / ``deny``) columns, and optionally ``name``.

An entry matches an issuer when it equals the issuer id, when the issuer id is
a DID that starts with the entry followed by ``#`` or ``:``, or when the entry
is a bare domain and the issuer's host (or ``did:web`` domain) is that domain
or one of its subdomains.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

import yaml

Verdict = Literal["allow", "deny", "unknown"]


@dataclass(frozen=True, slots=True)
class TrustList:
    """An allow list and a deny list of issuer ids, DIDs or domains."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (entry, organisation name) for entries that name one

    def name_of(self, entry: str) -> str | None:
        """The organisation name given for ``entry``, if any."""
        return next((n for e, n in self.names if e == entry), None)

    def verdict(self, issuer_id: str | None) -> Verdict:
        """``deny`` wins over ``allow``; an issuer on neither list is ``unknown``."""
        if not issuer_id:
            return "unknown"
        if any(_matches(e, issuer_id) for e in self.deny):
            return "deny"
        if any(_matches(e, issuer_id) for e in self.allow):
            return "allow"
        return "unknown"

    @classmethod
    def load(cls, path: str | Path) -> TrustList:
        """Read a trust list file; ``ValueError`` when it is not one."""
        p = Path(path)
        text = p.read_text("utf-8")
        if p.suffix.lower() == ".csv":
            return cls.from_csv(text)
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a trust list is a mapping with 'allow' and 'deny' lists")
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: dict[str, object]) -> TrustList:
        """From ``{"allow": [...], "deny": [...]}``."""
        lists: dict[str, tuple[str, ...]] = {}
        names: list[tuple[str, str]] = []
        for key in ("allow", "deny"):
            value = data.get(key) or []
            if not isinstance(value, list):
                raise ValueError(f"trust list '{key}' must be a list of strings or {{id, name}} objects")
            entries: list[str] = []
            for v in value:
                if isinstance(v, dict) and isinstance(v.get("id"), str):
                    entry = v["id"].strip()
                    if isinstance(v.get("name"), str) and v["name"].strip() and entry:
                        names.append((entry, v["name"].strip()))
                elif isinstance(v, str):
                    entry = v.strip()
                else:
                    raise ValueError(f"trust list '{key}' must be a list of strings or {{id, name}} objects")
                if entry:
                    entries.append(entry)
            lists[key] = tuple(entries)
        return cls(allow=lists["allow"], deny=lists["deny"], names=tuple(names))

    @classmethod
    def from_csv(cls, text: str) -> TrustList:
        """From CSV text with ``issuer`` and ``verdict`` columns."""
        reader = csv.DictReader(io.StringIO(text))
        fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
        if "issuer" not in fields or "verdict" not in fields:
            raise ValueError("a trust list CSV needs 'issuer' and 'verdict' columns")
        allow: list[str] = []
        deny: list[str] = []
        names: list[tuple[str, str]] = []
        for row in reader:
            issuer = (row.get(fields["issuer"]) or "").strip()
            verdict = (row.get(fields["verdict"]) or "").strip().lower()
            if not issuer:
                continue
            name = (row.get(fields["name"]) or "").strip() if "name" in fields else ""
            if name:
                names.append((issuer, name))
            if verdict == "allow":
                allow.append(issuer)
            elif verdict == "deny":
                deny.append(issuer)
            else:
                raise ValueError(f"unknown verdict {verdict!r} for {issuer} (use allow or deny)")
        return cls(allow=tuple(allow), deny=tuple(deny), names=tuple(names))


def issuer_domain(issuer_id: str) -> str | None:
    """The DNS domain an issuer id names: an http(s) host or a did:web domain."""
    if issuer_id.startswith("did:web:"):
        return unquote(issuer_id[len("did:web:") :].split(":", 1)[0].split("#", 1)[0]).split(":")[0].lower()
    parts = urlsplit(issuer_id)
    if parts.scheme in ("http", "https") and parts.hostname:
        return parts.hostname.lower()
    return None


def _matches(entry: str, issuer_id: str) -> bool:
    if entry == issuer_id:
        return True
    if entry.startswith("did:"):
        return issuer_id.startswith(entry + "#") or issuer_id.startswith(entry + ":")
    if "://" in entry:
        return issuer_id.rstrip("/") == entry.rstrip("/")
    domain = issuer_domain(issuer_id)
    entry = entry.lower().lstrip(".")
    return domain is not None and (domain == entry or domain.endswith("." + entry))
