"""From a readable document to an :class:`Extraction`: who it is about, its links, its unlinked claims.

Readers (:mod:`talent.intake.readers`) turn a file into a :class:`Document`:
its text lines in reading order and its link targets, each with the visible
text it had and the line it sits on. :func:`analyse` then finds:

- the **candidate**: the name is the first of the opening lines that reads
  like a person's name (two to five words of letters, no digits, not a
  heading such as "Curriculum Vitae"); a line such as ``Ada Lovelace | ada@…``
  gives its first part. The email is the first ``mailto:`` address, else the
  first address in the text;
- the **links** (see :mod:`talent.intake.links` for the kinds);
- the **claims**: lines of a Certifications / Licenses / Badges / Credentials
  section that carry no link, neither written out nor as a hyperlink on that
  line (a hyperlink's visible text is often just "Credly" or "Verify", so the
  line it sits on is what ties it to the certification).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from talent.intake.links import URL_IN_TEXT, LinkCollector, find_emails
from talent.intake.model import Claim, Extraction, Person

MAX_CLAIMS = 100
MAX_CLAIM_CHARS = 200
_BULLET = re.compile(r"^[\s•◦▪▫●○■□➢➤►▶✓✔\-–—*·+>]+")
_SECTION_WORDS = (
    r"(?:(?:professional|technical|industry|relevant|key)\s+)?"
    r"(?:licen[cs]es?(?:\s*(?:&|and|/|,)\s*certifications?)?|certifications?(?:\s*(?:&|and|/|,)\s*(?:licen[cs]es?|badges?|credentials?|courses?))?"
    r"|certificates?|(?:digital\s+|open\s+)?badges?|credentials?|accreditations?|qualifications?\s*(?:&|and)\s*certifications?"
    r"|zertifikate|zertifizierungen|certificaciones|certificats?)"
)
_SECTION = re.compile(rf"^{_SECTION_WORDS}\s*:?$", re.I)
# "Certifications: AWS SAA, CKA" on one line
_INLINE_SECTION = re.compile(rf"^{_SECTION_WORDS}\s*:\s*(?P<rest>\S.*)$", re.I)
_INLINE_SPLIT = re.compile(r"\s*[;•|·]\s*")


def _inline_items(rest: str) -> list[str]:
    """The certifications of a one-line list: split at ``;``, ``•``, ``|``, ``·``, else at commas;
    a piece without a letter ("2023") stays with the one before it."""
    pieces = [p for p in _INLINE_SPLIT.split(rest) if p.strip()]
    if len(pieces) == 1:
        pieces = [p.strip() for p in rest.split(",") if p.strip()]
    out: list[str] = []
    for piece in pieces:
        if out and not any(ch.isalpha() for ch in piece):
            out[-1] = f"{out[-1]}, {piece}"
        else:
            out.append(piece)
    return [p[:MAX_CLAIM_CHARS] for p in out]


_HEADINGS = re.compile(
    r"^(?:(?:work|professional|relevant|employment)\s+)?(?:experience|employment(?:\s+history)?|work history|education"
    r"|(?:technical\s+|core\s+|key\s+)?skills|projects?|languages?|interests|hobbies|publications?|references?|summary"
    r"|profiles?|(?:online\s+)?links|portfolio|about(?:\s+me)?|objective|awards?(?:\s*(?:&|and)\s*honou?rs)?|honou?rs|volunteer(?:ing)?(?:\s+experience)?"
    r"|activities|courses|training|contact(?:\s+information)?|personal\s+details|achievements|memberships?|affiliations"
    r"|patents|talks|conferences|berufserfahrung|ausbildung|kenntnisse|experiencia|educación|formation)\s*:?$",
    re.I,
)
_NOT_NAMES = re.compile(
    r"^(?:curriculum\s+vitae|cv|r[ée]sum[ée]|resume|contact|profile|summary|lebenslauf|page\s+\d+)$", re.I
)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:[.'’-][^\W\d_]*)*\.?$")
_SPLIT_PARTS = re.compile(r"\s+(?:\||·|•|—|–|-)\s+|\t|\s{3,}")


@dataclass
class Document:
    """A read document: lines of text, and link targets with their visible
    text and the line they sit on (``context``)."""

    lines: list[str] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add_link(self, target: str, text: str = "", context: str = "") -> None:
        """Record one link target."""
        self.links.append((target, text, context))


def _squash(text: str) -> str:
    """A key for comparing lines laid out differently: NFKC, case-folded, without spaces or bullets."""
    t = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", t)


def _same_line(line: str, context: str) -> bool:
    """Whether a certification line is the line a link sits on (both squashed): the same, part
    of it (a line laid out in columns), or most of it (the link's line lost a prefix). A short
    link line ("GitHub") never stands for a longer certification ("GitHub Foundations")."""
    return line == context or line in context or (context in line and len(context) * 2 >= len(line))


def guess_name(lines: Iterable[str]) -> str:
    """The first opening line that reads like a person's name, or ''."""
    for i, raw in enumerate(lines):
        if i >= 12:
            break
        line = " ".join(raw.split())
        if not line:
            continue
        line = re.sub(r"^(?:name|full name|nom|nombre)\s*:\s*", "", line, flags=re.I)
        first = _SPLIT_PARTS.split(line, maxsplit=1)[0].strip(" ,;")
        if _NOT_NAMES.match(first) or "@" in first or len(first) > 60:
            continue
        words = first.split()
        if 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words):
            if first.isupper() or first.islower():
                return " ".join(w.capitalize() if w.isupper() or w.islower() else w for w in words)
            return first
    return ""


