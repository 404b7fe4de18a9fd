"""Experiments: the paper's study (MUR against NeNMF) and the accuracy report, on any corpus.

An experiment runs named pipeline configurations (:class:`Variant`) over annotated
recordings (:class:`ExperimentItem`), keeps each run's onsets, losses and timing
(:class:`Run`), and scores them with :mod:`drumnmf.evaluation.metrics`.

* :func:`run_paper` (``drumnmf experiment paper``) reproduces Foster & Webber's study on
  ENST-Drums or on the development corpus: Fig. 4 (loss against a shared budget), Table 1
  (oracle top-k F), Tables 2 and 3 (adaptive-threshold F of MUR and of NeNMF) and the
  runtimes, as CSV, Markdown and PNG, with ``config.json`` recording the configuration,
  versions and git revision.
* :func:`run_accuracy` (``drumnmf experiment accuracy``) writes ``docs/accuracy.md``: the
  paper's protocol and the default pipeline on every development subset, plus an ablation
  table of the named variants in :data:`ABLATIONS`.

Conventions
-----------
Classes
    References and estimates are pooled into 3 classes (kick, snare, hihat) with
    :func:`drumnmf.io.annotations.reduce_classes`; every other drum is left out.
Matching
    50 ms either side (``window``), mir_eval's matching; see :mod:`drumnmf.evaluation.metrics`.
    *Micro* F pools TP/FP/FN over files, *macro* F is the mean of the files' F. A class
    neither annotated nor detected in a file is skipped, not scored 0 or 1.
Pickers
    Each run factorizes once and is scored twice. *Adaptive*: the pipeline's onsets (the
    variant's threshold settings), pooled into classes; onsets of one class closer than the
    variant's ``min_interval`` are merged (only matters for kits with several drums in one
    class). *Top-k* (oracle): the activation rows of a class's drums are summed and its k
    highest peaks kept, k being the class's number of reference onsets in the file.
Budget
    Both solvers read the spectrogram ``V`` twice per outer iteration (a MUR sweep, a NeNMF
    outer iteration) and NeNMF's inner steps never touch it, so Fig. 4 puts the losses on a
    shared axis of reads of ``V``, and on wall-clock seconds per 1000 frames. Losses are
    divided by ``||V||_F^2`` of their file.
ENST-Drums
    The paper calibrates its templates from isolated hits. ``enst_calibration="hits"``
    does the same with each drummer's own ``hits`` recordings (same microphone mix as the
    evaluated track; one template per class, the mean over its hits files, preferring
    those played with sticks): the kit never saw the evaluated track. ``"track"`` cuts the
    templates from the annotated isolated hits of the evaluated track itself
    (:func:`drumnmf.kit.calibrate_from_annotations`): optimistic, so those items are
    marked ``leaky``. ``"auto"`` (default) takes the hits when a drummer has hits files of
    kick, snare and hi-hat, else the track.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import math
import os
import platform
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.pipeline import TranscribeConfig

if TYPE_CHECKING:
    from drumnmf.evaluation.corpus import CorpusItem, Manifest
    from drumnmf.evaluation.metrics import EvaluationResult
    from drumnmf.kit import Kit

__all__ = [
    "ABLATIONS",
    "DATASET_KINDS",
    "ENST_CALIBRATIONS",
    "ENST_MIXES",
    "AccuracyReport",
    "ExperimentItem",
    "Failure",
    "PaperReport",
    "Results",
    "Run",
    "Variant",
    "accuracy_variants",
    "corpus_items",
    "describe_config",
    "enst_items",
    "find_enst_drummers",
    "git_revision",
    "paper_variants",
    "parse_variant",
    "provenance",
    "render_accuracy_doc",
    "run_accuracy",
    "run_paper",
    "run_variants",
    "score",
    "select_items",
    "subset_group",
]

#: Dataset kinds understood by :func:`run_paper`.
DATASET_KINDS: tuple[str, ...] = ("corpus", "enst")
#: How ENST-Drums kits are calibrated (see the module docstring).
ENST_CALIBRATIONS: tuple[str, ...] = ("auto", "hits", "track")
#: ENST-Drums microphone mixes (folders of ``drummer_N/audio``).
ENST_MIXES: tuple[str, ...] = ("wet_mix", "dry_mix")
#: Where a variant's kit comes from: the item's calibrated kit, or the built-in default kit.
KIT_SOURCES: tuple[str, ...] = ("item", "default")
PICKERS: tuple[str, ...] = ("topk", "adaptive")
CLASSES = 3  # kick, snare, hihat
WINDOW = 0.05  # s, the paper's and mir_eval's onset window
DEFAULT_JOBS = 2
ENST_ISOLATION = (0.1, 0.05, 0.03)  # s: isolation tried in turn when cutting from a track

ProgressCallback = Callable[[str], Any]


# ----------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    """A named pipeline configuration, one row of a comparison.

    Attributes
    ----------
    name : str
        Row label, unique within an experiment.
    config : TranscribeConfig
        The pipeline options (its ``picker`` says which picker is the variant's own; both
        are scored).
    kit : {"item", "default"}
        Transcribe with the item's calibrated kit, or with :func:`drumnmf.kit.default_kit`
        (no calibration at all).
    subsets : tuple of str
        Subsets the variant runs on, as glob patterns or prefixes
        (``"groove/*/*/drums"``); empty for every subset.
    description : str
        One line for the report.
    """

    name: str
    config: TranscribeConfig
    kit: str = "item"
    subsets: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise DrumnmfError("a variant needs a name, e.g. Variant('rank 10', config)")
        if self.kit not in KIT_SOURCES:
            raise DrumnmfError(
                f"variant {self.name!r}: kit={self.kit!r} must be one of {KIT_SOURCES}"
            )
        if not isinstance(self.config, TranscribeConfig):
            raise DrumnmfError(f"variant {self.name!r}: config must be a TranscribeConfig")
        if isinstance(self.subsets, str):
            raise DrumnmfError(f"variant {self.name!r}: subsets must be a tuple of patterns")

    def applies_to(self, subset: str) -> bool:
        """Whether the variant runs on ``subset``."""
        return not self.subsets or any(_matches(subset, p) for p in self.subsets)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "name": self.name,
            "config": self.config.to_dict(),
            "kit": self.kit,
            "subsets": list(self.subsets),
            "description": self.description or describe_config(self.config),
        }


def describe_config(config: TranscribeConfig) -> str:
    """A short human-readable summary of a configuration (``NeNMF 10 x 10, r_h 50, ...``)."""
    from drumnmf.factorization import DEFAULT_MAX_ITER

    iterations = config.max_iter or DEFAULT_MAX_ITER[config.solver]
    if config.solver == "nenmf":
        solver = f"NeNMF {iterations} x {config.inner_iter}"
    else:
        solver = f"MUR {iterations} sweeps"
    parts = [solver, f"r_h {config.harmonic_rank}", f"{config.picker} picker"]
    if config.picker == "adaptive":
        parts.append(f"window {config.threshold_window:g} s")
    if config.offsets:
        parts.append("offsets " + ", ".join(f"{d} {v:g}" for d, v in config.offsets))
    parts += [f"{config.onset_timing} timing", f"min interval {config.min_interval:g} s"]
    if config.seed:
        parts.append(f"seed {config.seed}")
    # Every other option by name, so that a new pipeline option shows up in the reports.
    shown = {"solver", "max_iter", "inner_iter", "harmonic_rank", "picker", "threshold_window",
             "offsets", "onset_timing", "min_interval", "seed"}  # fmt: skip
    parts += [
        f"{f.name}={getattr(config, f.name)!r}" for f in fields(config) if f.name not in shown
    ]
    return ", ".join(parts)


def paper_variants() -> tuple[Variant, Variant]:
    """The paper's two solvers: MUR (100 sweeps) and NeNMF (10 x 10), otherwise identical.

    Both start from :meth:`TranscribeConfig.paper` (rank 50, adaptive threshold, onsets at
    the activation peak) and the same seed, hence the same random start.
    """
    nenmf = TranscribeConfig.paper()
    mur = replace(nenmf, solver="mur", max_iter=100)
    return (
        Variant("MUR", mur, description="paper: " + describe_config(mur)),
        Variant("NeNMF", nenmf, description="paper: " + describe_config(nenmf)),
    )


def accuracy_variants() -> tuple[Variant, ...]:
    """The rows of ``docs/accuracy.md``: the paper's protocol and the default pipeline.

    ``TranscribeConfig()`` is read when this is called, so the report always shows the
    default of the code that made it.
    """
    mur, nenmf = paper_variants()
    default = TranscribeConfig()
    return (
        replace(mur, name="paper MUR"),
        replace(nenmf, name="paper NeNMF"),
        Variant("default", default, description="TranscribeConfig(): " + describe_config(default)),
        Variant(
            "default kit",
            default,
            kit="default",
            subsets=("groove/*/*/drums",),
            description="TranscribeConfig() with the built-in kit, no calibration "
            "(rendered kits, drums only)",
        ),
    )


def _ablation(name: str, **changes: Any) -> Variant:
    config = replace(TranscribeConfig(), **changes)
    return Variant(name, config, description=describe_config(config))


#: Named variants of the default pipeline compared in the ablation table of
#: ``docs/accuracy.md`` (tuning: run on the train split). Add rows here, or pass
#: ``--variant`` to ``drumnmf experiment accuracy``.
ABLATIONS: tuple[Variant, ...] = (
    _ablation("default"),
    Variant(
        "paper NeNMF",
        TranscribeConfig.paper(),
        description="TranscribeConfig.paper(): " + describe_config(TranscribeConfig.paper()),
    ),
    _ablation("linear bins (no filterbank)", bands_per_octave=0),
    _ablation("no percussive mask", percussive_frames=0),
    _ablation("no cross-talk gate", crosstalk_ratio=0.0),
    _ablation("band-share gate 0.3", min_band_share=0.3),
    _ablation("peak timing", onset_timing="peak"),
    _ablation("MUR 100", solver="mur", max_iter=100),
    _ablation("NeNMF 20 x 10", max_iter=20),
    _ablation("NeNMF 10 x 3", inner_iter=3),
    _ablation("r_h 0", harmonic_rank=0),
    _ablation("r_h 20", harmonic_rank=20),
    _ablation("r_h 50", harmonic_rank=50),
    _ablation("threshold window 0.2 s", threshold_window=0.2),
    _ablation("top-k picker (oracle)", picker="topk"),
)


def _convert(name: str, text: str) -> Any:
    """A TranscribeConfig field value from its text form (by the field's annotation)."""
    kind = str(next(f.type for f in fields(TranscribeConfig) if f.name == name))
    if name == "offsets":
        pairs = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            drum, sep, value = part.partition(":")
            if not sep:
                raise DrumnmfError(
                    f"offsets entry {part!r} must be DRUM:VALUE (e.g. offsets=kick:0.2;snare:0.1)"
                )
            pairs.append((drum.strip(), float(value)))
        return tuple(pairs)
    if "None" in kind and text.lower() in ("none", "default"):
        return None
    if kind.startswith("int"):
        return int(text)
    if kind.startswith("float"):
        return float(text)
    return text


def parse_variant(text: str) -> Variant:
    """Read a variant from its command-line form ``NAME: key=value, key=value``.

    Keys are :class:`TranscribeConfig` fields (``solver``, ``harmonic_rank``, ``max_iter``,
    ``bands_per_octave``, ... and ``offsets`` as ``kick:0.2;snare:0.1``) plus ``base``
    (``default`` or ``paper``: the configuration changed), ``kit`` (``item`` or
    ``default``) and ``subsets`` (patterns separated by ``;``).

    Examples
    --------
    >>> v = parse_variant("rank 10: harmonic_rank=10, onset_timing=peak")
    >>> v.name, v.config.harmonic_rank, v.config.onset_timing
    ('rank 10', 10, 'peak')
    """
    name, sep, spec = text.partition(":")
    name = name.strip()
    if not sep or not name:
        raise DrumnmfError(
            f"variant {text!r} must read 'NAME: key=value, ...' (e.g. 'rank 10: harmonic_rank=10')"
        )
    known = {f.name for f in fields(TranscribeConfig)}
    changes: dict[str, Any] = {}
    base, kit = "default", "item"
    subsets: tuple[str, ...] = ()
    for assignment in filter(None, (a.strip() for a in spec.split(","))):
        key, eq, value = assignment.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            raise DrumnmfError(f"variant {name!r}: {assignment!r} is not key=value")
        if key == "base":
            if value not in ("default", "paper"):
                raise DrumnmfError(f"variant {name!r}: base={value!r} must be default or paper")
            base = value
        elif key == "kit":
            kit = value
        elif key == "subsets":
            subsets = tuple(p.strip() for p in value.split(";") if p.strip())
        elif key in known:
            try:
                changes[key] = _convert(key, value)
            except DrumnmfError:
                raise
            except ValueError:
                raise DrumnmfError(
                    f"variant {name!r}: {key}={value!r} is not a valid value"
                ) from None
        else:
            raise DrumnmfError(
                f"variant {name!r}: unknown key {key!r}; use base, kit, subsets or one of "
                f"{', '.join(sorted(known))}"
            )
    start = TranscribeConfig.paper() if base == "paper" else TranscribeConfig()
    config = replace(start, **changes)
    return Variant(name, config, kit=kit, subsets=subsets, description=describe_config(config))


# ----------------------------------------------------------------------------- items


@dataclass(frozen=True)
class ExperimentItem:
    """One annotated recording of an experiment.

    Attributes
    ----------
    id : str
        Unique name, ``<subset>/<recording>``.
    subset : str
        E.g. ``groove/validation/GMRockKit/acc0db``, ``mdb/mix``, ``enst/wet_mix/minus-one``.
    audio : Path
    reference : Path
        Reference onsets, read with ``reference_format``.
    kit : Path or None
        The calibrated kit file (None: only variants with the default kit can run).
    split : str
        ``train``, ``validation``, ``dev`` (MDB) or ``enst``.
    leaky : bool
        The kit was cut from this very recording (optimistic results).
    reference_format : str
        A format of :func:`drumnmf.io.annotations.load_annotations` (``enst`` reads unknown
        labels as ``other``).
    accompaniment : Path or None
        Audio added to ``audio`` sample by sample before transcription (ENST minus-one).
    """

    id: str
    subset: str
    audio: Path
    reference: Path
    kit: Path | None
    split: str
    leaky: bool = False
    reference_format: str = "auto"
    accompaniment: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "id": self.id,
            "subset": self.subset,
            "audio": str(self.audio),
            "reference": str(self.reference),
            "kit": None if self.kit is None else str(self.kit),
            "split": self.split,
            "leaky": self.leaky,
            "reference_format": self.reference_format,
            "accompaniment": None if self.accompaniment is None else str(self.accompaniment),
        }

    @classmethod
    def from_corpus(cls, item: CorpusItem) -> ExperimentItem:
        """An item of the development corpus (:mod:`drumnmf.evaluation.corpus`)."""
        return cls(
            id=item.id,
            subset=item.subset,
            audio=item.audio,
            reference=item.reference,
            kit=item.kit,
            split=item.split,
            leaky=item.leaky,
            reference_format="text",  # time<TAB>canonical drum name
        )


