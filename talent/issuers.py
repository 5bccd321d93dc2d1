"""The workspace's issuers: who issued the badges, how far each is proven, and the employer's verdicts.

:func:`issuer_rows` groups the latest results of a workspace by issuer and
says, for each, what the verifier established (``issuer.identity``: level,
what is proven, how, the registries that list it and those that could not be
checked, impersonation findings), what the badges merely claim, the trust
list's verdict, and which badges and candidates rely on it.

The workspace's verification terms live here too:

- :class:`RegistrySettings`: which issuer registries verification consults:
  the bundled, dated snapshot of the Digital Credentials Consortium's
  registries (:func:`verifier.registries.snapshot_registries`), other dated
  snapshots in its form (the sample workspace's), and/or a list
  in DCC's known-registries JSON form (``{"name", "type": "dcc-legacy",
  "url"}``, ``{"name", "type": "oidf", "trustAnchorEC" | "fetchEndpoint"}``);
- the trust list (:class:`verifier.trust.TrustList`: allow / deny by issuer
  id, DID or domain), which the Issuers page edits one issuer at a time.

Both are stored as workspace settings (:meth:`talent.storage.Workspace.setting`);
a change is applied by verifying the affected badges again
(:func:`inputs_for_issuer`), since the verdict and the identity level are the
verifier's to give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from verifier.names import comparable
from verifier.registries import (
    SNAPSHOT_FILE,
    Registries,
    RegistryConfigError,
    parse_registry_list,
    registries_from_json,
)
from verifier.trust import TrustList, Verdict

LEVELS = ("registry", "domain", "platform", "self-asserted")
UNASSESSED = "not assessed"
TrustAction = Literal["allow", "deny", "clear"]


# -- registries ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """Which registries a workspace's verification consults: the bundled DCC snapshot (``snapshot``),
    further dated snapshots (``snapshots``: documents in the bundled snapshot's form, read offline; the
    sample workspace ships one) and the registries of ``listed`` (known-registries JSON entries, fetched)."""

    snapshot: bool = True
    listed: tuple[Mapping[str, Any], ...] = ()
    snapshots: tuple[Mapping[str, Any], ...] = ()

    def registries(self) -> Registries:
        """The :class:`Registries` to verify with (``RegistryConfigError`` for a list that cannot be used)."""
        return registries_from_json(self.policy_document())

    def policy_document(self) -> dict[str, Any]:
        """Every registry consulted in one snapshot-form document (what an evidence bundle records):
        snapshot entries with their data, then the listed ones to fetch."""
        entries: list[Mapping[str, Any]] = []
        retrieved = []
        if self.snapshot:
            dcc = bundled_snapshot()
            entries += dcc["registries"]
            retrieved.append(str(dcc["retrieved"]))
        for snap in self.snapshots:
            entries += [r for r in snap.get("registries") or () if isinstance(r, Mapping)]
            retrieved.append(str(snap.get("retrieved") or ""))
        if self.listed:
            parse_registry_list(list(self.listed), where="the workspace's registry list")
        return {
            "retrieved": min((r for r in retrieved if r), default=""),
            "note": "The registries a SkillProof workspace consults: dated snapshots (with their data) and "
            "registries fetched when badges are verified (without).",
            "registries": [dict(r) for r in entries] + [dict(r) for r in self.listed],
        }

    def to_value(self) -> dict[str, Any]:
        """The stored form: ``{"snapshot": bool, "registries": [...], "snapshots": [...]}``."""
        return {
            "snapshot": self.snapshot,
            "registries": [dict(r) for r in self.listed],
            "snapshots": [dict(s) for s in self.snapshots],
        }

    @classmethod
    def from_value(cls, value: Any) -> RegistrySettings:
        """From the stored form; the default (the snapshot alone) for anything else."""
        if not isinstance(value, Mapping):
            return cls()

        def maps(key: str) -> tuple[Mapping[str, Any], ...]:
            items = value.get(key)
            return tuple(dict(r) for r in items if isinstance(r, Mapping)) if isinstance(items, list) else ()

        return cls(snapshot=bool(value.get("snapshot", True)), listed=maps("registries"), snapshots=maps("snapshots"))

    def with_list(self, data: Any, *, snapshot: bool) -> RegistrySettings:
        """These settings with ``data`` (a known-registries JSON list, or ``{"registries": [...]}``) as
        the registries to fetch, validated; ``RegistryConfigError`` says what is wrong."""
        if isinstance(data, Mapping) and isinstance(data.get("registries"), list):
            data = data["registries"]
        parse_registry_list(data, where="the registry list")
        if not isinstance(data, list):  # parse_registry_list has raised already; for the type checker
            raise RegistryConfigError("a registry list is a JSON array")
        return RegistrySettings(snapshot=snapshot, listed=tuple(dict(r) for r in data), snapshots=self.snapshots)


def bundled_snapshot() -> Mapping[str, Any]:
    """The bundled, dated snapshot of the DCC registries (``verifier/registry_data``)."""
    data: Mapping[str, Any] = json.loads(SNAPSHOT_FILE.read_text("utf-8"))
    return data


# -- the trust list -------------------------------------------------------------------------------------


def trust_from_value(value: Any) -> TrustList:
    """The stored trust list (``{"allow": [...], "deny": [...]}``); empty when unset or unreadable."""
    if not isinstance(value, Mapping):
        return TrustList()
    try:
        return TrustList.from_mapping(dict(value))
    except ValueError:
        return TrustList()


def trust_to_value(trust: TrustList) -> dict[str, list[str]]:
    """The stored form of a trust list."""
    return {"allow": list(trust.allow), "deny": list(trust.deny)}


def with_verdict(trust: TrustList, entry: str, action: TrustAction) -> TrustList:
    """``trust`` with ``entry`` (an issuer id, DID or domain) allowed, denied, or taken off both lists."""
    entry = entry.strip()
    if not entry:
        raise ValueError("an issuer id, DID or domain is needed")
    allow = [e for e in trust.allow if e != entry]
    deny = [e for e in trust.deny if e != entry]
    if action == "allow":
        allow.append(entry)
    elif action == "deny":
        deny.append(entry)
    elif action != "clear":
        raise ValueError(f"unknown trust action {action!r} (allow, deny or clear)")
    return TrustList(allow=tuple(allow), deny=tuple(deny))


def listed_as(trust: TrustList, entry: str) -> Verdict:
    """``allow`` / ``deny`` when ``entry`` itself is on a list (not merely matched by a domain entry)."""
    if entry in trust.deny:
        return "deny"
    if entry in trust.allow:
        return "allow"
    return "unknown"


# -- issuers of a workspace ----------------------------------------------------------------------------


@dataclass
class IssuerRow:
    """One issuer of the workspace, as its badges' latest results describe it."""

    key: str  # the issuer id without fragment, or "name:<claimed name>" when the badges state no id
    issuer_id: str
    level: str
    proven: str
    how: str
    claimed_names: list[str] = field(default_factory=list)
    claimed_urls: list[str] = field(default_factory=list)
    registries: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    impersonation: list[str] = field(default_factory=list)
    impersonation_severity: str = ""  # "fail" | "warn" | ""
    trust: str = "unknown"  # the verdict on the latest results
    badges: int = 0
    verified: int = 0
    badge_names: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    levels_seen: list[str] = field(default_factory=list)

    @property
    def claimed_name(self) -> str:
        """The names the badges give their issuer, joined."""
        return " / ".join(self.claimed_names)