def _is_heading(line: str) -> bool:
    # Only known section names end a section: an all-capitals line is as often
    # a certification ("CISSP", "AWS SAA") as a heading.
    return bool(_HEADINGS.match(line))


def _column_width(lines: list[str]) -> int:
    """The widest line without a web address, in characters: the text column's width as far as
    the lines show it (addresses are left out: they overflow or break anywhere)."""
    return max((len(" ".join(line.split())) for line in lines if not URL_IN_TEXT.search(line)), default=0)


MIN_COLUMN_FOR_WRAPS = 20  # below this, no line is taken for a wrapped one


def _wrapped(previous: str, line: str, width: int) -> bool:
    """Whether ``line`` continues ``previous`` (one certification wrapped over lines): the first
    word of ``line`` would not have fitted at the end of ``previous`` in a column ``width`` wide.
    A bulleted line starts an item; a line holding an address ends one."""
    if width < MIN_COLUMN_FOR_WRAPS or _BULLET.match(line) or URL_IN_TEXT.search(previous):
        return False
    first = line.split(maxsplit=1)[0]
    return len(previous) + 1 + len(first) > width


def claim_lines(lines: list[str]) -> list[str]:
    """The items of every certifications / licenses / badges section, bullets removed; an item
    wrapped over several lines (a narrow column) is one item, as is a name whose address was
    wrapped onto the next line."""
    width = _column_width(lines)
    out: list[str] = []
    inside = False
    previous = ""  # the last line of the current item, as laid out
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            previous = ""
            continue
        bare = _BULLET.sub("", line).strip()
        if len(line) <= 60 and _SECTION.match(line.rstrip(":").strip()):
            inside, previous = True, ""
            continue
        inline = _INLINE_SECTION.match(bare)
        if inline:
            out.extend(_inline_items(inline["rest"]))
            previous = ""
            continue
        if inside and len(line) <= 60 and _is_heading(line.rstrip(":").strip()):
            inside, previous = False, ""
            continue
        if inside and bare:
            if out and previous and _wrapped(previous, line, width):
                item = f"{out[-1]} {bare}"
                # an item that takes in an address keeps all of it, so it is seen as linked
                out[-1] = item if URL_IN_TEXT.search(bare) else item[:MAX_CLAIM_CHARS]
            else:
                out.append(bare[:MAX_CLAIM_CHARS])
            previous = line
    return out


