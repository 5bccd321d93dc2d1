"""``python -m verifier``: see :mod:`verifier.cli`."""

from __future__ import annotations

import sys

from verifier.cli import main

if __name__ == "__main__":
    sys.exit(main())
