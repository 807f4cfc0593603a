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
                           "IV. Marie couche le petit blessé", "Deuxième Partie: V. Le Docteur"]
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
