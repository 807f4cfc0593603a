"""``narrate review``: the page's document, its edits (files under the book's lock), Apply, and
that nothing outside the book's folder is readable through the server."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from narration import NarrationOptions, narrate
from narration.cli import review as review_command
from narration.emotion.script import read_script
from narration.review import edits
from narration.review.book import book_document, open_book
from narration.review.server import create_app
from narration.store.layout import BookLayout
from narration.store.lock import book_lock
from narration.store.manifest import Manifest
from narration.text.lexicon import load_lexicon

BOOK = ("# Three\n\n## One\n\nThe first chapter is short. It ends here.\n\n## Two\n\n\u201cStop!\u201d said Ann. "
        "The second one too.\n\n## Three\n\nAnd the third. Then it stops.\n")
OPTIONS = NarrationOptions(backend="piper", batch_size=2, format="mp3", qa=False, emotion={"enabled": False})


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("narrated")
    book = root / "three.md"
    book.write_text(BOOK, encoding="utf-8")
    narrate(book, root / "out", OPTIONS)
    return book, root / "out"


@pytest.fixture()
def book(narrated: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the narrated book for one test to change."""
    source, out = narrated
    shutil.copy(source, tmp_path / source.name)
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / source.name, tmp_path / "out"


@pytest.fixture()
def client(book: tuple[Path, Path]) -> TestClient:
    return TestClient(create_app(open_book(book[1], book[0])), base_url="http://127.0.0.1:8765")


def chapters(client: TestClient) -> list[dict]:
    """Every chapter's document, as the page fetches each when opened."""
    return [client.get(f"/api/chapter/{c['number']}").json() for c in client.get("/api/book").json()["chapters"]]


def test_the_document_places_every_sentence_in_its_chapters_audio(client: TestClient) -> None:
    doc = client.get("/api/book").json()
    assert [c["title"] for c in doc["chapters"]] == ["One", "Two", "Three"]
    doc["chapters"] = chapters(client)
    for chapter in doc["chapters"]:
        starts = [s["start"] for s in chapter["sentences"]]
        assert None not in starts and starts == sorted(starts) and starts[-1] < chapter["duration"]
        assert all(s["end"] > s["start"] for s in chapter["sentences"])
        assert client.get(chapter["audio"]).headers["content-type"] == "audio/mpeg"
    two = doc["chapters"][1]
    spans = two["paragraphs"]["0"]
    assert [(s["speaker"], s["tag"] in doc["tags"]) for s in spans] == [("dialogue", True), ("narrator", True)]
    chunk = two["chunks"][1]
    assert client.get(f"/audio/take/{chunk['key']}").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "review.js" in page.text


