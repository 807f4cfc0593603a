"""The emotion stage's entry points: tag a book's passages, then set each chunk's style.

A paragraph is classified as its quoted speech and its narration apart (``spans``): the quotes
of one paragraph are one speaker by the conventions of fiction, so they are classified
together as one text (more context), and so is its narration. Each span carries its part's tag.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from narration.emotion.classifier import PassageClassifier
from narration.emotion.restraint import restrain
from narration.emotion.settings import EmotionSettings
from narration.emotion.spans import split_spans
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import PARA_NOTE, PAUSE_CLAUSE, PAUSE_SENTENCE, Book, Chunk
from narration.text.chunking import text_pieces
from narration.text.lexicon import Lexicon
from narration.text.sentences import split_sentences

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassageTag:
    """The emotion chosen for one span of a paragraph (its speech or narration)."""

    chapter: int  # 0-based chapter index
    paragraph: int  # 0-based paragraph index within the chapter
    tag: str  # one of TAGS, after restraint
    score: float  # smoothed probability of ``tag``
    is_dialogue: bool  # the span is quoted speech
    model_tag: str = ""  # the model's own top tag before restraint; "" when not classified
    model_score: float = 0.0
    span: int = 0  # 0-based span of the paragraph (``spans.split_spans``); 0 for a paragraph of one


@dataclass(frozen=True)
class _Part:
    """The speech or the narration of one paragraph: the text classified, and its spans."""

    chapter: int
    paragraph: int
    speech: bool
    text: str
    spans: tuple[int, ...]


def _parts(book: Book) -> list[_Part]:
    """Each paragraph's speech and narration, in reading order (by where each begins)."""
    parts: list[_Part] = []
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            spans = split_spans(paragraph.text)
            if len(spans) <= 1:  # no quotes, or all speech: the paragraph as it is
                speech = bool(spans) and spans[0].speech
                parts.append(_Part(c, p, speech, paragraph.text, (0,)))
                continue
            for speech in dict.fromkeys(s.speech for s in spans):  # speech and narration, first seen first
                mine = [i for i, s in enumerate(spans) if s.speech == speech]
                text = " ".join(paragraph.text[spans[i].start : spans[i].end] for i in mine)
                parts.append(_Part(c, p, speech, text, tuple(mine)))
    return parts


def tag_book(book: Book, classifier: PassageClassifier | None, settings: EmotionSettings) -> list[PassageTag]:
    """One tag per span of each paragraph of ``book`` (``spans.split_spans``; a paragraph
    without speech is one span), in reading order.

    Every passage stays neutral when the stage is off, when there is no classifier, or when
    the classifier does not read the book's language (a Japanese book needs a Japanese model
    with "ja" in ``settings.languages``).
    """
    parts = _parts(book)
    if not settings.enabled or classifier is None or not classifier.reads(book.language):
        if settings.enabled and classifier is not None:
            log.info("emotion: %s does not read %r; every passage stays neutral", classifier.name, book.language)
        return _per_span(parts, [(NEUTRAL, 1.0)] * len(parts), None)
    probs = classifier.probabilities([p.text for p in parts])
    chosen = restrain(probs, [p.chapter for p in parts], [p.speech for p in parts], settings)
    # Notes read aloud are the editor's voice, not the story's: always neutral.
    chosen = [(NEUTRAL, 1.0) if book.chapters[p.chapter].paragraphs[p.paragraph].kind == PARA_NOTE else c
              for p, c in zip(parts, chosen, strict=True)]
    return _per_span(parts, chosen, probs)


def _per_span(parts: list[_Part], chosen: Sequence[tuple[str, float]], probs: np.ndarray | None) -> list[PassageTag]:
    """One PassageTag per span, in reading order, each with its part's tag."""
    tags = []
    for n, (part, (tag, score)) in enumerate(zip(parts, chosen, strict=True)):
        model = (TAGS[int(probs[n].argmax())], float(probs[n].max())) if probs is not None else ("", 0.0)
        tags.extend(PassageTag(part.chapter, part.paragraph, tag, score, part.speech, *model, span=i)
                    for i in part.spans)
    return sorted(tags, key=lambda t: (t.chapter, t.paragraph, t.span))


