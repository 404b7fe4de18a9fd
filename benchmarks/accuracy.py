"""Accuracy and speed of named pipeline configurations on the development corpus.

Micro F over kick / snare / hi-hat at 50 ms (``reduce_classes(..., 3)``, onsets of one
class closer than ``min_interval`` merged; ``--classes 5`` adds tom and cymbal), per
corpus condition, with the seconds per transcription (from an array: STFT, features,
factorization, onsets). Every configuration is timed in the same worker processes, item
by item, so read the time *ratio* to the first configuration, not the absolute time.

Conditions: ``<split> drums`` / ``acc0db`` / ``acc-6db`` use each Groove kit's calibration
hits (``corpus/kits/<kit>/hits``, calibrated as the configuration's kit options say);
``<split> drums, default kit`` the shipped kit (or the configuration's default-kit file)
on the drums-only recordings; ``--split mdb`` the MDB tracks with their leaky kits.

    python benchmarks/accuracy.py --manifest corpus/manifest.json --split train \\
        --config paper --config default --step 3
    python benchmarks/accuracy.py --list

Uses a pool of ``--jobs`` processes (2), one BLAS thread each; run it under ``nice``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

from drumnmf.pipeline import TranscribeConfig

DRUMS = ("kick", "snare", "hihat")
DRUMS5 = ("kick", "snare", "hihat", "tom", "cymbal")


@dataclass(frozen=True)
class Variant:
    """A pipeline configuration and how its kits are made."""

    config: TranscribeConfig
    attack_frames: int | None = None  # None: the corpus kit.json; else recalibrate from hits
    default_kit: str | None = None  # a kit file replacing the built-in kit
    oracle: bool = False  # top-k picker with the reference counts


P = TranscribeConfig.paper()
D = TranscribeConfig()
VARIANTS: dict[str, Variant] = {
    "paper": Variant(P),
    "default": Variant(D),
    "default, oracle": Variant(replace(D, picker="topk"), oracle=True),
}
for _k in (1, 2, 3, 4):
    VARIANTS[f"default, attack {_k}"] = Variant(D, attack_frames=_k)
    VARIANTS[f"default, attack {_k}, oracle"] = Variant(
        replace(D, picker="topk"), attack_frames=_k, oracle=True
    )
VARIANTS["default, recalibrated"] = Variant(D, attack_frames=0)
for _x in (0.0, 0.1, 0.2, 0.3):
    VARIANTS[f"default, share {_x}"] = Variant(
        replace(D, min_band_share=_x, band_share_relative=0.0)
    )
VARIANTS["round 1 default"] = VARIANTS["default, share 0.0"]
for _n in (20, 40):
    VARIANTS[f"default, iter {_n}"] = Variant(replace(D, max_iter=_n))
    VARIANTS[f"default, iter {_n}, oracle"] = Variant(
        replace(D, max_iter=_n, picker="topk"), oracle=True
    )
VARIANTS["round 2 default"] = Variant(replace(D, crosstalk_ratio=0.0))
VARIANTS["round 2 default, oracle"] = Variant(
    replace(D, crosstalk_ratio=0.0, picker="topk"), oracle=True
)
for _r in (0.35, 0.5, 0.7, 1.0):
    for _c in (0.0, 0.3, 0.5, 0.7):
        VARIANTS[f"default, crosstalk {_r} sim {_c}"] = Variant(
            replace(D, crosstalk_ratio=_r, crosstalk_similarity=_c)
        )


def _kit_for(item, variant: Variant, default: bool, cache: dict):
    from drumnmf.kit import default_kit, load_kit

    if default:
        if variant.default_kit is None:
            return default_kit()
        return load_kit(variant.default_kit)
    if variant.attack_frames is None or item.leaky:
        return load_kit(item.kit)
    key = (item.kit, variant.attack_frames)
    if key not in cache:
        from drumnmf.evaluation.render import TEMPLATE_DRUMS
        from drumnmf.kit import calibrate

        stored = load_kit(item.kit)
        hits_dir = Path(item.kit).parent / "hits"
        sounds = [s.split(": ")[-1].removesuffix(" hit") for s in stored.sources]
        hits = [(TEMPLATE_DRUMS.get(s, s), hits_dir / f"{s}.wav") for s in sounds]
        cache[key] = calibrate(
            hits, settings=stored.settings, separate=True, attack_frames=variant.attack_frames
        )
    return cache[key]


_CACHE: dict = {}


def _work(job):
    from drumnmf.evaluation.metrics import score_onsets
    from drumnmf.io.annotations import load_annotations, reduce_classes
    from drumnmf.io.audio import load_audio
    from drumnmf.pipeline import transcribe

    condition, item, names, classes = job
    drums = DRUMS5 if classes == 5 else DRUMS
    default = condition.endswith("default kit")
    samples = load_audio(item.audio)
    reference = reduce_classes(load_annotations(item.reference), classes).onsets
    out = {}
    for name in names:
        variant = VARIANTS[name]
        kit = _kit_for(item, variant, default, _CACHE)
        top_k = None
        if variant.oracle:
            counts = {d: int(np.size(reference.get(d, ()))) for d in drums}
            top_k = {d: counts.get(d, 0) for d in kit.names}
        started = time.perf_counter()
        result = transcribe(samples, sample_rate=44100, kit=kit, config=variant.config, top_k=top_k)
        seconds = time.perf_counter() - started
        estimate = reduce_classes(result.onsets, classes, merge_window=variant.config.min_interval)
        scores = score_onsets(reference, estimate, drums=drums)
        out[name] = ({d: (s.tp, s.fp, s.fn) for d, s in scores.items()}, seconds)
    return condition, out


def _init() -> None:
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def jobs(manifest, split: str, names: list[str], step: int, default_kit: bool, classes: int = 3):
    out = []
    if split == "mdb":
        return [(item.subset, item, names, classes) for item in manifest.select("mdb")]
    chosen = sorted(manifest.select(f"groove/{split}/"), key=lambda i: i.id)
    by_subset: dict[str, list] = {}
    for item in chosen:
        by_subset.setdefault(item.subset, []).append(item)
    for items in by_subset.values():
        for item in items[::step]:
            condition = item.subset.split("/")[-1]
            out.append((f"{split} {condition}", item, names, classes))
            if condition == "drums" and default_kit:
                out.append((f"{split} drums, default kit", item, names, classes))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=Path("corpus/manifest.json"))
    parser.add_argument("--split", default="train", choices=("train", "validation", "mdb"))
    parser.add_argument("--config", action="append", metavar="NAME", help="a named variant")
    parser.add_argument("--step", type=int, default=1, help="every STEP-th item per subset")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--no-default-kit", action="store_true", help="skip the default kit")
    parser.add_argument(
        "--classes", type=int, default=3, choices=(3, 5), help="3 (k/s/h) or 5 (+ tom, cymbal)"
    )
    parser.add_argument("--json", type=Path, help="write the raw counts here")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, variant in VARIANTS.items():
            print(f"{name:32s} {variant}")
        return 0
    names = args.config or ["paper", "default"]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown config(s) {unknown}; see --list")
    from multiprocessing import Pool

    from threadpoolctl import threadpool_info

    from drumnmf.evaluation.corpus import load_manifest

    manifest = load_manifest(args.manifest)
    todo = jobs(manifest, args.split, names, args.step, not args.no_default_kit, args.classes)
    counts: dict = {}
    seconds: dict = {}
    with Pool(args.jobs, initializer=_init) as pool:
        for condition, out in pool.imap_unordered(_work, todo, chunksize=2):
            for name, (scores, dt) in out.items():
                s = seconds.setdefault(name, {}).setdefault(condition, [0.0, 0])
                s[0] += dt
                s[1] += 1
                for d, v in scores.items():
                    a = (
                        counts.setdefault(name, {})
                        .setdefault(condition, {})
                        .setdefault(d, [0, 0, 0])
                    )
                    for i in range(3):
                        a[i] += v[i]
    kernels = sorted({str(i.get("architecture")) for i in threadpool_info()})
    print(
        f"# split {args.split}, step {args.step}, {args.classes} classes, {len(todo)} jobs, "
        f"BLAS kernel {kernels}"
    )
    base = None
    for name in names:
        total = sum(v[0] for v in seconds[name].values()) / sum(
            v[1] for v in seconds[name].values()
        )
        base = base or total
        for condition in sorted(counts[name]):
            tp, fp, fn = np.sum(list(counts[name][condition].values()), axis=0)
            f = 2 * tp / max(1, 2 * tp + fp + fn)
            per = " / ".join(
                f"{2 * v[0] / max(1, 2 * v[0] + v[1] + v[2]):.3f}"
                for v in counts[name][condition].values()
            )
            label = "k/s/h" if args.classes == 3 else "k/s/h/t/c"
            print(f"{name:30s} {condition:28s} micro {f:.3f}  ({label} {per})")
        print(f"{name:30s} {'s / item':28s} {total:.3f}  ({total / base:.2f}x the first)")
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "seconds": seconds}, indent=1))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
