"""The content pass: licences, code, references and letter-spaced title lines left out by what
they are, in books shaped like several producers' (hand-made EPUB, pandoc/Markdown books, plain
text archives), and prose that only mentions such things kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from epub_factory import Doc, TocEntry, chapter_body, write_epub

from narration.ingest import load_book
from narration.ingest.block_kinds import block_kind, is_reference
from narration.ingest.omissions import CODE, COLOPHON, LICENCE, REFERENCES, TITLE_PAGE
from narration.options import IngestOptions

PROSE = [
    "The rain had not stopped for three days, and the river was higher than anyone in the village remembered.",
    "Marta went down to the bridge every morning to see whether the old stones still held.",
]

# --- single blocks --------------------------------------------------------------------------------

LEGAL_BLOCKS = [
    "This book is licensed under the Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International "
    "License. You may share it freely, but you should not have paid for it.",
    "Copyright © 2012 The Authors. Published by the Journal of Imaginary Studies.",
    "Permission is granted to copy, distribute and/or modify this document under the terms of the GNU Free "
    "Documentation License, Version 1.3 or any later version published by the Free Software Foundation.",
    "ATTENTION: CONSERVEZ CETTE LICENCE SI VOUS REDISTRIBUEZ CE FICHIER. Licence ABU, version 1.1.",
    "Alle Rechte vorbehalten. Nachdruck, auch auszugsweise, nur mit Genehmigung des Verlages.",
    "Todos los derechos reservados.",
]
CODE_BLOCKS = [
    "(define (square x) (* x x))",
    "#!/usr/bin/env python3\nimport sys\n\ndef main():\n    return 0",
    "for (int i = 0; i < n; i++) { total += values[i]; }",
    "+------+-------+\n| name | price |\n+======+=======+\n| tea  | 3     |\n+------+-------+",
    "title: My Book\nauthor: Someone\nlang: en\nrights: none\ntags: [a, b]\ndate: 2020-01-01",
    "$ pandoc input.md -o output.epub --toc --metadata title=Test",
    "pandoc -o output.html input.txt",
    "git log --oneline\ngit status --short",
]
PROSE_BLOCKS = [
    *PROSE,
    "He had no licence to sell the horse, and the clerk who kept the copyright registers laughed at him.",
    "“Give me the key,” she said (quietly, as if the walls could hear), “and we shall see.”",
    "I wandered lonely as a cloud\nThat floats on high o'er vales and hills,\nWhen all at once I saw a crowd,",
    "HAMLET: Ay, madam, it is common.\nQUEEN: If it be, why seems it so particular with thee?",
    "In 1848, as Marx wrote in his pamphlet (pp. 4-5), a spectre was haunting Europe.",
    "The ratio was 3:1, or so the steward said; the rest, he swore, had gone to the crows.",
    "「蜘蛛の糸」は芥川龍之介の短編小説である。",
    "コンマ[，] (COMMA)とピリオド[．] (FULL STOP)を使用する（図 3.1）．",
    "Total area: 197,000,000 square miles; land area: 57,000,000 square miles; water area: 140,000,000.",
    "Creative Commons licences can cover anything that copyright covers, and the GNU General Public License "
    "was written for software: the two answer different questions about sharing.",
    "— Qu'en dites-vous ? demanda-t-il. — Rien, répondit-elle ; c'est-à-dire : tout.",
    "and then -- as if nothing had happened -- she went on reading the letter aloud.",
    "the well-known re-entry of the X-ray team",
    "She wrote to him at once, care of the harbour office, and the letter was in the original French.",
]


@pytest.mark.parametrize("text", LEGAL_BLOCKS)
def test_legal_text_in_several_languages_is_licence(text: str) -> None:
    assert block_kind(text) == LICENCE


@pytest.mark.parametrize("text", CODE_BLOCKS)
def test_listings_tables_and_markup_set_as_text_are_code(text: str) -> None:
    assert block_kind(text) == CODE


@pytest.mark.parametrize("text", PROSE_BLOCKS)
def test_prose_verse_plays_and_dialogue_stay_narration(text: str) -> None:
    assert block_kind(text) is None


def test_letter_spaced_publisher_lines_are_title_page() -> None:
    assert block_kind("K U R T  W O L F F  V E R L A G  ·  L E I P Z I G") == TITLE_PAGE
    assert block_kind("A is for apple, and B is for the bee in the garden.") is None
    assert block_kind("w = S ∘ T u = S a b c d") != TITLE_PAGE  # single-letter variables of a formula


def test_a_bibliography_entry_needs_an_opening_a_year_and_a_mark() -> None:
    assert is_reference("Smith, J. (2004). Rivers of the North. Journal of Rivers, 12(3), 45-67.")
    assert is_reference("[3] Dupont, Marie. Les fleuves. Paris : Éditions du Seuil, 1998, p. 12.")
    assert not is_reference("Smith, who was then forty, walked to the river in 2004 with his dog.")


# --- whole books from several producers ---------------------------------------------------------------

BIBLIOGRAPHY = [
    "Adams, R. (1972). Watership Down. London: Rex Collings.",
    "Berry, W. (1990). What Are People For? San Francisco: North Point Press, pp. 3-12.",
    "Carson, R. (1962). Silent Spring. Boston: Houghton Mifflin.",
    "Dillard, A. (1974). Pilgrim at Tinker Creek. New York: Harper's Magazine Press.",
]


def _kinds(book_omitted: list) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in book_omitted:
        out[o.kind] = out.get(o.kind, 0) + o.words
    return out


def test_hand_made_epub_licence_appendix_code_paragraph_and_references(tmp_path: Path) -> None:
    gfdl = [
        "GNU Free Documentation License, Version 1.3, 3 November 2008.",
        "Everyone is permitted to copy and distribute verbatim copies of this license document, but changing it is "
        "not allowed.",
        "The purpose of this License is to make a manual, textbook, or other functional and useful document free in "
        "the sense of freedom.",
    ]
    docs = [
        Doc("ch1.xhtml", chapter_body("The River", [*PROSE, "(define (flood level) (* level 2))"])),
        Doc("refs.xhtml", chapter_body("Bibliography", BIBLIOGRAPHY)),
        Doc("gfdl.xhtml", chapter_body("GNU Free Documentation License", gfdl)),
    ]
    toc = [TocEntry("The River", "ch1.xhtml"), TocEntry("Bibliography", "refs.xhtml"),
           TocEntry("GNU Free Documentation License", "gfdl.xhtml")]
    book = load_book(write_epub(tmp_path / "handmade.epub", docs, toc, version=2))
    assert [c.title for c in book.chapters] == ["The River"]
    assert [p.text for p in book.chapters[0].paragraphs] == PROSE
    kinds = _kinds(book.omitted)
    assert kinds[CODE] > 0 and kinds[REFERENCES] > 0 and kinds[LICENCE] > 0


def test_markdown_book_about_section_licence_and_grid_table(tmp_path: Path) -> None:
    md = tmp_path / "docs-book.md"
    md.write_text(
        "# About this book\n\n" + LEGAL_BLOCKS[0] + "\n\n"
        "# Chapter 1\n\n" + "\n\n".join(PROSE) + "\n\n"
        "    +-----+-----+\n    | a   | b   |\n    +-----+-----+\n\n"
        "+-----+-----+\n| a   | b   |\n+-----+-----+\n\n"
        "# Chapter 2\n\nThe water went down at last, and the bridge was still there in the morning.\n",
        encoding="utf-8",
    )
    book = load_book(md)
    text = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "Creative Commons" not in text and "+-----+" not in text
    assert "The water went down at last" in text and PROSE[0] in text
    assert LICENCE in _kinds(book.omitted)


def test_plain_text_french_archive_header_and_keep_brings_it_back(tmp_path: Path) -> None:
    txt = tmp_path / "abu.txt"
    prose = ("Il pleuvait depuis trois jours, et la rivière était plus haute que jamais. Marta descendait chaque "
             "matin jusqu'au pont pour voir si les vieilles pierres tenaient encore.")
    txt.write_text(
        LEGAL_BLOCKS[3] + "\n\n\nCHAPITRE PREMIER\n\n\n" + prose + "\n\n" + prose + "\n\n\nFIN DU FICHIER\n",
        encoding="utf-8",
    )
    book = load_book(txt)
    text = " ".join(p.text for c in book.chapters for p in c.paragraphs)
    assert "LICENCE" not in text and "FIN DU FICHIER" not in text and "Marta" in text
    kept = load_book(txt, IngestOptions(keep=frozenset({LICENCE})))
    assert "CONSERVEZ CETTE LICENCE" in " ".join(p.text for c in kept.chapters for p in c.paragraphs)


def test_nothing_vanishes_every_left_out_run_is_listed(tmp_path: Path) -> None:
    docs = [Doc("ch1.xhtml", chapter_body("One", [PROSE[0], CODE_BLOCKS[2], PROSE[1], LEGAL_BLOCKS[1]]))]
    book = load_book(write_epub(tmp_path / "b.epub", docs, [TocEntry("One", "ch1.xhtml")]))
    read = sum(c.words for c in book.chapters)
    listed = sum(o.words for o in book.omitted if o.kind in (CODE, LICENCE))
    total = len(" ".join([PROSE[0], CODE_BLOCKS[2], PROSE[1], LEGAL_BLOCKS[1]]).split())
    assert read + listed == total


MATHML = "http://www.w3.org/1998/Math/MathML"


def test_paragraphs_with_formulas_are_math_listed_and_a_lone_variable_is_read(tmp_path: Path) -> None:
    formula = (f'<math xmlns="{MATHML}" alttext="a^2+b^2=c^2"><msup><mi>a</mi><mn>2</mn></msup><mo>+</mo>'
               "<msup><mi>b</mi><mn>2</mn></msup><mo>=</mo><msup><mi>c</mi><mn>2</mn></msup></math>")
    body = (f'<h1>Triangles</h1><p>{PROSE[0]}</p><p>where {formula}, satisfying {formula}, is the rule.</p>'
            f'<p>Let <math xmlns="{MATHML}"><mi>x</mi></math> be the longest side of the field.</p>')
    path = write_epub(tmp_path / "m.epub", [Doc("ch1.xhtml", body)], [TocEntry("Triangles", "ch1.xhtml")])
    book = load_book(path)
    assert [p.text for p in book.chapters[0].paragraphs] == [PROSE[0], "Let x be the longest side of the field."]
    math = [o for o in book.omitted if o.kind == "math"]
    assert len(math) == 1 and math[0].excerpt.startswith("where")
    kept = load_book(path, IngestOptions(keep=frozenset({"math"})))
    assert any(p.text.startswith("where a2+b2=c2") for p in kept.chapters[0].paragraphs)


def test_pandoc_markdown_attributes_spans_and_command_listings_are_not_read(tmp_path: Path) -> None:
    md = tmp_path / "manual.md"
    md.write_text(
        "# Manual\n\n## General options {.options}\n\n"
        "Use [--reference-doc=FILE]{#option--reference-doc} as shown [below][General options], with the `.yaml` "
        "file beside it.\n\n    pandoc -o output.html input.txt\n    pandoc -s -o output.html input.txt\n\n"
        "That is all there is to it, and the rest of the evening is yours.\n",
        encoding="utf-8",
    )
    book = load_book(md)
    texts = [p.text for c in book.chapters for p in c.paragraphs]
    assert [c.title for c in book.chapters][-1] == "General options"
    assert texts[-2:] == ["Use --reference-doc=FILE as shown below, with the .yaml file beside it.",
                          "That is all there is to it, and the rest of the evening is yours."]


def test_an_omnibus_next_novels_title_page_is_not_read_at_the_previous_ones_end(tmp_path: Path) -> None:
    md = tmp_path / "omnibus.md"
    md.write_text(
        "# Chapter 1\n\n" + "\n\n".join(PROSE) + "\n\nAnd that was the end of the first story.\n\n"
        "THE SECOND NOVEL\n\nBY JANE WRITER\n\nLONDON: SMITH, ELDER & CO., 1899\n\n"
        "# Chapter 1\n\n" + "\n\n".join(PROSE) + "\n\nShe closed the door and sat down,\n\nand the lamp went out,\n\n"
        "and she slept.\n",
        encoding="utf-8",
    )
    book = load_book(md)
    assert [p.text for p in book.chapters[0].paragraphs][-1] == "And that was the end of the first story."
    assert [p.text for p in book.chapters[1].paragraphs][-1] == "and she slept."  # a poem's close is kept
    assert any(o.kind == TITLE_PAGE and "SECOND NOVEL" in o.excerpt for o in book.omitted)


@pytest.mark.parametrize("text", [
    "This electronic edition was prepared by volunteers; please report errors to corrections@example.org.",
    "Le texte en italiques dans l’original est indiqué ici comme _italiques_, le texte en gras comme =gras=.",
    "Offensichtliche Druckfehler wurden berichtigt; gesperrter Text im Original ist hier kursiv gesetzt.",
])
def test_notes_about_the_electronic_edition_are_transcriber_notes(text: str) -> None:
    from narration.ingest.omissions import TRANSCRIBER_NOTES

    assert block_kind(text) == TRANSCRIBER_NOTES


def test_a_short_title_goes_with_the_note_it_heads(tmp_path: Path) -> None:
    md = tmp_path / "note.md"
    md.write_text("# One\n\nAu lecteur.\n\n" + LEGAL_BLOCKS[0] + "\n\n" + "\n\n".join(PROSE) + "\n", encoding="utf-8")
    assert [p.text for c in load_book(md).chapters for p in c.paragraphs] == PROSE


def test_definition_list_paragraphs_are_read(tmp_path: Path) -> None:
    """Pandoc definition lists: the indented paragraphs of a definition are prose (they were read
    as an indented code block, and dropped when they held an option or a bracket)."""
    md = tmp_path / "dl.md"
    second = ("If no input format is given, the reader is chosen from the file's extension [see below], and "
              "`--from=markdown` is the default when there is none.")
    md.write_text(f"# Options\n\n`--from=`*FORMAT*\n\n:   Specify the input format.\n\n    {second}\n\nAfter the list.\n",
                  encoding="utf-8")
    texts = [p.text for c in load_book(md).chapters for p in c.paragraphs]
    assert "Specify the input format." in texts and any(t.startswith("If no input format is given") for t in texts)


def test_praise_and_also_by_pages_are_left_out(tmp_path: Path) -> None:
    md = tmp_path / "pandoc-book.md"
    md.write_text("# Praise for The River\n\n“A triumph of quiet prose.” — The Daily Example\n\n"
                  "# Also by Ada Author\n\nThe Bridge. The Mill. The Flood.\n\n"
                  "# Chapter 1\n\n" + "\n\n".join(PROSE) + "\n\n# Du même auteur\n\nLe Pont.\n", encoding="utf-8")
    book = load_book(md)
    assert [c.title for c in book.chapters] == ["Chapter 1"]
    assert sum(o.kind == TITLE_PAGE for o in book.omitted) == 3


def test_a_chapter_that_only_repeats_the_next_titles_is_contents(tmp_path: Path) -> None:
    md = tmp_path / "frag.md"
    md.write_text("# In this book\n\nThe River\n\nThe Bridge\n\n# The River\n\n" + "\n\n".join(PROSE)
                  + "\n\n# The Bridge\n\n" + "\n\n".join(PROSE[::-1]) + "\n", encoding="utf-8")
    book = load_book(md)
    assert [c.title for c in book.chapters] == ["The River", "The Bridge"]
    assert any(o.kind == "contents" for o in book.omitted)


@pytest.mark.parametrize("tail", ["", "a"])
def test_every_rule_is_linear_on_long_runs_of_punctuation(tail: str) -> None:
    """20,000 of each ASCII punctuation character (alone, then before a letter) through every
    content rule: an address pattern tried from each character of a run of "_" took 2.5 s."""
    import string
    import time

    from narration.ingest.block_kinds import is_edition_note

    for ch in string.punctuation + " ":
        text = ch * 20_000 + tail
        start = time.perf_counter()
        block_kind(text), is_edition_note(text), is_reference(text)
        assert time.perf_counter() - start < 1.0, repr(ch)


# --- ornaments ------------------------------------------------------------------------------------

FRENCH = [
    "Il pleuvait depuis trois jours sur la petite ville, et la rivière montait lentement sous le vieux pont.",
    "Sophie avait peur, mais elle alla voir sa mère à la fenêtre, et y resta longtemps.",
]
STANZA = ["Le soir, à la campagne, on sort, on se promène,", "Le pauvre dans son champ, le riche en son domaine ;",
          "Moi, je vais devant moi ; le poëte en tout lieu", "Se sent chez lui, sentant qu’il est partout chez Dieu."]


@pytest.mark.parametrize("ornament", ['<p class="culdelampe">q</p>', "<p>q</p>", "<p>❧</p>",
                                      '<div class="ornament">§ §</div>'])
def test_an_ornament_closing_a_chapter_is_a_pause_not_text(tmp_path: Path, ornament: str) -> None:
    """Bibebook closes each chapter with <p class="culdelampe">q</p>, a dingbat font's letter that
    was read "q"; a glyph alone, or a letter no word of the book is, is an ornament."""
    body = chapter_body("Chapitre 1", FRENCH).replace("</p>", f"</p>{ornament}")  # after each paragraph
    docs = [Doc(f"ch{n}.xhtml", body.replace("Chapitre 1", f"Chapitre {n}")) for n in (1, 2)]
    book = load_book(write_epub(tmp_path / "o.epub", docs, [TocEntry(f"Chapitre {n}", f"ch{n}.xhtml") for n in (1, 2)],
                                language="fr"))
    assert [[p.text for p in c.paragraphs] for c in book.chapters] == [FRENCH, FRENCH]
    assert all(c.paragraphs[0].scene_break for c in book.chapters)  # a pause where the ornament stood


def test_a_letter_the_book_uses_as_a_word_is_no_ornament(tmp_path: Path) -> None:
    """"y" and "à" are French words (the prose has them); "II" numbers a poem's section."""
    body = chapter_body("Chapitre 1", [FRENCH[0], "y", "II", *FRENCH[1:], "à"])
    book = load_book(write_epub(tmp_path / "w.epub", [Doc("ch1.xhtml", body)], [TocEntry("Chapitre 1", "ch1.xhtml")],
                                language="fr"))
    assert [p.text for p in book.chapters[0].paragraphs] == [FRENCH[0], "y", "II", *FRENCH[1:], "à"]


