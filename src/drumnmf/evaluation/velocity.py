"""Scores by reference velocity: recall per velocity band and per articulation, and how
well estimated strengths rank the reference velocities.

Used by ``drumnmf evaluate`` (and :func:`drumnmf.evaluation.pairing.evaluate_paths`) when
the references carry velocities (General MIDI files, the Groove MIDI Dataset, the corpus's
``velocity/*.csv``); the onset scores themselves stay those of
:mod:`drumnmf.evaluation.metrics`.

Conventions
-----------
Matching
    The same as the onset scores: references and estimates pooled into classes by
    :func:`~drumnmf.evaluation.metrics.scoring_classes` (reference onsets of one class at
    one instant become one, with the larger velocity and that onset's articulation), then
    the largest matching within ``window`` (:func:`mir_eval.util.match_events`). A class's
    true positives here equal its TP in the onset scores.
Bands
    :data:`VELOCITY_BANDS`: ``< 40`` (ghost notes, side sticks), ``40-79``, ``>= 80``, on
    MIDI velocities 1-127. Recall of a band = its matched reference onsets / its reference
    onsets, summed over files.
Articulations
    The canonical drum each reference onset was annotated as (``snare``, ``rimshot``,
    ``side_stick``, ``hihat``, ``open_hihat``, ``pedal_hihat``, ...), recall as for bands.
Strength and velocity
    Spearman's rank correlation of the estimate's strength with the reference velocity over
    the matched onsets of a class: ``spearman`` pools the matched onsets of every file;
    ``file_spearman`` is the median over files of each file's own correlation (files with
    at least 5 matched onsets of the class), which does not depend on how strengths compare
    across recordings. NaN with fewer than 3 matched onsets (no file qualifying), when
    either side is constant, or when the estimates have no strengths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mir_eval.util
import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.metrics import _fmt
from drumnmf.evaluation.metrics import _json_float as _json
from drumnmf.io.annotations import CLASSES, Annotations, reduce_classes

__all__ = [
    "VELOCITY_BANDS",
    "RecallCount",
    "VelocityResult",
    "band_of",
    "evaluate_velocity",
    "has_velocities",
]

#: (label, lowest, highest velocity), inclusive.
VELOCITY_BANDS: tuple[tuple[str, int, int], ...] = (
    ("<40", 1, 39),
    ("40-79", 40, 79),
    (">=80", 80, 127),
)


MIN_FILE_MATCHES = 5  # matched onsets a file needs for its own correlation


def band_of(velocity: float) -> str:
    """The label of the band holding a MIDI velocity (clipped to 1..127)."""
    v = min(max(round(float(velocity)), 1), 127)
    return next(label for label, low, high in VELOCITY_BANDS if low <= v <= high)


@dataclass(frozen=True)
class RecallCount:
    """Matched reference onsets out of all, and their ratio (NaN when there are none)."""

    tp: int
    n_reference: int

    @property
    def recall(self) -> float:
        """``tp / n_reference``."""
        return self.tp / self.n_reference if self.n_reference else math.nan

    def __add__(self, other: RecallCount) -> RecallCount:
        return RecallCount(self.tp + other.tp, self.n_reference + other.n_reference)


@dataclass(frozen=True)
class VelocityResult:
    """Velocity-resolved scores of a set of files (see the module docstring).

    Attributes
    ----------
    bands : dict str -> dict str -> RecallCount
        Per class, per band label of :data:`VELOCITY_BANDS` (every band present).
    articulations : dict str -> dict str -> RecallCount
        Per class, per articulation annotated in the references.
    spearman : dict str -> float
        Per class, the rank correlation of strength with velocity on matched onsets,
        pooled over files.
    file_spearman : dict str -> float
        Per class, the median over files of the file's correlation.
    n_matched : dict str -> int
        Per class, the matched onsets the correlation is computed on.
    files : int
        Files whose references had velocities.
    """

    bands: dict[str, dict[str, RecallCount]]
    articulations: dict[str, dict[str, RecallCount]]
    spearman: dict[str, float]
    n_matched: dict[str, int]
    files: int = 0
    file_spearman: dict[str, float] = field(default_factory=dict)
    pairs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready scores; NaN becomes ``None``."""

        def counts(table: Mapping[str, RecallCount]) -> dict[str, Any]:
            return {
                k: {"tp": c.tp, "n_reference": c.n_reference, "recall": _json(c.recall)}
                for k, c in table.items()
            }

        return {
            "bands": {cls: counts(t) for cls, t in self.bands.items()},
            "articulations": {cls: counts(t) for cls, t in self.articulations.items()},
            "spearman": {cls: _json(v) for cls, v in self.spearman.items()},
            "file_spearman": {cls: _json(v) for cls, v in self.file_spearman.items()},
            "n_matched": dict(self.n_matched),
            "files": self.files,
        }

    def format_table(self) -> str:
        """Recall per band and articulation, and the correlation, as plain text."""
        labels = [label for label, _, _ in VELOCITY_BANDS]
        width = max(5, *(len(c) for c in self.bands))
        lines = [
            f"recall by reference velocity ({self.files} file(s) with velocities)",
            "",
            f"{'class':<{width}}  "
            + "  ".join(f"{'R ' + b:>10}  {'n':>5}" for b in labels)
            + f"  {'spearman':>8}  {'per file':>8}  {'matched':>7}",
        ]
        for cls, table in self.bands.items():
            cells = "  ".join(
                f"{_fmt(table[b].recall):>10}  {table[b].n_reference:>5}" for b in labels
            )
            per_file = _fmt(self.file_spearman.get(cls, math.nan))
            lines.append(
                f"{cls:<{width}}  {cells}  {_fmt(self.spearman[cls]):>8}  {per_file:>8}  "
                f"{self.n_matched[cls]:>7}"
            )
        rows = [(cls, a, c) for cls, t in self.articulations.items() for a, c in t.items()]
        if rows:
            w = max(len("articulation"), *(len(a) for _, a, _ in rows))
            lines += ["", f"{'class':<{width}}  {'articulation':<{w}}  {'R':>6}  {'n':>6}"]
            lines += [
                f"{cls:<{width}}  {a:<{w}}  {_fmt(c.recall):>6}  {c.n_reference:>6}"
                for cls, a, c in rows
            ]
        return "\n".join(lines)


