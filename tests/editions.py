"""EPUBs shaped like the editions people narrate, with text written for these tests.

Each builder writes one book whose structure copies a real edition's habits (where Project
Gutenberg puts its header and licence, how Standard Ebooks files its front and back matter, how
single-file books nest their TOC) and returns an ``Edition``: the chapters a listener expects
(title, first sentence, last sentence) and sentences that must never be narrated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from epub_factory import Doc, TocEntry, write_epub


@dataclass
class Edition:
    path: Path
    chapters: list[tuple[str, str, str]]  # (title, first sentence, last sentence)
    never: list[str] = field(default_factory=list)  # text that must not be narrated
    notes: list[str] = field(default_factory=list)  # note texts, read only with --notes


# Prose for the chapters: two or three sentences a paragraph, invented for these tests.
STORY = {
    1: ["The lighthouse stood on a rock that the sea had been trying to swallow for a hundred years.",
        "Every evening the keeper climbed the hundred and twelve steps with a can of oil.",
        "He counted them aloud, because the counting kept the wind out of his head."],
    2: ["The storm came on a Tuesday, which the keeper thought was an insult.",
        "By midnight the glass in the lantern room was singing like a struck bell.",
        "At dawn the rock was still there, and so was he."],
    3: ["A boat arrived in the spring with a letter from the mainland.",
        "The letter said the light would be made electric, and the keeper would no longer be needed.",
        "He read it twice and then used it to light the stove."],
    4: ["Years later the children of the harbour still told the story wrongly.",
        "In their version the keeper fought the sea with his bare hands and won.",
        "Nobody corrected them, since the true story was stranger."],
}
LICENCE_LINES = [
    "THE FULL PROJECT GUTENBERG LICENSE",
    "PLEASE READ THIS BEFORE YOU SHARE OR USE THIS WORK.",
    "Section 1. General terms for using and sharing electronic works of this kind.",
    "By reading or using any part of this electronic work you say you accept every term of this licence.",
    "Section 5. General information about the electronic works of the foundation.",
    "This site includes information about how to subscribe to our email newsletter.",
]
HEADER_LINES = [
    "This eBook is for the use of anyone anywhere at no cost and with almost no restrictions.",
    "You may copy it, give it away or re-use it under the terms of the licence included with it.",
]


def paragraphs(*numbers: int) -> str:
    return "\n".join(f"<p>{escape(s)}</p>" for n in numbers for s in STORY[n])


def first(n: int) -> str:
    return STORY[n][0]


def last(n: int) -> str:
    return STORY[n][-1]


def gutenberg_epub2(tmp: Path) -> Edition:
    """An older Gutenberg EPUB 2: one XHTML file, NCX, the header, title page, contents and
    licence inline as plain paragraphs (no ids or classes to go by)."""
    body = f"""