def test_a_poems_last_stanza_and_its_date_before_an_ornament_are_read(tmp_path: Path) -> None:
    """Les Contemplations: each poem ends "Paris, mai 1842." and an ornament. With the ornament
    gone, the last lines and the place and date looked like a title page glued to the chapter's
    end (a place, a year, short lines) and were left out: verse runs on, a title page does not."""
    lines = [*STANZA, *STANZA[:2], "Car elle est quelque part dans la maison sans doute !", "Paris, mai 1842."]
    docs = [Doc(f"ch{n}.xhtml", chapter_body(f"{n}.", lines) + '<p class="ornement">q</p>') for n in (1, 2)]
    book = load_book(write_epub(tmp_path / "p.epub", docs, [TocEntry(f"{n}.", f"ch{n}.xhtml") for n in (1, 2)],
                                language="fr"))
    assert [[p.text for p in c.paragraphs] for c in book.chapters] == [lines, lines]
    assert not [o for o in book.omitted if o.kind == TITLE_PAGE]


# --- colophons and credits ------------------------------------------------------------------------


@pytest.mark.parametrize("text,colophon", [
    ("Achevé d'imprimer en France le 5 Novembre 2016.", True), ("Printed in Great Britain by Clays Ltd", True),
    ("Dépôt légal : mars 2010", True), ("Finito di stampare nel mese di maggio 2019", True),
    ("The book was printed in London in 1850 and sold well among the people who read it.", False),
    ("Il avait été imprimé en France, disait-on, mais personne ne le croyait vraiment.", False),
])
def test_colophon_lines(text: str, colophon: bool) -> None:
    assert (block_kind(text) == COLOPHON) is colophon


