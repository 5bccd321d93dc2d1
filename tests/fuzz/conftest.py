"""Hypothesis settings for the property tests of every parser.

Profiles: ``skillproof`` (the default: 150 examples a test, no deadline, so
the suite stays fast on a busy machine) and ``deep`` (2,000 examples, for a
longer run: ``HYPOTHESIS_PROFILE=deep``). No example database is written
into the working tree.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("skillproof", max_examples=150, deadline=None, database=None, suppress_health_check=_QUIET)
settings.register_profile("deep", max_examples=2000, deadline=None, database=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "skillproof"))
