"""Annotated recordings of an experiment, and the dataset adapters that list them.

:class:`ExperimentItem` is one recording with its reference and calibrated kit;
:func:`corpus_items` lists the development corpus (:mod:`drumnmf.evaluation.corpus`),
:func:`enst_items` an ENST-Drums copy (calibrating each drummer's kit), and
:func:`dataset_items` either by kind. :func:`select_items` keeps subsets and splits;
:func:`read_samples` and :func:`read_reference` read an item's audio and class onsets.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError

if TYPE_CHECKING:
    from drumnmf.evaluation.corpus import CorpusItem, Manifest
    from drumnmf.kit import Kit

__all__ = [
    "CLASSES",
    "DATASET_KINDS",
    "ENST_CALIBRATIONS",
    "ENST_MIXES",
    "ExperimentItem",
    "ProgressCallback",
    "corpus_items",
    "dataset_items",
    "enst_items",
    "enst_track_kind",
    "find_enst_drummers",
    "matches_subset",
    "read_reference",
    "read_samples",
    "select_items",
]

#: Dataset kinds understood by :func:`dataset_items` (and ``run_paper``).
DATASET_KINDS: tuple[str, ...] = ("corpus", "enst")
#: How ENST-Drums kits are calibrated (see :mod:`drumnmf.evaluation.experiments`).
ENST_CALIBRATIONS: tuple[str, ...] = ("auto", "hits", "track")
#: ENST-Drums microphone mixes (folders of ``drummer_N/audio``).
ENST_MIXES: tuple[str, ...] = ("wet_mix", "dry_mix")
CLASSES = 3  # kick, snare, hihat
ENST_ISOLATION = (0.1, 0.05, 0.03)  # s: isolation tried in turn when cutting from a track

ProgressCallback = Callable[[str], Any]

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


def matches_subset(subset: str, pattern: str) -> bool:
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
        if (not subsets or any(matches_subset(item.subset, p) for p in subsets))
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


def read_samples(item: ExperimentItem, sample_rate: int) -> np.ndarray:
    """The item's audio at ``sample_rate``, its accompaniment (if any) added sample by sample."""
    from drumnmf.io.audio import load_audio

    samples = load_audio(item.audio, sample_rate=sample_rate)
    if item.accompaniment is None:
        return samples
    backing = load_audio(item.accompaniment, sample_rate=sample_rate)
    mixed = np.zeros(max(samples.size, backing.size), dtype=np.float32)
    mixed[: samples.size] += samples
    mixed[: backing.size] += backing
    return mixed


def read_reference(item: ExperimentItem, *, classes: int = CLASSES) -> dict[str, np.ndarray]:
    """The item's reference onsets pooled into ``classes`` (3 or 5) classes, seconds."""
    from drumnmf.evaluation.metrics import scoring_classes
    from drumnmf.io.annotations import load_annotations

    if item.reference_format == "enst":
        return _enst_reference(item.reference, classes)
    reference: dict[str, np.ndarray] = scoring_classes(
        load_annotations(item.reference, fmt=item.reference_format).onsets, classes
    )
    return reference


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


def _enst_reference(path: Path, classes: int = CLASSES) -> dict[str, np.ndarray]:
    """Class onsets of an ENST annotation file (unknown labels read as ``other``)."""
    from drumnmf.evaluation.metrics import scoring_classes
    from drumnmf.io.annotations import load_enst

    reference: dict[str, np.ndarray] = scoring_classes(
        load_enst(path, unknown="other").onsets, classes
    )
    return reference


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
                wanted = [w for w in wanted if any(matches_subset(w, p) for p in subsets)]
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
