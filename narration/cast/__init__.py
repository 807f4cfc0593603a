"""The cast stage, between text and emotion: a book's characters, who says each quote, and a
voice for each character. It reads the text stage's speech spans and imports no later stage."""

from narration.cast.attribution import Attribution, Quote, attribute
from narration.cast.characters import Character

__all__ = ["Attribution", "Character", "Quote", "attribute"]
