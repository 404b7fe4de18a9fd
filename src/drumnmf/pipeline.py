"""The transcription pipeline: audio -> spectrogram -> features -> factorization -> onsets.

:func:`transcribe` is what ``drumnmf transcribe`` runs. Its options live in one frozen
:class:`TranscribeConfig`; :meth:`TranscribeConfig.paper` is the configuration of Foster &
Webber (linear STFT bins, NeNMF 10 x 10, harmonic rank 50, adaptive median threshold,
onsets at the activation peak) kept by name for comparison.

The default differs from the paper in measured ways (``docs/ablation.md``,
``docs/learned.md``): the spectrogram and the templates go through a log-frequency
filterbank (12 bands per octave, about 100 rows instead of 1025), the spectrogram is
percussion-enhanced by a soft median-filtering HPSS mask (:mod:`drumnmf.features`), the
harmonic rank is 5, related kit pieces compete as families (:mod:`drumnmf.families`), and
the onsets are the candidate peaks a classifier shipped with the package accepts
(:mod:`drumnmf.learned`, ``picker="learned"``), reported at the activation's steepest rise.
The previous onset stage, thresholds in dB with silence and cross-talk gates
(``picker="db"``, :mod:`drumnmf.picking`), and the paper's (``picker="paper"``) stay
available by name. :func:`save_transcription` (:mod:`drumnmf.saving`) writes the result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from drumnmf.blockwise import DISPLAY_COLUMNS, blockwise_features
from drumnmf.errors import DrumnmfError
from drumnmf.factorization import Factorization, factorize
from drumnmf.features import apply_filterbank, log_filterbank, percussive_spectrogram
from drumnmf.kit import Kit, canonical_drum_name, default_kit
from drumnmf.onsets import TIMINGS, offset_for
from drumnmf.picking import pick_onsets
from drumnmf.saving import FORMATS, output_stem, save_transcription
from drumnmf.spectrogram import SpectrogramSettings, frames_to_seconds

__all__ = [
    "DB_PICKER_FIELDS",
    "FORMATS",
    "PICKERS",
    "SOLVERS",
    "TranscribeConfig",
    "Transcription",
    "output_stem",
    "save_transcription",
    "spectrogram_features",
    "transcribe",
]

SOLVERS = ("nenmf", "mur")
#: The options only the dB picker's gates (or the paper's threshold) read: the learned
#: picker, the default, decides without them.
DB_PICKER_FIELDS = (
    "delta_db",
    "drum_delta_db",
    "range_db",
    "rise_ratio",
    "floor_db",
    "floor_follow_db",
    "leak_margin",
    "min_band_share",
    "band_share_relative",
    "crosstalk_ratio",
)
PICKERS = ("db", "paper", "adaptive", "topk", "learned")


@dataclass(frozen=True)
class TranscribeConfig:
    """Every option of the transcription pipeline.

    Parameters
    ----------
    solver : {"nenmf", "mur"}
        Factorization solver.
    harmonic_rank : int >= 0
        Number of free (non-drum) components.
    max_iter : int > 0 or None
        NeNMF outer iterations or MUR sweeps; None for the solver's default
        (10 for NeNMF, 100 for MUR).
    inner_iter : int > 0
        OGM steps per NeNMF block.
    picker : {"db", "paper", "adaptive", "topk", "learned"}
        Onset picker (:mod:`drumnmf.picking`): ``"learned"`` (default) keeps the candidate
        peaks a small classifier shipped with drumnmf accepts (:mod:`drumnmf.learned`;
        trained on the development corpus's train split), in place of the dB picker's
        silence and cross-talk gates below, its probability being each hit's confidence;
        ``"db"`` thresholds in decibels with those gates (:mod:`drumnmf.detection`);
        ``"paper"`` (alias ``"adaptive"``) is the paper's adaptive median threshold;
        ``"topk"`` needs ``k`` per drum at call time.
    families : bool
        Related kit pieces (hi-hats, snare and rimshot, toms, cymbals) compete for a hit:
        picked on their summed activation, each hit named by its articulation
        (:mod:`drumnmf.families`). True by default; False picks every drum alone.
    delta_db, range_db : float
        The dB picker's height above the local median (dB) and its depth under the row's
        maximum (dB).
    drum_delta_db : tuple of (drum, dB) pairs
        Per-drum ``delta_db`` overriding it for those drums (a family is picked with its
        output drum's value).
    rise_ratio : float >= 0
        Rise gate (:func:`drumnmf.silence.rise_gate`): a hit's peak must be this many
        times the activation just before it; 0 = off (the paper).
    floor_db : float >= 0
        Kit floor (:func:`drumnmf.silence.kit_floor`): hits more than this many dB under
        the kit's calibration level are dropped; 0 = off (the paper).
    floor_follow_db : float >= 0
        How far under the calibration level the floor's level may follow the recording's
        loudest peak of the drum (a softer song, another kit), dB; 0 = off.
    leak_margin : float >= 0
        Cross-talk model gate (:mod:`drumnmf.picking`): in a drum that looks unplayed
        (most of its peaks under the leakage the kit's cross-talk matrix,
        :attr:`drumnmf.kit.Kit.crosstalk`, predicts from the other drums), a hit must be
        this many times that leakage; 0 = off, and off for kits without the matrix.
    threshold_window : float > 0
        Median window of the adaptive threshold and of the dB picker's background (also
        the learned picker's ``median_db`` feature), seconds.
    offsets : tuple of (drum, offset) pairs
        Per-drum threshold offsets overriding the paper's (0.15 kick, 0.1 snare,
        0.05 hi-hat, 0.1 others).
    min_interval : float > 0
        Shortest time between two onsets of one drum, seconds.
    onset_timing : {"rise", "peak"}
        Report each onset at the activation's steepest rise (default) or at its peak
        (the paper); see :mod:`drumnmf.onsets`.
    seed : int
        Seed of the random start of the free components.
    bands_per_octave : int >= 0
        Density of the log-frequency filterbank the spectrogram and the templates go
        through before the factorization (:func:`drumnmf.features.log_filterbank`);
        0 factorizes the linear STFT bins (the paper). 12 by default.
    fmin, fmax : float, 0 < fmin < fmax
        Frequency range of the filterbank, Hz (30 and 16000); unused when
        ``bands_per_octave`` is 0.
    percussive_frames : int >= 0
        Length in frames of the harmonic (time) median of the percussive-enhancement mask
        (:func:`drumnmf.features.percussive_spectrogram`, 17 frames = 0.2 s); 0 disables
        the enhancement (the paper).
    percussive_bands : int > 0
        Length in rows (filterbank bands, or STFT bins without a filterbank) of the
        percussive (frequency) median of that mask (7).
    min_band_share : float in [0, 1)
        Cross-talk gate of the adaptive picker: an onset is kept only if, within a frame
        before to three after it, the drum's templates explain at least this fraction of
        the factorized energy in the drum's own bands
        (:func:`drumnmf.onsets.band_share`); 0 keeps every onset (the paper, and the
        default: the gate gains about 0.01 F on rendered kits but loses 0.06 on real
        drum recordings, see docs/ablation.md). 0.3 is a good value for rendered kits.
    band_share_relative : float >= 0
        Lowers that minimum, per drum and recording, to this fraction of the 90th
        percentile of the drum's onset shares, so a drum whose template fits its own hits
        poorly (an uncalibrated kit) is not silenced; 0 = a fixed minimum. 0.5 by default.
    crosstalk_ratio : float >= 0
        Coincidence gate of the adaptive picker (:func:`drumnmf.onsets.suppress_crosstalk`):
        an onset is dropped when a similar drum has an onset within 2 frames and its
        templates reconstruct more than ``1 / crosstalk_ratio`` times as much energy
        there; 0 disables it (the paper). 0.5 by default (docs/ablation.md, round 3).
    crosstalk_similarity : float in [0, 1]
        Smallest cosine similarity of two drums' template band profiles for them to
        compete in that gate, and for the learned picker's ``rival_db`` feature (0.5).
    """

    solver: str = "nenmf"
    harmonic_rank: int = 5
    max_iter: int | None = None
    inner_iter: int = 10
    picker: str = "learned"
    families: bool = True
    delta_db: float = 6.0
    drum_delta_db: tuple[tuple[str, float], ...] = ()
    range_db: float = 40.0
    rise_ratio: float = 3.0
    floor_db: float = 15.0
    floor_follow_db: float = 6.0
    leak_margin: float = 1.0
    threshold_window: float = 0.1
    offsets: tuple[tuple[str, float], ...] = ()
    min_interval: float = 0.05
    onset_timing: str = "rise"
    seed: int = 0
    bands_per_octave: int = 12
    fmin: float = 30.0
    fmax: float = 16000.0
    percussive_frames: int = 17
    percussive_bands: int = 7
    min_band_share: float = 0.0
    band_share_relative: float = 0.5
    crosstalk_ratio: float = 0.5
    crosstalk_similarity: float = 0.5

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise DrumnmfError(f"unknown solver {self.solver!r}; use one of {SOLVERS}")
        if self.picker not in PICKERS:
            raise DrumnmfError(f"unknown picker {self.picker!r}; use one of {PICKERS}")
        if not isinstance(self.harmonic_rank, int) or self.harmonic_rank < 0:
            raise DrumnmfError(f"harmonic_rank must be an integer >= 0, got {self.harmonic_rank!r}")
        if self.max_iter is not None and (not isinstance(self.max_iter, int) or self.max_iter < 1):
            raise DrumnmfError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        if not isinstance(self.inner_iter, int) or self.inner_iter < 1:
            raise DrumnmfError(f"inner_iter must be a positive integer, got {self.inner_iter!r}")
        gates = ("delta_db", "range_db", "rise_ratio", "floor_db", "floor_follow_db", "leak_margin")
        for name in gates:
            value = getattr(self, name)
            if isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise DrumnmfError(f"{name} must be a number >= 0 (0 = off), got {value!r}")
        if not isinstance(self.families, bool):
            raise DrumnmfError(f"families must be True or False, got {self.families!r}")
        for name in ("threshold_window", "min_interval"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise DrumnmfError(f"{name} must be a positive number of seconds, got {value!r}")
        if self.onset_timing not in TIMINGS:
            raise DrumnmfError(f"unknown onset_timing {self.onset_timing!r}; use one of {TIMINGS}")
        for drum, value in self.offsets:
            if not np.isfinite(value) or value < 0:
                raise DrumnmfError(f"threshold offset of '{drum}' must be >= 0, got {value!r}")
        for drum, value in self.drum_delta_db:
            if isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise DrumnmfError(f"delta_db of '{drum}' must be a number >= 0 dB, got {value!r}")
        for name in ("bands_per_octave", "percussive_frames"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise DrumnmfError(f"{name} must be an integer >= 0 (0 = off), got {value!r}")
        value = self.percussive_bands
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise DrumnmfError(
                f"percussive_bands must be a positive integer (e.g. 7), got {value!r}"
            )
        if not (np.isfinite(self.min_band_share) and 0 <= self.min_band_share < 1):
            raise DrumnmfError(
                f"min_band_share must be in [0, 1) (0 = off, e.g. 0.2), got {self.min_band_share!r}"
            )
        if not (np.isfinite(self.band_share_relative) and self.band_share_relative >= 0):
            raise DrumnmfError(
                "band_share_relative must be a number >= 0 (0 = off, e.g. 0.5), got "
                f"{self.band_share_relative!r}"
            )
        if not (np.isfinite(self.crosstalk_ratio) and self.crosstalk_ratio >= 0):
            raise DrumnmfError(
                "crosstalk_ratio must be a number >= 0 (0 = off, e.g. 0.5), got "
                f"{self.crosstalk_ratio!r}"
            )
        if not (np.isfinite(self.crosstalk_similarity) and 0 <= self.crosstalk_similarity <= 1):
            raise DrumnmfError(
                "crosstalk_similarity must be in [0, 1] (e.g. 0.5), got "
                f"{self.crosstalk_similarity!r}"
            )
        if not (np.isfinite(self.fmin) and np.isfinite(self.fmax) and 0 < self.fmin < self.fmax):
            raise DrumnmfError(
                f"need 0 < fmin < fmax in Hz (e.g. 30 and 16000), got fmin={self.fmin!r}, "
                f"fmax={self.fmax!r}"
            )

    @classmethod
    def paper(cls) -> TranscribeConfig:
        """Foster & Webber's configuration: linear bins, NeNMF 10 x 10, rank 50, peak timing."""
        return cls(
            solver="nenmf",
            harmonic_rank=50,
            max_iter=10,
            inner_iter=10,
            onset_timing="peak",
            bands_per_octave=0,
            percussive_frames=0,
            min_band_share=0.0,
            crosstalk_ratio=0.0,
            picker="paper",
            families=False,
            rise_ratio=0.0,
            floor_db=0.0,
            floor_follow_db=0.0,
            leak_margin=0.0,
        )

    def offset(self, drum: str) -> float:
        """Threshold offset used for ``drum``."""
        return dict(self.offsets).get(drum, offset_for(drum))

    def delta_for(self, drum: str) -> float:
        """The dB picker's ``delta_db`` used for ``drum``, dB."""
        return dict(self.drum_delta_db).get(drum, self.delta_db)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a JSON-ready dictionary."""
        data = asdict(self)
        data["offsets"] = dict(self.offsets)
        data["drum_delta_db"] = dict(self.drum_delta_db)
        return data


@dataclass(frozen=True, eq=False)
class Transcription:
    """The result of transcribing one recording.

    Attributes
    ----------
    drums : tuple of str
        Drum names, in the kit's order.
    onsets : dict str -> np.ndarray [shape=(n,)]
        Onset times per drum in seconds, increasing.
    strengths : dict str -> np.ndarray [shape=(n,)]
        Activation height at each onset (rank onsets by it).
    activations : np.ndarray [shape=(n_drums, n_frames)]
        Drum activations (the paper's ``H_D``, a drum's templates summed; with families,
        a family's output drum holds the family's sum).
    thresholds : np.ndarray [shape=(n_drums, n_frames)] or None
        Threshold curves in activation units (dB and paper pickers); None with the
        learned and the top-k pickers.
    frame_times : np.ndarray [shape=(n_frames,)]
        Time of each frame in seconds.
    spectrogram : np.ndarray [shape=(n_bins, n_columns)]
        The magnitude STFT of the audio (linear bins, for display): every frame, or at
        display resolution, each column the maximum of ``spectrogram_step`` frames. Always
        every frame when it is the factorized matrix (``features`` is None).
    factorization : Factorization
        The full factorization (harmonic part, losses, timing).
    kit : Kit
        The kit used.
    config : TranscribeConfig
        The options used.
    duration : float
        Length of the audio in seconds.
    source : str
        Path of the audio, or ``"<array>"``.
    seconds : dict str -> float
        Computation time per stage (``load``, ``spectrogram``, ``features``, ``factorize``,
        ``onsets``).
    features : np.ndarray [shape=(n_rows, n_frames)] or None
        The matrix that was factorized (filterbank bands and/or percussive enhancement of
        ``spectrogram``); None when it is ``spectrogram`` itself (the paper's setting).
        ``factorization.templates`` are the kit's templates in the same rows.
    edits : tuple of drumnmf.editing.Edit
        Hand corrections applied after picking (:func:`drumnmf.editing.apply_edits`).
    spectrogram_step : int >= 1
        Frames per column of ``spectrogram`` (1: every frame).
    confidences : dict str -> np.ndarray [shape=(n,)]
        Confidence of each onset in [0, 1]: the learned picker's probability, or the
        dB picker's level between floor and calibration level
        (:func:`drumnmf.silence.confidence`); a drum missing here has confidence 1 (see
        :meth:`confidence_of`).
    articulations : dict str -> tuple of str
        Articulation of each onset (:mod:`drumnmf.families`); the drum's name if missing.
    """

    drums: tuple[str, ...]
    onsets: dict[str, np.ndarray]
    strengths: dict[str, np.ndarray]
    activations: np.ndarray
    thresholds: np.ndarray | None
    frame_times: np.ndarray
    spectrogram: np.ndarray
    factorization: Factorization
    kit: Kit
    config: TranscribeConfig
    duration: float
    source: str = "<array>"
    seconds: dict[str, float] = field(default_factory=dict)
    features: np.ndarray | None = None
    edits: tuple[Any, ...] = ()
    spectrogram_step: int = 1
    confidences: dict[str, np.ndarray] = field(default_factory=dict)
    articulations: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def confidence_of(self, drum: str) -> np.ndarray:
        """Confidences of a drum's onsets (1 where none were recorded)."""
        found = self.confidences.get(drum)
        n = np.size(self.onsets[drum])
        return np.ones(n) if found is None or np.size(found) != n else np.asarray(found)

    def articulation_of(self, drum: str) -> tuple[str, ...]:
        """Articulations of a drum's onsets (the drum's name where none were recorded)."""
        found = self.articulations.get(drum, ())
        n = np.size(self.onsets[drum])
        return tuple(found) if len(found) == n else (drum,) * n

    @property
    def factorized(self) -> np.ndarray:
        """The matrix the factorization explained (``features`` or ``spectrogram``)."""
        return self.spectrogram if self.features is None else self.features

    @property
    def n_onsets(self) -> dict[str, int]:
        """Number of onsets per drum."""
        return {d: int(self.onsets[d].size) for d in self.drums}

    def to_score(
        self,
        *,
        tempo: float | None = None,
        meter: str | None = None,
        grid: str = "auto",
        title: str | None = None,
    ) -> Any:
        """The drum score of this transcription (:func:`drumnmf.notation.make_score`)."""
        from drumnmf.notation import make_score

        name = title or (Path(self.source).stem if self.source != "<array>" else "Drums")
        return make_score(
            self.onsets, self.strengths, tempo=tempo, meter=meter, grid=grid, title=name
        )

    def to_dict(self) -> dict[str, Any]:
        """Onsets, settings, kit and versions as a JSON-ready dictionary."""
        from drumnmf.io.export import onset_table

        return {
            "format": "drumnmf-transcription",
            "version": 1,
            "source": self.source,
            "duration": self.duration,
            "onsets": [
                {"time": round(t, 6), "drum": d, "strength": s, "confidence": round(c, 4)}
                | ({"articulation": a} if a != d else {})
                for t, d, s, c, a in onset_table(
                    self.onsets,
                    self.strengths,
                    {d: self.confidence_of(d) for d in self.drums},
                    {d: self.articulation_of(d) for d in self.drums},
                )
            ],
            "counts": self.n_onsets,
            "config": self.config.to_dict(),
            "settings": self.kit.settings.to_dict(),
            "kit": {
                "drums": [
                    {"name": n, "midi_note": m}
                    for n, m in zip(self.kit.names, self.kit.midi_notes, strict=True)
                ],
                "sources": list(self.kit.sources),
            },
            "factorization": {
                "solver": self.factorization.solver,
                "n_iter": self.factorization.n_iter,
                "converged": self.factorization.converged,
                "final_loss": float(self.factorization.losses[-1])
                if len(self.factorization.losses)
                else None,
            },
            "seconds": self.seconds,
            "versions": versions(),
            **({"edits": [e.to_dict() for e in self.edits]} if self.edits else {}),
        }


def versions() -> dict[str, str]:
    """Versions of drumnmf and its core dependencies."""
    from importlib import metadata

    out = {}
    for name in ("drumnmf", "numpy", "scipy", "soundfile", "soxr", "mido", "mir_eval"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def transcribe(
    audio: str | os.PathLike[str] | np.ndarray,
    *,
    kit: Kit | str | os.PathLike[str] | None = None,
    config: TranscribeConfig | None = None,
    sample_rate: int | None = None,
    top_k: Mapping[str, int] | None = None,
    drums: tuple[str, ...] | None = None,
    settings: SpectrogramSettings | None = None,
    callback: Callable[[int, float], Any] | None = None,
    block_seconds: float = 10.0,
    spectrogram_columns: int | None = DISPLAY_COLUMNS,
) -> Transcription:
    """Transcribe the drums of one recording.

    The audio is decoded, resampled, transformed and filtered block by block
    (:mod:`drumnmf.blockwise`): memory grows with the banded spectrogram (about 0.12 GB
    an hour), not with the samples or the linear STFT.

    Parameters
    ----------
    audio : path-like or np.ndarray [shape=(n_samples,) or (n_samples, n_channels)]
        An audio file, or samples (then ``sample_rate`` is required).
    kit : Kit, path-like or None
        The calibrated kit (or a kit file); the built-in default kit when None.
    config : TranscribeConfig, optional
        Pipeline options; the defaults when None.
    sample_rate : int, optional
        Rate of ``audio`` when it is an array, Hz.
    top_k : mapping drum -> int, optional
        Number of onsets per drum for the ``"topk"`` picker (e.g. the reference counts).
    drums : tuple of str, optional
        Transcribe only these drums of the kit.
    settings : SpectrogramSettings, optional
        STFT settings the caller expects; refused unless they equal the kit's (the kit's
        are used when omitted).
    callback : callable, optional
        Called by the solver after each outer iteration as ``callback(iteration, loss)``.
    block_seconds : float > 0
        Audio per block of the feature stages, seconds (bounds their temporaries; the
        result does not depend on it).
    spectrogram_columns : int > 0 or None
        Most columns of the linear spectrogram kept in ``Transcription.spectrogram`` for
        display (frames max-pooled to fit, see ``spectrogram_step``); None keeps every
        frame (1.3 GB an hour).

    Returns
    -------
    Transcription

    Examples
    --------
    >>> result = transcribe("song.wav", kit="my.kit.json")  # doctest: +SKIP
    >>> result.onsets["kick"][:3]  # doctest: +SKIP
    array([0.511, 1.010, 1.521])
    """
    config = config or TranscribeConfig()
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    if kit is None:
        kit = default_kit()
    elif not isinstance(kit, Kit):
        from drumnmf.kit import load_kit

        kit = load_kit(kit)
    if drums:
        kit = kit.subset(drums)
    if settings is not None:
        kit.check_settings(settings)
    settings = kit.settings
    if config.picker == "topk":
        if top_k is None:
            raise DrumnmfError("the top-k picker needs k per drum: pass top_k={'kick': 40, ...}")
        top_k = {canonical_drum_name(k): int(v) for k, v in top_k.items()}
        missing = [d for d in kit.names if d not in top_k]
        if missing:
            raise DrumnmfError(f"top_k has no count for {missing}; give k for every drum")
    source = "<array>" if isinstance(audio, np.ndarray) else os.fspath(audio)
    staged = blockwise_features(
        audio,
        kit.templates,
        settings,
        sample_rate=sample_rate,
        bands_per_octave=config.bands_per_octave,
        fmin=config.fmin,
        fmax=config.fmax,
        percussive_frames=config.percussive_frames,
        percussive_bands=config.percussive_bands,
        block_seconds=block_seconds,
        spectrogram_columns=spectrogram_columns,
    )
    seconds.update(staged.seconds)
    seconds["load"] += time.perf_counter() - clock - sum(staged.seconds.values())
    V, features, templates = staged.spectrogram, staged.features, staged.templates
    n_frames = staged.n_frames

    clock = time.perf_counter()
    # One BLAS thread: the products here are small (rank ~10), and a second BLAS thread
    # only adds synchronisation, which on a busy machine costs 10-60x (docs/benchmarks.md).
    with threadpool_limits(limits=1, user_api="blas"):
        result = factorize(
            V if features is None else features,
            templates,
            harmonic_rank=config.harmonic_rank,
            solver=config.solver,
            max_iter=config.max_iter,
            inner_iter=config.inner_iter,
            seed=config.seed,
            callback=callback,
        )
    seconds["factorize"] = time.perf_counter() - clock

    clock = time.perf_counter()
    picked = pick_onsets(
        kit,
        result.templates,
        result.drum_activations,
        V if features is None else features,
        config,
        frame_rate=1.0 / settings.frame_seconds,
        top_k=top_k,
    )
    onsets = {d: frames_to_seconds(f, settings) for d, f in picked.frames.items()}
    seconds["onsets"] = time.perf_counter() - clock
    return Transcription(
        drums=kit.names,
        onsets=onsets,
        strengths=picked.strengths,
        confidences=picked.confidences,
        articulations=picked.articulations,
        activations=picked.activations,
        thresholds=picked.thresholds,
        frame_times=frames_to_seconds(np.arange(n_frames), settings),
        spectrogram=V,
        spectrogram_step=staged.step,
        factorization=result,
        kit=kit,
        config=config,
        duration=staged.n_samples / settings.sample_rate,
        source=source,
        seconds=seconds,
        features=features,
    )


def spectrogram_features(
    spectrogram: np.ndarray,
    templates: np.ndarray,
    config: TranscribeConfig,
    settings: SpectrogramSettings,
) -> tuple[np.ndarray | None, np.ndarray]:
    """The matrix to factorize and the templates in its rows, as ``config`` asks.

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)]
        Magnitude STFT made with ``settings``.
    templates : np.ndarray [shape=(n_bins, n_templates)]
        The kit's templates (same bins).
    config : TranscribeConfig
        Its ``bands_per_octave``, ``fmin``, ``fmax``, ``percussive_frames`` and
        ``percussive_bands`` are used.
    settings : SpectrogramSettings

    Returns
    -------
    features : np.ndarray [shape=(n_rows, n_frames)] or None
        None when neither the filterbank nor the enhancement is on (factorize
        ``spectrogram`` itself).
    templates : np.ndarray [shape=(n_rows, n_templates)]
        The templates through the same filterbank (unchanged without one). The percussive
        mask is not applied to them: calibration hits are percussive already.
    """
    features: np.ndarray | None = None
    if config.bands_per_octave:
        filters = log_filterbank(
            settings, bands_per_octave=config.bands_per_octave, fmin=config.fmin, fmax=config.fmax
        )
        features = apply_filterbank(filters, spectrogram)
        templates = filters @ templates
    if config.percussive_frames:
        features = percussive_spectrogram(
            spectrogram if features is None else features,
            time_frames=config.percussive_frames,
            freq_bands=config.percussive_bands,
        )
    return features, templates


def with_options(config: TranscribeConfig, **changes: Any) -> TranscribeConfig:
    """A copy of ``config`` with some options changed (None values are ignored)."""
    return replace(config, **{k: v for k, v in changes.items() if v is not None})
