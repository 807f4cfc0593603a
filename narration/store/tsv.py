"""Tab-separated text (the narration script, a TSV lexicon) read with Python's ``csv`` and no
field-size limit.

``csv`` refuses any field over 128 KiB (``_csv.Error: field larger than field limit``), and a
paragraph can be longer: a script holding one could never be read back. The limit is one
setting for the whole process, so it is raised to fit the text being read (never lowered),
under a lock so two readers cannot put it back under each other, and restored afterwards.
"""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

_LIMIT = threading.Lock()


def read_rows(text: str, **fmtparams: Any) -> list[tuple[int, list[str]]]:
    """(line number where the row ends, fields) for every row of ``text``, parsed by
    ``csv.reader(..., **fmtparams)``; ``csv.Error`` for text it cannot parse."""
    with _LIMIT:
        before = csv.field_size_limit()
        csv.field_size_limit(max(before, len(text) + 1))  # no field is longer than the whole text
        try:
            reader = csv.reader(io.StringIO(text), **fmtparams)
            return [(reader.line_num, row) for row in reader]
        finally:
            csv.field_size_limit(before)
