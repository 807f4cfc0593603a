"""The book's language from its text (issue #25): detected per book and per chapter, shown in the
dry-run with where it came from, and a language no installed voice reads refused at planning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from narration.errors import InputError
from narration.ingest import load_book
from narration.ingest.language import (
    AGREE,
    DEFAULT,
    METADATA,
    TEXT,
    decide,
    detect,
    language_name,
)
from narration.options import NarrationOptions
from narration.run.plan import plan_book, resolve_backend
from narration.synthesis import choose_backend, reads

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "inputs" / "languages"

# A paragraph in each language, written for these tests.
PARAGRAPHS = {
    "en": "The old sailor sat by the harbour and mended his nets while the gulls cried overhead. Nobody in "
          "the village remembered when he had first arrived, but everybody knew his name.",
    "fi": "Vanha kalastaja istui laiturilla ja korjasi verkkojaan, kun lokit kirkuivat taivaalla. Kukaan "
          "kylässä ei muistanut, milloin hän oli tullut, mutta kaikki tiesivät hänen nimensä.",
    "ru": "Старый рыбак сидел у причала и чинил свои сети, а над ним кричали чайки. Никто в деревне не "
          "помнил, когда он приехал, но все знали его имя.",
    "de": "Der alte Fischer saß am Hafen und flickte seine Netze, während die Möwen über ihm schrien. "
          "Niemand im Dorf wusste mehr, wann er gekommen war, aber alle kannten seinen Namen.",
    "ja": "ある日の事でございます。御釈迦様は極楽の蓮池のふちを、独りでぶらぶら御歩きになっていらっしゃいました。",
}  # fmt: skip
SPANISH = (SAMPLES / "es.md").read_text(encoding="utf-8").split("\n\n", 1)[1].replace("\n\n", " ")
FINNISH_BOOK = "# Kalastaja\n\n" + PARAGRAPHS["fi"] + "\n\n" + PARAGRAPHS["fi"] + "\n"


def _body(language: str) -> str:
    """The sample's paragraphs, without its title."""
    return (SAMPLES / f"{language}.md").read_text(encoding="utf-8").split("\n\n", 1)[1]


@pytest.mark.parametrize("language", ["es", "fr", "it", "pt", "hi", "zh"])
def test_each_sample_paragraph_is_detected(language: str) -> None:
    for paragraph in _body(language).split("\n\n"):
        found = detect(paragraph)
        assert found is not None and found.language == language, paragraph[:40]


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_languages_we_have_no_voice_for_are_detected_too(language: str) -> None:
    found = detect(PARAGRAPHS[language])
    assert found is not None and found.language == language


def test_a_few_words_say_nothing() -> None:
    assert detect("Chapitre un") is None
    assert detect("12345 !!!") is None


def test_metadata_and_text_decide_together() -> None:
    fr = detect(_body("fr"))
    assert decide("", fr, "en") == ("fr", TEXT)
    assert decide("fr-FR", fr, "en") == ("fr", AGREE)
    assert decide("en", fr, "en") == ("fr", "text, not the metadata's 'en'")
    assert decide("en", detect(_body("fr").split("\n\n")[0]), "en") == ("en", METADATA)  # one paragraph
    assert decide("it", None, "en") == ("it", METADATA)
    assert decide("", None, "ja") == ("ja", DEFAULT)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["es", "fr", "it", "pt"])
def test_a_book_without_metadata_is_read_in_its_language(tmp_path: Path, language: str) -> None:
    # Before: every such book was taken as English (a Markdown or text file with no language).
    for name in ("book.md", "book.txt"):
        book = load_book(_write(tmp_path, name, (SAMPLES / f"{language}.md").read_text(encoding="utf-8")))
        assert (book.language, book.language_source) == (language, TEXT)


def test_wrong_metadata_gives_way_to_the_text(tmp_path: Path) -> None:
    text = "---\ntitle: Le jardin\nlang: en\n---\n\n" + _body("fr")
    book = load_book(_write(tmp_path, "book.md", text))
    assert (book.language, book.language_source) == ("fr", "text, not the metadata's 'en'")


def test_metadata_the_text_agrees_with(tmp_path: Path) -> None:
    book = load_book(_write(tmp_path, "book.md", "---\ntitle: Le jardin\nlang: fr\n---\n\n" + _body("fr")))
    assert (book.language, book.language_source) == ("fr", AGREE)


def test_too_little_text_keeps_the_metadata(tmp_path: Path) -> None:
    book = load_book(_write(tmp_path, "book.md", "---\ntitle: Sì\nlang: it\n---\n\n# Uno\n\nCiao.\n"))
    assert (book.language, book.language_source) == ("it", METADATA)