def test_a_producers_credits_and_closing_page_are_left_out(tmp_path: Path) -> None:
    """Bibebook's shape: a "Crédits" page (sources, contributors, fonts) before the text, and a
    closing "Fin" page ("Une édition BIBEBOOK / www.bibebook.com / Achevé d'imprimer ...") after;
    both were read as chapters. A chapter that only mentions printing stays."""
    credits = ["Sources :", "- Bibliothèque Électronique du Québec", "Ont contribué à cette édition :",
               "- Association de Promotion de l'Ecriture et de la Lecture", "Fontes :", "- Manfred Klein"]
    closing = ["Une édition", "BIBEBOOK", "www.bibebook.com", "Achevé d'imprimer en France le 5 Novembre 2016."]
    story = [*FRENCH, "Le livre fut imprimé à Paris, chez un vieil imprimeur qui ne dormait jamais."]
    docs = [Doc("credits.xhtml", chapter_body("Crédits", credits)), Doc("ch1.xhtml", chapter_body("Chapitre 1", story)),
            Doc("last.xhtml", chapter_body("Fin", closing))]
    toc = [TocEntry("Crédits", "credits.xhtml"), TocEntry("Chapitre 1", "ch1.xhtml"), TocEntry("Fin", "last.xhtml")]
    book = load_book(write_epub(tmp_path / "b.epub", docs, toc, language="fr"))
    assert [c.title for c in book.chapters] == ["Chapitre 1"]
    assert [p.text for p in book.chapters[0].paragraphs] == story
    assert any(o.kind == COLOPHON and o.excerpt.startswith("Crédits Sources") for o in book.omitted)
    kept = load_book(write_epub(tmp_path / "k.epub", docs, toc, language="fr"), IngestOptions(keep=frozenset({COLOPHON})))
    assert [c.title for c in kept.chapters][:2] == ["Crédits", "Chapitre 1"]


