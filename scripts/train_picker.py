"""Train the learned onset picker (``picker="learned"``) and write src/drumnmf/data/picker.json.

Only the development corpus's Groove *train* split is read for training: ``--per-subset``
performances of each of its 12 subsets (4 kits x drums only, accompaniment at 0 dB and
at -6 dB), each transcribed with its own calibrated kit and ``TranscribeConfig()``. Every
candidate peak of every family row (:func:`drumnmf.learned.candidate_features`) is
labelled a hit when it matches, one to one within 50 ms, a reference onset of its class
(the 5-class vocabulary: kick, snare, hi-hat, tom, cymbal), as ``drumnmf evaluate``
matches. A small network (scikit-learn's ``MLPClassifier``, ReLU, seeded; or logistic
regression) is fitted on the standardized features, the threshold on its probability is
the one with the best micro F (kick, snare, hi-hat) on the same train items, and the
weights go to the JSON, with the feature names, this command, the item count and the
train scores. drumnmf evaluates it in numpy (scikit-learn is only needed here).

The factorizations are cached in ``--cache`` (``runs/picker``, git-ignored): a second run
only refits. Delete the folder after changing the factorization stages.

With ``--evaluate``, the shipped picker and the default one (``"db"``) are then scored on
the Groove *validation* split and the MDB tracks (never used for training or the
threshold), per subset, and the table is printed (and written to ``--report``).

    python scripts/train_picker.py --corpus corpus                 # train, write the JSON
    python scripts/train_picker.py --corpus corpus --evaluate      # ... and score
    python scripts/train_picker.py --corpus corpus --evaluate-only --report /tmp/t.md
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import (
    ExperimentItem,
    corpus_items,
    read_reference,
    read_samples,
    select_items,
)
from drumnmf.kit import Kit, load_kit
from drumnmf.learned import FEATURES, LearnedPicker, candidate_features, pick_learned
from drumnmf.pipeline import TranscribeConfig
from drumnmf.spectrogram import frames_to_seconds

ROOT = Path(__file__).resolve().parents[1]
WINDOW = 0.05  # s, the scoring window
SCORED = ("kick", "snare", "hihat")
# The stages before the onsets: a change to them is a new cache key.
FACTORIZATION_CODE = (
    "blockwise.py",
    "features.py",
    "filters.py",
    "spectrogram.py",
    "kit.py",
    "factorization/__init__.py",
    "factorization/nenmf.py",
    "factorization/mur.py",
    "io/audio.py",
)
EVALUATION_SUBSETS = ("groove/validation", "mdb")


# ----------------------------------------------------------------------------- factorizing


def _cache_key(item: ExperimentItem, config: TranscribeConfig) -> str:
    package = ROOT / "src" / "drumnmf"
    digest = hashlib.sha256()
    for name in FACTORIZATION_CODE:
        digest.update((package / name).read_bytes())
    stats = []
    for path in (item.audio, item.reference, item.kit):
        info = Path(path).stat() if path is not None else None
        stats.append(None if info is None else [info.st_size, info.st_mtime_ns])
    settings = {k: v for k, v in config.to_dict().items() if k != "picker"}
    document = {
        "code": digest.hexdigest(),
        "item": item.to_dict(),
        "files": stats,
        "config": settings,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]


def _factorize(item: ExperimentItem, cache: Path) -> Path:
    """Transcribe one item with TranscribeConfig() and keep its factorization."""
    from threadpoolctl import threadpool_limits

    from drumnmf.pipeline import transcribe

    config = TranscribeConfig()
    path = cache / f"{_cache_key(item, config)}.npz"
    if path.is_file():
        return path
    assert item.kit is not None
    kit = load_kit(item.kit)
    rate = kit.settings.sample_rate
    with threadpool_limits(limits=1):
        result = transcribe(read_samples(item, rate), kit=kit, config=config, sample_rate=rate)
    frames = {d: np.round(t / kit.settings.frame_seconds) for d, t in result.onsets.items()}
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez(
        partial,
        templates=result.factorization.templates,
        activations=result.factorization.drum_activations,
        factorized=result.factorized,
        pipeline=json.dumps({d: f.astype(int).tolist() for d, f in frames.items()}),
    )
    partial.replace(path)
    return path


def factorize_all(items: Sequence[ExperimentItem], cache: Path, jobs: int) -> list[Path]:
    """Every item's cached factorization (made in ``jobs`` worker processes if missing)."""
    if jobs <= 1:
        return [_factorize(item, cache) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(_factorize, items, [cache] * len(items), chunksize=8))


