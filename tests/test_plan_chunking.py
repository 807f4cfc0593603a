"""One plan, chunked once: the emotion tags attach to spans and the credits are chapters before
``chunk_book`` runs, in one pass per plan; the chunks are those the code before made in three
(commit 5032c5d chunked the book, re-chunked tagged paragraphs in the emotion stage and chunked
the credits in mastering).

The fixture holds a digest of every chunk (text, source, style, pause, indices) of every sample
and fixture book, untagged and with seeded random tags per span (some paragraphs given a span
too few, so their tags do not fit), credits on and off, at two lengths, as that code made them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from pathlib import Path

import pytest

import narration.run.plan as plan_module
from narration.emotion import TAGS, EmotionSettings, tag_book
from narration.errors import ConfigError
from narration.options import NarrationOptions
from narration.run.plan import BookPlan, plan_book
from narration.text import chunking

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).with_name("fixtures") / "tagged-chunks-5032c5d.json"
BOOKS = sorted([*ROOT.glob("inputs/*.epub"), *ROOT.glob("inputs/*.md"), *ROOT.glob("inputs/languages/*.md"),
                *ROOT.glob("tests/fixtures/books/*")])


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _cases(book: Path, credits: bool, max_chars: int | None) -> dict[str, str]:
    name = f"{book.name}|{credits}|{max_chars}"
    options = NarrationOptions(backend="piper", emotion={"enabled": False}, credits=credits, max_chars=max_chars)
    try:
        plan = plan_book(book, options)
    except ConfigError as exc:  # credits in a language they are not written in: the same refusal as before
        return {name: _digest(repr(exc))}
    neutral = tag_book(plan.book, None, EmotionSettings(enabled=False))
    rng = random.Random(name)
    tags = [dataclasses.replace(t, tag=rng.choice(TAGS[:3])) for t in neutral]
    short = [t for i, t in enumerate(tags) if i % 7 != 3]  # some paragraphs lose a span's tag

    def chunks(p: BookPlan) -> str:  # a chunk without a character's voice (Chunk.voice, added later) as then
        return _digest([{k: v for k, v in dataclasses.asdict(c).items() if k != "voice" or v} for c in p.chunks])

    return {name: chunks(plan), f"{name}|tags": chunks(plan.with_tags(tags)), f"{name}|odd": chunks(plan.with_tags(short))}


def test_every_book_chunks_as_before_tagged_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_module, "unread_language", lambda *args: None)  # piper's limits for every book
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    # the books that commit had (samples added since have no 'before' to compare with)
    then = {key.split("|")[0] for key in expected}
    assert then <= {b.name for b in BOOKS}, "a book of the fixture is gone"
    found: dict[str, str] = {}
    for book in (b for b in BOOKS if b.name in then):
        for credits in (False, True):
            for max_chars in (None, 60):
                found.update(_cases(book, credits, max_chars))
    assert found == expected


def test_a_plan_is_chunked_in_one_pass_credits_and_tags_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    def counted(book, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(book.chapters))
        return chunking.chunk_book(book, *args, **kwargs)

    monkeypatch.setattr(plan_module, "chunk_book", counted)
    book = tmp_path / "quarrel.md"
    book.write_text("# A Quarrel\n\n“I am furious with you!” he shouted, and walked across the yard.\n\n"
                    "It was calm after that.\n\n# After\n\n“Go,” she said. The gate swung shut.\n", encoding="utf-8")
    plan = plan_book(book, NarrationOptions(backend="piper", emotion={"enabled": False}, credits=True))
    chapters = len(plan.book.chapters)
    assert calls == [chapters + 2]  # the book and its two credits chapters, chunked together
    assert [c.index for c in plan.chunks] == list(range(len(plan.chunks)))
    assert [ch.index for ch in plan.chapters] == [-1, *range(chapters), chapters]

    tags = [dataclasses.replace(t, tag="angry" if t.is_dialogue else t.tag)
            for t in tag_book(plan.book, None, EmotionSettings(enabled=False))]
    assert any(t.is_dialogue for t in tags)  # the book has quotes, so tagging cuts paragraphs
    calls.clear()
    tagged = plan.with_tags(tags)
    assert calls == [chapters + 2]  # tagging chunks the plan afresh, once: the emotion stage does not chunk
    mixed = {(t.chapter, t.paragraph) for t in tags if t.is_dialogue} & {
        (t.chapter, t.paragraph) for t in tags if not t.is_dialogue}
    assert mixed and len(tagged.chunks) > len(plan.chunks)
    styled = {(c.chapter, c.paragraph): set() for c in tagged.chunks}
    for c in tagged.chunks:
        styled[(c.chapter, c.paragraph)].add(c.style)
    assert all(styled[key] == {"angry", "neutral"} for key in mixed if key in styled)
    assert [c.index for c in tagged.chunks] == list(range(len(tagged.chunks)))


def test_a_plan_needs_its_options() -> None:
    with pytest.raises(TypeError):
        BookPlan(source=Path("x"), book=None, chapters=[])  # type: ignore[call-arg,arg-type]
