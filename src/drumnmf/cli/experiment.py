"""``drumnmf experiment``: the paper's study on a dataset, and the accuracy report."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from drumnmf.errors import DrumnmfError

# drumnmf.evaluation.experiments's DATASET_KINDS, ENST_MIXES and ENST_CALIBRATIONS, repeated so that
# building the parser imports nothing heavy (a test checks that they agree).
DATASET_KINDS = ("corpus", "enst")
ENST_MIXES = ("wet_mix", "dry_mix")
ENST_CALIBRATIONS = ("auto", "hits", "track")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "experiment",
        help="reproduce the paper's study (MUR vs NeNMF) or write docs/accuracy.md",
        description=(
            "Run the experiments behind the numbers: 'paper' reproduces Foster & Webber's\n"
            "study (Fig. 4, Tables 1-3, runtimes) on ENST-Drums or the development corpus;\n"
            "'accuracy' measures the paper's protocol and the default pipeline on every\n"
            "development subset and writes docs/accuracy.md."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf experiment paper --dataset corpus corpus/ --out runs/paper-corpus\n"
            "  drumnmf experiment paper --dataset enst ~/data/ENST-Drums --out runs/paper-enst\n"
            "  drumnmf experiment paper --dataset corpus corpus/ --subset mdb --limit 2\n"
            "  drumnmf experiment accuracy corpus/ --doc docs/accuracy.md --out runs/accuracy"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="experiment_command", metavar="EXPERIMENT", required=True)

    paper = actions.add_parser(
        "paper",
        help="MUR against NeNMF: Fig. 4, Tables 1-3 and runtimes",
        description=(
            "Reproduce the paper's study on a dataset: the paper's configuration\n"
            "(NeNMF 10 x 10, harmonic rank 50, adaptive threshold, onsets at the peak) and MUR\n"
            "with 100 sweeps, otherwise identical. Writes into --out: config.json (settings,\n"
            "versions, git revision), summary.md, table1_topk, table2_mur_adaptive,\n"
            "table3_nenmf_adaptive, runtimes, fig4_losses (.csv and .md / .png), items.csv,\n"
            "scores.json. Scored on 3 classes (kick, snare, hi-hat) with a 50 ms window."
        ),
        epilog=(
            "datasets:\n"
            "  corpus PATH   a corpus folder or manifest.json from 'drumnmf corpus build';\n"
            "                by default every split but train is run\n"
            "  enst PATH     ENST-Drums (drummer_N/audio/<mix>/*.wav, drummer_N/annotation/\n"
            "                *.txt); templates from each drummer's 'hits' recordings, or cut\n"
            "                from the track itself when those are missing (--enst-calibration)\n"
            "\n"
            "Subsets: 'drumnmf corpus info PATH' lists a corpus's; ENST's are\n"
            "enst/<mix>/<kind> (phrase, solo, minus-one, MIDI-minus-one...)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    paper.add_argument(
        "--dataset",
        nargs=2,
        metavar=("KIND", "PATH"),
        required=True,
        help=f"the dataset: KIND is one of {', '.join(DATASET_KINDS)}",
    )
    paper.add_argument(
        "--out",
        "-o",
        type=Path,
        help="output folder (default: runs/paper-KIND)",
    )
    _selection_options(paper)
    paper.add_argument(
        "--split",
        nargs="+",
        metavar="SPLIT",
        help="splits to run (default: all but train)",
    )
    paper.add_argument(
        "--enst-mix", choices=ENST_MIXES, default="wet_mix", help="ENST mix (default: wet_mix)"
    )
    paper.add_argument(
        "--enst-calibration",
        choices=ENST_CALIBRATIONS,
        default="auto",
        help="ENST templates: the drummer's hits recordings, the track's own isolated hits "
        "(leaky), or hits when available (default: auto)",
    )
    paper.add_argument(
        "--enst-accompaniment",
        action="store_true",
        help="also run ENST tracks with their accompaniment added (subset enst/MIX+acc/KIND)",
    )
    paper.set_defaults(func=run)

    accuracy = actions.add_parser(
        "accuracy",
        help="write docs/accuracy.md: paper protocol and default pipeline on the corpus",
        description=(
            "Measure the paper's protocol (MUR and NeNMF) and the default pipeline\n"
            "(TranscribeConfig()) on every validation subset of the development corpus,\n"
            "plus the default kit without calibration on the rendered drums, the\n"
            "calibration protocols (paper3, full, velocities), and the ablation variants\n"
            "on the train split; compare with ADTOF's onsets (../shared/peers) and report\n"
            "recall by reference velocity; write the Markdown document. With --cache the\n"
            "runs are kept, so a repeated or interrupted run resumes."
        ),
        epilog=(
            "Add ablation rows with --variant 'NAME: key=value, ...', keys being\n"
            "TranscribeConfig fields (solver, harmonic_rank, max_iter, inner_iter, picker,\n"
            "threshold_window, offsets=kick:0.2;snare:0.1, min_interval, onset_timing, seed)\n"
            "plus base=default|paper, kit=item|default, subsets=PATTERN;PATTERN."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    accuracy.add_argument("corpus", type=Path, help="corpus folder or manifest.json")
    accuracy.add_argument(
        "--doc",
        type=Path,
        default=Path("docs/accuracy.md"),
        help="Markdown file to write (default: docs/accuracy.md)",
    )
    accuracy.add_argument("--out", "-o", type=Path, help="also write CSV tables and config here")
    _selection_options(accuracy, subsets=False)
    accuracy.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="SPEC",
        help="an extra ablation row 'NAME: key=value, ...' (repeatable)",
    )
    accuracy.add_argument(
        "--ablation",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these rows of the ablation table (repeatable; default all)",
    )
    accuracy.add_argument(
        "--no-ablations", action="store_true", help="leave the ablation table empty"
    )
    accuracy.add_argument(
        "--ablation-limit",
        type=int,
        metavar="N",
        help="at most N files per subset for the ablations (default: --limit)",
    )
    accuracy.add_argument(
        "--peers",
        type=Path,
        metavar="DIR",
        help="folder holding adtof/<item id>.csv, the peer transcriber's onsets on the corpus "
        "(default: ../shared/peers, found from the working directory; skipped when absent)",
    )
    accuracy.add_argument(
        "--no-peers", action="store_true", help="leave out the comparison with ADTOF"
    )
    accuracy.add_argument(
        "--no-protocols",
        action="store_true",
        help="leave out the calibration protocols (paper3, full, velocities)",
    )
    accuracy.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="keep finished runs here: a repeated or interrupted run resumes, recomputing "
        "only runs whose code, variant or files changed",
    )
    accuracy.add_argument(
        "--estimates",
        type=Path,
        metavar="DIR",
        help="also write the default pipeline's onsets as DIR/<item id>.csv (what "
        "'drumnmf transcribe' writes), for 'drumnmf evaluate'",
    )
    accuracy.add_argument(
        "--ablation-split",
        nargs="+",
        default=["train"],
        metavar="SPLIT",
        help="splits the ablations run on (default: train)",
    )
    accuracy.set_defaults(func=run)


def _selection_options(parser: argparse.ArgumentParser, *, subsets: bool = True) -> None:
    if subsets:
        parser.add_argument(
            "--subset",
            action="append",
            default=[],
            metavar="PATTERN",
            help="run subsets matching this glob or prefix (repeatable; default all), "
            "e.g. 'groove/validation/*/acc0db' or 'mdb'",
        )
    parser.add_argument("--limit", type=int, metavar="N", help="at most N files per subset")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument(
        "--window", type=float, default=0.05, help="matching window, seconds (default: 0.05)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress lines")


def _progress(quiet: bool) -> Callable[[str], None] | None:
    if quiet:
        return None
    return lambda line: print(line, file=sys.stderr, flush=True)


def _command() -> str:
    return "drumnmf " + shlex.join(sys.argv[1:])


def run(args: argparse.Namespace) -> int:
    """Run the experiment, print where its outputs are; returns the exit code."""
    if args.limit is not None and args.limit < 1:
        raise DrumnmfError(f"--limit must be >= 1, got {args.limit}")
    if args.jobs < 1:
        raise DrumnmfError(f"--jobs must be >= 1, got {args.jobs}")
    if not 0 < args.window < 1:
        raise DrumnmfError(f"--window is in seconds (0.05 = 50 ms), got {args.window}")
    if args.experiment_command == "paper":
        return _run_paper(args)
    return _run_accuracy(args)


def _run_paper(args: argparse.Namespace) -> int:
    kind, path = args.dataset
    if kind not in DATASET_KINDS:
        raise DrumnmfError(
            f"--dataset KIND must be one of {', '.join(DATASET_KINDS)}, got {kind!r}"
        )
    if not Path(path).exists():
        raise DrumnmfError(f"dataset path '{path}' does not exist")
    out = args.out or Path("runs") / f"paper-{kind}"

    from drumnmf.evaluation.experiments import run_paper

    started = time.perf_counter()
    report = run_paper(
        kind,
        path,
        out=out,
        subsets=tuple(args.subset),
        splits=tuple(args.split) if args.split else None,
        limit=args.limit,
        jobs=args.jobs,
        window=args.window,
        enst_mix=args.enst_mix,
        enst_calibration=args.enst_calibration,
        enst_accompaniment=args.enst_accompaniment,
        command=_command(),
        progress=_progress(args.quiet),
    )
    print(report.tables["table1_topk"].markdown(heading="##"))
    print(report.tables["runtimes"].markdown(heading="##"))
    failures = report.results.failures
    print(
        f"{len(report.results.items)} files in {time.perf_counter() - started:.0f} s; "
        f"wrote {report.out}/ (summary.md, config.json, tables, fig4_losses.png)"
    )
    if failures:
        print(f"{len(failures)} item(s) failed; see {report.out / 'summary.md'}", file=sys.stderr)
    sys.stdout.flush()
    return 1 if failures else 0


def _run_accuracy(args: argparse.Namespace) -> int:
    if not args.corpus.exists():
        raise DrumnmfError(
            f"corpus '{args.corpus}' does not exist; build it with 'drumnmf corpus build'"
        )

    from drumnmf.evaluation.experiments import ABLATIONS, parse_variant, run_accuracy

    extra = tuple(parse_variant(spec) for spec in args.variant)
    known = {v.name: v for v in ABLATIONS}
    unknown = [name for name in args.ablation if name not in known]
    if unknown:
        raise DrumnmfError(
            f"unknown --ablation {', '.join(map(repr, unknown))}; the rows are "
            f"{', '.join(map(repr, known))} (add others with --variant)"
        )
    chosen = tuple(known[name] for name in args.ablation) if args.ablation else ABLATIONS
    ablations = () if args.no_ablations else (*chosen, *extra)
    started = time.perf_counter()
    report = run_accuracy(
        args.corpus,
        doc=args.doc,
        out=args.out,
        ablations=ablations,
        ablation_splits=tuple(args.ablation_split),
        limit=args.limit,
        ablation_limit=args.ablation_limit,
        jobs=args.jobs,
        window=args.window,
        command=_command(),
        progress=_progress(args.quiet),
        peers=args.peers,
        compare=not args.no_peers,
        protocols=not args.no_protocols,
        cache=args.cache,
    )
    if args.estimates is not None:
        from drumnmf.evaluation.experiments import write_estimates

        written = write_estimates(report.results.select("default"), args.estimates)
        print(f"wrote {len(written)} estimate(s) to {args.estimates}")
    failures = [*report.results.failures, *(report.ablations.failures if report.ablations else ())]
    print(f"wrote {report.doc} in {time.perf_counter() - started:.0f} s")
    if failures:
        print(f"{len(failures)} run(s) failed; listed in {report.doc}", file=sys.stderr)
    sys.stdout.flush()
    return 1 if failures else 0
