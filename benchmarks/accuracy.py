"""Accuracy and speed of named pipeline configurations on the development corpus.

Micro F over kick / snare / hi-hat at 50 ms (``scoring_classes(..., 3)``, the rule of
``drumnmf evaluate``: only onsets of one class at the same instant merge; ``--classes 5``
adds tom and cymbal), per
corpus condition, with the seconds per transcription (from an array: STFT, features,
factorization, onsets). A configuration whose picker is ``topk`` is scored with the oracle
top-k picker (k = the number of reference onsets per class and file). Every configuration
runs in the same worker processes, item by item, so read the time *ratio* to the first
configuration, not the absolute time.

Conditions: ``<split> drums`` / ``acc0db`` / ``acc-6db`` pool the Groove subsets of that
condition over the kits, each item with its calibrated kit; ``<split> drums, default kit``
the built-in kit on the drums-only recordings; ``--split mdb`` the MDB tracks with their
leaky kits.

    python benchmarks/accuracy.py --manifest corpus/manifest.json --split train \\
        --config paper --config default --step 3
    python benchmarks/accuracy.py --list

The runs are :func:`drumnmf.evaluation.experiments.run_variants` (a pool of ``--jobs``
processes, 2, one BLAS thread each; run it under ``nice``) scored with
:func:`drumnmf.evaluation.experiments.score`; configurations are named here, in
:data:`drumnmf.evaluation.experiments.ABLATIONS`, or given with ``--variant``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from drumnmf.evaluation.experiments import (
    ABLATIONS,
    ExperimentItem,
    Run,
    Variant,
    corpus_items,
    describe_config,
    parse_variant,
    provenance,
    run_variants,
    score,
    select_items,
)
from drumnmf.pipeline import TranscribeConfig

DEFAULT_KIT = ", default kit"  # suffix of the condition (and of the variant run with that kit)

P = TranscribeConfig.paper()
D = TranscribeConfig(picker="db")  # the dB pipeline: its gates are what the variants change
VARIANTS: dict[str, TranscribeConfig] = {
    "paper": P,
    "default": D,
    "default, oracle": replace(D, picker="topk"),
}
for _x in (0.0, 0.1, 0.2, 0.3):
    VARIANTS[f"default, share {_x}"] = replace(D, min_band_share=_x, band_share_relative=0.0)
VARIANTS["round 1 default"] = VARIANTS["default, share 0.0"]
for _n in (20, 40):
    VARIANTS[f"default, iter {_n}"] = replace(D, max_iter=_n)
    VARIANTS[f"default, iter {_n}, oracle"] = replace(D, max_iter=_n, picker="topk")
VARIANTS["round 2 default"] = replace(D, crosstalk_ratio=0.0)
VARIANTS["round 2 default, oracle"] = replace(D, crosstalk_ratio=0.0, picker="topk")
for _r in (0.35, 0.5, 0.7, 1.0):
    for _c in (0.0, 0.3, 0.5, 0.7):
        VARIANTS[f"default, crosstalk {_r} sim {_c}"] = replace(
            D, crosstalk_ratio=_r, crosstalk_similarity=_c
        )


def named_variants() -> dict[str, Variant]:
    """Every configuration ``--config`` accepts: this script's, then the package's ablations."""
    named = {
        name: Variant(name, config, description=describe_config(config))
        for name, config in VARIANTS.items()
    }
    return {**named, **{v.name: v for v in ABLATIONS if v.name not in named}}


def choose_items(
    items: Sequence[ExperimentItem], split: str, step: int
) -> tuple[ExperimentItem, ...]:
    """The split's items (Groove: every ``step``-th of each subset, in id order; MDB: all)."""
    if split == "mdb":
        return select_items(items, subsets=("mdb",))
    by_subset: dict[str, list[ExperimentItem]] = {}
    for item in sorted(select_items(items, subsets=(f"groove/{split}",)), key=lambda i: i.id):
        by_subset.setdefault(item.subset, []).append(item)
    return tuple(item for group in by_subset.values() for item in group[::step])


