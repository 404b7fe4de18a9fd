"""The help layout of drumnmf's subcommands: wrapped paragraphs, verbatim examples, defaults."""

from __future__ import annotations

import argparse
import textwrap

__all__ = ["HelpFormatter"]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wrap description and epilog paragraphs, keep indented lines (examples) verbatim, and
    end an option's help with ``(default: X)`` when it has a default its text does not give.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            if not line.strip() or line.startswith(" "):
                lines.append(indent + line)
            else:
                lines.append(
                    textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
                )
        return "\n".join(lines)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or any(said in text for said in ("(default", "default:", "%(default)"))
        ):
            return text
        if isinstance(default, (list, tuple)):
            shown = " ".join(str(v) for v in default) or "none"
            return f"{text} (default: {shown})"
        return text + " (default: %(default)s)"
