"""Kits: one spectral template per drum, calibrated from isolated hits of the user's kit.

A drum's template is the time-averaged magnitude spectrum of its hits (the paper's rule),
computed with the same STFT settings as the transcription; the factorization keeps it fixed
(the paper's ``W_D``). A drum may have several templates (for example soft and hard hits, or
open and closed hi-hat); their activations are summed into the drum's activation.

Kit file format (JSON, ``"format": "drumnmf-kit"``, ``"version": 1``)::

    {"format": "drumnmf-kit", "version": 1,
     "settings": {"sample_rate": 44100, "n_fft": 2048, "hop_length": 512, "window": "hann"},
     "drums": [{"name": "kick", "midi_note": 36, "level": 2.1}, ...],
     "templates": [{"drum": "kick", "spectrum": [... n_bins floats ...]}, ...],
     "sources": ["kick.wav", ...],
     "alternates": [{"settings": {...}, "templates": [[... n_bins floats ...], ...]}]}

``"alternates"`` (optional) holds the same templates measured with other STFT settings
(for example the short window of live trigger mode, ``drumnmf calibrate --trigger``), one
spectrum per template column in the same order; kits without it load as before.

``level`` (optional, all drums or none) is :attr:`Kit.levels`, and the optional
``"crosstalk"`` (n_drums x n_drums numbers) is :attr:`Kit.crosstalk`.

Hit detection in calibration files
----------------------------------
A file may hold one hit or several isolated hits. Hits are found as peaks of the
log-magnitude spectral flux at least ``MIN_HIT_GAP`` apart and within 30 dB of the
strongest. Each hit spans from its onset frame until the next hit, at most
``HIT_SECONDS``, and stops early once the frame energy falls 60 dB below the hit's peak.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.drums import DRUM_NOTES, canonical_drum_name, kit_note, parse_hit_source
from drumnmf.errors import DrumnmfError
from drumnmf.io.audio import load_audio, prepare_samples
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram, seconds_to_frames

__all__ = [
    "DRUM_NOTES",
    "Kit",
    "calibrate",
    "calibrate_from_annotations",
    "canonical_drum_name",
    "default_kit",
    "detect_hits",
    "load_kit",
    "save_kit",
]

KIT_FORMAT = "drumnmf-kit"
KIT_VERSION = 1
MIN_HIT_GAP = 0.05  # s: closer peaks are one hit
HIT_SECONDS = 0.5  # s: longest span of one calibration hit
HIT_RANGE_DB = 30.0  # a hit must be within this of the loudest one
DECAY_DB = 60.0  # a hit ends once its frames fall this far below its peak
ISOLATION_STEPS = (1.0, 0.5, 0.3)  # relaxations of the isolation for annotated hits
MIN_ISOLATION = 0.03  # s
COMPANION_SECONDS = 0.03  # s: onsets this close to a hit sound with it


@dataclass(frozen=True, eq=False)
class Kit:
    """Calibrated drum templates.

    Attributes
    ----------
    names : tuple of str
        Drum names, in activation order.
    midi_notes : tuple of int
        General MIDI note of each drum.
    templates : np.ndarray [shape=(n_bins, n_templates)]
        Nonnegative template spectra (the paper's ``W_D``), magnitudes as averaged.
    template_drums : tuple of int
        For each template column, the index of its drum in ``names``.
    settings : SpectrogramSettings
        The STFT settings the templates were made with; transcription must use the same.
    sources : tuple of str
        Where each template came from (for provenance).
    levels : tuple of float
        Per drum, the activation peak its own calibration hits produce when transcribed
        with this kit (:mod:`drumnmf.calibration`), in activation units; empty when
        unknown (kits calibrated before levels were recorded, or from annotations).
    crosstalk : tuple of tuple of float
        ``crosstalk[d][o]``: the peak of drum ``o``'s row on ``d``'s calibration hits,
        relative to ``o``'s level (:func:`drumnmf.calibration.crosstalk_matrix`); empty
        when unknown.
    alternates : tuple of (SpectrogramSettings, np.ndarray [shape=(n_bins', n_templates)])
        The same template columns measured with other STFT settings (live trigger mode's
        short window, :mod:`drumnmf.live.templates`); empty by default.
    """

    names: tuple[str, ...]
    midi_notes: tuple[int, ...]
    templates: np.ndarray
    template_drums: tuple[int, ...]
    settings: SpectrogramSettings = field(default_factory=SpectrogramSettings)
    sources: tuple[str, ...] = ()
    levels: tuple[float, ...] = ()
    crosstalk: tuple[tuple[float, ...], ...] = ()
    alternates: tuple[tuple[SpectrogramSettings, np.ndarray], ...] = ()

    def __post_init__(self) -> None:
        t = np.array(self.templates, dtype=np.float64)  # private copy
        t.setflags(write=False)
        object.__setattr__(self, "templates", t)
        n = len(self.names)
        if n == 0:
            raise DrumnmfError("a kit needs at least one drum; calibrate kick, snare, hihat...")
        if len(set(self.names)) != n:
            raise DrumnmfError(f"drum names repeat in {self.names}; give each drum once")
        if len(self.midi_notes) != n:
            raise DrumnmfError(f"{n} drums but {len(self.midi_notes)} MIDI notes; give one each")
        for name, note in zip(self.names, self.midi_notes, strict=True):
            if not 0 <= int(note) <= 127:
                raise DrumnmfError(f"MIDI note {note} of '{name}' is outside 0..127")
        if t.ndim != 2 or t.shape[0] != self.settings.n_bins:
            raise DrumnmfError(
                f"templates must have shape ({self.settings.n_bins}, n_templates) for "
                f"n_fft={self.settings.n_fft}, got {t.shape}"
            )
        if len(self.template_drums) != t.shape[1]:
            raise DrumnmfError(
                f"{t.shape[1]} templates but {len(self.template_drums)} template_drums entries"
            )
        if set(self.template_drums) != set(range(n)):
            raise DrumnmfError(
                f"template_drums {self.template_drums} must give every drum 0..{n - 1} "
                "at least one template"
            )
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise DrumnmfError("templates must be finite and nonnegative")
        levels = tuple(float(v) for v in self.levels)
        if levels and (len(levels) != n or not all(np.isfinite(v) and v > 0 for v in levels)):
            raise DrumnmfError(
                f"levels must give one positive number per drum ({n}), got {self.levels!r}; "
                "recalibrate the kit"
            )
        object.__setattr__(self, "levels", levels)
        leak = tuple(tuple(float(v) for v in row) for row in self.crosstalk)
        if leak and (
            len(leak) != n or any(len(r) != n or not all(v >= 0 for v in r) for r in leak)
        ):
            raise DrumnmfError(f"crosstalk must be {n} x {n} numbers >= 0; recalibrate the kit")
        object.__setattr__(self, "crosstalk", leak)
        for j in range(t.shape[1]):
            if not np.any(t[:, j] > 0):
                drum = self.names[self.template_drums[j]]
                raise DrumnmfError(
                    f"template {j} of '{drum}' is all zero; recalibrate it from an audible hit"
                )
        object.__setattr__(self, "alternates", _checked_alternates(self.alternates, t.shape[1]))

    @property
    def n_drums(self) -> int:
        """Number of drums."""
        return len(self.names)

    def level_of(self, drum: str) -> float | None:
        """Calibration level of a drum (see :attr:`levels`), None when unknown."""
        return self.levels[self.index(drum)] if self.levels else None

    def note_of(self, drum: str) -> int:
        """General MIDI note of a drum."""
        return self.midi_notes[self.index(drum)]

    def index(self, drum: str) -> int:
        """Position of a drum in :attr:`names` (aliases accepted)."""
        key = canonical_drum_name(drum)
        if key not in self.names:
            raise DrumnmfError(f"unknown drum {drum!r}; this kit has {', '.join(self.names)}")
        return self.names.index(key)

    def subset(self, drums: Sequence[str]) -> Kit:
        """A kit with only the given drums (in the given order)."""
        idx = [self.index(d) for d in drums]
        cols = [j for i in idx for j, d in enumerate(self.template_drums) if d == i]
        new_drums = tuple(idx.index(self.template_drums[j]) for j in cols)
        return Kit(
            names=tuple(self.names[i] for i in idx),
            midi_notes=tuple(self.midi_notes[i] for i in idx),
            templates=self.templates[:, cols],
            template_drums=new_drums,
            settings=self.settings,
            sources=tuple(self.sources[j] for j in cols)
            if len(self.sources) == len(self.template_drums)
            else self.sources,
            levels=tuple(self.levels[i] for i in idx) if self.levels else (),
            crosstalk=tuple(tuple(self.crosstalk[i][j] for j in idx) for i in idx)
            if self.crosstalk
            else (),
            alternates=tuple((s, a[:, cols]) for s, a in self.alternates),
        )

    def check_settings(self, settings: SpectrogramSettings) -> None:
        """Refuse to transcribe with STFT settings other than the kit's."""
        if settings != self.settings:
            raise DrumnmfError(
                f"the kit was calibrated with {self.settings.to_dict()} but transcription uses "
                f"{settings.to_dict()}; recalibrate the kit with these settings or transcribe "
                "with the kit's"
            )

    def to_dict(self) -> dict[str, Any]:
        """The kit as a JSON-ready dictionary (see the module docstring)."""
        return {
            "format": KIT_FORMAT,
            "version": KIT_VERSION,
            "settings": self.settings.to_dict(),
            "drums": [
                {"name": n, "midi_note": int(m)}
                | ({"level": float(f"{self.levels[i]:.6g}")} if self.levels else {})
                for i, (n, m) in enumerate(zip(self.names, self.midi_notes, strict=True))
            ],
            "templates": [
                {
                    "drum": self.names[d],
                    "spectrum": [float(f"{v:.6g}") for v in self.templates[:, j]],
                }
                for j, d in enumerate(self.template_drums)
            ],
            "sources": list(self.sources),
            **(
                {"crosstalk": [[float(f"{v:.4g}") for v in r] for r in self.crosstalk]}
                if self.crosstalk
                else {}
            ),
            **(
                {
                    "alternates": [
                        {
                            "settings": s.to_dict(),
                            "templates": [[float(f"{v:.6g}") for v in col] for col in a.T],
                        }
                        for s, a in self.alternates
                    ]
                }
                if self.alternates
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, name: str = "kit") -> Kit:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping) or data.get("format") != KIT_FORMAT:
            raise DrumnmfError(f'{name} is not a drumnmf kit (no "format": "{KIT_FORMAT}")')
        version = data.get("version", 0)
        if isinstance(version, bool) or not isinstance(version, int):
            raise DrumnmfError(
                f"{name} has an invalid kit format version {version!r} (an integer, "
                f"{KIT_VERSION}); recalibrate it"
            )
        if version > KIT_VERSION:
            raise DrumnmfError(
                f"{name} has kit format version {version}; this drumnmf reads "
                f"version {KIT_VERSION}: upgrade drumnmf"
            )
        try:
            settings = SpectrogramSettings.from_dict(data["settings"])
            names = tuple(str(d["name"]) for d in data["drums"])
            notes = tuple(int(d["midi_note"]) for d in data["drums"])
            columns = [np.asarray(t["spectrum"], dtype=np.float64) for t in data["templates"]]
            owners = tuple(names.index(str(t["drum"])) for t in data["templates"])
            found = [d.get("level") for d in data["drums"]]
            levels = tuple(float(v) for v in found) if all(v is not None for v in found) else ()
            alternates = tuple(
                (
                    SpectrogramSettings.from_dict(a["settings"]),
                    np.asarray(a["templates"], dtype=np.float64).T,
                )
                for a in data.get("alternates", ())
            )
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise DrumnmfError(f"{name} is malformed ({exc!r}); recalibrate it") from exc
        if not columns:
            raise DrumnmfError(f"{name} has no templates; recalibrate it")
        try:
            if len({c.shape for c in columns}) != 1 or columns[0].ndim != 1:
                raise DrumnmfError("its templates have different lengths")
            return cls(
                names=names,
                midi_notes=notes,
                templates=np.stack(columns, axis=1),
                template_drums=owners,
                settings=settings,
                sources=tuple(str(s) for s in data.get("sources", ())),
                levels=levels,
                crosstalk=tuple(tuple(r) for r in data.get("crosstalk", ())),
                alternates=alternates,
            )
        except DrumnmfError as exc:
            raise DrumnmfError(f"{name} is invalid: {exc}; recalibrate it") from exc
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise DrumnmfError(f"{name} is malformed ({exc!r}); recalibrate it") from exc


def _checked_alternates(
    alternates: Any, n_templates: int
) -> tuple[tuple[SpectrogramSettings, np.ndarray], ...]:
    """Private read-only copies of a kit's alternate templates, checked."""
    out = []
    for settings, templates in alternates:
        a = np.array(templates, dtype=np.float64)
        if not isinstance(settings, SpectrogramSettings) or a.shape != (
            settings.n_bins,
            n_templates,
        ):
            raise DrumnmfError(
                f"alternate templates must have shape (n_bins, {n_templates}) for their "
                f"settings, got {a.shape}; recalibrate the kit"
            )
        if not np.all(np.isfinite(a)) or np.any(a < 0) or not np.all(a.max(axis=0) > 0):
            raise DrumnmfError(
                "alternate templates must be finite, nonnegative and not all zero; recalibrate"
            )
        a.setflags(write=False)
        out.append((settings, a))
    if len({s for s, _ in out}) != len(out):
        raise DrumnmfError("alternate templates repeat STFT settings; give each settings once")
    return tuple(out)


def save_kit(kit: Kit, path: str | os.PathLike[str]) -> None:
    """Write a kit file (JSON) atomically."""
    from drumnmf.io.export import write_json

    write_json(path, kit.to_dict())


def load_kit(path: str | os.PathLike[str]) -> Kit:
    """Read a kit file written by :func:`save_kit` or ``drumnmf calibrate``."""
    p = Path(path)
    if not p.is_file():
        raise DrumnmfError(f"kit file not found: '{p}'; create one with 'drumnmf calibrate'")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DrumnmfError(f"cannot read kit '{p}' ({exc}); recalibrate it") from exc
    if not isinstance(data, dict):
        raise DrumnmfError(f"'{p}' is not a drumnmf kit; recalibrate it")
    return Kit.from_dict(data, name=f"kit '{p}'")


def default_kit() -> Kit:
    """The kit shipped with drumnmf (real, permissively licensed samples; see NOTICE)."""
    ref = resources.files("drumnmf").joinpath("data/default_kit.json")
    data = json.loads(ref.read_text(encoding="utf-8"))
    return Kit.from_dict(data, name="the default kit")


def detect_hits(spectrogram: np.ndarray, settings: SpectrogramSettings) -> list[tuple[int, int]]:
    """Find isolated hits in a calibration spectrogram.

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)]
        Magnitude spectrogram of a calibration recording.
    settings : SpectrogramSettings
        Its STFT settings (for the frame rate).

    Returns
    -------
    list of (start, stop)
        Frame ranges, one per hit (``stop`` exclusive), in time order.
    """
    from drumnmf.filters import find_peaks

    V = np.asarray(spectrogram, dtype=np.float64)
    energy = np.sum(V**2, axis=0)
    if not np.any(energy > 0):
        return []
    log_v = np.log1p(V / (V.max() * 1e-4))
    flux = np.maximum(np.diff(log_v, axis=1, prepend=0.0), 0.0).sum(axis=0)
    gap = max(1, int(seconds_to_frames(MIN_HIT_GAP, settings)))
    # The first frame may be a peak too: a recording that starts with its hit (a trimmed
    # one-shot sample) has its steepest rise there.
    peaks = find_peaks(np.concatenate(([-np.inf], flux)), distance=gap)
    peaks -= 1
    if peaks.size == 0:
        peaks = np.array([int(np.argmax(energy))])
    peak_energy = np.array([energy[p : p + gap + 1].max() for p in peaks])
    keep = peak_energy >= peak_energy.max() * 10 ** (-HIT_RANGE_DB / 10)
    # A flux peak must also be a real rise, not a wiggle in a decay.
    keep &= flux[peaks] >= 0.1 * flux[peaks].max()
    peaks = peaks[keep]
    peak_energy = peak_energy[keep]
    longest = max(1, int(seconds_to_frames(HIT_SECONDS, settings)))
    hits = []
    for i, start in enumerate(peaks):
        stop = int(peaks[i + 1]) if i + 1 < peaks.size else energy.size
        stop = min(stop, int(start) + longest)
        quiet = np.nonzero(energy[start:stop] < peak_energy[i] * 10 ** (-DECAY_DB / 10))[0]
        quiet = quiet[quiet > 0]
        if quiet.size:
            stop = int(start) + int(quiet[0])
        hits.append((int(start), max(stop, int(start) + 1)))
    return hits


def _hit_template(spectrogram: np.ndarray, hits: Sequence[tuple[int, int]]) -> np.ndarray:
    """Mean over hits of each hit's time-averaged magnitude spectrum."""
    return np.mean([spectrogram[:, a:b].mean(axis=1) for a, b in hits], axis=0)


def _split_templates(
    spectrogram: np.ndarray, hits: Sequence[tuple[int, int]], attack_frames: int
) -> list[np.ndarray]:
    """Attack and decay templates of some hits: the mean spectrum of each hit's first
    ``attack_frames`` frames, and of the rest (left out when every hit is that short or
    the rest is silent)."""
    attack = np.mean(
        [spectrogram[:, a : min(b, a + attack_frames)].mean(axis=1) for a, b in hits], axis=0
    )
    tails = [
        spectrogram[:, a + attack_frames : b].mean(axis=1) for a, b in hits if b > a + attack_frames
    ]
    if tails:
        decay = np.mean(tails, axis=0)
        if np.any(decay > 0):
            return [attack, decay]
    return [attack]


def calibrate(
    hits: Sequence[str | os.PathLike[str] | tuple[str, Any]],
    *,
    settings: SpectrogramSettings | None = None,
    notes: Mapping[str, int] | None = None,
    separate: bool = False,
    attack_frames: int = 0,
) -> Kit:
    """Build a kit from recordings of isolated hits.

    Parameters
    ----------
    hits : sequence
        Each item is a path named after its drum (``kick.wav``, ``snare_2.flac``), a
        ``"NAME=PATH"`` string, or a ``(name, source)`` pair whose source is a path or a
        ``(samples, sample_rate)`` tuple. A recording may hold several isolated hits;
        they are detected and averaged. Several recordings of one drum are averaged too.
    settings : SpectrogramSettings, optional
        STFT settings; must match those used for transcription (paper defaults).
    notes : mapping drum -> int, optional
        General MIDI note per drum, overriding the defaults (kick 36, snare 38, hihat 42...).
        Required for drum names drumnmf does not know.
    separate : bool
        Keep one template per recording instead of averaging a drum's recordings (a
        multi-template kit: e.g. ``snare=soft.wav`` and ``snare=hard.wav``).
    attack_frames : int >= 0
        Split each template in two, both owned by the drum: the mean spectrum of the
        first ``attack_frames`` frames of the hits (the attack) and of the rest (the
        decay). 0 keeps one time-averaged template (the paper's rule).

    Returns
    -------
    Kit

    Examples
    --------
    >>> kit = calibrate(["kick.wav", "snare.wav", "hihat.wav"])  # doctest: +SKIP
    >>> kit.names
    ('kick', 'snare', 'hihat')
    """
    settings = settings or SpectrogramSettings()
    if not hits:
        raise DrumnmfError("no calibration hits given; record one file per drum (kick.wav, ...)")
    if (
        isinstance(attack_frames, bool)
        or not isinstance(attack_frames, (int, np.integer))
        or attack_frames < 0
    ):
        raise DrumnmfError(
            f"attack_frames must be an integer >= 0 (0 = one template, e.g. 2), "
            f"got {attack_frames!r}"
        )
    per_drum: dict[str, list[tuple[list[np.ndarray], str]]] = {}
    recordings: list[tuple[str, np.ndarray]] = []
    for item in hits:
        name, source = parse_hit_source(item)
        if isinstance(source, tuple):
            samples = prepare_samples(
                source[0], source[1], sample_rate=settings.sample_rate, name=f"hit of '{name}'"
            )
            label = f"{name} (array)"
        else:
            samples = load_audio(source, sample_rate=settings.sample_rate)
            label = os.fspath(source)
        V = magnitude_spectrogram(samples, settings, dtype=np.float64)
        found = detect_hits(V, settings)
        if not found:
            raise DrumnmfError(f"no hit found in '{label}'; record an audible hit of '{name}'")
        recordings.append((name, samples))
        if attack_frames:
            spectra = _split_templates(V, found, int(attack_frames))
        else:
            spectra = [_hit_template(V, found)]
        per_drum.setdefault(name, []).append((spectra, label))
    names = tuple(per_drum)
    midi = tuple(kit_note(n, notes) for n in names)
    columns: list[np.ndarray] = []
    owners: list[int] = []
    sources: list[str] = []
    parts = ("", " (attack)", " (decay)") if attack_frames else ("",)

    def add(spectra: list[np.ndarray], label: str, i: int) -> None:
        for k, spectrum in enumerate(spectra):
            columns.append(spectrum)
            owners.append(i)
            sources.append(label + parts[k + 1 if attack_frames else 0])

    for i, name in enumerate(names):
        entries = per_drum[name]
        if separate:
            for spectra, label in entries:
                add(spectra, label, i)
        else:
            label = " + ".join(label for _, label in entries)
            # each part averaged over the recordings that have it
            merged = [
                np.mean([s[k] for s, _ in entries if len(s) > k], axis=0)
                for k in range(max(len(s) for s, _ in entries))
            ]
            add(merged, label, i)
    kit = Kit(
        names=names,
        midi_notes=midi,
        templates=np.stack(columns, axis=1),
        template_drums=tuple(owners),
        settings=settings,
        sources=tuple(sources),
    )
    from drumnmf.calibration import with_levels  # the pipeline imports this module

    return with_levels(kit, recordings)


def calibrate_from_annotations(
    audio: str | os.PathLike[str] | np.ndarray,
    onsets: Mapping[str, np.ndarray],
    *,
    sample_rate: int | None = None,
    settings: SpectrogramSettings | None = None,
    notes: Mapping[str, int] | None = None,
    isolation: float = 0.1,
    max_hits: int = 20,
    skip_missing: bool = False,
    levels: bool = True,
) -> Kit:
    """Build a kit from a recording and annotated onsets, using the hits that stand alone.

    A hit stands alone when no onset of another drum lies within ``isolation`` seconds
    before it or ``2 * isolation`` after it; when a drum has no such hit the isolation is
    relaxed to ``ISOLATION_STEPS`` times ``isolation`` in turn (down to 30 ms). A hit's span
    runs from its onset until the next onset of any drum, at most ``HIT_SECONDS``. Up to
    ``max_hits`` of the loudest usable hits per drum are averaged.

    A drum that never sounds alone (a kick always played with the hi-hat, say) is cut from
    its hits together with their companions (onsets within ``COMPANION_SECONDS``); the
    companions' own templates, weighted by how often they sound with it, are subtracted and
    the result clipped at zero.

    Parameters
    ----------
    audio : path-like or np.ndarray [shape=(n_samples,)]
        The recording (an array needs ``sample_rate``).
    onsets : mapping drum -> np.ndarray
        Annotated onset times in seconds.
    sample_rate : int, optional
        Rate of ``audio`` when it is an array.
    settings, notes
        As in :func:`calibrate`.
    isolation : float > 0
        Seconds of silence from other drums required around a hit (before relaxing).
    max_hits : int > 0
        Most hits per drum to average.
    skip_missing : bool
        Leave out drums with no usable hit instead of raising.
    levels : bool
        Also measure :attr:`Kit.levels` and :attr:`Kit.crosstalk` by transcribing the
        recording with the new kit and reading its rows at the annotated onsets
        (:func:`drumnmf.calibration.with_annotated_levels`).

    Returns
    -------
    Kit
        ``sources`` records how each template was cut.
    """
    settings = settings or SpectrogramSettings()
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise DrumnmfError("sample_rate is required when audio is an array")
        samples = prepare_samples(audio, sample_rate, sample_rate=settings.sample_rate)
    else:
        samples = load_audio(audio, sample_rate=settings.sample_rate)
    if not np.isfinite(isolation) or isolation <= 0:
        raise DrumnmfError(f"isolation must be a positive number of seconds, got {isolation!r}")
    V = magnitude_spectrogram(samples, settings, dtype=np.float64)
    energy = np.sum(V**2, axis=0)
    every: dict[str, np.ndarray] = {}
    for key, times in onsets.items():
        name = canonical_drum_name(key)
        t = np.asarray(times, dtype=np.float64).ravel()
        every[name] = np.sort(np.concatenate([every.get(name, np.zeros(0)), t]))
    every = {k: v for k, v in every.items() if v.size}
    if not every:
        raise DrumnmfError("the annotations hold no onsets; give 'time label' lines")
    all_onsets = np.sort(np.concatenate(list(every.values())))
    longest = max(1, int(seconds_to_frames(HIT_SECONDS, settings)))

    def spans_of(hits: np.ndarray, context: np.ndarray, gap: float) -> list[tuple[int, int, float]]:
        near = (hits[:, None] - context[None, :] < gap) & (
            hits[:, None] - context[None, :] > -2 * gap
        )
        spans = []
        for t in hits[~np.any(near, axis=1)]:
            following = all_onsets[all_onsets > t + 1e-6]
            start = int(seconds_to_frames(t, settings))
            stop = int(seconds_to_frames(following[0], settings)) if following.size else V.shape[1]
            stop = min(stop, start + longest, V.shape[1])
            if stop > start:
                spans.append((start, stop, float(t)))
        spans.sort(key=lambda sp: -float(energy[sp[0] : sp[0] + 3].max()))
        return spans[:max_hits]

    def template(hits: np.ndarray, context: np.ndarray) -> tuple[np.ndarray, float] | None:
        for step in ISOLATION_STEPS:
            gap = max(isolation * step, MIN_ISOLATION)
            spans = spans_of(hits, context, gap)
            if spans:
                used[name] = np.sort([t for _, _, t in spans])
                return _hit_template(V, [(a, b) for a, b, _ in spans]), gap
        return None

    found: dict[str, np.ndarray] = {}
    how: dict[str, str] = {}
    used: dict[str, np.ndarray] = {}  # onsets of the hits each template is cut from
    for name, hits in every.items():
        context = np.concatenate([np.zeros(0), *(v for k, v in every.items() if k != name)])
        made = template(hits, context)
        if made is not None:
            found[name] = made[0]
            how[name] = f"annotated hits of '{name}', {made[1]:g} s apart"
    for name, hits in every.items():
        if name in found:
            continue
        weights: dict[str, float] = {}  # how often each other drum sounds with this one
        apart: list[np.ndarray] = [np.zeros(0)]  # other drums' onsets not sounding with it
        for other, times in every.items():
            if other == name:
                continue
            distance = np.abs(times[:, None] - hits[None, :])
            apart.append(times[distance.min(axis=1) > COMPANION_SECONDS])
            weights[other] = float(np.mean(distance.min(axis=0) <= COMPANION_SECONDS))
        made = template(hits, np.concatenate(apart))
        if made is None:
            continue
        spectrum = made[0].copy()
        for other, weight in weights.items():
            if other in found and weight > 0:
                spectrum -= weight * found[other]
        spectrum = np.maximum(spectrum, 0.0)
        if np.any(spectrum > 0):
            found[name] = spectrum
            how[name] = f"annotated hits of '{name}' with companions subtracted"
    missing = [n for n in every if n not in found]
    if missing and not skip_missing:
        raise DrumnmfError(
            f"no usable annotated hit of {missing} (none stands {MIN_ISOLATION} s apart from "
            "other drums); calibrate those drums from separate hits, or skip them"
        )
    names = [n for n in every if n in found]
    if not names:
        raise DrumnmfError("no drum of the recording has usable annotated hits")
    kit = Kit(
        names=tuple(names),
        midi_notes=tuple(kit_note(n, notes) for n in names),
        templates=np.stack([found[n] for n in names], axis=1),
        template_drums=tuple(range(len(names))),
        settings=settings,
        sources=tuple(how[n] for n in names),
    )
    if not levels:
        return kit
    from drumnmf.calibration import with_annotated_levels  # the pipeline imports this module

    return with_annotated_levels(
        kit, samples, every, apart=COMPANION_SECONDS, hits={n: used[n] for n in names}
    )
