"""The streaming transcriber: the offline model, causal, one frame at a time.

:class:`StreamingTranscriber` takes blocks of samples of any size and returns each hit as
soon as it is decided. It keeps the model of :func:`drumnmf.transcribe`, made causal:

1. **Causal STFT.** Frames are centred as offline (frame ``t`` stands for
   ``t * hop / sample_rate`` s, the signal zero-padded by ``n_fft // 2`` at the start), and
   frame ``t`` is computed once its last sample, ``t * hop + n_fft // 2``, has arrived.
2. **Features.** The kit's log-frequency filterbank, and the percussive (HPSS) mask with
   its harmonic median taken over the *past* ``percussive_seconds`` only (17 taps, spaced
   to span that time at any hop) and its percussive median over ``percussive_bands`` rows
   of the frame itself.
3. **Per-frame solve.** ``x_t ~ W_D d_t + W_H g_t`` with the drum templates ``W_D``
   fixed and ``W_H`` fixed within the frame: ``[d_t; g_t]`` is the exact nonnegative
   least-squares solution (Lawson-Hanson on the ``(r_d + r_h)``-square Cholesky factor
   of the normal equations; about 15 us a frame).
4. **A small, slowly updated non-drum part.** ``W_H`` (``harmonic_rank`` columns, seeded
   random start) is updated every ``harmonic_every`` s by one multiplicative step on
   exponentially forgotten statistics (time constant ``memory`` s) of the frames seen:
   ``sum x g^T``, ``sum d g^T``, ``sum g g^T`` (online NMF).
5. **Causal picker.** The threshold is the median of the drum's activation over the past
   ``threshold_window`` s plus the drum's offset (0.15 kick, 0.1 snare, 0.05 hi-hat, as
   offline) times a running level: the drum's largest activation so far, decaying with a
   half-life of ``level_half_life`` s, never below ``level_floor``. A hit is detected at the
   first frame that rises above the threshold at least ``min_interval`` after the
   previous one, and decided ``look_ahead`` s later: its strength is the largest
   activation until then, its time the frame of steepest rise (as offline's ``"rise"``
   timing), its confidence ``1 - threshold / strength`` (in [0, 1]).

State is a fixed set of arrays: memory and time per block do not depend on how long the
stream has run (:meth:`StreamingTranscriber.state_nbytes`). Blocks of any size give the
same hits, since every step depends on frame indices only, never on block boundaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.features import log_filterbank
from drumnmf.kit import Kit
from drumnmf.live.config import MODES, StreamConfig
from drumnmf.live.templates import templates_for
from drumnmf.onsets import MAX_RISE_FRAMES
from drumnmf.spectrogram import _window

__all__ = [
    "MODES",
    "Hit",
    "StreamBlock",
    "StreamConfig",
    "StreamingTranscriber",
]

PERCUSSIVE_TAPS = 17  # taps of the causal harmonic median (17 frames = 0.2 s at hop 512)
ENVELOPE_SECONDS = 0.01  # the picker reads the activation's maximum over this span
CHUNK_FRAMES = 256  # frames per internal chunk: bounds temporaries of large blocks
RIDGE = 1e-4  # relative ridge of the per-frame solve: a unique, stable solution
_OFFLINE_HOP_SECONDS = 512 / 44100  # MAX_RISE_FRAMES is counted in frames of this hop


@dataclass(frozen=True)
class Hit:
    """One decided hit.

    Attributes
    ----------
    time : float
        Onset time in seconds from the start of the stream (frame time, as offline).
    drum : str
    strength : float
        Largest activation from the crossing to the decision (activation units).
    confidence : float in [0, 1]
        ``1 - threshold / strength`` at the crossing: 0 at the threshold, near 1 far above.
    frame : int
        Onset frame.
    decided : float
        Seconds of audio the transcriber needed to decide the hit (the last sample of the
        deciding frame); the hit's latency is at least ``decided - true onset``.
    """

    time: float
    drum: str
    strength: float
    confidence: float
    frame: int
    decided: float


@dataclass(frozen=True, eq=False)
class StreamBlock:
    """What one call of :meth:`StreamingTranscriber.process` computed.

    Attributes
    ----------
    hits : list of Hit
        Hits decided in this call, in time order.
    first_frame : int
        Index of the first frame computed in this call.
    activations : np.ndarray [shape=(n_drums, n)]
        Drum activations of the frames computed.
    thresholds : np.ndarray [shape=(n_drums, n)]
        Threshold of each drum at those frames.
    spectrogram : np.ndarray [shape=(n_bins, n)]
        Their magnitude STFT columns (linear bins).
    template_activations : np.ndarray [shape=(n_templates, n)]
        The activation of each template column (``activations`` sums them per drum).
    """

    hits: list[Hit]
    first_frame: int
    activations: np.ndarray
    thresholds: np.ndarray
    spectrogram: np.ndarray
    template_activations: np.ndarray


@dataclass
class _Pending:
    """A drum's hit between its crossing and its decision."""

    crossing: int
    threshold: float
    strength: float


