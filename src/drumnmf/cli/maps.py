"""``drumnmf maps``: the MIDI note-map presets, or one map in full."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "maps",
        help="list the MIDI note-map presets for --note-map, or show one",
        description=(
            "Without NAME, list the note-map presets that 'drumnmf transcribe --note-map' "
            "accepts. With NAME (a preset or a .toml/.json map file), show each drum's note, "
            "its hi-hat pedal position (CC4, 0 open to 127 closed) where the map sends one, "
            "and the map's published source."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf maps\n"
            "  drumnmf maps roland-td17\n"
            "  drumnmf maps my-kit.toml --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="a preset name or a map file")
    parser.add_argument("--json", action="store_true", help="print the map as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from drumnmf.io.notemaps import DEFAULT_MAP, PRESETS, load_note_map

    if args.name is None:
        if args.json:
            print(json.dumps({n: m.to_dict() for n, m in PRESETS.items()}, indent=2))
            return 0
        width = max(len(n) for n in PRESETS)
        for name, note_map in PRESETS.items():
            mark = " (default)" if name == DEFAULT_MAP else ""
            print(f"{name:<{width}}  {note_map.title}{mark}")
        print("\nShow one: drumnmf maps NAME. Your own: a .toml or .json file (docs/notemaps.md).")
        return 0
    note_map = load_note_map(args.name)
    if args.json:
        print(json.dumps(note_map.to_dict(), indent=2))
        return 0
    print(f"{note_map.name}: {note_map.title}")
    if note_map.source:
        print(f"source: {note_map.source}")
    pedal = dict(note_map.pedal)
    print("\ndrum              note  CC4 before the note")
    for drum, note in sorted(note_map.notes, key=lambda p: (p[1], p[0])):
        cc = "" if drum not in pedal else str(pedal[drum])
        print(f"{drum:<16}  {note:>4}  {cc}".rstrip())
    return 0
