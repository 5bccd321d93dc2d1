"""SkillProof: the start page."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="SkillProof", page_icon="✅", layout="wide")
st.title("SkillProof")
st.write(
    "Verify candidates' digital badges and credentials (Open Badges 2.0 / 3.0, "
    "W3C Verifiable Credentials) and see what the verified ones add up to."
)
st.info(
    "The workspace pages are on their way. Meanwhile, `python -m verifier verify --help` verifies badges from a shell."
)
