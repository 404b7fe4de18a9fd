"""Onset scoring of drum transcriptions: per drum, per file, summed (micro) and averaged (macro).

The module has mir_eval's shape: :func:`validate` checks the input, :func:`score_onsets` is
the metric and :func:`evaluate` scores a corpus; :mod:`drumnmf.evaluation.pairing` reads one
from files (:func:`~drumnmf.evaluation.pairing.evaluate_paths`).

Conventions
-----------
Units
    Seconds. Onsets are given per drum name as 1-d arrays of times, finite, non-decreasing
    and below 30000 s (mir_eval's ``MAX_TIME``).
Matching
    An estimated onset is correct when it lies within ``window`` seconds (inclusive) of a
    reference onset of the same drum; each onset is matched at most once, and the matching
    is the largest possible one (:func:`mir_eval.util.match_events`, as used by
    :func:`mir_eval.onset.f_measure`). The default window is 0.05 s, mir_eval's (madmom
    uses 0.025 s): pass ``window`` to change it.
Scores
    TP = matched pairs, FP = estimates - TP, FN = references - TP; precision = TP /
    estimates, recall = TP / references, F = 2PR / (P + R), and 0 when TP = 0. When both
    sides are non-empty these are bit-identical to :func:`mir_eval.onset.f_measure`.
Empty inputs
    A ratio whose denominator is 0 is undefined; the ``empty`` parameter says what it
    becomes. F is 0 whenever exactly one side is empty (all misses, or all false alarms).

    ==========  =========================  =========================  ==================
    empty       both empty: P, R, F        no estimates: P            no references: R
    ==========  =========================  =========================  ==================
    "skip"      NaN, left out of means     NaN                        NaN
    "zero"      0 (mir_eval)               0                          0
    "one"       1 (madmom)                 1                          1
    ==========  =========================  =========================  ==================

    The default is ``"skip"``: a drum that is neither played nor detected in a file says
    nothing about the transcriber, so it does not pull that file's macro mean up or down.
Aggregates
    *Micro*: TP, FP and FN summed over files (per drum; and over drums too, ``"all"``), then
    P, R and F from the sums. *Macro*: per drum, the mean over files of the file's F; for
    ``"all"``, the mean over files of each file's mean F over its drums. NaN values are
    left out of every mean; a mean of nothing is NaN.
Classes
    :func:`scoring_classes` is the one rule that pools drums into classes for scoring, used
    by ``drumnmf evaluate`` and ``drumnmf experiment`` alike: both sides reduced with
    :func:`~drumnmf.io.annotations.reduce_classes`, merging only onsets of one class at the
    same instant (``SCORING_MERGE_WINDOW = 0``); two estimates 20 ms apart stay two.
Oracle top-k
    With ``top_k=True``, only the k strongest estimates of each drum in each file are
    scored, k being that drum's number of reference onsets in that file (ties go to the
    earlier onset). Estimates without strengths keep their first k onsets in time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mir_eval.util
import numpy as np
from numpy.typing import ArrayLike

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation._checks import (
    DEFAULT_WINDOW,
    EMPTY_POLICIES,
    MAX_TIME,
    EmptyPolicy,
    _as_onsets,
    _as_strengths,
    _check_empty,
    _check_window,
    validate,
)
from drumnmf.io.annotations import (
    Annotations,
    order_drums,
    reduce_classes,
)

if TYPE_CHECKING:
    from drumnmf.evaluation.velocity import VelocityResult

__all__ = [
    "DEFAULT_WINDOW",
    "EMPTY_POLICIES",
    "MAX_TIME",
    "SCORING_MERGE_WINDOW",
    "DrumScore",
    "EvaluationResult",
    "FileScore",
    "evaluate",
    "score_onsets",
    "scoring_classes",
    "select_top_k",
    "validate",
]

_EMPTY_VALUE = {"skip": math.nan, "zero": 0.0, "one": 1.0}
SCORING_MERGE_WINDOW = 0.0  # s: only onsets of one class at one instant become one


def scoring_classes(onsets: Any, classes: int = 3) -> Any:
    """Pool canonical drums into 3 or 5 classes by the scoring rule (module docstring).

    Parameters
    ----------
    onsets : Annotations or mapping str -> np.ndarray [shape=(n,)]
        Onset times in seconds per canonical drum (with strengths, for Annotations).
    classes : {3, 5}

    Returns
    -------
    Annotations or dict str -> np.ndarray
        As :func:`~drumnmf.io.annotations.reduce_classes` with ``merge_window=0``.
    """
    return reduce_classes(onsets, classes, merge_window=SCORING_MERGE_WINDOW)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DrumScore:
    """Onset scores of one drum (or of all drums pooled, ``drum="all"``).

    Attributes
    ----------
    drum : str
    precision, recall, f_measure : float in [0, 1] or NaN
        NaN only where undefined under the ``empty="skip"`` policy.
    tp, fp, fn : int >= 0
        Matched estimates, unmatched estimates, unmatched references.
    n_reference, n_estimate : int >= 0
        Onsets scored (``n_estimate`` after the top-k selection, if any).
    """

    drum: str
    precision: float
    recall: float
    f_measure: float
    tp: int
    fp: int
    fn: int
    n_reference: int
    n_estimate: int

    @classmethod
    def from_counts(
        cls, drum: str, tp: int, n_reference: int, n_estimate: int, *, empty: EmptyPolicy = "skip"
    ) -> DrumScore:
        """Scores from counts, with the module's formulas and empty-input policy."""
        _check_empty(empty)
        if not 0 <= tp <= min(n_reference, n_estimate):
            raise DrumnmfError(
                f"tp={tp} must lie in [0, min(n_reference={n_reference}, n_estimate={n_estimate})]"
            )
        undefined = _EMPTY_VALUE[empty]
        precision = float(tp) / n_estimate if n_estimate else undefined
        recall = float(tp) / n_reference if n_reference else undefined
        if n_reference and n_estimate:
            f_measure = float(mir_eval.util.f_measure(precision, recall))
        elif n_reference or n_estimate:
            f_measure = 0.0
        else:
            f_measure = undefined
        return cls(
            drum=drum,
            precision=precision,
            recall=recall,
            f_measure=f_measure,
            tp=int(tp),
            fp=int(n_estimate - tp),
            fn=int(n_reference - tp),
            n_reference=int(n_reference),
            n_estimate=int(n_estimate),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready scores; NaN becomes ``None``."""
        return {
            "precision": _json_float(self.precision),
            "recall": _json_float(self.recall),
            "f_measure": _json_float(self.f_measure),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "n_reference": self.n_reference,
            "n_estimate": self.n_estimate,
        }


@dataclass(frozen=True)
class FileScore:
    """Scores of one recording.

    Attributes
    ----------
    name : str
    drums : dict str -> DrumScore
        Per drum, in table order.
    total : DrumScore
        Counts summed over the drums (``drum="all"``).
    mean_f_measure : float
        Mean F over the drums whose F is defined: the file's macro score.
    has_estimate : bool
        False when no estimate was given for this reference (scored as no detections).
    """

    name: str
    drums: dict[str, DrumScore]
    total: DrumScore
    mean_f_measure: float
    has_estimate: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready scores."""
        return {
            "name": self.name,
            "has_estimate": self.has_estimate,
            "mean_f_measure": _json_float(self.mean_f_measure),
            "all": self.total.to_dict(),
            "drums": {d: s.to_dict() for d, s in self.drums.items()},
        }


@dataclass(frozen=True)
class EvaluationResult:
    """Scores of a corpus: per file, per drum, micro (summed) and macro (averaged).

    Attributes
    ----------
    files : dict str -> FileScore
        Per recording, in the order given.
    micro : dict str -> DrumScore
        Per drum, from counts summed over files.
    micro_total : DrumScore
        From counts summed over files and drums.
    macro : dict str -> float
        Per drum, the mean over files of the file's F.
    macro_total : float
        The mean over files of each file's mean F.
    drums : tuple of str
        The drums scored.
    window : float
        Matching window, seconds.
    top_k : bool
        Whether the oracle top-k selection was applied.
    empty : {"skip", "zero", "one"}
        Empty-input policy.
    classes : {3, 5} or None
        Class reduction applied when reading files
        (:func:`~drumnmf.evaluation.pairing.evaluate_paths`), else None.
    missing_estimates : tuple of str
        Files with a reference but no estimate (scored as no detections).
    unmatched_estimates : tuple of str
        Estimates without a reference (not scored).
    sources : dict str -> tuple of (str, str or None)
        Reference and estimate path of each file, when read from files.
    failed : tuple of (str, str)
        ``(path, reason)`` of each file that could not be read
        (:func:`~drumnmf.evaluation.pairing.evaluate_paths` with ``errors="skip"``); its
        recording is left out of every score.
    empty_references : tuple of str
        Paths of reference files that are empty (0 bytes): scored as a recording with no
        hits, which is rarely what was meant.
    velocity : VelocityResult or None
        Recall by reference velocity and articulation, and the strength/velocity
        correlation (:mod:`drumnmf.evaluation.velocity`), when references had velocities.
    """

    files: dict[str, FileScore]
    micro: dict[str, DrumScore]
    micro_total: DrumScore
    macro: dict[str, float]
    macro_total: float
    drums: tuple[str, ...]
    window: float
    top_k: bool
    empty: str
    classes: int | None = None
    missing_estimates: tuple[str, ...] = ()
    unmatched_estimates: tuple[str, ...] = ()
    sources: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    failed: tuple[tuple[str, str], ...] = ()
    empty_references: tuple[str, ...] = ()
    velocity: VelocityResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready document of the settings and every score; NaN becomes ``None``."""
        files = []
        for name, score in self.files.items():
            entry = score.to_dict()
            if name in self.sources:
                entry["reference"], entry["estimate"] = self.sources[name]
            files.append(entry)
        return {
            "format": "drumnmf-evaluation",
            "version": 1,
            "settings": {
                "window": self.window,
                "top_k": self.top_k,
                "empty": self.empty,
                "classes": self.classes,
                "drums": list(self.drums),
            },
            "micro": {
                **{d: s.to_dict() for d, s in self.micro.items()},
                "all": self.micro_total.to_dict(),
            },
            "macro": {
                **{d: _json_float(f) for d, f in self.macro.items()},
                "all": _json_float(self.macro_total),
            },
            "files": files,
            "missing_estimates": list(self.missing_estimates),
            "unmatched_estimates": list(self.unmatched_estimates),
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "empty_references": list(self.empty_references),
            "velocity": None if self.velocity is None else self.velocity.to_dict(),
        }

    def format_table(self, *, per_file: bool = True) -> str:
        """The scores as a plain-text table (per-file F, then the per-drum summary).

        Parameters
        ----------
        per_file : bool
            Include one row per file with its F per drum and its mean F.

        Returns
        -------
        str
            Lines separated by ``\\n``; undefined values are shown as ``-``.
        """
        lines = [
            f"window {self.window * 1000:g} ms, top-k {'on' if self.top_k else 'off'}, "
            f"empty={self.empty}, classes {self.classes or 'all'}, {len(self.files)} file(s)"
            + (
                f", {len(self.missing_estimates)} without estimate"
                if self.missing_estimates
                else ""
            )
        ]
        if per_file and self.files:
            width = max(len("file"), *(len(n) for n in self.files))
            cols = [max(6, len(d)) for d in self.drums]
            head = "  ".join(f"{d:>{w}}" for d, w in zip(self.drums, cols, strict=True))
            lines += ["", f"{'file':<{width}}  {head}  {'mean F':>6}"]
            for name, score in self.files.items():
                cells = "  ".join(
                    f"{_fmt(score.drums[d].f_measure):>{w}}"
                    for d, w in zip(self.drums, cols, strict=True)
                )
                mark = "" if score.has_estimate else "  (no estimate)"
                lines.append(f"{name:<{width}}  {cells}  {_fmt(score.mean_f_measure):>6}{mark}")
        width = max(len("drum"), len("all"), *(len(d) for d in self.drums))
        lines += [
            "",
            f"{'drum':<{width}}  {'n_ref':>6}  {'n_est':>6}  {'TP':>6}  {'FP':>6}  {'FN':>6}  "
            f"{'P':>6}  {'R':>6}  {'F':>6}  {'macro F':>7}",
        ]
        rows = [(d, self.micro[d], self.macro[d]) for d in self.drums]
        rows.append(("all", self.micro_total, self.macro_total))
        for drum, s, macro in rows:
            lines.append(
                f"{drum:<{width}}  {s.n_reference:>6}  {s.n_estimate:>6}  {s.tp:>6}  {s.fp:>6}  "
                f"{s.fn:>6}  {_fmt(s.precision):>6}  {_fmt(s.recall):>6}  "
                f"{_fmt(s.f_measure):>6}  {_fmt(macro):>7}"
            )
        if self.unmatched_estimates:
            lines += ["", f"estimates without a reference: {', '.join(self.unmatched_estimates)}"]
        if self.velocity is not None:
            lines += ["", self.velocity.format_table()]
        return "\n".join(lines)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


# ----------------------------------------------------------------------------- metrics


def select_top_k(
    times: np.ndarray, strengths: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Keep the ``k`` strongest onsets (ties: the earlier), or the first ``k`` without strengths.

    Parameters
    ----------
    times : np.ndarray [shape=(n,)]
        Sorted onset times, seconds.
    strengths : np.ndarray [shape=(n,)] or None
        Strength of each onset.
    k : int >= 0

    Returns
    -------
    times, strengths : np.ndarray [shape=(min(k, n),)]
        The kept onsets, still sorted by time (strengths None if given None).
    """
    if k < 0:
        raise DrumnmfError(f"k={k} must be >= 0")
    if k >= times.size:
        return times, strengths
    if strengths is None:
        return times[:k], None
    keep = np.sort(np.argsort(-strengths, kind="stable")[:k])
    return times[keep], strengths[keep]


def _true_positives(reference: np.ndarray, estimate: np.ndarray, window: float) -> int:
    if reference.size == 0 or estimate.size == 0:
        return 0
    return len(mir_eval.util.match_events(reference, estimate, window))


def score_onsets(
    reference: Mapping[str, ArrayLike],
    estimate: Mapping[str, ArrayLike],
    *,
    window: float = DEFAULT_WINDOW,
    strengths: Mapping[str, ArrayLike] | None = None,
    top_k: bool = False,
    drums: Iterable[str] | None = None,
    empty: EmptyPolicy = "skip",
) -> dict[str, DrumScore]:
    """Precision, recall, F and counts of each drum of one recording.

    Parameters
    ----------
    reference, estimate : mapping str -> np.ndarray [shape=(n,)]
        Onset times in seconds per drum name; a missing drum has no onsets.
    window : float in (0, 1)
        Matching window in seconds (inclusive); 0.05 = 50 ms.
    strengths : mapping str -> np.ndarray [shape=(n,)], optional
        Strength of each estimated onset, for ``top_k``.
    top_k : bool
        Oracle protocol: score only the k strongest estimates per drum, k being the
        reference count (the first k in time for a drum without strengths).
    drums : iterable of str, optional
        Drums to score; default every drum of either side, in table order.
    empty : {"skip", "zero", "one"}
        What undefined ratios become (see the module docstring).

    Returns
    -------
    dict str -> DrumScore
        Per drum, in the order of ``drums``.

    Examples
    --------
    >>> import numpy as np
    >>> s = score_onsets({"kick": np.array([0.5, 1.0])}, {"kick": np.array([0.52, 2.0])})
    >>> s["kick"].f_measure, s["kick"].tp, s["kick"].fp
    (0.5, 1, 1)
    """
    win = _check_window(window)
    _check_empty(empty)
    ref = _as_onsets(reference, "reference")
    est = _as_onsets(estimate, "estimate")
    strength = _as_strengths(strengths, est)
    names = order_drums([*ref, *est]) if drums is None else _drum_list(drums)
    empty_times = np.empty(0, dtype=np.float64)
    scores = {}
    for drum in names:
        r, e = ref.get(drum, empty_times), est.get(drum, empty_times)
        if top_k:
            e, _ = select_top_k(e, strength.get(drum), r.size)
        tp = _true_positives(r, e, win)
        scores[drum] = DrumScore.from_counts(drum, tp, r.size, e.size, empty=empty)
    return scores


def _drum_list(drums: Iterable[str]) -> tuple[str, ...]:
    if isinstance(drums, str):
        raise DrumnmfError(f"drums={drums!r} is one string; give a list such as ['kick', 'snare']")
    names = tuple(drums)
    bad = [d for d in names if not isinstance(d, str)]
    if bad or len(set(names)) != len(names):
        raise DrumnmfError(f"drums={list(names)!r} must be distinct drum names (strings)")
    return names


def _nanmean(values: Iterable[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return math.fsum(kept) / len(kept) if kept else math.nan


def _unwrap(
    value: Annotations | Mapping[str, ArrayLike],
) -> tuple[Mapping[str, ArrayLike], Mapping[str, ArrayLike] | None]:
    if isinstance(value, Annotations):
        return value.onsets, value.strengths
    return value, None


def evaluate(
    references: Mapping[str, Annotations | Mapping[str, ArrayLike]],
    estimates: Mapping[str, Annotations | Mapping[str, ArrayLike]],
    *,
    window: float = DEFAULT_WINDOW,
    strengths: Mapping[str, Mapping[str, ArrayLike]] | None = None,
    top_k: bool = False,
    drums: Iterable[str] | None = None,
    empty: EmptyPolicy = "skip",
) -> EvaluationResult:
    """Score a corpus: per file and drum, then micro and macro aggregates.

    Parameters
    ----------
    references : mapping str -> (mapping str -> np.ndarray, or Annotations)
        Per file name, the reference onsets per drum (seconds).
    estimates : mapping str -> (mapping str -> np.ndarray, or Annotations)
        Per file name, the estimated onsets. A reference without an estimate is scored as
        no detections; an estimate without a reference is listed in
        ``unmatched_estimates`` and not scored.
    window : float in (0, 1)
        Matching window in seconds; 0.05 = 50 ms.
    strengths : mapping str -> (mapping str -> np.ndarray), optional
        Per file and drum, the strength of each estimated onset (for ``top_k``). Default:
        the strengths of estimates given as :class:`~drumnmf.io.annotations.Annotations`.
    top_k : bool
        Oracle top-k protocol (see the module docstring).
    drums : iterable of str, optional
        Drums to score in every file; default the union over all files of both sides.
    empty : {"skip", "zero", "one"}
        Empty-input policy (see the module docstring).

    Returns
    -------
    EvaluationResult

    Examples
    --------
    >>> import numpy as np
    >>> refs = {"a": {"kick": np.array([1.0, 2.0])}, "b": {"kick": np.array([1.0])}}
    >>> ests = {"a": {"kick": np.array([1.01, 2.2])}, "b": {"kick": np.array([1.0])}}
    >>> r = evaluate(refs, ests)
    >>> round(r.micro["kick"].f_measure, 3), r.macro["kick"]  # 2 of 3 matched; mean(0.5, 1)
    (0.667, 0.75)
    """
    win = _check_window(window)
    _check_empty(empty)
    if strengths is not None and not isinstance(strengths, Mapping):
        raise DrumnmfError("strengths must be a dict file name -> dict drum -> array, or None")
    unwrapped_ref = {name: _unwrap(value)[0] for name, value in references.items()}
    unwrapped_est = {name: _unwrap(value) for name, value in estimates.items()}
    if drums is None:
        seen = [d for v in unwrapped_ref.values() for d in v]
        seen += [d for name, (v, _) in unwrapped_est.items() if name in references for d in v]
        names = order_drums(d for d in seen if isinstance(d, str))
    else:
        names = _drum_list(drums)
    files: dict[str, FileScore] = {}
    for name, ref in unwrapped_ref.items():
        est, est_strengths = unwrapped_est.get(name, ({}, None))
        if strengths is not None and name in strengths:
            est_strengths = strengths[name]
        try:
            per_drum = score_onsets(
                ref,
                est,
                window=win,
                strengths=est_strengths,
                top_k=top_k,
                drums=names,
                empty=empty,
            )
        except DrumnmfError as exc:
            raise DrumnmfError(f"file {name!r}: {exc}") from None
        files[name] = FileScore(
            name=name,
            drums=per_drum,
            total=_pool("all", per_drum.values(), empty),
            mean_f_measure=_nanmean(s.f_measure for s in per_drum.values()),
            has_estimate=name in estimates,
        )
    micro = {d: _pool(d, (f.drums[d] for f in files.values()), empty) for d in names}
    return EvaluationResult(
        files=files,
        micro=micro,
        micro_total=_pool("all", micro.values(), empty),
        macro={d: _nanmean(f.drums[d].f_measure for f in files.values()) for d in names},
        macro_total=_nanmean(f.mean_f_measure for f in files.values()),
        drums=names,
        window=win,
        top_k=bool(top_k),
        empty=empty,
        missing_estimates=tuple(n for n in references if n not in estimates),
        unmatched_estimates=tuple(n for n in estimates if n not in references),
    )


def _pool(drum: str, scores: Iterable[DrumScore], empty: EmptyPolicy) -> DrumScore:
    items = list(scores)
    return DrumScore.from_counts(
        drum,
        sum(s.tp for s in items),
        sum(s.n_reference for s in items),
        sum(s.n_estimate for s in items),
        empty=empty,
    )