@dataclass
class _DrumState:
    last_crossing: int = -(10**9)
    last_onset: int = -(10**9)
    peak: float = 0.0  # largest activation since the last crossing
    armed: bool = True
    pending: _Pending | None = None


class StreamingTranscriber:
    """Transcribe drums block by block, causally.

    Parameters
    ----------
    kit : Kit
        The calibrated kit; its templates for the analysis STFT come from
        :func:`drumnmf.live.templates.templates_for`.
    config : StreamConfig, optional
        Options; ``StreamConfig()`` (transcribe mode) by default.

    Examples
    --------
    >>> from drumnmf.kit import default_kit
    >>> stream = StreamingTranscriber(default_kit())
    >>> hits = stream.feed(np.zeros(4410, dtype=np.float32))   # 0.1 s of silence
    >>> hits + stream.flush()
    []
    """

    def __init__(self, kit: Kit, config: StreamConfig | None = None) -> None:
        self.config = config = config or StreamConfig()
        if not isinstance(kit, Kit):
            raise DrumnmfError("kit must be a drumnmf Kit (load one with drumnmf.load_kit)")
        self.kit = kit
        self.settings = settings = config.settings or kit.settings
        templates, self.template_origin = templates_for(kit, settings)
        self.templates = np.asarray(templates, dtype=np.float64)
        self.frame_rate = settings.sample_rate / settings.hop_length
        n_fft = settings.n_fft
        self._window = _window(settings.window, n_fft).astype(np.float64)
        if config.bands_per_octave:
            self._filters: np.ndarray | None = log_filterbank(
                settings,
                bands_per_octave=config.bands_per_octave,
                fmin=config.fmin,
                fmax=config.fmax,
            )
            W_D = self._filters @ self.templates
        else:
            self._filters = None
            W_D = self.templates.copy()
        self._W_D = W_D
        self.factorized_templates = W_D.copy()  # the templates in the factorized rows
        self.factorized_templates.setflags(write=False)
        n_rows, r_d = W_D.shape
        self._owners = np.zeros((kit.n_drums, r_d))
        self._owners[np.asarray(kit.template_drums), np.arange(r_d)] = 1.0
        rng = np.random.default_rng(config.seed)
        r_h = config.harmonic_rank
        W_H = rng.uniform(0.1, 1.0, size=(n_rows, r_h))
        if r_h:
            W_H *= np.linalg.norm(W_D, axis=0).mean() / np.linalg.norm(W_H, axis=0)
        self._W_H = W_H
        self._solver = _FrameSolver(np.concatenate([W_D, W_H], axis=1))
        self._scale = float(W_D.max())
        self._eps = 1e-9 * self._scale
        # Percussive mask: harmonic median over past taps.
        if config.percussive_seconds > 0:
            span = config.percussive_seconds * self.frame_rate
            self._stride = max(1, round(span / (PERCUSSIVE_TAPS - 1)))
            history = (PERCUSSIVE_TAPS - 1) * self._stride
        else:
            self._stride, history = 1, 0
        self._feature_history = np.zeros((n_rows, history))
        size = config.percussive_bands
        self._band_window = np.clip(
            np.arange(n_rows)[:, None] + np.arange(size)[None, :] - size // 2, 0, n_rows - 1
        )
        self._tiny = (1e-6 * self._scale) ** 2
        # Online non-drum statistics.
        self._update_frames = max(1, round(config.harmonic_every * self.frame_rate))
        self._forget = math.exp(-1.0 / (config.memory * self.frame_rate))
        self._period = np.zeros((n_rows + r_d + r_h, self._update_frames))
        self._period_fill = 0
        self._period_weights = self._forget ** np.arange(
            self._update_frames - 1, -1, -1, dtype=np.float64
        )
        self._XG = np.zeros((n_rows, r_h))
        self._DG = np.zeros((r_d, r_h))
        self._GG = np.zeros((r_h, r_h))
        # Picker.
        self._median_frames = max(1, round(config.threshold_window * self.frame_rate))
        self._rise_frames = max(1, round(MAX_RISE_FRAMES * _OFFLINE_HOP_SECONDS * self.frame_rate))
        self._look_frames = round(config.look_ahead * self.frame_rate)
        self._activation_history = np.zeros(
            (kit.n_drums, max(self._median_frames, self._rise_frames + self._look_frames + 2))
        )
        self._energy_history = np.zeros((kit.n_drums, self._look_frames + 2))
        profiles = self._owners @ W_D.T
        profiles /= np.maximum(np.linalg.norm(profiles, axis=1, keepdims=True), 1e-300)
        cosine = profiles @ profiles.T
        np.fill_diagonal(cosine, 0.0)
        self._rivals = (
            [np.flatnonzero(row >= config.crosstalk_similarity) for row in cosine]
            if config.crosstalk_ratio > 0
            else [np.zeros(0, dtype=int) for _ in kit.names]
        )
        self._coincide = round(config.coincide * self.frame_rate)
        self._column_sums = W_D.sum(axis=0)
        self._level = np.full(kit.n_drums, float(config.level_floor))
        self._level_decay = 0.5 ** (1.0 / (config.level_half_life * self.frame_rate))
        self._offsets = np.array([config.offset(d) for d in kit.names])
        self._min_frames = max(1, round(config.min_interval * self.frame_rate))
        self._mask_ratio = config.retrigger_ratio
        self._raw_history = np.zeros(
            (kit.n_drums, max(1, round(ENVELOPE_SECONDS * self.frame_rate)))
        )
        self._drums = [_DrumState() for _ in kit.names]
        # Samples: zero padding of n_fft // 2 at the start, as offline.
        self._tail = np.zeros(n_fft // 2)
        self._received = 0
        self._frame = 0
        self._finished = False

    # ------------------------------------------------------------------ public API

    @property
    def latency_frames(self) -> int:
        """Frames between a hit's crossing and its decision (the look-ahead)."""
        return self._look_frames

    @property
    def owners(self) -> np.ndarray:
        """``(n_drums, n_templates)`` 0/1 matrix: which drum owns each template."""
        return self._owners.copy()

    @property
    def frames_done(self) -> int:
        """Frames computed so far."""
        return self._frame

    @property
    def seconds_received(self) -> float:
        """Seconds of audio fed so far."""
        return self._received / self.settings.sample_rate

    def state_nbytes(self) -> int:
        """Bytes held by the transcriber's state (constant while it runs; the sample
        tail, always shorter than one window, is counted at that bound)."""
        assert self._tail.size < self.settings.n_fft
        arrays = (
            np.empty(self.settings.n_fft),
            self._feature_history,
            self._W_H,
            self._period,
            self._XG,
            self._DG,
            self._GG,
            self._activation_history,
            self._raw_history,
            self._energy_history,
            self._level,
        )
        return int(sum(a.nbytes for a in arrays))

    def feed(self, samples: np.ndarray) -> list[Hit]:
        """Add a block of mono samples; the hits decided with it.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)]
            Mono audio at ``settings.sample_rate``, any length (0 too). Not modified.

        Returns
        -------
        list of Hit
        """
        return self.process(samples).hits

    def process(self, samples: np.ndarray) -> StreamBlock:
        """Like :meth:`feed`, also returning the activations and STFT of the new frames."""
        if self._finished:
            raise DrumnmfError("the stream was flushed; start a new StreamingTranscriber")
        x = np.asarray(samples)
        if x.ndim != 1:
            raise DrumnmfError(
                f"samples must be mono with shape (n,), got shape {x.shape}; mix channels first"
            )
        if x.size and not np.all(np.isfinite(x)):
            raise DrumnmfError("samples contain NaN or infinite values; clean the audio first")
        self._received += x.size
        return self._consume(x.astype(np.float64), limit=None)

    def flush(self) -> list[Hit]:
        """End the stream: compute its last frames (zero-padded as offline) and decide
        the pending hits. The transcriber takes no more samples afterwards."""
        return self.flush_block().hits

    def flush_block(self) -> StreamBlock:
        """Like :meth:`flush`, also returning the last frames' activations and STFT."""
        if self._finished:
            raise DrumnmfError("the stream was already flushed")
        n_fft = self.settings.n_fft
        total = 1 + self._received // self.settings.hop_length  # offline's frame count
        pad = np.zeros(n_fft // 2 + n_fft)
        block = self._consume(pad, limit=total)
        self._finished = True
        hits = list(block.hits)
        for i, state in enumerate(self._drums):
            if state.pending is not None:
                hits.append(self._decide(i, state.pending, self._frame - 1))
                state.pending = None
        hits.sort(key=lambda h: (h.time, h.drum))
        return replace(block, hits=hits)

    # ------------------------------------------------------------------ internals

    def _consume(self, x: np.ndarray, *, limit: int | None) -> StreamBlock:
        settings = self.settings
        n_fft, hop = settings.n_fft, settings.hop_length
        first = self._frame
        hits: list[Hit] = []
        acts: list[np.ndarray] = []
        thrs: list[np.ndarray] = []
        specs: list[np.ndarray] = []
        tacts: list[np.ndarray] = []
        position = 0
        while True:
            # Frames available from the tail and the rest of x, at most CHUNK_FRAMES.
            room = CHUNK_FRAMES * hop + n_fft - hop - self._tail.size
            piece = x[position : position + max(room, 0)]
            position += piece.size
            buffer = np.concatenate([self._tail, piece]) if piece.size else self._tail
            n = 0 if buffer.size < n_fft else 1 + (buffer.size - n_fft) // hop
            if limit is not None:
                n = min(n, limit - self._frame)
            n = max(n, 0)
            if n:
                frames = np.lib.stride_tricks.sliding_window_view(buffer, n_fft)[::hop][:n]
                V = np.abs(np.fft.rfft(frames * self._window, axis=1)).T
                hits += self._frames(V, acts, thrs, tacts)
                specs.append(V.astype(np.float32))
            self._tail = buffer[n * hop :].copy()
            if n == 0 and position >= x.size:
                break
            if limit is not None and self._frame >= limit:
                break
        n_drums = self.kit.n_drums
        return StreamBlock(
            hits=hits,
            first_frame=first,
            activations=np.concatenate(acts, axis=1) if acts else np.zeros((n_drums, 0)),
            thresholds=np.concatenate(thrs, axis=1) if thrs else np.zeros((n_drums, 0)),
            spectrogram=np.concatenate(specs, axis=1)
            if specs
            else np.zeros((settings.n_bins, 0), dtype=np.float32),
            template_activations=np.concatenate(tacts, axis=1)
            if tacts
            else np.zeros((self._W_D.shape[1], 0)),
        )

    def _features(self, V: np.ndarray) -> np.ndarray:
        """Filterbank and causal percussive mask of a chunk of STFT frames."""
        X = V if self._filters is None else self._filters @ V
        history = self._feature_history.shape[1]
        if not history:
            return X
        joined = np.concatenate([self._feature_history, X], axis=1)
        n = X.shape[1]
        taps = np.lib.stride_tricks.sliding_window_view(joined, history + 1, axis=1)[
            :, :n, :: self._stride
        ]
        harmonic = np.partition(taps, PERCUSSIVE_TAPS // 2, axis=2)[:, :, PERCUSSIVE_TAPS // 2]
        size = self.config.percussive_bands
        # moving_median along the rows (edges repeated, upper median), via one gather
        percussive = np.partition(X[self._band_window], size // 2, axis=1)[:, size // 2]
        p2, h2 = percussive**2, harmonic**2
        self._feature_history = joined[:, -history:].copy()
        return X * (p2 + self._tiny / 2) / (p2 + h2 + self._tiny)

    def _frames(
        self,
        V: np.ndarray,
        acts: list[np.ndarray],
        thrs: list[np.ndarray],
        tacts: list[np.ndarray],
    ) -> list[Hit]:
        X = self._features(V)
        n = X.shape[1]
        r_d = self._W_D.shape[1]
        hits: list[Hit] = []
        start = 0
        while start < n:
            # A segment of frames solved with one W_H (updates at absolute frame indices).
            frame0 = self._frame
            to_update = self._update_frames - frame0 % self._update_frames
            stop = min(n, start + to_update)
            segment = X[:, start:stop]
            H = self._solver.solve(segment)
            D = self._owners @ H[:r_d]
            E = self._owners @ (self._column_sums[:, None] * H[:r_d])
            thresholds = np.empty_like(D)
            for j in range(stop - start):
                thresholds[:, j] = self._pick(frame0 + j, D[:, j], E[:, j], hits)
            acts.append(D)
            thrs.append(thresholds)
            tacts.append(H[:r_d])
            self._accumulate(segment, H[:r_d], H[r_d:])
            if (self._frame) % self._update_frames == 0:
                self._update_harmonic()
            start = stop
        return hits

    def _accumulate(self, X: np.ndarray, D: np.ndarray, G: np.ndarray) -> None:
        """Add frames to the non-drum statistics, a whole update period at a time (so the
        sums, and the result, do not depend on how blocks split the period)."""
        n = X.shape[1]
        self._frame += n
        if not G.shape[0]:
            return
        stop = self._period_fill + n
        self._period[:, self._period_fill : stop] = np.concatenate([X, D, G], axis=0)
        self._period_fill = stop
        if stop < self._update_frames:
            return
        rows, r_d = X.shape[0], D.shape[0]
        X, D, G = np.split(self._period, [rows, rows + r_d], axis=0)
        Gw = G * self._period_weights
        decay = self._forget**stop
        self._XG = decay * self._XG + X @ Gw.T
        self._DG = decay * self._DG + D @ Gw.T
        self._GG = decay * self._GG + G @ Gw.T
        self._period_fill = 0

    def _update_harmonic(self) -> None:
        if not self._W_H.shape[1]:
            return
        denominator = self._W_D @ self._DG + self._W_H @ self._GG + self._eps
        W_H = self._W_H * self._XG / denominator
        # Keep columns alive and bounded (the statistics keep their scale).
        floor = 1e-6 * self._scale
        self._W_H = np.maximum(W_H, floor)
        self._solver = _FrameSolver(np.concatenate([self._W_D, self._W_H], axis=1))

    def _pick(
        self, frame: int, activation: np.ndarray, energy: np.ndarray, hits: list[Hit]
    ) -> np.ndarray:
        raw = self._raw_history
        raw[:, :-1] = raw[:, 1:]
        raw[:, -1] = activation
        # The picker reads the envelope (the maximum over ENVELOPE_SECONDS): a short
        # window's magnitude follows a low drum's waveform and dips within one hit.
        activation = raw.max(axis=1)
        history = self._activation_history
        history[:, :-1] = history[:, 1:]
        history[:, -1] = activation
        energies = self._energy_history
        energies[:, :-1] = energies[:, 1:]
        energies[:, -1] = energy
        self._level = np.maximum(self._level * self._level_decay, activation)
        self._level = np.maximum(self._level, self.config.level_floor)
        k = self._median_frames // 2  # the upper median, as offline's moving_median
        median = np.partition(history[:, -self._median_frames :], k, axis=1)[:, k]
        threshold = median + self._offsets * self._level
        previous = history[:, -2]
        above = (activation > threshold) & (activation > previous)
        for i, state in enumerate(self._drums):
            a = float(activation[i])
            if not state.armed:
                state.peak = max(state.peak, a)
                state.armed = a <= self._mask_ratio * state.peak or a <= threshold[i]
            pending = state.pending
            if pending is not None:
                pending.strength = max(pending.strength, a)
                if frame - pending.crossing >= self._look_frames:
                    self._decide_unless_crosstalk(i, pending, frame, hits)
                    state.pending = None
                continue
            if above[i] and state.armed and frame - state.last_crossing >= self._min_frames:
                state.last_crossing = frame
                state.armed = self._mask_ratio <= 0
                state.peak = a
                state.pending = _Pending(frame, float(threshold[i]), float(activation[i]))
        if self._look_frames == 0:
            for i, state in enumerate(self._drums):
                if state.pending is not None:
                    self._decide_unless_crosstalk(i, state.pending, frame, hits)
                    state.pending = None
        return threshold

    def _decide_unless_crosstalk(
        self, i: int, pending: _Pending, frame: int, hits: list[Hit]
    ) -> None:
        """Append drum ``i``'s hit unless a coinciding similar drum explains much more."""
        rivals = self._rivals[i]
        if rivals.size:
            span = min(frame - pending.crossing + 2, self._energy_history.shape[1])
            energy = self._energy_history[:, -span:].max(axis=1)
            for o in rivals:
                crossed = self._drums[o].last_crossing
                if (
                    abs(crossed - pending.crossing) <= self._coincide
                    and self.config.crosstalk_ratio * energy[o] > energy[i]
                ):
                    return
        hits.append(self._decide(i, pending, frame))

    def _decide(self, i: int, pending: _Pending, frame: int) -> Hit:
        """The hit of drum ``i`` detected at ``pending.crossing``, decided at ``frame``."""
        history = self._activation_history[i]
        # history[-1] is ``frame``; the rise is searched back from the decision frame.
        back = frame - pending.crossing
        since = frame - self._drums[i].last_onset  # the rise never reaches the previous hit
        span = history[-min(back + self._rise_frames + 1, history.size, since) :]
        first = frame - span.size + 1
        cross = pending.crossing - first
        trough = int(np.argmin(span[: cross + 1]))
        rise = np.diff(span[trough:])
        onset = first + trough + 1 + int(np.argmax(rise)) if rise.size else pending.crossing
        settings = self.settings
        self._drums[i].last_onset = int(onset)
        confidence = 1.0 - pending.threshold / pending.strength if pending.strength > 0 else 0.0
        return Hit(
            time=onset * settings.frame_seconds,
            drum=self.kit.names[i],
            strength=pending.strength,
            confidence=float(min(max(confidence, 0.0), 1.0)),
            frame=int(onset),
            decided=(frame * settings.hop_length + settings.n_fft // 2) / settings.sample_rate,
        )


class _FrameSolver:
    """``argmin_{h >= 0} ||x - W h||`` for columns ``x``, exactly, with ``W`` fixed.

    Through the Cholesky factor ``L L^T = W^T W + ridge`` (made once per ``W``), each
    column is a Lawson-Hanson problem of ``r x r`` instead of ``n_rows x r``:
    ``min ||L^T h - L^{-1} W^T x||``.
    """

    def __init__(self, W: np.ndarray) -> None:
        from scipy.optimize import nnls

        self._nnls = nnls
        G = W.T @ W
        G[np.diag_indices_from(G)] += RIDGE * float(np.trace(G)) / max(G.shape[0], 1) + 1e-300
        L = np.linalg.cholesky(G)
        # y = L^{-1} W^T x in one product
        self._project = np.linalg.solve(L, W.T)
        self._A = np.ascontiguousarray(L.T)

    def solve(self, X: np.ndarray) -> np.ndarray:
        Y = self._project @ X
        H = np.empty((self._A.shape[1], X.shape[1]))
        for j in range(X.shape[1]):
            H[:, j] = self._nnls(self._A, Y[:, j])[0]
        return H
