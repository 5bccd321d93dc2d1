"""Shortlists: a named selection of candidates for a role, exported with its evidence.

Exports (CSV, XLSX, JSON) hold, per candidate, the rank, score and
must-haves, and per requirement every piece of evidence considered: badge,
issuer, verification status (its code, and in words in its own column),
checked-at time, the check outcomes, whether it
counts and why not.

Spreadsheet safety (OWASP "CSV Injection"): in CSV and XLSX, a text cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with ``'`` so that no cell can start a formula. File names are
sanitised by :func:`safe_filename`.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from talent.coverage import CoverageReport
from talent.errors import ExportError
from talent.ranking import rank_candidates, requirement_evidence
from verifier.labels import status_word

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)
EVIDENCE_EXPORT_COLUMNS = (
    "shortlist",
    "role",
    "rank",
    "candidate_id",
    "candidate",
    "score",
    "must_haves_met",
    "must_haves_total",
    "requirement",
    "must_have",
    "weight",
    "requirement_met",
    "badge",
    "badge_id",
    "issuer",
    "issuer_id",
    "issuer_trust",
    "issuer_identity",
    "issuer_proven",
    "issuer_identity_note",
    "verification_status",
    "verification_result",
    "verification_summary",
    "status_reason",
    "checked_at",
    "checks",
    "issued_on",
    "expires",
    "badge_skill",
    "skill_field",
    "match_method",
    "match_score",
    "counts",
    "why_not",
)
SUMMARY_COLUMNS = (
    "shortlist",
    "role",
    "rank",
    "candidate_id",
    "candidate",
    "score",
    "must_haves_met",
    "must_haves_total",
    "requirements_met",
    "requirements_total",
    "explanation",
)


@dataclass(frozen=True, slots=True)
class Shortlist:
    """A named, ordered selection of candidates for one role."""

    name: str
    role_id: str
    candidate_ids: tuple[str, ...]
    note: str = ""
    created_at: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ExportError("a shortlist needs a name")
        if len(set(self.candidate_ids)) != len(self.candidate_ids):
            raise ExportError("a candidate is listed twice in the shortlist")


def escape_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text that would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and header) escaped by :func:`escape_cell`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def safe_filename(name: str, *, suffix: str = "", max_length: int = 100) -> str:
    """A file name from free text: ASCII letters, digits, ``.``, ``_`` and ``-``
    only, no leading dot or dash, never empty, at most ``max_length`` characters
    before ``suffix``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._-")
    clean = re.sub(r"\.{2,}", ".", clean)[:max_length].strip("._-") or "shortlist"
    if clean.split(".")[0].upper() in _RESERVED_NAMES:  # Windows device names (CON.csv opens the console)
        clean = f"{clean}_"[:max_length] if "." not in clean else clean.replace(".", "_.", 1)
    return clean + suffix


def shortlist_tables(
    shortlist: Shortlist, report: CoverageReport, *, names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary, evidence) tables of a shortlist, unescaped (see :func:`escape_frame`).

    ``summary`` has one row per candidate (in shortlist order) with
    :data:`SUMMARY_COLUMNS`; ``evidence`` one row per candidate x requirement x
    evidence with :data:`EVIDENCE_EXPORT_COLUMNS`.
    """
    if not shortlist.candidate_ids:
        raise ExportError("the shortlist is empty")
    names = names or {}
    role_rows = report.requirements[report.requirements["role_id"] == shortlist.role_id]
    if role_rows.empty:
        raise ExportError(f"unknown role {shortlist.role_id!r}")
    role_name = str(role_rows["role_name"].iat[0])
    ranked_records: list[dict[str, Any]] = rank_candidates(report, shortlist.role_id, names=names).to_dict("records")  # type: ignore[assignment]
    ranked = {str(r["candidate_id"]): r for r in ranked_records}
    missing = [c for c in shortlist.candidate_ids if c not in ranked]
    if missing:
        raise ExportError(f"not in the coverage report: {', '.join(missing)}")
    summary = pd.DataFrame(
        [
            {
                "shortlist": shortlist.name,
                "role": role_name,
                "rank": int(ranked[c]["rank"]),
                "candidate_id": c,
                "candidate": names.get(c, c),
                "score": float(ranked[c]["score"]),
                "must_haves_met": int(ranked[c]["must_have_met"]),
                "must_haves_total": int(ranked[c]["must_have_total"]),
                "requirements_met": int(ranked[c]["met"]),
                "requirements_total": int(ranked[c]["total"]),
                "explanation": str(ranked[c]["explanation"]),
            }
            for c in shortlist.candidate_ids
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    ev = requirement_evidence(report, shortlist.role_id, list(shortlist.candidate_ids))
    per = summary.set_index("candidate_id")
    evidence = pd.DataFrame(
        {
            "shortlist": shortlist.name,
            "role": role_name,
            "rank": ev["candidate_id"].map(per["rank"]),
            "candidate_id": ev["candidate_id"],
            "candidate": ev["candidate_id"].map(per["candidate"]),
            "score": ev["candidate_id"].map(per["score"]),
            "must_haves_met": ev["candidate_id"].map(per["must_haves_met"]),
            "must_haves_total": ev["candidate_id"].map(per["must_haves_total"]),
            "requirement": ev["requirement"],
            "must_have": ev["must_have"].astype(bool),
            "weight": ev["weight"],
            "requirement_met": ev["met"].astype(bool),
            "badge": ev["badge_name"].fillna(""),
            "badge_id": ev["badge_key"].fillna(""),
            "issuer": ev["issuer_name"].fillna(""),
            "issuer_id": ev["issuer_id"].fillna(""),
            "issuer_trust": ev["trust"].fillna(""),
            "issuer_identity": ev["identity_level"].fillna(""),
            "issuer_proven": ev["identity_proven"].fillna(""),
            "issuer_identity_note": ev["identity_note"].fillna(""),
            "verification_status": ev["status"].fillna(""),
            "verification_result": [status_word(v) if isinstance(v, str) else "" for v in ev["status"]],
            "verification_summary": ev["summary"].astype(object).fillna(""),
            "status_reason": ev["reason"].fillna(""),
            "checked_at": ev["checked_at"].fillna(""),
            "checks": ev["checks"].fillna(""),
            "issued_on": ev["issued_on"].fillna(""),
            "expires": ev["expires"].fillna(""),
            "badge_skill": ev["skill_name"].fillna(""),
            "skill_field": ev["skill_field"].fillna(""),
            "match_method": ev["match_method"].fillna(""),
            "match_score": ev["match_score"],
            "counts": ev["counts"].astype("boolean").fillna(False).astype(bool),
            "why_not": ev["why_not"].fillna("no badge"),
        },
        columns=list(EVIDENCE_EXPORT_COLUMNS),
    )
    return summary, evidence


def export_csv(shortlist: Shortlist, report: CoverageReport, *, names: Mapping[str, str] | None = None) -> bytes:
    """The evidence table as UTF-8 CSV (with BOM, for spreadsheet programs), escaped."""
    _, evidence = shortlist_tables(shortlist, report, names=names)
    # CRLF line ends (RFC 4180 §2) make the writer quote a bare CR too: a spreadsheet would start a new row at it.
    return escape_frame(evidence).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def export_xlsx(shortlist: Shortlist, report: CoverageReport, *, names: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook with a ``Shortlist`` sheet (one row per candidate) and an
    ``Evidence`` sheet (every evidence column), every text cell escaped."""
    from openpyxl import Workbook

    summary, evidence = shortlist_tables(shortlist, report, names=names)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Shortlist"
    for sheet, frame in ((ws, summary), (wb.create_sheet("Evidence"), evidence)):
        safe = escape_frame(frame)
        sheet.append(list(safe.columns))
        for row in safe.itertuples(index=False):
            sheet.append([_xlsx_value(v) for v in row])
        sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        # openpyxl treats any string starting with "=" as a formula; escape_cell already
        # prefixed those. Control characters are not allowed in XLSX cells.
        return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    return value


