"""Running variants over items: one process per item, both pickers kept.

:func:`run_variants` runs every :class:`~drumnmf.evaluation.experiments.variants.Variant`
on every item it applies to (in a pool of worker processes, one BLAS thread each) and
returns :class:`Results`: one :class:`Run` per item and variant, and the :class:`Failure`
of items that could not be read. :func:`score` scores runs with one picker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.experiments.datasets import (
    CLASSES,
    ExperimentItem,
    ProgressCallback,
    matches_subset,
    read_reference,
    read_samples,
)
from drumnmf.evaluation.experiments.variants import Variant

if TYPE_CHECKING:
    from drumnmf.evaluation.metrics import EvaluationResult
    from drumnmf.kit import Kit

__all__ = [
    "DEFAULT_JOBS",
    "PICKERS",
    "WINDOW",
    "Failure",
    "Results",
    "Run",
    "run_variants",
    "score",
    "write_estimates",
]

PICKERS: tuple[str, ...] = ("topk", "adaptive")
WINDOW = 0.05  # s, the paper's and mir_eval's onset window
DEFAULT_JOBS = 2

# ----------------------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class Run:
    """One variant run on one item: 3-class onsets, losses and timing.

    Attributes
    ----------
    item : ExperimentItem
    variant : str
    reference : dict str -> np.ndarray
        Reference onsets per class, seconds.
    adaptive, top_k : dict str -> np.ndarray
        Estimated onsets per class with the adaptive and the oracle top-k picker; the
        adaptive ones are :attr:`onsets` pooled by
        :func:`drumnmf.evaluation.metrics.scoring_classes`, the rule ``drumnmf evaluate``
        applies to the same onsets written as CSV (:func:`write_estimates`).
    n_frames : int
        Frames of the spectrogram.
    duration : float
        Seconds of audio.
    seconds : dict str -> float
        Time per stage (``load``, ``spectrogram``, ``factorize``, ``onsets``, ``total``).
    losses : np.ndarray [shape=(n_iter,)]
        Loss after each outer iteration divided by ``||V||_F^2``, ``V`` being the matrix
        factorized (the STFT, or its filterbank / percussive features).
    elapsed : np.ndarray [shape=(n_iter,)]
        Seconds from the start of the factorization to each loss.
    solver : str
    classes : int
        The class vocabulary (3 or 5) of ``reference`` and the estimates.
    onsets, strengths : dict str -> np.ndarray
        The pipeline's own onsets (seconds) and strengths per drum of the kit whose name
        is canonical (what ``drumnmf transcribe`` writes to its CSV).
    adaptive_strengths : dict str -> np.ndarray
        The strength of each adaptive onset per class.
    """

    item: ExperimentItem
    variant: str
    reference: dict[str, np.ndarray]
    adaptive: dict[str, np.ndarray]
    top_k: dict[str, np.ndarray]
    n_frames: int
    duration: float
    seconds: dict[str, float]
    losses: np.ndarray
    elapsed: np.ndarray
    solver: str
    classes: int = CLASSES
    onsets: dict[str, np.ndarray] = field(default_factory=dict)
    strengths: dict[str, np.ndarray] = field(default_factory=dict)
    adaptive_strengths: dict[str, np.ndarray] = field(default_factory=dict)

    def estimate(self, picker: str) -> dict[str, np.ndarray]:
        """The onsets of one picker (``"topk"``, or the threshold picker: ``"adaptive"``,
        also named by the variant's own ``"db"``, ``"paper"`` or ``"learned"``)."""
        if picker not in (*PICKERS, "db", "paper", "learned"):
            raise DrumnmfError(f"picker {picker!r} must be one of {PICKERS}")
        return self.top_k if picker == "topk" else self.adaptive


@dataclass(frozen=True)
class Failure:
    """An item (and variant) that could not be run, with the reason."""

    item: str
    variant: str
    message: str


@dataclass(frozen=True, eq=False)
class Results:
    """The runs of an experiment.

    Attributes
    ----------
    items : tuple of ExperimentItem
    variants : tuple of Variant
    runs : tuple of Run
        In item order, then variant order.
    failures : tuple of Failure
    seconds : float
        Wall-clock time of the whole experiment.
    jobs : int
        Worker processes used.
    """

    items: tuple[ExperimentItem, ...]
    variants: tuple[Variant, ...]
    runs: tuple[Run, ...]
    failures: tuple[Failure, ...] = ()
    seconds: float = 0.0
    jobs: int = 1

    def select(
        self, variant: str, subsets: Sequence[str] = (), *, splits: Sequence[str] | None = None
    ) -> tuple[Run, ...]:
        """Runs of one variant on items of the given subsets (patterns) and splits."""
        return tuple(
            r
            for r in self.runs
            if r.variant == variant
            and (not subsets or any(matches_subset(r.item.subset, p) for p in subsets))
            and (splits is None or r.item.split in splits)
        )


def _class_of(drum: str, classes: int) -> str | None:
    """The class a canonical drum joins, or None (not canonical, or left out)."""
    from drumnmf.io.annotations import CANONICAL_DRUMS, reduce_classes

    if drum not in CANONICAL_DRUMS:
        return None
    reduced = reduce_classes({drum: np.zeros(1)}, classes)
    return next((cls for cls, times in reduced.items() if times.size), None)


def _run_one(
    item: ExperimentItem,
    variant: Variant,
    samples: Mapping[int, np.ndarray],
    reference: Mapping[str, np.ndarray],
    load_seconds: float,
    n_classes: int,
) -> Run:
    from drumnmf.evaluation.metrics import scoring_classes
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES
    from drumnmf.io.annotations import Annotations
    from drumnmf.onsets import pick_top_k
    from drumnmf.pipeline import transcribe
    from drumnmf.spectrogram import frames_to_seconds

    kit = _variant_kit(item, variant)
    rate = kit.settings.sample_rate
    stamps: list[float] = []
    # the threshold picker of the variant; the top-k estimate is picked below
    config = replace(
        variant.config, picker="db" if variant.config.picker == "topk" else variant.config.picker
    )
    began = time.perf_counter()
    result = transcribe(
        samples[rate],
        kit=kit,
        config=config,
        sample_rate=rate,
        callback=lambda _iteration, _loss: stamps.append(time.perf_counter()),
    )
    # every stage before the factorization (load, spectrogram, features)
    start = began + sum(v for k, v in result.seconds.items() if k not in ("factorize", "onsets"))
    clock = time.perf_counter()
    classes = {d: _class_of(d, n_classes) for d in result.drums}
    canonical = {d: t for d, t in result.onsets.items() if classes[d] is not None}
    strengths = {d: np.asarray(result.strengths[d], dtype=np.float64) for d in canonical}
    pooled = scoring_classes(Annotations(onsets=canonical, strengths=strengths), n_classes)
    adaptive = dict(pooled.onsets)
    top_k: dict[str, np.ndarray] = {}
    frame_rate = 1.0 / kit.settings.frame_seconds
    for cls in CLASS_NAMES[n_classes]:
        rows = [i for i, d in enumerate(result.drums) if classes[d] == cls]
        k = int(reference.get(cls, np.zeros(0)).size)
        if not rows or k == 0:
            top_k[cls] = np.zeros(0)
            continue
        picked = pick_top_k(
            result.activations[rows].sum(axis=0),
            k,
            frame_rate=frame_rate,
            min_interval=config.min_interval,
            timing=config.onset_timing,
        )
        top_k[cls] = np.asarray(frames_to_seconds(picked.frames, kit.settings), dtype=np.float64)
    seconds = {**result.seconds, "load": load_seconds}
    seconds["onsets"] += time.perf_counter() - clock
    seconds["total"] = float(sum(seconds.values()))
    factorized = getattr(result, "features", None)  # the filterbank / percussive input
    factorized = result.spectrogram if factorized is None else factorized
    norm_sq = float(np.sum(np.square(factorized, dtype=np.float64)))
    losses = np.asarray(result.factorization.losses, dtype=np.float64) / max(norm_sq, 1e-300)
    return Run(
        item=item,
        variant=variant.name,
        reference=dict(reference),
        adaptive=adaptive,
        top_k=top_k,
        n_frames=int(result.activations.shape[1]),
        duration=float(result.duration),
        seconds=seconds,
        losses=losses,
        elapsed=np.asarray(stamps, dtype=np.float64) - start,
        solver=result.factorization.solver,
        classes=n_classes,
        onsets=canonical,
        strengths=strengths,
        adaptive_strengths=dict(pooled.strengths or {}),
    )


def _variant_kit(item: ExperimentItem, variant: Variant) -> Kit:
    """The kit a variant transcribes an item with."""
    from drumnmf.evaluation.protocols import PROTOCOLS, protocol_kit_path
    from drumnmf.kit import default_kit, load_kit

    if variant.kit == "default":
        return default_kit()
    if item.kit is None:
        raise DrumnmfError(f"item {item.id!r} has no kit; run it with a default-kit variant")
    if variant.kit in PROTOCOLS:
        path = protocol_kit_path(item.kit, variant.kit)
        if not path.is_file():
            raise DrumnmfError(
                f"no {variant.kit!r} protocol kit at '{path}'; add the protocols with "
                "'drumnmf corpus build --out CORPUS --kits-only'"
            )
        return load_kit(path)
    return load_kit(item.kit)


def _run_item(
    item: ExperimentItem, variants: Sequence[Variant], classes: int, cache: Path | None = None
) -> tuple[list[Run], list[Failure]]:
    """Every variant that applies on one item; audio and reference are read once.

    With ``cache``, runs found there are reused and new ones stored
    (:mod:`drumnmf.evaluation.experiments.cache`).
    """
    from drumnmf.evaluation.experiments.cache import load_run, run_key, save_run

    runs: list[Run] = []
    failures: list[Failure] = []
    wanted = [v for v in variants if v.applies_to(item.subset)]
    keys = {v.name: run_key(item, v, classes) for v in wanted} if cache is not None else {}
    if cache is not None:
        todo = []
        for variant in wanted:
            found = load_run(cache, keys[variant.name])
            if found is None:
                todo.append(variant)
            else:
                runs.append(found)
        wanted = todo
    if not wanted:
        return runs, failures
    try:
        reference = read_reference(item, classes=classes)
        rates = set()
        for variant in wanted:
            try:
                rates.add(_variant_kit(item, variant).settings.sample_rate)
            except DrumnmfError:
                continue  # reported by the variant's own run
        clock = time.perf_counter()
        samples = {rate: read_samples(item, rate) for rate in rates}
        load_seconds = (time.perf_counter() - clock) / max(len(rates), 1)
    except (DrumnmfError, OSError) as exc:
        return runs, [Failure(item.id, "*", str(exc))]
    for variant in wanted:
        try:
            run = _run_one(item, variant, samples, reference, load_seconds, classes)
        except (DrumnmfError, OSError) as exc:
            failures.append(Failure(item.id, variant.name, str(exc)))
            continue
        runs.append(run)
        if cache is not None:
            save_run(cache, keys[variant.name], run)
    return runs, failures


_THREAD_LIMITS: Any = None


def _single_threaded() -> None:
    """Worker initializer: one BLAS thread per worker, so that workers do not oversubscribe."""
    global _THREAD_LIMITS
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is in the bench extra
        return
    _THREAD_LIMITS = threadpool_limits(limits=1)


def run_variants(
    items: Sequence[ExperimentItem],
    variants: Sequence[Variant],
    *,
    jobs: int = DEFAULT_JOBS,
    classes: int = CLASSES,
    progress: ProgressCallback | None = None,
    cache: str | os.PathLike[str] | None = None,
) -> Results:
    """Run every variant on every item it applies to.

    Parameters
    ----------
    items : sequence of ExperimentItem
    variants : sequence of Variant
        Names must be distinct.
    jobs : int >= 1
        Worker processes; each item runs in one worker (all its variants), with one BLAS
        thread per worker when ``jobs > 1``. 1 runs in this process.
    classes : {3, 5}
        The class vocabulary of references and estimates
        (:func:`drumnmf.io.annotations.reduce_classes`): kick, snare, hihat, and with 5 also
        tom and cymbal.
    progress : callable, optional
        Called with a line of text after each item.
    cache : path-like, optional
        A folder of finished runs: those found are reused, new ones stored, so an
        interrupted or repeated experiment resumes
        (:mod:`drumnmf.evaluation.experiments.cache`).

    Returns
    -------
    Results
        Items whose audio, reference or kit cannot be read are listed in ``failures``.
    """
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES

    names = [v.name for v in variants]
    if not variants or len(set(names)) != len(names):
        raise DrumnmfError(f"variants must be a non-empty list with distinct names, got {names}")
    if not isinstance(jobs, int) or jobs < 1:
        raise DrumnmfError(f"jobs must be a positive number of worker processes, got {jobs!r}")
    if classes not in CLASS_NAMES:
        raise DrumnmfError(f"classes must be one of {sorted(CLASS_NAMES)}, got {classes!r}")
    if not items:
        raise DrumnmfError("no items to run; check the dataset path, --subset and --split")
    report = progress or (lambda _line: None)
    began = time.perf_counter()
    variant_tuple = tuple(variants)
    folder = None if cache is None else Path(cache)
    done: dict[str, tuple[list[Run], list[Failure]]] = {}

    def finished(item: ExperimentItem, outcome: tuple[list[Run], list[Failure]]) -> None:
        done[item.id] = outcome
        status = "; ".join(f.message for f in outcome[1]) or "ok"
        report(f"[{len(done)}/{len(items)}] {item.id}: {status}")

    if jobs == 1:
        for item in items:
            finished(item, _run_item(item, variant_tuple, classes, folder))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")  # no fork of a threaded BLAS
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_single_threaded
        ) as pool:
            futures = {
                pool.submit(_run_item, item, variant_tuple, classes, folder): item for item in items
            }
            for future in as_completed(futures):
                finished(futures[future], future.result())
    order = {name: i for i, name in enumerate(names)}
    runs = [r for item in items for r in sorted(done[item.id][0], key=lambda r: order[r.variant])]
    failures = [f for item in items for f in done[item.id][1]]
    return Results(
        items=tuple(items),
        variants=variant_tuple,
        runs=tuple(runs),
        failures=tuple(failures),
        seconds=time.perf_counter() - began,
        jobs=jobs,
    )