class Factorized:
    """One item's cached factorization with its kit and reference."""

    def __init__(self, item: ExperimentItem, path: Path, classes: int) -> None:
        data = np.load(path)
        self.item = item
        assert item.kit is not None
        self.kit: Kit = load_kit(item.kit)
        self.templates = data["templates"]
        self.activations = data["activations"]
        self.factorized = data["factorized"]
        self.pipeline = {
            d: np.asarray(f, dtype=np.int64) for d, f in json.loads(str(data["pipeline"])).items()
        }
        self.reference = read_reference(item, classes=classes)
        self.frame_rate = 1.0 / self.kit.settings.frame_seconds


# ----------------------------------------------------------------------------- labelling


def _class5(drum: str) -> str | None:
    from drumnmf.io.annotations import CANONICAL_DRUMS, reduce_classes

    if drum not in CANONICAL_DRUMS:
        return None
    reduced = reduce_classes({drum: np.zeros(1)}, 5)
    return next((c for c, t in reduced.items() if t.size), None)


def match_strongest(reference: np.ndarray, times: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """One-to-one labels: the strongest candidates first, each to its nearest free reference
    onset within the window (a weaker wobble beside a hit is not the hit)."""
    y = np.zeros(times.size, dtype=bool)
    free = np.ones(reference.size, dtype=bool)
    for j in np.argsort(-strength, kind="stable"):
        if not free.any():
            break
        gap = np.abs(reference - times[j])
        gap[~free] = np.inf
        k = int(np.argmin(gap))
        if gap[k] <= WINDOW + 1e-9:
            free[k] = False
            y[j] = True
    return y


def labelled(
    entry: Factorized, config: TranscribeConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and scored-class flags of every candidate of one item."""
    found = candidate_features(
        entry.kit,
        entry.templates,
        entry.activations,
        entry.factorized,
        frame_rate=entry.frame_rate,
        families=config.families,
        min_interval=config.min_interval,
        window=config.threshold_window,
        similarity=config.crosstalk_similarity,
        onset_timing=config.onset_timing,
    )
    xs, ys, scored = [], [], []
    by_class: dict[str, list[int]] = {}
    for k, cands in enumerate(found):
        cls = _class5(cands.drum)
        if cls is not None:
            by_class.setdefault(cls, []).append(k)
    for k, cands in enumerate(found):
        cls = _class5(cands.drum)
        if cls is None or by_class[cls][0] != k:
            continue
        members = [found[j] for j in by_class[cls]]
        x = np.concatenate([c.features for c in members])
        times = np.concatenate([frames_to_seconds(c.frames, entry.kit.settings) for c in members])
        reference = entry.reference.get(cls, np.zeros(0))
        y = match_strongest(reference, times, x[:, FEATURES.index("max_db")])
        xs.append(x)
        ys.append(y)
        scored.append(np.full(times.size, cls in SCORED))
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(scored)


# ----------------------------------------------------------------------------- fitting


def fit(
    x: np.ndarray, y: np.ndarray, *, hidden: Sequence[int], seed: int, alpha: float
) -> LearnedPicker:
    """A network (or, without hidden layers, logistic regression) on standardized features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    if hidden:
        from sklearn.neural_network import MLPClassifier

        model = MLPClassifier(
            hidden_layer_sizes=tuple(hidden),
            activation="relu",
            alpha=alpha,
            batch_size=1024,
            learning_rate_init=1e-3,
            max_iter=60,
            tol=1e-5,
            n_iter_no_change=6,
            random_state=seed,
        )
        model.fit(z, y)
        layers = tuple(
            (np.asarray(w), np.asarray(b))
            for w, b in zip(model.coefs_, model.intercepts_, strict=True)
        )
    else:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1.0 / max(alpha, 1e-9), max_iter=1000)
        model.fit(z, y)
        layers = ((model.coef_.T.copy(), model.intercept_.copy()),)
    return LearnedPicker(features=FEATURES, mean=mean, scale=scale, layers=layers, threshold=0.5)


def best_threshold(p: np.ndarray, y: np.ndarray, n_reference: int) -> tuple[float, float]:
    """The probability threshold with the best micro F on labelled candidates, and that F."""
    order = np.argsort(-p, kind="stable")
    tp = np.cumsum(y[order])
    kept = np.arange(1, order.size + 1)
    f = 2.0 * tp / (n_reference + kept)
    best = int(np.argmax(f))
    return float(p[order][best]), float(f[best])


# ----------------------------------------------------------------------------- scoring


def _estimate(
    entry: Factorized, config: TranscribeConfig, picker: LearnedPicker | None
) -> dict[str, np.ndarray]:
    from drumnmf.evaluation.metrics import scoring_classes
    from drumnmf.io.annotations import CANONICAL_DRUMS
    from drumnmf.picking import pick_onsets

    if config.picker == "learned":
        picked = pick_learned(
            entry.kit, entry.templates, entry.activations, entry.factorized, config,
            frame_rate=entry.frame_rate, picker=picker,
        )  # fmt: skip
    else:
        picked = pick_onsets(
            entry.kit, entry.templates, entry.activations, entry.factorized, config,
            frame_rate=entry.frame_rate,
        )  # fmt: skip
    onsets = {
        d: frames_to_seconds(f, entry.kit.settings)
        for d, f in picked.frames.items()
        if d in CANONICAL_DRUMS
    }
    return dict(scoring_classes(onsets, 3))


def score(
    entries: Iterable[Factorized], config: TranscribeConfig, picker: LearnedPicker | None = None
) -> dict[str, float]:
    """Micro P / R / F over kick, snare and hi-hat, as ``drumnmf evaluate`` scores."""
    from drumnmf.evaluation.metrics import evaluate

    chosen = list(entries)
    references = {e.item.id: {c: e.reference.get(c, np.zeros(0)) for c in SCORED} for e in chosen}
    estimates = {e.item.id: _estimate(e, config, picker) for e in chosen}
    result = evaluate(references, estimates, window=WINDOW, drums=SCORED)
    total = result.micro_total
    return {
        "files": len(chosen),
        "precision": total.precision,
        "recall": total.recall,
        "f": total.f_measure,
    }


def subsets_of(entries: Sequence[Factorized]) -> list[tuple[str, list[Factorized]]]:
    """Per condition (kits pooled, ``*`` for the kit), then per subset."""
    groups: dict[str, list[Factorized]] = {}
    for e in entries:
        parts = e.item.subset.split("/")
        if parts[0] == "groove" and len(parts) == 4:
            groups.setdefault(f"groove/{parts[1]}/*/{parts[3]}", []).append(e)
        groups.setdefault(e.item.subset, []).append(e)

    def rank(name: str) -> tuple:
        parts = name.split("/")
        condition = parts[-1]
        order = {"drums": 0, "acc0db": 1, "acc-6db": 2, "acc": 1, "mix": 2}.get(condition, 9)
        return (parts[0] != "groove", order, parts[2] != "*" if len(parts) > 2 else False, name)

    return sorted(groups.items(), key=lambda kv: rank(kv[0]))


def comparison_table(entries: Sequence[Factorized], picker: LearnedPicker | None) -> str:
    default = TranscribeConfig(picker="db")
    learned = replace(default, picker="learned")
    lines = [
        "| subset | files | db P | R | F | learned P | R | F | F difference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, group in subsets_of(entries):
        a, b = score(group, default), score(group, learned, picker)
        label = f"**{name}**" if "*" in name else name
        lines.append(
            f"| {label} | {a['files']} | {a['precision']:.3f} | {a['recall']:.3f} | {a['f']:.3f} | "
            f"{b['precision']:.3f} | {b['recall']:.3f} | {b['f']:.3f} | {b['f'] - a['f']:+.3f} |"
        )
    return "\n".join(lines)


def velocity_table(entries: Sequence[Factorized], picker: LearnedPicker | None) -> str:
    """Recall per reference velocity band (Groove, kits pooled per condition), both pickers."""
    from drumnmf.evaluation.protocols import velocity_reference_path
    from drumnmf.evaluation.velocity import VELOCITY_BANDS, evaluate_velocity
    from drumnmf.io.annotations import Annotations, load_annotations

    default = TranscribeConfig(picker="db")
    learned = replace(default, picker="learned")
    bands = [b for b, _, _ in VELOCITY_BANDS]
    lines = [
        "| condition | class | picker | " + " | ".join(f"R {b}" for b in bands) + " |",
        "|---|---|---|" + "---:|" * len(bands),
    ]
    for name, group in subsets_of(entries):
        if "*" not in name:
            continue
        references = {}
        for e in group:
            path = velocity_reference_path(e.item.reference)
            if path.is_file():
                references[e.item.id] = load_annotations(path)
        if not references:
            continue
        for label, config in (("db", default), ("learned", learned)):
            estimates = {e.item.id: Annotations(onsets=_estimate(e, config, picker)) for e in group}
            result = evaluate_velocity(references, estimates, classes=3, window=WINDOW)
            if result is None:
                continue
            for cls in SCORED:
                cells = " | ".join(f"{result.bands[cls][b].recall:.3f}" for b in bands)
                lines.append(f"| {name} | {cls} | {label} | {cells} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def _git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _load(
    items: Sequence[ExperimentItem], cache: Path, jobs: int, classes: int
) -> list[Factorized]:
    paths = factorize_all(items, cache, jobs)
    return [Factorized(item, path, classes) for item, path in zip(items, paths, strict=True)]


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: v if isinstance(v, int) else round(float(v), 4) for k, v in scores.items()}


def held_out(
    entries: Sequence[Factorized], parts: Sequence[tuple], args: argparse.Namespace
) -> dict[str, Any]:
    """Fit on all but a random share of the train items; score both pickers on the rest."""
    rng = np.random.default_rng(args.seed)
    held = rng.random(len(entries)) < args.holdout
    owner = np.concatenate([np.full(p[0].shape[0], h) for p, h in zip(parts, held, strict=True)])
    scored = np.concatenate([p[2] for p in parts])
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    fitted = [e for e, h in zip(entries, held, strict=True) if not h]
    rest = [e for e, h in zip(entries, held, strict=True) if h]
    model = fit(x[~owner], y[~owner], hidden=args.hidden, seed=args.seed, alpha=args.alpha)
    n_reference = sum(int(e.reference[c].size) for e in fitted for c in SCORED)
    chosen = ~owner & scored
    threshold, _ = best_threshold(model.probability(x[chosen]), y[chosen], n_reference)
    model = replace(model, threshold=threshold)
    config = TranscribeConfig(picker="db")
    return {
        "share": args.holdout,
        "items": len(rest),
        "db": _rounded(score(rest, config)),
        "learned": _rounded(score(rest, replace(config, picker="learned"), model)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / "corpus", help="corpus folder (manifest.json)"
    )
    parser.add_argument(
        "--per-subset", type=int, default=40, help="train performances per subset (40)"
    )
    parser.add_argument(
        "--cache", type=Path, default=ROOT / "runs" / "picker", help="factorization cache"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[16],
        help="hidden layer widths (16); none: logistic",
    )
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty (1e-4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src" / "drumnmf" / "data" / "picker.json"
    )
    parser.add_argument(
        "--holdout",
        type=float,
        default=0.0,
        help="also report F on this share of train items held out (model choice)",
    )
    parser.add_argument(
        "--evaluate", action="store_true", help="then score db vs learned on validation and MDB"
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="score the picker in --out, do not train"
    )
    parser.add_argument("--report", type=Path, help="write the evaluation table here")
    args = parser.parse_args(argv)

    clock = time.perf_counter()
    items = corpus_items(args.corpus)
    config = TranscribeConfig(picker="db")
    if not args.evaluate_only:
        train = select_items(
            items, subsets=("groove/train",), splits=("train",), limit=args.per_subset
        )
        if not train:
            raise DrumnmfError(f"no Groove train items in '{args.corpus}'")
        print(f"{len(train)} train items; factorizing into {args.cache} ...", file=sys.stderr)
        entries = _load(train, args.cache, args.jobs, classes=5)
        print(f"  {time.perf_counter() - clock:.0f} s; features ...", file=sys.stderr)
        parts = [labelled(e, config) for e in entries]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        scored = np.concatenate([p[2] for p in parts])
        n_reference = sum(int(e.reference[c].size) for e in entries for c in SCORED)
        print(f"  {x.shape[0]} candidates, {int(y.sum())} hits; fitting ...", file=sys.stderr)
        holdout: dict[str, Any] = {}
        if args.holdout > 0:
            holdout = held_out(entries, parts, args)
            print(f"  held out: {holdout}", file=sys.stderr)
        model = fit(x, y, hidden=args.hidden, seed=args.seed, alpha=args.alpha)
        threshold, f_train = best_threshold(model.probability(x[scored]), y[scored], n_reference)
        model = replace(model, threshold=round(threshold, 4))
        learned = replace(config, picker="learned")
        train_scores: dict[str, Any] = {}
        for name, group in subsets_of(entries):
            if "*" in name:
                train_scores[name] = {
                    "db": score(group, config),
                    "learned": score(group, learned, model),
                }
        train_scores["groove/train (all)"] = {
            "db": score(entries, config),
            "learned": score(entries, learned, model),
        }
        command = "python scripts/train_picker.py " + shlex.join(
            a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--evaluate",)
        )
        model = replace(
            model,
            info={
                "command": command.strip(),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "git": _git_revision(),
                "split": "groove/train",
                "train_items": len(entries),
                "per_subset": args.per_subset,
                "candidates": int(x.shape[0]),
                "hits": int(y.sum()),
                "model": f"MLP {list(args.hidden)} ReLU" if args.hidden else "logistic regression",
                "alpha": args.alpha,
                "seed": args.seed,
                "candidate_f": round(f_train, 4),
                "holdout": holdout,
                "train_scores": {
                    k: {p: _rounded(s) for p, s in d.items()} for k, d in train_scores.items()
                },
            },
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(
            f"wrote {args.out} (threshold {model.threshold}, candidate F {f_train:.4f})",
            file=sys.stderr,
        )
        for name, d in train_scores.items():
            print(
                f"  train {name}: db F {d['db']['f']:.3f}, learned F {d['learned']['f']:.3f}",
                file=sys.stderr,
            )
    if args.evaluate or args.evaluate_only:
        from drumnmf.learned import load_picker

        picker = load_picker(args.out)
        chosen = select_items(items, subsets=EVALUATION_SUBSETS, splits=("validation", "dev"))
        print(f"{len(chosen)} evaluation items ...", file=sys.stderr)
        entries = _load(chosen, args.cache, args.jobs, classes=3)
        table = comparison_table(entries, picker) + "\n\n" + velocity_table(entries, picker)
        print(table)
        if args.report:
            args.report.write_text(table + "\n", encoding="utf-8")
    print(f"{time.perf_counter() - clock:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
