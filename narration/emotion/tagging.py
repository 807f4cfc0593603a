"""The emotion stage's entry points: tag a book's passages, then set each chunk's style."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from narration.emotion.classifier import EmotionClassifier
from narration.emotion.passages import book_passages
from narration.emotion.restraint import restrain
from narration.emotion.settings import EmotionSettings
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import PARA_NOTE, Book, Chunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassageTag:
    """The emotion chosen for one paragraph."""

    chapter: int  # 0-based chapter index
    paragraph: int  # 0-based paragraph index within the chapter
    tag: str  # one of TAGS, after restraint
    score: float  # smoothed probability of ``tag``
    is_dialogue: bool
    model_tag: str = ""  # the model's own top tag before restraint; "" when not classified
    model_score: float = 0.0


def tag_book(book: Book, classifier: EmotionClassifier | None, settings: EmotionSettings) -> list[PassageTag]:
    """One tag per paragraph of ``book``, in reading order.

    Every passage stays neutral when the stage is off, when there is no classifier, or when
    the classifier does not read the book's language (a Japanese book needs a Japanese model
    with "ja" in ``settings.languages``).
    """
    passages = book_passages(book)
    if not settings.enabled or classifier is None or not classifier.reads(book.language):
        if settings.enabled and classifier is not None:
            log.info("emotion: %s does not read %r; every passage stays neutral", classifier.name, book.language)
        return [PassageTag(p.chapter, p.paragraph, NEUTRAL, 1.0, p.is_dialogue) for p in passages]
    probs = classifier.probabilities([p.text for p in passages])
    chosen = restrain(probs, [p.chapter for p in passages], [p.is_dialogue for p in passages], settings)
    # Notes read aloud are the editor's voice, not the story's: always neutral.
    chosen = [(NEUTRAL, 1.0) if book.chapters[p.chapter].paragraphs[p.paragraph].kind == PARA_NOTE else c
              for p, c in zip(passages, chosen, strict=True)]
    return [
        PassageTag(p.chapter, p.paragraph, tag, score, p.is_dialogue, TAGS[int(row.argmax())], float(row.max()))
        for p, (tag, score), row in zip(passages, chosen, probs, strict=True)
    ]


def apply_tags(chunks: Sequence[Chunk], tags: Sequence[PassageTag]) -> list[Chunk]:
    """``chunks`` with ``style`` set to their paragraph's tag (spoken titles stay neutral)."""
    by_paragraph = {(t.chapter, t.paragraph): t.tag for t in tags}
    return [
        dataclasses.replace(chunk, style=NEUTRAL if chunk.paragraph is None
                            else by_paragraph.get((chunk.chapter, chunk.paragraph), NEUTRAL))
        for chunk in chunks
    ]
