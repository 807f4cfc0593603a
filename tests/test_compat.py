"""What keeps earlier releases' files and settings working is listed in one place
(``narration.compat.READERS``), each with where it lives and until when it stays."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from narration.compat import READERS


def resolve(dotted: str) -> object:
    """The module or attribute named ``dotted`` (the longest importable module, then attributes)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_each_reader_names_code_that_exists_and_an_end_date(reader) -> None:
    assert reader.where and reader.keeps and reader.since
    for dotted in reader.where:
        resolve(dotted)  # raises if the code moved without the list
    assert date.fromisoformat(reader.until) > date.fromisoformat("2026-12-07")


def test_the_old_names_are_the_new_types() -> None:
    from narration.assembly.settings import Pauses
    from narration.options import PauseOptions
    from narration.render import RenderedChunk
    from narration.run.takes import RenderedChunk as Taken

    assert PauseOptions is Pauses and RenderedChunk is Taken


def test_the_resolver_fails_on_a_name_that_is_gone() -> None:
    with pytest.raises(AttributeError):
        resolve("narration.compat.no_such_reader")
