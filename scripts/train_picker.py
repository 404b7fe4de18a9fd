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
import math
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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
KIT_SOURCES = ("item", "default", "paper3", "full", "velocities")


@dataclass(frozen=True)
class Unit:
    """One item transcribed with one kit (``kit``: the item's own calibrated one, the
    built-in ``default``, or a calibration protocol's of the same sample kit) and its audio
    scaled by ``gain_db``."""

    item: ExperimentItem
    kit: str = "item"
    gain_db: float = 0.0

    @property
    def id(self) -> str:
        return self.item.id + self.tag

    @property
    def tag(self) -> str:
        """`` [kit, +x dB]`` for anything but the item's own kit at its own gain."""
        parts = [] if self.kit == "item" else [self.kit]
        if self.gain_db:
            parts.append(f"{self.gain_db:+.1f} dB")
        return f" [{', '.join(parts)}]" if parts else ""

    @property
    def group(self) -> str:
        """The tag without the gain's value (``[item, gain]``): how scores are pooled."""
        parts = [] if self.kit == "item" else [self.kit]
        if self.gain_db:
            parts = [*(parts or ["item"]), "gain"]
        return f" [{', '.join(parts)}]" if parts else ""

    @property
    def kit_path(self) -> Path | None:
        from drumnmf.evaluation.protocols import protocol_kit_path

        if self.kit == "default":
            return None
        assert self.item.kit is not None
        return self.item.kit if self.kit == "item" else protocol_kit_path(self.item.kit, self.kit)

    def load_kit(self) -> Kit:
        from drumnmf.kit import default_kit

        path = self.kit_path
        return default_kit() if path is None else load_kit(path)


def seeded_gain(item: ExperimentItem, low: float, high: float, seed: int) -> float:
    """A gain in [low, high] dB drawn from the item's name and the seed (0.1 dB steps)."""
    digest = hashlib.sha256(f"{seed}:{item.id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    return round(low + (high - low) * u, 1)


# ----------------------------------------------------------------------------- factorizing


def _cache_key(unit: Unit, config: TranscribeConfig) -> str:
    item = unit.item
    package = ROOT / "src" / "drumnmf"
    digest = hashlib.sha256()
    for name in FACTORIZATION_CODE:
        digest.update((package / name).read_bytes())
    stats = []
    for path in (item.audio, item.reference, item.kit):
        info = Path(path).stat() if path is not None else None
        stats.append(None if info is None else [info.st_size, info.st_mtime_ns])
    settings = {k: v for k, v in config.to_dict().items() if k != "picker"}
    document: dict[str, Any] = {
        "code": digest.hexdigest(),
        "item": item.to_dict(),
        "files": stats,
        "config": settings,
    }
    if unit.kit != "item" or unit.gain_db:  # the item's own kit at 0 dB keeps its old key
        path = unit.kit_path
        info = path.stat() if path is not None else None
        document["kit"] = [unit.kit, None if info is None else [info.st_size, info.st_mtime_ns]]
        document["gain_db"] = unit.gain_db
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]


def _factorize(unit: Unit, cache: Path) -> Path:
    """Transcribe one item with TranscribeConfig() and keep its factorization."""
    from threadpoolctl import threadpool_limits

    from drumnmf.pipeline import transcribe

    config = TranscribeConfig(picker="db")  # the factorization; no picker file needed
    path = cache / f"{_cache_key(unit, config)}.npz"
    if path.is_file():
        return path
    kit = unit.load_kit()
    rate = kit.settings.sample_rate
    samples = read_samples(unit.item, rate)
    if unit.gain_db:
        samples = (samples * 10.0 ** (unit.gain_db / 20.0)).astype(np.float32)
    with threadpool_limits(limits=1):
        result = transcribe(samples, kit=kit, config=config, sample_rate=rate)
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez(
        partial,
        templates=result.factorization.templates,
        activations=result.factorization.drum_activations,
        factorized=result.factorized,
    )
    partial.replace(path)
    return path


def factorize_all(items: Sequence[Unit], cache: Path, jobs: int) -> list[Path]:
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

    def __init__(self, unit: Unit, path: Path, classes: int) -> None:
        data = np.load(path)
        item = unit.item
        self.unit = unit
        self.item = item
        self.id = unit.id
        self.subset = item.subset + unit.group
        self.kit: Kit = unit.load_kit()
        self.templates = data["templates"]
        self.activations = data["activations"]
        self.factorized = data["factorized"]
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
    x: np.ndarray,
    y: np.ndarray,
    *,
    hidden: Sequence[int],
    seed: int,
    alpha: float,
    features: Sequence[str] = FEATURES,
) -> LearnedPicker:
    """A network (or, without hidden layers, logistic regression) on standardized features.

    ``x`` has the columns :data:`FEATURES`; the picker reads ``features`` of them."""
    x = x[:, [FEATURES.index(name) for name in features]]
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
    # 7 significant digits: a smaller file, and the scores below are those of the file's numbers
    return LearnedPicker(
        features=tuple(features),
        mean=_significant(mean),
        scale=_significant(scale),
        layers=tuple((_significant(w), _significant(b)) for w, b in layers),
        threshold=0.5,
    )


