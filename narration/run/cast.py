"""The cast in the run: who says each quote (``narration.cast``) and the voice it is read in.

Planning attributes the book after the text stage, casts each character a voice of the book's
backend (keeping the voices of the book's last ``cast.toml``, or of one the user names with
``--cast FILE``) and gives each speech span its speaker's voice where that differs from the
narrator's. The spans' voices go onto the chunker's runs, as the emotion tags do, so a chunk
never spans two speakers and narration keeps its chunk keys.

Who is cast: Kokoro English only (a voice name or a mix per utterance). Every other backend
reads quotes in the narrator's voice, and the dry-run says why (``CastPlan.note``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narration.cast import Attribution, Cast, attribute_book, build_cast, read_cast
from narration.cast.attribution import LANGUAGES
from narration.errors import InputError, NarrationError
from narration.language import primary_language
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.store import atomic
from narration.text.chunking import NEUTRAL_STYLE, ParagraphStyles, StyleRun
from narration.text.spans import split_spans

CAST_BACKENDS = ("kokoro-en",)  # backends that take a voice per utterance and have voices to cast
_OPENERS = "\"“‘'「『"  # a chunk opening a quote
SPEAKERS_BASE = "speakers-base.json"  # beside the script base (``BookLayout.speakers_base``)
SpanKey = tuple[int, int, int]  # (chapter, paragraph, span), as the script and emotion tags key spans


@dataclass(frozen=True)
class CastPlan:
    """The cast a run reads with: ``cast`` None when the narrator reads every quote (``note`` says why)."""

    cast: Cast | None = None
    speakers: Mapping[SpanKey, str | None] = field(default_factory=dict)  # span -> cast character id
    note: str | None = None
    found: Mapping[SpanKey, str | None] = field(default_factory=dict)  # ``speakers`` before a person's edits

    def voices(self) -> dict[SpanKey, str]:
        """Each speech span read in a voice other than the narrator's: span -> that voice."""
        if self.cast is None:
            return {}
        out = {}
        for key, speaker in self.speakers.items():
            voice = self.cast.voice_of(speaker) if speaker else self.cast.narrator
            if voice and voice != self.cast.narrator:
                out[key] = voice
        return out

    def script_speakers(self) -> dict[SpanKey, str]:
        """What ``script.tsv``'s speaker column says: each quote's character id ("" the narrator)."""
        return {key: speaker or "" for key, speaker in self.speakers.items()}

    def found_speakers(self) -> dict[SpanKey, str]:
        """What attribution says, as the script would: the speakers base a person's edits are told from."""
        return {key: speaker or "" for key, speaker in self.found.items()}

    def first_lines(self, chunks: Sequence[Chunk]) -> list[tuple[str, str, int, int]]:
        """(name, voice, lines, chunk index) of each speaking character's first line: the
        first chunk of its first quote's paragraph read in its voice."""
        if self.cast is None:
            return []
        out = []
        for c in self.cast.characters:
            mine = sorted(key for key, who in self.speakers.items() if who == c.id)
            if not mine:
                continue
            voice = self.cast.voice_of(c.id)
            spoken = None if voice == self.cast.narrator else voice
            where = mine[0][:2]
            chunk = next((k for k in chunks if (k.chapter, k.paragraph) == where and k.voice == spoken
                          and (spoken or k.source.lstrip()[:1] in _OPENERS)), None)  # fmt: skip
            if chunk is not None:
                out.append((c.name, voice, len(mine), chunk.index))
        return out

    def summary(self) -> dict[str, Any]:
        """The dry-run JSON's ``cast``: the narrator, each character and why no one is cast."""
        if self.cast is None:
            return {"narrator": None, "characters": [], "quotes": len(self.speakers), "narrator_reads": len(self.speakers),
                    "note": self.note}  # fmt: skip
        return {
            "narrator": self.cast.narrator,
            "quotes": len(self.speakers),
            "narrator_reads": len(self.speakers) - len(self.voices()),
            "characters": [{"id": c.id, "name": c.name, "aliases": list(c.aliases), "gender": c.gender,
                            "lines": c.lines, "voice": c.voice or self.cast.narrator} for c in self.cast.characters],
            "note": self.note,
        }  # fmt: skip


def kokoro_styles() -> dict[str, Any]:
    """Installed Kokoro English voices' style vectors (name -> 510 x 1 x 256); empty when none are."""
    from narration.synthesis.kokoro_voices import installed_voices, read_voice

    try:
        names = [n for n in installed_voices() if n[:3] in ("af_", "am_", "bf_", "bm_")]
        return {n: read_voice(n)[0] for n in names}
    except NarrationError:
        return {}


def narrator_voice(options: NarrationOptions) -> str:
    from narration.synthesis.kokoro_en import DEFAULT_VOICE

    return options.synthesis.voice or DEFAULT_VOICE


