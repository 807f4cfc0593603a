"""``python -m flows.cli``: the old name of ``narrate``, kept for one release (until 2027-03,
the first release after the move) for scripts that call it; the CLI lives in ``narration.cli``."""

from __future__ import annotations

import sys

from narration.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
