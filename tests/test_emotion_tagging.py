"""tag_book and style_runs: one tag per span (quoted speech apart from narration), and every
chunk styled by its span, cut where the tag changes (the tags attach to spans before chunking)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from narration.emotion.settings import EmotionSettings
from narration.emotion.tagging import style_runs, tag_book
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import PAUSE_TITLE, Book, Chapter, Paragraph
from narration.options import Pauses
from narration.text import chunk_book, segment_book

KEYWORDS = {"wept": "sad", "furious": "angry", "laughed": "happy", "terrified": "fearful"}


class KeywordClassifier:
    """Stands in for a model: a keyword decides, confidently; also records what it was asked."""

    name = "keywords"

    def __init__(self, languages: Sequence[str] = ("en",)) -> None:
        self.languages = frozenset(languages)
        self.seen: list[str] = []

    def reads(self, language: str) -> bool:
        return language.split("-")[0] in self.languages

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        probs = np.zeros((len(texts), len(TAGS)))
        for i, text in enumerate(texts):
            tag = next((t for word, t in KEYWORDS.items() if word in text), NEUTRAL)
            probs[i, TAGS.index(tag)] = 0.96
            probs[i, TAGS.index(NEUTRAL)] += 0.04
        return probs


def make_book(language: str = "en") -> Book:
    return Book(
        title="Test",
        language=language,
        chapters=[
            Chapter(
                "One",
                [
                    Paragraph("The morning was grey and the road was long."),
                    Paragraph("* * *"),  # a scene break: no chunk
                    Paragraph("She wept for a long time. She wept until dark. Then she slept."),
                    Paragraph("“I am furious with you!” he shouted across the yard."),
                ],
            ),
            Chapter("", [Paragraph("The house stood empty."), Paragraph("He laughed at last, and the sun came out.")]),
        ],
    )


LOOSE = EmotionSettings(smoothing=0, dialogue_smoothing=0, max_share=1)


def test_one_tag_per_span_with_speech_marked() -> None:
    book = make_book()
    classifier = KeywordClassifier()
    tags = tag_book(book, classifier, LOOSE)
    assert [(t.chapter, t.paragraph, t.span) for t in tags] == [
        (0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 0), (0, 3, 1), (1, 0, 0), (1, 1, 0)]
    # the angry quote is tagged, the narrator around it stays neutral
    assert [t.tag for t in tags] == [NEUTRAL, NEUTRAL, "sad", "angry", NEUTRAL, NEUTRAL, "happy"]
    assert [t.is_dialogue for t in tags] == [False, False, False, True, False, False, False]
    texts = [p.text for ch in book.chapters for p in ch.paragraphs]
    assert classifier.seen == [*texts[:3], "“I am furious with you!”", "he shouted across the yard.", *texts[4:]]
    assert all(t.model_tag in TAGS and 0 < t.model_score <= 1 for t in tags)


def test_default_restraint_caps_an_emotional_book() -> None:
    tags = tag_book(make_book(), KeywordClassifier(), EmotionSettings(max_share=0.2, smoothing=0))
    assert sum(t.tag != NEUTRAL for t in tags) == 1  # floor(0.2 * 7 parts classified)


def test_a_japanese_book_stays_neutral_without_a_japanese_model() -> None:
    book = make_book("ja")
    english = KeywordClassifier()
    assert {t.tag for t in tag_book(book, english, LOOSE)} == {NEUTRAL}
    assert english.seen == []  # not even classified
    japanese = KeywordClassifier(languages=("ja",))
    assert "sad" in {t.tag for t in tag_book(book, japanese, LOOSE)}


def test_disabled_stage_or_no_classifier_leaves_everything_neutral() -> None:
    book = make_book()
    off = LOOSE.model_copy(update={"enabled": False})
    assert {t.tag for t in tag_book(book, KeywordClassifier(), off)} == {NEUTRAL}
    assert {t.tag for t in tag_book(book, None, LOOSE)} == {NEUTRAL}


def test_every_chunk_gets_its_paragraphs_style_and_titles_stay_neutral() -> None:
    book = segment_book(make_book())
    chunks = chunk_book(book, max_chars=30)  # small: paragraphs split into several chunks
    tags = tag_book(book, KeywordClassifier(), LOOSE)
    styled = chunk_book(book, max_chars=30, styles=style_runs(book, tags))
    mixed = (0, 3)  # its quote is angry, the narration around it neutral: cut between them
    assert [c.text for c in styled if (c.chapter, c.paragraph) != mixed] == [
        c.text for c in chunks if (c.chapter, c.paragraph) != mixed]  # paragraphs of one tag cut as untagged
    assert all(c.style == NEUTRAL for c in chunks)  # untagged, every chunk is neutral
    tag_of = {(t.chapter, t.paragraph): t.tag for t in tags}
    for chunk in styled:
        if chunk.paragraph is None:
            assert chunk.style == NEUTRAL
            continue
        assert chunk.source in book.chapters[chunk.chapter].paragraphs[chunk.paragraph].text
        if (chunk.chapter, chunk.paragraph) != mixed:
            assert chunk.style == tag_of[(chunk.chapter, chunk.paragraph)]
    assert next((c.source, c.style) for c in styled if (c.chapter, c.paragraph) == mixed) == (
        "“I am furious with you!”", "angry")
    assert {c.style for c in styled if (c.chapter, c.paragraph) == mixed} == {"angry", NEUTRAL}
    assert sum(c.pause_after == PAUSE_TITLE for c in chunks) == 1  # chapter two has no title
    assert {c.style for c in styled} >= {"sad", "angry", "happy", NEUTRAL}


def test_an_empty_book_has_no_tags() -> None:
    assert tag_book(Book("empty"), KeywordClassifier(), LOOSE) == []
    assert style_runs(Book("empty"), []) == {}


def test_an_unspoken_title_does_not_shift_paragraphs() -> None:
    book = segment_book(
        Book("t", chapters=[Chapter("* * *", [Paragraph("* * *"), Paragraph("They wept."), Paragraph("Calm.")])])
    )
    chunks = chunk_book(book, max_chars=200)
    assert [c.source for c in chunks] == ["They wept.", "Calm."]  # neither the title nor the break is read
    styled = chunk_book(book, max_chars=200, styles=style_runs(book, tag_book(book, KeywordClassifier(), LOOSE)))
    assert [c.style for c in styled] == ["sad", NEUTRAL]


def test_notes_read_aloud_stay_neutral() -> None:
    from narration.model import PARA_NOTE

    book = Book(title="Test", chapters=[Chapter("One", [
        Paragraph("“You are furious,” she said, and he was."),
        Paragraph("Note: the translator was furious with this line.", kind=PARA_NOTE),
    ])])
    tags = tag_book(book, KeywordClassifier(), EmotionSettings(max_share=1.0))
    assert [t.model_tag for t in tags] == ["angry", NEUTRAL, "angry"]  # the model hears anger in the quote and the note
    assert [t.tag for t in tags] == ["angry", NEUTRAL, NEUTRAL]  # the note is read neutrally anyway


def test_a_chunk_is_cut_where_the_tag_changes_and_only_there() -> None:
    book = segment_book(Book("t", chapters=[Chapter("", [
        Paragraph("“I am furious with you!” he shouted, and walked across the yard."),
        Paragraph("“Go,” he said, “and never come back.” It was calm after that."),
    ])]))
    chunks = chunk_book(book, max_chars=200)
    assert [c.source for c in chunks] == [p.text for p in book.chapters[0].paragraphs]  # one chunk each
    tags = tag_book(book, KeywordClassifier(), LOOSE)
    styled = chunk_book(book, max_chars=200, styles=style_runs(book, tags))
    assert [(c.source, c.style) for c in styled] == [
        ("“I am furious with you!”", "angry"),
        ("he shouted, and walked across the yard.", NEUTRAL),
        (book.chapters[0].paragraphs[1].text, NEUTRAL),  # one tag over its spans: not cut
    ]
    assert [c.index for c in styled] == [0, 1, 2]
    # "...you!” he shouted" is one sentence read in two takes: a clause's pause between them
    assert [c.pause_after for c in styled] == ["clause", "paragraph", "paragraph"]
    assert [c.paragraph for c in styled] == [0, 0, 1]
    # tags not of this text (a span short) are not cut by: the paragraph takes the quote's tag
    stale = style_runs(book, [t for t in tags if (t.paragraph, t.span) != (0, 1)])
    assert [c.style for c in chunk_book(book, max_chars=200, styles=stale)] == ["angry", NEUTRAL]


def test_a_cut_between_sentences_keeps_the_sentence_pause() -> None:
    book = segment_book(Book("t", chapters=[Chapter("", [
        Paragraph("He looked up at the sky. “I am furious with you!” Then he walked away, and slowly."),
        Paragraph("He turned and exclaimed: “I am furious with you!”"),  # a colon brings in the quotation
    ])]))
    styled = chunk_book(book, max_chars=200, styles=style_runs(book, tag_book(book, KeywordClassifier(), LOOSE)))
    assert [(c.style, c.pause_after) for c in styled] == [
        (NEUTRAL, "sentence"), ("angry", "sentence"), (NEUTRAL, "paragraph"), (NEUTRAL, "sentence"),
        ("angry", "paragraph")]
    assert Pauses().after("clause") < Pauses().after("sentence")


def test_an_interrupted_quote_is_classified_as_one_text_and_tagged_alike() -> None:
    book = Book("t", chapters=[Chapter("", [Paragraph("“Go,” he said, “I am furious!” He went out.")])])
    classifier = KeywordClassifier()
    tags = tag_book(book, classifier, LOOSE)
    assert classifier.seen == ["“Go,” “I am furious!”", "he said, He went out."]
    assert [(t.span, t.tag, t.is_dialogue) for t in tags] == [
        (0, "angry", True), (1, NEUTRAL, False), (2, "angry", True), (3, NEUTRAL, False)]


def test_speech_and_narration_spans_take_their_own_thresholds() -> None:
    class Lukewarm(KeywordClassifier):
        def probabilities(self, texts: Sequence[str]) -> np.ndarray:
            probs = np.full((len(texts), len(TAGS)), 0.4 / (len(TAGS) - 1))
            probs[:, TAGS.index("sad")] = 0.6  # above the speech threshold, below the narration one
            return probs

    book = Book("t", chapters=[Chapter("", [Paragraph("“It is over,” she said, and looked away.")])])
    tags = tag_book(book, Lukewarm(), EmotionSettings(smoothing=0, dialogue_smoothing=0, max_share=1,
                                                      threshold=0.7, dialogue_threshold=0.5))
    assert [(t.is_dialogue, t.tag) for t in tags] == [(True, "sad"), (False, NEUTRAL)]
