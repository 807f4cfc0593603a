"""``narrate voices``: every installed voice of a language reads one passage; takes are cached by key."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narration.audio import Audio
from narration.cli import voices as voices_command
from narration.errors import ConfigError, InputError
from narration.model import Utterance
from narration.options import NarrationOptions
from narration.review.audition import (
    PASSAGES,
    Section,
    Voice,
    audition,
    cast_voices,
    installed_voices,
    passage_for,
    render_page,
)
from narration.synthesis.piper import BUNDLED_VOICES

RATE = 16000


class CountingBackend:
    """Reads every utterance as ``seconds`` of a tone; counts what it synthesized."""

    name = "fake"
    max_chars = 400

    def __init__(self, voice: str, speed: float, calls: list[str], seconds: float) -> None:
        self.voice, self.speed, self.calls, self.seconds = voice, speed, calls, seconds

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        return {"backend": self.name, "voice": utterance.voice or self.voice, "speed": self.speed}

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        self.calls += [u.voice or self.voice for u in batch]
        t = np.arange(int(self.seconds * RATE)) / RATE
        return [Audio((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), RATE) for _ in batch]


VOICES = [Voice("fake", "af_one", "American English", "female"), Voice("fake", "bm_two", "British English", "male")]


def factory(calls: list[str], seconds: float = 12.0):
    return lambda options: CountingBackend(options.synthesis.voice, options.synthesis.speed, calls, seconds)


def test_a_second_audition_renders_nothing_and_the_page_lists_every_voice(tmp_path: Path) -> None:
    text = " ".join(["word"] * 20)
    calls: list[str] = []
    first = audition(VOICES, text, "en", tmp_path, backend_for=factory(calls))
    assert calls == ["af_one", "bm_two"] and all(t.rendered for t in first)
    assert [round(t.rate) for t in first] == [100, 100]  # 20 words in 12 s of audio
    calls.clear()
    again = audition(VOICES, text, "en", tmp_path, backend_for=factory(calls))
    assert calls == [] and not any(t.rendered for t in again)
    assert [t.path for t in again] == [t.path for t in first]

    page = render_page([Section("en", text, again)], tmp_path).read_text(encoding="utf-8")
    for voice in VOICES:
        assert f"<td>{voice.name}</td>" in page and f"<td>{voice.accent}</td>" in page
    sources = re.findall(r'<audio controls preload="none" src="([^"]+)"', page)
    assert len(sources) == 2 and all((tmp_path / s).is_file() for s in sources)  # relative to the page
    assert "100 words/min" in page


def test_what_changes_the_sound_renders_anew(tmp_path: Path) -> None:
    calls: list[str] = []
    audition(VOICES[:1], "One two three.", "en", tmp_path, backend_for=factory(calls))
    audition(VOICES[:1], "One two three.", "en", tmp_path, backend_for=factory(calls), speed=1.2)
    audition(VOICES[:1], "One two four.", "en", tmp_path, backend_for=factory(calls))
    assert calls == ["af_one"] * 3


def test_a_voice_that_fails_is_left_out_and_the_rest_are_heard(tmp_path: Path) -> None:
    calls: list[str] = []
    make = factory(calls)

    def failing(options: NarrationOptions) -> CountingBackend:
        if options.synthesis.voice == "af_one":
            raise RuntimeError("voice file damaged")
        return make(options)

    takes = audition(VOICES, "Hello there.", "en", tmp_path, backend_for=failing)
    assert [t.voice.name for t in takes] == ["bm_two"]


def test_unspaced_languages_are_measured_in_characters(tmp_path: Path) -> None:
    takes = audition(VOICES[:1], "狼だ狼だ", "ja", tmp_path, backend_for=factory([], seconds=2.4))
    assert takes[0].unit == "characters/min" and round(takes[0].rate) == 100


def test_the_passage_is_the_languages_or_the_users() -> None:
    assert passage_for("en-GB", None) == PASSAGES["en"]
    assert re.search(r"\d", PASSAGES["en"]) and "“" in PASSAGES["en"]  # numbers and dialogue
    assert passage_for("fi", "  Hyvää   päivää ") == "Hyvää päivää"
    with pytest.raises(InputError, match="no default passage"):
        passage_for("fi", None)
    with pytest.raises(InputError, match="at most"):
        passage_for("en", "word " * 400)


def test_the_installed_voices_of_english_and_japanese() -> None:
    from narration.synthesis import kokoro_voices

    english = installed_voices("en")
    assert {v.name for v in english if v.backend == "piper"} == set(BUNDLED_VOICES)
    kokoro = [v for v in english if v.backend == "kokoro-en"]
    assert {v.name for v in kokoro} == {n for n in kokoro_voices.installed_voices() if n[0] in "ab"}
    assert all(v.gender in ("female", "male") and v.accent.endswith("English") for v in kokoro)
    assert all(v.name.startswith("j") and v.accent == "Japanese" for v in installed_voices("ja"))
    assert not any(v.backend == "piper" for v in installed_voices("ja"))  # Piper's bundled voice reads English


def test_the_command_refuses_a_language_without_passage_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    voices_command.add_arguments(parser)
    assert voices_command.run(parser.parse_args(["--lang", "fi", "--out", str(tmp_path)])) == 2
    err = capsys.readouterr().err
    assert "no default passage in 'fi'" in err and len(err.strip().splitlines()) == 1


def test_the_command_with_piper_writes_a_page_and_reuses_its_take(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Piper's bundled voice only: the one every install has, and the quickest to load.
    piper = [Voice("piper", "en_US-joe-medium", "American English", "male")]
    monkeypatch.setattr("narration.review.audition.installed_voices", lambda language: piper)
    parser = argparse.ArgumentParser()
    voices_command.add_arguments(parser)
    args = parser.parse_args(["--lang", "en", "--out", str(tmp_path)])
    assert voices_command.run(args) == 0
    assert "1 rendered now" in capsys.readouterr().out
    page = (tmp_path / "voices.html").read_text(encoding="utf-8")
    rate = float(re.search(r"<td>(\d+) words/min</td>", page)[1])
    assert 100 < rate < 260  # a person's narration pace, measured from the take
    assert voices_command.run(args) == 0
    assert "0 rendered now, 1 from the store" in capsys.readouterr().out


def test_the_default_page_holds_every_english_and_japanese_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[str] = []
    monkeypatch.setattr("narration.review.audition.load_backend", factory(calls))
    parser = argparse.ArgumentParser()
    voices_command.add_arguments(parser)
    assert voices_command.run(parser.parse_args(["--out", str(tmp_path)])) == 0
    expected = [*installed_voices("en"), *installed_voices("ja")]
    assert sorted(calls) == sorted(v.name for v in expected)
    page = (tmp_path / "voices.html").read_text(encoding="utf-8")
    assert '<section lang="en">' in page and '<section lang="ja">' in page
    assert all(f"<td>{v.name}</td>" in page for v in expected)
    assert PASSAGES["ja"] in page


def test_a_casts_voices_are_heard_with_whom_they_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from narration.cast import Cast, write_cast
    from narration.cast.characters import Character

    cast = tmp_path / "cast.toml"
    write_cast(cast, Cast("af_heart", (Character("alice", "Alice", voice="bf_emma"),
                                       Character("queen", "Queen", voice="bf_emma"), Character("cat", "Cat"))))
    assert [(v.name, v.role) for v in cast_voices(cast)] == [("af_heart", "narrator, Cat"), ("bf_emma", "Alice, Queen")]
    calls: list[str] = []
    monkeypatch.setattr("narration.review.audition.load_backend", factory(calls))
    monkeypatch.setattr("narration.review.audition.installed_voices", lambda language: [VOICES[0]])
    parser = argparse.ArgumentParser()
    voices_command.add_arguments(parser)
    assert voices_command.run(parser.parse_args(["--lang", "en", "--cast", str(cast), "--out", str(tmp_path)])) == 0
    page = (tmp_path / "voices.html").read_text(encoding="utf-8")
    assert "<td>bf_emma</td><td>Alice, Queen</td>" in page and "<td>af_heart</td><td>narrator, Cat</td>" in page
    assert sorted(calls) == ["af_heart", "af_one", "bf_emma"]


def test_a_narrated_books_language_and_voice_join_the_audition(tmp_path: Path, short_book: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from narration import narrate

    narrate(short_book, tmp_path / "out", NarrationOptions(backend="piper", qa=False, emotion={"enabled": False}))
    calls: list[str] = []
    monkeypatch.setattr("narration.review.audition.load_backend", factory(calls))
    monkeypatch.setattr("narration.review.audition.installed_voices", lambda language: VOICES)
    parser = argparse.ArgumentParser()
    voices_command.add_arguments(parser)
    args = parser.parse_args(["--book", str(short_book), "--book-out", str(tmp_path / "out"), "--out", str(tmp_path / "v")])
    assert voices_command.run(args) == 0
    page = (tmp_path / "v" / "voices.html").read_text(encoding="utf-8")
    assert "<td>en_US-joe-medium</td><td>narrates short</td><td>piper</td><td>American English</td>" in page
    assert calls == ["en_US-joe-medium", "af_one", "bm_two"] and '<section lang="en">' in page


class SharedBackend(CountingBackend):
    """Like Kokoro: reads each utterance in the voice it names; records each batch's voices."""

    def __init__(self, voice: str, speed: float, calls: list[str], batches: list[list[str]]) -> None:
        super().__init__(voice, speed, calls, 2.0)
        self.batches = batches

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        if utterance.voice == "af_gone":
            raise ConfigError("Kokoro voice af_gone is not installed")
        return {"backend": "kokoro-en", "voice": utterance.voice, "speed": self.speed}

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        self.batches.append([u.voice or "" for u in batch])
        return super().synthesize(batch)


