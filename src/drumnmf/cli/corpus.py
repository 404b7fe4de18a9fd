"""``drumnmf corpus``: build the development corpus, or summarise one."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from drumnmf.cli._help import HelpFormatter
from drumnmf.errors import DrumnmfError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "corpus",
        help="build the development corpus (rendered Groove MIDI + MDB Drums) or summarise it",
        description=(
            "Build the development corpus from the shared data folder (Groove MIDI, MDB Drums) "
            "and Debian's Hydrogen drum kits: Groove MIDI beats rendered with four real kits, "
            "drum-only and mixed with real accompaniment at 0 and -6 dB, each with a kit "
            "calibrated on the same sample kit; and the MDB Drums tracks. Writes audio, "
            "reference onsets, kits and manifest.json into --out. Installs the Debian kits "
            "first when they are missing and you are root."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf corpus build --out corpus/\n"
            "  drumnmf corpus build --out corpus/ --max-per-split 40 --splits train validation\n"
            "  drumnmf corpus build --out /tmp/small --max-per-split 2 --kits GMRockKit --no-mdb\n"
            "  drumnmf corpus info corpus/"
        ),
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build (or update) a corpus folder",
        description=(
            "Build the corpus into --out: Groove MIDI beats rendered with Hydrogen kits (drums "
            "only, and mixed with accompaniment at each --ratio-db), a kit calibrated on each "
            "sample kit, the MDB Drums tracks, and manifest.json. Each kit also gets "
            "calibration recordings of every piece it plays (one medium hit; hits at "
            "velocities 30, 60, 90, 120) and the protocol kits kits/<Kit>/protocols/"
            "{paper3,full,velocities}.json, and each Groove item a reference with velocities "
            "(velocity/<name>.csv). An item's accompaniment depends on the item alone, so "
            "limited builds have the same mixes as the full one. Audio already there is kept "
            "unless --force, so an interrupted build resumes."
        ),
        epilog=(
            "examples:\n"
            "  drumnmf corpus build --out corpus/\n"
            "  drumnmf corpus build --out /tmp/small --max-per-split 2 --kits GMRockKit --no-mdb\n"
            "  drumnmf corpus build --out corpus/ --kits-only"
        ),
        formatter_class=HelpFormatter,
    )
    build.add_argument("--out", "-o", required=True, type=Path, help="corpus folder")
    build.add_argument(
        "--shared",
        type=Path,
        metavar="DIR",
        help="folder holding groove_midi/ and mdb_drums/ (default: shared/data in the working "
        "directory or the nearest parent that has one, e.g. ../shared/data from the "
        "repository root)",
    )
    build.add_argument(
        "--max-per-split",
        type=int,
        metavar="N",
        help="render at most N performances per split (evenly spread; default: all)",
    )
    build.add_argument(
        "--max-seconds", type=float, default=30.0, help="seconds of each performance"
    )
    build.add_argument(
        "--splits",
        nargs="+",
        default=["train", "validation"],
        choices=("train", "validation"),
        help="Groove MIDI splits (default: train validation)",
    )
    build.add_argument(
        "--kits",
        nargs="+",
        metavar="KIT",
        help="Hydrogen kits (default: GMRockKit BJA_Pacific Millo_MultiLayered3 "
        "ColomboAcousticDrumkit)",
    )
    build.add_argument(
        "--ratio-db",
        nargs="*",
        type=float,
        default=[0.0, -6.0],
        help="drum-to-accompaniment ratios of the mixes, dB (default: 0 -6)",
    )
    build.add_argument("--no-mdb", action="store_true", help="leave out the MDB Drums tracks")
    build.add_argument(
        "--force", action="store_true", help="rewrite audio that exists (--kits-only: the kits)"
    )
    build.add_argument(
        "--kits-only",
        action="store_true",
        help="add only the calibration protocols (hits of every piece, at one and at 4 "
        "velocities, and the paper3/full/velocities kits) and the velocity references to "
        "the corpus in --out; nothing there is rewritten (with --force: the protocol kits "
        "are recalibrated from their recordings)",
    )
    build.add_argument(
        "--no-install",
        action="store_true",
        help="never run apt-get; fail with the command to run instead",
    )
    build.set_defaults(func=run)
    info = actions.add_parser(
        "info",
        help="list a corpus's subsets and sizes",
        description=(
            "Summarise a corpus built by 'drumnmf corpus build': for each subset (kit and "
            "mix), its number of items and minutes of audio, marking subsets whose kits were cut "
            "from the same recordings (leaky kits: optimistic scores); then the total."
        ),
        epilog=(
            "examples:\n  drumnmf corpus info corpus/\n  drumnmf corpus info corpus/manifest.json"
        ),
        formatter_class=HelpFormatter,
    )
    info.add_argument("corpus", type=Path, help="corpus folder or manifest.json")
    info.set_defaults(func=run)


def _install(missing: list[str], *, allowed: bool) -> None:
    from drumnmf.evaluation.corpus import install_command

    command = install_command()
    can_install = (
        allowed and shutil.which("apt-get") is not None and hasattr(os, "geteuid")
    ) and os.geteuid() == 0
    if not can_install:
        raise DrumnmfError(
            f"Hydrogen kit(s) {', '.join(missing)} are missing; install them with: "
            f"sudo {' '.join(command)}"
        )
    print(f"installing Debian packages: {' '.join(command)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env, check=False).returncode != 0:
        raise DrumnmfError(f"'{' '.join(command)}' failed; run it yourself and retry")


def run(args: argparse.Namespace) -> int:
    from drumnmf.evaluation.corpus import (
        CORPUS_KITS,
        add_protocols,
        build_corpus,
        load_manifest,
        missing_dependencies,
    )

    if args.corpus_command == "info":
        manifest = load_manifest(args.corpus)
        for subset in manifest.subsets:
            items = manifest.select(subset)
            items = tuple(i for i in items if i.subset == subset)
            minutes = sum(i.duration for i in items) / 60
            leaky = " (leaky kits)" if any(i.leaky for i in items) else ""
            print(f"{subset}: {len(items)} items, {minutes:.1f} min{leaky}")
        print(f"{len(manifest.items)} items in {manifest.root}")
        return 0

    if args.kits_only:
        started = time.perf_counter()
        written = add_protocols(
            args.out,
            shared=args.shared,
            force=args.force,
            progress=lambda line: print(line, flush=True),
        )
        print(f"added {len(written)} file(s) to {args.out}, {time.perf_counter() - started:.0f} s")
        return 0
    kits = tuple(args.kits) if args.kits else CORPUS_KITS
    if args.max_per_split is not None and args.max_per_split < 1:
        raise DrumnmfError(f"--max-per-split must be >= 1, got {args.max_per_split}")
    missing = missing_dependencies(kits=kits)
    if missing:
        _install(missing, allowed=not args.no_install)
    started = time.perf_counter()
    manifest = build_corpus(
        args.out,
        shared=args.shared,
        kits=kits,
        splits=tuple(args.splits),
        max_per_split=args.max_per_split,
        max_seconds=args.max_seconds,
        ratios_db=tuple(args.ratio_db),
        mdb=not args.no_mdb,
        force=args.force,
        progress=lambda line: print(line, flush=True),
    )
    seconds = time.perf_counter() - started
    hours = sum(i.duration for i in manifest.items) / 3600
    print(
        f"wrote {manifest.root / 'manifest.json'}: {len(manifest.items)} items in "
        f"{len(manifest.subsets)} subsets, {hours:.1f} h of audio, {seconds:.0f} s"
    )
    sys.stdout.flush()
    return 0