@pytest.mark.parametrize("path", [
    "/audio/take/../../../../etc/passwd", "/audio/take/..%2F..%2F..%2Fetc%2Fpasswd", "/audio/chapter/..%2f..%2fbook.json",
    "/audio/chapter/-5", "/audio/take/" + "0" * 64, "/audio/before/" + "0" * 63 + "g", "/etc/passwd",
    "/audio/take/%2Fetc%2Fpasswd", "/static/../../narration/review/server.py", "/review.js/../../../book.json",
])
def test_no_path_from_a_request_reads_outside_the_books_takes(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert b"root:" not in response.content and b"chapters" not in response.content


def test_a_chapter_record_pointing_outside_the_book_is_not_followed(client: TestClient, book: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    secret = tmp_path / "secret.mp3"
    secret.write_bytes(b"ID3 not yours")
    layout = BookLayout.for_book(book[1], book[0])
    record = json.loads(layout.chapter_record(0).read_text(encoding="utf-8"))
    record["files"] = {"chapters/../../secret.mp3": {}, **record["files"]}  # first: the chapter's file
    layout.chapter_record(0).write_text(json.dumps(record), encoding="utf-8")
    assert client.get("/audio/chapter/0").status_code == 404


def test_another_host_name_is_refused(book: tuple[Path, Path]) -> None:
    rebound = TestClient(create_app(open_book(book[1], book[0])), base_url="http://attacker.example:8765")
    assert rebound.get("/api/book").status_code == 400


def test_a_pronunciation_is_written_to_the_books_lexicon(client: TestClient, book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    assert client.post("/api/lexicon", json={"word": "Ann", "say": "Anne"}).status_code == 200
    assert client.post("/api/lexicon", json={"word": "stops", "say": "halts"}).json()["entries"] == 2
    assert load_lexicon(edits.lexicon_path(layout)) == {"Ann": "Anne", "stops": "halts"}
    assert client.post("/api/lexicon", json={"word": "a\tb", "say": "x"}).status_code == 400
    assert client.post("/api/lexicon", content=b'{"word": "x", "say": "y"}',
                       headers={"content-type": "text/plain"}).status_code == 400  # no cross-site simple POST
    assert load_lexicon(edits.lexicon_path(layout)) == {"Ann": "Anne", "stops": "halts"}


def test_a_span_tag_change_rewrites_only_its_row_of_the_script(client: TestClient, book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    before = layout.script.read_text(encoding="utf-8").splitlines()
    was = next(r.tag for r in read_script(layout.script) if (r.chapter, r.paragraph, r.span) == (1, 0, 0))
    tag = "sad" if was == "angry" else "angry"
    assert client.post("/api/tag", json={"chapter": 1, "paragraph": 0, "span": 1, "tag": tag}).status_code == 200
    after = layout.script.read_text(encoding="utf-8").splitlines()
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and after[changed[0]].split("\t")[:4] == ["2", "1", "1", tag]
    assert [r.tag for r in read_script(layout.script) if (r.chapter, r.paragraph, r.span) == (1, 0, 0)] == [tag]
    assert client.post("/api/tag", json={"chapter": 1, "paragraph": 0, "span": 1, "tag": "smug"}).status_code == 400
    assert client.post("/api/tag", json={"chapter": 9, "paragraph": 0, "span": 1, "tag": "sad"}).status_code == 400


def test_edits_wait_for_no_run_a_book_held_by_one_is_refused(client: TestClient, book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    with book_lock(layout):  # a CLI run of the book, or an Apply from another tab
        response = client.post("/api/lexicon", json={"word": "Ann", "say": "Anne"})
    assert response.status_code == 409 and not edits.lexicon_path(layout).exists()


def _applied(client: TestClient) -> dict:
    assert client.post("/api/apply", json={}).status_code == 202
    for _ in range(600):
        progress = client.get("/api/progress").json()
        if progress["state"] != "running":
            return progress
        time.sleep(0.1)
    raise AssertionError("apply did not finish")


def test_apply_synthesizes_only_the_chunks_the_edits_touch(client: TestClient, book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    records = {r.index: r for r in Manifest(layout.manifest).records()}
    stops = [i for i, r in records.items() if "stops" in r.text]
    retake = next(i for i, r in records.items() if r.text.startswith("The first chapter"))
    assert len(stops) == 1 and client.post("/api/lexicon", json={"word": "stops", "say": "halts"}).status_code == 200
    assert client.post("/api/retake", json={"chunk": retake, "marked": True}).json() == {"marked": 1}
    assert client.get("/api/chapter/1").json()["chunks"][1]["marked"] is True
    assert client.get("/api/book").json()["chapters"][0]["marked"] == 1

    done = _applied(client)
    assert done["state"] == "done", done
    assert done["synthesized"] == 2 and done["changed"] == sorted([*stops, retake])
    assert Manifest(layout.manifest).last_run()["synthesized"] == 2
    chunks = {c["index"]: c for ch in chapters(client) for c in ch["chunks"]}
    for index in (*stops, retake):  # the old take beside the new one
        assert chunks[index]["previous"] and client.get(f"/audio/before/{chunks[index]['previous']}").status_code == 200
    assert chunks[stops[0]]["key"] != records[stops[0]].key and "halts" in chunks[stops[0]]["spoken"]
    assert chunks[retake]["key"] == records[retake].key and not chunks[retake]["marked"]
    assert sum(c["previous"] is not None for c in chunks.values()) == 2


def test_the_command_refuses_a_book_not_narrated_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "new.md"
    source.write_text(BOOK, encoding="utf-8")
    parser = argparse.ArgumentParser()
    review_command.add_arguments(parser)
    assert review_command.run(parser.parse_args([str(source), "--out", str(tmp_path / "out")])) == 2
    err = capsys.readouterr().err
    assert "not narrated into" in err and len(err.strip().splitlines()) == 1


def test_the_document_of_a_partly_narrated_book_has_no_audio_for_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "three.md"
    source.write_text(BOOK, encoding="utf-8")
    narrate(source, tmp_path / "out", OPTIONS.model_copy(update={"chapters": "2"}))
    doc = book_document(open_book(tmp_path / "out", source))
    assert [c["audio"] is not None for c in doc["chapters"]] == [False, True, False]
    assert [s["start"] is None for s in doc["chapters"][0]["sentences"]] == [True] * 3


def test_edits_from_two_tabs_at_once_are_all_kept(book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    words = [f"word{n}" for n in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:  # each a read-modify-write of lexicon.tsv
        list(pool.map(lambda w: edits.set_pronunciation(layout, w, w.upper()), words))
    assert load_lexicon(edits.lexicon_path(layout)) == {w: w.upper() for w in words}


def test_sentence_times_are_read_once_per_assembled_chapter(book: tuple[Path, Path],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import narration.review.book as review_book

    calls: list[int] = []
    real = review_book.chapter_timing

    def counting(index: int, *args: object, **kwargs: object):
        calls.append(index)
        return real(index, *args, **kwargs)

    monkeypatch.setattr(review_book, "chapter_timing", counting)
    review = open_book(book[1], book[0])
    first = book_document(review)
    assert sorted(calls) == [0, 1, 2]
    assert book_document(review) == first and len(calls) == 3  # a page reload reads no take again
    edits.set_pronunciation(review.layout, "stops", "halts")
    edits.apply(review)
    book_document(review)
    assert calls[3:] == [2]  # only the chapter assembled anew


def test_a_flagged_chunk_shows_its_reasons_and_what_the_asr_heard(client: TestClient, book: tuple[Path, Path]) -> None:
    layout = BookLayout.for_book(book[1], book[0])
    manifest = Manifest(layout.manifest)
    record = manifest.records()[3]
    verdict = {"passed": False, "reasons": ["wer 60%"], "transcript": "the second won two", "error_rate": 0.6}
    manifest.mark_done(record.key, record.duration or 1.0, None, qa=verdict, retakes=2, fingerprint=record.fingerprint)
    chunks = {c["index"]: c for ch in chapters(client) for c in ch["chunks"]}
    assert [c["flagged"] for c in client.get("/api/book").json()["chapters"]] == [0, 1, 0]
    assert chunks[3]["flagged"] and chunks[3]["reasons"] == ["wer 60%"] and chunks[3]["retakes"] == 2
    assert chunks[3]["transcript"] == "the second won two"
    assert [i for i, c in chunks.items() if c["flagged"]] == [3] and chunks[2]["transcript"] is None


LONG = 300


def long_book(chapters: int) -> str:
    return "# Long\n\n" + "".join(f"## Part {n}\n\nIt rained on day {n}. The river rose.\n\n" for n in range(1, chapters + 1))


@pytest.fixture(scope="module")
def long_narrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 300-chapter book of which chapter 2 is narrated (the manifest records every chapter)."""
    root = tmp_path_factory.mktemp("long")
    source = root / "long.md"
    source.write_text(long_book(LONG), encoding="utf-8")
    narrate(source, root / "out", OPTIONS.model_copy(update={"chapters": "2"}))
    return source, root / "out"


def test_a_long_books_page_loads_its_chapter_list_first_and_a_chapter_when_opened(
    long_narrated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import narration.review.book as review_book

    timed: list[int] = []
    real = review_book.chapter_timing
    monkeypatch.setattr(review_book, "chapter_timing", lambda index, *a, **k: timed.append(index) or real(index, *a, **k))
    planned: list[int] = []
    plan = review_book.pipeline.plan
    monkeypatch.setattr(review_book.pipeline, "plan", lambda *a, **k: planned.append(1) or plan(*a, **k))
    source, out = long_narrated
    client = TestClient(create_app(open_book(out, source)), base_url="http://127.0.0.1:8765")

    outline = client.get("/api/book")
    doc = outline.json()
    assert len(doc["chapters"]) == LONG and doc["chapters"][1]["audio"] and not doc["chapters"][0]["audio"]
    assert not any("sentences" in c or isinstance(c["chunks"], list) for c in doc["chapters"])
    assert timed == [] and len(outline.content) < 200 * LONG  # a line per chapter, no text, no take read

    two = client.get("/api/chapter/2").json()
    assert two["title"] == "Part 2" and two["sentences"][-1]["start"] is not None and timed == [1]
    assert [s["text"] for s in client.get(f"/api/chapter/{LONG}").json()["sentences"]][-1] == "The river rose."
    assert timed == [1] and planned == [1]  # one plan for the outline and every chapter opened
    for missing in ("0", str(LONG + 1), "x"):
        assert client.get(f"/api/chapter/{missing}").status_code == 404

    assert client.post("/api/lexicon", json={"word": "river", "say": "rivver"}).status_code == 200
    assert "rivver" in client.get(f"/api/chapter/{LONG}").json()["chunks"][-1]["spoken"] and planned == [1, 1]