def cast_book(
    book: Book, options: NarrationOptions, cast_file: Path | None, edits: Mapping[SpanKey, str] | None = None,
    script: Path | None = None,
) -> CastPlan:
    """Who says each quote of ``book`` and in which voice, for a run with ``options`` (backend
    resolved). ``cast_file``: the book's ``cast.toml`` from its last run, if any; ``--cast FILE``
    replaces it. ``edits``: the speakers a person changed in ``script`` (span -> id or name, ""
    the narrator: ``speaker_edits``). InputError for a cast file that does not read, or an edit
    naming no one in the cast."""
    settings = options.cast
    if settings.off:
        return CastPlan(note="--cast off: the narrator reads every quote")
    backend = options.synthesis.backend
    if backend not in CAST_BACKENDS:
        return CastPlan(note=f"the {backend} voice reads every quote: characters are cast on Kokoro English only "
                             "(no multi-speaker Piper model ships in a registry package; Qwen3's speakers "
                             "are not cast yet)")  # fmt: skip
    if primary_language(book.language) not in LANGUAGES:
        return CastPlan(note=f"the book is in {book.language!r}: who speaks is found in English only, "
                             "so the narrator reads every quote")  # fmt: skip
    chosen = Path(settings.file) if settings.file else cast_file
    previous = read_cast(chosen) if chosen is not None and chosen.exists() else None
    if settings.file and previous is None:
        read_cast(chosen)  # raises InputError naming the missing file
    attribution = attribute_book(book)
    narrator = narrator_voice(options)
    cast, cast_as = build_cast(attribution.characters, narrator, previous, kokoro_styles(), attribution.partners())
    found = _speakers(attribution, cast_as)
    speakers = dict(found)
    for key, who in (edits or {}).items():
        if key in speakers:
            speakers[key] = _who(who, cast, cast_as, script)
    return CastPlan(cast, speakers, found=found)


def _who(name: str, cast: Cast, cast_as: Mapping[str, str], script: Path | None) -> str | None:
    """The cast id a script's speaker names: an id, a found character's id (merged since), a name or alias."""
    if name.strip().lower() in ("", "narrator"):
        return None
    ids = {c.id for c in cast.characters}
    if name in ids:
        return name
    if name in cast_as:
        return cast_as[name]
    folded = name.strip().casefold()
    for c in cast.characters:
        if folded in (f.casefold() for f in c.forms):
            return c.id
    raise InputError(script or "script.tsv", f"speaker {name!r} is not a character of cast.toml (an id, name or "
                     "alias there; empty for the narrator)")


def speaker_edits(rows: Sequence[Any], base: Mapping[SpanKey, str]) -> dict[SpanKey, str]:
    """The speakers a person changed in the script: rows (``ScriptRow``) whose speaker differs
    from what the last run wrote (``base``). A script written before speakers has none."""
    edits = {}
    for row in rows:
        if row.speaker is None or row.span is None:
            continue
        key = (row.chapter, row.paragraph, row.span)
        if row.speaker != base.get(key, ""):
            edits[key] = row.speaker
    return edits


def read_speakers_base(path: Path) -> dict[SpanKey, str]:
    """What the last run wrote in the script's speaker column ({} when none was recorded or it is damaged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {(int(c), int(p), int(s)): str(who) for c, p, s, who in data}
    except (OSError, ValueError, TypeError):
        return {}


def write_speakers_base(path: Path, speakers: Mapping[SpanKey, str]) -> Path:
    return atomic.write_text(path, json.dumps([[*key, who] for key, who in sorted(speakers.items())]))


def _speakers(attribution: Attribution, cast_as: Mapping[str, str]) -> dict[SpanKey, str | None]:
    return {key: cast_as.get(speaker, speaker) if speaker else None for key, speaker in attribution.speakers().items()}


def voiced_runs(book: Book, styles: ParagraphStyles | None, voices: Mapping[SpanKey, str]) -> ParagraphStyles | None:
    """``styles`` (the emotion stage's runs, or None) with each speech span's voice: a paragraph
    where someone other than the narrator speaks is cut into runs of one style and one voice;
    every other paragraph keeps its runs, so its chunks (and their keys) are as before."""
    if not voices:
        return styles
    out: dict[tuple[int, int], Sequence[StyleRun]] = dict(styles or {})
    for (c, p), group in itertools.groupby(sorted(voices.items()), key=lambda item: item[0][:2]):
        if not (0 <= c < len(book.chapters) and 0 <= p < len(book.chapters[c].paragraphs)):
            continue
        text = book.chapters[c].paragraphs[p].text
        by_span = {key[2]: voice for key, voice in group}
        runs = out.get((c, p)) or [StyleRun(0, len(text), NEUTRAL_STYLE)]
        pieces = [StyleRun(s.start, s.end, _style_at(runs, s.start), by_span.get(n)) for n, s in enumerate(split_spans(text))]
        merged: list[StyleRun] = []
        for run in pieces:
            if merged and (merged[-1].style, merged[-1].voice) == (run.style, run.voice):
                merged[-1] = merged[-1]._replace(end=run.end)
            else:
                merged.append(run)
        out[(c, p)] = merged
    return out


def _style_at(runs: Sequence[StyleRun], position: int) -> str:
    return next((r.style for r in runs if r.start <= position < r.end), runs[0].style if runs else NEUTRAL_STYLE)