def export_json(shortlist: Shortlist, report: CoverageReport, *, names: Mapping[str, str] | None = None) -> bytes:
    """The shortlist as JSON: the shortlist's fields and, per candidate, the
    summary and the requirements with their evidence (values are not escaped:
    JSON is not read by spreadsheet programs)."""
    summary, evidence = shortlist_tables(shortlist, report, names=names)
    candidates = []
    for rec in summary.to_dict("records"):
        cid = rec["candidate_id"]
        reqs: dict[str, dict[str, Any]] = {}
        for ev in evidence[evidence["candidate_id"] == cid].to_dict("records"):
            req = reqs.setdefault(
                str(ev["requirement"]),
                {
                    "requirement": ev["requirement"],
                    "must_have": bool(ev["must_have"]),
                    "weight": float(ev["weight"]),
                    "met": bool(ev["requirement_met"]),
                    "evidence": [],
                },
            )
            if ev["badge_id"]:
                req["evidence"].append({k: _json_value(ev[k]) for k in EVIDENCE_EXPORT_COLUMNS[12:] if k in ev})
        candidates.append({**{k: _json_value(v) for k, v in rec.items()}, "requirements": list(reqs.values())})
    doc = {
        "shortlist": shortlist.name,
        "role_id": shortlist.role_id,
        "note": shortlist.note,
        "created_at": shortlist.created_at,
        "computed_at": report.now.isoformat(),
        "candidates": candidates,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def _json_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def export_shortlist(
    shortlist: Shortlist, report: CoverageReport, fmt: str, *, names: Mapping[str, str] | None = None
) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) for ``fmt`` in csv / xlsx / json."""
    makers = {
        "csv": (export_csv, "text/csv"),
        "xlsx": (export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "json": (export_json, "application/json"),
    }
    if fmt not in makers:
        raise ExportError(f"unknown export format {fmt!r} (use csv, xlsx or json)")
    maker, mime = makers[fmt]
    return (
        safe_filename(f"{shortlist.name}-{shortlist.role_id}", suffix=f".{fmt}"),
        maker(shortlist, report, names=names),
        mime,
    )


def shortlist_to_dict(shortlist: Shortlist) -> dict[str, Any]:
    """JSON-friendly form (for storage)."""
    return {
        "name": shortlist.name,
        "role_id": shortlist.role_id,
        "candidate_ids": list(shortlist.candidate_ids),
        "note": shortlist.note,
        "created_at": shortlist.created_at,
        "meta": dict(shortlist.meta),
    }


def shortlist_from_dict(data: Mapping[str, Any]) -> Shortlist:
    """The inverse of :func:`shortlist_to_dict`."""
    return Shortlist(
        name=str(data["name"]),
        role_id=str(data["role_id"]),
        candidate_ids=tuple(str(c) for c in data.get("candidate_ids") or ()),
        note=str(data.get("note") or ""),
        created_at=str(data.get("created_at") or ""),
        meta=dict(data.get("meta") or {}),
    )