JA_PROSE = "その夜、ジョバンニは丘の上で星空を見上げていた。遠くから汽車の音が聞こえてきた。"
JA_ENTRIES = [
    "『日本神話の源流』(吉田 敦彦 著, 講談社学術文庫, 2007年5月, Amazon)",
    "『宗教の起源』(ロビン・ダンバー 著, 小田 哲 訳, 白揚社, 2023年10月)",
    "『歴史 - 全3巻』(ヘロドトス 著, 松平 千秋 訳, 岩波文庫, 1971年)",
    "『イスラム - 思想と歴史』(中村 廣治郎 著, 東京大学出版会, 1977年1月)",
]


def test_a_japanese_bibliography_is_references(tmp_path: Path) -> None:
    """A self-published Japanese EPUB's "参考文献" (works in 『』 with author, translator,
    publisher and year) was read; a paragraph of prose naming a book in 『』 stays."""
    cited = "『銀河鉄道の夜』は宮沢賢治の童話で、1934年に出版された。" + JA_PROSE
    docs = [Doc("ch1.xhtml", chapter_body("第1章 星", [JA_PROSE, cited, JA_PROSE])),
            Doc("refs.xhtml", chapter_body("参考文献", ["宗教学", *JA_ENTRIES]))]
    toc = [TocEntry("第1章 星", "ch1.xhtml"), TocEntry("参考文献", "refs.xhtml")]
    book = load_book(write_epub(tmp_path / "ja.epub", docs, toc, language="ja"))
    assert [c.title for c in book.chapters] == ["第1章 星"]
    assert [p.text for p in book.chapters[0].paragraphs] == [JA_PROSE, cited, JA_PROSE]
    assert [o.kind for o in book.omitted] == [REFERENCES]


