"""Badge content shown on a page is text, never markup.

Issuer names, badge names and descriptions come from whoever made the
badge. Rendered as Markdown they could load a remote image from the
recruiter's browser (a tracking pixel, or a request into the office
network), show a link that runs script, or paint a fake "verified" in
colour. The drill-down of a result (``ui.render.result_details``) is run
with ``AppTest`` for each hostile string in each badge field; every element
that shows the string must show it as text.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from verifier.models import AchievementInfo, IssuerInfo, VerificationResult, error_result

HOSTILE = {
    "markdown-image-tracking-pixel": "![x](http://127.0.0.1:9/pixel.png)",
    "javascript-link": "[Open the badge](javascript:alert(document.cookie))",
    "coloured-fake-verdict": ":blue-background[✔ **Verified**]",
    "heading-spoof": "# ✔ Verified by SkillProof",
}
FIELDS = ("achievement.name", "achievement.description", "issuer.name")
# Markdown that would render as something other than the text itself. (Raw HTML is not in the
# table: Streamlit does not render it without unsafe_allow_html.)
MARKUP = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\):[a-z-]+\[|^#", re.IGNORECASE | re.MULTILINE)


def _result(field: str, value: str) -> VerificationResult:
    base = error_result("https://issuer.example/a/1", "signature", "the signature does not verify")
    achievement = AchievementInfo(id="https://issuer.example/b", name="SQL", description="Writes queries")
    issuer = IssuerInfo(id="https://issuer.example/i", name="Issuer", url="https://issuer.example/")
    if field == "achievement.name":
        achievement = AchievementInfo(id=achievement.id, name=value, description=achievement.description)
    elif field == "achievement.description":
        achievement = AchievementInfo(id=achievement.id, name=achievement.name, description=value)
    else:
        issuer = IssuerInfo(id=issuer.id, name=value, url=issuer.url)
    from dataclasses import replace

    return replace(base, achievement=achievement, issuer=issuer)


def _page(result_json: dict) -> None:  # type: ignore[type-arg]  # run as its own script: no annotations import
    from ui.render import result_details
    from verifier.models import result_from_dict

    result_details(result_from_dict(result_json))


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_badge_content_in_the_drill_down_is_shown_as_text(value: str, field: str) -> None:
    at = AppTest.from_function(_page, args=(_result(field, value).to_dict(),), default_timeout=30).run()
    assert not at.exception
    elements = [str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind)]
    # the badge's words are on the page (once Markdown escapes are read back) ...
    shown = [text for text in elements if value in re.sub(r"\\(.)", r"\1", text)]
    assert shown, f"{value!r} is not shown at all"
    # ... and none of the elements showing them carries live Markdown
    rendered_as_markup = [text for text in shown if MARKUP.search(text)]
    assert rendered_as_markup == []


def _evidence_page(value: str) -> None:  # run as its own script
    from ui.evidence import details_section
    from verifier.details import AlignmentInfo, BadgeDetails, CriteriaInfo, EvidenceItem, ResultItem

    details_section(
        BadgeDetails(
            criteria=CriteriaInfo(id=value, narrative=value),
            evidence=(EvidenceItem(id=value, name=value, description=value, narrative=value, genre=value),),
            results=(ResultItem(name=value, value=value, achieved_level=value),),
            alignments=(AlignmentInfo(name=value, framework=value, code=value, url=value),),
            narrative=value,
        )
    )


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_what_the_badge_says_is_shown_as_text(value: str) -> None:
    at = AppTest.from_function(_evidence_page, args=(value,), default_timeout=30).run()
    assert not at.exception
    elements = [str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind)]
    shown = [text for text in elements if value in re.sub(r"\\(.)", r"\1", text)]
    # criteria narrative and page, evidence name, description, narrative, link, result, alignment, learner's words
    assert len(shown) >= 8
    assert [text for text in shown if MARKUP.search(text)] == []
    # no button opens an address that is not http(s)
    assert at.get("link_button") == []


def test_an_http_link_in_a_badge_gets_a_button_and_its_text() -> None:
    at = AppTest.from_function(_evidence_page, args=("https://evidence.example/work?x=(1)",), default_timeout=30).run()
    assert not at.exception
    buttons = at.get("link_button")
    assert buttons
    assert all(b.proto.url == "https://evidence.example/work?x=(1)" for b in buttons)
