"""The process's ``Narrator``: the models the book flow's tasks share in this process.

Prefect gives tasks no object to own, so the flow keeps one narrator per process (tasks run in
its threads, or in a Dask worker's own process, which has its own). It is reached through a
function: Dask pickles a task's function by value when Prefect has wrapped it, and a function
imported from a module pickles by reference, where the narrator itself (its locks) could not.
"""

from __future__ import annotations

from narration.run.narrator import Narrator

_NARRATOR = Narrator()


def process_narrator() -> Narrator:
    return _NARRATOR