@pytest.mark.parametrize("text,pointer", [
    ("Main article: History of Hindi", True), ("主条目：標準漢語", True), ("मुख्य लेख: देवनागरी", True),
    ("詳細は「日本語の起源」を参照", True), ("مقالة مفصلة: لغة", True), ("Article détaillé : Langue d'oïl", True),
    ("See also the river, which was running high that spring.", False),
    ("詳細はそれぞれの文字の項目を参照）。一方、西日本方言では「う」は東日本より円唇に近い。", False),
])
def test_an_encyclopedias_cross_references_are_left_out(text: str, pointer: bool) -> None:
    """Wikipedia exports (Readium's samples in Arabic, Chinese, Hindi, Japanese) read each
    section's "Main article: ..." line; a sentence that starts the same way stays."""
    assert (block_kind(text) == "contents") is pointer


def test_a_dedication_on_the_credits_page_is_read(tmp_path: Path) -> None:
    """Les malheurs de Sophie: the TOC's "Crédits" entry holds the credits and then the author's
    dedication; the credits go, the dedication is read under the book's title."""
    credits = ["Sources :", "- Librairie Hachette et Cie", "Ont contribué à cette édition :", "- Association APEL",
               "Licence :", "Le texte suivant est une œuvre du domaine public édité sous la licence Creative Commons BY-SA"]
    dedication = ["À ma petite-fille", "Chère enfant, tu me dis souvent que je suis bonne ; grand’mère n’a pas "
                  "toujours été bonne, et il y a bien des enfants qui ont été méchants comme elle.", "Comtesse de Ségur"]
    docs = [Doc("credits.xhtml", chapter_body("Crédits", [*credits, *dedication])),
            Doc("ch1.xhtml", chapter_body("Chapitre 1", FRENCH))]
    toc = [TocEntry("Crédits", "credits.xhtml"), TocEntry("Chapitre 1", "ch1.xhtml")]
    book = load_book(write_epub(tmp_path / "s.epub", docs, toc, language="fr", title="Les malheurs de Sophie"))
    assert [c.title for c in book.chapters] == ["Les malheurs de Sophie", "Chapitre 1"]
    assert [p.text for p in book.chapters[0].paragraphs] == dedication


