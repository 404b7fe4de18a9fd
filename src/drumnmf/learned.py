"""A learned onset picker: a small classifier judges every candidate peak.

``TranscribeConfig(picker="learned")``, the default, replaces the dB picker's gates (the
height over the moving median, the rise gate, the kit floor, the cross-talk model and the
coincidence gate, :mod:`drumnmf.picking`) by one decision per candidate peak. The families and the
articulations stay as they are.

1. **Candidates.** The local maxima of each family's row at least ``min_interval`` apart
   and no more than ``CANDIDATE_DB`` (50 dB) under the row's maximum: generous, so that
   soft notes are candidates.
2. **Features** (:data:`FEATURES`, :func:`candidate_features`), each free of the kit's
   and the recording's scale except where it says so:

   * ``level_db``: the peak over the drum's calibration level (:attr:`drumnmf.kit.Kit.levels`),
     dB (moves with the recording's level, as the kit floor does);
   * ``max_db``: the peak under the row's maximum in the recording, dB;
   * ``p90_db``: the peak over the 90th percentile of the row's candidate peaks, dB;
   * ``median_db``: the peak over the moving median before it (the dB picker's background,
     :func:`drumnmf.detection.background_db`), dB;
   * ``rise_db``: the peak over the lowest activation of the ``RISE_FRAMES`` frames before
     it (the rise gate's ratio), dB;
   * ``context_db``: the peak over the cross-talk the other families' hits predict in this
     row (:func:`drumnmf.picking.leak_context`), dB; ``CLIP_DB`` for a kit without a
     cross-talk matrix or without levels;
   * ``share``: the share of the factorized energy in the drum's own bands that its
     templates explain near the peak (:func:`drumnmf.onsets.band_share`);
   * ``rival_db``: the energy the family's templates reconstruct near the peak over that of
     the strongest spectrally similar family (:func:`drumnmf.onsets.explained_energy`), dB;
   * ``flux``: the positive spectral flux of the factorized matrix in the drum's bands over
     their energy, at the onset (in [0, 1]);
   * ``other_db``: the loudest other family's row near the peak over its own calibration
     level, dB (moves with the recording's level);
   * ``other_max_db``: the loudest other family's row near the peak over that row's own
     maximum in the recording, dB (``other_db`` free of the calibration levels);
   * ``cosine``: the cosine similarity of the factorized spectrum at the peak with the
     family's closest template (in [0, 1]);
   * ``neighbour_db``: the strongest other candidate of the same row within
     ``NEIGHBOUR_SECONDS`` (100 ms) either side over the peak, dB (``-CLIP_DB``: none);
   * ``density``: the row's candidates per second no more than ``DENSITY_DB`` (20 dB) under
     the 95th percentile of its candidate peaks (the same for every candidate of a row);
   * ``kick``, ``snare``, ``hihat``, ``other``: the family's class, one-hot.

   dB features are clipped to +-``CLIP_DB``. ``other_db`` and ``other_max_db`` are NaN
   for a kit of one family (``--drums kick``): the classifier reads a missing feature as
   its training mean. A picker file names the features it reads, any of these in any order
   (older files read fewer).
3. **Model.** A small network (standardized features, ReLU hidden layers, a sigmoid
   output; no hidden layer is logistic regression) evaluated in numpy from
   ``drumnmf/data/picker.json``, which ``scripts/train_picker.py`` writes from the
   development corpus's Groove *train* split only. Its probability is the hit's
   confidence; a candidate is kept when it reaches the file's ``threshold`` (chosen on the
   train split for the best micro F).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from drumnmf.detection import background_db, candidate_peaks
from drumnmf.errors import DrumnmfError
from drumnmf.families import articulations_at, family_of, kit_families
from drumnmf.kit import Kit
from drumnmf.onsets import GATE_FRAMES, band_share, explained_energy, rise_frames
from drumnmf.picking import Picked, family_rows, leak_context
from drumnmf.silence import FALLBACK_LEVEL, RISE_FRAMES

if TYPE_CHECKING:
    from drumnmf.pipeline import TranscribeConfig

__all__ = [
    "CANDIDATE_DB",
    "CLASSES",
    "FEATURES",
    "Candidates",
    "LearnedPicker",
    "candidate_features",
    "load_picker",
    "pick_learned",
    "picker_digest",
]

CANDIDATE_DB = 50.0  # candidates reach this far under the row's maximum, dB
CLIP_DB = 60.0  # dB features are clipped to +- this
NEAR_FRAMES = (2, 2)  # the cross-talk context and the other rows are read this close
FLUX_FRAMES = 3  # the flux is read from this many frames before the peak to the peak
CLASSES = ("kick", "snare", "hihat", "other")
FEATURES: tuple[str, ...] = (
    "level_db",
    "max_db",
    "p90_db",
    "median_db",
    "rise_db",
    "context_db",
    "share",
    "rival_db",
    "flux",
    "other_db",
    "other_max_db",
    "cosine",
    "neighbour_db",
    "density",
    *CLASSES,
)
NEIGHBOUR_SECONDS = 0.1  # ``neighbour_db`` looks this far either side of the peak
DENSITY_DB = 20.0  # ``density`` counts the candidates no more than this under the row's p95
_TINY = 1e-12


@dataclass(frozen=True, eq=False)
class LearnedPicker:
    """A candidate classifier read from a picker file.

    Attributes
    ----------
    features : tuple of str
        Names of the input features, in order (:data:`FEATURES`).
    mean, scale : np.ndarray [shape=(n_features,)]
        Standardization: the network reads ``(x - mean) / scale``.
    layers : tuple of (np.ndarray [shape=(n_in, n_out)], np.ndarray [shape=(n_out,)])
        Weights and biases; ReLU between layers, a sigmoid after the last (one output).
    threshold : float in [0, 1]
        Smallest probability kept.
    info : dict
        How the file was made (training command, items, scores).
    """

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.features)
        if self.mean.shape != (n,) or self.scale.shape != (n,) or not np.all(self.scale > 0):
            raise DrumnmfError(
                f"a picker needs a mean and a positive scale per feature ({n}), got shapes "
                f"{self.mean.shape} and {self.scale.shape}"
            )
        width = n
        for weights, bias in self.layers:
            if weights.shape[0] != width or bias.shape != (weights.shape[1],):
                raise DrumnmfError(
                    f"picker layer of shape {weights.shape} (bias {bias.shape}) does not "
                    f"follow a layer of width {width}"
                )
            width = weights.shape[1]
        if not self.layers or width != 1:
            raise DrumnmfError("a picker's last layer must have one output")
        if not (np.isfinite(self.threshold) and 0 <= self.threshold <= 1):
            raise DrumnmfError(f"a picker's threshold must be in [0, 1], got {self.threshold!r}")
        arrays = [self.mean, self.scale] + [a for layer in self.layers for a in layer]
        if not all(np.all(np.isfinite(a)) for a in arrays):
            raise DrumnmfError("a picker's mean, scale and weights must be finite numbers")
        for a in arrays:  # the shipped picker is shared by every transcription
            a.flags.writeable = False

    @property
    def columns(self) -> list[int]:
        """Where the picker's features are among :data:`FEATURES` (the columns of
        :attr:`Candidates.features`)."""
        return [FEATURES.index(name) for name in self.features]

    def probability(self, features: np.ndarray) -> np.ndarray:
        """Probability that each candidate is a hit.

        Parameters
        ----------
        features : np.ndarray [shape=(n, n_features)]

        Returns
        -------
        np.ndarray [shape=(n,)]
            In [0, 1].
        """
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise DrumnmfError(f"need features of shape (n, {len(self.features)}), got {x.shape}")
        z = (x - self.mean) / self.scale
        # a feature a kit cannot define (no other drum to compare with) reads as the mean
        z = np.where(np.isnan(z), 0.0, z)
        for k, (weights, bias) in enumerate(self.layers):
            z = z @ weights + bias
            if k < len(self.layers) - 1:
                z = np.maximum(z, 0.0)
        logit = np.clip(z[:, 0], -500.0, 500.0)
        return 1.0 / (1.0 + np.exp(-logit))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LearnedPicker:
        """Read the picker file's document."""
        if not isinstance(data, dict) or data.get("format") != "drumnmf-picker":
            raise DrumnmfError("not a drumnmf picker file (its format must be 'drumnmf-picker')")
        try:
            return cls(
                features=tuple(data["features"]),
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                layers=tuple(
                    (
                        np.asarray(layer["weights"], dtype=np.float64),
                        np.asarray(layer["bias"], dtype=np.float64),
                    )
                    for layer in data["layers"]
                ),
                threshold=float(data["threshold"]),
                info=dict(data.get("info", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DrumnmfError(f"the picker file is incomplete or malformed: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The picker file's document (JSON-ready)."""
        return {
            "format": "drumnmf-picker",
            "version": 1,
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "layers": [{"weights": w.tolist(), "bias": b.tolist()} for w, b in self.layers],
            "threshold": self.threshold,
            "info": self.info,
        }


@lru_cache(maxsize=1)
def _shipped() -> LearnedPicker:
    ref = resources.files("drumnmf").joinpath("data/picker.json")
    return LearnedPicker.from_dict(json.loads(ref.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def picker_digest() -> str:
    """SHA-256 (hex) of the shipped picker file: what a cached transcription depends on."""
    ref = resources.files("drumnmf").joinpath("data/picker.json")
    return hashlib.sha256(ref.read_bytes()).hexdigest()


def load_picker(path: str | os.PathLike[str] | None = None) -> LearnedPicker:
    """The picker shipped with drumnmf (``data/picker.json``), or one from a file."""
    if path is None:
        picker = _shipped()
    else:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except OSError as exc:
            raise DrumnmfError(f"cannot read the picker file '{path}': {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DrumnmfError(f"the picker file '{path}' is not JSON: {exc}") from None
        picker = LearnedPicker.from_dict(document)
    unknown = [name for name in picker.features if name not in FEATURES]
    if unknown:
        raise DrumnmfError(
            f"the picker file reads features {unknown} that this drumnmf does not compute "
            f"({FEATURES}); retrain it with scripts/train_picker.py"
        )
    return picker


@dataclass(frozen=True, eq=False)
class Candidates:
    """The candidate peaks of one family's row and their features.

    Attributes
    ----------
    drum : str
        The family's output drum.
    peaks : np.ndarray [shape=(n,), dtype=int]
        Peak frames, increasing.
    frames : np.ndarray [shape=(n,), dtype=int]
        Reported onset frames (the peaks moved to their rise with ``onset_timing="rise"``).
    features : np.ndarray [shape=(n, n_features)]
        One row per candidate, columns :data:`FEATURES`.
    """

    drum: str
    peaks: np.ndarray
    frames: np.ndarray
    features: np.ndarray


def _near(x: np.ndarray, before: int, after: int, *, lowest: bool = False) -> np.ndarray:
    """Per frame, the maximum (or minimum) of ``x`` from ``before`` frames before to
    ``after`` after, along the last axis."""
    fill = np.inf if lowest else -np.inf
    pad = [(0, 0)] * (x.ndim - 1) + [(before, after)]
    view = sliding_window_view(np.pad(x, pad, constant_values=fill), before + after + 1, axis=-1)
    return view.min(axis=-1) if lowest else view.max(axis=-1)


def _db(value: np.ndarray, reference: np.ndarray | float = 1.0) -> np.ndarray:
    """``20 log10(value / reference)`` clipped to +-``CLIP_DB`` (either may be 0)."""
    a = np.maximum(np.asarray(value, dtype=np.float64), _TINY)
    b = np.maximum(np.asarray(reference, dtype=np.float64), _TINY)
    return np.clip(20.0 * (np.log10(a) - np.log10(b)), -CLIP_DB, CLIP_DB)


def _template_cosine(spectra: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Per column of ``spectra``, the largest cosine similarity with a column of
    ``templates`` (0 for a silent column or no template)."""
    if templates.shape[1] == 0 or spectra.shape[1] == 0:
        return np.zeros(spectra.shape[1])
    a = spectra / np.maximum(np.linalg.norm(spectra, axis=0), _TINY)
    b = templates / np.maximum(np.linalg.norm(templates, axis=0), _TINY)
    return np.clip((b.T @ a).max(axis=0), 0.0, 1.0)


def _neighbour_db(peaks: np.ndarray, strengths: np.ndarray, frames: int) -> np.ndarray:
    """Per candidate, the strongest other candidate within ``frames`` either side over it,
    dB (``-CLIP_DB`` when there is none)."""
    best = np.zeros(peaks.size)
    for k in range(1, peaks.size):
        close = peaks[k:] - peaks[:-k] <= frames
        if not close.any():
            break
        # candidate i and i + k are neighbours: each sees the other
        np.maximum.at(best, np.arange(peaks.size - k)[close], strengths[k:][close])
        np.maximum.at(best, np.arange(k, peaks.size)[close], strengths[:-k][close])
    out = np.full(peaks.size, -CLIP_DB)
    seen = best > 0
    out[seen] = _db(best[seen], strengths[seen])
    return out


def _class_of(drum: str) -> str:
    family = family_of(drum)
    return family if family in CLASSES else "other"


def candidate_features(
    kit: Kit,
    templates: np.ndarray,
    template_activations: np.ndarray,
    factorized: np.ndarray,
    *,
    frame_rate: float,
    families: bool = True,
    min_interval: float = 0.05,
    window: float = 0.1,
    similarity: float = 0.5,
    onset_timing: str = "rise",
) -> tuple[Candidates, ...]:
    """Every family's candidate peaks and their features (:data:`FEATURES`).

    Parameters
    ----------
    kit : Kit
    templates : np.ndarray [shape=(n_rows, n_templates)]
        The kit's templates in the factorized rows (``W_D``).
    template_activations : np.ndarray [shape=(n_templates, n_frames)]
        Their activations (``H_D``).
    factorized : np.ndarray [shape=(n_rows, n_frames)]
        The factorized matrix (``V``).
    frame_rate : float > 0
        Frames per second.
    families : bool
        Pick related pieces on their summed row (:mod:`drumnmf.families`).
    min_interval : float > 0
        Shortest time between two candidates of a row, seconds.
    window : float > 0
        Length of the moving median of ``median_db``, seconds.
    similarity : float in [0, 1]
        Smallest cosine similarity of two families' band profiles for ``rival_db``.
    onset_timing : {"rise", "peak"}
        Where each candidate's onset is reported.

    Returns
    -------
    tuple of Candidates
        One per family, in the kit's family order.
    """
    H = np.asarray(template_activations, dtype=np.float64)
    W = np.asarray(templates, dtype=np.float64)
    V = np.asarray(factorized, dtype=np.float64)
    if H.ndim != 2 or W.shape[1] != H.shape[0] or V.shape != (W.shape[0], H.shape[1]):
        raise DrumnmfError(
            f"need W (rows x templates), H (templates x frames) and V (rows x frames); got "
            f"{W.shape}, {H.shape}, {V.shape}"
        )
    groups = kit_families(kit, enabled=families)
    n = len(groups)
    rows, owners = family_rows(kit, H, groups)
    all_levels = kit.levels or (FALLBACK_LEVEL,) * kit.n_drums
    levels = np.array([max(all_levels[m] for m in g.members) for g in groups])
    context = leak_context(kit, groups, rows)
    before, after = GATE_FRAMES
    share = _near(band_share(V, W, H, owners, n), before, after)
    energy, profiles = explained_energy(W, H, owners, n)
    energy = _near(energy, before, after)
    cosine = profiles @ profiles.T
    # flux: what rises in the family's bands, over what is there
    weights = np.zeros((n, W.shape[0]))
    for f in range(n):
        w = W[:, owners == f].sum(axis=1)
        weights[f] = w / max(float(w.max(initial=0.0)), _TINY)
    rising = np.maximum(np.diff(V, axis=1, prepend=V[:, :1]), 0.0)
    present = weights @ V
    flux = np.divide(weights @ rising, present, out=np.zeros_like(present), where=present > 0)
    flux = _near(np.clip(flux, 0.0, 1.0), FLUX_FRAMES, 0)
    relative = _near(rows / levels[:, None], *NEAR_FRAMES)
    tops = np.maximum(rows.max(axis=1, initial=0.0), _TINY)
    own_relative = _near(rows / tops[:, None], *NEAR_FRAMES)
    neighbour_frames = max(1, round(NEIGHBOUR_SECONDS * frame_rate))
    seconds = max(H.shape[1] / frame_rate, _TINY)
    near_context = None if context is None else _near(context, *NEAR_FRAMES)
    # the lowest activation of the RISE_FRAMES frames before each frame (inf: none)
    shifted = np.pad(rows, ((0, 0), (1, 0)), constant_values=np.inf)[:, :-1]
    previous = _near(shifted, RISE_FRAMES - 1, 0, lowest=True)
    median_frames = max(1, round(window * frame_rate))

    out = []
    for f, group in enumerate(groups):
        row = rows[f]
        drum = kit.names[group.drum]
        top = float(row.max(initial=0.0))
        peaks = candidate_peaks(row, round(min_interval * frame_rate))
        if top > 0:
            peaks = peaks[row[peaks] >= top * 10.0 ** (-CANDIDATE_DB / 20.0)]
        x = np.zeros((peaks.size, len(FEATURES)))
        if peaks.size:
            s = row[peaks]
            x[:, 0] = _db(s, levels[f])
            x[:, 1] = _db(s, top)
            x[:, 2] = _db(s, float(np.percentile(s, 90)))
            background = background_db(row, reference=top, window_frames=median_frames)
            x[:, 3] = np.clip(x[:, 1] - background[peaks], -CLIP_DB, CLIP_DB)
            low = previous[f][peaks]
            known = np.isfinite(low)
            x[:, 4] = np.where(known, _db(s, np.where(known, low, 1.0)), CLIP_DB)
            x[:, 5] = CLIP_DB if near_context is None else _db(s, near_context[f][peaks])
            x[:, 6] = np.clip(share[f][peaks], 0.0, 2.0)
            rivals = [o for o in range(n) if o != f and cosine[f, o] >= similarity]
            if rivals:
                strongest = energy[rivals][:, peaks].max(axis=0)
                x[:, 7] = _db(energy[f][peaks], strongest)
            else:
                x[:, 7] = CLIP_DB
            x[:, 8] = flux[f][peaks]
            others = [o for o in range(n) if o != f]
            x[:, 9] = _db(relative[others][:, peaks].max(axis=0)) if others else np.nan
            x[:, 10] = _db(own_relative[others][:, peaks].max(axis=0)) if others else np.nan
            x[:, 11] = _template_cosine(V[:, peaks], W[:, owners == f])
            x[:, 12] = _neighbour_db(peaks, s, neighbour_frames)
            p95 = float(np.percentile(s, 95))
            x[:, 13] = np.count_nonzero(s >= p95 * 10.0 ** (-DENSITY_DB / 20.0)) / seconds
            x[:, FEATURES.index(_class_of(drum))] = 1.0
        frames = rise_frames(row, peaks) if onset_timing == "rise" else peaks
        out.append(Candidates(drum=drum, peaks=peaks, frames=frames, features=x))
    return tuple(out)


def pick_learned(
    kit: Kit,
    templates: np.ndarray,
    template_activations: np.ndarray,
    factorized: np.ndarray,
    config: TranscribeConfig,
    *,
    frame_rate: float,
    picker: LearnedPicker | None = None,
) -> Picked:
    """Every drum's onsets by the learned picker (the ``"learned"`` onset stage).

    Parameters
    ----------
    kit, templates, template_activations, factorized, config, frame_rate
        As :func:`drumnmf.picking.pick_onsets`; ``config``'s ``families``,
        ``min_interval``, ``threshold_window``, ``crosstalk_similarity`` and
        ``onset_timing`` are used.
    picker : LearnedPicker, optional
        The classifier; the shipped one (:func:`load_picker`) by default.

    Returns
    -------
    Picked
        Confidences are the classifier's probabilities; no threshold curves.
    """
    model = picker or load_picker()
    H = np.asarray(template_activations, dtype=np.float64)
    groups = kit_families(kit, enabled=config.families)
    rows, _ = family_rows(kit, H, groups)
    if H.ndim == 2 and H.shape[1] == 0:  # no frames: no candidates
        none = np.zeros(0, dtype=np.int64)
        candidates = tuple(
            Candidates(kit.names[g.drum], none, none, np.zeros((0, len(FEATURES)))) for g in groups
        )
    else:
        candidates = candidate_features(
            kit,
            templates,
            H,
            factorized,
            frame_rate=frame_rate,
            families=config.families,
            min_interval=config.min_interval,
            window=config.threshold_window,
            similarity=config.crosstalk_similarity,
            onset_timing=config.onset_timing,
        )
    activations = np.zeros((kit.n_drums, H.shape[1]))
    np.add.at(activations, np.asarray(kit.template_drums), H)
    weights = np.asarray(templates, dtype=np.float64).sum(axis=0)
    out_frames = {d: np.zeros(0, dtype=np.int64) for d in kit.names}
    out_strengths = {d: np.zeros(0) for d in kit.names}
    out_confidences = {d: np.zeros(0) for d in kit.names}
    out_articulations: dict[str, tuple[str, ...]] = {d: () for d in kit.names}
    for f, (group, found) in enumerate(zip(groups, candidates, strict=True)):
        activations[group.drum] = rows[f]
        x = found.features[:, model.columns]
        p = model.probability(x) if found.peaks.size else np.zeros(0)
        keep = p >= model.threshold
        # reported frames increase: each rise lies after the previous candidate's peak
        peaks = found.peaks[keep]
        out_frames[found.drum] = found.frames[keep].astype(np.int64)
        out_strengths[found.drum] = rows[f][peaks]
        out_confidences[found.drum] = p[keep]
        out_articulations[found.drum] = articulations_at(group, H, peaks, weights)
    return Picked(
        frames=out_frames,
        strengths=out_strengths,
        confidences=out_confidences,
        articulations=out_articulations,
        activations=activations,
        thresholds=None,
    )
