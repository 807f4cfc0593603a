"""``narrate voices``: audition every installed voice of a language on one page of players."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from narration.cli.output import fail, say, stderr
from narration.errors import NarrationError

NAME = "voices"
HELP = "hear one passage in every installed voice of a language (an HTML page of players)"
DESCRIPTION = (
    "Render one short passage (a default one with dialogue, numbers and a name, or --text) in every installed "
    "voice of the language and write DIR/voices.html: each voice's name, accent, gender, speaking rate and a "
    "player. Takes are kept by the chunk store's keys, so a second run renders nothing new."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.add_argument("--lang", default=None, help="languages, comma-separated (BCP 47: en, ja, fr, ...; "
                        "default: en,ja, or --book's)")
    parser.add_argument("--text", help="the passage to read (default: one per language)")
    parser.add_argument("--out", type=Path, default=Path("outputs/voices"), help="folder of the page and its takes "
                        "(default outputs/voices)")
    parser.add_argument("--book", type=Path, metavar="BOOK",
                        help="a narrated book: its language, the voice its last run used and its cast's voices "
                        "(cast.toml in the book's folder) beside the others")
    parser.add_argument("--cast", type=Path, metavar="FILE", help="a cast.toml (narrate cast --write): its voices too, "
                        "each with whom it reads")
    parser.add_argument("--book-out", type=Path, default=Path("outputs"), help="where --book was narrated "
                        "(default outputs/)")
    parser.add_argument("--speed", type=float, default=1.0, help="speaking rate multiplier (default 1.0)")


def run(args: argparse.Namespace) -> int:
    from narration.review.audition import (
        Section,
        audition,
        cast_voices,
        installed_voices,
        passage_for,
        render_page,
    )
    from narration.review.book import narrated_voice
    from narration.store.layout import BookLayout

    sections = []
    try:
        languages = [lang.strip() for lang in (args.lang or "en,ja").split(",") if lang.strip()]
        extra = cast_voices(args.cast) if args.cast is not None else []
        if args.book is not None:
            book_language, voice = narrated_voice(args.book_out, args.book)
            languages = languages if args.lang else [book_language]
            extra += [voice] if voice is not None else []
            if (cast := BookLayout.for_book(args.book_out, args.book).root / "cast.toml").is_file():
                extra += cast_voices(cast)
        for language in languages:
            text = passage_for(language, args.text)
            voices: dict[tuple[str, str], object] = {}
            for voice in [*extra, *installed_voices(language)]:  # a cast's voice keeps whom it reads
                voices.setdefault((voice.backend, voice.name), voice)
            if not voices:
                raise NarrationError(f"no installed voice reads {language!r}")
            say(stderr, f"{len(voices)} voice(s) reading {language}; takes in {args.out}")
            takes = audition(list(voices.values()), text, language, args.out, speed=args.speed)  # type: ignore[arg-type]
            sections.append(Section(language, text, takes))
    except NarrationError as exc:
        return fail(str(exc))
    page = render_page(sections, args.out)
    takes = [t for s in sections for t in s.takes]
    rendered = sum(t.rendered for t in takes)
    say(Console(), f"{page}: {len(takes)} voice(s), {rendered} rendered now, {len(takes) - rendered} from the store",
        soft_wrap=True)
    return 0 if takes else 1