_RANK = {lvl: n for n, lvl in enumerate(LEVELS)}


def issuer_key(issuer: Mapping[str, Any]) -> str:
    """How badges are grouped by issuer: the id without its fragment; the claimed name without an id."""
    issuer_id = str(issuer.get("id") or "").split("#", 1)[0]
    if issuer_id:
        return issuer_id
    name = str(issuer.get("name") or "").strip()
    return f"name:{name}" if name else "name:(no issuer stated)"


def issuer_rows(records: Iterable[tuple[str, Mapping[str, Any]]]) -> list[IssuerRow]:
    """One row per issuer of ``records`` (candidate id, result object as stored), strongest identity
    first. A badge whose own checks failed before its issuer could be bound still names its issuer;
    the row keeps the strongest level any of its badges reached and says which levels were seen."""
    rows: dict[str, IssuerRow] = {}
    seen: dict[str, dict[str, dict[str, None]]] = {}  # ordered sets while grouping (50,000 badges: linear)
    for candidate_id, data in records:
        issuer = data.get("issuer") or {}
        if not isinstance(issuer, Mapping):
            continue
        key = issuer_key(issuer)
        ident = issuer.get("identity") if isinstance(issuer.get("identity"), Mapping) else None
        level = str(ident.get("level")) if ident else UNASSESSED
        row = rows.get(key)
        if row is None:
            row = rows[key] = IssuerRow(key=key, issuer_id=key if not key.startswith("name:") else "", level=level,
                                        proven="", how="")  # fmt: skip
            seen[key] = {f: {} for f in _SETS}
        _add(row, seen[key], candidate_id, data, issuer, ident, level)
    for key, row in rows.items():
        for name, values in seen[key].items():
            setattr(row, name, [v for v in values if v])
    _name_clashes(list(rows.values()))
    return sorted(rows.values(), key=lambda r: (_RANK.get(r.level, len(LEVELS)), -r.badges, r.claimed_name, r.key))


_SETS = ("claimed_names", "claimed_urls", "registries", "unchecked", "impersonation", "badge_names", "candidates",
         "levels_seen")  # fmt: skip


