"""``drumnmf transcribe`` over many recordings: folders, list files, --jobs, a Dask cluster.

The options of :func:`drumnmf.batch.transcribe_many` and the printing of its records;
``cli/transcribe.py`` hands a run over here when it is a batch (:func:`is_batch`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from drumnmf.errors import DrumnmfError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """The batch options of ``drumnmf transcribe``."""
    group = parser.add_argument_group(
        "batches",
        "Several inputs, a folder (searched recursively), @LIST or --list make a batch:\n"
        "outputs mirror the input folders under --out-dir, OUT/drumnmf-run.json records\n"
        "every file, and a re-run skips the files done with the same settings and kit.",
    )
    group.add_argument(
        "--list", type=Path, metavar="FILE", help="also transcribe the paths in FILE, one a line"
    )
    group.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="worker processes (default 1)")
    group.add_argument(
        "--force", action="store_true", help="redo files whose outputs are up to date"
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run each file on the Dask cluster of this scheduler (tcp://HOST:8786; needs "
        "drumnmf[cluster]); --out-dir must be a folder every worker reaches, or an fsspec "
        "URL such as s3://bucket/run",
    )


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give a number of worker processes >= 1")
    return value


def is_batch(args: argparse.Namespace) -> bool:
    """True unless the run is one audio file with none of the batch options."""
    if args.list or args.jobs is not None or args.scheduler or args.force:
        return True
    if len(args.audio) != 1:
        return True
    first = str(args.audio[0])
    return first.startswith("@") or Path(first).is_dir() or "://" in str(args.out_dir)


def run_batch(
    args: argparse.Namespace,
    *,
    kit: Any,
    config: Any,
    formats: tuple[str, ...],
    top_k: dict[str, int] | None,
    note_map: Any,
) -> int:
    """Run :func:`drumnmf.batch.transcribe_many` as the options ask; the exit status."""
    from drumnmf.batch import RUN_FILE, OutputOptions, transcribe_many

    if args.beats and args.beats != "auto":
        raise DrumnmfError("--beats FILE applies to one recording; use --beats auto in a batch")
    if args.edits:
        raise DrumnmfError("--edits applies to one recording; give one AUDIO file")
    if args.scheduler and args.jobs is not None:
        raise DrumnmfError(
            "give --jobs (local worker processes) or --scheduler (a Dask cluster), not both"
        )
    reference = None
    if args.reference:
        reference = Path(args.reference)
        if not reference.is_dir():
            raise DrumnmfError(
                "--reference is a file but a batch has several inputs; give a folder of "
                "references matched by stem"
            )
    options = OutputOptions(
        formats=formats,
        note_map=note_map,
        score=args.score,
        tempo=args.tempo,
        meter=args.meter,
        grid=args.grid,
        tempo_map=args.beats == "auto",
        chart=args.chart,
        report=args.report,
        reference=reference,
        top_k=tuple(top_k.items()) if top_k else None,
    )
    paths = [str(p) for p in args.audio] + ([f"@{args.list}"] if args.list else [])
    if not paths:
        raise DrumnmfError("nothing to transcribe: give AUDIO files, folders, @LIST or --list")
    progress = not args.quiet and sys.stderr.isatty()
    out_dir = str(args.out_dir)
    client = None
    if args.scheduler:
        from drumnmf.cluster import connect

        client = connect(args.scheduler)
    try:
        summary = transcribe_many(
            paths,
            kit,
            out_dir,
            config,
            options=options,
            jobs=args.jobs or 1,
            force=args.force,
            client=client,
            progress=progress,
            callback=None if (progress or args.quiet) else _Printer(out_dir),
        )
    finally:
        if client is not None:
            client.close()
    totals = summary.totals
    for record in summary.failed:
        print(f"drumnmf: error: {record.error}", file=sys.stderr)
    for record in summary.files:
        for warning in record.warnings:
            print(f"drumnmf: {record.source}: {warning}", file=sys.stderr)
    pending = f", {totals['pending']} not started" if totals["pending"] else ""
    print(
        f"drumnmf: {totals['done']} done, {totals['skipped']} skipped (up to date), "
        f"{totals['failed']} failed{pending} of {totals['files']} file(s) in "
        f"{summary.seconds:.1f} s; summary in {summary.out_dir.rstrip('/')}/{RUN_FILE}",
        file=sys.stderr,
    )
    if summary.interrupted:
        print(
            "drumnmf: interrupted; run the same command again to continue",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if totals["failed"]:
        print(f"drumnmf: {totals['failed']} of {totals['files']} file(s) failed", file=sys.stderr)
        return 1
    return 0


class _Printer:
    """One line per finished file, as a one-file run prints it."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir.rstrip("/")

    def __call__(self, record: Any) -> None:
        if record.status != "done":
            return
        counts = ", ".join(f"{d} {n}" for d, n in record.counts)
        print(
            f"{record.source}: {record.audio_seconds:.1f} s | {counts} | "
            f"{record.seconds:.2f} s -> {self.out_dir}/{record.stem}.*",
            flush=True,
        )
