"""``narrate``: the command line, beside the library it drives.

A command is a module here (``NAME``, ``HELP``, ``add_arguments(parser)``, ``run(args) -> int``,
optionally ``DESCRIPTION``), listed in ``COMMANDS``; commands that need Prefect (``serve``,
``deploy``) live in ``flows/`` and are found through the ``narration.commands`` entry points
(``narration.cli.plugins``), so ``narration`` never imports ``flows`` or Prefect. Everything
printed goes through ``narration.cli.output``.

Exit codes: 0 done, 1 a run failed, 2 bad input or options (one line on stderr, no traceback),
3 another run holds a book.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from narration.cli import cast, check, classify, prune, run, status, verify
from narration.cli.output import setup_logging
from narration.cli.plugins import COMMANDS_GROUP, Command, loaded
from narration.display import shown

COMMANDS: tuple[ModuleType, ...] = (run, status, prune, verify, cast, classify, check)
DEFAULT_COMMAND = run.NAME


def all_commands() -> dict[str, Command]:
    """Every command by name: ``COMMANDS``, then those registered as ``narration.commands``
    entry points (a built-in name wins)."""
    found: dict[str, Command] = {}
    for command in (*COMMANDS, *loaded(COMMANDS_GROUP)):
        found.setdefault(command.NAME, command)
    return found


class Parser(argparse.ArgumentParser):
    """A bad flag or value is one line naming it, as every other bad input is (not argparse's
    usage block, 25 lines for ``narrate run``), through ``shown``: it may quote what was typed."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, shown(f"{self.prog}: error: {message}") + "\n")


def build_parser() -> argparse.ArgumentParser:
    """One parser with a sub-parser per command."""
    p = Parser(
        prog="narrate",
        description=run.DESCRIPTION,
        usage="narrate [COMMAND] ...",
        epilog="Without a command, narrate narrates: `narrate book.epub` is `narrate run book.epub`. A book file "
        "named like a command is narrated when given as a path: `narrate ./status`. `narrate COMMAND --help` "
        "lists a command's options.",
    )
    commands = p.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for name, command in all_commands().items():
        sub = commands.add_parser(name, prog=f"narrate {name}", help=command.HELP,
                                  description=getattr(command, "DESCRIPTION", command.HELP))
        command.add_arguments(sub)
        sub.set_defaults(handler=command.run)
    return p


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parsed arguments; anything that does not start with a command (or the top-level --help) is a run."""
    argv = list(argv)
    parser = build_parser()
    if not argv:
        parser.error("give the books to narrate, or a command (narrate --help lists them)")
    if argv[0] not in all_commands() and argv[0] not in ("-h", "--help"):
        argv = [DEFAULT_COMMAND, *argv]
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `narrate ... | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(getattr(args, "verbose", False))  # warnings quote titles and file names: through ``shown`` too
    return args.handler(args)