# A web address wrapped onto the next line, as PDF text and narrow layouts break them (anywhere,
# "https://www.credly.com/badg" / "es/5f0c…"). A continuation is the next line's first token, made
# of web-address characters only, that reads as part of an address: it holds URL punctuation
# ("es/5f0c…", "ly.com/…", "…/public_url"), or it is an id (letters and digits, 8 or more
# characters) after an address cut at "/" or "-", or it completes a Credly badge UUID cut short.
# So "https://example.org/" followed by "AWS Certified …" or by "2021-2023 …" is left alone.
_CONTINUATION = re.compile(r"^[A-Za-z0-9\-._~%/?#@!$&'()*+,;=:]+$")
_URL_PUNCTUATION = re.compile(r"[/?=&%#_]|[A-Za-z0-9]\.[A-Za-z0-9]")
_ID_LIKE = re.compile(r"^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9-]{8,}$")
# A badge id cut short: a Credly / Acclaim badge UUID (8-4-4-4-12 hex) with fewer than 36 characters.
_PARTIAL_UUID = re.compile(r"/badges/([0-9a-f-]{1,35})$", re.I)
_UUID_CONTINUATION = re.compile(r"^[0-9a-f-]+(?=$|[/?#])", re.I)
MAX_WRAPPED_LINES = 6  # one address spans at most this many lines


def _wrapped_onto(url: str, nxt: str) -> str | None:
    """The first token of ``nxt`` when it continues ``url`` (which ended its line), else None."""
    if not nxt:
        return None
    token = nxt.split(maxsplit=1)[0]
    if not _CONTINUATION.match(token) or URL_IN_TEXT.match(token):
        return None
    if _URL_PUNCTUATION.search(token):
        return token
    if url.endswith(("/", "-")) and _ID_LIKE.match(token):
        return token
    partial = _PARTIAL_UUID.search(url)
    rest = _UUID_CONTINUATION.match(token)
    if partial and rest and len(partial.group(1)) + len(rest.group(0)) == 36:
        return token
    return None


def join_wrapped_urls(lines: list[str]) -> list[str]:
    """``lines`` with every web address that was wrapped onto following lines joined back
    ("https://www.credly.com/badges/1234abcd-12ab-" + "34cd-...-1234567890ab/public_url"),
    the continuation taken off the line it started (which is dropped when nothing is left)."""
    lines = list(lines)  # a continuation is taken off the front of the line it started
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        i += 1
        for _ in range(MAX_WRAPPED_LINES - 1):
            last = None
            for found in URL_IN_TEXT.finditer(line):
                last = found
            if last is None or last.end() != len(line) or i >= len(lines):
                break
            nxt = lines[i].strip()
            token = _wrapped_onto(last.group(0), nxt)
            if token is None:
                break
            line += token
            rest = nxt[len(token) :].strip()
            if rest:
                lines[i] = rest
            else:
                i += 1
        out.append(line)
    return out


def analyse(source: str, doc: Document, *, kind: str = "resume") -> Extraction:
    """Name, email, links and unlinked claims of one read document."""
    collector = LinkCollector()
    linked_contexts: list[str] = []
    anchors: list[str] = []
    for target, text, context in doc.links:
        if collector.add(target, text):
            if context and _squash(context):
                linked_contexts.append(_squash(context))
            elif text and len(_squash(text)) >= 4:
                anchors.append(_squash(text))  # no line known: the visible text is all there is
    lines = join_wrapped_urls(doc.lines)
    for line in lines:
        collector.add_text(line)
    emails = collector.emails or find_emails(lines[:60]) or find_emails(lines)
    name = guess_name(lines)
    claims: list[Claim] = []
    seen: set[str] = set()
    for line in claim_lines(lines):
        key = _squash(line)
        if not key or key in seen:
            continue
        seen.add(key)
        if URL_IN_TEXT.search(line):
            continue
        if any(_same_line(key, c) for c in linked_contexts) or any(
            a == key or (len(a) >= 10 and a in key) for a in anchors
        ):
            continue
        claims.append(Claim(line))
        if len(claims) >= MAX_CLAIMS:
            doc.problems.append(f"more than {MAX_CLAIMS} certification lines; the rest were left out")
            break
    return Extraction(
        source,
        Person(name, emails[0] if emails else ""),
        collector.links(),
        tuple(claims),
        (*doc.problems, *collector.problems),
        kind,
    )
