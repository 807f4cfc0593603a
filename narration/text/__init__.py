"""The text stage: sentences, speech normalisation and synthesis chunks."""

from narration.text.chunking import ParagraphStyles, StyleRun, chunk_book, fit_sentence
from narration.text.normalize import normalize
from narration.text.sentences import segment_book, split_sentences

__all__ = ["ParagraphStyles", "StyleRun", "chunk_book", "fit_sentence", "normalize", "segment_book", "split_sentences"]