def _mixed(tmp_path: Path) -> Path:
    english = PARAGRAPHS["en"] + "\n\n" + PARAGRAPHS["en"]
    return _write(tmp_path, "mixed.md", f"# One\n\n{english}\n\n# Dos\n\n{SPANISH}\n\n# Three\n\n{english}\n")


def test_a_chapter_in_another_language_reads_in_it(tmp_path: Path) -> None:
    book = load_book(_mixed(tmp_path))
    assert book.language == "en"
    assert [ch.language for ch in book.chapters] == ["", "es", ""]
    plan = plan_book(_mixed(tmp_path), NarrationOptions(backend="kokoro-multi", emotion={"enabled": False}))
    assert {c.language for c in plan.chunks if c.chapter == 1} == {"es"}
    assert {c.language for c in plan.chunks if c.chapter != 1} == {"en"}
    assert [ch.get("language") for ch in plan.summary()["chapters"]] == [None, "es", None]


def test_auto_picks_a_kokoro_voice_for_each_of_its_languages() -> None:
    for language in ("es", "fr", "it", "pt", "hi", "zh"):
        assert choose_backend(None, language)[0] == "kokoro-multi", language
    assert choose_backend(None, "en", ["es"])[0] == "kokoro-multi"  # a book that mixes them
    assert choose_backend(None, "en")[0] == "kokoro-en"
    assert choose_backend(None, "fi")[0] == "piper"


def test_what_each_voice_reads() -> None:
    assert reads("piper", None) == {"en"}
    assert reads("kokoro", None) == {"ja"}
    assert reads("kokoro-multi", None) == {"en", "es", "fr", "it", "pt", "hi", "zh"}


def test_a_piper_voice_reads_the_language_its_config_names(tmp_path: Path) -> None:
    model = tmp_path / "fi_FI-test-medium.onnx"
    model.write_bytes(b"")
    config = tmp_path / "fi_FI-test-medium.onnx.json"
    config.write_text(json.dumps({"language": {"code": "fi_FI", "family": "fi"}, "espeak": {"voice": "fi"}}))
    assert reads("piper", str(model)) == {"fi"}
    config.write_text(json.dumps({"audio": {"sample_rate": 22050}}))
    assert reads("piper", str(model)) is None  # says no language: the user's word


def test_a_language_without_a_voice_is_refused_at_planning(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"in Finnish \(fi, source: text\).*--voice path/to/piper-voice.onnx"):
        plan_book(_write(tmp_path, "kalastaja.md", FINNISH_BOOK), NarrationOptions(emotion={"enabled": False}))


def test_a_french_book_on_the_english_piper_voice_is_refused(tmp_path: Path) -> None:
    # Before: read by the English voice, every chunk failed QA at 56-100 % WER minutes later.
    book = _write(tmp_path, "jardin.md", "---\nlang: fr\n---\n\n" + _body("fr"))
    with pytest.raises(InputError, match=r"in French \(fr, source: metadata and text agree\).*piper reads English"):
        plan_book(book, NarrationOptions(backend="piper", emotion={"enabled": False}))


def test_the_cli_refuses_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    book = _write(tmp_path, "kalastaja.md", FINNISH_BOOK)
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "narration.cli", str(book), "--out", str(out)], capture_output=True,
                            text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Finnish" in lines[0] and "--voice path/to/piper-voice.onnx" in lines[0]
    assert not out.exists()


