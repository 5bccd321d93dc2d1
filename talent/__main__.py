"""``python -m talent``: see :mod:`talent.cli`."""

from __future__ import annotations

import sys

from talent.cli import main

if __name__ == "__main__":
    sys.exit(main())
