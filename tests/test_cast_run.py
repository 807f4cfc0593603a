"""The cast in the run: who says each quote of the sample fables, the voice it is read in, and
what an edit of ``cast.toml`` resynthesizes.

Fast: the voices' style vectors are made up (seeded, one per Kokoro English name) and a stub
backend that records what it is asked to say stands in for Kokoro; one slow test runs Kokoro.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import narration.run.cast as run_cast
from narration import NarrationOptions, Narrator, narrate
from narration.audio import Audio
from narration.cast import read_cast
from narration.cast.settings import CastSettings
from narration.emotion.script import read_script
from narration.errors import InputError
from narration.model import Book, Chapter, Chunk, Paragraph, Utterance
from narration.run.cast import cast_book
from narration.run.plan import plan_book
from narration.store.chunk_keys import utterance_for
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

ROOT = Path(__file__).resolve().parents[1]
FABLES = ROOT / "inputs" / "aesop-fables.epub"
NARRATOR = "af_heart"
VOICES = [f"{a}{g}_{n}" for a in "ab" for g in "fm" for n in ("one", "two", "three", "four", "five", "six")]
PLAN = NarrationOptions(backend="kokoro-en", emotion={"enabled": False})
RUN = NarrationOptions(backend="kokoro-en", emotion={"enabled": False}, batch_size=4, format="flac",
                       loudness=None, qa=False)  # fmt: skip
FOX_LINE = "My good Crow, your voice is right enough"


@pytest.fixture(autouse=True)
def styles(monkeypatch: pytest.MonkeyPatch) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(28)
    made = {name: rng.normal(size=256) for name in [NARRATOR, *VOICES]}
    monkeypatch.setattr(run_cast, "kokoro_styles", lambda: made)
    return made


class Recorder:
    """A stand-in for Kokoro English: its key holds the voice, as Kokoro's does; it records each utterance."""

    name = "kokoro-en"
    max_chars = 400

    def __init__(self) -> None:
        self.said: list[Utterance] = []

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        return {"backend": self.name, "voice": utterance.voice or NARRATOR, "style": utterance.style}

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        self.said += batch
        return [Audio(np.full(2400, 0.1, dtype=np.float32), 24000) for _ in batch]


def _chunk_with(chunks: list[Chunk], text: str) -> Chunk:
    return next(c for c in chunks if text in c.source)


def test_the_foxs_lines_are_in_the_foxs_voice_and_narration_in_the_narrators() -> None:
    plan = plan_book(FABLES, PLAN)
    cast = plan.cast.cast
    assert cast is not None and cast.narrator == NARRATOR
    fox = cast.voice_of("fox")
    assert fox != NARRATOR and fox in VOICES
    assert _chunk_with(plan.chunks, FOX_LINE).voice == fox
    mouse = cast.voice_of("mouse")
    assert mouse not in (NARRATOR, fox)
    assert _chunk_with(plan.chunks, "If you would only spare my life").voice == mouse
    # a voiced chunk is one speaker's quote only, never the narration around it
    for chunk in plan.chunks:
        if chunk.voice:
            assert chunk.source.lstrip()[:1] in "\"“‘'" or chunk.source.lstrip()[:1].islower()
            assert not re.search(r"[”\"]\s+(said|cried|replied)\b", chunk.source)
    assert _chunk_with(plan.chunks, "A Crow having stolen a bit of meat").voice is None
    # the dry-run's JSON lists the cast
    listed = {c["name"]: c["voice"] for c in plan.summary()["cast"]["characters"]}
    assert listed["the Fox"] == fox and listed["the Crow"] == NARRATOR  # the Crow says nothing in quotes


def test_cast_off_and_a_book_without_quotes_keep_every_chunk_and_key() -> None:
    on = plan_book(FABLES, PLAN)
    off = plan_book(FABLES, PLAN.model_copy(update={"cast": CastSettings(source="off")}))
    assert off.cast.cast is None and "off" in (off.cast.note or "")
    assert not any(c.voice for c in off.chunks)
    recorder = Recorder()
    key = lambda c: str(recorder.identity(utterance_for(c, None)))
    voiced = {(c.chapter, c.paragraph) for c in on.chunks if c.voice}
    assert voiced
    narrated_on = [(c.text, key(c)) for c in on.chunks if (c.chapter, c.paragraph) not in voiced]
    narrated_off = [(c.text, key(c)) for c in off.chunks if (c.chapter, c.paragraph) not in voiced]
    assert narrated_on == narrated_off
    # a book with no quotes: the same chunks, cast or not
    plain = Path(__file__).parent / "fixtures" / "books"
    book = next(b for b in sorted(plain.glob("*.md")) if '"' not in b.read_text(encoding="utf-8")
                and "“" not in b.read_text(encoding="utf-8"))  # fmt: skip
    assert plan_book(book, PLAN).chunks == plan_book(book, PLAN.model_copy(update={"cast": CastSettings(source="off")})).chunks