def _significant(values: np.ndarray, digits: int = 7) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits."""
    flat = [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=np.float64).ravel()]
    return np.array(flat).reshape(np.shape(values))


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
    references = {e.id: {c: e.reference.get(c, np.zeros(0)) for c in SCORED} for e in chosen}
    estimates = {e.id: _estimate(e, config, picker) for e in chosen}
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
            groups.setdefault(f"groove/{parts[1]}/*/{parts[3]}{e.unit.group}", []).append(e)
        groups.setdefault(e.subset, []).append(e)

    def rank(name: str) -> tuple:
        tag = name.split(" [", 1)[1] if " [" in name else ""
        parts = name.split(" [", 1)[0].split("/")
        condition = parts[-1]
        order = {"drums": 0, "acc0db": 1, "acc-6db": 2, "acc": 1, "mix": 2}.get(condition, 9)
        pooled = parts[2] != "*" if len(parts) > 2 else False
        return (tag, parts[0] != "groove", order, pooled, name)

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
                references[e.id] = load_annotations(path)
        if not references:
            continue
        for label, config in (("db", default), ("learned", learned)):
            estimates = {e.id: Annotations(onsets=_estimate(e, config, picker)) for e in group}
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


def _load(items: Sequence[Unit], cache: Path, jobs: int, classes: int) -> list[Factorized]:
    paths = factorize_all(items, cache, jobs)
    return [Factorized(item, path, classes) for item, path in zip(items, paths, strict=True)]


def _rounded(scores: dict[str, float]) -> dict[str, float]:
    return {k: v if isinstance(v, int) else round(float(v), 4) for k, v in scores.items()}


def is_held(item: ExperimentItem, share: float, seed: int) -> bool:
    """Whether the item's performance is held out: all its kits, conditions and gains go
    together (drawn from the performance's name and the seed)."""
    name = Path(item.id).name
    digest = hashlib.sha256(f"holdout:{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < share


def held_out(
    entries: Sequence[Factorized],
    parts: Sequence[tuple],
    trains: np.ndarray,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Fit on the training units of the performances not held out; score both pickers on
    the held-out performances' units, per kit (and gain)."""
    held = np.array([is_held(e.item, args.holdout, args.seed) for e in entries])
    sizes = [p[0].shape[0] for p in parts]
    fitted_unit = trains & ~held
    owner = np.repeat(fitted_unit, sizes)
    scored = np.concatenate([p[2] for p in parts])
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    fitted = [e for e, k in zip(entries, fitted_unit, strict=True) if k]
    model = fit(
        x[owner], y[owner], hidden=args.hidden, seed=args.seed, alpha=args.alpha,
        features=args.features,
    )  # fmt: skip
    n_reference = sum(int(e.reference[c].size) for e in fitted for c in SCORED)
    chosen = owner & scored
    p = model.probability(x[chosen][:, model.columns])
    threshold, _ = best_threshold(p, y[chosen], n_reference)
    model = replace(model, threshold=threshold)
    config = TranscribeConfig(picker="db")
    out: dict[str, Any] = {"share": args.holdout, "fitted_units": len(fitted)}
    groups: dict[str, list[Factorized]] = {}
    for e, h in zip(entries, held, strict=True):
        if h:
            kind = e.unit.kit if not e.unit.gain_db else f"{e.unit.kit}, gain"
            groups.setdefault(kind, []).append(e)
    for kind, rest in groups.items():
        out[kind] = {
            "items": len(rest),
            "db": _rounded(score(rest, config)),
            "learned": _rounded(score(rest, replace(config, picker="learned"), model)),
        }
    return out


def training_units(items: Sequence[ExperimentItem], args: argparse.Namespace) -> list[Unit]:
    """The train items with their own kits, then the other kits' and the gains' units."""
    base = select_items(items, subsets=("groove/train",), splits=("train",), limit=args.per_subset)
    extra = select_items(
        items, subsets=("groove/train",), splits=("train",), limit=args.extra_per_subset
    )
    units = [Unit(item) for item in base]
    for kit in args.kits:
        if kit != "item":
            units += [Unit(item, kit) for item in extra]
    if args.gains:
        low, high = args.gains
        units += [Unit(item, "item", seeded_gain(item, low, high, args.seed)) for item in extra]
    return [u for u in units if u.kit_path is None or Path(u.kit_path).is_file()]


def holdout_units(items: Sequence[ExperimentItem], args: argparse.Namespace) -> list[Unit]:
    """The units scored when held out: the train items with their own kits, and
    ``--extra-per-subset`` of them with each of ``--holdout-kits``' other kits."""
    extra = select_items(
        items, subsets=("groove/train",), splits=("train",), limit=args.extra_per_subset
    )
    base = select_items(items, subsets=("groove/train",), splits=("train",), limit=args.per_subset)
    units = [Unit(item) for item in base] if "item" in args.holdout_kits else []
    for kit in args.holdout_kits:
        if kit != "item":
            units += [Unit(item, kit) for item in extra]
    return [u for u in units if is_held(u.item, args.holdout, args.seed)]


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
    parser.add_argument(
        "--kits",
        nargs="+",
        choices=KIT_SOURCES,
        default=["item"],
        help="kits the train items are transcribed with (item: their own calibrated one; "
        "default: the built-in kit; paper3 / full / velocities: a calibration protocol's)",
    )
    parser.add_argument(
        "--extra-per-subset",
        type=int,
        default=12,
        help="train performances per subset for the kits other than item and the gains (12)",
    )
    parser.add_argument(
        "--gains",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="also the extra performances with their own kit, the audio scaled by a seeded "
        "random gain in [LOW, HIGH] dB",
    )
    parser.add_argument(
        "--features",
        nargs="+",
        choices=FEATURES,
        default=list(FEATURES),
        help="the features the picker reads (all)",
    )
    parser.add_argument(
        "--holdout-kits",
        nargs="+",
        choices=KIT_SOURCES,
        default=["item", "default"],
        help="kits the held-out performances are scored with (item default)",
    )
    parser.add_argument(
        "--holdout-only", action="store_true", help="report the held-out scores, write nothing"
    )
    parser.add_argument(
        "--evaluate-kits",
        nargs="+",
        choices=("item", "default"),
        default=["item", "default"],
        help="kits of the evaluation (default: also groove/validation/*/drums with the "
        "built-in kit)",
    )
    args = parser.parse_args(argv)

    clock = time.perf_counter()
    items = corpus_items(args.corpus)
    config = TranscribeConfig(picker="db")
    if not args.evaluate_only:
        units = training_units(items, args)
        if not units:
            raise DrumnmfError(f"no Groove train items in '{args.corpus}'")
        training = {u.id for u in units}
        if args.holdout > 0:
            units += [u for u in holdout_units(items, args) if u.id not in training]
        print(f"{len(units)} train units; factorizing into {args.cache} ...", file=sys.stderr)
        entries = _load(units, args.cache, args.jobs, classes=5)
        print(f"  {time.perf_counter() - clock:.0f} s; features ...", file=sys.stderr)
        parts = [labelled(e, config) for e in entries]
        trains = np.array([e.id in training for e in entries])
        holdout: dict[str, Any] = {}
        if args.holdout > 0:
            holdout = held_out(entries, parts, trains, args)
            print(f"  held out: {json.dumps(holdout)}", file=sys.stderr)
            if args.holdout_only:
                print(f"{time.perf_counter() - clock:.0f} s", file=sys.stderr)
                return 0
        parts = [p for p, t in zip(parts, trains, strict=True) if t]
        entries = [e for e, t in zip(entries, trains, strict=True) if t]
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        scored = np.concatenate([p[2] for p in parts])
        n_reference = sum(int(e.reference[c].size) for e in entries for c in SCORED)
        print(f"  {x.shape[0]} candidates, {int(y.sum())} hits; fitting ...", file=sys.stderr)
        model = fit(
            x, y, hidden=args.hidden, seed=args.seed, alpha=args.alpha, features=args.features
        )
        p = model.probability(x[scored][:, model.columns])
        threshold, f_train = best_threshold(p, y[scored], n_reference)
        # 4 decimals, rounded down: never above the best threshold found
        model = replace(model, threshold=math.floor(threshold * 1e4) / 1e4)
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
                "kits": list(args.kits),
                "extra_per_subset": args.extra_per_subset,
                "gains": list(args.gains) if args.gains else None,
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
        partial = args.out.with_suffix(".tmp")  # never a half-written picker file
        partial.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        partial.replace(args.out)
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
        units = [Unit(item) for item in chosen] if "item" in args.evaluate_kits else []
        if "default" in args.evaluate_kits:
            units += [
                Unit(item, "default")
                for item in chosen
                if item.subset.startswith("groove/") and item.subset.endswith("/drums")
            ]
        print(f"{len(units)} evaluation units ...", file=sys.stderr)
        entries = _load(units, args.cache, args.jobs, classes=3)
        table = comparison_table(entries, picker) + "\n\n" + velocity_table(entries, picker)
        print(table)
        if args.report:
            args.report.write_text(table + "\n", encoding="utf-8")
    print(f"{time.perf_counter() - clock:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
