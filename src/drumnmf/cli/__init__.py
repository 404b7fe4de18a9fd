"""The ``drumnmf`` command-line program: a thin shell over the Python API.

Each subcommand lives in its own module with ``register(subparsers)`` and ``run(args) -> int``.
Heavy modules are imported inside ``run`` so that ``drumnmf --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from drumnmf import __version__
from drumnmf.errors import DrumnmfError

# Subcommand modules, in the order their help is listed.
SUBCOMMANDS = (
    "demo",
    "calibrate",
    "transcribe",
    "listen",
    "score",
    "evaluate",
    "render",
    "corpus",
    "experiment",
    "plot",
    "maps",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="drumnmf",
        description=(
            "Transcribe drums from recorded music with partially fixed NMF, "
            "calibrated on one hit of each drum of your own kit."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf demo                                  # run on the built-in example\n"
            "  drumnmf calibrate kick.wav snare.wav hihat.wav --out my.kit.json\n"
            "  drumnmf transcribe song.wav --kit my.kit.json --out-dir out/\n"
            "  drumnmf evaluate reference/ out/\n"
            "\nRun 'drumnmf COMMAND --help' for a command's options."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"drumnmf {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"drumnmf.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"drumnmf.cli.{name}":
                continue
            raise
        module.register(subparsers)
    for name, sub in subparsers.choices.items():
        sub.set_defaults(_parser=sub)
        for nested in _nested(sub):
            nested.set_defaults(_parser=nested)
        del name
    return parser


def _nested(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Parsers of sub-subcommands (e.g. ``drumnmf plot losses``)."""
    out: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                out += [child, *_nested(child)]
    return out


def _unknown_message(unknown: list[str], parser: argparse.ArgumentParser) -> str:
    import difflib

    known = [o for action in parser._actions for o in action.option_strings]
    message = f"unrecognized arguments: {' '.join(unknown)}"
    flag = next((u.split("=")[0] for u in unknown if u.startswith("-")), None)
    close = difflib.get_close_matches(flag, known, n=1) if flag else []
    return message + (f" (did you mean {close[0]}?)" if close else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; returns the exit code (0 ok, 1 some inputs failed, 2 usage error)."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Report unknown options against the subcommand's own usage, with a suggestion.
        sub = getattr(args, "_parser", parser)
        sub.error(_unknown_message(unknown, sub))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except DrumnmfError as exc:
        print(f"drumnmf: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("drumnmf: interrupted", file=sys.stderr)
        return 130