def condition(run: Run, split: str) -> str:
    """The row a run counts in: ``train drums``, ``train drums, default kit``, ``mdb/acc``..."""
    if split == "mdb":
        return run.item.subset
    suffix = DEFAULT_KIT if run.variant.endswith(DEFAULT_KIT) else ""
    return f"{split} {run.item.subset.rsplit('/', 1)[-1]}{suffix}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=Path("corpus/manifest.json"))
    parser.add_argument("--split", default="train", choices=("train", "validation", "mdb"))
    parser.add_argument("--config", action="append", metavar="NAME", help="a named variant")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="SPEC",
        help="a variant 'NAME: key=value, ...' (as drumnmf experiment accuracy --variant)",
    )
    parser.add_argument("--step", type=int, default=1, help="every STEP-th item per subset")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--no-default-kit", action="store_true", help="skip the default kit")
    parser.add_argument(
        "--classes", type=int, default=3, choices=(3, 5), help="3 (k/s/h) or 5 (+ tom, cymbal)"
    )
    parser.add_argument("--json", type=Path, help="write the raw counts here")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    args = parser.parse_args(argv)
    named = named_variants()
    if args.list:
        for name, variant in named.items():
            print(f"{name:32s} {variant.description}")
        return 0
    if args.step < 1:
        parser.error(f"--step must be >= 1, got {args.step}")
    unknown = [n for n in args.config or () if n not in named]
    if unknown:
        parser.error(f"unknown config(s) {unknown}; see --list")
    chosen = [named[n] for n in args.config or ()] + [parse_variant(s) for s in args.variant]
    chosen = chosen or [named["paper"], named["default"]]
    names = [v.name for v in chosen]
    runs_of = list(chosen)
    if not args.no_default_kit and args.split != "mdb":
        runs_of += [
            replace(v, name=v.name + DEFAULT_KIT, kit="default", subsets=("groove/*/*/drums",))
            for v in chosen
        ]
    items = choose_items(corpus_items(args.manifest), args.split, args.step)
    results = run_variants(items, runs_of, jobs=args.jobs, classes=args.classes)
    for failure in results.failures:
        print(f"failed: {failure.item} ({failure.variant}): {failure.message}", file=sys.stderr)

    kernels = sorted({str(b.get("architecture")) for b in provenance()["blas"]})
    print(
        f"# split {args.split}, step {args.step}, {args.classes} classes, "
        f"{len(results.runs) // len(names)} jobs, BLAS kernel {kernels}"
    )
    counts: dict[str, dict[str, dict[str, list[int]]]] = {}
    seconds: dict[str, dict[str, list[float]]] = {}
    base = None
    label = "k/s/h" if args.classes == 3 else "k/s/h/t/c"
    for variant in chosen:
        name = variant.name
        runs = [r for r in results.runs if r.variant in (name, name + DEFAULT_KIT)]
        if not runs:
            continue
        by_condition: dict[str, list[Run]] = {}
        for run in runs:
            by_condition.setdefault(condition(run, args.split), []).append(run)
        for where in sorted(by_condition):
            scores = score(by_condition[where], variant.config.picker)
            micro = {d: scores.micro[d] for d in scores.drums}
            counts.setdefault(name, {})[where] = {d: [s.tp, s.fp, s.fn] for d, s in micro.items()}
            spent = [r.seconds["total"] - r.seconds["load"] for r in by_condition[where]]
            seconds.setdefault(name, {})[where] = [sum(spent), len(spent)]
            per = " / ".join(f"{s.f_measure:.3f}" for s in micro.values())
            total_f = scores.micro_total.f_measure
            print(f"{name:30s} {where:28s} micro {total_f:.3f}  ({label} {per})")
        mean = sum(v[0] for v in seconds[name].values()) / len(runs)
        base = base or mean
        print(f"{name:30s} {'s / item':28s} {mean:.3f}  ({mean / base:.2f}x the first)")
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "seconds": seconds}, indent=1))
    sys.stdout.flush()
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
