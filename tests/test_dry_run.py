"""``narrate --dry-run --json`` on books built to have the structures real books have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from epub_factory import Doc, TocEntry, chapter_body, write_epub

from narration.cli import main

PARAS = ["It was a quiet morning in the town, and nobody expected anything at all.", "Then the bell rang twice."]


def dry_run(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main([str(path), "--dry-run", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("version", [2, 3])
def test_varied_epub(tmp_path: Path, capsys: pytest.CaptureFixture[str], version: int) -> None:
    # Parts over chapters (nested TOC); one file holding two chapters split at anchors; a figure;
    # a noteref into an endnotes file that is in the TOC but must not be read.
    shared = "\n".join(chapter_body(t, PARAS, heading="h2", anchor=a) for t, a in [("Chapter 2", "c2"), ("Chapter 3", "c3")])
    docs = [
        Doc("part1.xhtml", "<h1>Part One</h1>"),
        Doc("ch1.xhtml", chapter_body("Chapter 1", PARAS)
            + '<figure><img src="pic.png" alt="A PICTURE"/></figure>'
            + '<p>A remark<a epub:type="noteref" href="notes.xhtml#n1">1</a> here.</p>'),
        Doc("shared.xhtml", shared),
        Doc("notes.xhtml", '<section epub:type="endnotes"><h1>Notes</h1><ol><li id="n1"><p>NOTE TEXT.</p></li></ol></section>'),
    ]
    toc = [
        TocEntry("Part One", "part1.xhtml", [
            TocEntry("Chapter 1", "ch1.xhtml"),
            TocEntry("Chapter 2", "shared.xhtml#c2"),
            TocEntry("Chapter 3", "shared.xhtml#c3"),
        ]),
        TocEntry("Notes", "notes.xhtml"),
    ]
    plan = dry_run(write_epub(tmp_path / "varied.epub", docs, toc, version=version), capsys)
    assert [c["title"] for c in plan["chapters"]] == ["Part One: Chapter 1", "Chapter 2", "Chapter 3"]
    words = len(" ".join(PARAS).split())
    assert [c["words"] for c in plan["chapters"]] == [words + 3, words, words]  # + "A remark here."
    assert all(c["chunks"] >= 2 for c in plan["chapters"])  # the title and the text


def test_markdown_with_inconsistent_headings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "uneven.md"
    md.write_text(
        "---\ntitle: Uneven\nauthor: A. Writer\n---\n\n"
        "# Part One\n\n"  # no text under it: not a chapter
        "## Chapter 1\n\n" + PARAS[0] + "\n\n![a map](map.png)\n\n"
        "# Chapter 2\n\n" + PARAS[1] + "\n\n```\ncode is not read\n```\n\n"
        "### Chapter 3\n\n" + PARAS[0] + "\n",
        encoding="utf-8",
    )
    plan = dry_run(md, capsys)
    assert plan["title"] == "Uneven" and plan["authors"] == ["A. Writer"]
    assert [c["title"] for c in plan["chapters"]] == ["Part One: Chapter 1", "Chapter 2", "Chapter 3"]
    assert [c["words"] for c in plan["chapters"]] == [len(PARAS[0].split()), len(PARAS[1].split()), len(PARAS[0].split())]


def test_dry_run_shows_lengths_edges_structure_and_what_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from editions import gutenberg_epub2, first, last

    path = gutenberg_epub2(tmp_path).path
    plan = dry_run(path, capsys)
    one, two = plan["chapters"]
    assert one["first_words"] == " ".join(first(1).split()[:8])
    assert one["last_words"] == " ".join(last(1).split()[-8:])
    # About 155 words a minute, the spoken title included: the estimate follows the words.
    spoken = one["words"] + len(one["title"].split())
    assert one["estimated_seconds"] == pytest.approx(spoken / 155 * 60, rel=0.02)
    assert plan["estimated_seconds"] == pytest.approx(one["estimated_seconds"] + two["estimated_seconds"], abs=0.2)
    assert plan["structure"]
    assert plan["omitted"]["licence"]["words"] > 80
    assert plan["omitted"]["captions"]["parts"] == 2
    assert {"where", "words", "excerpt"} <= set(plan["omitted"]["licence"]["items"][0])

    # The table says the same, and what to do about it.
    assert main([str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "CHAPTER I. THE ROCK" in out and "left out" in out and "licence:" in out and "--keep" in out

    # --keep and --notes reach the plan the run would execute; a bad kind is one line, exit 2.
    kept = json.loads((main([str(path), "--dry-run", "--json", "--keep", "captions"]), capsys.readouterr().out)[1])
    assert "captions" not in kept["omitted"]
    assert main([str(path), "--dry-run", "--keep", "everything"]) == 2
    assert "--keep: unknown kind" in capsys.readouterr().err
    assert main([str(path), "--dry-run", "--chapter-level", "0"]) == 2
    assert "--chapter-level: " in capsys.readouterr().err  # named as the user typed it


def test_text_lists_every_paragraph_as_read_and_nothing_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--dry-run --text``: each chapter's heading line, then its spoken title and paragraphs one a line,
    normalised as the voice reads them; what is left out (the notes) is not there."""
    docs = [
        Doc("ch1.xhtml", chapter_body("Chapter 1", PARAS)
            + '<p>A remark<a epub:type="noteref" href="notes.xhtml#n1">1</a> costs 3 pounds.</p>'),
        Doc("ch2.xhtml", chapter_body("Chapter 2", PARAS[::-1])),
        Doc("notes.xhtml", '<section epub:type="endnotes"><h1>Notes</h1><ol><li id="n1"><p>NOTE TEXT.</p></li></ol></section>'),
    ]
    toc = [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml"), TocEntry("Notes", "notes.xhtml")]
    path = write_epub(tmp_path / "t.epub", docs, toc)
    assert main([str(path), "--dry-run", "--text"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "## 1. Chapter 1", "Chapter one", *PARAS, "A remark costs three pounds.",
        "",
        "## 2. Chapter 2", "Chapter two", *PARAS[::-1],
    ]
