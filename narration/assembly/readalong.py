"""A read-along EPUB 3: the narrated text, a span per sentence, and a Media Overlay per chapter.

The text is the plan's (what was narrated): one XHTML document per chapter, its spoken title as
a heading and its paragraphs, each sentence a ``<span id>``. Each chapter's SMIL document plays
its sentences in order from the chapter's own audio file, carried inside the EPUB (MP3 or M4A;
chapters in another format are encoded to MP3 for it). A clip runs from the sentence's first
word to the next sentence's first word, so a reader playing clip after clip keeps the pauses.
Durations (``media:duration``, per overlay and in total) are sums of the clips, in
milliseconds, so they add up exactly as EPUB checkers require. The reading system marks the
sentence being read with ``-epub-media-overlay-active`` (``media:active-class``), styled here.
Written with ebooklib; the SMIL with lxml.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from html import escape
from pathlib import Path

from ebooklib import epub
from lxml import etree

from narration.assembly.timing import ChapterTiming
from narration.model import PARA_HEADING, PARA_NOTE, Book
from narration.store.atomic import atomic_path

ACTIVE_CLASS = "-epub-media-overlay-active"
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4"}  # EPUB 3 core media types
_SMIL = "http://www.w3.org/ns/SMIL"
_OPS = "http://www.idpf.org/2007/ops"
_STYLE = f"""body {{ font-family: serif; line-height: 1.5; }}
.{ACTIVE_CLASS} {{ background-color: #fff3a8; color: inherit; }}
p.note {{ font-size: 0.9em; }}
"""


def clock(seconds: float) -> str:
    """A SMIL full clock value, h:mm:ss.fff."""
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def chapter_id(chapter: int) -> str:
    return f"c{chapter + 1:03d}"


def sentence_id(chapter: int, sentence: int) -> str:
    return f"c{chapter + 1:03d}s{sentence + 1:05d}"


def clips(timing: ChapterTiming) -> list[tuple[int, int, int]]:
    """(sentence, begin ms, end ms) of each spoken sentence: from its first word to the next one's
    (the chapter's end for the last)."""
    spoken = [(i, t) for i, t in enumerate(timing.sentences) if t is not None]
    starts = [round(t.start * 1000) for _, t in spoken]
    ends = [*starts[1:], max(starts[-1] + 1, round(timing.duration * 1000))] if starts else []
    return [(i, a, max(b, a + 1)) for (i, _), a, b in zip(spoken, starts, ends, strict=True)]


def _xhtml_body(timing: ChapterTiming, kinds: dict[int, str]) -> str:
    """The chapter's text as XHTML body content, every sentence in a span with its id; ``kinds``:
    paragraph -> kind (headings and notes are set apart)."""
    out = [f'<section id="{chapter_id(timing.index)}" epub:type="chapter" role="doc-chapter">']
    sentences = timing.text.sentences
    for paragraph, members in timing.text.paragraphs():
        spans = " ".join(
            f'<span id="{sentence_id(timing.index, i)}">{escape(sentences[i].text)}</span>' for i in members
        )
        kind = None if paragraph is None else kinds.get(paragraph)
        if paragraph is None:
            out.append(f"<h1>{spans}</h1>")
        elif kind == PARA_HEADING:
            out.append(f"<h2>{spans}</h2>")
        else:
            out.append(f'<p class="note">{spans}</p>' if kind == PARA_NOTE else f"<p>{spans}</p>")
    if not any(p is None for p, _ in timing.text.paragraphs()):  # an untitled chapter still has a heading
        out.insert(1, f'<h1 class="untitled">{escape(timing.title)}</h1>' if timing.title.strip() else "")
    out.append("</section>")
    return "\n".join(out)


def _smil(timing: ChapterTiming, text_href: str, audio_href: str) -> bytes:
    root = etree.Element(f"{{{_SMIL}}}smil", nsmap={None: _SMIL, "epub": _OPS}, version="3.0")
    body = etree.SubElement(root, f"{{{_SMIL}}}body")
    seq = etree.SubElement(body, f"{{{_SMIL}}}seq", {"id": f"seq{timing.index + 1}",
                                                       f"{{{_OPS}}}textref": f"{text_href}#{chapter_id(timing.index)}"})
    for n, (i, begin, end) in enumerate(clips(timing), 1):
        par = etree.SubElement(seq, f"{{{_SMIL}}}par", id=f"p{n}")
        etree.SubElement(par, f"{{{_SMIL}}}text", src=f"{text_href}#{sentence_id(timing.index, i)}")
        etree.SubElement(par, f"{{{_SMIL}}}audio", src=audio_href, clipBegin=f"{begin / 1000:.3f}s",
                         clipEnd=f"{end / 1000:.3f}s")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_readalong(
    path: Path, book: Book, timings: Sequence[ChapterTiming], audio: Sequence[Path], *,
    kinds: Sequence[dict[int, str]] | None = None, identifier: str | None = None,
) -> Path:
    """The read-along EPUB of ``book`` at ``path``, atomically: ``timings`` and ``audio`` (an MP3
    or M4A per chapter) in chapter order. ``kinds``: per chapter, paragraph -> kind (headings and
    notes are set apart)."""
    doc = epub.EpubBook()
    doc.set_identifier(identifier or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, book.title + '|' + book.source)}")
    doc.set_title(book.title)
    doc.set_language(book.language or "en")
    for author in book.authors:
        doc.add_author(author)
    if book.cover is not None:
        ext = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/svg+xml": ".svg"}.get(
            book.cover.media_type, ".jpg")
        doc.set_cover(f"images/cover{ext}", book.cover.data)
    style = epub.EpubItem(uid="style", file_name="style/readalong.css", media_type="text/css",
                          content=_STYLE.encode("utf-8"))
    doc.add_item(style)
    spine: list[object] = ["nav"]
    toc = []
    total_ms = 0
    for n, (timing, audio_path) in enumerate(zip(timings, audio, strict=True)):
        number = f"{timing.index + 1:03d}"
        text_name = f"chapter{number}.xhtml"  # beside the stylesheet's folder: ebooklib links it relative
        media_type = AUDIO_TYPES.get(audio_path.suffix.lower())
        if media_type is None:
            raise ValueError(f"{audio_path}: a read-along EPUB carries MP3 or M4A audio")
        audio_item = epub.EpubItem(uid=f"audio{number}", file_name=f"audio/chapter{number}{audio_path.suffix.lower()}",
                                   media_type=media_type, content=audio_path.read_bytes())
        doc.add_item(audio_item)
        smil_item = epub.EpubSMIL(uid=f"smil{number}", file_name=f"smil/chapter{number}.smil",
                                  content=_smil(timing, f"../{text_name}", f"../{audio_item.file_name}"))
        doc.add_item(smil_item)
        page = epub.EpubHtml(uid=f"chapter{number}", title=timing.title or f"Chapter {timing.index + 1}",
                             file_name=text_name, lang=book.language or "en")
        page.content = _xhtml_body(timing, dict(kinds[n]) if kinds is not None else {})
        page.add_item(style)
        page.media_overlay = smil_item.id
        doc.add_item(page)
        spine.append(page)
        toc.append(epub.Link(text_name, page.title, page.id))
        ms = sum(b - a for _, a, b in clips(timing))
        total_ms += ms
        doc.add_metadata(None, "meta", clock(ms / 1000), {"property": "media:duration", "refines": f"#{smil_item.id}"})
    doc.add_metadata(None, "meta", clock(total_ms / 1000), {"property": "media:duration"})
    doc.add_metadata(None, "meta", ACTIVE_CLASS, {"property": "media:active-class"})
    doc.toc = toc
    doc.add_item(epub.EpubNcx())  # for EPUB 2 reading systems; ebooklib's spine names it
    doc.add_item(epub.EpubNav())
    doc.spine = spine
    with atomic_path(path) as tmp:
        epub.write_epub(str(tmp), doc, {"epub3_pages": False})
    return path
