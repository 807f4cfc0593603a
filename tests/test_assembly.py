"""Assembly: chunk WAVs -> chapter files -> chaptered M4B, checked by decoding what was written."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import mutagen
import numpy as np
import pytest
from mutagen.flac import Picture
from mutagen.mp4 import MP4

from narration.assembly import (
    FFmpegError,
    Pauses,
    assemble_book,
    assemble_chapter,
    probe_chapters,
    probe_duration,
    read_wav,
    write_wav,
)
from narration.assembly.audiobook import ffmeta_escape
from narration.assembly.loudness import measure, normalize_loudness
from narration.audio import Audio, frame_count, resample
from narration.errors import ConfigError, InputError
from narration.ffmpeg import find_tool, probe
from narration.model import (
    PAUSE_PARAGRAPH,
    PAUSE_SCENE,
    PAUSE_SENTENCE,
    PAUSE_TITLE,
    Cover,
)
from narration.store.atomic import TEMP_MARK

PAUSES = Pauses(sentence=0.3, paragraph=0.6, title=0.9, chapter_lead=0.4, chapter_tail=0.7)
COVER = Cover("image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))


def speechlike(rate: int, seconds: float, freq: float, seed: int = 0) -> Audio:
    """A tone with noise and a 4 Hz syllable-like envelope, peaking at 0 dBFS like Piper output."""
    t = np.arange(round(rate * seconds)) / rate
    rng = np.random.default_rng(seed)
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    x = envelope * np.sin(2 * np.pi * freq * t) + 0.1 * rng.standard_normal(t.size)
    return Audio((x / np.abs(x).max()).astype(np.float32), rate)


def chunk(tmp: Path, name: str, rate: int, seconds: float, freq: float) -> Path:
    return write_wav(tmp / "chunks" / f"{name}.wav", speechlike(rate, seconds, freq))


@pytest.fixture
def pieces(tmp_path: Path) -> list[tuple[Path, str]]:
    """A title, then two sentences of one paragraph and one of the next, at mixed sample rates."""
    return [
        (chunk(tmp_path, "title", 22050, 0.8, 200), PAUSE_TITLE),
        (chunk(tmp_path, "s1", 24000, 0.6, 300), PAUSE_SENTENCE),
        (chunk(tmp_path, "s2", 22050, 0.5, 400), PAUSE_PARAGRAPH),
        (chunk(tmp_path, "s3", 24000, 0.7, 500), PAUSE_SENTENCE),
    ]


PIECE_SECONDS = [0.8, 0.6, 0.5, 0.7]
GAPS = [PAUSES.title, PAUSES.sentence, PAUSES.paragraph, PAUSES.chapter_tail]
EXPECTED = PAUSES.chapter_lead + sum(PIECE_SECONDS) + sum(GAPS)


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) measured independently with ffmpeg's ebur128 filter."""
    proc = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true:framelog=verbose",
         "-f", "null", "-"], capture_output=True, text=True, check=True,
    )
    summary = proc.stderr[proc.stderr.rindex("Summary:"):]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return loudness, peak


def decode(path: Path, rate: int) -> np.ndarray:
    """Any audio file as mono float32 at ``rate``, decoded by ffmpeg."""
    proc = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate),
                           "-f", "f32le", "-"], capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype="<f4")


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if TEMP_MARK in p.name]


# --- chunk WAV files -----------------------------------------------------------------------


def test_wav_round_trip_is_16_bit_mono_and_clips(tmp_path: Path) -> None:
    audio = speechlike(22050, 0.3, 440)
    audio.samples[:3] = [1.5, -2.0, 0.25]  # out of range samples must clip, not wrap
    path = write_wav(tmp_path / "a" / "x.wav", audio)
    back = read_wav(path)
    assert back.sample_rate == 22050 and back.samples.dtype == np.float32
    assert back.samples.shape == audio.samples.shape
    assert back.samples[0] == pytest.approx(32767 / 32768) and back.samples[1] == -1.0
    assert np.max(np.abs(back.samples[3:] - audio.samples[3:])) < 1 / 32768 + 1e-7
    assert frame_count(path) == (audio.samples.size, 22050)
    assert no_temp_files(tmp_path)