def _matches(subset: str, pattern: str) -> bool:
    """``pattern`` is a glob over subset names or a prefix of them (whole components)."""
    stem = pattern.rstrip("/")
    return (
        fnmatch.fnmatchcase(subset, stem)
        or subset == stem
        or subset.startswith(stem + "/")
        or fnmatch.fnmatchcase(subset, stem + "/*")
    )


def select_items(
    items: Iterable[ExperimentItem],
    *,
    subsets: Sequence[str] = (),
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> tuple[ExperimentItem, ...]:
    """Items of the given subsets and splits, at most ``limit`` per subset.

    Parameters
    ----------
    items : iterable of ExperimentItem
    subsets : sequence of str
        Glob patterns or prefixes of subset names (``"groove/validation"``,
        ``"groove/*/GMRockKit/*"``); empty for all.
    splits : sequence of str, optional
        Keep these splits only; None keeps all.
    limit : int > 0, optional
        Most items per subset, spread evenly over the subset's items in their order.

    Returns
    -------
    tuple of ExperimentItem
        In the given order.
    """
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise DrumnmfError(f"limit must be a positive number of items per subset, got {limit!r}")
    chosen = [
        item
        for item in items
        if (not subsets or any(_matches(item.subset, p) for p in subsets))
        and (splits is None or item.split in splits)
    ]
    if limit is None:
        return tuple(chosen)
    by_subset: dict[str, list[ExperimentItem]] = {}
    for item in chosen:
        by_subset.setdefault(item.subset, []).append(item)
    keep: set[str] = set()
    for group in by_subset.values():
        picks = np.unique(np.linspace(0, len(group) - 1, min(limit, len(group))).round())
        keep.update(group[int(i)].id for i in picks)
    return tuple(item for item in chosen if item.id in keep)


def corpus_items(manifest: Manifest | str | os.PathLike[str]) -> tuple[ExperimentItem, ...]:
    """Every item of a development corpus (its folder, manifest file or :class:`Manifest`)."""
    from drumnmf.evaluation.corpus import Manifest, load_manifest

    loaded = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    return tuple(ExperimentItem.from_corpus(item) for item in loaded.items)


# ----------------------------------------------------------------------------- ENST-Drums

_ENST_KIND = re.compile(r"^\d+_([^_]+)_")


def find_enst_drummers(root: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The drummer folders of an ENST-Drums copy.

    Parameters
    ----------
    root : path-like
        The dataset folder holding ``drummer_1``, ``drummer_2``, ``drummer_3`` (each with
        ``audio/<mix>/*.wav`` and ``annotation/*.txt``), or one drummer folder.

    Returns
    -------
    tuple of Path
        Sorted by name.
    """
    base = Path(root)
    if not base.is_dir():
        raise DrumnmfError(f"ENST-Drums folder '{base}' does not exist; give the dataset folder")

    def is_drummer(folder: Path) -> bool:
        return (folder / "audio").is_dir() and (folder / "annotation").is_dir()

    if is_drummer(base):
        return (base,)
    found = tuple(sorted(p for p in base.glob("drummer_*") if p.is_dir() and is_drummer(p)))
    if not found:
        raise DrumnmfError(
            f"'{base}' does not look like ENST-Drums: expected drummer_1/audio/wet_mix/*.wav "
            "and drummer_1/annotation/*.txt under it"
        )
    return found


def enst_track_kind(stem: str) -> str:
    """The kind of an ENST-Drums track from its name (``hits``, ``phrase``, ``minus-one``...).

    >>> enst_track_kind("107_minus-one_salsa_sticks")
    'minus-one'
    """
    found = _ENST_KIND.match(stem)
    return found.group(1).lower() if found else "other"


def _enst_reference(path: Path) -> dict[str, np.ndarray]:
    """3-class onsets of an ENST annotation file (unknown labels read as ``other``)."""
    from drumnmf.io.annotations import load_enst, reduce_classes

    return reduce_classes(load_enst(path, unknown="other").onsets, CLASSES)


def _kit_of(columns: Mapping[str, np.ndarray], sources: Mapping[str, str]) -> Kit:
    from drumnmf.kit import DRUM_NOTES, Kit

    names = tuple(columns)
    return Kit(
        names=names,
        midi_notes=tuple(DRUM_NOTES[n] for n in names),
        templates=np.stack([columns[n] for n in names], axis=1),
        template_drums=tuple(range(len(names))),
        sources=tuple(sources[n] for n in names),
    )


def _template(
    samples: np.ndarray, onsets: np.ndarray, isolations: Sequence[float]
) -> np.ndarray | None:
    """One template from annotated hits, relaxing the isolation until some hit stands alone."""
    from drumnmf.kit import calibrate_from_annotations
    from drumnmf.spectrogram import SpectrogramSettings

    for isolation in isolations:
        try:
            kit = calibrate_from_annotations(
                samples,
                {"drum": onsets},
                sample_rate=SpectrogramSettings().sample_rate,
                notes={"drum": 0},
                isolation=isolation,
            )
        except DrumnmfError:
            continue
        return np.asarray(kit.templates[:, 0])
    return None


def _samples(path: Path) -> np.ndarray:
    from drumnmf.io.audio import load_audio
    from drumnmf.spectrogram import SpectrogramSettings

    return load_audio(path, sample_rate=SpectrogramSettings().sample_rate)


def _enst_hits_kit(drummer: Path, mix: str) -> Kit | None:
    """Templates from a drummer's ``hits`` recordings (one class per file), or None."""
    per_class: dict[str, list[tuple[Path, np.ndarray]]] = {}
    for annotation in sorted((drummer / "annotation").glob("*.txt")):
        if enst_track_kind(annotation.stem) != "hits":
            continue
        audio = drummer / "audio" / mix / f"{annotation.stem}.wav"
        if not audio.is_file():
            continue
        onsets = {c: t for c, t in _enst_reference(annotation).items() if t.size}
        if len(onsets) == 1:
            ((cls, times),) = onsets.items()
            per_class.setdefault(cls, []).append((audio, times))
    columns: dict[str, np.ndarray] = {}
    sources: dict[str, str] = {}
    for cls in ("kick", "snare", "hihat"):
        files = per_class.get(cls, [])
        with_sticks = [f for f in files if "sticks" in f[0].stem]
        files = with_sticks or files
        made = [(p, _template(_samples(p), times, ENST_ISOLATION)) for p, times in files]
        spectra = [(p, s) for p, s in made if s is not None]
        if spectra:
            columns[cls] = np.mean([s for _, s in spectra], axis=0)
            sources[cls] = "hits: " + " + ".join(p.name for p, _ in spectra)
    return _kit_of(columns, sources) if columns else None


def _enst_track_kit(audio: Path, reference: Mapping[str, np.ndarray], fallback: Kit | None) -> Kit:
    """Templates cut from the isolated annotated hits of the track itself (leaky)."""
    samples = _samples(audio)
    columns: dict[str, np.ndarray] = {}
    sources: dict[str, str] = {}
    for cls, times in reference.items():
        if not times.size:
            continue
        # other classes' onsets, simultaneous ones included: those hits do not stand alone
        others = np.concatenate([np.zeros(0), *(t for c, t in reference.items() if c != cls)])
        for isolation in ENST_ISOLATION:
            gap = times[:, None] - others[None, :]
            alone = times[~np.any((gap < isolation) & (gap > -2 * isolation), axis=1)]
            spectrum = _template(samples, alone, (isolation,)) if alone.size else None
            if spectrum is not None:
                columns[cls] = spectrum
                sources[cls] = f"annotated hits of this track ({isolation:g} s apart)"
                break
        if cls not in columns and fallback is not None and cls in fallback.names:
            columns[cls] = np.asarray(fallback.templates[:, fallback.index(cls)])
            sources[cls] = fallback.sources[fallback.index(cls)]
    if not columns:
        raise DrumnmfError(f"no drum of '{audio.name}' has an isolated annotated hit to calibrate")
    return _kit_of(columns, sources)


def enst_items(
    root: str | os.PathLike[str],
    *,
    kits_dir: str | os.PathLike[str],
    mix: str = "wet_mix",
    calibration: str = "auto",
    accompaniment: bool = False,
    kinds: Sequence[str] | None = None,
    subsets: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> tuple[ExperimentItem, ...]:
    """Items of an ENST-Drums copy, with their kits calibrated and written to ``kits_dir``.

    Parameters
    ----------
    root : path-like
        The dataset folder (see :func:`find_enst_drummers`).
    kits_dir : path-like
        Where the calibrated kits are written (one per drummer, or per track when cut from
        the track).
    mix : {"wet_mix", "dry_mix"}
        The microphone mix transcribed (and calibrated from).
    calibration : {"auto", "hits", "track"}
        Where the templates come from (see the module docstring).
    accompaniment : bool
        Also add, for each track with an ``audio/accompaniment/<track>.wav``, an item with
        the accompaniment summed in at its recorded level (subset ``enst/<mix>+acc/<kind>``).
    kinds : sequence of str, optional
        Track kinds to include (``phrase``, ``solo``, ``minus-one``, ...); default every
        kind but ``hits``, which is calibration material.
    subsets : sequence of str
        Keep only items of subsets matching these patterns (see :func:`select_items`);
        kits are cut only for the tracks kept.
    progress : callable, optional
        Called with a line of text per drummer.

    Returns
    -------
    tuple of ExperimentItem
        Subsets ``enst/<mix>/<kind>``, split ``enst``.
    """
    from drumnmf.kit import save_kit

    if mix not in ENST_MIXES:
        raise DrumnmfError(f"ENST mix {mix!r} must be one of {ENST_MIXES}")
    if calibration not in ENST_CALIBRATIONS:
        raise DrumnmfError(f"ENST calibration {calibration!r} must be one of {ENST_CALIBRATIONS}")
    report = progress or (lambda _line: None)
    kits = Path(kits_dir)
    items: list[ExperimentItem] = []
    for drummer in find_enst_drummers(root):
        if not (drummer / "audio" / mix).is_dir():
            raise DrumnmfError(f"'{drummer / 'audio'}' has no '{mix}' folder; pick --enst-mix")
        hits_kit = _enst_hits_kit(drummer, mix)
        complete = hits_kit is not None and set(hits_kit.names) >= {"kick", "snare", "hihat"}
        if calibration == "hits" and not complete:
            raise DrumnmfError(
                f"'{drummer.name}' has no hits recordings of all of kick, snare and hi-hat in "
                f"'{mix}'; use --enst-calibration track (or auto)"
            )
        use_hits = calibration == "hits" or (calibration == "auto" and complete)
        hits_path = kits / f"{drummer.name}_{mix}_hits.json"
        if use_hits:
            assert hits_kit is not None
            kits.mkdir(parents=True, exist_ok=True)
            save_kit(hits_kit, hits_path)
        n_before = len(items)
        for annotation in sorted((drummer / "annotation").glob("*.txt")):
            kind = enst_track_kind(annotation.stem)
            if (kinds is None and kind == "hits") or (kinds is not None and kind not in kinds):
                continue
            audio = drummer / "audio" / mix / f"{annotation.stem}.wav"
            backing = drummer / "audio" / "accompaniment" / f"{annotation.stem}.wav"
            plain, mixed = f"enst/{mix}/{kind}", f"enst/{mix}+acc/{kind}"
            wanted = [plain] + ([mixed] if accompaniment and backing.is_file() else [])
            if subsets:
                wanted = [w for w in wanted if any(_matches(w, p) for p in subsets)]
            if not audio.is_file() or not wanted:
                continue
            if use_hits:
                kit_path = hits_path
            else:
                kit_path = kits / drummer.name / f"{annotation.stem}_{mix}.json"
                kit_path.parent.mkdir(parents=True, exist_ok=True)
                save_kit(_enst_track_kit(audio, _enst_reference(annotation), hits_kit), kit_path)
            for subset in wanted:
                items.append(
                    ExperimentItem(
                        id=f"{subset}/{drummer.name}/{annotation.stem}",
                        subset=subset,
                        audio=audio,
                        reference=annotation,
                        kit=kit_path,
                        split="enst",
                        leaky=not use_hits,
                        reference_format="enst",
                        accompaniment=backing if subset == mixed else None,
                    )
                )
        how = "hits recordings" if use_hits else "each track's own hits (leaky)"
        report(f"{drummer.name}: {len(items) - n_before} items, templates from {how}")
    return tuple(items)


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
        Estimated onsets per class with the adaptive and the oracle top-k picker.
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

    def estimate(self, picker: str) -> dict[str, np.ndarray]:
        """The onsets of one picker (``"adaptive"`` or ``"topk"``)."""
        if picker not in PICKERS:
            raise DrumnmfError(f"picker {picker!r} must be one of {PICKERS}")
        return self.adaptive if picker == "adaptive" else self.top_k


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
            and (not subsets or any(_matches(r.item.subset, p) for p in subsets))
            and (splits is None or r.item.split in splits)
        )


def _load_samples(item: ExperimentItem, sample_rate: int) -> np.ndarray:
    from drumnmf.io.audio import load_audio

    samples = load_audio(item.audio, sample_rate=sample_rate)
    if item.accompaniment is None:
        return samples
    backing = load_audio(item.accompaniment, sample_rate=sample_rate)
    mixed = np.zeros(max(samples.size, backing.size), dtype=np.float32)
    mixed[: samples.size] += samples
    mixed[: backing.size] += backing
    return mixed


def _load_reference(item: ExperimentItem) -> dict[str, np.ndarray]:
    from drumnmf.io.annotations import load_annotations, reduce_classes

    if item.reference_format == "enst":
        return _enst_reference(item.reference)
    return reduce_classes(
        load_annotations(item.reference, fmt=item.reference_format).onsets, CLASSES
    )


def _class_of(drum: str) -> str | None:
    """The 3-class name a canonical drum joins, or None (not canonical, or left out)."""
    from drumnmf.io.annotations import CANONICAL_DRUMS, reduce_classes

    if drum not in CANONICAL_DRUMS:
        return None
    reduced = reduce_classes({drum: np.zeros(1)}, CLASSES)
    return next((cls for cls, times in reduced.items() if times.size), None)


def _run_one(
    item: ExperimentItem,
    variant: Variant,
    samples: Mapping[int, np.ndarray],
    reference: Mapping[str, np.ndarray],
    load_seconds: float,
) -> Run:
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES
    from drumnmf.io.annotations import reduce_classes
    from drumnmf.kit import default_kit, load_kit
    from drumnmf.onsets import pick_top_k
    from drumnmf.pipeline import transcribe
    from drumnmf.spectrogram import frames_to_seconds

    if variant.kit == "default":
        kit = default_kit()
    elif item.kit is None:
        raise DrumnmfError(f"item {item.id!r} has no kit; run it with a default-kit variant")
    else:
        kit = load_kit(item.kit)
    rate = kit.settings.sample_rate
    stamps: list[float] = []
    config = replace(variant.config, picker="adaptive")
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
    classes = {d: _class_of(d) for d in result.drums}
    canonical = {d: t for d, t in result.onsets.items() if classes[d] is not None}
    adaptive = reduce_classes(canonical, CLASSES, merge_window=config.min_interval)
    top_k: dict[str, np.ndarray] = {}
    frame_rate = 1.0 / kit.settings.frame_seconds
    for cls in CLASS_NAMES[CLASSES]:
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
        n_frames=int(result.spectrogram.shape[1]),
        duration=float(result.duration),
        seconds=seconds,
        losses=losses,
        elapsed=np.asarray(stamps, dtype=np.float64) - start,
        solver=result.factorization.solver,
    )


def _run_item(item: ExperimentItem, variants: Sequence[Variant]) -> tuple[list[Run], list[Failure]]:
    """Every variant that applies on one item; audio and reference are read once."""
    from drumnmf.kit import default_kit, load_kit

    runs: list[Run] = []
    failures: list[Failure] = []
    wanted = [v for v in variants if v.applies_to(item.subset)]
    if not wanted:
        return runs, failures
    try:
        reference = _load_reference(item)
        rates = set()
        for variant in wanted:
            if variant.kit == "default":
                rates.add(default_kit().settings.sample_rate)
            elif item.kit is not None:
                rates.add(load_kit(item.kit).settings.sample_rate)
        clock = time.perf_counter()
        samples = {rate: _load_samples(item, rate) for rate in rates}
        load_seconds = (time.perf_counter() - clock) / max(len(rates), 1)
    except (DrumnmfError, OSError) as exc:
        return runs, [Failure(item.id, "*", str(exc))]
    for variant in wanted:
        try:
            runs.append(_run_one(item, variant, samples, reference, load_seconds))
        except (DrumnmfError, OSError) as exc:
            failures.append(Failure(item.id, variant.name, str(exc)))
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
    progress: ProgressCallback | None = None,
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
    progress : callable, optional
        Called with a line of text after each item.

    Returns
    -------
    Results
        Items whose audio, reference or kit cannot be read are listed in ``failures``.
    """
    names = [v.name for v in variants]
    if not variants or len(set(names)) != len(names):
        raise DrumnmfError(f"variants must be a non-empty list with distinct names, got {names}")
    if not isinstance(jobs, int) or jobs < 1:
        raise DrumnmfError(f"jobs must be a positive number of worker processes, got {jobs!r}")
    if not items:
        raise DrumnmfError("no items to run; check the dataset path, --subset and --split")
    report = progress or (lambda _line: None)
    began = time.perf_counter()
    variant_tuple = tuple(variants)
    done: dict[str, tuple[list[Run], list[Failure]]] = {}

    def finished(item: ExperimentItem, outcome: tuple[list[Run], list[Failure]]) -> None:
        done[item.id] = outcome
        status = "; ".join(f.message for f in outcome[1]) or "ok"
        report(f"[{len(done)}/{len(items)}] {item.id}: {status}")

    if jobs == 1:
        for item in items:
            finished(item, _run_item(item, variant_tuple))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")  # no fork of a threaded BLAS
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_single_threaded
        ) as pool:
            futures = {pool.submit(_run_item, item, variant_tuple): item for item in items}
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


def score(runs: Sequence[Run], picker: str, *, window: float = WINDOW) -> EvaluationResult:
    """Score runs (of one variant) with one picker on the 3 classes.

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

    references = {r.item.id: r.reference for r in runs}
    estimates = {r.item.id: r.estimate(picker) for r in runs}
    return evaluate(references, estimates, window=window, drums=CLASS_NAMES[CLASSES])


def subset_group(subset: str) -> str:
    """The reporting group of a subset: Groove subsets pooled over kits.

    >>> subset_group("groove/validation/GMRockKit/acc0db")
    'groove/validation/*/acc0db'
    """
    parts = subset.split("/")
    if parts[0] == "groove" and len(parts) == 4:
        parts[2] = "*"
    return "/".join(parts)


def _groups(results: Results, *, per_subset: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(label, patterns) of the reporting groups present, then everything."""
    subsets = list(dict.fromkeys(r.item.subset for r in results.runs))
    names = subsets if per_subset else list(dict.fromkeys(subset_group(s) for s in subsets))
    groups: list[tuple[str, tuple[str, ...]]] = [(name, (name,)) for name in names]
    if len(groups) > 1:
        groups.append(("all", ()))
    return groups


def _f(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.3f}"


def _num(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


# ----------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """A table written as CSV (machine) and Markdown (human)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def markdown(self, *, heading: str = "###") -> str:
        """The table as GitHub Markdown, with its title as a heading and its note below."""

        def cell(value: Any) -> str:
            if isinstance(value, float):
                return _f(value)
            return "–" if value is None else str(value)

        lines = [f"{heading} {self.title}", ""] if self.title else []
        lines.append("| " + " | ".join(self.header) + " |")
        numeric = [
            bool(self.rows) and all(isinstance(row[i], (int, float)) for row in self.rows)
            for i in range(len(self.header))
        ]
        lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        """The table as CSV (NaN as empty cells)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        for row in self.rows:
            writer.writerow(
                [
                    ""
                    if v is None or (isinstance(v, float) and math.isnan(v))
                    else (f"{v:.6g}" if isinstance(v, float) else v)
                    for v in row
                ]
            )
        return buffer.getvalue()


def _write_text(path: Path, text: str) -> None:
    from drumnmf.io.export import atomic_path

    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")


def _write_table(folder: Path, stem: str, table: Table) -> list[Path]:
    paths = [folder / f"{stem}.csv", folder / f"{stem}.md"]
    _write_text(paths[0], table.csv())
    _write_text(paths[1], table.markdown(heading="#"))
    return paths


def topk_table(
    results: Results,
    variants: Sequence[str],
    *,
    window: float = WINDOW,
    per_subset: bool = False,
    title: str = "",
) -> Table:
    """Table 1: oracle top-k F per class, micro and macro, per variant and group."""
    rows = []
    for label, patterns in _groups(results, per_subset=per_subset):
        for name in variants:
            runs = results.select(name, patterns)
            if not runs:
                continue
            scores = score(runs, "topk", window=window)
            rows.append(
                (
                    label,
                    len(runs),
                    name,
                    "micro",
                    *(scores.micro[d].f_measure for d in scores.drums),
                    scores.micro_total.f_measure,
                )
            )
            rows.append(
                (
                    label,
                    len(runs),
                    name,
                    "macro",
                    *(scores.macro[d] for d in scores.drums),
                    scores.macro_total,
                )
            )
    return Table(
        title or "Table 1: oracle top-k F-measure",
        ("data", "files", "solver", "mean", "kick", "snare", "hihat", "all"),
        tuple(rows),
        note=f"k = number of reference onsets per class and file; {window * 1000:g} ms window; "
        "micro pools TP/FP/FN over files, macro averages the files' F.",
    )


def adaptive_table(
    results: Results,
    variant: str,
    *,
    window: float = WINDOW,
    per_subset: bool = False,
    title: str = "",
) -> Table:
    """Tables 2 and 3: adaptive-threshold P, R, F per class of one variant."""
    rows = []
    for label, patterns in _groups(results, per_subset=per_subset):
        runs = results.select(variant, patterns)
        if not runs:
            continue
        s = score(runs, "adaptive", window=window)
        row: list[Any] = [label, len(runs)]
        for d in s.drums:
            row += [s.micro[d].precision, s.micro[d].recall, s.micro[d].f_measure]
        row += [
            s.micro_total.precision,
            s.micro_total.recall,
            s.micro_total.f_measure,
            s.macro_total,
        ]
        rows.append(tuple(row))
    header = ["data", "files"]
    for d in ("kick", "snare", "hihat", "all"):
        header += [f"{d} P", f"{d} R", f"{d} F"]
    header.append("all macro F")
    return Table(
        title or f"Adaptive threshold: {variant}",
        tuple(header),
        tuple(rows),
        note=f"Micro P/R/F pooled over files; {window * 1000:g} ms window.",
    )


def runtime_table(results: Results, variants: Sequence[str], *, title: str = "") -> Table:
    """Mean seconds per file and per 1000 frames of each variant (factorization and total)."""
    rows = []
    base: float | None = None
    for name in variants:
        runs = results.select(name)
        if not runs:
            continue
        frames = sum(r.n_frames for r in runs)
        factorize = sum(r.seconds["factorize"] for r in runs)
        total = sum(r.seconds["total"] for r in runs)
        per_1000 = 1000 * factorize / frames
        base = base or per_1000
        rows.append(
            (
                name,
                len(runs),
                round(frames / len(runs)),
                int(np.median([r.losses.size for r in runs])),
                factorize / len(runs),
                per_1000,
                total / len(runs),
                1000 * total / frames,
                per_1000 / base,
            )
        )
    return Table(
        title or "Runtimes",
        (
            "variant",
            "files",
            "mean frames",
            "iterations",
            "factorize s/file",
            "factorize s/1000 frames",
            "total s/file",
            "total s/1000 frames",
            "factorize ratio",
        ),
        tuple(rows),
        note=f"Wall-clock seconds with {results.jobs} worker process(es)"
        + (" of one BLAS thread each" if results.jobs > 1 else "")
        + " on a shared machine: compare the ratios (last column, to the first row), "
        "not the absolute times.",
    )


# ----------------------------------------------------------------------------- Fig. 4


def loss_curves(results: Results, variants: Sequence[str]) -> Table:
    """Fig. 4's data: median (and quartiles) over files of the normalized loss per iteration."""
    rows = []
    for name in variants:
        runs = [r for r in results.select(name) if r.losses.size]
        if not runs:
            continue
        n = min(r.losses.size for r in runs)
        losses = np.stack([r.losses[:n] for r in runs])
        per_1000 = np.stack([r.elapsed[:n] / (r.n_frames / 1000) for r in runs])
        q25, median, q75 = np.percentile(losses, [25, 50, 75], axis=0)
        for i in range(n):
            rows.append(
                (
                    name,
                    i + 1,
                    2 * (i + 1),
                    float(per_1000[:, i].mean()),
                    float(median[i]),
                    float(q25[i]),
                    float(q75[i]),
                    len(runs),
                )
            )
    return Table(
        "Fig. 4 data: loss / ||V||^2 per outer iteration",
        (
            "solver",
            "iteration",
            "reads of V",
            "seconds per 1000 frames",
            "median loss",
            "q25 loss",
            "q75 loss",
            "files",
        ),
        tuple(rows),
    )


_COLORS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")


def plot_budget_losses(curves: Table, path: str | os.PathLike[str]) -> Path:
    """Draw Fig. 4: normalized loss against reads of V and against time, one line per solver.

    Parameters
    ----------
    curves : Table
        From :func:`loss_curves`.
    path : path-like
        PNG (or SVG, PDF) to write.

    Returns
    -------
    Path
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise DrumnmfError("Fig. 4 needs matplotlib: pip install 'drumnmf[plot]'") from exc
    from drumnmf.display.plots import save_figure

    fig = Figure(figsize=(10.0, 4.2), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    names = list(dict.fromkeys(row[0] for row in curves.rows))
    for k, name in enumerate(names):
        rows = np.array([row[1:7] for row in curves.rows if row[0] == name], dtype=np.float64)
        files = next(row[7] for row in curves.rows if row[0] == name)
        color = _COLORS[k % len(_COLORS)]
        marker = "o" if rows.shape[0] <= 30 else None
        for ax, x in zip(axes, (rows[:, 1], rows[:, 2]), strict=True):
            ax.fill_between(x, rows[:, 4], rows[:, 5], color=color, alpha=0.2, lw=0)
            ax.plot(
                x,
                rows[:, 3],
                color=color,
                lw=1.6,
                marker=marker,
                ms=3,
                label=f"{name} ({rows.shape[0]} it., {files} files)",
            )
    axes[0].set_xlabel("reads of V (2 per MUR sweep or NeNMF outer iteration)")
    axes[1].set_xlabel("seconds per 1000 frames (mean over files)")
    axes[0].set_ylabel("loss / ||V||²  (median, quartile band)")
    from matplotlib.ticker import NullFormatter

    for ax in axes:
        ax.set_yscale("log")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short ranges
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend()
    fig.suptitle("Fig. 4: partially fixed NMF loss, MUR against NeNMF on one budget axis")
    save_figure(fig, path)
    return Path(path)


# ----------------------------------------------------------------------------- provenance


def git_revision(folder: str | os.PathLike[str] | None = None) -> tuple[str, bool | None]:
    """The git commit of ``folder`` (default: this package's checkout) and whether it is dirty.

    Returns
    -------
    revision : str
        ``git rev-parse HEAD``, or ``"unknown"`` outside a git checkout.
    dirty : bool or None
        Tracked files differ from the commit; None when unknown.
    """
    where = Path(folder) if folder is not None else Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return "unknown", None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
    return head.stdout.strip(), dirty


def provenance(command: str | Sequence[str] | None = None) -> dict[str, Any]:
    """What is needed to repeat a run: command, date, versions, git revision, BLAS.

    Parameters
    ----------
    command : str or sequence of str, optional
        The command line that made the run.
    """
    from importlib import metadata

    from drumnmf.pipeline import versions

    found = versions()
    for name in ("matplotlib", "threadpoolctl"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    revision, dirty = git_revision()
    blas: list[dict[str, Any]] = []
    try:
        from threadpoolctl import threadpool_info

        blas = [
            {
                k: v
                for k, v in info.items()
                if k
                in ("internal_api", "version", "architecture", "num_threads", "threading_layer")
            }
            for info in threadpool_info()
        ]
    except ImportError:  # pragma: no cover
        pass
    if command is not None and not isinstance(command, str):
        command = shlex.join(command)
    return {
        "command": command,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_revision": revision,
        "git_dirty": dirty,
        "versions": found,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "blas": blas,
        "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")},
    }


def _write_json(path: Path, document: Mapping[str, Any]) -> None:
    from drumnmf.io.export import write_json

    write_json(path, document)


def _runs_rows(results: Results, window: float) -> Table:
    """Per item and variant: F per class for both pickers, timing, final loss."""
    from drumnmf.io.annotations import CLASSES as CLASS_NAMES

    rows = []
    for r in results.runs:
        scores = {p: score([r], p, window=window).files[r.item.id] for p in PICKERS}
        row: list[Any] = [r.item.id, r.item.subset, r.item.split, r.item.leaky, r.variant]
        for p in PICKERS:
            row += [scores[p].drums[d].f_measure for d in CLASS_NAMES[CLASSES]]
        row += [
            r.n_frames,
            r.seconds["factorize"],
            r.seconds["total"],
            float(r.losses[-1]) if r.losses.size else math.nan,
        ]
        rows.append(tuple(row))
    header = ["item", "subset", "split", "leaky", "variant"]
    header += [f"{p} {d} F" for p in PICKERS for d in CLASS_NAMES[CLASSES]]
    header += ["frames", "factorize s", "total s", "final loss / ||V||^2"]
    return Table("Per-item F-measures", tuple(header), tuple(rows))


# ----------------------------------------------------------------------------- the paper


@dataclass(frozen=True, eq=False)
class PaperReport:
    """What :func:`run_paper` made.

    Attributes
    ----------
    out : Path
        The output folder.
    files : dict str -> Path
        Written files by role (``config``, ``table1_csv``, ``fig4``, ``summary``...).
    results : Results
    tables : dict str -> Table
    """

    out: Path
    files: dict[str, Path]
    results: Results
    tables: dict[str, Table] = field(default_factory=dict)


def dataset_items(
    kind: str,
    path: str | os.PathLike[str],
    *,
    kits_dir: str | os.PathLike[str],
    enst_mix: str = "wet_mix",
    enst_calibration: str = "auto",
    enst_accompaniment: bool = False,
    subsets: Sequence[str] = (),
    progress: ProgressCallback | None = None,
) -> tuple[ExperimentItem, ...]:
    """Every item of a dataset of the given kind (``corpus`` or ``enst``).

    ``subsets`` lets the ENST reader calibrate kits only for the tracks that will run.
    """
    if kind not in DATASET_KINDS:
        raise DrumnmfError(f"dataset kind {kind!r} must be one of {', '.join(DATASET_KINDS)}")
    if not Path(path).exists():
        raise DrumnmfError(f"dataset path '{path}' does not exist")
    if kind == "corpus":
        return corpus_items(path)
    return enst_items(
        path,
        kits_dir=kits_dir,
        mix=enst_mix,
        calibration=enst_calibration,
        accompaniment=enst_accompaniment,
        subsets=subsets,
        progress=progress,
    )


def run_paper(
    kind: str,
    path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str],
    subsets: Sequence[str] = (),
    splits: Sequence[str] | None = None,
    limit: int | None = None,
    jobs: int = DEFAULT_JOBS,
    window: float = WINDOW,
    enst_mix: str = "wet_mix",
    enst_calibration: str = "auto",
    enst_accompaniment: bool = False,
    command: str | Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> PaperReport:
    """Reproduce the paper's study (MUR against NeNMF) on a dataset.

    Parameters
    ----------
    kind : {"corpus", "enst"}
        ``corpus``: a development corpus folder or manifest (``drumnmf corpus build``);
        ``enst``: an ENST-Drums copy.
    path : path-like
    out : path-like
        Output folder (created): ``config.json``, ``summary.md``, ``table1_topk``,
        ``table2_mur_adaptive``, ``table3_nenmf_adaptive``, ``runtimes`` (each ``.csv`` and
        ``.md``), ``fig4_losses.png`` and ``.csv``, ``items.csv``, ``scores.json`` and, for
        ENST, the calibrated kits under ``kits/``.
    subsets : sequence of str
        Subset patterns or prefixes to run (default all).
    splits : sequence of str, optional
        Splits to run; default every split but ``train`` (tuning material).
    limit : int, optional
        Most items per subset.
    jobs : int
        Worker processes.
    window : float
        Matching window, seconds.
    enst_mix, enst_calibration, enst_accompaniment
        ENST options, see :func:`enst_items`.
    command : str or sequence of str, optional
        The command line, recorded in ``config.json``.
    progress : callable, optional
        Called with a line of text as the run advances.

    Returns
    -------
    PaperReport
    """
    from drumnmf.io.export import check_writable_dir

    folder = check_writable_dir(out)
    everything = dataset_items(
        kind,
        path,
        kits_dir=folder / "kits",
        enst_mix=enst_mix,
        enst_calibration=enst_calibration,
        enst_accompaniment=enst_accompaniment,
        subsets=subsets,
        progress=progress,
    )
    if splits is None:
        splits = tuple(dict.fromkeys(i.split for i in everything if i.split != "train"))
    items = select_items(everything, subsets=subsets, splits=splits, limit=limit)
    if not items:
        known = ", ".join(dict.fromkeys(i.subset for i in everything)) or "none"
        raise DrumnmfError(
            f"no items match --subset {list(subsets)} and splits {list(splits)}; subsets: {known}"
        )
    variants = paper_variants()
    results = run_variants(items, variants, jobs=jobs, progress=progress)
    if not results.runs:
        raise DrumnmfError("every item failed: " + "; ".join(f.message for f in results.failures))
    names = [v.name for v in variants]
    tables = {
        "table1_topk": topk_table(results, names, window=window),
        "table2_mur_adaptive": adaptive_table(
            results, "MUR", window=window, title="Table 2: adaptive threshold, MUR (100 sweeps)"
        ),
        "table3_nenmf_adaptive": adaptive_table(
            results, "NeNMF", window=window, title="Table 3: adaptive threshold, NeNMF (10 x 10)"
        ),
        "runtimes": runtime_table(results, names, title="Runtimes of the two solvers"),
        "fig4_losses": loss_curves(results, names),
    }
    detail = {
        "table1_topk_per_subset": topk_table(
            results, names, window=window, per_subset=True, title="Table 1 per subset"
        ),
        "items": _runs_rows(results, window),
    }
    files: dict[str, Path] = {}
    for stem, table in {**tables, **detail}.items():
        csv_path, md_path = _write_table(folder, stem, table)
        files[f"{stem}_csv"], files[f"{stem}_md"] = csv_path, md_path
    files["fig4"] = plot_budget_losses(tables["fig4_losses"], folder / "fig4_losses.png")
    meta = provenance(command)
    config = {
        "format": "drumnmf-experiment",
        "version": 1,
        "experiment": "paper",
        "dataset": {"kind": kind, "path": str(Path(path).resolve())},
        "selection": {"subsets": list(subsets), "splits": list(splits), "limit": limit},
        "evaluation": {
            "classes": CLASSES,
            "window": window,
            "empty": "skip",
            "pickers": list(PICKERS),
        },
        "enst": {
            "mix": enst_mix,
            "calibration": enst_calibration,
            "accompaniment": enst_accompaniment,
        }
        if kind == "enst"
        else None,
        "variants": [v.to_dict() for v in variants],
        "jobs": jobs,
        "seconds": round(results.seconds, 1),
        "items": [i.id for i in items],
        "failures": [f.__dict__ for f in results.failures],
        **meta,
    }
    files["config"] = folder / "config.json"
    _write_json(files["config"], config)
    scores = {
        f"{name}/{picker}/{label}": score(
            results.select(name, patterns), picker, window=window
        ).to_dict()
        for name in names
        for picker in PICKERS
        for label, patterns in _groups(results, per_subset=True)
        if results.select(name, patterns)
    }
    files["scores"] = folder / "scores.json"
    _write_json(
        files["scores"], {"format": "drumnmf-experiment-scores", "version": 1, "scores": scores}
    )
    files["summary"] = folder / "summary.md"
    _write_text(files["summary"], _paper_summary(results, tables, config, kind))
    return PaperReport(out=folder, files=files, results=results, tables=tables)


def _paper_summary(
    results: Results, tables: Mapping[str, Table], config: Mapping[str, Any], kind: str
) -> str:
    leaky = sum(1 for i in results.items if i.leaky)
    lines = [
        "# The paper's study: MUR against NeNMF",
        "",
        f"Dataset: {kind} `{config['dataset']['path']}`, {len(results.items)} files "
        f"({leaky} with leaky templates cut from the file itself). "
        f"Made by `{config['command']}` on {config['date']}, drumnmf "
        f"{config['versions']['drumnmf']}, git {config['git_revision']}"
        + (" (uncommitted changes)" if config["git_dirty"] else "")
        + f"; {config['seconds']} s with {results.jobs} worker(s).",
        "",
        "Configurations: " + "; ".join(v.to_dict()["description"] for v in results.variants) + ".",
        "Evaluation: 3 classes (kick, snare, hi-hat), "
        f"{config['evaluation']['window'] * 1000:g} ms window.",
        "",
        tables["table1_topk"].markdown(heading="##"),
        tables["table2_mur_adaptive"].markdown(heading="##"),
        tables["table3_nenmf_adaptive"].markdown(heading="##"),
        tables["runtimes"].markdown(heading="##"),
        "## Fig. 4",
        "",
        "![Fig. 4](fig4_losses.png)",
        "",
    ]
    if results.failures:
        lines += ["## Failures", ""]
        lines += [f"- `{f.item}` ({f.variant}): {f.message}" for f in results.failures]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- accuracy doc


@dataclass(frozen=True, eq=False)
class AccuracyReport:
    """What :func:`run_accuracy` made: the document, its results and the files written."""

    doc: Path
    text: str
    results: Results
    ablations: Results | None
    files: dict[str, Path] = field(default_factory=dict)


def run_accuracy(
    corpus: str | os.PathLike[str],
    *,
    doc: str | os.PathLike[str] = "docs/accuracy.md",
    out: str | os.PathLike[str] | None = None,
    variants: Sequence[Variant] | None = None,
    ablations: Sequence[Variant] = ABLATIONS,
    splits: Sequence[str] = ("validation", "dev"),
    ablation_splits: Sequence[str] = ("train",),
    limit: int | None = None,
    jobs: int = DEFAULT_JOBS,
    window: float = WINDOW,
    command: str | Sequence[str] | None = None,
    progress: ProgressCallback | None = None,
) -> AccuracyReport:
    """Measure the paper's protocol and the default pipeline on the development corpus.

    Parameters
    ----------
    corpus : path-like
        The corpus folder or manifest (``drumnmf corpus build``).
    doc : path-like
        The Markdown document to write (``docs/accuracy.md``).
    out : path-like, optional
        Also write the tables as CSV and ``config.json`` here.
    variants : sequence of Variant, optional
        The reported pipelines; default :func:`accuracy_variants`.
    ablations : sequence of Variant
        The rows of the ablation table (empty: the section lists none).
    splits : sequence of str
        Splits reported (validation; MDB's ``dev``).
    ablation_splits : sequence of str
        Splits the ablations run on (tuning happens on ``train``).
    limit : int, optional
        Most items per subset (a quick look; the document says so).
    jobs : int
        Worker processes.
    window : float
        Matching window, seconds.
    command : str or sequence of str, optional
        The command line, recorded in the document.
    progress : callable, optional

    Returns
    -------
    AccuracyReport
    """
    everything = corpus_items(corpus)
    chosen = variants if variants is not None else accuracy_variants()
    items = select_items(everything, splits=splits, limit=limit)
    if not items:
        raise DrumnmfError(f"the corpus has no items in splits {list(splits)}")
    report = progress or (lambda _line: None)
    report(f"reported pipelines: {len(items)} items x {len(chosen)} variants")
    results = run_variants(items, chosen, jobs=jobs, progress=progress)
    ablation_results = None
    ablation_items = select_items(everything, splits=ablation_splits, limit=limit)
    if ablations and ablation_items:
        report(f"ablations: {len(ablation_items)} items x {len(ablations)} variants")
        ablation_results = run_variants(ablation_items, ablations, jobs=jobs, progress=progress)
    from drumnmf.evaluation.corpus import load_manifest

    manifest = load_manifest(corpus)
    meta = provenance(command)
    text = render_accuracy_doc(
        results,
        ablation_results,
        meta=meta,
        manifest=manifest,
        window=window,
        limit=limit,
        ablation_splits=ablation_splits,
    )
    doc_path = Path(doc)
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    _write_text(doc_path, text)
    files: dict[str, Path] = {"doc": doc_path}
    if out is not None:
        from drumnmf.io.export import check_writable_dir

        folder = check_writable_dir(out)
        names = [v.name for v in results.variants]
        for name in names:
            stem = "adaptive_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
            for path in _write_table(
                folder, stem, adaptive_table(results, name, window=window, per_subset=True)
            ):
                files[path.name] = path
        for path in _write_table(
            folder, "topk", topk_table(results, names, window=window, per_subset=True)
        ):
            files[path.name] = path
        for path in _write_table(folder, "items", _runs_rows(results, window)):
            files[path.name] = path
        if ablation_results is not None:
            for path in _write_table(
                folder, "ablation_items", _runs_rows(ablation_results, window)
            ):
                files[path.name] = path
        files["config"] = folder / "config.json"
        _write_json(
            files["config"],
            {
                "format": "drumnmf-experiment",
                "version": 1,
                "experiment": "accuracy",
                "corpus": str(manifest.root.resolve()),
                "splits": list(splits),
                "ablation_splits": list(ablation_splits),
                "limit": limit,
                "window": window,
                "variants": [v.to_dict() for v in results.variants],
                "ablations": [v.to_dict() for v in ablations],
                "jobs": jobs,
                **meta,
            },
        )
    return AccuracyReport(
        doc=doc_path, text=text, results=results, ablations=ablation_results, files=files
    )


def _micro_row(runs: Sequence[Run], picker: str, window: float) -> tuple[Any, ...]:
    s = score(runs, picker, window=window)
    return (*(s.micro[d].f_measure for d in s.drums), s.micro_total.f_measure, s.macro_total)


def _kit_of_subset(subset: str) -> str:
    parts = subset.split("/")
    return parts[2] if parts[0] == "groove" and len(parts) == 4 else ""


def render_accuracy_doc(
    results: Results,
    ablations: Results | None,
    *,
    meta: Mapping[str, Any],
    manifest: Manifest | None = None,
    window: float = WINDOW,
    limit: int | None = None,
    ablation_splits: Sequence[str] = ("train",),
) -> str:
    """The text of ``docs/accuracy.md`` from the runs (see :func:`run_accuracy`)."""
    names = [v.name for v in results.variants]
    by_name = {v.name: v for v in results.variants}
    subsets = list(dict.fromkeys(r.item.subset for r in results.runs))
    n_items = len(results.items)
    out: list[str] = [
        "# Accuracy on the development corpus",
        "",
        "<!-- Generated by the command below; do not edit by hand: rerun it. -->",
        "",
        f"- command: `{meta.get('command')}`",
        f"- date: {meta.get('date')}",
        f"- drumnmf {meta['versions'].get('drumnmf')}, git `{meta.get('git_revision')}`"
        + (" (with uncommitted changes)" if meta.get("git_dirty") else ""),
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if k != "drumnmf"),
        f"- machine: {meta.get('platform')}, {meta.get('cpus')} CPUs, "
        + ", ".join(
            f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')})"
            for b in meta.get("blas", [])
        ),
        f"- {n_items} files, {results.seconds / 60:.1f} min with {results.jobs} worker process(es)"
        + (
            f"; at most {limit} files per subset (a quick look, not the full corpus)"
            if limit
            else ""
        ),
    ]
    if manifest is not None:
        built = manifest.config
        out.append(
            f"- corpus: `{manifest.root}`, {len(manifest.items)} items; Groove MIDI: "
            f"{built.get('max_per_split') or 'all'} performances per split, first "
            f"{built.get('max_seconds')} s, kits {', '.join(built.get('kits', []))}"
        )
    out += [
        "",
        "## Protocol",
        "",
        "Every file is transcribed with its own calibrated kit (Groove: one medium hit of each "
        "drum of the same sample kit; MDB: templates cut from the track's own annotated "
        "isolated hits, so MDB numbers are optimistic, *leaky*). References and estimates are "
        "pooled into 3 classes (kick, snare, hi-hat: `reduce_classes`); onsets match within "
        f"{window * 1000:g} ms. **Micro F** pools TP/FP/FN over the files of a subset; the "
        "last column is the macro F (mean of the files' F over classes and files).",
        "Tuning happens on the Groove *train* split; the numbers below are on the *validation* "
        "split (Groove) and the MDB development tracks, never used for tuning.",
        "",
        "Pipelines:",
        "",
    ]
    for v in results.variants:
        scope = f" (only on {', '.join(v.subsets)})" if v.subsets else ""
        kit = "built-in default kit" if v.kit == "default" else "calibrated kit"
        out.append(f"- **{v.name}**: {v.description or describe_config(v.config)}; {kit}{scope}.")
    out.append("")

    header = ("subset", "files", "pipeline", "kick", "snare", "hihat", "all", "macro all")

    def section(
        title: str, chosen: Sequence[str], picker: str, variants: Sequence[str], note: str = ""
    ) -> None:
        rows = []
        for subset in chosen:
            for name in variants:
                runs = results.select(name, (subset,))
                if runs:
                    rows.append((subset, len(runs), name, *_micro_row(runs, picker, window)))
        if rows:
            out.append(Table(title, header, tuple(rows), note=note).markdown(heading="###"))

    adaptive_names = [n for n in names if by_name[n].kit == "item"]
    groove = [s for s in subsets if s.startswith("groove/")]
    mdb = [s for s in subsets if s.startswith("mdb/")]
    other = [s for s in subsets if s not in groove and s not in mdb]
    out += ["## Results: adaptive threshold (what a user gets)", ""]
    pooled = list(dict.fromkeys(subset_group(s) for s in groove))
    kits = list(dict.fromkeys(_kit_of_subset(s) for s in groove))
    pooled_title = f"Groove validation, pooled over the {len(kits)} kit(s)"
    section(pooled_title, pooled, "adaptive", adaptive_names)
    for kit in kits:
        section(
            f"Groove validation, kit {kit}",
            [s for s in groove if _kit_of_subset(s) == kit],
            "adaptive",
            adaptive_names,
        )
    section(
        "MDB Drums (leaky templates)",
        mdb,
        "adaptive",
        adaptive_names,
        note="mdb/drums: drum-only recording; mdb/acc: with the other stems at their "
        "recorded balance; mdb/mix: the official full mixes where they exist.",
    )
    section("Other subsets", other, "adaptive", adaptive_names)
    default_kit_names = [n for n in names if by_name[n].kit == "default"]
    if default_kit_names:
        drums_only = [s for s in groove if s.endswith("/drums")]
        compare = [n for n in names if n == "default"] + default_kit_names
        section(
            "Default kit, no calibration (rendered kits, drums only)",
            drums_only,
            "adaptive",
            compare,
            note="`default kit` transcribes with drumnmf's built-in kit instead of the "
            "kit calibrated on the same sample kit: what a user gets without "
            "calibrating.",
        )

    out += ["## Results: oracle top-k (the paper's Table 1 protocol)", ""]
    section(
        pooled_title,
        pooled,
        "topk",
        adaptive_names,
        note="k = the number of reference onsets per class and file.",
    )
    section("MDB Drums (leaky templates)", mdb, "topk", adaptive_names)
    section("Other subsets", other, "topk", adaptive_names)

    out += ["## Runtimes", ""]
    out.append(runtime_table(results, names, title="All reported files").markdown(heading="###"))

    out += ["## Ablations", ""]
    if ablations is None:
        out += [
            f"Not run (no items in splits {', '.join(ablation_splits)}, or no variants).",
            "",
        ]
    else:
        out.append(
            f"Named variants of the default pipeline on the {', '.join(ablation_splits)} "
            "split (tuning data), adaptive-threshold micro F per condition. Add a row: append "
            "a `Variant` to `drumnmf.evaluation.experiments.ABLATIONS`, or pass `--variant 'NAME: "
            "key=value, ...'` to `drumnmf experiment accuracy`."
        )
        out.append("")
        groups = list(dict.fromkeys(subset_group(r.item.subset) for r in ablations.runs))
        rows = []
        for v in ablations.variants:
            picker = v.config.picker
            cells: list[Any] = [v.name, picker]
            for group in groups:
                runs = ablations.select(v.name, (group,))
                cells.append(
                    score(runs, picker, window=window).micro_total.f_measure if runs else math.nan
                )
            runs = ablations.select(v.name)
            s = score(runs, picker, window=window)
            cells += [*(s.micro[d].f_measure for d in s.drums), s.micro_total.f_measure]
            per_1000 = (
                1000
                * sum(r.seconds["factorize"] for r in runs)
                / max(1, sum(r.n_frames for r in runs))
            )
            cells.append(round(per_1000, 3))
            rows.append(tuple(cells))
        header_ab = (
            "variant",
            "picker",
            *groups,
            "kick",
            "snare",
            "hihat",
            "all",
            "factorize s/1000 frames",
        )
        out.append(Table("Ablation table", header_ab, tuple(rows)).markdown(heading="###"))
        out.append("Variants:")
        out.append("")
        out += [
            f"- **{v.name}**: {v.description or describe_config(v.config)}"
            for v in ablations.variants
        ]
        out.append("")
    failures = [*results.failures, *(ablations.failures if ablations else ())]
    if failures:
        out += ["## Failures", ""]
        out += [f"- `{f.item}` ({f.variant}): {f.message}" for f in failures]
        out.append("")
    build = "drumnmf corpus build --out corpus"
    if manifest is not None and manifest.config.get("max_per_split"):
        build += f" --max-per-split {manifest.config['max_per_split']}"
    out += [
        "## Reproduce",
        "",
        "```bash",
        build,
        str(meta.get("command") or "drumnmf experiment accuracy corpus --doc docs/accuracy.md"),
        "```",
        "",
    ]
    return "\n".join(out)