<div class="c3"><p>The Project Gutenberg EBook of The Lantern Keeper, by Mara Ellison</p>
{''.join(f'<p>{escape(line)}</p>' for line in HEADER_LINES)}
<p>Title: The Lantern Keeper</p><p>Author: Mara Ellison</p>
<p>Release Date: March 3, 2011 [EBook #99901]</p><p>Language: English</p>
<p>*** START OF THIS PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***</p>
<p>Produced by Jon Marsh, Ann Cole and the Online Distributed Proofreading Team at http://www.pgdp.net</p></div>
<div class="figcenter"><img src="images/frontis.jpg" alt=""/><p class="caption">THE KEEPER AT HIS WINDOW.</p></div>
<h1 id="title">THE LANTERN KEEPER</h1>
<p class="center">BY</p><p class="center">MARA ELLISON</p>
<p class="center">ILLUSTRATED BY R. T. DUNN</p>
<p class="center">NEW YORK<br/>HALLORAN &amp; SONS<br/>1903</p>
<p class="center">Copyright, 1903, by Halloran &amp; Sons</p>
<h2>CONTENTS</h2>
<p class="toc"><a href="#ch1">I. The Rock</a></p><p class="toc"><a href="#ch2">II. The Storm</a></p>
<h2 id="ch1">CHAPTER I.<br/>THE ROCK</h2>
{paragraphs(1)}
<p>[Illustration: THE HUNDRED AND TWELVE STEPS.]</p>
<h2 id="ch2">CHAPTER II.<br/>THE STORM</h2>
{paragraphs(2)}
<p class="center">HALLORAN &amp; SONS, PRINTERS, NEW YORK.</p>
<p>End of the Project Gutenberg EBook of The Lantern Keeper, by Mara Ellison</p>
<p>*** END OF THIS PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***</p>
<p>***** This file should be named 99901-h.htm or 99901-h.zip *****</p>
{''.join(f'<p>{escape(line)}</p>' for line in LICENCE_LINES)}
"""
    toc = [
        TocEntry("The Lantern Keeper", "book.xhtml#title"),
        TocEntry("CHAPTER I. THE ROCK", "book.xhtml#ch1"),
        TocEntry("CHAPTER II. THE STORM", "book.xhtml#ch2"),
    ]
    path = write_epub(tmp / "pg-epub2.epub", [Doc("book.xhtml", body, title="The Lantern Keeper")], toc,
                      version=2, title="The Lantern Keeper", authors=["Mara Ellison"])
    return Edition(
        path,
        [("CHAPTER I. THE ROCK", first(1), last(1)), ("CHAPTER II. THE STORM", first(2), last(2))],
        never=["Project Gutenberg", "anyone anywhere", "Produced by", "THE KEEPER AT HIS WINDOW", "HUNDRED AND TWELVE STEPS",
               "ILLUSTRATED BY", "Copyright, 1903", "CONTENTS", "newsletter", "Release Date", "PRINTERS"],
    )


def gutenberg_epub3(tmp: Path) -> Edition:
    """A current Gutenberg EPUB 3: ``pg-header`` at the top of the first content file, the
    licence as a ``pg-footer`` file of its own, both in the nav."""
    header = f"""
<section class="pg-boilerplate pgheader" id="pg-header" lang="en">
<h2 id="pg-header-heading">The Project Gutenberg eBook of <span id="pg-title">The Lantern Keeper</span></h2>
<div>{''.join(f'<p>{escape(line)}</p>' for line in HEADER_LINES)}</div>
<div id="pg-machine-header"><p><strong>Title</strong>: The Lantern Keeper</p>
<p><strong>Author</strong>: Mara Ellison</p><p><strong>Language</strong>: English</p>
<p><strong>Credits</strong>: Ann Cole and the Online Distributed Proofreading Team</p></div>
<div id="pg-start-separator"><span>*** START OF THE PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***</span></div>
</section>
<div class="titlepage"><h1>THE LANTERN KEEPER</h1><p>by Mara Ellison</p></div>"""
    footer = f"""
<section class="pg-boilerplate pgheader" id="pg-footer" lang="en">
<div id="pg-end-separator"><span>*** END OF THE PROJECT GUTENBERG EBOOK THE LANTERN KEEPER ***</span></div>
<h2 id="pg-footer-heading">{escape(LICENCE_LINES[0])}</h2>
{''.join(f'<p>{escape(line)}</p>' for line in LICENCE_LINES[1:])}
</section>"""
    docs = [
        Doc("wrap0000.xhtml", '<div class="x-ebookmaker-cover"><img src="cover.jpg" alt=""/></div>'),
        Doc("h-0.xhtml", header, title="The Project Gutenberg eBook of The Lantern Keeper, by Mara Ellison"),
        Doc("h-1.xhtml", f'<div class="chapter"><h2 id="c1">CHAPTER I. The Rock</h2>{paragraphs(1)}</div>',
            title="The Project Gutenberg eBook of The Lantern Keeper, by Mara Ellison"),
        Doc("h-2.xhtml", f'<div class="chapter"><h2 id="c2">CHAPTER II. The Storm</h2>{paragraphs(2)}'
            '<p class="center">THE END</p></div>'),
        Doc("h-3.xhtml", footer),
    ]
    toc = [
        TocEntry("The Project Gutenberg eBook of The Lantern Keeper", "h-0.xhtml#pg-header"),
        TocEntry("CHAPTER I. The Rock", "h-1.xhtml#c1"),
        TocEntry("CHAPTER II. The Storm", "h-2.xhtml#c2"),
        TocEntry("THE FULL PROJECT GUTENBERG LICENSE", "h-3.xhtml#pg-footer-heading"),
    ]
    path = write_epub(tmp / "pg-epub3.epub", docs, toc, title="The Lantern Keeper", authors=["Mara Ellison"],
                      extra_manifest=[("cover", "cover.jpg", "image/jpeg")],
                      extra_members={"OEBPS/cover.jpg": b"\xff\xd8\xff\xe0not-really-a-jpeg"})
    return Edition(
        path,
        [("CHAPTER I. The Rock", first(1), last(1)), ("CHAPTER II. The Storm", first(2), "THE END")],
        never=["Project Gutenberg", "anyone anywhere", "Distributed Proofreading", "by Mara Ellison", "newsletter"],
    )


def single_file_nested_nav(tmp: Path) -> Edition:
    """One XHTML file; the nav has one top entry (the book) with the chapters below it as anchors."""
    sections = "\n".join(
        f'<section id="s{n}"><h2>{roman}. {name}</h2>{paragraphs(n)}</section>'
        for n, roman, name in [(1, "I", "The Rock"), (2, "II", "The Storm"), (3, "III", "The Letter"), (4, "IV", "The Story")]
    )
    body = f'<section id="book"><h1>The Lantern Keeper</h1>{sections}</section>'
    toc = [TocEntry("The Lantern Keeper", "book.xhtml#book", [
        TocEntry(f"{roman}. {name}", f"book.xhtml#s{n}")
        for n, roman, name in [(1, "I", "The Rock"), (2, "II", "The Storm"), (3, "III", "The Letter"), (4, "IV", "The Story")]
    ])]
    path = write_epub(tmp / "single.epub", [Doc("book.xhtml", body)], toc, title="The Lantern Keeper")
    return Edition(path, [(t, first(n), last(n)) for n, t in
                          [(1, "I. The Rock"), (2, "II. The Storm"), (3, "III. The Letter"), (4, "IV. The Story")]])


def technical_book(tmp: Path) -> Edition:
    """A manual: a file per chapter, each chapter's sections listed under it in the nav."""
    docs, toc, chapters = [], [], []
    for n, name in [(1, "Getting Started"), (2, "Daily Use")]:
        a, b = STORY[n + 2] if n + 2 in STORY else STORY[n], STORY[n]
        body = (f'<section id="c{n}"><h1>{n}. {name}</h1><p>{escape(a[0])}</p>'
                f'<section id="c{n}s1"><h2>{n}.1 Before You Begin</h2><p>{escape(b[0])}</p></section>'
                f'<section id="c{n}s2"><h2>{n}.2 Next Steps</h2><p>{escape(b[-1])}</p></section></section>')
        docs.append(Doc(f"ch{n}.xhtml", body))
        toc.append(TocEntry(f"{n}. {name}", f"ch{n}.xhtml", [
            TocEntry(f"{n}.1 Before You Begin", f"ch{n}.xhtml#c{n}s1"), TocEntry(f"{n}.2 Next Steps", f"ch{n}.xhtml#c{n}s2")]))
        chapters.append((f"{n}. {name}", a[0], b[-1]))
    path = write_epub(tmp / "manual.epub", docs, toc, title="Keeping a Light")
    return Edition(path, chapters)


def standard_ebooks(tmp: Path) -> Edition:
    """Standard Ebooks' layout: titlepage, imprint, dedication, a file per chapter with noteref
    links into endnotes.xhtml, colophon and uncopyright, all in the nav and landmarks."""
    note_ref = '<a href="endnotes.xhtml#note-{n}" id="noteref-{n}" epub:type="noteref">{n}</a>'
    ch1 = (f'<section id="chapter-1" epub:type="chapter"><h2 epub:type="ordinal z3998:roman">I</h2>'
           f'<p>{escape(STORY[1][0])}{note_ref.format(n=1)} {escape(STORY[1][1])}</p><p>{escape(STORY[1][2])}</p></section>')
    ch2 = (f'<section id="chapter-2" epub:type="chapter"><h2 epub:type="ordinal z3998:roman">II</h2>'
           f'<p>{escape(STORY[2][0])}</p><p>{escape(STORY[2][1])}{note_ref.format(n=2)}</p>'
           f'<hr/><p>{escape(STORY[2][2])}</p></section>')
    notes = ["A keeper of that coast was paid in oil as well as in coin.",
             "Lantern glass of the period was thick enough to ring when struck."]
    endnotes = ('<section id="endnotes" epub:type="backmatter endnotes"><h2 epub:type="title">Endnotes</h2><ol>'
                + "".join(f'<li id="note-{n}" epub:type="endnote"><p>{escape(t)} '
                          f'<a href="chapter-{n}.xhtml#noteref-{n}" epub:type="backlink">↩</a></p></li>'
                          for n, t in enumerate(notes, 1)) + "</ol></section>")
    docs = [
        Doc("text/titlepage.xhtml", '<section id="titlepage" epub:type="titlepage"><h1 epub:type="title">The Lantern Keeper</h1>'
            '<p>By <b epub:type="z3998:author-name">Mara Ellison</b>.</p></section>', body_attrs='epub:type="frontmatter"'),
        Doc("text/imprint.xhtml", '<section id="imprint" epub:type="imprint"><h2 epub:type="title">Imprint</h2>'
            "<p>This ebook is the work of many volunteer hands and is kept in the public domain.</p></section>",
            body_attrs='epub:type="frontmatter"'),
        Doc("text/dedication.xhtml", '<section id="dedication" epub:type="dedication"><p>To the keepers of every light.</p></section>',
            body_attrs='epub:type="frontmatter"'),
        Doc("text/chapter-1.xhtml", ch1, body_attrs='epub:type="bodymatter z3998:fiction"'),
        Doc("text/chapter-2.xhtml", ch2, body_attrs='epub:type="bodymatter z3998:fiction"'),
        Doc("text/endnotes.xhtml", endnotes, body_attrs='epub:type="backmatter"'),
        Doc("text/colophon.xhtml", '<section id="colophon" epub:type="colophon"><h2 epub:type="title">Colophon</h2>'
            "<p>The Lantern Keeper was first printed in 1903 and set again for this edition.</p></section>",
            body_attrs='epub:type="backmatter"'),
        Doc("text/uncopyright.xhtml", '<section id="uncopyright" epub:type="copyright-page"><h2 epub:type="title">Uncopyright</h2>'
            "<p>May you use this work freely and well; its makers give up their rights to it.</p></section>",
            body_attrs='epub:type="backmatter"'),
    ]
    toc = [TocEntry("Titlepage", "text/titlepage.xhtml"), TocEntry("Imprint", "text/imprint.xhtml"),
           TocEntry("Dedication", "text/dedication.xhtml"), TocEntry("I", "text/chapter-1.xhtml"),
           TocEntry("II", "text/chapter-2.xhtml"), TocEntry("Endnotes", "text/endnotes.xhtml"),
           TocEntry("Colophon", "text/colophon.xhtml"), TocEntry("Uncopyright", "text/uncopyright.xhtml")]
    landmarks = [("bodymatter", "text/chapter-1.xhtml", "Start"), ("endnotes", "text/endnotes.xhtml", "Endnotes")]
    path = write_epub(tmp / "se.epub", docs, toc, landmarks=landmarks, title="The Lantern Keeper",
                      authors=["Mara Ellison"], extra_manifest=[("font", "fonts/league-spartan.otf", "font/otf")])
    return Edition(
        path,
        [("Dedication", "To the keepers of every light.", "To the keepers of every light."),
         ("I", first(1), last(1)), ("II", first(2), last(2))],
        never=["volunteer hands", "first printed in 1903", "give up their rights", "By Mara Ellison", "↩"],
        notes=notes,
    )


def volumes(tmp: Path) -> Edition:
    """Volumes that only group chapters: files holding just the volume's heading (one with an
    epigraph), chapters in files of their own, the nav nested volume > chapter."""
    docs = [
        Doc("vol1.xhtml", "<h1>VOLUME ONE</h1>"),
        Doc("ch1.xhtml", f"<h2>Chapter 1. The Rock</h2>{paragraphs(1)}"),
        Doc("ch2.xhtml", f"<h2>Chapter 2. The Storm</h2>{paragraphs(2)}"),
        Doc("vol2.xhtml", '<h1>VOLUME TWO</h1><blockquote><p>What the sea keeps, it keeps for good.</p></blockquote>'),
        Doc("ch3.xhtml", f"<h2>Chapter 3. The Letter</h2>{paragraphs(3)}"),
        Doc("ch4.xhtml", f"<h2>Chapter 4. The Story</h2>{paragraphs(4)}"),
    ]
    toc = [
        TocEntry("Volume One", "vol1.xhtml", [TocEntry("Chapter 1. The Rock", "ch1.xhtml"),
                                              TocEntry("Chapter 2. The Storm", "ch2.xhtml")]),
        TocEntry("Volume Two", "vol2.xhtml", [TocEntry("Chapter 3. The Letter", "ch3.xhtml"),
                                              TocEntry("Chapter 4. The Story", "ch4.xhtml")]),
    ]
    path = write_epub(tmp / "volumes.epub", docs, toc, title="The Lantern Keeper")
    return Edition(path, [
        ("Volume One: Chapter 1. The Rock", first(1), last(1)),
        ("Chapter 2. The Storm", first(2), last(2)),
        ("Volume Two: Chapter 3. The Letter", "What the sea keeps, it keeps for good.", last(3)),
        ("Chapter 4. The Story", first(4), last(4)),
    ], never=["VOLUME ONE", "VOLUME TWO"])


def flat_books(tmp: Path) -> Edition:
    """Gutenberg's flat TOC with "BOOK ONE" entries beside the chapters in one file."""
    body = (f'<h2 id="b1">BOOK ONE: 1805</h2><h2 id="c1">CHAPTER I</h2>{paragraphs(1)}'
            f'<h2 id="c2">CHAPTER II</h2>{paragraphs(2)}'
            f'<h2 id="b2">BOOK TWO: 1806</h2><h2 id="c3">CHAPTER I</h2>{paragraphs(3)}')
    toc = [TocEntry("BOOK ONE: 1805", "b.xhtml#b1"), TocEntry("CHAPTER I", "b.xhtml#c1"),
           TocEntry("CHAPTER II", "b.xhtml#c2"), TocEntry("BOOK TWO: 1806", "b.xhtml#b2"),
           TocEntry("CHAPTER I", "b.xhtml#c3")]
    path = write_epub(tmp / "flat.epub", [Doc("b.xhtml", body)], toc, title="The Lantern Keeper")
    return Edition(path, [("BOOK ONE: 1805: CHAPTER I", first(1), last(1)), ("CHAPTER II", first(2), last(2)),
                          ("BOOK TWO: 1806: CHAPTER I", first(3), last(3))])


EDITIONS = {
    "gutenberg-epub2": gutenberg_epub2,
    "gutenberg-epub3": gutenberg_epub3,
    "single-file-nested-nav": single_file_nested_nav,
    "technical": technical_book,
    "standard-ebooks": standard_ebooks,
    "volumes": volumes,
    "flat-books": flat_books,
}


def poetry_collection(tmp: Path) -> Edition:
    """Standard Ebooks' poetry: each poem an entry, a long poem's numbered stanzas listed under it
    as anchors. Stanzas are not chapters."""
    def stanza(n: int) -> str:
        return "<br/>".join(f"The lamp went round for the {w} time, and stanza {n} kept count" for w in
                            ("first", "second", "third", "fourth", "fifth", "sixth"))

    poems = [(f"poem-{n}", f"Ode {n}", "<br/>".join(f"Ode {n} says the sea is wide and the night is long, line {i}"
                                                       for i in range(30))) for n in range(1, 11)]
    ballad = "".join(f'<section id="ballad-{n}"><h3>{n}</h3><p>{stanza(n)}</p></section>' for n in range(1, 21))
    docs = [Doc(f"{name}.xhtml", f'<section id="{name}"><h2>{title}</h2><p>{body}</p></section>')
            for name, title, body in poems]
    docs.insert(5, Doc("ballad.xhtml", f'<section id="ballad"><h2>The Keeper’s Ballad</h2>{ballad}</section>'))
    toc = [TocEntry(title, f"{name}.xhtml") for name, title, _ in poems]
    toc.insert(5, TocEntry("The Keeper’s Ballad", "ballad.xhtml",
                           [TocEntry(str(n), f"ballad.xhtml#ballad-{n}") for n in range(1, 21)]))
    path = write_epub(tmp / "poems.epub", docs, toc, title="Poems of the Light")
    ode = [(f"Ode {n}", f"Ode {n} says the sea is wide and the night is long, line 0",
            f"Ode {n} says the sea is wide and the night is long, line 29") for n in range(1, 11)]
    # The stanzas' numbers are read as section headings inside the poem's chapter.
    ballad_chapter = ("The Keeper’s Ballad", "1", "The lamp went round for the sixth time, and stanza 20 kept count")
    return Edition(path, [*ode[:5], ballad_chapter, *ode[5:]])


EDITIONS["poetry-collection"] = poetry_collection


# --- producers other than Gutenberg and Standard Ebooks -------------------------------------------
# Shaped after what each tool writes (file names, classes, where it puts front and back matter);
# the text is ours. Each carries a defect class issue 25 found on real files from that producer.

CC_LICENCE = ("This work is licensed under a Creative Commons Attribution-ShareAlike 4.0 International License, "
              "except where otherwise noted.")
GFDL = [
    "Permission is granted to copy, distribute and/or modify this document under the terms of the GNU Free "
    "Documentation License, Version 1.3 or any later version published by the Free Software Foundation.",
    "The purpose of this License is to make a manual, textbook, or other functional and useful document free "
    "in the sense of freedom: to assure everyone the effective freedom to copy and redistribute it.",
    "This License applies to any manual or other work, in any medium, that contains a notice placed by the "
    "copyright holder saying it can be distributed under the terms of this License.",
]
BIBLIOGRAPHY = [
    "Adams, R. (1972). Watership Down. London: Rex Collings.",
    "Carson, R. (1962). Silent Spring. Boston: Houghton Mifflin, pp. 1-12.",
    "Dillard, A. (1974). Pilgrim at Tinker Creek. New York: Harper's Magazine Press.",
]


def _chapters(style: str = "", heading: str = "h1") -> list[str]:
    cls = f' class="{style}"' if style else ""
    return [f"<{heading}{cls}>Chapter {n}</{heading}>" + "".join(f"<p{cls}>{escape(s)}</p>" for s in STORY[n])
            for n in (1, 2, 3)]


def _expected() -> list[tuple[str, str, str]]:
    return [(f"Chapter {n}", first(n), last(n)) for n in (1, 2, 3)]


def calibre_epub2(tmp: Path) -> Edition:
    """calibre's conversion: index_split_NNN.html files, classes calibre1..., a praise page and an
    "Also by" list before the text, both in the NCX."""
    praise = "“A lighthouse of a book, lit from within.” — The Harbour Review"
    also = "The Keeper’s Daughter. The Salt Road. Lamps of the North."
    docs = [Doc("index_split_000.html", f'<div class="calibre"><h2 class="calibre2">Praise for The Light</h2>'
                                         f'<p class="calibre1">{escape(praise)}</p></div>'),
            Doc("index_split_001.html", f'<h2 class="calibre2">Also by Ada Author</h2><p class="calibre1">{escape(also)}</p>'),
            *[Doc(f"index_split_00{n + 1}.html", body) for n, body in enumerate(_chapters("calibre1", "h2"), 1)]]
    toc = [TocEntry("Praise for The Light", "index_split_000.html"), TocEntry("Also by Ada Author", "index_split_001.html"),
           *[TocEntry(f"Chapter {n}", f"index_split_00{n + 1}.html") for n in (1, 2, 3)]]
    path = write_epub(tmp / "calibre.epub", docs, toc, version=2, title="The Light", opf_dir="")
    return Edition(path, _expected(), never=[praise, also])


def pandoc_epub3(tmp: Path) -> Edition:
    """pandoc's EPUB 3: text/title_page.xhtml, text/ch001.xhtml with section.level1, and the
    book's licence as its last chapter."""
    docs = [Doc("text/title_page.xhtml", '<section epub:type="titlepage" class="titlepage"><h1 class="title">The Light</h1>'
                                          '<p class="author">Ada Author</p></section>'),
            *[Doc(f"text/ch00{n}.xhtml", f'<section id="chapter-{n}" class="level1">{body}</section>')
              for n, body in enumerate(_chapters(), 1)],
            Doc("text/ch004.xhtml", f'<section id="licence" class="level1"><h1>Licence</h1><p>{CC_LICENCE}</p></section>')]
    toc = [*[TocEntry(f"Chapter {n}", f"text/ch00{n}.xhtml") for n in (1, 2, 3)], TocEntry("Licence", "text/ch004.xhtml")]
    path = write_epub(tmp / "pandoc.epub", docs, toc, title="The Light")
    return Edition(path, _expected(), never=[CC_LICENCE])


def sigil_epub2(tmp: Path) -> Edition:
    """Sigil: Text/Section0001.xhtml..., a program listing set in a div of lines, not in <pre>."""
    listing = "#!/usr/bin/env python3<br/>import sys<br/>def keep_light(n):<br/>    return n + 1"
    bodies = _chapters()
    bodies[1] += f'<div class="code">{listing}</div>'
    docs = [Doc(f"Text/Section000{n}.xhtml", body) for n, body in enumerate(bodies, 1)]
    toc = [TocEntry(f"Chapter {n}", f"Text/Section000{n}.xhtml") for n in (1, 2, 3)]
    path = write_epub(tmp / "sigil.epub", docs, toc, version=2, title="The Light")
    return Edition(path, _expected(), never=["import sys", "keep_light"])


def indesign_epub3(tmp: Path) -> Edition:
    """A publisher's EPUB 3 from InDesign: _idGen classes, an unmarked copyright page with an
    ISBN and "All rights reserved", chapters titled by class, not by heading level."""
    copyright_page = ["Copyright © 2019 Ada Author. All rights reserved.", "ISBN 978-0-00-000000-0",
                      "Published by Harbour Books, London."]
    docs = [Doc("Copyright.xhtml", '<div class="_idGenObjectLayout-1">'
                                   + "".join(f'<p class="copyright">{escape(t)}</p>' for t in copyright_page) + "</div>"),
            *[Doc(f"Chapter{n}.xhtml", f'<div class="_idGenObjectStyleOverride-1">{body}</div>')
              for n, body in enumerate(_chapters("chapter-title", "p"), 1)]]
    toc = [TocEntry("Copyright", "Copyright.xhtml"), *[TocEntry(f"Chapter {n}", f"Chapter{n}.xhtml") for n in (1, 2, 3)]]
    path = write_epub(tmp / "indesign.epub", docs, toc, title="The Light")
    return Edition(path, _expected(), never=copyright_page)


def docbook_epub(tmp: Path) -> Edition:
    """DocBook XSL's EPUB: ch01.html..., div.chapter > div.titlepage > h2.title, a bibliography
    (bi01.html) and the GNU FDL as an appendix (apa.html)."""
    def chapter(n: int) -> str:
        return (f'<div class="chapter"><div class="titlepage"><h2 class="title">Chapter {n}</h2></div>'
                + "".join(f"<p>{escape(s)}</p>" for s in STORY[n]) + "</div>")

    docs = [*[Doc(f"ch0{n}.html", chapter(n)) for n in (1, 2, 3)],
            Doc("bi01.html", '<div class="bibliography"><div class="titlepage"><h2 class="title">Bibliography</h2></div>'
                             + "".join(f'<div class="biblioentry"><p>{escape(e)}</p></div>' for e in BIBLIOGRAPHY) + "</div>"),
            Doc("apa.html", '<div class="appendix"><div class="titlepage"><h2 class="title">Appendix A. GNU Free '
                            'Documentation License</h2></div>' + "".join(f"<p>{escape(p)}</p>" for p in GFDL) + "</div>")]
    toc = [*[TocEntry(f"Chapter {n}", f"ch0{n}.html") for n in (1, 2, 3)], TocEntry("Bibliography", "bi01.html"),
           TocEntry("A. GNU Free Documentation License", "apa.html")]
    path = write_epub(tmp / "docbook.epub", docs, toc, version=2, title="The Light")
    return Edition(path, _expected(), never=[*BIBLIOGRAPHY, *GFDL])


def pressbooks_epub3(tmp: Path) -> Edition:
    """Pressbooks: each chapter closes with its licence line in div.licensing."""
    attribution = ("Chapter {n} Copyright © 2020 by Ada Author is licensed under a Creative Commons Attribution 4.0 "
                   "International License, except where otherwise noted.")
    docs = [Doc(f"chapter-00{n}-chapter-{n}.xhtml", f'<div class="chapter standard">{body}'
                f'<div class="licensing"><div class="license-attribution"><p>{attribution.format(n=n)}</p></div></div></div>')
            for n, body in enumerate(_chapters(), 1)]
    toc = [TocEntry(f"Chapter {n}", f"chapter-00{n}-chapter-{n}.xhtml") for n in (1, 2, 3)]
    path = write_epub(tmp / "pressbooks.epub", docs, toc, title="The Light")
    return Edition(path, _expected(), never=[attribution.format(n=n) for n in (1, 2, 3)])


def wikisource_epub(tmp: Path) -> Edition:
    """A Wikisource export: the text, then "About this digital edition" with its licence and the
    contributors' user names."""
    about = ["This e-book comes from the online library Wikisource. This multilingual digital library, built by "
             "volunteers, is committed to developing a free accessible collection of publications.",
             "We distribute our books for free, starting from works not copyrighted or published under a free "
             "license. You are free to use our e-books for any purpose, under the terms of the Creative Commons "
             "Attribution-ShareAlike 3.0 Unported license.",
             "The following users contributed to this book: Lampwright, Harbourmaster, Saltmarsh"]
    docs = [*[Doc(f"c{n}.xhtml", body) for n, body in enumerate(_chapters(), 1)],
            Doc("about.xhtml", "<h1>About this digital edition</h1>" + "".join(f"<p>{escape(p)}</p>" for p in about))]
    toc = [*[TocEntry(f"Chapter {n}", f"c{n}.xhtml") for n in (1, 2, 3)], TocEntry("About this digital edition", "about.xhtml")]
    path = write_epub(tmp / "wikisource.epub", docs, toc, title="The Light")
    return Edition(path, _expected(), never=about[:2])


EDITIONS.update({
    "calibre-epub2": calibre_epub2, "pandoc-epub3": pandoc_epub3, "sigil-epub2": sigil_epub2,
    "indesign-epub3": indesign_epub3, "docbook": docbook_epub, "pressbooks": pressbooks_epub3,
    "wikisource": wikisource_epub,
})


# --- chapters from the table of contents (issue 25, item 2) ---------------------------------------
# Each defect of the TOC's reading in two producers' shapes: a part's short introduction, a leftover
# piece of the contents, a nav entry's label, an entry anchored inside another entry's file.

PART_INTRO = "In which the keeper comes to the rock and means to stay."
LONG_INTRO = " ".join(["The keeper's first years on the rock were quiet ones, and he wrote them down."] * 12)


def _parts_expected(intro_one: str, intro_two: str, one: str = "Part One", two: str = "Part Two") -> list[tuple[str, str, str]]:
    return [(f"{one}: Chapter 1", intro_one, last(1)), ("Chapter 2", first(2), last(2)),
            (f"{two}: Chapter 3", intro_two, last(3)), ("Chapter 4", first(4), last(4))]


def _part_docs(names: list[str], labels: tuple[str, str], intros: tuple[str, str], heading: str = "h1") -> list[Doc]:
    """A part page (its title, its introduction) before each two chapters, a file each."""
    (p1, c1, c2, p2, c3, c4) = names
    return [Doc(p1, f"<{heading}>{labels[0]}</{heading}><p>{escape(intros[0])}</p>"),
            Doc(c1, f"<h2>Chapter 1</h2>{paragraphs(1)}"), Doc(c2, f"<h2>Chapter 2</h2>{paragraphs(2)}"),
            Doc(p2, f"<{heading}>{labels[1]}</{heading}><p>{escape(intros[1])}</p>"),
            Doc(c3, f"<h2>Chapter 3</h2>{paragraphs(3)}"), Doc(c4, f"<h2>Chapter 4</h2>{paragraphs(4)}")]


def calibre_parts_ncx(tmp: Path) -> Edition:
    """calibre's EPUB 2 of a German edition: a part's NCX entry points at its first chapter's file
    (an NCX entry must point somewhere), the part's page with its one-sentence introduction sits
    in the spine before it, listed nowhere. It was a 10-word chapter of its own."""
    names = [f"index_split_00{n}.html" for n in range(6)]
    docs = _part_docs(names, ("Erster Teil", "Zweiter Teil"), (PART_INTRO, PART_INTRO), heading="h2")
    toc = [TocEntry("Erster Teil", None, [TocEntry("Chapter 1", names[1]), TocEntry("Chapter 2", names[2])]),
           TocEntry("Zweiter Teil", None, [TocEntry("Chapter 3", names[4]), TocEntry("Chapter 4", names[5])])]
    path = write_epub(tmp / "calibre-parts.epub", docs, toc, version=2, title="Der Leuchtturm", opf_dir="")
    return Edition(path, _parts_expected(PART_INTRO, PART_INTRO, "Erster Teil", "Zweiter Teil"))


def sigil_parts_span(tmp: Path) -> Edition:
    """A Sigil EPUB 3 whose nav sets each part as an unlinked ``<span>``; the part pages (one with a
    long introduction) are in the spine only. Each was a chapter of its own."""
    names = ["Text/Section0001.xhtml", *(f"Text/Section000{n}.xhtml" for n in range(2, 7))]
    docs = _part_docs(names, ("Part One", "Part Two"), (PART_INTRO, LONG_INTRO))
    toc = [TocEntry("Part One", None, [TocEntry("Chapter 1", names[1]), TocEntry("Chapter 2", names[2])]),
           TocEntry("Part Two", None, [TocEntry("Chapter 3", names[4]), TocEntry("Chapter 4", names[5])])]
    path = write_epub(tmp / "sigil-parts.epub", docs, toc, title="The Light")
    return Edition(path, _parts_expected(PART_INTRO, LONG_INTRO.split(", and")[0] + ", and he wrote them down."))


def flat_parts_epub2(tmp: Path) -> Edition:
    """A hand-made EPUB 2 whose NCX is flat: "Part One" beside its chapters, pointing at the part's
    page with its introduction. It was a chapter of its own, as a nested part's was not."""
    names = ["part1.xhtml", "ch1.xhtml", "ch2.xhtml", "part2.xhtml", "ch3.xhtml", "ch4.xhtml"]
    docs = _part_docs(names, ("Part One", "Part Two"), (LONG_INTRO, PART_INTRO))
    toc = [TocEntry("Part One", names[0]), TocEntry("Chapter 1", names[1]), TocEntry("Chapter 2", names[2]),
           TocEntry("Part Two", names[3]), TocEntry("Chapter 3", names[4]), TocEntry("Chapter 4", names[5])]
    path = write_epub(tmp / "flat-parts.epub", docs, toc, version=2, title="The Light")
    return Edition(path, _parts_expected(LONG_INTRO.split(", and")[0] + ", and he wrote them down.", PART_INTRO))


def calibre_contents_leftover(tmp: Path) -> Edition:
    """calibre split a contents page of plain lines with page numbers over two files; the second,
    listed nowhere, was a chapter whose only text was the next chapter's title."""
    docs = [Doc("index_split_000.html", '<h2 class="calibre2">Contents</h2><p class="calibre1">Part One ...... 5</p>'),
            Doc("index_split_001.html", '<p class="calibre1">Chapter 1. The Rock ...... 7</p>'),
            Doc("index_split_002.html", "<h1>Part One</h1>"),
            Doc("index_split_003.html", f"<h2>Chapter 1. The Rock</h2>{paragraphs(1)}"),
            Doc("index_split_004.html", f"<h2>Chapter 2. The Storm</h2>{paragraphs(2)}")]
    toc = [TocEntry("Contents", "index_split_000.html"),
           TocEntry("Part One", "index_split_002.html", [TocEntry("Chapter 1. The Rock", "index_split_003.html"),
                                                         TocEntry("Chapter 2. The Storm", "index_split_004.html")])]
    path = write_epub(tmp / "calibre-contents.epub", docs, toc, version=2, title="The Light", opf_dir="")
    return Edition(path, [("Part One: Chapter 1. The Rock", first(1), last(1)), ("Chapter 2. The Storm", first(2), last(2))],
                   never=["...... 7"])


def sigil_contents_leftover(tmp: Path) -> Edition:
    """A Sigil EPUB 3: the contents' last line, without its label word ("3. The Letter"), left in
    a file of its own after the title page."""
    docs = [Doc("Text/Section0001.xhtml", "<h1>The Light</h1><p>Ada Author</p>"),
            Doc("Text/Section0002.xhtml", "<div><p>3. The Letter</p></div>"),
            *[Doc(f"Text/Section000{n + 2}.xhtml", f"<h2>Chapter {n}. {name}</h2>{paragraphs(n)}")
              for n, name in [(1, "The Rock"), (2, "The Storm"), (3, "The Letter")]]]
    toc = [TocEntry("Title Page", "Text/Section0001.xhtml"),
           *[TocEntry(f"Chapter {n}. {name}", f"Text/Section000{n + 2}.xhtml")
             for n, name in [(1, "The Rock"), (2, "The Storm"), (3, "The Letter")]]]
    path = write_epub(tmp / "sigil-contents.epub", docs, toc, title="The Light")
    return Edition(path, [(f"Chapter {n}. {name}", first(n), last(n)) for n, name in
                          [(1, "The Rock"), (2, "The Storm"), (3, "The Letter")]], never=["3. The Letter"])


def _nav(items: str, list_tag: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>'
            f'<nav epub:type="toc" id="toc"><h1>Contents</h1><{list_tag}>{items}</{list_tag}></nav></body></html>').encode()


def _nav_parts(label: str, list_tag: str) -> bytes:
    """A nav of two parts of two chapters, each part's label written as ``label`` says."""
    parts = []
    for part, chapters in [("Part One", (1, 2)), ("Part Two", (3, 4))]:
        sub = "".join(f'<li><a href="c{n}.xhtml">Chapter {n}</a></li>' for n in chapters)
        parts.append(f"<li>{label.format(title=part)}<{list_tag}>{sub}</{list_tag}></li>")
    return _nav("".join(parts), list_tag)


def _nav_label_edition(tmp: Path, name: str, nav: bytes) -> Edition:
    docs = [Doc(f"c{n}.xhtml", f"<h2>Chapter {n}</h2>{paragraphs(n)}") for n in (1, 2, 3, 4)]
    toc = [TocEntry("Part One", None, [TocEntry("Chapter 1", "c1.xhtml"), TocEntry("Chapter 2", "c2.xhtml")]),
           TocEntry("Part Two", None, [TocEntry("Chapter 3", "c3.xhtml"), TocEntry("Chapter 4", "c4.xhtml")])]
    path = write_epub(tmp / name, docs, toc, title="The Light", extra_members={"OEBPS/nav.xhtml": nav})
    return Edition(path, [("Part One: Chapter 1", first(1), last(1)), ("Chapter 2", first(2), last(2)),
                          ("Part Two: Chapter 3", first(3), last(3)), ("Chapter 4", first(4), last(4))])


def handmade_nav_bare_label(tmp: Path) -> Edition:
    """A hand-made EPUB 3 nav: each part's label is bare text in its ``<li>`` before the sub-list.
    ebooklib titled the part with the whole sub-list's text ("Chapter 1Chapter 2")."""
    return _nav_label_edition(tmp, "nav-bare.epub", _nav_parts("{title}", "ol"))


def writer_nav_ul(tmp: Path) -> Edition:
    """A word processor's EPUB 3 export: ``<ul>`` lists, each part's label in a ``<span>``. ebooklib
    refused the book (it looks for ``<ol>`` only)."""
    return _nav_label_edition(tmp, "nav-ul.epub", _nav_parts('<span class="toc-part">{title}</span>', "ul"))


PROLOGUE = ["Before the light there was only the rock, and before the rock only the sea.",
            "The sea did not remember either of them."]


def _prologue_file(anchor: str) -> str:
    return anchor + "".join(f"<p>{escape(s)}</p>" for s in PROLOGUE) + f"<h2>Chapter 1</h2>{paragraphs(1)}"


def _prologue_expected() -> list[tuple[str, str, str]]:
    return [("Prologue", PROLOGUE[0], PROLOGUE[-1]), ("Chapter 1", first(1), last(1)), ("Chapter 2", first(2), last(2))]


def handmade_prologue_name(tmp: Path) -> Edition:
    """A hand-made EPUB 2: the NCX's "Prologue" points at ``text01.xhtml#prologue``, an HTML 4
    ``<a name>``, and "Chapter 1" at ``text01.xhtml``, whose heading follows the prologue. The
    prologue was read as chapter 1's first lines, its entry ignored."""
    docs = [Doc("text01.xhtml", _prologue_file('<a name="prologue"></a><h2>Prologue</h2>')),
            Doc("text02.xhtml", f"<h2>Chapter 2</h2>{paragraphs(2)}")]
    toc = [TocEntry("Prologue", "text01.xhtml#prologue"), TocEntry("Chapter 1", "text01.xhtml"),
           TocEntry("Chapter 2", "text02.xhtml")]
    path = write_epub(tmp / "prologue-name.epub", docs, toc, version=2, title="The Light")
    return Edition(path, _prologue_expected())


def indesign_prologue_id(tmp: Path) -> Edition:
    """An InDesign EPUB 3: the prologue's heading has an id inside chapter 1's file, which the nav's
    "Chapter 1" points at. Chapter 1 was the prologue, and "Prologue" chapter 1's text."""
    docs = [Doc("Chapter1.xhtml", '<div class="_idGenObjectLayout-1">' + _prologue_file('<h2 id="_idTextAnchor001">Prologue</h2>')
                + "</div>"),
            Doc("Chapter2.xhtml", f"<h2>Chapter 2</h2>{paragraphs(2)}")]
    toc = [TocEntry("Chapter 1", "Chapter1.xhtml"), TocEntry("Prologue", "Chapter1.xhtml#_idTextAnchor001"),
           TocEntry("Chapter 2", "Chapter2.xhtml")]
    path = write_epub(tmp / "prologue-id.epub", docs, toc, title="The Light")
    return Edition(path, _prologue_expected())


TOC_EDITIONS = {
    "calibre-parts-ncx": calibre_parts_ncx, "sigil-parts-span": sigil_parts_span, "flat-parts-epub2": flat_parts_epub2,
    "calibre-contents-leftover": calibre_contents_leftover, "sigil-contents-leftover": sigil_contents_leftover,
    "handmade-nav-bare-label": handmade_nav_bare_label, "writer-nav-ul": writer_nav_ul,
    "handmade-prologue-name": handmade_prologue_name, "indesign-prologue-id": indesign_prologue_id,
}
EDITIONS.update(TOC_EDITIONS)


BIBEBOOK_ABOUT = ["Vous avez la certitude, en téléchargeant un livre sur Bibebook.com de lire un livre de qualité.",
                  "Vous pouvez nous rejoindre et nous aider, sur le site de Bibebook."]


def bibebook_half_title(tmp: Path) -> Edition:
    """A Bibebook EPUB 2 (calibre's epub_split files): the producer's page about itself ("À propos
    de Bibebook", listed as "À propos"), the editor's long preface, then a half-title listed in the
    NCX under the book's own title, holding only the subtitle, then the chapters. The about page
    was read as the first chapter, the half-title as a three-word chapter before chapter 1."""
    preface = " ".join(["The editor found the keeper's notebooks in a sea chest, and prints them here as written."] * 40)
    about = "<p class='faketitle'>À propos de Bibebook :</p>" + "".join(f"<p>{escape(t)}</p>" for t in BIBEBOOK_ABOUT)
    docs = [Doc("about.xhtml", about, title="À propos de Bibebook"),
            Doc("epub_split_000.xhtml", f"<h2>Preface</h2><p>{escape(preface)}</p>"),
            Doc("epub_split_001.xhtml", "<h1>THE LANTERN KEEPER</h1><p>A CHRONICLE OF 1903</p>"),
            *[Doc(f"epub_split_00{n + 1}.xhtml", f"<h2>Chapter {n}</h2>{paragraphs(n)}") for n in (1, 2)]]
    toc = [TocEntry("À propos", "about.xhtml"), TocEntry("Preface", "epub_split_000.xhtml"),
           TocEntry("THE LANTERN KEEPER", "epub_split_001.xhtml"),
           *[TocEntry(f"Chapter {n}", f"epub_split_00{n + 1}.xhtml") for n in (1, 2)]]
    path = write_epub(tmp / "bibebook.epub", docs, toc, version=2, title="The Lantern Keeper", authors=["Mara Ellison"],
                      publisher="Bibebook")
    first_preface = "The editor found the keeper's notebooks in a sea chest, and prints them here as written."
    return Edition(path, [("Preface", first_preface, first_preface), ("Chapter 1", first(1), last(1)),
                          ("Chapter 2", first(2), last(2))], never=["A CHRONICLE OF 1903", *BIBEBOOK_ABOUT])


TOC_EDITIONS["bibebook-half-title"] = bibebook_half_title
EDITIONS["bibebook-half-title"] = bibebook_half_title