def test_read_wav_rejects_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_wav(tmp_path / "nope.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(InputError, match="bad.wav: not a readable WAV"):
        read_wav(bad)


def test_resample_keeps_pitch_and_duration() -> None:
    tone = speechlike(22050, 1.0, 441)
    out = resample(tone, 24000)
    assert out.sample_rate == 24000
    assert abs(out.samples.size - 24000) <= 2
    assert dominant_hz(out.samples, 24000) == pytest.approx(441, abs=2)


# --- chapter files -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mp3", "m4a", "opus", "flac"])
def test_chapter_formats_duration_tags_and_cover(tmp_path: Path, pieces, fmt: str) -> None:
    out = tmp_path / "out" / f"01 - One.{fmt}"
    result = assemble_chapter(pieces, out, master_path=tmp_path / "work" / "01.wav", pauses=PAUSES, fmt=fmt,
                              tags={"title": "One", "artist": "A. Writer", "track": "1"}, cover=COVER)
    assert result.path == out and out.is_file() and result.master.is_file()
    assert result.sample_rate == 24000  # the higher rate among the pieces
    assert result.duration == pytest.approx(EXPECTED, abs=0.005)
    # Lossy encoders pad a little (MP3 frames, Opus pre-skip); nothing is lost or doubled.
    assert probe_duration(out) == pytest.approx(EXPECTED, abs=0.08)
    tagged = mutagen.File(out, easy=True)
    assert tagged["title"] == ["One"] and tagged["artist"] == ["A. Writer"]
    assert tagged["tracknumber"][0].split("/")[0] == "1"
    full = mutagen.File(out)
    cover = {
        "mp3": lambda: full.tags["APIC:Cover"].data,
        "m4a": lambda: bytes(full.tags["covr"][0]),
        "flac": lambda: full.pictures[0].data,
        "opus": lambda: Picture(base64.b64decode(full.tags["metadata_block_picture"][0])).data,
    }[fmt]()
    assert cover == COVER.data
    assert no_temp_files(tmp_path)


def test_pauses_are_silent_at_the_right_places(tmp_path: Path, pieces) -> None:
    result = assemble_chapter(pieces, tmp_path / "c.flac", pauses=PAUSES, fmt="flac")
    master = read_wav(result.master)
    rate = master.sample_rate
    x = master.samples
    margin = round(0.01 * rate)  # resampled piece edges may ring for a few samples
    pos = round(PAUSES.chapter_lead * rate)
    assert rms(x[: pos - margin]) == 0.0  # lead-in is digital silence, even after loudness gain
    for seconds, gap in zip(PIECE_SECONDS, GAPS, strict=True):
        end = pos + round(seconds * rate)
        assert rms(x[pos + margin : end - margin]) > 0.05, "speech where a piece should be"
        gap_end = end + round(gap * rate)
        assert rms(x[end + margin : gap_end - margin]) < 1e-4, f"the {gap} s pause is not silent"
        pos = gap_end
    assert abs(pos - x.size) <= 4


def test_no_loudness_keeps_samples_exactly(tmp_path: Path) -> None:
    a, b = speechlike(22050, 0.4, 300, seed=1), speechlike(22050, 0.3, 500, seed=2)
    pa, pb = write_wav(tmp_path / "a.wav", a), write_wav(tmp_path / "b.wav", b)
    result = assemble_chapter([(pa, PAUSE_SENTENCE), (pb, PAUSE_PARAGRAPH)], tmp_path / "c.mp3",
                              pauses=PAUSES, loudness=None)
    rate = 22050
    z = lambda s: np.zeros(round(s * rate), np.float32)  # noqa: E731
    expected = np.concatenate([z(PAUSES.chapter_lead), read_wav(pa).samples, z(PAUSES.sentence),
                               read_wav(pb).samples, z(PAUSES.chapter_tail)])
    np.testing.assert_array_equal(read_wav(result.master).samples, expected)


def test_given_sample_rate_wins(tmp_path: Path, pieces) -> None:
    result = assemble_chapter(pieces[:2], tmp_path / "c.m4a", pauses=PAUSES, fmt="m4a", sample_rate=16000,
                              loudness=None)
    assert frame_count(result.master)[1] == 16000 and result.sample_rate == 16000
    expected = PAUSES.chapter_lead + 0.8 + PAUSES.title + 0.6 + PAUSES.chapter_tail
    assert result.duration == pytest.approx(expected, abs=0.003)


@pytest.mark.parametrize("target", [-19.0, -16.0])
def test_loudness_lands_on_target_with_true_peak_ceiling(tmp_path: Path, pieces, target: float) -> None:
    result = assemble_chapter(pieces, tmp_path / "c.m4a", pauses=PAUSES, fmt="m4a", loudness=target)
    loudness, peak = ebur128(result.master)
    assert loudness == pytest.approx(target, abs=0.5)
    assert peak <= -3.0 + 0.2
    encoded_loudness, _ = ebur128(result.path)
    assert encoded_loudness == pytest.approx(target, abs=0.7)


def test_loudness_stays_linear_on_peaky_speech(tmp_path: Path) -> None:
    # Quiet speech with clicks at 0 dBFS: reaching -19 LUFS needs ~+10 dB, which loudnorm alone
    # would refuse to do linearly (the peaks would go over the ceiling).
    speech = speechlike(22050, 3.0, 250)
    speech.samples *= 0.1
    for at in (5000, 30000, 60000):
        speech.samples[at : at + 30] = 1.0
    src = write_wav(tmp_path / "in.wav", speech)
    assert ebur128(src)[0] < -25  # so the gain really is large
    assert normalize_loudness(src, tmp_path / "out.wav", target=-19.0) == "linear"
    loudness, peak = ebur128(tmp_path / "out.wav")
    assert loudness == pytest.approx(-19.0, abs=0.5) and peak <= -2.8
    assert measure(tmp_path / "out.wav").integrated == pytest.approx(loudness, abs=0.05)
    assert frame_count(tmp_path / "out.wav") == frame_count(src)
    # One gain, no time shift: the limiter's look-ahead must not delay the audio.
    x, y = read_wav(src).samples, read_wav(tmp_path / "out.wav").samples
    lag = int(np.argmax(np.correlate(y[20000:40000], x[19800:40200], "valid"))) - 200
    assert lag == 0
    assert np.corrcoef(x[31000:59000], y[31000:59000])[0, 1] > 0.999  # between the clicks


def test_loudness_falls_back_to_dynamic_when_no_gain_fits(tmp_path: Path) -> None:
    # Whisper-quiet with a full-scale click: even the lowest limiter ceiling cannot make room.
    quiet = speechlike(22050, 4.0, 250)
    quiet.samples *= 0.003
    quiet.samples[9000:9030] = 1.0
    src = write_wav(tmp_path / "in.wav", quiet)
    assert normalize_loudness(src, tmp_path / "out.wav", target=-19.0) == "dynamic"
    loudness, peak = ebur128(tmp_path / "out.wav")
    assert loudness == pytest.approx(-19.0, abs=1.5) and peak <= -2.8
    assert frame_count(tmp_path / "out.wav") == frame_count(src)


def test_silent_chapter_is_left_alone(tmp_path: Path) -> None:
    # Nothing to measure (e.g. a chapter whose every chunk failed to speak): no gain, no error.
    silent = write_wav(tmp_path / "s.wav", Audio(np.zeros(22050, np.float32), 22050))
    result = assemble_chapter([(silent, PAUSE_SENTENCE)], tmp_path / "c.mp3", pauses=PAUSES)
    assert not read_wav(result.master).samples.any()
    assert result.duration == pytest.approx(1.0 + PAUSES.chapter_lead + PAUSES.chapter_tail, abs=0.001)


def test_chapter_rejects_bad_input(tmp_path: Path, pieces) -> None:
    with pytest.raises(ConfigError, match="unknown audio format 'wma'"):
        assemble_chapter(pieces, tmp_path / "c.wma", fmt="wma")
    with pytest.raises(InputError, match="missing.wav: audio file not found"):
        assemble_chapter([(tmp_path / "missing.wav", PAUSE_SENTENCE)], tmp_path / "c.mp3")
    with pytest.raises(ValueError, match="unknown pause marker"):
        assemble_chapter([(pieces[0][0], "comma")], tmp_path / "c.mp3", loudness=None)
    assert not (tmp_path / "c.mp3").exists()


def test_failing_ffmpeg_leaves_no_partial_file(tmp_path: Path, pieces) -> None:
    out = tmp_path / "out" / "c.m4a"
    with pytest.raises(FFmpegError, match="ffmpeg failed to encode c.m4a: .*bogus"):
        assemble_chapter(pieces, out, fmt="m4a", bitrate="bogus", loudness=None)
    assert not out.exists()
    assert no_temp_files(tmp_path)


def test_missing_ffmpeg_is_a_config_error(tmp_path: Path, pieces, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="ffmpeg not found: install it with apt-get install ffmpeg"):
        find_tool("ffmpeg")
    with pytest.raises(ConfigError, match="ffmpeg not found"):
        assemble_chapter(pieces, tmp_path / "c.mp3")
    assert not (tmp_path / "c.mp3").exists()


# --- the book ------------------------------------------------------------------------------


TITLES = ["第一章", "Ça va; #1 = ok", "Back\\slash\nand newline"]


def test_ffmeta_escape() -> None:
    assert ffmeta_escape("a=b;c#d\\e\nf") == "a\\=b\\;c\\#d\\\\e\\\nf"
    assert ffmeta_escape("第一章") == "第一章"


def test_book_chapters_tags_and_cover(tmp_path: Path) -> None:
    # Masters of different lengths, pitches and rates: each mark must land where its audio starts.
    specs = [(24000, 1.3, 300), (22050, 0.9, 700), (24000, 1.6, 1100)]
    masters = [write_wav(tmp_path / "work" / f"{i}.wav", speechlike(r, s, f, seed=i))
               for i, (r, s, f) in enumerate(specs)]
    out = assemble_book(list(zip(TITLES, masters, strict=True)), tmp_path / "book" / "My Book.m4b",
                        title="My Book", authors=["Ann Author", "Bo Writer"], language="ja", cover=COVER)
    marks = probe_chapters(out)
    # ffmpeg's special characters survive; a line break is a space in a chapter mark (narration.display)
    assert [m["title"] for m in marks] == [t.replace("\n", " ") for t in TITLES]
    starts = np.cumsum([0.0] + [s for _, s, _ in specs])
    for mark, start, end in zip(marks, starts[:-1], starts[1:], strict=True):
        assert mark["start"] == pytest.approx(start, abs=0.05)
        assert mark["end"] == pytest.approx(end, abs=0.05)
    assert probe_duration(out) == pytest.approx(starts[-1], abs=0.05)
    audio = decode(out, 24000)
    for mark, (_, _, freq) in zip(marks, specs, strict=True):
        middle = round((mark["start"] + mark["end"]) / 2 * 24000)
        assert dominant_hz(audio[middle - 4000 : middle + 4000], 24000) == pytest.approx(freq, abs=5)

    tags = MP4(out).tags
    assert tags["©nam"] == ["My Book"] and tags["©alb"] == ["My Book"]
    assert tags["©ART"] == ["Ann Author, Bo Writer"] and tags["aART"] == ["Ann Author, Bo Writer"]
    assert tags["©gen"] == ["Audiobook"] and tags["stik"] == [2]
    assert bytes(tags["----:com.apple.iTunes:LANGUAGE"][0]) == b"ja"
    assert bytes(tags["covr"][0]) == COVER.data
    stream = next(s for s in probe(out)["streams"] if s["codec_type"] == "audio")
    assert stream["codec_name"] == "aac"
    assert no_temp_files(tmp_path)


def test_book_from_assembled_chapters(tmp_path: Path, pieces) -> None:
    chapters = [assemble_chapter(pieces[i : i + 2], tmp_path / f"{i}.opus", pauses=PAUSES, fmt="opus",
                                 master_path=tmp_path / "work" / f"{i}.wav") for i in (0, 2)]
    out = assemble_book([("One", chapters[0].master), ("Two", chapters[1].master)], tmp_path / "b.m4b",
                        title="B", authors=[], language="en", cover=None)
    marks = probe_chapters(out)
    assert [m["title"] for m in marks] == ["One", "Two"]
    assert marks[1]["start"] == pytest.approx(chapters[0].duration, abs=0.05)
    assert probe_duration(out) == pytest.approx(sum(c.duration for c in chapters), abs=0.05)
    assert "covr" not in MP4(out).tags and "©ART" not in MP4(out).tags


def test_book_failures_leave_nothing(tmp_path: Path) -> None:
    master = write_wav(tmp_path / "m.wav", speechlike(22050, 0.5, 300))
    out = tmp_path / "b.m4b"
    with pytest.raises(InputError, match="gone.wav: chapter audio not found"):
        assemble_book([("A", master), ("B", tmp_path / "gone.wav")], out,
                      title="T", authors=[], language="en")
    with pytest.raises(FFmpegError, match="encode the audiobook b.m4b"):
        assemble_book([("A", master)], out, title="T", authors=[], language="en", bitrate="bogus")
    assert not out.exists()
    assert no_temp_files(tmp_path)


def test_scene_break_pause_is_its_own_length(tmp_path: Path) -> None:
    a, b = speechlike(22050, 0.4, 300, seed=1), speechlike(22050, 0.3, 500, seed=2)
    pa, pb = write_wav(tmp_path / "a.wav", a), write_wav(tmp_path / "b.wav", b)
    pauses = Pauses(paragraph=0.6, scene=1.7, chapter_lead=0.0, chapter_tail=0.0)
    result = assemble_chapter([(pa, PAUSE_SCENE), (pb, PAUSE_PARAGRAPH)], tmp_path / "c.flac", fmt="flac",
                              pauses=pauses, loudness=None)
    assert result.duration == pytest.approx(0.4 + 1.7 + 0.3, abs=0.003)


def test_wav_problem_tells_a_whole_take_from_a_damaged_one(tmp_path: Path) -> None:
    import os

    from narration.store.verify import wav_problem

    good = write_wav(tmp_path / "good.wav", Audio(np.full(2400, 0.1, dtype=np.float32), 24000))
    assert wav_problem(good) is None
    data = good.read_bytes()
    cases = {
        "truncated": data[: len(data) - 100],
        "empty": b"",
        "random": os.urandom(len(data)),
        "header only": data[:44],
    }
    for name, content in cases.items():
        (tmp_path / f"{name}.wav").write_bytes(content)
        assert wav_problem(tmp_path / f"{name}.wav") is not None, name
    assert "truncated" in wav_problem(tmp_path / "truncated.wav")
    assert wav_problem(tmp_path / "missing.wav").startswith("unreadable")
