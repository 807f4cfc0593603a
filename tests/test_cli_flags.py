"""``narrate run``'s settings flags, generated from the fields of ``NarrationOptions``: every flag
of the hand-written parser they replaced is still there and sets what it set, and the generator
follows the fields (help, default, choices) for a model it has never seen."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from narration.cli import build_parser, parse_args
from narration.cli.flags import (
    NOT_FLAGS,
    add_settings_arguments,
    options_from_args,
    settings_flags,
    validation_message,
)
from narration.options import NarrationOptions

ROOT = Path(__file__).resolve().parents[1]

# Every option of `narrate run --help` before the flags were generated (2026-12-07), as typed.
BEFORE = (
    "--out --backend --model --quantization --voice --speed --format --bitrate --loudness --no-loudnorm --no-m4b "
    "--profile --credits --captions --readalong --max-chars --lexicon --batch-size --no-qa --asr-model --max-retakes "
    "--allow-failures --sentence-pause --paragraph-pause --title-pause --chapter-lead-pause --chapter-tail-pause "
    "--scene-pause --clause-pause --notes --keep --chapter-level --max-paragraph-chars --max-book-paragraphs "
    "--max-book-chars --no-emotion --emotion-model --emotion-share --styles --dry-run --json --text --dask "
    "--dask-synth-resources --wait --prefect -v --verbose"
).split()

# What each settings flag set then (the hand-written options_from_args): the flags, and the
# settings they change from the defaults.
MEANING: list[tuple[list[str], dict[str, object]]] = [
    (["--backend", "piper"], {"synthesis.backend": "piper"}),
    (["--cast", "off"], {"cast.source": "off"}),
    (["--model", "some/model"], {"synthesis.model": "some/model"}),
    (["--quantization", "int8"], {"synthesis.quantization": "int8"}),
    (["--voice", "af_sky"], {"synthesis.voice": "af_sky"}),
    (["--speed", "1.25"], {"synthesis.speed": 1.25}),
    (["--max-chars", "300"], {"synthesis.max_chars": 300}),
    (["--lexicon", "words.toml"], {"synthesis.lexicon": "words.toml"}),
    (["--batch-size", "4"], {"synthesis.batch_size": 4}),
    (["--format", "flac"], {"assembly.format": "flac"}),
    (["--bitrate", "96k"], {"assembly.bitrate": "96k"}),
    (["--loudness", "-16"], {"assembly.loudness": -16.0}),
    (["--no-loudnorm"], {"assembly.loudness": None}),
    (["--no-loudnorm", "--loudness", "-16"], {"assembly.loudness": None}),  # off wins, as it did
    (["--no-m4b"], {"assembly.m4b": False}),
    (["--profile", "acx"], {"assembly.profile": "acx"}),
    (["--credits"], {"assembly.credits": True}),
    (["--captions", "vtt,srt"], {"assembly.captions": ("srt", "vtt")}),
    (["--readalong"], {"assembly.readalong": True}),
    (["--chapters", "1-3,7"], {"chapters": "1-3,7"}),  # added after: the run's own field (#29)
    (["--no-qa"], {"qa.enabled": False}),
    (["--asr-model", "base"], {"qa.asr_model": "base"}),
    (["--max-retakes", "5"], {"qa.max_retakes": 5}),
    (["--allow-failures"], {"qa.allow_failures": True}),
    (["--sentence-pause", "0.5"], {"assembly.pauses.sentence": 0.5}),
    (["--paragraph-pause", "1"], {"assembly.pauses.paragraph": 1.0}),
    (["--title-pause", "2"], {"assembly.pauses.title": 2.0}),
    (["--chapter-lead-pause", "0"], {"assembly.pauses.chapter_lead": 0.0}),
    (["--chapter-tail-pause", "3"], {"assembly.pauses.chapter_tail": 3.0}),
    (["--scene-pause", "4"], {"assembly.pauses.scene": 4.0}),
    (["--clause-pause", "0.1"], {"assembly.pauses.clause": 0.1}),
    (["--notes", "end"], {"ingest.notes": "end"}),
    (["--keep", "captions,title-page"], {"ingest.keep": frozenset({"captions", "title-page"})}),
    (["--chapter-level", "2"], {"ingest.chapter_level": 2}),
    (["--max-paragraph-chars", "1000"], {"ingest.limits.paragraph_chars": 1000}),
    (["--max-book-paragraphs", "10"], {"ingest.limits.book_paragraphs": 10}),
    (["--max-book-chars", "5000"], {"ingest.limits.book_chars": 5000}),
    (["--no-emotion"], {"emotion.enabled": False}),
    (["--emotion-model", "mlask"], {"emotion.model": "mlask"}),
    (["--emotion-share", "0.1"], {"emotion.max_share": 0.1}),
    (["--styles", "styles.toml"], {"emotion.styles": "styles.toml"}),
]


def _setting(options: BaseModel, path: str) -> object:
    for name in path.split("."):
        options = getattr(options, name)
    return options


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser)
    return parser


def test_every_flag_of_before_is_still_there() -> None:
    help_text = subprocess.run([sys.executable, "-m", "narration.cli", "run", "--help"], cwd=ROOT,
                               capture_output=True, text=True, timeout=120).stdout
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    strings = {s for action in run._actions for s in action.option_strings}
    assert set(BEFORE) <= strings, sorted(set(BEFORE) - strings)
    for flag in BEFORE:
        assert flag in help_text


@pytest.mark.parametrize(("argv", "changes"), MEANING, ids=[" ".join(a) for a, _ in MEANING])
def test_each_flag_sets_what_it_set_before_and_nothing_else(argv: list[str], changes: dict[str, object]) -> None:
    options = options_from_args(parse_args(["book.md", *argv]))
    defaults = NarrationOptions()
    for flag in settings_flags():
        expected = changes.get(flag.path, _setting(defaults, flag.path))
        assert _setting(options, flag.path) == expected, flag.path


def test_every_setting_flag_of_before_has_a_meaning_here() -> None:
    settings = {flag.name for flag in settings_flags()} | {"--no-loudnorm"}
    tested = {a for argv, _ in MEANING for a in argv if a.startswith("--")}
    assert settings == tested  # a new field's flag needs no entry; this list is the flags of before


def test_no_flag_given_is_the_default_options() -> None:
    assert options_from_args(parse_args(["book.md"])) == NarrationOptions()


def test_every_field_is_a_flag_or_named_as_not_one() -> None:
    def leaves(model: type[BaseModel], prefix: str = "") -> set[str]:
        found = set()
        for name, field in model.model_fields.items():
            part = field.annotation
            if isinstance(part, type) and issubclass(part, BaseModel):
                found |= leaves(part, prefix + name + ".")
            else:
                found.add(prefix + name)
        return found

    flags = [flag.path for flag in settings_flags()]
    assert len(flags) == len(set(flags)) and len({f.name for f in settings_flags()}) == len(flags)
    assert set(flags) | NOT_FLAGS == leaves(NarrationOptions) and not set(flags) & NOT_FLAGS


def test_help_default_and_choices_come_from_the_field() -> None:
    run = run_parser()
    actions = {s: a for a in run._actions for s in a.option_strings}
    speed = NarrationOptions.model_fields["synthesis"].annotation.model_fields["speed"]
    assert actions["--speed"].help.startswith(speed.description) and f"(default {speed.default})" in actions["--speed"].help
    assert actions["--notes"].choices == ("skip", "inline", "end")  # a Literal
    assert actions["--format"].choices == ("mp3", "m4a", "opus", "flac")
    assert actions["--max-book-chars"].help.endswith("(default 20,000,000)")


class Toy(BaseModel):
    """A part no flag was written for."""

    enabled: bool = Field(True, description="do it")
    colour: Literal["red", "blue"] = Field("red", description="which colour")
    count: int | None = Field(None, ge=1, description="how many")
    loud: bool = Field(False, description="shout")


class ToyOptions(BaseModel):
    toy: Toy = Field(default_factory=Toy)


def test_a_model_the_generator_has_never_seen_gets_its_flags() -> None:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, ToyOptions)
    actions = {s: a for a in parser._actions for s in a.option_strings}
    assert set(actions) == {"-h", "--help", "--no-toy", "--colour", "--count", "--loud"}
    assert actions["--colour"].choices == ("red", "blue") and "which colour (default red)" == actions["--colour"].help
    assert options_from_args(parser.parse_args([]), ToyOptions) == ToyOptions()
    given = options_from_args(parser.parse_args(["--no-toy", "--colour", "blue", "--count", "3", "--loud"]), ToyOptions)
    assert given.toy == Toy(enabled=False, colour="blue", count=3, loud=True)
    with pytest.raises(ValidationError) as bad:
        options_from_args(parser.parse_args(["--count", "0"]), ToyOptions)
    assert validation_message(bad.value, ToyOptions).startswith("--count: ")


def test_a_bad_value_names_its_flag_in_one_line(tmp_path: Path) -> None:
    book = tmp_path / "tiny.md"
    book.write_text("# A Book\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    for argv, words in ((["--sentence-pause", "99"], "--sentence-pause: "), (["--max-book-chars", "0"], "--max-book-chars: "),
                        (["--notes", "nope"], "--notes: invalid choice: 'nope'")):
        result = subprocess.run([sys.executable, "-m", "narration.cli", str(book), *argv, "--dry-run"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()  # not argparse's usage block
        assert words in line