def test_a_book_in_another_language_keeps_every_quote_with_the_narrator() -> None:
    book = Book("t", language="fr", chapters=[Chapter("Un", [Paragraph("« Bonjour », dit le Renard.")])])
    planned = cast_book(book, PLAN, None)
    assert planned.cast is None and "'fr'" in (planned.note or "") and planned.voices() == {}
    piper = cast_book(Book("t", chapters=[Chapter("One", [Paragraph('"Hello," said the Fox.')])]),
                      NarrationOptions(backend="piper"), None)  # fmt: skip
    assert piper.cast is None and "piper" in (piper.note or "")


def test_a_cast_file_that_is_not_there_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere.toml"):
        plan_book(FABLES, PLAN.model_copy(update={"cast": CastSettings(source=str(tmp_path / "nowhere.toml"))}))


def test_the_utterance_takes_the_chunks_voice_else_the_narrators() -> None:
    chunk = Chunk(0, 0, "Hi.", "Hi.", "en")
    assert utterance_for(chunk, "bf_emma").voice == "bf_emma"
    assert utterance_for(Chunk(0, 0, "Hi.", "Hi.", "en", voice="am_one"), "bf_emma").voice == "am_one"


def _edit(path: Path, who: str, **changes: str) -> None:
    """Set fields of the [[character]] named ``who`` in a cast.toml, as a person would by hand."""
    blocks = path.read_text(encoding="utf-8").split("[[character]]")
    for n, block in enumerate(blocks):
        if f'name = "{who}"' in block:
            for field, value in changes.items():
                block = re.sub(rf"^{field} = .*$", f"{field} = {value}", block, count=1, flags=re.MULTILINE)
            blocks[n] = block
    path.write_text("[[character]]".join(blocks), encoding="utf-8")


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_edits_to_cast_toml_resynthesize_only_the_chunks_whose_voice_changed(tmp_path: Path) -> None:
    recorder = Recorder()
    with Narrator(lambda options: recorder) as narrator:
        first = narrate(FABLES, tmp_path, RUN, narrator=narrator)
        layout = BookLayout.for_book(tmp_path, FABLES)
        cast = read_cast(layout.cast)
        fox = next(c for c in cast.characters if c.id == "fox")
        fox_chunks = [u for u in recorder.said if u.voice == fox.voice]
        assert fox.voice and len(fox_chunks) >= 3 and any(FOX_LINE in u.text for u in fox_chunks)
        assert first.synthesized == first.chunks

        recorder.said.clear()
        _edit(layout.cast, "the Fox", name='"Reynard"')  # a rename keeps the voice: nothing to make
        assert narrate(FABLES, tmp_path, RUN, narrator=narrator).synthesized == 0
        assert next(c for c in read_cast(layout.cast).characters if c.id == "fox").name == "Reynard"

        _edit(layout.cast, "Reynard", voice='"bm_one:0.6,bf_two:0.4"')  # a mix: the Fox's chunks only
        again = narrate(FABLES, tmp_path, RUN, narrator=narrator)
        assert again.synthesized == len(fox_chunks)
        assert {u.voice for u in recorder.said} == {"bm_one:0.6,bf_two:0.4"}

        recorder.said.clear()
        before = plan_book(FABLES, RUN, layout.script, layout.script_base, layout.cast)
        fox_paragraphs = {(c.chapter, c.paragraph) for c in before.chunks if c.voice}
        _edit(layout.cast, "Reynard", voice='""')  # the narrator reads the Fox: its paragraphs read as uncast
        assert narrate(FABLES, tmp_path, RUN, narrator=narrator).synthesized == len(recorder.said) > 0
        assert {u.voice for u in recorder.said} == {None}
        after = plan_book(FABLES, RUN, layout.script, layout.script_base, layout.cast)
        assert {(c.chapter, c.paragraph) for c in after.chunks if c.text in {u.text for u in recorder.said}} <= fox_paragraphs

        recorder.said.clear()  # merge the Mouse into the Fox, given a voice again: both read in it
        mouse = next(c for c in read_cast(layout.cast).characters if c.id == "mouse")
        blocks = [b for b in layout.cast.read_text(encoding="utf-8").split("[[character]]") if 'name = "the Mouse"' not in b]
        layout.cast.write_text("[[character]]".join(blocks), encoding="utf-8")
        _edit(layout.cast, "Reynard", voice='"bm_three"', aliases='["the Mouse"]')
        merged = narrate(FABLES, tmp_path, RUN, narrator=narrator)
        assert merged.synthesized == len(recorder.said) >= len(fox_chunks) + mouse.lines
        assert {u.voice for u in recorder.said} == {"bm_three"}
        assert any("spare my life" in u.text for u in recorder.said)
        assert not any(c.id == "mouse" for c in read_cast(layout.cast).characters)


