"""What intake finds in one source (a résumé, a LinkedIn export, a pasted profile link).

Plain frozen values, JSON-friendly through :meth:`Extraction.to_dict`, which
is the ``python -m talent extract`` line format::

    {"source", "candidate": {"name", "email"},
     "links": [{"url", "platform", "kind": "badge" | "profile" | "other", "from_profile", "text"}],
     "claims": [{"text"}], "problems": [...]}
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

LinkKind = Literal["badge", "profile", "other"]


@dataclass(frozen=True, slots=True)
class Link:
    """One http(s) link a source holds: what kind it is, the platform when
    known, the visible text it had (``text``), and the profile it was listed
    by when it came from expanding one (``from_profile``)."""

    url: str
    kind: LinkKind
    platform: str | None = None
    text: str = ""
    from_profile: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``text`` only when there is one)."""
        out: dict[str, Any] = {
            "url": self.url,
            "platform": self.platform,
            "kind": self.kind,
            "from_profile": self.from_profile,
        }
        if self.text:
            out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True)
class Claim:
    """A certification the source states without a link: shown as "claimed, no
    verifiable credential", never counted."""

    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"text": self.text}


@dataclass(frozen=True, slots=True)
class Person:
    """Who a source is about, as far as it says (either may be empty)."""

    name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything found in one source. ``problems`` are sentences for people;
    a source that could not be read at all (``readable`` False) has nothing
    else and says why there."""

    source: str
    candidate: Person = field(default_factory=Person)
    links: tuple[Link, ...] = ()
    claims: tuple[Claim, ...] = ()
    problems: tuple[str, ...] = ()
    kind: str = "resume"
    readable: bool = True

    @classmethod
    def unreadable(cls, source: str, reason: str, *, kind: str = "resume") -> Extraction:
        """A source that could not be read at all: nothing found, ``reason`` its one problem."""
        return cls(source, problems=(reason,), kind=kind, readable=False)

    def badge_links(self) -> tuple[Link, ...]:
        """The links to verify: badges (profiles are expanded first)."""
        return tuple(link for link in self.links if link.kind == "badge")

    def with_problems(self, *problems: str) -> Extraction:
        """The same extraction with more problems."""
        return replace(self, problems=(*self.problems, *problems))

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON line."""
        return {
            "source": self.source,
            "candidate": {"name": self.candidate.name, "email": self.candidate.email},
            "links": [link.to_dict() for link in self.links],
            "claims": [c.to_dict() for c in self.claims],
            "problems": list(self.problems),
        }
