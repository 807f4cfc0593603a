"""Mastering to a delivery profile (issue 15 parts 1-2): measuring files against a profile's
rules, mastering chapters to it, credits, and long chapters split into parts."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from narration import NarrationOptions, narrate
from narration.cli import main
from narration.cli.status import mastering_line
from narration.emotion.settings import EmotionSettings
from narration.errors import InputError
from narration.ffmpeg import probe_chapters, run_ffmpeg
from narration.mastering.conformance import check_files, measure_file
from narration.mastering.master import split_points
from narration.mastering.profiles import ACX, PROFILES, Profile
from narration.mastering.record import read_check
from narration.options import AssemblySettings
from narration.run.plan import plan_book
from narration.store.layout import BookLayout
from narration.store.prune import prune_book
from narration.store.status import book_status
from narration.store.verify import read_record

MP3_192 = ("-c:a", "libmp3lame", "-b:a", "192k")


def make_audio(
    path: Path, *, head: float = 0.75, tail: float = 2.5, body: float = 6.0, rms_db: float = -20.0,
    noise_db: float | None = -65.0, rate: int = 44100, channels: int = 1, click_db: float | None = None,
    codec: tuple[str, ...] = MP3_192,
) -> Path:
    """A stand-in for a narrated file: room tone (white noise at ``noise_db`` RMS) throughout, a
    220 Hz tone for the voice between ``head`` and ``tail`` seconds of room tone (None: digital
    silence), the whole file at ``rms_db`` RMS; ``click_db``: one sample at that peak level in the middle."""
    rng = np.random.default_rng(0)
    total = head + body + tail
    samples = rng.normal(0.0, 10 ** (noise_db / 20), round(total * rate)) if noise_db is not None else np.zeros(round(total * rate))
    start = round(head * rate)
    t = np.arange(round(body * rate)) / rate
    amplitude = math.sqrt(2 * 10 ** (rms_db / 10) * total / body)
    samples[start : start + len(t)] += amplitude * np.sin(2 * np.pi * 220 * t)
    if click_db is not None:
        samples[start + len(t) // 2] = 10 ** (click_db / 20)
    frames = np.repeat(samples[:, None], channels, axis=1).astype("<f4")
    run_ffmpeg(["-f", "f32le", "-ar", rate, "-ac", channels, "-i", "pipe:0", *codec, path],
               what="make a test file", stdin=frames.tobytes())
    return path


def failed(path: Path, profile: Profile = ACX) -> set[str]:
    check = check_files([path], profile)
    return {r.rule for f in check.files for r in f.rules if not r.passed}


def test_a_file_made_to_the_acx_rules_passes_and_is_measured_right(tmp_path: Path) -> None:
    m = measure_file(make_audio(tmp_path / "good.mp3"))
    assert failed(Path(m.path)) == set()
    assert m.rms_db == pytest.approx(-20.0, abs=0.5)
    assert m.noise_floor_db == pytest.approx(-65.0, abs=1.5)
    assert m.head_s == pytest.approx(0.75, abs=0.03) and m.tail_s == pytest.approx(2.5, abs=0.05)
    assert (m.codec, m.sample_rate, m.channels, m.bitrate_mode) == ("mp3", 44100, 1, "CBR")
    assert m.bitrate_kbps == pytest.approx(192, abs=1)
    assert m.duration == pytest.approx(9.25, abs=0.01)


@pytest.mark.parametrize(("made", "rules"), [
    ({"rms_db": -26.0}, {"rms"}),
    ({"rms_db": -16.0}, {"rms"}),
    ({"click_db": -1.0}, {"peak"}),
    ({"head": 0.2}, {"head"}),
    ({"head": 1.5}, {"head"}),
    ({"tail": 0.5}, {"tail"}),
    ({"tail": 6.0}, {"tail"}),
    ({"rate": 48000}, {"sample_rate"}),
    ({"codec": ("-c:a", "libmp3lame", "-b:a", "128k")}, {"bitrate"}),
    ({"codec": ("-c:a", "libmp3lame", "-abr", "1", "-b:a", "256k")}, {"bitrate_mode"}),  # ABR
    ({"codec": ("-c:a", "libmp3lame", "-q:a", "4")}, {"bitrate", "bitrate_mode"}),  # VBR, ~100 kbps here
    ({"codec": ("-c:a", "flac")}, {"format", "bitrate", "bitrate_mode"}),
])  # fmt: skip
def test_each_acx_rule_catches_the_file_that_breaks_it(tmp_path: Path, made: dict, rules: set[str]) -> None:
    suffix = ".flac" if made.get("codec", MP3_192)[1] == "flac" else ".mp3"
    assert failed(make_audio(tmp_path / f"bad{suffix}", **made)) == rules


def test_a_loud_room_fails_the_noise_floor(tmp_path: Path) -> None:
    m = measure_file(make_audio(tmp_path / "noisy.mp3", noise_db=-50.0))
    assert m.noise_floor_db == pytest.approx(-50.0, abs=1.5)
    assert "noise_floor" in failed(Path(m.path))


def test_digital_silence_is_reported_as_such(tmp_path: Path) -> None:
    path = make_audio(tmp_path / "silent.mp3", noise_db=None)
    check = check_files([path], ACX)
    noise = next(r for r in check.files[0].rules if r.rule == "noise_floor")
    assert "digital silence" in noise.measured
    assert check.files[0].measurement.to_dict()["noise_floor_db"] is None  # JSON has no -inf


def test_one_channel_layout_for_the_book_and_the_file_length_limit(tmp_path: Path) -> None:
    mono, stereo = make_audio(tmp_path / "a.mp3"), make_audio(tmp_path / "b.mp3", channels=2)
    check = check_files([mono, stereo], ACX)
    assert all(f.passed for f in check.files) and not check.passed
    assert [r.rule for r in check.book_rules if not r.passed] == ["channels"]
    short = dataclasses.replace(ACX, rules=dataclasses.replace(ACX.rules, max_minutes=0.1))
    assert failed(mono, short) == {"duration"}


def test_narrate_check_exit_codes_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = make_audio(tmp_path / "good.mp3"), make_audio(tmp_path / "quiet.mp3", rms_db=-30.0)
    assert main(["check", str(good)]) == 0
    capsys.readouterr()
    assert main(["check", str(good), str(bad), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"] == "acx" and doc["passed"] is False
    assert [f["passed"] for f in doc["files"]] == [True, False]
    rms = next(r for r in doc["files"][1]["rules"] if r["rule"] == "rms")
    assert float(rms["measured"].removesuffix(" dB")) == pytest.approx(-30.0, abs=0.5)
    assert rms["required"] == "-23 to -18 dB" and rms["passed"] is False
    assert main(["check", str(tmp_path)]) == 1  # a folder: the audio files in it
    assert main(["check", "--profile", "default", str(bad)]) == 0  # measures only
    capsys.readouterr()
    assert main(["check", str(good), str(tmp_path / "missing.mp3")]) == 2
    assert "missing.mp3: file not found" in capsys.readouterr().err
    (tmp_path / "text.mp3").write_text("not audio")
    assert main(["check", str(tmp_path / "text.mp3")]) == 2
    assert "text.mp3: not an audio file" in capsys.readouterr().err


def test_measuring_a_missing_or_empty_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        measure_file(tmp_path / "nope.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(InputError):
        measure_file(tmp_path / "empty.wav")


def test_the_profile_option_is_validated_and_default_leaves_digests_as_they_were() -> None:
    # checked where the options are composed (the profile is mastering's, the format assembly's),
    # and named as the assembly part's
    for assembly, problem in (({"profile": "nope"}, "unknown profile 'nope'"),
                              ({"profile": "acx", "format": "flac"}, "acx writes mp3 chapter files, not flac"),
                              ({"profile": "acx", "loudness": None}, "sets the level itself")):
        with pytest.raises(ValidationError, match=problem) as caught:
            NarrationOptions(assembly=assembly)
        assert caught.value.errors()[0]["loc"] == ("assembly",)
    with pytest.raises(ValidationError, match="sets the level itself"):
        NarrationOptions(assembly=AssemblySettings(profile="acx", loudness=None))  # a part made apart too
    # The digest chapter records were made with before profiles existed: unchanged at the defaults.
    before = {"format": "mp3", "bitrate": "64k", "loudness": -19.0,
              "pauses": {"sentence": 0.35, "paragraph": 0.8, "title": 1.2, "chapter_lead": 0.5, "chapter_tail": 1.5,
                         "scene": 2.0}}
    assert AssemblySettings(credits=True).digest() == before
    assert AssemblySettings(profile="acx").digest() == {**before, "profile": "acx"}
    assert '"profile"' not in NarrationOptions().flat_json()
    # so are the pause added later (clause) at its default; set, it counts
    assert AssemblySettings(pauses={"clause": 0.3}).digest()["pauses"]["clause"] == 0.3
    assert '"clause"' not in NarrationOptions().flat_json() and '"clause":0.3' in NarrationOptions(
        assembly={"pauses": {"clause": 0.3}}).flat_json()


def test_split_points_cut_at_paragraph_ends_nearest_an_even_split() -> None:
    lengths = [10] * 10
    every = [True] * 10
    assert split_points(lengths, every, 100) == []
    assert split_points(lengths, every, 60) == [5]  # two even parts
    assert split_points(lengths, every, 40) == [3, 6]  # three parts of 30, 30, 40
    only = [False, False, True, False, False, False, False, True, False, False]
    assert split_points(lengths, only, 80) == [3]  # the only paragraph end that fits
    parts = [0, *split_points(lengths, every, 25), 10]
    assert all(sum(lengths[a:b]) <= 25 for a, b in itertools.pairwise(parts))
    # a paragraph longer than the limit: a part over it, never a cut inside it
    assert split_points([10, 50, 10], [True, True, True], 30) == [1, 2]


BOOK = """# A Short Fable

