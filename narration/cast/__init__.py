"""The cast stage, between text and emotion: a book's characters, who says each quote, and a
voice for each character. It reads the text stage's speech spans and imports no later stage."""

from narration.cast.attribution import Attribution, Quote, attribute, attribute_book
from narration.cast.casting import (
    Cast,
    build_cast,
    choose_voices,
    read_cast,
    write_cast,
)
from narration.cast.characters import Character

__all__ = ["Attribution", "Cast", "Character", "Quote", "attribute", "attribute_book", "build_cast", "choose_voices", "read_cast", "write_cast"]
