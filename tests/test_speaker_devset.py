"""The hand-annotated speaker dev set (bench/data/speakers/) keeps to its format.

The validator runs over every committed work; it is itself checked on a small work with planted
mistakes, and the segmenter that found the quotes on the quoting patterns the works contain.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

SPEAKERS = Path(__file__).resolve().parent.parent / "bench" / "data" / "speakers"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"speakers_{name}", SPEAKERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


validate = _load("validate")
segment = _load("segment")


@pytest.mark.parametrize("work", validate.works(SPEAKERS))
def test_every_work_keeps_to_the_format(work: str) -> None:
    report = validate.check_work(SPEAKERS / work)
    assert report.problems == []
    assert report.quotes > 0


def _work(tmp_path: Path, rows: list[str]) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    folder.joinpath("text.txt").write_text(
        '# Chapter 1\n\n"Hello," said Ann. "Go."\n\nShe went.\n', encoding="utf-8")
    folder.joinpath("source.md").write_text("tiny\n", encoding="utf-8")
    folder.joinpath("characters.tsv").write_text(
        "id\tname\taliases\tgender\tkind\nann\tAnn\t\tfemale\tperson\n", encoding="utf-8")
    header = "paragraph\tstart\tend\ttext\tspeaker\ttype\n"
    folder.joinpath("quotes.tsv").write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return folder


def test_a_correct_tiny_work_passes(tmp_path: Path) -> None:
    folder = _work(tmp_path, ['1\t0\t8\t"""Hello,"""\tann\texplicit',
                              '1\t19\t24\t"""Go."""\tann\texplicit'])
    assert validate.check_work(folder).problems == []


@pytest.mark.parametrize(("row", "problem"), [
    ('1\t1\t8\tHello,""\tann\texplicit', "not an opening mark"),
    ('1\t0\t7\t"""Hello,\tann\texplicit', "not a closing mark"),
    ('1\t0\t8\t"""Hello,"""\tbob\texplicit', "not in characters.tsv"),
    ('1\t0\t8\t"""Hello,"""\tann\tquoted', "type 'quoted'"),
    ('1\t0\t8\t"""Hello,"""\t_none\texplicit', "_none goes with none only"),
    ('0\t0\t8\t"""Hello,"""\tann\texplicit', "not a text paragraph"),
    ('1\t0\t90\t"""Hello,"""\tann\texplicit', "outside paragraph"),
    ('1\t0\t8\t"""Bye,"""\tann\texplicit', "not the slice's start"),
])
def test_the_validator_names_each_planted_mistake(tmp_path: Path, row: str, problem: str) -> None:
    report = validate.check_work(_work(tmp_path, [row]))
    assert any(problem in p for p in report.problems), report.problems


def test_rows_out_of_order_are_refused(tmp_path: Path) -> None:
    folder = _work(tmp_path, ['1\t19\t24\t"""Go."""\tann\texplicit',
                              '1\t0\t8\t"""Hello,"""\tann\texplicit'])
    assert any("out of text order" in p for p in validate.check_work(folder).problems)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = _work(tmp_path, [])
    folder.joinpath("source.md").unlink()
    assert any("missing source.md" in p for p in validate.check_work(folder).problems)


@pytest.mark.parametrize(("para", "spans"), [
    ('"Yes," said he, "indeed."', [(0, 6), (16, 25)]),
    ("\u201cYes,\u201d said he, \u201cindeed.\u201d", [(0, 6), (16, 25)]),
    ('"He said \'no\' to me," she said.', [(0, 21)]),
    ('"This paragraph runs on', [(0, 23)]),
    ("\u201cOne \u201cTwo\u201d", [(0, 5), (5, 10)]),
    ("no quotes at all", []),
])
def test_segmenter_spans(para: str, spans: list[tuple[int, int]]) -> None:
    assert segment.quotes_in(para) == spans


def test_segmenter_single_marks_skip_apostrophes() -> None:
    para = "\u2018It\u2019s the Rats\u2019 boat,\u2019 said he, \u2018and mine.\u2019"
    assert [para[s:e] for s, e in segment.quotes_in(para, double=False)] == [
        "\u2018It\u2019s the Rats\u2019 boat,\u2019", "\u2018and mine.\u2019"]


def test_rebuilding_keeps_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text("*** START OF X ***\nCHAPTER I\n\n\"Hi,\" said Ann.\n\n\"Bye.\"\n*** END OF X ***\n",
                   encoding="utf-8")
    monkeypatch.setattr(segment, "HERE", tmp_path)
    monkeypatch.setitem(segment.WORKS, "t", segment.Work(heading=r"CHAPTER I", first="CHAPTER I", stop=""))
    segment.build("t", raw)
    labels = tmp_path / "labels.txt"
    labels.write_text("0 ann e\n1 ann i\n", encoding="utf-8")
    segment.label("t", labels)
    segment.build("t", raw)
    rows = segment.read_rows(tmp_path / "t")
    assert [(r["speaker"], r["type"]) for r in rows] == [("ann", "explicit"), ("ann", "implicit")]
    assert segment.read_text(tmp_path / "t") == ["# CHAPTER I", '"Hi," said Ann.', '"Bye."']
    shutil.rmtree(tmp_path / "t")


def test_an_extract_read_out_inside_a_running_quote_is_a_row() -> None:
    paras = ["\u201cLet me read it to you.", "\u2018You may be cajoled.\u2019", "He read.", "\u2018A sign.\u2019"]
    quotes = segment.find_quotes(paras)
    assert [(q.paragraph, q.start, q.end) for q in quotes] == [(0, 0, 23), (1, 0, 21)]


def test_a_source_fix_must_match_exactly_once() -> None:
    assert segment.apply_fixes(["said he; we go."], (("he; we", 'he; "we'),)) == ['said he; "we go.']
    with pytest.raises(ValueError, match="occurs 0 times"):
        segment.apply_fixes(["said he."], (("she", "her"),))
    with pytest.raises(ValueError, match="occurs 2 times"):
        segment.apply_fixes(["a a"], (("a", "b"),))


def test_the_set_is_as_large_and_varied_as_issue_28_asks() -> None:
    """At least 1,500 quotes from at least six works, each type present, no work under 200."""
    reports = [validate.check_work(SPEAKERS / work) for work in validate.works(SPEAKERS)]
    assert len(reports) >= 6
    assert sum(r.quotes for r in reports) >= 1500
    assert min(r.quotes for r in reports) >= 200
    types = sum((r.types for r in reports), Counter())
    assert all(types[t] > 0 for t in ("explicit", "anaphoric", "implicit", "none"))


def test_a_name_shared_by_two_characters_is_refused(tmp_path: Path) -> None:
    folder = _work(tmp_path, [])
    folder.joinpath("characters.tsv").write_text(
        "id\tname\taliases\tgender\tkind\nann\tAnn\tthe Mother\tfemale\tperson\n"
        "may\tMay\tmother.\tfemale\tperson\n", encoding="utf-8")
    problems = validate.check_work(folder).problems
    assert any("'mother.' is also 'ann'" in p for p in problems), problems