@pytest.mark.slow
def test_the_sample_fables_narrate_with_a_cast_on_kokoro(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from narration.synthesis.kokoro_voices import installed_voices

    monkeypatch.undo()  # the real voices' style vectors
    if "am_puck" not in installed_voices():
        pytest.fail("Kokoro English voices are not installed (narrate voices --install)")
    # The first fable (the Fox and the Crow) only: the whole book took 66 s of the CI's 15 minutes.
    options = NarrationOptions(backend="kokoro-en", emotion={"enabled": False}, format="flac", loudness=None, qa=False,
                               chapters="1")
    result = narrate(FABLES, tmp_path, options)
    layout = BookLayout.for_book(tmp_path, FABLES)
    cast = read_cast(layout.cast)
    fox = cast.voice_of("fox")
    assert fox and fox != cast.narrator and [c.index for c in result.chapters] == [0]
    plan = plan_book(FABLES, options, layout.script, layout.script_base, layout.cast)
    line = _chunk_with(plan.chunks, FOX_LINE)
    assert line.voice == fox
    records = {r.index: r for r in Manifest(layout.manifest).records()}
    assert records[line.index].status == "done" and layout.chunk_audio(records[line.index].key).exists()
    # the key is the Fox's voice's: the same text in the narrator's voice keys otherwise
    from narration.run.narrator import load_backend
    from narration.store.chunk_keys import chunk_key

    backend = load_backend(plan.options)
    as_narrator = utterance_for(Chunk(**{**line.to_dict(), "voice": None}), None)
    assert records[line.index].key == chunk_key(utterance_for(line, None), backend.identity(utterance_for(line, None)))
    assert records[line.index].key != chunk_key(as_narrator, backend.identity(as_narrator))


def test_the_dry_run_shows_the_cast_in_a_table_and_in_its_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from narration.cli import main

    args = [str(FABLES), "--dry-run", "--backend", "kokoro-en", "--no-emotion", "--out", str(tmp_path)]
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fox = next(c for c in doc["cast"]["characters"] if c["name"] == "the Fox")
    assert fox["lines"] >= 3 and fox["voice"] not in (NARRATOR, "")
    assert doc["cast"]["quotes"] > doc["cast"]["narrator_reads"]
    assert main(args) == 0
    shown = capsys.readouterr().out
    assert re.search(rf"the Fox\s.*\b{fox['lines']}\s.*{fox['voice']}", shown)
    assert "no quoted lines: " in shown and "the Crow" in shown.split("no quoted lines: ")[1]
    assert main([*args, "--cast", "off"]) == 0
    assert "cast: none; --cast off" in capsys.readouterr().out
    assert not (tmp_path / "aesop-fables" / "cast.toml").exists()  # a dry-run writes nothing


def test_one_quotes_speaker_edited_in_the_script_remakes_that_quote_only(tmp_path: Path) -> None:
    from narration.review.edits import set_speaker, set_voice

    recorder = Recorder()
    with Narrator(lambda options: recorder) as narrator:
        narrate(FABLES, tmp_path, RUN, narrator=narrator)
        layout = BookLayout.for_book(tmp_path, FABLES)
        rows = read_script(layout.script)
        assert any(r.speaker == "fox" for r in rows) and all(r.speaker is not None for r in rows)
        grapes = next(r for r in rows if "The Grapes are sour" in r.text)
        assert grapes.speaker == "fox"
        recorder.said.clear()
        set_speaker(layout, grapes.chapter + 1, grapes.paragraph + 1, grapes.span + 1, "the Mouse")  # as the review page does
        again = narrate(FABLES, tmp_path, RUN, narrator=narrator)
        mouse = read_cast(layout.cast).voice_of("mouse")
        assert again.synthesized == 1 and [(u.text, u.voice) for u in recorder.said] == [(recorder.said[0].text, mouse)]
        assert "The Grapes are sour" in recorder.said[0].text
        # the edit stays: the script says the Mouse, and a rerun makes nothing
        assert next(r for r in read_script(layout.script) if "The Grapes are sour" in r.text).speaker == "mouse"
        assert narrate(FABLES, tmp_path, RUN, narrator=narrator).synthesized == 0

        recorder.said.clear()
        set_voice(layout, "the Mouse", "bf_four")  # the review page's voice edit: the Mouse's lines only
        assert narrate(FABLES, tmp_path, RUN, narrator=narrator).synthesized == len(recorder.said) >= 3
        assert {u.voice for u in recorder.said} == {"bf_four"}

        set_speaker(layout, grapes.chapter + 1, grapes.paragraph + 1, grapes.span + 1, "the Giant")
        with pytest.raises(InputError, match="'the Giant' is not a character"):
            narrate(FABLES, tmp_path, RUN, narrator=narrator)


def test_a_script_written_before_speakers_still_reads(tmp_path: Path) -> None:
    from narration.emotion.script import COLUMNS, SPAN_COLUMNS

    with Narrator(lambda options: Recorder()) as narrator:
        narrate(FABLES, tmp_path, RUN, narrator=narrator)
        layout = BookLayout.for_book(tmp_path, FABLES)
        at = COLUMNS.index("speaker")
        lines = layout.script.read_text(encoding="utf-8").splitlines(keepends=True)
        old = ["\t".join(line.rstrip("\n").split("\t")[:at] + line.rstrip("\n").split("\t")[at + 1 :]) + "\n"
               if not line.startswith("#") else line for line in lines]  # fmt: skip
        assert "\t".join(SPAN_COLUMNS) + "\n" in old
        layout.script.write_text("".join(old), encoding="utf-8")
        assert all(r.speaker is None for r in read_script(layout.script))
        assert narrate(FABLES, tmp_path, RUN, narrator=narrator).synthesized == 0


def test_emotion_smoothing_runs_along_each_characters_own_lines() -> None:
    from narration.emotion import TAGS, EmotionSettings
    from narration.emotion.restraint import restrain

    angry, calm = np.zeros(len(TAGS)), np.zeros(len(TAGS))
    angry[TAGS.index("angry")], angry[TAGS.index("neutral")] = 0.9, 0.1
    calm[TAGS.index("neutral")] = 1.0
    # the Wolf (angry) and the Lamb (calm) take turns; six calm paragraphs of narration around them
    probs = np.array([angry, calm, angry, calm] + [calm] * 6)
    dialogue = [True] * 4 + [False] * 6
    chapters = [0] * 10
    speakers = ["wolf", "lamb", "wolf", "lamb"] + [None] * 6
    settings = EmotionSettings()
    apart = [tag for tag, _ in restrain(probs, chapters, dialogue, settings, speakers)]
    together = [tag for tag, _ in restrain(probs, chapters, dialogue, settings)]
    assert apart[:4] == ["angry", "neutral", "angry", "neutral"]
    assert together[:4] == ["neutral"] * 4  # the Lamb's calm smoothed the Wolf's anger away


def test_tag_book_classifies_each_speakers_quotes_of_a_paragraph_apart() -> None:
    from narration.emotion.tagging import _parts

    text = '"Go away!" said the Wolf. "Please," said the Lamb.'
    book = Book("t", chapters=[Chapter("One", [Paragraph(text)])])
    parts = _parts(book, {(0, 0, 0): "wolf", (0, 0, 2): "lamb"})
    assert [(p.speech, p.speaker, p.spans) for p in parts] == [
        (True, "wolf", (0,)), (False, None, (1, 3)), (True, "lamb", (2,))]
    assert [(p.speech, p.spans) for p in _parts(book)] == [(True, (0, 2)), (False, (1, 3))]


def test_the_report_plays_each_characters_first_line(tmp_path: Path) -> None:
    with Narrator(lambda options: Recorder()) as narrator:
        narrate(FABLES, tmp_path, RUN, narrator=narrator)
    layout = BookLayout.for_book(tmp_path, FABLES)
    html = layout.report.read_text(encoding="utf-8")
    section = html.split('<section id="cast">')[1].split("</section>")[0]
    rows = section.split('<tr class="cast-line">')[1:]
    cast = read_cast(layout.cast)
    speaking = [c for c in cast.characters if c.lines]
    assert len(rows) == len(speaking)
    fox = next(r for r in rows if r.startswith("<td>the Fox</td>"))
    assert f"<td>{cast.voice_of('fox')}</td>" in fox and "How handsome is the Crow" in fox
    assert all('<audio controls preload="none" src="data:audio/mpeg;base64,' in r for r in rows)


def test_the_review_page_changes_a_spans_speaker_and_a_characters_voice(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from narration.review.book import open_book
    from narration.review.server import create_app
    from narration.store.lock import book_lock

    with Narrator(lambda options: Recorder()) as narrator:
        narrate(FABLES, tmp_path, RUN, narrator=narrator)
    layout = BookLayout.for_book(tmp_path, FABLES)
    client = TestClient(create_app(open_book(tmp_path, FABLES)), base_url="http://127.0.0.1:8765")
    doc = client.get("/api/book").json()
    assert any(c["id"] == "fox" and c["voice"] for c in doc["cast"]) and doc["narrator"] == NARRATOR
    grapes = next(r for r in read_script(layout.script) if "The Grapes are sour" in r.text)
    number = doc["chapters"][grapes.chapter]["number"]  # the outline; a chapter's text comes when opened
    spans = client.get(f"/api/chapter/{number}").json()["paragraphs"][str(grapes.paragraph)]
    assert next(s for s in spans if s["span"] == grapes.span + 1)["character"] == "fox"
    before = layout.script.read_text(encoding="utf-8").splitlines()
    where = {"chapter": grapes.chapter, "paragraph": grapes.paragraph, "span": grapes.span + 1}
    assert client.post("/api/speaker", json={**where, "speaker": "mouse"}).status_code == 200
    after = layout.script.read_text(encoding="utf-8").splitlines()
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    assert next(r for r in read_script(layout.script) if "The Grapes are sour" in r.text).speaker == "mouse"
    assert client.post("/api/voice", json={"character": "fox", "voice": "bf_two:0.5,bm_one:0.5"}).status_code == 200
    assert read_cast(layout.cast).voice_of("fox") == "bf_two:0.5,bm_one:0.5"
    assert client.post("/api/voice", json={"character": "nobody", "voice": "bf_two"}).status_code == 400
    with book_lock(layout):  # a run holds the book: the edit waits, then is refused, and nothing is written
        assert client.post("/api/voice", json={"character": "fox", "voice": "bm_two"}).status_code == 409
    assert read_cast(layout.cast).voice_of("fox") == "bf_two:0.5,bm_one:0.5"


def test_a_paragraph_is_cut_where_the_style_or_the_voice_changes() -> None:
    from narration.run.cast import voiced_runs
    from narration.text import chunk_book
    from narration.text.chunking import StyleRun

    text = '"Go away!" said the Wolf. "Please," said the Lamb, "let me pass."'
    book = Book("t", chapters=[Chapter("", [Paragraph(text)])])
    first = text.index(" said the Wolf")
    styles = {(0, 0): [StyleRun(0, first, "angry"), StyleRun(first + 1, len(text), "neutral")]}
    runs = voiced_runs(book, styles, {(0, 0, 0): "am_one", (0, 0, 2): "bf_two", (0, 0, 4): "bf_two"})
    assert [(r.style, r.voice) for r in runs[(0, 0)]] == [
        ("angry", "am_one"), ("neutral", None), ("neutral", "bf_two"), ("neutral", None), ("neutral", "bf_two")]
    chunks = chunk_book(book, 400, None, runs)
    assert [(c.source, c.voice) for c in chunks] == [
        ('"Go away!"', "am_one"), ("said the Wolf.", None), ('"Please,"', "bf_two"), ("said the Lamb,", None),
        ('"let me pass."', "bf_two")]
    assert voiced_runs(book, styles, {}) is styles  # no one cast: the emotion stage's runs as they were
