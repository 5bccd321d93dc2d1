"""Baked badges: the badge embedded in a PNG or SVG image. Not yet implemented."""

from __future__ import annotations

from verifier.errors import InputError


def extract_png(data: bytes) -> str:
    """The badge (URL, JSON or JWS text) baked into a PNG."""
    raise InputError("baked PNG extraction is not available yet")


def extract_svg(data: bytes) -> str:
    """The badge (URL, JSON or JWS text) baked into an SVG."""
    raise InputError("baked SVG extraction is not available yet")