def has_velocities(reference: Annotations) -> bool:
    """Whether a reference carries a velocity for every onset."""
    return reference.strengths is not None and all(
        drum in reference.strengths for drum in reference.onsets
    )


def _class_reference(
    reference: Annotations, cls_of: Mapping[str, str]
) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Per class: sorted times, velocities and articulations; one onset per instant."""
    assert reference.strengths is not None
    rows: dict[str, list[tuple[float, float, str]]] = {}
    for drum, times in reference.onsets.items():
        cls = cls_of.get(drum)
        if cls is None:
            continue
        velocities = reference.strengths[drum]
        rows.setdefault(cls, []).extend(
            (float(t), float(v), drum) for t, v in zip(times, velocities, strict=True)
        )
    out = {}
    for cls, entries in rows.items():
        entries.sort(key=lambda r: (r[0], -r[1]))
        kept: list[tuple[float, float, str]] = []
        for entry in entries:
            if kept and entry[0] == kept[-1][0]:
                continue  # same instant: the louder one (first) stays, as scoring_classes does
            kept.append(entry)
        out[cls] = (
            np.array([t for t, _, _ in kept]),
            np.array([v for _, v, _ in kept]),
            [a for _, _, a in kept],
        )
    return out


def _classes_of(drums: set[str], classes: int) -> dict[str, str]:
    from drumnmf.io.annotations import CANONICAL_DRUMS

    out = {}
    for drum in drums:
        if drum not in CANONICAL_DRUMS:
            continue
        reduced = reduce_classes({drum: np.zeros(1)}, classes)
        found = next((c for c, t in reduced.items() if t.size), None)
        if found is not None:
            out[drum] = found
    return out


def evaluate_velocity(
    references: Mapping[str, Annotations],
    estimates: Mapping[str, Annotations],
    *,
    classes: int = 3,
    window: float = 0.05,
) -> VelocityResult | None:
    """Recall per velocity band and articulation, and strength/velocity correlation.

    Parameters
    ----------
    references : mapping str -> Annotations
        Per file, the reference onsets per canonical drum, with velocities (1-127) as
        strengths; files without velocities are left out.
    estimates : mapping str -> Annotations
        Per file, the estimated onsets pooled into ``classes`` classes (as scored), with
        strengths when known. A file without an estimate has no detections.
    classes : {3, 5}
    window : float
        Matching window, seconds.

    Returns
    -------
    VelocityResult or None
        None when no reference has velocities.
    """
    if classes not in CLASSES:
        raise DrumnmfError(f"classes={classes!r} must be 3 or 5")
    names = CLASSES[classes]
    bands = {c: {b: RecallCount(0, 0) for b, _, _ in VELOCITY_BANDS} for c in names}
    articulations: dict[str, dict[str, RecallCount]] = {c: {} for c in names}
    velocities: dict[str, list[float]] = {c: [] for c in names}
    strengths: dict[str, list[float]] = {c: [] for c in names}
    n_files = 0
    per_file: dict[str, list[float]] = {c: [] for c in names}
    for name, reference in references.items():
        if not has_velocities(reference):
            continue
        n_files += 1
        start = {c: len(velocities[c]) for c in names}
        estimate = estimates.get(name, Annotations(onsets={}))
        per_class = _class_reference(reference, _classes_of(set(reference.onsets), classes))
        for cls in names:
            if cls not in per_class:
                continue
            times, vel, arts = per_class[cls]
            est = np.asarray(estimate.onsets.get(cls, np.zeros(0)), dtype=np.float64)
            pairs = mir_eval.util.match_events(times, est, window) if est.size else []
            matched = np.zeros(times.size, dtype=bool)
            for i, j in pairs:
                matched[i] = True
                if estimate.strengths is not None and cls in estimate.strengths:
                    velocities[cls].append(float(vel[i]))
                    strengths[cls].append(float(estimate.strengths[cls][j]))
            for v, a, hit in zip(vel, arts, matched, strict=True):
                count = RecallCount(int(hit), 1)
                band = band_of(v)
                bands[cls][band] = bands[cls][band] + count
                articulations[cls][a] = articulations[cls].get(a, RecallCount(0, 0)) + count
        for cls in names:
            x, y = velocities[cls][start[cls] :], strengths[cls][start[cls] :]
            rho = _spearman(x, y) if len(x) >= MIN_FILE_MATCHES else math.nan
            if not math.isnan(rho):
                per_file[cls].append(rho)
    if n_files == 0:
        return None
    return VelocityResult(
        bands=bands,
        articulations={c: dict(sorted(t.items())) for c, t in articulations.items()},
        spearman={c: _spearman(velocities[c], strengths[c]) for c in names},
        n_matched={c: len(velocities[c]) for c in names},
        files=n_files,
        file_spearman={
            c: float(np.median(per_file[c])) if per_file[c] else math.nan for c in names
        },
        pairs={c: (np.array(velocities[c]), np.array(strengths[c])) for c in names},
    )


def _spearman(x: list[float], y: list[float]) -> float:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)
