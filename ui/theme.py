"""Colours, symbols and words for statuses, shared by the pages, the charts and the HTML report.

Statuses are told apart by colour AND by a symbol and a word, so that they
read the same to colour-blind users and in greyscale. Colours are from the
Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008): blue for
verified, orange for failed, grey for "couldn't verify".
"""

from __future__ import annotations

from verifier.models import Outcome

BLUE = "#0072B2"
ORANGE = "#E69F00"
GREY = "#999999"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
GREEN = "#009E73"

STATUS_COLOURS = {"verified": BLUE, "failed": ORANGE, "error": GREY}
STATUS_SYMBOLS = {"verified": "✔", "failed": "✖", "error": "?"}
STATUS_WORDS = {"verified": "Verified", "failed": "Failed", "error": "Couldn't verify"}
STATUS_ORDER = ("verified", "failed", "error")

OUTCOME_SYMBOLS = {
    Outcome.PASS.value: "✔ pass",
    Outcome.FAIL.value: "✖ fail",
    Outcome.WARN.value: "⚠ warning",
    Outcome.SKIP.value: "– skipped",
}


def status_label(status: str) -> str:
    """``"✔ Verified"``, ``"✖ Failed"``, ``"? Couldn't verify"`` (unknown values pass through)."""
    return f"{STATUS_SYMBOLS.get(status, '·')} {STATUS_WORDS.get(status, status)}"


# Text on each status colour with at least WCAG AA contrast (4.5:1): white on blue (5.0:1),
# black on orange (9.3:1) and on grey (7.4:1).
STATUS_TEXT_COLOURS = {"verified": "white", "failed": "black", "error": "black"}


def status_css(label: object) -> str:
    """CSS for a status cell of a styled table (text on the status colour, AA contrast)."""
    for status, word in STATUS_WORDS.items():
        if str(label).endswith(word):
            return f"background-color: {STATUS_COLOURS[status]}; color: {STATUS_TEXT_COLOURS[status]}; font-weight: 600"
    return ""