# ----------------------------------------------------------------------------- scoring


def write_estimates(runs: Sequence[Run], folder: str | os.PathLike[str]) -> list[Path]:
    """Write each run's onsets as ``drumnmf transcribe`` does: ``<folder>/<item id>.csv``.

    ``drumnmf evaluate REFERENCES FOLDER/<subset>`` then gives the numbers
    :func:`score` gives for the same runs (one scoring rule).

    Parameters
    ----------
    runs : sequence of Run
        Runs of one variant (item ids must be distinct).
    folder : path-like

    Returns
    -------
    list of Path
    """
    from drumnmf.io.export import write_csv

    ids = [r.item.id for r in runs]
    if len(set(ids)) != len(ids):
        raise DrumnmfError("write_estimates needs runs of one variant (distinct item ids)")
    written = []
    for run in runs:
        path = Path(folder) / f"{run.item.id}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(path, run.onsets, run.strengths)
        written.append(path)
    return written


def score(runs: Sequence[Run], picker: str, *, window: float = WINDOW) -> EvaluationResult:
    """Score runs (of one variant) with one picker on their classes (3 unless run with 5).

    Parameters
    ----------
    runs : sequence of Run
        Distinct items.
    picker : {"adaptive", "topk"}
    window : float
        Matching window, seconds.

    Returns
    -------
    EvaluationResult
        Micro and macro scores per class; ``files`` keyed by item id.
    """
    from drumnmf.evaluation.metrics import evaluate
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES

    vocabularies = {r.classes for r in runs}
    if len(vocabularies) > 1:
        raise DrumnmfError(
            f"runs scored together must have one number of classes, got {sorted(vocabularies)}"
        )
    classes = vocabularies.pop() if vocabularies else CLASSES
    references = {r.item.id: r.reference for r in runs}
    estimates = {r.item.id: r.estimate(picker) for r in runs}
    return evaluate(references, estimates, window=window, drums=CLASS_NAMES[classes])
