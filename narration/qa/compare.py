"""Compare what a chunk should say with what the ASR heard.

Both sides go through the same normalisation: the narration text normaliser (so "1990",
"Mr." or "5%" on either side become the same words), then case, punctuation and hyphens are
folded away. English is compared word by word (WER); Japanese by kana reading, one kana at a
time (CER), because the ASR and the book spell the same words with different kanji/kana mixes
and raw character error rates would count those as errors.

Kana readings come from pyopenjtalk (``pip install --no-deps pyopenjtalk-plus sudachipy``,
the same engine the Japanese voice uses). Without it, Japanese falls back to characters with
hiragana folded into katakana: readings are then not compared, so a kanji spelled in kana
counts as errors and the error rate is inflated; the Japanese thresholds should be raised.

Alignment is jiwer's (Levenshtein over tokens); it lists missing words (in the text, not
heard: skipped or cut off), extra words (heard, not in the text: repeats, hallucinations)
and substitutions (mispronunciations, or ASR mistakes).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import jiwer

from narration.language import primary_language
from narration.text.normalize import normalize

Unit = Literal["word", "char"]

# Languages written without spaces: compared character by character.
CHAR_LANGUAGES = frozenset({"ja", "zh", "th", "lo", "km", "my"})

_PUNCT_AS_SPACE = re.compile(r"[-‐‑‒–—―/]")
_NOT_WORD = re.compile(r"[^\w\s]|_", re.UNICODE)


def unit_for(language: str) -> Unit:
    return "char" if primary_language(language) in CHAR_LANGUAGES else "word"


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub("", _PUNCT_AS_SPACE.sub(" ", text))


@functools.lru_cache(maxsize=1)
def _openjtalk() -> Any | None:
    try:
        import pyopenjtalk
    except ImportError:
        return None
    return pyopenjtalk


def kana_reading_available() -> bool:
    return _openjtalk() is not None


def _katakana(text: str) -> str:
    # Hiragana U+3041-3096 sit exactly 0x60 below their katakana.
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def kana_reading(text: str) -> str:
    """The katakana reading of Japanese ``text`` (kanji read, Latin letters and digits spoken);
    without pyopenjtalk, the text with hiragana folded into katakana."""
    engine = _openjtalk()
    if engine is None:
        return _katakana(unicodedata.normalize("NFKC", text))
    try:
        # pyopenjtalk-plus reads kanji through Sudachi by default; that path needs its
        # dictionary package and is not what the voice does.
        return str(engine.g2p(text, kana=True, use_sudachi_kanji_yomi=False))
    except TypeError:  # plain pyopenjtalk has no such option
        return str(engine.g2p(text, kana=True))


def tokens(text: str, language: str) -> list[str]:
    """``text`` as comparable units: folded words, or (Japanese) the kana of its reading."""
    lang = primary_language(language)
    spoken = normalize(text, language)
    if lang == "ja":
        return [c for c in _fold(kana_reading(spoken)) if not c.isspace()]
    if lang in CHAR_LANGUAGES:
        return [c for c in _fold(spoken) if not c.isspace()]
    return _fold(spoken).split()


@dataclass(frozen=True)
class Comparison:
    """Reference vs hypothesis, aligned. ``missing``/``extra`` hold runs of consecutive tokens."""

    unit: Unit
    reference: tuple[str, ...]
    hypothesis: tuple[str, ...]
    hits: int
    substitutions: int
    deletions: int
    insertions: int
    missing: tuple[tuple[str, ...], ...] = ()
    extra: tuple[tuple[str, ...], ...] = ()
    substituted: tuple[tuple[str, str], ...] = field(default=())

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def error_rate(self) -> float:
        """WER (words) or CER (characters); an empty reference heard as anything is 1.0."""
        if not self.reference:
            return 0.0 if not self.hypothesis else 1.0
        return self.errors / len(self.reference)

    @property
    def longest_missing(self) -> int:
        return max((len(run) for run in self.missing), default=0)

    @property
    def longest_extra(self) -> int:
        return max((len(run) for run in self.extra), default=0)

    def to_dict(self) -> dict[str, Any]:
        sep = " " if self.unit == "word" else ""
        return {
            "unit": self.unit,
            "error_rate": round(self.error_rate, 4),
            "reference_tokens": len(self.reference),
            "hits": self.hits,
            "substitutions": self.substitutions,
            "deletions": self.deletions,
            "insertions": self.insertions,
            "missing": [sep.join(run) for run in self.missing],
            "extra": [sep.join(run) for run in self.extra],
            "substituted": [list(pair) for pair in self.substituted],
        }


def _align(reference: Sequence[str], hypothesis: Sequence[str]) -> list[jiwer.AlignmentChunk]:
    # Tokens never contain spaces, so joining and letting jiwer split again is lossless.
    output = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return list(output.alignments[0])


def compare_tokens(reference: Sequence[str], hypothesis: Sequence[str], unit: Unit = "word") -> Comparison:
    ref, hyp = tuple(reference), tuple(hypothesis)
    if not ref or not hyp:  # jiwer refuses empty sides
        return Comparison(unit, ref, hyp, 0, 0, len(ref), len(hyp),
                          missing=(ref,) if ref else (), extra=(hyp,) if hyp else ())
    hits = subs = dels = ins = 0
    missing: list[tuple[str, ...]] = []
    extra: list[tuple[str, ...]] = []
    substituted: list[tuple[str, str]] = []
    for op in _align(ref, hyp):
        r, h = ref[op.ref_start_idx : op.ref_end_idx], hyp[op.hyp_start_idx : op.hyp_end_idx]
        if op.type == "equal":
            hits += len(r)
        elif op.type == "substitute":
            subs += len(r)
            substituted.extend(zip(r, h, strict=True))
        elif op.type == "delete":
            dels += len(r)
            missing.append(r)
        elif op.type == "insert":
            ins += len(h)
            extra.append(h)
    return Comparison(unit, ref, hyp, hits, subs, dels, ins, tuple(missing), tuple(extra), tuple(substituted))


def compare(reference: str, hypothesis: str, language: str) -> Comparison:
    """Align what ``reference`` says with the ASR's ``hypothesis`` (both normalised alike)."""
    return compare_tokens(tokens(reference, language), tokens(hypothesis, language), unit_for(language))


def split_hypothesis(references: Sequence[Sequence[str]], hypothesis: Sequence[str]) -> list[list[str]]:
    """Share one transcript of several chunks read in a row out among them.

    The transcript is aligned with the chunks' references laid end to end; each heard token goes
    to the chunk whose reference token it matched or replaced, and an extra token to the chunk
    of the reference token before it (so a repeat at a chunk's end counts against that chunk).
    """
    owner = [i for i, ref in enumerate(references) for _ in ref]
    parts: list[list[str]] = [[] for _ in references]
    if not references:
        return parts
    if not owner:
        parts[0].extend(hypothesis)
        return parts
    if not hypothesis:
        return parts
    flat = [t for ref in references for t in ref]
    for op in _align(flat, hypothesis):
        heard = hypothesis[op.hyp_start_idx : op.hyp_end_idx]
        if op.type in ("equal", "substitute"):
            for offset, token in enumerate(heard):
                parts[owner[op.ref_start_idx + offset]].append(token)
        elif op.type == "insert":
            at = owner[op.ref_start_idx - 1] if op.ref_start_idx > 0 else owner[0]
            parts[at].extend(heard)
    return parts
