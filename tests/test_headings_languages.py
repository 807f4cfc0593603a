"""Chapter headings in the languages we read, in plain text: label words, ordinals before or after
the label, and prologues, each book split into its own chapters (not one 41-hour chapter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.ingest import load_book
from narration.ingest.markdown import heading_label

PROSE = {
    "es": "En un lugar de la comarca vivía un hidalgo de los de lanza en astillero, adarga antigua y galgo corredor. "
          "Tenía en su casa una ama que pasaba de los cuarenta y una sobrina que no llegaba a los veinte.",
    "fr": "Il pleuvait depuis trois jours sur la petite ville, et la rivière montait lentement sous le vieux pont. "
          "Personne ne se souvenait d'une crue pareille, pas même le meunier qui avait vu passer tant d'hivers.",
    "fi": "Mieleni minun tekevi, aivoni ajattelevi lähteäni laulamahan, saa'ani sanelemahan, sukuvirttä "
          "suoltamahan, lajivirttä laulamahan. Sanat suussani sulavat, puhe'et putoelevat.",
    "de": "Es regnete seit drei Tagen über der kleinen Stadt, und der Fluss stieg langsam unter der alten Brücke. "
          "Niemand erinnerte sich an ein solches Hochwasser, nicht einmal der alte Müller am Wehr.",
    "it": "Pioveva da tre giorni sulla piccola città, e il fiume saliva lentamente sotto il vecchio ponte. "
          "Nessuno ricordava una piena simile, nemmeno il mugnaio che aveva visto passare tanti inverni.",
    "pt": "Chovia havia três dias sobre a pequena cidade, e o rio subia devagar sob a velha ponte. "
          "Ninguém se lembrava de uma cheia assim, nem mesmo o moleiro que vira passar tantos invernos.",
    "nl": "Het regende al drie dagen boven het stadje, en de rivier steeg langzaam onder de oude brug. "
          "Niemand herinnerde zich zo'n hoog water, zelfs de oude molenaar bij de sluis niet.",
}
HEADINGS = {
    "es": ["Capítulo primero. Que trata de la condición del famoso hidalgo", "Capítulo segundo. Que trata de la "
           "primera salida", "Capítulo III. Donde se cuenta la graciosa manera"],
    "fr": ["CHAPITRE PREMIER", "CHAPITRE II", "CHAPITRE III"],
    "fi": ["Ensimmäinen runo", "Toinen runo", "Kolmas runo"],
    "de": ["Erstes Kapitel", "Zweites Kapitel", "Drittes Kapitel"],
    "it": ["Capitolo primo", "Capitolo secondo", "Capitolo terzo"],
    "pt": ["Capítulo I", "Capítulo II", "Capítulo III"],
    "nl": ["Hoofdstuk 1", "Hoofdstuk 2", "Hoofdstuk 3"],
}


@pytest.mark.parametrize("lang", sorted(HEADINGS))
def test_plain_text_headings_in_seven_languages_make_chapters(tmp_path: Path, lang: str) -> None:
    body = "Title of the Book\n" + "".join(f"\n\n\n{h}\n\n\n{PROSE[lang]}\n\n{PROSE[lang]}\n" for h in HEADINGS[lang])
    path = tmp_path / f"{lang}.txt"
    path.write_text(body, encoding="utf-8")
    book = load_book(path)
    assert len(book.chapters) == 3
    assert all(c.words == 2 * len(PROSE[lang].split()) for c in book.chapters)


@pytest.mark.parametrize("text,kind", [
    ("Capítulo primero. Que trata de la condición", "chapter"), ("CHAPITRE PREMIER", "chapter"),
    ("Ensimmäinen runo", "canto"), ("Erstes Kapitel", "chapter"), ("Livre deuxième", "book"),
    ("Primera parte", "part"), ("Prólogo", "chapter"), ("Vorwort", "chapter"), ("Hoofdstuk 12", "chapter"),
])
def test_labels_in_other_languages(text: str, kind: str) -> None:
    assert heading_label(text) == kind


@pytest.mark.parametrize("text", ["The first book I read", "One act of kindness", "Un chapitre de plus",
                                  "Toinen mies tuli", "chapters of my life"])
def test_prose_that_starts_with_a_number_or_a_label_word_is_no_heading(text: str) -> None:
    assert heading_label(text) is None


def test_aozora_titles_show_no_ruby_readings(tmp_path: Path) -> None:
    """An Aozora Bunko heading with a reading ("二　活版所《かっぱんじょ》") is titled by its base."""
    prose = "　ジョバンニが学校の門を出るとき、同じ組の七八人は家へ帰らず校庭の隅《すみ》の桜の木のところに集まっていました。\n"
    text = ("銀河の話\n宮沢賢治\n\n"
            "［＃５字下げ］一　午后《ごご》の授業［＃「一　午后の授業」は中見出し］\n\n" + prose + "\n"
            "［＃５字下げ］二　活版所《かっぱんじょ》［＃「二　活版所」は中見出し］\n\n" + prose)
    path = tmp_path / "aozora.txt"
    path.write_text(text, encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["一 午后の授業", "二 活版所"]


def test_numbered_chapters_under_a_part_and_a_title_page_edition_line(tmp_path: Path) -> None:
    """A French school reader (shaped like a Gutenberg plain text): the title page's "PREMIÈRE
    PARTIE.--DEUXIÈME ÉDITION." is no heading, a part label does not hide the numbered chapters,
    and "III. Voilà ce que c'est!" after a wide gap heads a chapter though it reads as a sentence."""
    prose = PROSE["fr"]
    text = ("ENTRE NOUS.\n\n\n                  PREMIÈRE PARTIE.--DEUXIÈME ÉDITION.\n\n\n"
            "                    J. B. WOLTERS--GRONINGUE--1906.\n\n\n\n\n"
            + "".join(f"\n\n\n\n{n}. {title}\n\n\n{prose}\n\n{prose}\n" for n, title in
                      [("I", "Deux Parents"), ("II", "Papa se fâche."), ("III", "Voilà ce que c’est!"),
                       ("IV", "Marie couche le petit blessé.")])
            + "\n\n\n\nDEUXIÈME PARTIE.\n\n\n\n\nV. Le Docteur.\n\n\n" + prose + "\n")
    path = tmp_path / "entre.txt"
    path.write_text(text, encoding="utf-8")
    titles = [c.title for c in load_book(path).chapters]
    assert titles[-5:] == ["I. Deux Parents", "II. Papa se fâche", "III. Voilà ce que c’est!",
                           "IV. Marie couche le petit blessé", "Deuxième partie: V. Le Docteur"]
    assert not any("Édition" in t for t in titles)


def test_a_numbered_label_with_a_long_title_on_two_lines(tmp_path: Path) -> None:
    """Cervantes' chapter titles run past 100 characters over two lines: with a numbered label and a
    stop before it the block is still a heading (Don Quijote was one chapter, then 56 of 126)."""
    title = ("Capítulo VI. Del donoso y grande escrutinio que el cura y el barbero\n"
             "hicieron en la librería de nuestro ingenioso hidalgo")
    text = ("Don Quijote\n\n\n\nCapítulo V. Donde se prosigue la narración\n\n" + PROSE["es"] + "\n\n\n\n"
            + title + "\n\nel cual aún todavía dormía. " + PROSE["es"] + "\n")
    path = tmp_path / "quijote.txt"
    path.write_text(text, encoding="utf-8")
    titles = [c.title for c in load_book(path).chapters]
    assert titles[-2:] == ["Capítulo V. Donde se prosigue la narración", " ".join(title.split())]


def test_unlabelled_sections_in_sentence_case_are_found_by_layout(tmp_path: Path) -> None:
    """A French book whose sections carry no label word, titled in sentence case as French titles
    are ("Seconde version"), two blank lines before each and a labelled preface: the preface made
    the book two chapters, the sections lost in the first."""
    prose = PROSE["fr"]
    sections = ["La maison du passeur", "Première version", "Seconde version", "Ce que disait le meunier"]
    text = ("Le Passeur\n\n\n\nPréface\n\n" + prose + "\n"
            + "".join(f"\n\n{s}\n\n{prose}\n\n{prose}\n" for s in sections))
    path = tmp_path / "passeur.txt"
    path.write_text(text, encoding="utf-8")
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Préface", *sections]
    assert all(c.words == 2 * len(prose.split()) for c in book.chapters[1:])


def test_french_dialogue_and_dates_between_gaps_are_no_headings(tmp_path: Path) -> None:
    """Short lines alone that are no headings: a date line ("Mardi 3 mai", "Le soir"), a reply
    that ends a sentence ("Oui."), a salutation ("Mon cher ami,")."""
    prose = PROSE["fr"]
    lines = ["Mardi soir", "Oui.", "Mon cher ami,", "Le 3 mai", "Dimanche matin"]
    text = "Lettres\n" + "".join(f"\n\n\n{line}\n\n{prose}\n" for line in lines)
    path = tmp_path / "lettres.txt"
    path.write_text(text, encoding="utf-8")
    assert len(load_book(path).chapters) == 1


# Titles in capitals, cased as each language does: the first word and the book's names only.
CAPITALS = {
    "fr": ("Le vieux Mathieu parlait de Louise, de Paris et de Louis XIV. " + PROSE["fr"],
           ["CHAPITRE I. L'HOMME ET LA MER", "CHAPITRE II. LOUISE À PARIS", "CHAPITRE III. SOUS LOUIS XIV"],
           ["Chapitre I. L'homme et la mer", "Chapitre II. Louise à Paris", "Chapitre III. Sous Louis XIV"]),
    "es": ("Lo contaba la vieja Teresa en Sevilla, bajo Carlos V. " + PROSE["es"],
           ["CAPÍTULO I. EL VIAJE DE TERESA", "CAPÍTULO II. LA CASA DE SEVILLA", "CAPÍTULO III. EL REY CARLOS V"],
           ["Capítulo I. El viaje de Teresa", "Capítulo II. La casa de Sevilla", "Capítulo III. El rey Carlos V"]),
    "it": ("Lo raccontava il vecchio Giacomo a Venezia. " + PROSE["it"],
           ["CAPITOLO I. IL PONTE DI VENEZIA", "CAPITOLO II. LA BARCA DI GIACOMO", "CAPITOLO III. LA NOTTE"],
           ["Capitolo I. Il ponte di Venezia", "Capitolo II. La barca di Giacomo", "Capitolo III. La notte"]),
    "pt": ("Contava-o a velha Joana em Lisboa. " + PROSE["pt"],
           ["CAPÍTULO I. A CASA DE JOANA", "CAPÍTULO II. O RIO E A PONTE", "CAPÍTULO III. A VOLTA A LISBOA"],
           ["Capítulo I. A casa de Joana", "Capítulo II. O rio e a ponte", "Capítulo III. A volta a Lisboa"]),
    # German: a word is folded only where the book writes it in lower case ("ist", "alt", "am"); a
    # word it never writes inside a sentence keeps its capital ("Sturm"), as nouns must: which
    # words of a title in capitals are nouns cannot be told (conservative: "UND" not in the text
    # would stay "Und").
    "de": ("Das Haus ist alt, sagte der Müller. " + PROSE["de"],
           ["ERSTES KAPITEL. DAS HAUS IST ALT", "ZWEITES KAPITEL. DER STURM", "DRITTES KAPITEL. DIE BRÜCKE AM WEHR"],
           ["Erstes Kapitel. Das Haus ist alt", "Zweites Kapitel. Der Sturm", "Drittes Kapitel. Die Brücke am Wehr"]),
}


@pytest.mark.parametrize("lang", sorted(CAPITALS))
def test_titles_in_capitals_are_cased_as_the_language_does(tmp_path: Path, lang: str) -> None:
    """French, Spanish, Italian and Portuguese titles capitalise their first word and names only:
    English title case made "L'homme Et la Mer", "La Casa de Sevilla"."""
    prose, headings, expected = CAPITALS[lang]
    text = "Titre\n" + "".join(f"\n\n\n{h}\n\n\n{prose}\n\n{prose}\n" for h in headings)
    path = tmp_path / f"{lang}.txt"
    path.write_text(text, encoding="utf-8")
    book = load_book(path)
    assert book.language == lang
    assert [c.title for c in book.chapters] == expected


def test_markdown_titles_in_capitals_are_cased_as_the_language_does(tmp_path: Path) -> None:
    prose = "Le vieux Mathieu parlait de Louise et de Paris. " + PROSE["fr"]
    path = tmp_path / "livre.md"
    path.write_text("".join(f"# {h}\n\n{prose}\n\n" for h in ("L'HOMME ET LA MER", "LOUISE À PARIS")), encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["L'homme et la mer", "Louise à Paris"]


def test_english_titles_in_capitals_keep_english_title_case(tmp_path: Path) -> None:
    prose = ("The old sailor sat by the harbour and mended his nets while the gulls cried overhead. Nobody in "
             "the village remembered when he had first arrived, but everybody knew his name.")
    text = "Title\n" + "".join(f"\n\n\n{h}\n\n\n{prose}\n\n{prose}\n"
                               for h in ("CHAPTER I. THE MAN IN THE IRON MASK", "CHAPTER II. A VISIT TO PARIS"))
    path = tmp_path / "en.txt"
    path.write_text(text, encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["Chapter I. The Man in the Iron Mask",
                                                           "Chapter II. A Visit to Paris"]


def test_a_title_page_in_capitals_names_the_book_in_the_languages_case(tmp_path: Path) -> None:
    text = ("LE CARNET DE LOUISE\n\n\n\n\nCHAPITRE I\n\n\nLe soir, Louise ouvrit le carnet. " + PROSE["fr"]
            + "\n\n\n\n\nCHAPITRE II\n\n\n" + PROSE["fr"] + "\n")
    path = tmp_path / "carnet.txt"
    path.write_text(text, encoding="utf-8")
    assert load_book(path).title == "Le carnet de Louise"


def test_volume_labels_on_title_pages_are_no_chapters(tmp_path: Path) -> None:
    """A plain-text Candide shaped like Gutenberg's (a scanned French edition): two title pages,
    each with its "TOME XXXIII" line, before the editor's preface. Each label took the page's
    lines as a chapter ("Tome XXXIII. De L' Imprimerie de a. Firmin Didot,", "Tome XXXIII.
    Romans. Tome I.")."""
    prose = PROSE["fr"]
    page = ("{0}OEUVRES\n\n{0}  DE\n\n{0}VOLTAIRE.\n\n{0}TOME XXXIII\n\n"
            "{0}DE L' IMPRIMERIE DE A. FIRMIN DIDOT,\n\n{0}RUE JACOB, Nº 24.\n\n\n\n"
            "{0}OEUVRES\n\n{0}  DE\n\n{0}VOLTAIRE\n\n{0}PRÉFACES, AVERTISSEMENTS, NOTES, ETC.\n\n"
            "{0}TOME XXXIII.\n\n{0}ROMANS. TOME I.\n\n{0}A PARIS,\n\n{0}CHEZ LEFÈVRE, LIBRAIRE,\n\n"
            "{0}MDCCCXXIX.\n\n\n\n{0}CANDIDE,\n\n{0}  ou\n\n{0}L'OPTIMISME.\n\n\n\n").format(" " * 28)
    text = ("Title: Candide\n\nAuthor: Voltaire\n\n\n\n" + page + "Préface de l'Éditeur\n\n\n" + prose + "\n"
            + "".join(f"\n\n\n\nCHAPITRE {n}\n\n\n{prose}\n\n{prose}\n" for n in ("PREMIER", "II", "III")))
    path = tmp_path / "candide.txt"
    path.write_text(text, encoding="utf-8")
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Préface de l'Éditeur", "Chapitre premier", "Chapitre II", "Chapitre III"]
    left = [o.excerpt for o in book.omitted if o.kind == "title-page"]
    assert any("TOME XXXIII" in e for e in left) and any("ROMANS" in e for e in left)


def test_a_volume_over_its_chapters_still_names_them(tmp_path: Path) -> None:
    """A volume label over prose or over its first chapter is a volume, not a title page."""
    prose = PROSE["fr"]
    text = ("Le Livre\n\n\n\nTOME I\n\n\n\nCHAPITRE I\n\n\n" + prose + "\n\n\n\nCHAPITRE II\n\n\n" + prose
            + "\n\n\n\nTOME II\n\n\n" + prose + "\n\n\n\nCHAPITRE III\n\n\n" + prose + "\n")
    path = tmp_path / "tomes.txt"
    path.write_text(text, encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["Tome I: Chapitre I", "Chapitre II", "Tome II", "Chapitre III"]


def test_a_name_in_capitals_without_its_accents_is_still_a_name(tmp_path: Path) -> None:
    """Titles in capitals often drop accents (Les Fleurs du Mal's "UN VOYAGE A CYTHERE"): the
    text's "Cythère" still says the word is a name; the title keeps its own letters. And a label
    with words after it is one title ("PRÓLOGO AL LECTOR" was "Prólogo Al lector")."""
    prose = "Le navire partait pour Cythère, et Icare tombait. " + PROSE["fr"]
    text = "Poèmes\n" + "".join(f"\n\n\n{h}\n\n\n{prose}\n\n{prose}\n"
                                for h in ("UN VOYAGE A CYTHERE", "LES PLAINTES D'UN ICARE", "LE GOUFFRE"))
    path = tmp_path / "fleurs.txt"
    path.write_text(text, encoding="utf-8")
    assert [c.title for c in load_book(path).chapters] == ["Un voyage a Cythere", "Les plaintes d'un Icare", "Le gouffre"]
    spanish = tmp_path / "quijote.txt"
    spanish.write_text("Don Quijote\n" + "".join(f"\n\n\n\n{h}\n\n\n{PROSE['es']} Lo dijo al lector.\n"
                                                 for h in ("PRÓLOGO AL LECTOR", "CAPÍTULO PRIMERO", "CAPÍTULO II")),
                       encoding="utf-8")
    assert [c.title for c in load_book(spanish).chapters] == ["Prólogo al lector", "Capítulo primero", "Capítulo II"]


def test_a_note_marker_after_a_numeral_in_capitals(tmp_path: Path) -> None:
    """Candide's "CHAPITRE XXII[1]" stays a numeral with its marker (it became "Chapitre xxii[1]")."""
    from narration.ingest.textfile import book_casing, title_case

    casing = book_casing("fr", [PROSE["fr"]])
    assert title_case("CHAPITRE XXII[1]", casing) == "Chapitre XXII[1]"
    assert title_case("LA MER[2] ET LE VENT", casing) == "La mer[2] et le vent"


@pytest.mark.parametrize("text,kind", [
    ("LIVRE DEUXIEME", "book"), ("CHAPITRE PREMIERE", "chapter"), ("CAPITULO SEPTIMO", "chapter"),
    ("ГЛАВА I.", "chapter"), ("Глава первая", "chapter"), ("ЧАСТЬ ВТОРАЯ", "part"), ("Розділ 3", "chapter"),
    ("ГЛАВА ХIII.", "chapter"),  # a Cyrillic Х typed into the numeral
])
def test_unaccented_ordinals_and_cyrillic_labels(text: str, kind: str) -> None:
    assert heading_label(text) == kind


RUSSIAN = ("Старинная дворянская семья жила в своем поместье уже много лет, и никто из соседей не помнил, "
           "когда именно они поселились на берегу реки. Хозяин был человек гордый и вспыльчивый.")


def test_russian_chapters_in_plain_text_with_a_footnote_number(tmp_path: Path) -> None:
    """Pushkin's plain texts: "ГЛАВА I" / a title in capitals, a Cyrillic Х in "ХIII", and a
    footnote "1" with its note at a chapter's end, which is no chapter of its own."""
    labels = ["ГЛАВА I", "ГЛАВА II", "ГЛАВА ХIII"]
    body = "Александр Пушкин\nКАПИТАНСКАЯ ДОЧКА\n"
    for n, label in enumerate(labels):
        body += f"\n{label}\nСЕРЖАНТ ГВАРДИИ\n{RUSSIAN}\n{RUSSIAN}\n"
        if n == 0:
            body += "1\nчтобы стать учителем (франц.).\n"
    path = tmp_path / "kapitan.txt"
    path.write_text(body, encoding="utf-8")
    book = load_book(path)
    assert [c.title for c in book.chapters] == ["Глава I. Сержант гвардии", "Глава II. Сержант гвардии",
                                                "Глава XIII. Сержант гвардии"]
