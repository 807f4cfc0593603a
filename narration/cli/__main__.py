"""``python -m narration.cli``: the ``narrate`` command."""

import sys

from narration.cli import main

sys.exit(main())
