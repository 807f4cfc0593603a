"""Cut a book into synthesis chunks: whole sentences of one paragraph, at most ``max_chars``
characters of speech text each.

Lengths are measured on normalised text (what the voice reads), so each sentence is
normalised before packing. A sentence longer than the limit is cut at clause punctuation
first, then between words (Japanese: at 、, then between characters), never inside a word;
only a single word whose spoken form is itself longer than the limit is cut by characters.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from narration.errors import ConfigError
from narration.language import UNSPACED, primary_language
from narration.model import (
    PAUSE_CLAUSE,
    PAUSE_PARAGRAPH,
    PAUSE_SCENE,
    PAUSE_SENTENCE,
    PAUSE_TITLE,
    Book,
    Chapter,
    Chunk,
    Paragraph,
)
from narration.ruby import ruby_spans
from narration.text.lexicon import Lexicon
from narration.text.normalize import normalize
from narration.text.sentences import split_sentences


class Piece(NamedTuple):
    """A span of original text and its speech text."""

    source: str
    text: str


class StyleRun(NamedTuple):
    """``text[start:end]`` of a paragraph, read in one emotion ``style`` (the emotion stage's
    ``style_runs``: a paragraph whose quoted speech and narration carry different tags)."""

    start: int
    end: int
    style: str
    voice: str | None = None  # a character's voice (the cast); None: the narrator's


# (chapter, paragraph) -> the paragraph's runs in reading order; one run: the whole paragraph
ParagraphStyles = Mapping[tuple[int, int], Sequence[StyleRun]]
NEUTRAL_STYLE = "neutral"  # ``Chunk.style``'s default: a paragraph without a run, a spoken title

CutFinder = Callable[[str], list[int]]

# After clause punctuation, with any closing quotes and the spaces that follow; a comma or
# colon inside a number ("1,234", "3:30") is not a clause boundary. A run of such marks is one
# cut, after it ("——", ",—"): a cut inside gave the chunker a span to speak at every mark, so a
# line of 30,000 commas took 6 s to plan.
_CLAUSE_END = re.compile(r"(?:(?:[,;:](?!\d)|[—–、，；：])[\"'”’)」』]*+\s*+)++")
_WORD_GAP = re.compile(r"\s+")
# Titles and references that read as one phrase with the next word ("Mr. Smith", "No. 5"):
# cut after them and the voice would pause as if a sentence ended.
_BINDS_NEXT = re.compile(r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|St|Prof|Rev|Capt|Lt|Sgt|Col|Gov|Sen|Mt|Ft|No|pp|p|Vol)\.$")
_LATIN_PAIR = re.compile(r"[A-Za-z0-9]{2}")


def clause_cuts(text: str) -> list[int]:
    return [m.end() for m in _CLAUSE_END.finditer(text) if 0 < m.end() < len(text)]


def word_cuts(text: str) -> list[int]:
    return [
        m.end()
        for m in _WORD_GAP.finditer(text)
        if m.start() > 0
        and m.end() < len(text)
        and not _BINDS_NEXT.search(text, max(0, m.start() - 6), m.start())
    ]


def character_cuts(text: str) -> list[int]:
    """Japanese has no spaces: any character boundary, except inside a Latin word or number
    or inside a ruby annotation (｜base《reading》 must stay whole to be read as its reading)."""
    inside = {i for start, end in ruby_spans(text) for i in range(start + 1, end)}
    return [i for i in range(1, len(text)) if i not in inside and not _LATIN_PAIR.fullmatch(text[i - 1 : i + 1])]


def _cut_levels(language: str) -> Sequence[CutFinder]:
    return (clause_cuts, character_cuts) if language in UNSPACED else (clause_cuts, word_cuts)


def _split_spoken(source: str, text: str, max_chars: int) -> list[Piece]:
    """Last resort for one unbreakable source word spoken longer than the limit (a huge
    number): cut its speech text between words, or by characters if a word is too long.
    The first piece carries the source, so sources still add up to the original text."""
    parts: list[str] = []
    for word in text.split():
        for start in range(0, len(word), max_chars):
            fragment = word[start : start + max_chars]
            if parts and len(parts[-1]) + 1 + len(fragment) <= max_chars:
                parts[-1] += " " + fragment
            else:
                parts.append(fragment)
    return [Piece(source if i == 0 else "", part) for i, part in enumerate(parts)]


def fit_sentence(
    source: str,
    language: str,
    max_chars: int,
    levels: Sequence[CutFinder] | None = None,
    lexicon: Lexicon | None = None,
) -> list[Piece]:
    """``source`` as pieces whose speech text fits ``max_chars``: one piece if it fits, else
    the fewest cuts at the coarsest boundary level that works (greedy, left to right)."""
    levels = _cut_levels(primary_language(language)) if levels is None else levels
    return _fit(source, normalize(source, language, lexicon), language, max_chars, levels, lexicon)


def _fit(
    source: str, text: str, language: str, max_chars: int, levels: Sequence[CutFinder], lexicon: Lexicon | None
) -> list[Piece]:
    """``fit_sentence`` for a ``source`` whose speech text ``text`` is already known: a span
    that came out too long is cut finer without being normalised again."""
    if len(text) <= max_chars:
        return [Piece(source, text)] if text else []
    if not levels:
        return _split_spoken(source, text, max_chars)
    cuts = levels[0](source)
    if not cuts:
        return _fit(source, text, language, max_chars, levels[1:], lexicon)
    pieces: list[Piece] = []
    bounds = [*cuts, len(source)]  # ascending; every cut lies inside the text
    start, stride = 0, 1
    while start < len(source):
        first = bisect_right(bounds, start)  # the candidate ends: bounds[first:]
        last, best = _longest_fit(source, start, bounds, first, stride, language, max_chars, lexicon)
        if len(best.text) > max_chars:  # even the shortest span is too long: cut it finer
            pieces.extend(_fit(best.source, best.text, language, max_chars, levels[1:], lexicon))
        elif best.text:
            pieces.append(best)
        stride = last - first + 1
        start = bounds[last]
    return pieces


def _longest_fit(
    source: str, start: int, bounds: list[int], first: int, guess: int, language: str, max_chars: int,
    lexicon: Lexicon | None,
) -> tuple[int, Piece]:
    """The last of ``bounds[first:]`` whose span from ``start`` is spoken within ``max_chars``,
    and that span; ``first`` and its too-long span when none is.

    Spoken length grows with the span, so the first bound that is too long ends the search, as
    a scan bound by bound would: galloping from ``guess`` bounds on (the last piece's count)
    and bisecting finds it in a few normalisations a piece instead of one a word (a 1 MB
    paragraph without punctuation took 30 s to chunk)."""

    def piece(index: int) -> Piece:
        span = source[start : bounds[index]].strip()
        return Piece(span, normalize(span, language, lexicon))

    good, best = first, piece(first)
    if len(best.text) > max_chars:
        return first, best
    bad = len(bounds)  # taken as too long: past the last bound
    probe, step = min(first + max(guess - 1, 1), len(bounds) - 1), 1
    while good < probe < bad:  # up from the guess while the spans fit...
        candidate = piece(probe)
        if len(candidate.text) > max_chars:
            bad = probe
            break
        good, best = probe, candidate
        probe, step = min(probe + step, len(bounds) - 1), step * 2
    step = 1
    while bad < len(bounds) and (probe := bad - step) > good:  # ...or down while they don't
        candidate = piece(probe)
        if len(candidate.text) <= max_chars:
            good, best = probe, candidate
            break
        bad, step = probe, step * 2
    while bad - good > 1:
        middle = (good + bad) // 2
        candidate = piece(middle)
        if len(candidate.text) > max_chars:
            bad = middle
        else:
            good, best = middle, candidate
    return good, best


def _pack(pieces: list[list[Piece]], joiner: str, max_chars: int) -> Iterator[Piece]:
    """Join whole sentences (those that came out as one piece) while they fit; the parts of a
    cut sentence stay chunks of their own."""
    group: list[Piece] = []

    def flush() -> Iterator[Piece]:
        if group:
            yield Piece(joiner.join(p.source for p in group), joiner.join(p.text for p in group))
            group.clear()

    for sentence in pieces:
        if len(sentence) != 1:
            yield from flush()
            yield from sentence
            continue
        piece = sentence[0]
        joined = len(joiner.join(p.text for p in group)) + len(joiner) + len(piece.text)
        if group and joined > max_chars:
            yield from flush()
        group.append(piece)
    yield from flush()


def _paragraph_pieces(
    paragraph: Paragraph, language: str, max_chars: int, lexicon: Lexicon | None
) -> list[Piece]:
    sentences = paragraph.sentences or split_sentences(paragraph.text, language)
    joiner = "" if primary_language(language) in UNSPACED else " "
    fitted = [fit_sentence(s, language, max_chars, lexicon=lexicon) for s in sentences]
    return list(_pack([f for f in fitted if f], joiner, max_chars))


def has_speech(chapter: Chapter, language: str, max_chars: int, lexicon: Lexicon | None = None) -> bool:
    """Whether ``chunk_book`` makes at least one chunk of the chapter's text (its title aside):
    a chapter of only emoji, symbols or punctuation has nothing a voice can read. Stops at the
    first paragraph that speaks, so it costs about one paragraph's chunking per chapter."""
    return any(_paragraph_pieces(p, language, max_chars, lexicon) for p in chapter.paragraphs)


def chunk_book(
    book: Book, max_chars: int, lexicon: Mapping[str, str] | None = None, styles: ParagraphStyles | None = None
) -> list[Chunk]:
    """Every chapter's spoken title (if any), then its paragraphs, as chunks in book order.

    ``lexicon`` (word -> spoken form) changes the speech text only; ``Chunk.source`` keeps the
    book's words, which QA compares the transcript with.

    ``styles``: each paragraph's emotion, attached to its spans before chunking. A paragraph of
    one run takes its style; one of several runs is cut where the style changes, each run
    chunked as a paragraph of its own, so no chunk mixes two styles. A paragraph not in
    ``styles`` (and every spoken title) is neutral, so an untagged book chunks as before. A run's
    ``voice`` (a character's, from the cast) is the voice of its chunks: runs differ where either
    the style or the voice changes, so no chunk spans two speakers.

    ``Chunk.index`` runs 0.. across the whole book. The last chunk of a paragraph pauses for
    a paragraph (a scene break where one follows), the title's last chunk for a title, every
    other chunk for a sentence (or a clause, where a run begins inside a sentence).
    Paragraphs without ``sentences`` are segmented here; ``book`` is not modified.
    """
    if max_chars < 1:
        raise ConfigError(f"max_chars must be a positive number of characters, not {max_chars}")
    spoken = Lexicon(lexicon) if lexicon else None
    chunks: list[Chunk] = []

    def emit(chapter: int, paragraph: int | None, pieces: list[_Styled], last_pause: str, language: str) -> None:
        for i, (piece, pause, style, voice) in enumerate(pieces):
            pause = last_pause if i == len(pieces) - 1 else pause
            chunks.append(Chunk(chapter, len(chunks), piece.text, piece.source, language, pause, style, paragraph, voice))

    for chapter_index, chapter in enumerate(book.chapters):
        language = chapter.language or book.language  # a chapter clearly in another language reads in it
        if chapter.title.strip():
            title = fit_sentence(chapter.title.strip(), language, max_chars, lexicon=spoken)
            emit(chapter_index, None, _plain(title, NEUTRAL_STYLE), PAUSE_TITLE, language)
        for number, paragraph in enumerate(chapter.paragraphs):
            runs = styles.get((chapter_index, number), ()) if styles else ()
            if len(runs) > 1:
                pieces = _run_pieces(paragraph.text, runs, language, max_chars, spoken)
            else:
                style, voice = (runs[0].style, runs[0].voice) if runs else (NEUTRAL_STYLE, None)
                pieces = _plain(_paragraph_pieces(paragraph, language, max_chars, spoken), style, voice)
            emit(chapter_index, number, pieces, PAUSE_SCENE if paragraph.scene_break else PAUSE_PARAGRAPH, language)
    return chunks


class _Styled(NamedTuple):
    """A piece, the pause after it inside its paragraph, its style and its voice."""

    piece: Piece
    pause: str
    style: str
    voice: str | None = None


def _plain(pieces: list[Piece], style: str, voice: str | None = None) -> list[_Styled]:
    return [_Styled(piece, PAUSE_SENTENCE, style, voice) for piece in pieces]


def _run_pieces(
    text: str, runs: Sequence[StyleRun], language: str, max_chars: int, lexicon: Lexicon | None
) -> list[_Styled]:
    """A paragraph's pieces one run of one style at a time; where a run begins, the pause of a
    new sentence or of a clause (``_pause_between``)."""
    made: list[_Styled] = []
    before = ""
    for run in runs:
        part = text[run.start : run.end]
        if made:  # where this run begins: a new sentence, or inside one (a quotation and its "he said")
            made[-1] = made[-1]._replace(pause=_pause_between(before, part, language))
        made += _plain(_paragraph_pieces(Paragraph(part), language, max_chars, lexicon), run.style, run.voice)
        before = part
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
