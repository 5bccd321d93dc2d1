"""Reading JSON-LD nodes in their compacted form, shared by every format.

Open Badges 2.0 and 3.0 and the VC data model all write a reference either as
an IRI string or as an embedded node with an ``id``, and a ``type`` either as
one string or as a list. These helpers read those shapes the same way
everywhere; they never raise, whatever the input.
"""

from __future__ import annotations

from typing import Any


def as_list(value: Any) -> list[Any]:
    """``value`` as a list (``None`` -> ``[]``, a single value -> ``[value]``)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def node_id(value: Any) -> str | None:
    """The IRI of a reference: a string, or the string ``id`` of an embedded node."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def types_of(node: Any) -> list[str]:
    """The string entries of a node's ``type`` (``[]`` for anything not a node)."""
    if not isinstance(node, dict):
        return []
    return [t for t in as_list(node.get("type")) if isinstance(t, str)]


def issuer_id(doc: Any) -> str | None:
    """The id of a credential's ``issuer`` (VC Data Model 2.0 §4.7: a URL, or an object with ``id``)."""
    return node_id(doc.get("issuer")) if isinstance(doc, dict) else None


def subject_id(doc: Any) -> str | None:
    """The ``id`` of a credential's single ``credentialSubject`` object, if it has one."""
    subject = doc.get("credentialSubject") if isinstance(doc, dict) else None
    return node_id(subject) if isinstance(subject, dict) else None