def test_a_backend_reading_any_voice_is_loaded_once_and_renders_its_voices_in_one_batch(tmp_path: Path) -> None:
    loads: list[str] = []
    batches: list[list[str]] = []
    calls: list[str] = []

    def load(options: NarrationOptions) -> CountingBackend:
        loads.append(f"{options.synthesis.backend} {options.synthesis.voice}")
        if options.synthesis.backend == "piper":
            return CountingBackend(options.synthesis.voice, options.synthesis.speed, calls, 2.0)
        return SharedBackend(options.synthesis.voice, options.synthesis.speed, calls, batches)

    kokoro = [Voice("kokoro-en", n, "American English", "female") for n in ("af_heart", "af_gone", "am_adam", "bf_emma")]
    piper = Voice("piper", "en_US-joe-medium", "American English", "male")
    takes = audition([kokoro[0], piper, *kokoro[1:]], "One two three.", "en", tmp_path, backend_for=load)
    assert loads == ["kokoro-en af_heart", "piper en_US-joe-medium"]  # the model once for all four
    assert batches == [["af_heart", "am_adam", "bf_emma"]]  # one batch; the missing voice left out alone
    assert [t.voice.name for t in takes] == ["af_heart", "en_US-joe-medium", "am_adam", "bf_emma"]
    assert len({t.path for t in takes}) == 4  # each voice its own key
    loads.clear()
    assert all(not t.rendered for t in audition(kokoro, "One two three.", "en", tmp_path, backend_for=load))
    assert loads == ["kokoro-en af_heart"] and batches == [["af_heart", "am_adam", "bf_emma"]]  # nothing rendered