def test_the_publishers_list_of_books_closing_a_picture_book_is_left_out(tmp_path: Path) -> None:
    """Little Bo-Peep and The Three Bears (hand-made EPUB 2s of 2008) end with the publisher's
    list of other books, their prices and formats, which was read; the rhymes before it stay."""
    rhymes = ["WEE WILLIE WINKIE.", "Wee Willie Winkie runs through the town, Upstairs and downstairs in his nightgown, "
              "Rapping at the window, crying through the lock, “Are the children in their beds, for now it’s eight o’clock?”"]
    adverts = ["New Picture Books for Little Children.", "LITTLE FOLKS’ SERIES.", "TEN CENTS EACH.",
               "Imperial 16mo. Six Full-page Pictures, in the best style of Color Printing.",
               "Published by FREDERICK WARNE & Co., Ltd."]
    docs = [Doc("ch1.xhtml", chapter_body("Rhymes", [*PROSE, *rhymes, *adverts]))]
    book = load_book(write_epub(tmp_path / "r.epub", docs, [TocEntry("Rhymes", "ch1.xhtml")]))
    assert [p.text for p in book.chapters[0].paragraphs] == [*PROSE, *rhymes]
    assert any(o.kind == TITLE_PAGE and o.excerpt.startswith("New Picture Books") for o in book.omitted)
    kept = load_book(write_epub(tmp_path / "k.epub", docs, [TocEntry("Rhymes", "ch1.xhtml")]),
                     IngestOptions(keep=frozenset({TITLE_PAGE})))
    assert [p.text for p in kept.chapters[0].paragraphs] == [*PROSE, *rhymes, *adverts]
