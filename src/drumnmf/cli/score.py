"""``drumnmf score``: a drum score (MusicXML, tab, quantized MIDI) from hits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drumnmf.errors import DrumnmfError


def add_score_arguments(parser: argparse.ArgumentParser) -> None:
    """``--tempo``, ``--meter`` and ``--grid`` (shared with ``drumnmf transcribe --score``)."""
    group = parser.add_argument_group("score")
    group.add_argument(
        "--tempo", type=_bpm, metavar="BPM", help="tempo in beats per minute (default: detected)"
    )
    group.add_argument(
        "--meter",
        choices=("4/4", "3/4", "6/8", "12/8"),
        help="time signature (default: detected)",
    )
    group.add_argument(
        "--grid",
        choices=("auto", "8", "16", "32", "triplet", "16+triplet"),
        default="auto",
        help="subdivisions allowed per beat (default auto: 16ths, triplets or 32nds per beat)",
    )


def _bpm(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of BPM") from None
    if not 20 <= value <= 480:
        raise argparse.ArgumentTypeError(f"{value} BPM is out of range; give 20-480")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score",
        help="write a drum score (MusicXML, tab, quantized MIDI) from a transcription",
        description=(
            "Find the tempo, beats, bars and metre of each TRANSCRIPTION (a drumnmf CSV or "
            "JSON, or any drum MIDI file) and write DIR/<stem>.musicxml (MusicXML 3.1), "
            "DIR/<stem>.tab.txt (drum tab), DIR/<stem>.score.mid (quantized MIDI with a "
            "tempo map) and DIR/<stem>.score.json (tempo, beats, downbeats, bar and position "
            "of each hit)."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf score out/song.json\n"
            "  drumnmf score groove.mid --out-dir scores/ --meter 4/4\n"
            "  drumnmf score song.csv --tempo 96 --grid 16"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="TRANSCRIPTION", help="CSV, JSON or MIDI")
    parser.add_argument(
        "--out-dir", "-o", type=Path, default=Path("."), help="output folder (default: .)"
    )
    parser.add_argument(
        "--formats",
        default="musicxml,tab,mid,json",
        help="comma-separated outputs among musicxml, tab, mid, json (default: all)",
    )
    parser.add_argument("--title", help="title written in the score (default: the file stem)")
    add_score_arguments(parser)
    parser.set_defaults(func=run)


def _stem(path: Path) -> str:
    """Output stem: ``song.json`` and ``song.score.mid`` both give ``song``."""
    return path.stem.removesuffix(".score")


def run(args: argparse.Namespace) -> int:
    from drumnmf.io.annotations import load_annotations
    from drumnmf.io.export import check_writable_dir
    from drumnmf.notation import make_score
    from drumnmf.notation.outputs import SCORE_FORMATS, write_score_files

    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    bad = [f for f in formats if f not in SCORE_FORMATS]
    if bad or not formats:
        raise DrumnmfError(
            f"unknown format(s) {bad} in --formats; choose from {list(SCORE_FORMATS)}"
        )
    missing = [p for p in args.inputs if not Path(p).is_file()]
    if missing:
        raise DrumnmfError(f"input file(s) {missing} do not exist; check the paths")
    stems: dict[str, str] = {}
    for name in args.inputs:
        stem = _stem(Path(name))
        if stem in stems:
            raise DrumnmfError(
                f"'{stems[stem]}' and '{name}' would both write {stem}.* in '{args.out_dir}'; "
                "score them into separate --out-dir folders"
            )
        stems[stem] = name
    out_dir = check_writable_dir(args.out_dir)
    failures = 0
    for name in args.inputs:
        path = Path(name)
        try:
            annotations = load_annotations(path)
            score = make_score(
                annotations.onsets,
                annotations.strengths,
                tempo=args.tempo,
                meter=args.meter,
                grid=args.grid,
                title=args.title or path.stem,
            )
            written = write_score_files(score, out_dir, _stem(path), formats=formats)
        except DrumnmfError as exc:
            failures += 1
            print(f"drumnmf: error: {path}: {exc}", file=sys.stderr)
            continue
        outputs = ", ".join(str(p) for p in written.values())
        print(
            f"{path}: {score.tempo:.1f} BPM, {score.time_signature}"
            f"{', swing' if score.grid.swing else ''}, {len(score.bars)} bars -> {outputs}"
        )
    if failures:
        print(f"drumnmf: {failures} of {len(args.inputs)} file(s) failed", file=sys.stderr)
        return 1
    return 0
