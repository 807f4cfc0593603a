"""The HTML QA report: totals and per-chapter WER, flagged chunks with players, rendered by a
real headless Chromium (scripts/setup.sh --test installs it)."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import lxml.html
import numpy as np
import pytest

from narration.audio import Audio, write_wav
from narration.qa.check import QAThresholds, judge
from narration.qa.compare import compare
from narration.qa.report import ReportChunk, ReportLimits, render_report, write_report
from narration.qa.signal import check_signal

RATE = 22050


def tone(seconds: float, freq: float = 220.0) -> Audio:
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.minimum(1.0, np.minimum(t, t[::-1]) * 5)  # fade in and out
    quiet = np.zeros(int(0.1 * RATE), np.float32)
    samples = (0.3 * envelope * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return Audio(np.concatenate([quiet, samples, quiet]), RATE)


def tiny_png(path: Path) -> Path:
    """A valid 2x2 red PNG, written by hand (no imaging library needed)."""
    def block(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    png = b"\x89PNG\r\n\x1a\n" + block(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
    png += block(b"IDAT", zlib.compress(raw)) + block(b"IEND", b"")
    path.write_bytes(png)
    return path


def qa(text: str, heard: str, audio: Audio, takes: list[dict] | None = None) -> dict:
    result = judge(check_signal(audio, text, "en"), compare(text, heard, "en"), QAThresholds())
    record = result.to_dict()
    if takes is not None:
        record["takes"] = takes
    return record


@pytest.fixture()
def book(tmp_path: Path) -> list[ReportChunk]:
    texts = [
        ("The Hare and the Tortoise", "the hare and the tortoise"),
        ("The hare laughed at the tortoise for being slow.", "the hair laughed at the tortoise for being slow"),
        ("Slow and steady wins the race, said the <tortoise> & the hare.", "slow and steady"),
        ("The End of the boasting hare.", "the end of the boasting hair"),
    ]
    chunks = []
    for i, (text, heard) in enumerate(texts):
        audio = tone(1.5 + i * 0.2, 200 + 40 * i)
        path = write_wav(tmp_path / f"chunk{i}.wav", audio)
        chapter = 0 if i < 2 else 1
        if i == 1:  # retaken: the first take was cut off, the second passed
            takes = [{"attempt": 0, "passed": False, "score": 0.2, "reasons": ["too_fast", "missing 6 words"]},
                     {"attempt": 1, "passed": True, "score": 0.9, "reasons": []}]
            rejected = write_wav(tmp_path / "rejected1.wav", tone(0.6))
            chunks.append(ReportChunk(i, chapter, "Chapter One", text, "done", qa(text, heard, audio, takes),
                                      retakes=1, audio=path, rejected_audio=rejected))
        elif i == 2:  # still failing after two retakes: marked failed
            chunks.append(ReportChunk(i, chapter, "Chapter Two", text, "failed", qa(text, heard, audio), retakes=2,
                                      audio=path, error="QA failed: wer 70%, missing 8 words"))
        else:
            chunks.append(ReportChunk(i, chapter, "Chapter One" if chapter == 0 else "Chapter Two", text, "done",
                                      qa(text, heard, audio), audio=path))
    return chunks


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        pytest.fail("headless Chromium is needed for this test: run scripts/setup.sh --test (apt-get install chromium)")
    return found


def rendered_dom(html: Path, tmp_path: Path) -> lxml.html.HtmlElement:
    proc = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", html.as_uri()],
        capture_output=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return lxml.html.fromstring(proc.stdout)


def select(node: lxml.html.HtmlElement, tag: str, css_class: str | None = None) -> list:
    """Descendants ``tag`` (with ``css_class``), by XPath: no cssselect dependency."""
    cond = f'[contains(concat(" ", normalize-space(@class), " "), " {css_class} ")]' if css_class else ""
    return node.xpath(f".//{tag}{cond}")


def test_report_renders_in_chromium_with_flagged_chunks_and_players(book: list[ReportChunk], tmp_path: Path) -> None:
    arc = tiny_png(tmp_path / "arc.png")
    out = write_report(tmp_path / "out" / "qa.html", "Aesop <Fables>", book, emotion_arc=arc)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".tmp-")]
    dom = rendered_dom(out, tmp_path)

    assert dom.findtext(".//title") == "QA report: Aesop <Fables>"
    rows = select(dom, "tr", "flagged-chunk")
    assert [row.get("data-chunk") for row in rows] == ["1", "2"]  # retaken and failed; clean ones not listed
    retaken, failed = rows
    assert "retaken" in retaken.get("class") and "failed" in failed.get("class")
    assert "The hare laughed at the tortoise" in retaken.text_content()
    assert "heard: the hair laughed" in retaken.text_content()
    assert "take 0: fail" in retaken.text_content() and "too_fast" in retaken.text_content()
    assert "<tortoise> & the hare" in failed.text_content()  # escaped, shown as text
    assert "QA failed: wer 70%" in failed.text_content()

    # every flagged chunk has a player for its kept take, the retaken one also for the rejected take
    players = [len(select(row, "audio")) for row in rows]
    assert players == [2, 1]
    for audio in [a for row in rows for a in select(row, "audio")]:
        src = audio.get("src")
        assert src.startswith("data:audio/mpeg;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")  # an MP3

    chapters = select(dom, "tr", "chapter-row")
    assert len(chapters) == 2
    assert "Chapter One" in chapters[0].text_content() and "Chapter Two" in chapters[1].text_content()
    assert select(dom, "img", "arc")[0].get("src").startswith("data:image/png;base64,")
    # the only error in chapter one: hare -> hair in one chunk; 1 of 14 words
    assert "7.1%" in chapters[0].text_content()


def test_totals_and_hints(book: list[ReportChunk]) -> None:
    html = render_report("Aesop", book)
    dom = lxml.html.fromstring(html)
    errors = sum(c.qa["asr"]["substitutions"] + c.qa["asr"]["deletions"] + c.qa["asr"]["insertions"] for c in book)
    words = sum(c.qa["asr"]["reference_tokens"] for c in book)
    assert dom.get_element_by_id("total-error-rate").text_content() == f"{errors / words:.1%}"
    # "hare" was misheard in two usable chunks (the failing chunk, 70% wrong, does not count)
    cells = [td.text_content() for row in select(dom, "tr", "hint") for td in select(row, "td")]
    assert cells[:2] == ["hare", "2"]
    assert '"hare" = "hare"' in dom.get_element_by_id("pronunciation").xpath(".//pre")[0].text_content()
    assert not select(dom, "img", "arc")  # no arc given


def test_clip_budget_limits_embedded_audio(book: list[ReportChunk]) -> None:
    html = render_report("Aesop", book, limits=ReportLimits(max_clips=1))
    dom = lxml.html.fromstring(html)
    assert len(select(dom, "audio")) == 1
    assert len(select(dom, "tr", "flagged-chunk")) == 2