## One

The crow sat in a tall tree with a piece of cheese.

The fox came by and looked up at her.

He told her that her voice must be lovely.

She opened her beak to sing, and the cheese fell down.

## Two

The end of the story is a lesson.
"""

FAST = {"backend": "piper", "qa": False, "emotion": EmotionSettings(enabled=False)}


@pytest.fixture()
def fable(tmp_path: Path) -> Path:
    path = tmp_path / "fable.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


def _hashes(layout: BookLayout) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(layout.chapters.iterdir())}


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_acx_mastering_of_a_real_narration_passes_the_check(tmp_path: Path, fable: Path) -> None:
    out = tmp_path / "out"
    narrate(fable, out, NarrationOptions(**FAST))
    layout = BookLayout.for_book(out, fable)
    default_files = _hashes(layout)
    assert read_check(layout)["checked_against"] == "acx"  # a default run says how far it is from ACX

    acx = narrate(fable, out, NarrationOptions(**FAST, profile="acx", credits=True))
    assert acx.synthesized == 2  # only the credits: a profile reassembles, it does not resynthesize
    files = sorted(layout.chapters.glob("*.mp3"))
    assert [p.name for p in files] == ["00 - Opening credits.mp3", "01 - One.mp3", "02 - Two.mp3",
                                       "03 - Closing credits.mp3"]
    check = check_files(files, ACX)
    assert check.passed, [(f.measurement.path, [(r.rule, r.measured) for r in f.rules if not r.passed])
                          for f in check.files]
    # recorded for the report and narrate status
    recorded = book_status(layout)["mastering"]
    assert recorded["run_profile"] == "acx" and recorded["passed"] is True and len(recorded["files"]) == 4
    assert mastering_line(recorded) == "mastering: 4/4 file(s) pass acx's rules"
    recorded["files"][1]["passed"] = False
    recorded["files"][1]["rules"][0]["passed"] = False
    assert mastering_line(recorded).startswith(f"mastering: 3/4 file(s) pass acx's rules; failing: {recorded['files'][1]['rules'][0]['rule']}")
    assert (layout.root / "report.html").read_text(encoding="utf-8").count("mastering-file") == 4
    # the M4B is built from the lossless masters, credits as chapters, marks at the masters' lengths
    marks = probe_chapters(layout.m4b)
    assert [m["title"] for m in marks] == ["Opening credits", "One", "Two", "Closing credits"]
    durations = [read_record(layout.chapter_record(i))["duration"] for i in (-1, 0, 1, 2)]
    assert [m["end"] - m["start"] for m in marks] == pytest.approx(durations, abs=0.002)
    assert main(["check", str(layout.chapters)]) == 0

    again = narrate(fable, out, NarrationOptions(**FAST))  # back to default: today's bytes, nothing synthesized
    assert again.synthesized == 0
    assert {k: v for k, v in _hashes(layout).items() if "credits" not in k} == default_files


def test_credits_are_planned_as_chapters_around_the_book(fable: Path) -> None:
    plain = plan_book(fable, NarrationOptions(**FAST))
    plan = plan_book(fable, NarrationOptions(**FAST, credits=True))
    assert [c.index for c in plan.chapters] == [-1, 0, 1, 2]
    assert plan.chapters[0].chunks[0].text == "This is A Short Fable."  # no author in the file
    assert plan.chapters[-1].chunks[0].text == "The end."
    assert [c.index for c in plan.chunks] == list(range(len(plain.chunks) + 2))
    assert [c.text for c in plan.chunks[1:-1]] == [c.text for c in plain.chunks]


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_a_chapter_over_the_profile_limit_is_split_at_paragraphs_with_marks_kept(
    tmp_path: Path, fable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A test-only profile: ACX with files of at most 0.15 minutes (9 s) instead of 120.
    short = dataclasses.replace(ACX, name="acx-short", rules=dataclasses.replace(ACX.rules, max_minutes=0.15))
    monkeypatch.setitem(PROFILES, "acx-short", short)
    out = tmp_path / "out"
    options = NarrationOptions(**FAST, profile="acx-short")
    narrate(fable, out, options)
    layout = BookLayout.for_book(out, fable)
    record = read_record(layout.chapter_record(0))
    parts = sorted(layout.chapters.glob("01 - One (part *).mp3"))
    assert record["parts"] == len(parts) >= 2
    check = check_files(parts, short)
    assert check.passed, [[(r.rule, r.measured) for r in f.rules if not r.passed] for f in check.files]
    # each cut lies between a paragraph's end and the next paragraph's first words
    plan = plan_book(fable, options)
    chunks, starts = plan.chapters[0].chunks, record["piece_starts"]
    cut = 0.0
    for part in parts[:-1]:
        cut += measure_file(part).duration
        after = next(i for i, s in enumerate(starts) if s > cut)
        assert chunks[after - 1].pause_after == "paragraph" and chunks[after].paragraph != chunks[after - 1].paragraph
    # one M4B mark per chapter, spanning its parts
    marks = probe_chapters(layout.m4b)
    assert [m["title"] for m in marks] == ["One", "Two"]
    assert marks[0]["end"] == pytest.approx(record["duration"], abs=0.002)
    # a rerun reuses the parts; prune keeps them
    before = {p: p.stat().st_mtime_ns for p in parts}
    assert narrate(fable, out, options).synthesized == 0
    assert {p: p.stat().st_mtime_ns for p in parts} == before
    assert not [p for p in prune_book(layout, dry_run=True).files if p.parent == layout.chapters]
