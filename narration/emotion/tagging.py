"""The emotion stage's entry points: tag a book's passages, then say each paragraph's runs of one
style, which the text stage's ``chunk_book`` cuts it at.

A paragraph is classified as its quoted speech and its narration apart (``spans``): the quotes
of one paragraph are one speaker by the conventions of fiction, so they are classified
together as one text (more context), and so is its narration. Each span carries its part's tag.
Where the cast says who speaks (``speakers``), a paragraph's quotes are grouped by speaker and
smoothing runs along each character's own lines, not across the neighbouring speech of others.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from narration.emotion.classifier import PassageClassifier
from narration.emotion.restraint import restrain
from narration.emotion.settings import EmotionSettings
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import PARA_NOTE, Book
from narration.text.chunking import StyleRun
from narration.text.spans import split_spans

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
    speaker: str | None = None  # who says the speech (the cast); None: narration or the narrator


Speakers = Mapping[tuple[int, int, int], "str | None"]  # (chapter, paragraph, span) -> character id


def _parts(book: Book, speakers: Speakers | None = None) -> list[_Part]:
    """Each paragraph's speech (one part per speaker where ``speakers`` tells them) and
    narration, in reading order (by where each begins)."""
    speakers = speakers or {}
    parts: list[_Part] = []
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            spans = split_spans(paragraph.text)
            if len(spans) <= 1:  # no quotes, or all speech: the paragraph as it is
                speech = bool(spans) and spans[0].speech
                parts.append(_Part(c, p, speech, paragraph.text, (0,), speakers.get((c, p, 0)) if speech else None))
                continue
            voices = [(s.speech, speakers.get((c, p, i)) if s.speech else None) for i, s in enumerate(spans)]
            for speech, who in dict.fromkeys(voices):  # speech and narration, first seen first
                mine = [i for i, v in enumerate(voices) if v == (speech, who)]
                text = " ".join(paragraph.text[spans[i].start : spans[i].end] for i in mine)
                parts.append(_Part(c, p, speech, text, tuple(mine), who))
    return parts


def tag_book(
    book: Book, classifier: PassageClassifier | None, settings: EmotionSettings, speakers: Speakers | None = None
) -> list[PassageTag]:
    """One tag per span of each paragraph of ``book`` (``spans.split_spans``; a paragraph
    without speech is one span), in reading order.

    Every passage stays neutral when the stage is off, when there is no classifier, or when
    the classifier does not read the book's language (a Japanese book needs a Japanese model
    with "ja" in ``settings.languages``).
    """
    parts = _parts(book, speakers)
    if not settings.enabled or classifier is None or not classifier.reads(book.language):
        if settings.enabled and classifier is not None:
            log.info("emotion: %s does not read %r; every passage stays neutral", classifier.name, book.language)
        return _per_span(parts, [(NEUTRAL, 1.0)] * len(parts), None)
    probs = classifier.probabilities([p.text for p in parts])
    chosen = restrain(probs, [p.chapter for p in parts], [p.speech for p in parts], settings, [p.speaker for p in parts])
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


def style_runs(book: Book, tags: Sequence[PassageTag]) -> dict[tuple[int, int], list[StyleRun]]:
    """Each tagged paragraph's runs of spans with one tag, for ``chunk_book`` (the tags attach to
    spans before chunking): one run for a paragraph of one tag, else one per change of tag, so
    its quotes and narration are chunked apart. A paragraph whose tags are not of its text (the
    span count differs) is one run, of its first tag that is not neutral."""
    by_paragraph: dict[tuple[int, int], list[PassageTag]] = {}
    for t in tags:
        by_paragraph.setdefault((t.chapter, t.paragraph), []).append(t)
    runs: dict[tuple[int, int], list[StyleRun]] = {}
    for c, chapter in enumerate(book.chapters):
        for p, paragraph in enumerate(chapter.paragraphs):
            if mine := by_paragraph.get((c, p)):
                runs[(c, p)] = _runs(paragraph.text, [t.tag for t in sorted(mine, key=lambda t: t.span)])
    return runs


def _runs(text: str, styles: list[str]) -> list[StyleRun]:
    spans = split_spans(text) if len(set(styles)) > 1 else []
    if len(spans) != len(styles):  # one tag, or tags not of this text
        return [StyleRun(0, len(text), next((s for s in styles if s != NEUTRAL), NEUTRAL))]
    runs = []
    for style, run in itertools.groupby(zip(spans, styles, strict=True), key=lambda pair: pair[1]):
        same = list(run)
        runs.append(StyleRun(same[0][0].start, same[-1][0].end, style))
    return runs
