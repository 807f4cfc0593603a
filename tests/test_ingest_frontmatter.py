"""Front and back matter recognised by its text: title pages, copyright pages, printers' colophons."""

from __future__ import annotations

from narration.ingest.frontmatter import (
    is_printer_colophon,
    looks_like_copyright_page,
    looks_like_title_page,
)


def test_title_pages_are_recognised_in_their_usual_shapes() -> None:
    assert looks_like_title_page(["THE LANTERN KEEPER", "BY", "MARA ELLISON", "ILLUSTRATED BY R. T. DUNN",
                                  "NEW YORK", "HALLORAN & SONS", "1903"], "The Lantern Keeper", ["Mara Ellison"])
    # A long "Author of ..." line and a copyright line are still a title page.
    assert looks_like_title_page(["THE LANTERN KEEPER", "BY", "MARA ELLISON",
                                  "Author of “The Gull Rock,” “A Winter on the Skerry,” “Fog and Other Stories,” "
                                  "“The Harbour Master’s Daughter,” etc. etc.",
                                  "Copyright, 1911, by Mara Ellison"], "The Lantern Keeper", ["Mara Ellison"])


def test_what_is_not_a_title_page() -> None:
    book = ("The Lantern Keeper", ["Mara Ellison"])
    assert not looks_like_title_page(["To my mother"], *book)  # a dedication is read
    assert not looks_like_title_page(["Dramatis Personae", "The Keeper, of the Lantern", "A Visitor, from the mainland"],
                                     *book)  # a play's cast list is read
    assert not looks_like_title_page(["The lamp was lit at dusk, as it had been every night for thirty years."], *book)
    # Japanese prose has no spaces to count words by: its sentences end with 。
    assert not looks_like_title_page(["第一章", "灯台守は毎晩、百十二段の階段を上った。"], "灯台守", ["マラ・エリソン"])


def test_copyright_page_and_printers_colophon() -> None:
    assert looks_like_copyright_page(["Mara Ellison", "Editor", "Copyright © 2012 Halloran Media, Inc.",
                                      "Halloran books may be purchased for educational or business use.",
                                      "While every precaution has been taken, the publisher assumes no responsibility."])
    assert not looks_like_copyright_page(["Copyright, 1903.", "The lamp was lit at dusk and the keeper slept until dawn."])
    assert is_printer_colophon("HALLORAN & SONS, PRINTERS, 12 QUAY STREET, PORTHAVEN.")
    assert not is_printer_colophon("THE END")
    assert not is_printer_colophon("He pressed the bell and waited.")


def test_printers_lines_in_capitals_or_saying_printed_by() -> None:
    assert is_printer_colophon("JOHN HALLORAN AND SON, PORTHAVEN.")
    assert is_printer_colophon("Printed by T. and R. Halloran, Printers to the Harbour Board, at the Quay Press")
    assert not is_printer_colophon("Printed matter lay all over the keeper's table, and he read none of it.")


def test_transcribers_credits_and_printers_in_other_languages() -> None:
    from narration.ingest.gutenberg import is_credit, is_transcriber_note

    assert is_transcriber_note("Note du transcripteur: les fautes évidentes ont été corrigées.")
    assert is_transcriber_note("Anmerkungen zur Transkription")
    assert is_credit("A Millennium Fulcrum Edition produced in 1991 by Halloran Research.")
    assert is_printer_colophon("Druck vom Bibliographischen Institut in Leipzig")


def test_a_long_subtitle_is_still_the_title_pages() -> None:
    title = ("A Modest Lantern / For keeping the lamps of poor harbours in Porthaven from going out, "
             "and for making their keepers beneficial to the town")
    subtitle = title.split(" / ")[1] + "."
    assert looks_like_title_page([subtitle, "by Dr. Mara Ellison"], title, ["Mara Ellison"])
    # The same words as prose of a chapter, under another book's title, are not a title page.
    assert not looks_like_title_page([subtitle, "by Dr. Mara Ellison"], "The Lantern Keeper", ["Mara Ellison"])


def test_the_names_looked_for_are_compiled_once() -> None:
    """Every page tried looks for the book's title and authors: each pattern is compiled once,
    not once per page (re's own cache holds 512, fewer than a long book's lines)."""
    from narration.ingest.frontmatter import _whole_words

    _whole_words.cache_clear()
    for _ in range(3):
        looks_like_title_page(["THE RIVER", "by Ada Author", "London, 1899"], "The River", ["Ada Author"])
    info = _whole_words.cache_info()
    assert info.hits > 0 and info.misses <= 4


def test_a_stanza_opening_with_the_books_title_is_no_title_page() -> None:
    """A picture book's rhyme begins with its title ("Little Bo-Peep has lost her sheep, ..."):
    its first two stanzas were left out as a title page. A title page before them still goes."""
    from narration.ingest.frontmatter import title_page_lines

    stanzas = ["Little Bo-Peep has lost her sheep,\nAnd can’t tell where to find them;\nLeave them alone, and "
               "they’ll come home,\nAnd bring their tails behind them.",
               "Little Bo-Peep fell fast asleep,\nAnd dreamt she heard them bleating;\nBut when she awoke, she found "
               "it a joke,\nFor still they all were fleeting."]
    assert title_page_lines(stanzas, "Little Bo-Peep", []) == 0
    page = ["LITTLE BO-PEEP", "A NURSERY RHYME PICTURE BOOK", "LONDON: FREDERICK WARNE & CO.", "1882"]
    assert title_page_lines([*page, *stanzas], "Little Bo-Peep", []) == len(page)