def apply_tags(
    chunks: Sequence[Chunk],
    tags: Sequence[PassageTag],
    book: Book | None = None,
    max_chars: int | None = None,
    lexicon: Mapping[str, str] | None = None,
) -> list[Chunk]:
    """``chunks`` with ``style`` set to their span's tag (spoken titles stay neutral).

    A paragraph whose spans carry different tags is chunked again, cut where the tag changes
    (each part chunked as a paragraph of its own), given the ``book`` and the chunking's
    ``max_chars`` and ``lexicon``; then chunk indices are renumbered in order. A paragraph of
    one tag keeps its chunks as they are, so an untagged book chunks exactly as before.
    Without ``book``, a mixed paragraph's chunks take its first non-neutral tag.
    """
    by_paragraph: dict[tuple[int, int], list[PassageTag]] = {}
    for t in tags:
        by_paragraph.setdefault((t.chapter, t.paragraph), []).append(t)
    spoken = Lexicon(lexicon) if lexicon else None
    out: list[Chunk] = []
    recut = False
    for key, group in itertools.groupby(chunks, key=lambda c: (c.chapter, c.paragraph)):
        group = list(group)
        mine = sorted(by_paragraph.get(key, []), key=lambda t: t.span) if key[1] is not None else []
        styles = [t.tag for t in mine] or [NEUTRAL]
        if len(set(styles)) == 1 or book is None or max_chars is None:
            style = next((s for s in styles if s != NEUTRAL), NEUTRAL)
            out.extend(dataclasses.replace(c, style=style) for c in group)
            continue
        out.extend(_cut_at_tags(group, book.chapters[key[0]].paragraphs[key[1]].text, styles, max_chars, spoken))
        recut = True
    if not recut:
        return out
    start = chunks[0].index  # chunks are in book order with consecutive indices
    return [dataclasses.replace(c, index=start + n) for n, c in enumerate(out)]


def _cut_at_tags(group: list[Chunk], text: str, styles: list[str], max_chars: int, lexicon: Lexicon | None) -> list[Chunk]:
    """A paragraph's chunks made again, one run of spans with the same tag at a time."""
    spans = split_spans(text)
    if len(spans) != len(styles):  # the tags are not of this text: keep its chunks
        style = next((s for s in styles if s != NEUTRAL), NEUTRAL)
        return [dataclasses.replace(c, style=style) for c in group]
    first = group[0]
    made: list[Chunk] = []
    runs = itertools.groupby(zip(spans, styles, strict=True), key=lambda pair: pair[1])
    before = ""
    for style, run in runs:
        run = list(run)
        part = text[run[0][0].start : run[-1][0].end]
        if made:  # where this run begins: a new sentence, or inside one (a quotation and its "he said")
            made[-1] = dataclasses.replace(made[-1], pause_after=_pause_between(before, part, first.language))
        made.extend(Chunk(first.chapter, first.index, piece.text, piece.source, first.language, PAUSE_SENTENCE,
                          style, first.paragraph) for piece in text_pieces(part, first.language, max_chars, lexicon))
        before = part
    if made:  # the paragraph's own pause after its last chunk
        made[-1] = dataclasses.replace(made[-1], pause_after=group[-1].pause_after)
    return made


def _pause_between(before: str, after: str, language: str) -> str:
    """The sentence pause where ``after`` begins a sentence of its own or a colon introduces it
    ("...he exclaimed: | “You ridiculed..."), else the shorter clause pause: the join is inside a
    sentence when reading the two together makes one sentence fewer."""
    if before.rstrip().endswith((":", "：")):
        return PAUSE_SENTENCE
    apart = len(split_sentences(before, language)) + len(split_sentences(after, language))
    together = len(split_sentences(f"{before} {after}", language))
    return PAUSE_SENTENCE if together == apart else PAUSE_CLAUSE
