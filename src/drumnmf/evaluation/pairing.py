"""Scoring files: pair reference and estimate files by name, read them and score them.

:func:`pair_paths` pairs files or folders (the rule is in its docstring), and
:func:`evaluate_paths` reads each pair with :func:`drumnmf.io.annotations.load_annotations`,
optionally reduces both sides to 3 or 5 classes, and scores them with
:func:`drumnmf.evaluation.metrics.evaluate`, whose conventions (units, matching window,
empty inputs, aggregates) apply unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.metrics import (
    DEFAULT_WINDOW,
    EmptyPolicy,
    EvaluationResult,
    _check_empty,
    _check_window,
    evaluate,
    scoring_classes,
)
from drumnmf.evaluation.velocity import evaluate_velocity, has_velocities
from drumnmf.io.annotations import (
    CLASSES,
    FORMATS,
    SUFFIXES,
    Annotations,
    load_annotations,
)

__all__ = [
    "PAIRING_SUFFIXES",
    "FilePair",
    "Pairing",
    "evaluate_paths",
    "pair_paths",
    "pairing_key",
]

PathLike = str | os.PathLike[str]

#: Stem endings ignored when pairing files (case-insensitive): MDB annotation and audio names.
PAIRING_SUFFIXES: tuple[str, ...] = ("_subclass", "_class", "_drum", "_mix", "#mix")
# When one recording has files in several formats, the first format here is read.
_FORMAT_PREFERENCE = (".json", ".csv", ".txt", ".lab", ".tsv", ".xml", ".svl", ".mid", ".midi")


@dataclass(frozen=True)
class FilePair:
    """A reference file and its estimate (None: no estimate), under a common name."""

    name: str
    reference: Path
    estimate: Path | None


@dataclass(frozen=True)
class Pairing:
    """Result of :func:`pair_paths`: the pairs, and estimates that have no reference."""

    pairs: tuple[FilePair, ...]
    unmatched_estimates: tuple[Path, ...] = ()


def pairing_key(stem: str) -> str:
    """The name under which a file is paired: its stem minus one known suffix.

    The suffixes, :data:`PAIRING_SUFFIXES`, are compared case-insensitively: MDB Drums'
    ``_class``/``_subclass`` annotation names and ``_Drum``/``_MIX`` audio names, IDMT's
    ``#MIX``. ``MusicDelta_Rock_class`` and ``MusicDelta_Rock_Drum`` both pair as
    ``MusicDelta_Rock``.
    """
    lower = stem.lower()
    for suffix in PAIRING_SUFFIXES:
        if lower.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return stem


def _annotation_files(folder: Path, fmt: str, what: str) -> dict[str, Path]:
    """Annotation files of a folder by pairing key; one file per key."""
    suffixes = SUFFIXES[fmt] if fmt != "auto" else tuple(s for v in SUFFIXES.values() for s in v)
    rank = {s: i for i, s in enumerate(_FORMAT_PREFERENCE)}
    by_key: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() in suffixes:
            by_key.setdefault(pairing_key(path.stem), []).append(path)
    chosen = {}
    for key, paths in by_key.items():
        stems = sorted({p.stem for p in paths})
        if len(stems) > 1:
            raise DrumnmfError(
                f"{what} files {', '.join(stems)} in '{folder}' all pair as {key!r}; keep one "
                "per recording in the folder (e.g. class and subclass files in separate folders)"
            )
        chosen[key] = min(paths, key=lambda p: rank.get(p.suffix.lower(), len(rank)))
    return chosen


def pair_paths(
    reference_path: PathLike,
    estimate_path: PathLike,
    *,
    reference_format: str = "auto",
    estimate_format: str = "auto",
) -> Pairing:
    """Pair reference and estimate files, each given as a file or a folder.

    Pairing rule: a file's name for pairing is its stem minus one known suffix
    (:func:`pairing_key`: ``_class``, ``_subclass``, ``_Drum``, ``_MIX``, ``#MIX``, any
    case), so an estimate named like the reference, like the recording or like the
    reference minus its suffix pairs with it (``song_class.txt`` with ``song.csv``,
    ``song_class.json`` or ``song_Drum.mid``). Folders are read without recursion; only
    files with an annotation suffix (or the suffixes of the given format) count, hidden
    files are skipped. When one recording has files in several formats, the first of
    json, csv, txt, lab, tsv, xml, svl, mid is used; two different stems with one
    pairing name are an error. A reference without an estimate is kept (scored as no
    detections).

    Parameters
    ----------
    reference_path, estimate_path : str or path
        Files or folders. A reference folder needs an estimate folder.
    reference_format, estimate_format : str
        ``"auto"`` or one of :data:`~drumnmf.io.annotations.FORMATS`; restricts the files
        considered in a folder.

    Returns
    -------
    Pairing
    """
    for fmt, what in ((reference_format, "reference_format"), (estimate_format, "estimate_format")):
        if fmt != "auto" and fmt not in FORMATS:
            raise DrumnmfError(f"{what}={fmt!r} is not 'auto' or one of {', '.join(FORMATS)}")
    ref, est = Path(reference_path), Path(estimate_path)
    for path, what in ((ref, "REFERENCE"), (est, "ESTIMATE")):
        if not path.exists():
            raise DrumnmfError(f"{what} '{path}' does not exist; give a file or a folder")
    if ref.is_file():
        key = pairing_key(ref.stem)
        if est.is_file():
            return Pairing((FilePair(key, ref, est),))
        estimates = _annotation_files(est, estimate_format, "estimate")
        match = estimates.pop(key, None)
        return Pairing((FilePair(key, ref, match),), tuple(estimates.values()))
    if est.is_file():
        raise DrumnmfError(
            f"REFERENCE '{ref}' is a folder but ESTIMATE '{est}' is a file; give a folder "
            "of estimates, or one reference file"
        )
    references = _annotation_files(ref, reference_format, "reference")
    if not references:
        raise DrumnmfError(
            f"no annotation files in '{ref}' (looked for "
            f"{', '.join(SUFFIXES.get(reference_format, ('any known suffix',)))}); "
            "check the folder or --reference-format"
        )
    estimates = _annotation_files(est, estimate_format, "estimate")
    if not set(references) & set(estimates):
        raise DrumnmfError(
            f"no reference in '{ref}' has an estimate in '{est}' (files pair by name minus "
            f"{', '.join(PAIRING_SUFFIXES)}): reference names {_names(references)}; estimate "
            f"names {_names(estimates)}. Rename the files, or check the folders"
        )
    pairs = tuple(FilePair(k, p, estimates.get(k)) for k, p in references.items())
    unmatched = tuple(p for k, p in estimates.items() if k not in references)
    return Pairing(pairs, unmatched)


def _names(files: Mapping[str, Path], limit: int = 8) -> str:
    """Pairing names for a message: the first ``limit``, then how many more."""
    keys = sorted(files)
    if not keys:
        return "(none: no annotation files)"
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def evaluate_paths(
    reference_path: PathLike,
    estimate_path: PathLike,
    *,
    window: float = DEFAULT_WINDOW,
    top_k: bool = False,
    classes: int | None = 3,
    empty: EmptyPolicy = "skip",
    reference_format: str = "auto",
    estimate_format: str = "auto",
    errors: Literal["raise", "skip"] = "raise",
) -> EvaluationResult:
    """Read, pair and score reference and estimate files (see :func:`pair_paths`).

    Parameters
    ----------
    reference_path, estimate_path : str or path
        Files or folders of annotations (any format of :mod:`drumnmf.io.annotations`) and of
        drumnmf's CSV, JSON or MIDI output.
    window : float in (0, 1)
        Matching window in seconds; 0.05 = 50 ms.
    top_k : bool
        Oracle top-k protocol; uses the estimates' strengths (CSV/JSON strength, MIDI
        velocity), or their first k onsets when they have none.
    classes : {3, 5} or None
        Reduce both sides to the 3-class (kick, snare, hihat) or 5-class vocabulary with
        :func:`~drumnmf.io.annotations.reduce_classes` and score exactly those classes; None
        scores the drum names as read (compare MIDI estimates, which carry only note
        numbers, with a reduction).
    empty : {"skip", "zero", "one"}
        Empty-input policy (see :mod:`drumnmf.evaluation.metrics`).
    reference_format, estimate_format : str
        ``"auto"`` or one of :data:`~drumnmf.io.annotations.FORMATS`.
    errors : {"raise", "skip"}
        What a file that cannot be read does: ``"raise"`` stops with its error;
        ``"skip"`` leaves its recording out and lists it in ``failed`` (an error is still
        raised when no recording can be scored).

    Returns
    -------
    EvaluationResult
        With ``classes``, ``sources``, the unmatched estimates, the failed files and the
        empty references filled in; and ``velocity``
        (:func:`drumnmf.evaluation.velocity.evaluate_velocity`) when references carry
        velocities (MIDI, Groove, ``time,drum,velocity`` CSV), classes are reduced and
        ``top_k`` is off.
    """
    if errors not in ("raise", "skip"):
        raise DrumnmfError(f"errors={errors!r} must be 'raise' or 'skip'")
    win = _check_window(window)
    _check_empty(empty)
    if classes is not None and classes not in CLASSES:
        raise DrumnmfError(f"classes={classes!r} must be 3, 5 or None (no reduction)")
    pairing = pair_paths(
        reference_path,
        estimate_path,
        reference_format=reference_format,
        estimate_format=estimate_format,
    )
    references: dict[str, Annotations] = {}
    estimates: dict[str, Annotations] = {}
    failed: list[tuple[str, str]] = []
    with_velocities: dict[str, Annotations] = {}
    for pair in pairing.pairs:
        reference = estimate = None
        for path, fmt, side in (
            (pair.reference, reference_format, "reference"),
            (pair.estimate, estimate_format, "estimate"),
        ):
            if path is None:
                continue
            try:
                raw, read = _read(path, fmt, classes)
            except DrumnmfError as exc:
                if errors == "raise":
                    raise
                failed.append((str(path), str(exc)))
                break
            if side == "reference":
                reference = read
                if classes is not None and has_velocities(raw):
                    with_velocities[pair.name] = raw
            else:
                estimate = read
        if reference is None or (pair.estimate is not None and estimate is None):
            continue
        references[pair.name] = reference
        if estimate is not None:
            estimates[pair.name] = estimate
    if not references:
        raise DrumnmfError(
            "no recording could be scored: "
            + "; ".join(f"{path}: {reason}" for path, reason in failed)
        )
    scored = [p for p in pairing.pairs if p.name in references]
    velocity = None
    if classes is not None and not top_k:
        velocity = evaluate_velocity(
            {n: a for n, a in with_velocities.items() if n in references},
            estimates,
            classes=classes,
            window=win,
        )
    result = evaluate(
        references,
        estimates,
        window=win,
        top_k=top_k,
        drums=CLASSES[classes] if classes is not None else None,
        empty=empty,
    )
    return replace(
        result,
        classes=classes,
        unmatched_estimates=tuple(p.name for p in pairing.unmatched_estimates),
        sources={
            p.name: (str(p.reference), None if p.estimate is None else str(p.estimate))
            for p in scored
        },
        failed=tuple(failed),
        empty_references=tuple(str(p.reference) for p in scored if _is_empty(p.reference)),
        velocity=velocity,
    )


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _read(path: Path, fmt: str, classes: int | None) -> tuple[Annotations, Annotations]:
    """The annotations as read, and as scored (pooled into ``classes``)."""
    try:
        annotations = load_annotations(path, fmt=fmt)
    except OSError as exc:
        raise DrumnmfError(f"cannot read '{path}' ({exc.strerror or exc})") from None
    if classes is None:
        return annotations, annotations
    try:
        return annotations, scoring_classes(annotations, classes)
    except DrumnmfError as exc:
        raise DrumnmfError(f"{path.name}: {exc}") from None