def _add(
    row: IssuerRow,
    sets: dict[str, dict[str, None]],
    candidate_id: str,
    data: Mapping[str, Any],
    issuer: Mapping[str, Any],
    ident: Mapping[str, Any] | None,
    level: str,
) -> None:
    row.badges += 1
    row.verified += data.get("status") == "verified"
    achievement = (data.get("achievement") or {}).get("name") if isinstance(data.get("achievement"), Mapping) else None
    sets["badge_names"][str(achievement or data.get("input") or "")] = None
    sets["candidates"][candidate_id] = None
    sets["levels_seen"][level] = None
    if issuer.get("trust") in ("allow", "deny"):
        row.trust = str(issuer["trust"])
    claims = ident.get("claims") if ident and isinstance(ident.get("claims"), Mapping) else {}
    sets["claimed_names"][str((claims or {}).get("name") or issuer.get("name") or "")] = None
    sets["claimed_urls"][str((claims or {}).get("url") or issuer.get("url") or "")] = None
    if ident is None:
        return
    for r in ident.get("registries") or ():
        if isinstance(r, Mapping):
            entry = r.get("entry") if isinstance(r.get("entry"), Mapping) else {}
            name = str((entry or {}).get("name") or "")
            sets["registries"][f"{r.get('name')}" + (f" (as {name!r})" if name else "")] = None
    for u in ident.get("unchecked_registries") or ():
        if isinstance(u, Mapping):
            sets["unchecked"][f"{u.get('name')}: {u.get('reason')}"] = None
    imp = ident.get("impersonation")
    if isinstance(imp, Mapping) and imp.get("why"):
        sets["impersonation"][str(imp["why"])] = None
        if imp.get("severity") == "fail" or not row.impersonation_severity:
            row.impersonation_severity = str(imp.get("severity") or "")
    # the strongest level any badge reached describes what can be proven about this issuer
    if _RANK.get(level, len(LEVELS)) < _RANK.get(row.level, len(LEVELS)) or not row.how:
        row.level = level
        row.proven = str(ident.get("proven") or "")
        row.how = str(ident.get("how") or "")


def _name_clashes(rows: Sequence[IssuerRow]) -> None:
    """Issuers of the workspace that give the same name (after Unicode normalisation and
    look-alike folding, :func:`verifier.names.comparable`) under different identities.

    Registries and the trust list protect the names they list (the verifier fails a badge that
    claims one); a name no registry lists is protected by nothing but this: when a better-proven
    issuer of the workspace bears it ("Amazon Web Services", served by Credly), another issuer
    whose identity is not proven (a did:key; a badge not assessed) gets a warning on the Issuers
    page. Two organisations may share a name, so this is never an accusation on its own."""
    by_name: dict[str, list[IssuerRow]] = {}
    for row in rows:
        for skel in dict.fromkeys(filter(None, (comparable(n) for n in row.claimed_names))):
            by_name.setdefault(skel, []).append(row)
    unproven = _RANK["self-asserted"]
    for group in by_name.values():
        proven = [r for r in group if _RANK.get(r.level, len(LEVELS)) < unproven]
        if not proven or len(group) < 2:
            continue
        # the best-proven bearer of the name is cited (one finding per name, whatever the group's size)
        best = min(proven, key=lambda r: (_RANK[r.level], -r.badges, r.key))
        proven_rows = {id(r) for r in proven}
        for row in group:
            if id(row) in proven_rows or row.impersonation_severity == "fail":
                # a proven identity (an organisation on a platform and on its own domain, say), or one the
                # verifier already found impersonating a registered or allowed issuer
                continue
            why = (
                f"bears the name {best.claimed_name!r} of another issuer in this workspace, "
                f"{best.issuer_id or best.key} ({best.level}: {best.proven or 'proven'}), "
                f"while its own identity is {row.level}"
            )
            if why not in row.impersonation:
                row.impersonation.append(why)
                row.impersonation_severity = row.impersonation_severity or "warn"


def inputs_for_issuer(records: Iterable[tuple[str, Mapping[str, Any]]], key: str) -> list[tuple[str, str]]:
    """(candidate id, input) of every latest result whose issuer is ``key`` (see :func:`issuer_key`)."""
    out: list[tuple[str, str]] = []
    for candidate_id, data in records:
        issuer = data.get("issuer") or {}
        if isinstance(issuer, Mapping) and issuer_key(issuer) == key:
            out.append((candidate_id, str(data.get("input") or "")))
    return out


def trust_entry(row: IssuerRow) -> str:
    """What the trust list records for this issuer: its id (a DID or URL). Issuers stated without an
    id cannot be listed (a name is not an identity)."""
    return row.issuer_id


def level_counts(rows: Sequence[IssuerRow]) -> dict[str, int]:
    """How many issuers reached each level."""
    out = dict.fromkeys((*LEVELS, UNASSESSED), 0)
    for r in rows:
        out[r.level] = out.get(r.level, 0) + 1
    return {k: v for k, v in out.items() if v or k in LEVELS}