def test_the_dry_run_says_the_language_and_where_it_came_from(tmp_path: Path) -> None:
    book = _write(tmp_path, "jardin.md", (SAMPLES / "fr.md").read_text(encoding="utf-8"))
    result = subprocess.run([sys.executable, "-m", "narration.cli", str(book), "--dry-run"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "language: French (fr), source: text" in result.stdout
    assert "backend: kokoro-multi" in result.stderr


def test_language_names() -> None:
    assert language_name("fi") == "Finnish"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("xx") == "xx"


class _HearsUrdu:
    """Stands in for whisper-base on Hindi speech read right: it writes it in Urdu's script."""

    @staticmethod
    def make(model: str):  # type: ignore[no-untyped-def]
        from narration.qa import asr

        class Scripted(asr.Transcriber):
            def transcribe(self, audios, language, model=None):  # type: ignore[no-untyped-def]
                return "گام کے پاس ایک چھوٹی ندی بہتی تھے"

        return Scripted(asr.AsrOptions(model=model))


def _tone(seconds: float = 2.5):  # type: ignore[no-untyped-def]
    import numpy as np

    from narration.audio import Audio

    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.clip(np.minimum(t, seconds - t) * 8, 0, 1) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t) ** 2)
    return Audio((0.3 * envelope * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_hindi_is_not_failed_for_the_script_whisper_base_writes_it_in() -> None:
    from narration.qa import asr
    from narration.qa.check import ChunkChecker

    assert not asr.hears("auto", "hi") and not asr.hears("base", "hi")
    assert asr.hears("auto", "zh") and asr.hears("/models/whisper-small", "hi")
    text = "गाँव के पास एक छोटी नदी बहती थी।"
    result = ChunkChecker(_HearsUrdu.make("auto")).check(text, _tone(), "hi")
    assert result.passed and result.comparison is None  # the signal checks only
    result = ChunkChecker(_HearsUrdu.make("/models/whisper-small")).check(text, _tone(), "hi")
    assert not result.passed  # a model named for it is held to what it writes


def test_mandarin_is_heard_with_a_prompt_in_simplified_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    # whisper-base wrote a Mandarin sentence read right in traditional characters (CER 29 %).
    from narration.qa import asr

    asked: dict[str, object] = {}

    class Pipeline:
        def transcribe(self, audio, **options):  # type: ignore[no-untyped-def]
            asked[options["language"]] = options.get("initial_prompt")
            # faster-whisper refuses a prompt and a cap over its 448 positions (a Mandarin run
            # ended so when the prompt came in beside the cap for 30 s of characters)
            if options.get("initial_prompt"):
                assert options["max_new_tokens"] + 2 * len(options["initial_prompt"]) + 4 < 448
            return [], None

    monkeypatch.setattr(asr.Transcriber, "pipeline", lambda self, language=None, model=None: Pipeline())
    transcriber = asr.Transcriber(asr.AsrOptions(model="base"))
    for language in ("zh", "fr"):
        transcriber.transcribe([_tone(28.0)], language)
    assert asked == {"zh": "以下是普通话的句子。", "fr": None}


def test_auto_reads_with_a_piper_voice_file_given_for_the_language(tmp_path: Path) -> None:
    model = tmp_path / "fi_FI-test-medium.onnx"
    model.write_bytes(b"")
    (tmp_path / "fi_FI-test-medium.onnx.json").write_text(json.dumps({"language": {"family": "fi"}}))
    options, why = resolve_backend(NarrationOptions(voice=str(model)), "fi")
    assert options.synthesis.backend == "piper" and "Piper voice" in (why or "")
    book = _write(tmp_path, "kalastaja.md", FINNISH_BOOK)
    plan = plan_book(book, NarrationOptions(voice=str(model), emotion={"enabled": False}))
    assert {c.language for c in plan.chunks} == {"fi"}


def test_short_chapters_are_heard_together(tmp_path: Path) -> None:
    lines = ["La luna sale piano sopra il mare.", "Il vento porta il canto dei pescatori.",
             "Le barche dormono vicino al porto.", "Una finestra resta accesa nella notte.",
             "La nonna racconta storie di altri tempi.", "Domani torneremo a cercare le conchiglie."]
    poems = "\n\n".join(f"# {n}\n\n{line}" for n, line in enumerate(lines, 1))
    book = load_book(_write(tmp_path, "poesie.md", poems))
    assert len(book.chapters) == 6  # each under the 60 letters a chapter needs to say anything alone
    assert (book.language, book.language_source) == ("it", TEXT)


def test_a_gpu_machine_reads_hindi_with_kokoro_not_qwen3(monkeypatch: pytest.MonkeyPatch) -> None:
    from narration.synthesis import qwen3_model

    monkeypatch.setattr(qwen3_model, "unavailable_reason", lambda model=None: None)  # as on a CUDA machine
    assert choose_backend(None, "fr")[0] == "qwen3"
    name, why = choose_backend(None, "hi")
    assert name == "kokoro-multi" and "does not read 'hi'" in why


def test_a_chapter_in_a_language_without_a_voice_is_read_in_the_books(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A Spanish book with a Finnish chapter (a school reader's glossary): the book is narrated,
    that chapter with the Spanish voice, and a warning says so; before, the whole book was refused."""
    finnish = " ".join([PARAGRAPHS["fi"]] * 3)
    text = f"# Uno\n\n{SPANISH}\n\n# Dos\n\n{SPANISH}\n\n# Sanasto\n\n{finnish}\n"
    with caplog.at_level("WARNING"):
        plan = plan_book(_write(tmp_path, "lector.md", text), NarrationOptions(emotion={"enabled": False}))
    assert plan.book.language == "es" and all(c.language in ("", "es") for c in plan.book.chapters)
    assert {c.language for c in plan.chunks} == {"es"}
    assert "chapter 3 is in Finnish" in caplog.text
