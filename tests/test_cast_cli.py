"""narrate cast BOOK [--json], through the command contract (add_arguments, run)."""

from __future__ import annotations

import argparse
import json

from narration.cli import cast as command

FABLE = """# Fables

## The Fox and the Crow

A Crow having stolen a bit of meat, perched in a tree. A Fox, seeing this, longed for the meat. "How handsome is the Crow," he exclaimed, "in the beauty of her shape!"

## The Lion and the Mouse

A Lion was awakened by a Mouse running over his face. He was about to kill him, when the Mouse piteously entreated, saying: "If you would only spare my life, I would repay your kindness."
"""


def _run(argv, capsys):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    code = command.run(parser.parse_args(argv))
    return code, capsys.readouterr()


def test_json_lists_characters_and_every_quote(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(command, "_styles", dict)  # no voices installed: the cast without voices
    book = tmp_path / "fables.md"
    book.write_text(FABLE, encoding="utf-8")
    code, out = _run([str(book), "--json", "--write", str(tmp_path / "cast.toml")], capsys)
    assert code == 0 and command.NAME == "cast" and command.HELP
    doc = json.loads(out.out)
    assert {"name", "aliases", "gender", "voice", "lines"} <= set(doc["characters"][0])
    speakers = [q["speaker"] for q in doc["quotes"]]
    assert speakers == ["the Fox", "the Fox", "the Mouse"]
    assert {"chapter", "paragraph", "span", "text", "speaker"} <= set(doc["quotes"][0])
    assert "the Fox" in (tmp_path / "cast.toml").read_text(encoding="utf-8")


def test_a_missing_book_is_exit_2_naming_it(tmp_path, capsys):
    code, out = _run([str(tmp_path / "nope.epub")], capsys)
    assert code == 2 and "nope.epub" in out.err and out.out == ""


def test_a_japanese_book_says_the_narrator_reads_every_quote(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(command, "_styles", dict)
    book = tmp_path / "kumo.md"
    book.write_text("# 蜘蛛の糸\n\n「こら、罪人ども。この蜘蛛の糸は己のものだぞ。」と犍陀多は喚きました。\n"
                    "\n御釈迦様は極楽の蓮池のふちに立って、この一部始終をじっと見ていらっしゃいました。\n",
                    encoding="utf-8")  # fmt: skip
    code, out = _run([str(book)], capsys)
    assert code == 0 and "narrator reads every quote" in out.out
    code, out = _run([str(book), "--json"], capsys)
    doc = json.loads(out.out)
    assert doc["characters"] == [] and doc["quotes"] and all(q["speaker"] is None for q in doc["quotes"])


def test_a_cast_file_keeps_its_voices(tmp_path, capsys, monkeypatch):
    import dataclasses

    import numpy as np

    from narration.cast import read_cast, write_cast

    rng = np.random.default_rng(1)
    names = ["af_heart", "af_bella", "af_nova", "am_adam", "am_eric", "am_puck", "bm_george"]
    monkeypatch.setattr(command, "_styles", lambda: {n: rng.normal(size=256) for n in names})
    book = tmp_path / "fables.md"
    book.write_text(FABLE, encoding="utf-8")
    cast_file = tmp_path / "cast.toml"
    assert _run([str(book), "--write", str(cast_file)], capsys)[0] == 0
    cast = read_cast(cast_file)
    assert any(c.name == "the Fox" and c.voice and c.voice != "bm_george" for c in cast.characters)
    edited = [dataclasses.replace(c, voice="bm_george") if c.name == "the Fox" else c for c in cast.characters]
    write_cast(cast_file, dataclasses.replace(cast, characters=tuple(edited)))  # as a user edits it
    code, out = _run([str(book), "--json", "--cast", str(cast_file)], capsys)
    fox = next(c for c in json.loads(out.out)["characters"] if c["name"] == "the Fox")
    assert code == 0 and fox["voice"] == "bm_george"
