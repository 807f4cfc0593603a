"""``narrate review`` in a real browser: Playwright driving the system Chromium (Debian's
``chromium``, no browser download) on the sample book. Load the page, play a sentence and watch
the highlight follow the audio clock, fix a word in the lexicon, Apply, and exactly that chunk
is synthesized again. ``NARRATION_REVIEW_SCREENSHOT=docs/review.png`` keeps a screenshot."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from narration import NarrationOptions, narrate
from narration.review.book import open_book
from narration.review.server import create_app
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (scripts/setup.sh --test)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="needs the system chromium (scripts/setup.sh --test)")]
SAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "aesop-fables.epub"
# Piper, and the first chapter only (--chapters 1): the page, the clock and Apply are what is tested.
WORD = "stratagem"  # in one chunk of the book: "...resorted to a stratagem."
OPTIONS = NarrationOptions(backend="piper", qa=False, chapters="1", emotion={"enabled": False})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, BookLayout]]:
    import uvicorn

    out = tmp_path / "out"
    narrate(SAMPLE, out, OPTIONS)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(open_book(out, SAMPLE)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/", BookLayout.for_book(out, SAMPLE)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


HEARD = """() => {
  const audio = document.querySelector('section.chapter audio');
  const current = document.querySelector('.sentence.current');
  const starts = [...document.querySelectorAll('#chapter-0 .sentence[data-start]')].map(s => +s.dataset.start);
  const expected = starts.filter(s => s <= audio.currentTime + 0.02).length - 1;
  const all = [...document.querySelectorAll('#chapter-0 .sentence[data-start]')];
  const edge = Math.min(...starts.map(s => Math.abs(s - audio.currentTime)));
  return {time: audio.currentTime, paused: audio.paused, current: current ? all.indexOf(current) : -1, expected, edge};
}"""


def test_play_fix_a_word_apply_and_only_that_chunk_is_synthesized(served: tuple[str, BookLayout]) -> None:
    url, layout = served
    before = {r.index: r.key for r in Manifest(layout.manifest).records()}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(url)
        page.wait_for_selector("#chapter-0 .sentence[data-start]")
        assert page.locator("#chapter-1 audio").count() == 0  # not narrated yet: --chapters 1
        # The chapter list comes first; a chapter's text is fetched when it is opened.
        assert page.locator("section.chapter").count() > 2 and page.locator("#chapter-1 .sentence").count() == 0
        page.click("#chapter-1 button.open")
        page.wait_for_selector("#chapter-1 .sentence")
        assert page.locator("#chapter-1 .sentence[data-start]").count() == 0  # no audio: no times
        page.click("#chapter-1 button.open")  # closed again
        assert page.locator("#chapter-1 .sentence").count() == 0

        # Play the fourth sentence: it is lit while heard, and playback stops at its end.
        fourth = page.locator("#chapter-0 .sentence[data-start]").nth(3)
        start = float(fourth.get_attribute("data-start"))
        fourth.hover()
        fourth.locator("button.play").click()
        page.wait_for_function("() => document.querySelector('.sentence.current') !== null")
        assert page.evaluate(HEARD)["current"] == 3
        page.wait_for_function("() => document.querySelector('section.chapter audio').paused", timeout=20000)
        heard = page.evaluate(HEARD)
        assert heard["time"] > start and heard["current"] == 3

        # Play on from there: the highlight moves to each next sentence as the clock passes its start.
        page.evaluate("document.querySelector('section.chapter audio').play()")
        seen = set()
        for _ in range(150):
            state = page.evaluate(HEARD)
            # the page redraws each frame: a check landing between the clock and the redraw is at an edge
            assert state["current"] == state["expected"] or state["edge"] < 0.3, state
            seen.add(state["current"])
            if len(seen) >= 3:
                break
            page.wait_for_timeout(150)
        assert len(seen) >= 3, seen
        page.evaluate("document.querySelector('section.chapter audio').pause()")
        shot = os.environ.get("NARRATION_REVIEW_SCREENSHOT")
        if shot:
            page.screenshot(path=shot)

        # Say "stratagem" another way: one chunk of the book holds it, and only it is made again.
        sentence = page.locator("#chapter-0 .sentence", has_text=WORD).first
        sentence.hover()
        sentence.locator("button.say").click()
        page.fill("form.say input[name=word]", WORD)
        page.fill("form.say input[name=say]", "strat a jem")
        page.click("form.say button[type=submit]")
        page.wait_for_function("() => document.getElementById('status').textContent.includes('lexicon.tsv')")
        page.click("#apply")
        page.wait_for_function("() => document.body.dataset.applied === 'yes'", timeout=240000)
        assert "applied: " in page.inner_text("#status")
        touched = [r.index for r in Manifest(layout.manifest).records() if WORD in r.text]
        assert len(touched) == 1 and page.locator(f".changed[data-chunk='{touched[0]}']").count() == 1
        assert page.locator(".changed").count() == 1
        if shot:  # the old take beside the new one
            page.locator(".changed").scroll_into_view_if_needed()
            page.screenshot(path=shot.replace(".png", "-apply.png"))
        browser.close()

    after = {r.index: r.key for r in Manifest(layout.manifest).records()}
    assert [i for i in after if after[i] != before[i]] == touched
    assert Manifest(layout.manifest).last_run()["synthesized"] == 1
    assert f"{WORD}\tstrat a jem" in (layout.root / "lexicon.tsv").read_text(encoding="utf-8")
