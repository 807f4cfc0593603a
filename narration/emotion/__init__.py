"""The emotion stage: tag each paragraph's quoted speech and narration with an emotion, with
restraint, for the voice to use.

    classifier = load_classifier(settings.model, settings.label_map, languages=settings.languages)
    tags = tag_book(book, classifier, settings)          # one PassageTag per span of a paragraph
    chunks = chunk_book(book, max_chars, styles=style_runs(book, tags))  # cut where the tag changes

Heavy imports (torch, transformers, datasets, matplotlib) happen only inside the functions
that need them.
"""

from narration.emotion.classifier import EmotionClassifier, classify_texts, load_classifier
from narration.emotion.settings import EmotionSettings
from narration.emotion.styles import instruction, load_styles, prosody_table
from narration.emotion.tagging import PassageTag, style_runs, tag_book
from narration.emotion.tags import NEUTRAL, TAGS

__all__ = [
    "NEUTRAL",
    "TAGS",
    "EmotionClassifier",
    "EmotionSettings",
    "PassageTag",
    "classify_texts",
    "instruction",
    "load_classifier",
    "load_styles",
    "prosody_table",
    "style_runs",
    "tag_book",
]
