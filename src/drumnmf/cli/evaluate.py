"""``drumnmf evaluate``: score transcriptions against reference annotations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drumnmf.errors import DrumnmfError

# drumnmf.io.annotations.FORMATS, repeated so that building the parser imports nothing heavy
# (a test checks that the two agree).
FORMAT_CHOICES = ("auto", "enst", "mdb", "idmt", "svl", "midi", "text", "csv", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score transcriptions against reference annotations (P/R/F per drum)",
        description=(
            "Score estimated drum onsets against reference annotations with mir_eval's\n"
            "onset matching: precision, recall, F-measure and TP/FP/FN per drum and per\n"
            "file, summed over files (micro) and averaged over files (macro).\n\n"
            "REFERENCE and ESTIMATE are files or folders. Folders are paired by file name,\n"
            "ignoring one suffix _class, _subclass, _Drum, _MIX or #MIX (any case), and a\n"
            "reference without an estimate counts as no detections.\n"
            "References: ENST-Drums, MDB Drums, IDMT-SMT-Drums (XML, SVL), General MIDI,\n"
            "'time label' text, CSV or drumnmf JSON. Estimates: drumnmf's CSV, JSON or MIDI."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf evaluate mdb/annotations/class/ out/\n"
            "  drumnmf evaluate take1.txt out/take1.csv --window 0.025 --classes 5\n"
            "  drumnmf evaluate refs/ out/ --topk --json scores.json\n"
            "\nTimes are in seconds. --empty says what an undefined score becomes (a drum\n"
            "neither played nor detected): skip (default: left out of the means), zero\n"
            "(as mir_eval) or one (as madmom)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("reference", metavar="REFERENCE", help="annotation file or folder")
    parser.add_argument(
        "estimate", metavar="ESTIMATE", help="transcription file or folder (CSV, JSON or MIDI)"
    )
    parser.add_argument(
        "--window",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="matching window in seconds, either side (default: 0.05)",
    )
    parser.add_argument(
        "--topk",
        action="store_true",
        help="oracle protocol: keep the k strongest estimates per drum, k = reference count "
        "(the first k when the estimates have no strengths)",
    )
    parser.add_argument(
        "--classes",
        choices=("3", "5", "all"),
        default="3",
        help="3: kick/snare/hihat, 5: adds tom and cymbal, all: drum names as read (default: 3)",
    )
    parser.add_argument(
        "--empty",
        choices=("skip", "zero", "one"),
        default="skip",
        help="score of a drum with neither references nor estimates (default: skip)",
    )
    parser.add_argument(
        "--reference-format",
        choices=FORMAT_CHOICES,
        default="auto",
        help="format of the reference files (default: guessed per file)",
    )
    parser.add_argument(
        "--estimate-format",
        choices=FORMAT_CHOICES,
        default="auto",
        help="format of the estimate files (default: guessed per file)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="also write every score to this JSON file"
    )
    parser.add_argument(
        "--summary-only", action="store_true", help="print the per-drum summary only"
    )
    parser.set_defaults(func=run)


def _check_json_target(path: Path) -> None:
    """Fail before scoring when ``--json`` cannot be written."""
    import os

    if path.is_dir():
        raise DrumnmfError(f"--json '{path}' is a folder; give a file name such as '{path}/s.json'")
    folder = path.parent if str(path.parent) else Path(".")
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise DrumnmfError(
                f"--json folder '{folder}' cannot be made: '{parent}' is a file, not a folder"
            )
    if not folder.is_dir():
        raise DrumnmfError(f"--json folder '{folder}' does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DrumnmfError(f"--json folder '{folder}' is not writable; choose another path")


def _where(path: str, reason: str) -> str:
    return reason if path in reason else f"{path}: {reason}"


def run(args: argparse.Namespace) -> int:
    """Score, print the table, write the JSON; returns the exit code."""
    for given, what in ((Path(args.reference), "REFERENCE"), (Path(args.estimate), "ESTIMATE")):
        if not given.exists():
            raise DrumnmfError(f"{what} '{given}' does not exist; give a file or a folder")
    if args.json is not None:
        _check_json_target(Path(args.json))

    from drumnmf.evaluation.pairing import evaluate_paths
    from drumnmf.io.export import write_json

    result = evaluate_paths(
        args.reference,
        args.estimate,
        window=args.window,
        top_k=args.topk,
        classes=None if args.classes == "all" else int(args.classes),
        empty=args.empty,
        reference_format=args.reference_format,
        estimate_format=args.estimate_format,
        errors="skip",
    )
    for path in result.empty_references:
        print(
            f"drumnmf: warning: reference '{path}' is empty (0 bytes): scored as a recording "
            "with no hits; is it the right file?",
            file=sys.stderr,
        )
    print(result.format_table(per_file=not args.summary_only))
    if result.missing_estimates:
        print(
            f"note: {len(result.missing_estimates)} reference(s) without an estimate, scored "
            f"as no detections: {', '.join(result.missing_estimates)}",
            file=sys.stderr,
        )
    if args.json is not None:
        write_json(args.json, result.to_dict())
        print(f"wrote {args.json}")
    sys.stdout.flush()
    for failed_path, reason in result.failed:
        print(f"drumnmf: error: {_where(failed_path, reason)}", file=sys.stderr)
    if result.failed:
        n = len(result.files) + len(result.failed)
        print(
            f"drumnmf: {len(result.failed)} of {n} recording(s) could not be read and were "
            "left out of the scores",
            file=sys.stderr,
        )
        return 1
    return 0
