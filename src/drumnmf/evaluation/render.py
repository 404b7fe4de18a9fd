"""Render drum performances with real sample kits: audio whose onsets are known exactly.

This answers "how well does drumnmf do on my kit?": render MIDI grooves with the kit's
samples, calibrate on one hit of each drum of the same kit, transcribe, and score against
the reference onsets the renderer wrote.

Kits
----
A :class:`SampleKit` holds instruments, each with velocity layers of mono samples. It is
read from a Hydrogen drum kit (:func:`load_hydrogen_kit`: a folder holding ``drumkit.xml``),
from a SoundFont through the ``fluidsynth`` program (:func:`load_sf2_kit`), or from sample
files (:func:`kit_from_files`). Each instrument plays one *sound* (``kick``, ``snare``,
``rimshot``, ``side_stick``, ``hihat`` (closed), ``open_hihat``, ``pedal_hihat``,
``high_tom``, ``mid_tom``, ``floor_tom``, ``crash``, ``ride``, ``ride_bell``, ...); Hydrogen
instruments get their sound from their name (:func:`guess_sound`), which the caller can
override.

Timing convention
-----------------
Every sample is trimmed to its own onset: the first sample whose magnitude reaches
``ONSET_DB`` (30 dB) below the sample's peak. A note at ``t`` seconds places that onset
at sample ``round(t * sample_rate)``, and the reference onset is that sample's time, so
reference onsets are where the sound starts, to the sample.

Levels
------
A note's amplitude is ``layer gain * instrument gain * instrument volume`` times
``velocity / 127`` when the instrument applies velocity (Hydrogen's rule; SoundFont kits
already hold the velocity in their layers). The velocity layer is the one whose
``[min, max]`` range holds ``velocity / 127`` (the nearest one if none does). A rendering
whose peak exceeds ``peak`` (0.99) is scaled down to it, so it never clips when written
as 16-bit audio.

Reference labels
----------------
MIDI notes map to sounds with :data:`drumnmf.io.annotations.GM_DRUM_NOTES` (General MIDI with
the Groove MIDI Dataset's Roland TD-11 map), except that note 40, the TD-11 snare rim,
plays a ``rimshot``. A sound the kit lacks falls back to a related one
(:data:`SOUND_FALLBACKS`, e.g. ``rimshot`` -> ``snare``), and the reference names the sound
that was actually played, with the canonical names of :mod:`drumnmf.io.annotations` (whose
``reduce_classes`` pools them into kick/snare/hihat for scoring). A note whose sound the
kit cannot play at all is dropped from both the audio and the reference. A closed or
pedal hi-hat stops a ringing open hi-hat, and Hydrogen mute groups stop each other.

Examples
--------
How well does drumnmf transcribe a kit, calibrated on one hit of each of its drums?

>>> from drumnmf.pipeline import transcribe
>>> kit = load_hydrogen_kit("/usr/share/hydrogen/data/drumkits/GMRockKit")  # doctest: +SKIP
>>> take = render_midi("groove.mid", kit, max_seconds=30)  # doctest: +SKIP
>>> result = transcribe(take.audio, sample_rate=take.sample_rate,
...                     kit=calibrated_kit(kit))  # doctest: +SKIP
>>> take.onsets["kick"][:2], result.onsets["kick"][:2]  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.audio import prepare_samples
from drumnmf.kit import DRUM_NOTES

if TYPE_CHECKING:
    from drumnmf.kit import Kit
    from drumnmf.spectrogram import SpectrogramSettings

__all__ = [
    "CALIBRATION_SOUNDS",
    "NOTE_SOUNDS",
    "ONSET_DB",
    "SF2_NOTES",
    "SOUNDS",
    "SOUND_FALLBACKS",
    "TEMPLATE_DRUMS",
    "Instrument",
    "Layer",
    "Mixture",
    "NoteEvent",
    "Rendering",
    "SampleKit",
    "calibrated_kit",
    "calibration_hits",
    "guess_sound",
    "kit_from_files",
    "load_hydrogen_kit",
    "load_sample_kit",
    "load_sf2_kit",
    "mix_at_ratio",
    "read_midi",
    "render_events",
    "render_midi",
    "write_reference",
]

ONSET_DB = 30.0  # a sample starts where it first reaches this far below its peak
CHOKE_SECONDS = 0.01  # fade of a choked (muted) note
DEFAULT_PEAK = 0.99  # renderings and mixes are scaled down to this peak when louder
CALIBRATION_VELOCITY = 90  # a medium hit, as a drummer would record it


# MIDI notes whose sound differs from drumnmf.io.annotations.GM_DRUM_NOTES when rendering:
# the TD-11 snare rim (40) is a rimshot; notes 60-81 (Latin percussion) are not drums.
NOTE_SOUNDS: dict[int, str | None] = {40: "rimshot", **dict.fromkeys(range(60, 82))}

# Sound -> the drum of a calibrated kit its template joins (drum classes plus toms and
# cymbals as distractors; see calibrated_kit).
TEMPLATE_DRUMS: dict[str, str] = {
    "kick": "kick",
    "snare": "snare",
    "hihat": "hihat",
    "open_hihat": "hihat",
    "pedal_hihat": "hihat",
    "high_tom": "tom",
    "mid_tom": "tom",
    "floor_tom": "tom",
    "crash": "crash",
    "ride": "ride",
}

# Drums a drummer records for calibration (the kit's pieces, not every articulation).
CALIBRATION_SOUNDS: tuple[str, ...] = tuple(TEMPLATE_DRUMS)

# Sounds drumnmf can render (canonical names of drumnmf.io.annotations).
SOUNDS: tuple[str, ...] = (
    "kick",
    "snare",
    "rimshot",
    "side_stick",
    "hihat",
    "open_hihat",
    "pedal_hihat",
    "high_tom",
    "mid_tom",
    "floor_tom",
    "crash",
    "china",
    "splash",
    "ride",
    "ride_bell",
    "clap",
    "cowbell",
    "tambourine",
)

# What plays a sound the kit lacks, in order of preference.
SOUND_FALLBACKS: dict[str, tuple[str, ...]] = {
    "rimshot": ("snare",),
    "side_stick": ("snare",),
    "open_hihat": ("hihat",),
    "pedal_hihat": ("hihat",),
    "high_tom": ("mid_tom", "floor_tom"),
    "mid_tom": ("high_tom", "floor_tom"),
    "floor_tom": ("mid_tom", "high_tom"),
    "ride_bell": ("ride", "crash"),
    "ride": ("crash",),
    "crash": ("ride",),
    "splash": ("crash",),
    "china": ("crash",),
}

# General MIDI percussion note of each sound, for SoundFont kits (GM has no rimshot note:
# a rimshot falls back to the snare).
SF2_NOTES: dict[str, int] = {s: DRUM_NOTES[s] for s in SOUNDS if s in DRUM_NOTES and s != "rimshot"}

# Hi-hat sounds that stop a ringing open hi-hat (the hats close).
_HAT_CLOSERS = frozenset({"hihat", "pedal_hihat"})


# ----------------------------------------------------------------------------- kits


@dataclass(frozen=True, eq=False)
class Layer:
    """One velocity layer of an instrument.

    Attributes
    ----------
    samples : np.ndarray [shape=(n_samples,), dtype=float32]
        Mono sample at the kit's rate, trimmed to its onset (read-only).
    min_velocity, max_velocity : float in [0, 1]
        The normalised velocities (``velocity / 127``) this layer plays.
    gain : float >= 0
        Linear gain of the layer.
    source : str
        The file the sample came from.
    onset_offset : int >= 0
        Samples trimmed from the file's start to reach its onset.
    """

    samples: np.ndarray
    min_velocity: float = 0.0
    max_velocity: float = 1.0
    gain: float = 1.0
    source: str = ""
    onset_offset: int = 0

    def __post_init__(self) -> None:
        x = np.array(self.samples, dtype=np.float32)
        x.setflags(write=False)
        object.__setattr__(self, "samples", x)
        if x.ndim != 1 or x.size == 0:
            raise DrumnmfError(f"layer sample '{self.source}' must be mono and non-empty")
        if not 0.0 <= self.min_velocity <= self.max_velocity <= 1.0:
            raise DrumnmfError(
                f"layer '{self.source}' has velocity range [{self.min_velocity}, "
                f"{self.max_velocity}]; use 0 <= min <= max <= 1"
            )
        if not np.isfinite(self.gain) or self.gain < 0:
            raise DrumnmfError(f"layer '{self.source}' has gain {self.gain}; use a gain >= 0")


@dataclass(frozen=True, eq=False)
class Instrument:
    """One instrument of a sample kit.

    Attributes
    ----------
    name : str
        The kit's name for it (``"Hat Closed"``).
    sound : str or None
        The sound it plays (``"hihat"``), None when unused.
    layers : tuple of Layer
        Velocity layers.
    gain, volume : float >= 0
        Linear gains, multiplied.
    mute_group : int
        Instruments sharing a group >= 0 stop each other (Hydrogen's mute groups); -1 none.
    apply_velocity : bool
        Scale the amplitude by ``velocity / 127``.
    """

    name: str
    sound: str | None
    layers: tuple[Layer, ...]
    gain: float = 1.0
    volume: float = 1.0
    mute_group: int = -1
    apply_velocity: bool = True

    def __post_init__(self) -> None:
        if not self.layers:
            raise DrumnmfError(f"instrument '{self.name}' has no sample layers")

    def layer_for(self, velocity: int) -> Layer:
        """The layer playing a MIDI velocity (1..127): range holding it, else the nearest."""
        v = float(velocity) / 127.0
        for layer in self.layers:
            if layer.min_velocity <= v <= layer.max_velocity:
                return layer
        distance = [
            min(abs(v - layer.min_velocity), abs(v - layer.max_velocity)) for layer in self.layers
        ]
        return self.layers[int(np.argmin(distance))]

    def amplitude(self, velocity: int, layer: Layer) -> float:
        """Linear amplitude of a note: gains, volume and (optionally) velocity."""
        amp = layer.gain * self.gain * self.volume
        return amp * (float(velocity) / 127.0 if self.apply_velocity else 1.0)


@dataclass(frozen=True, eq=False)
class SampleKit:
    """A sampled drum kit.

    Attributes
    ----------
    name : str
    instruments : tuple of Instrument
        Instruments with a sound (one per sound).
    sample_rate : int
        Rate of every sample, Hz.
    source : str
        Where the kit came from (folder or file).
    license : str
        The licence its author declared, when known.
    """

    name: str
    instruments: tuple[Instrument, ...]
    sample_rate: int
    source: str = ""
    license: str = ""

    def __post_init__(self) -> None:
        sounds = [i.sound for i in self.instruments if i.sound]
        if not sounds:
            raise DrumnmfError(
                f"kit '{self.name}' has no instrument drumnmf recognises (kick, snare, hihat...); "
                "name its sounds with instrument_map={'kick': 'INSTRUMENT NAME', ...}"
            )
        if len(set(sounds)) != len(sounds):
            raise DrumnmfError(f"kit '{self.name}' assigns a sound twice: {sounds}")

    @property
    def sounds(self) -> tuple[str, ...]:
        """The sounds the kit plays itself (without fallbacks)."""
        return tuple(i.sound for i in self.instruments if i.sound)

    def instrument_for(self, sound: str) -> Instrument | None:
        """The instrument playing ``sound``, trying :data:`SOUND_FALLBACKS`; None if none."""
        by_sound = {i.sound: i for i in self.instruments if i.sound}
        for candidate in (sound, *SOUND_FALLBACKS.get(sound, ())):
            if candidate in by_sound:
                return by_sound[candidate]
        return None


def guess_sound(name: str) -> str | None:
    """Guess the sound of an instrument from its name (``"Hat Closed"`` -> ``"hihat"``).

    Returns None for names that are not a plain hit of a known drum (rolls, swishes,
    chokes, percussion drumnmf does not name).
    """
    n = " " + re.sub(r"[^a-z0-9]+", " ", name.lower()) + " "
    words = set(n.split())
    if words & {"roll", "swish", "choke", "flink", "semi", "fx", "reverse"}:
        return None
    if "hat" in words or "hh" in words or "hihat" in words or " hi hat" in n:
        if "free" in words:  # a loose, half-open hat: no plain hit
            return None
        if words & {"open", "opened", "op"}:
            return "open_hihat"
        if words & {"pedal", "pd", "foot"}:
            return "pedal_hihat"
        return "hihat"
    if "kick" in words or "bd" in words or "bassdrum" in words or " bass drum" in n:
        return "kick"
    if "stick" in words or " rim click" in n or "sidestick" in words or " side stick" in n:
        return "side_stick"
    if "snare" in n:
        return "rimshot" if re.search(r"\brim", n) else "snare"
    if "tom" in n:
        if words & {"floor", "low", "lo", "3", "4"} or "floor" in n:
            return "floor_tom"
        if words & {"mid", "middle", "2"}:
            return "mid_tom"
        return "high_tom"
    if "bell" in words or "cup" in n:
        return "ride_bell"
    if "ride" in n:
        return "ride"
    if "splash" in n:
        return "splash"
    if "china" in n:
        return "china"
    if "crash" in n or "cymbal" in n:
        return "crash"
    if "clap" in n:
        return "clap"
    if "cowbell" in n:
        return "cowbell"
    if "tambourine" in n:
        return "tambourine"
    return None


def _sample_onset(x: np.ndarray) -> int:
    """Index of the first sample within ``ONSET_DB`` of the peak."""
    mag = np.abs(x)
    return int(np.argmax(mag >= float(mag.max()) * 10 ** (-ONSET_DB / 20)))


def _make_layer(
    samples: np.ndarray,
    rate: int,
    *,
    sample_rate: int,
    source: str,
    min_velocity: float = 0.0,
    max_velocity: float = 1.0,
    gain: float = 1.0,
) -> Layer:
    mono = prepare_samples(samples, rate, sample_rate=sample_rate, name=f"sample '{source}'")
    start = _sample_onset(mono)
    return Layer(
        samples=mono[start:],
        min_velocity=min_velocity,
        max_velocity=max_velocity,
        gain=gain,
        source=source,
        onset_offset=start,
    )


def _read_sample(path: Path, *, sample_rate: int, **layer: Any) -> Layer:
    import soundfile as sf

    if not path.is_file():
        raise DrumnmfError(f"sample file not found: '{path}'; check the kit folder")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise DrumnmfError(f"cannot decode sample '{path}' ({exc})") from exc
    return _make_layer(data, rate, sample_rate=sample_rate, source=str(path), **layer)


def _assign_sounds(
    names: Sequence[str], instrument_map: Mapping[str, str] | None, kit: str
) -> list[str | None]:
    """A sound for each instrument: the caller's map first, then name heuristics."""
    sounds: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for sound, wanted in (instrument_map or {}).items():
        if sound not in SOUNDS:
            raise DrumnmfError(
                f"unknown sound {sound!r} in instrument_map; use one of {', '.join(SOUNDS)}"
            )
        if wanted not in names:
            raise DrumnmfError(
                f"kit '{kit}' has no instrument {wanted!r} (for {sound!r}); it has "
                f"{', '.join(repr(n) for n in names)}"
            )
        sounds[list(names).index(wanted)] = sound
        taken.add(sound)
    for i, name in enumerate(names):
        if sounds[i] is not None or (instrument_map and name in instrument_map.values()):
            continue
        guess = guess_sound(name)
        if guess is not None and guess not in taken:  # the first instrument of a sound wins
            sounds[i] = guess
            taken.add(guess)
    return sounds


def _strip_namespaces(root: ET.Element) -> ET.Element:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def _float(element: ET.Element, tag: str, default: float) -> float:
    text = element.findtext(tag)
    if text is None or not text.strip():
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise DrumnmfError(f"<{tag}> holds {text!r}, not a number") from exc


def load_hydrogen_kit(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 44100,
    instrument_map: Mapping[str, str] | None = None,
) -> SampleKit:
    """Read a Hydrogen drum kit and load its samples.

    All three ``drumkit.xml`` schemas are read: ``<instrumentComponent><layer>`` (Hydrogen
    >= 0.9.7), ``<layer>`` directly in ``<instrument>``, and a single ``<filename>`` per
    instrument (the oldest kits). Pan, pitch and ADSR settings are ignored; stereo samples
    are mixed to mono.

    Parameters
    ----------
    path : path-like
        The kit folder or its ``drumkit.xml``.
    sample_rate : int > 0
        Rate to resample the samples to, Hz.
    instrument_map : mapping sound -> instrument name, optional
        Which instrument plays which sound, overriding :func:`guess_sound`
        (``{"snare": "Snare Rock"}``).

    Returns
    -------
    SampleKit
        Only instruments with a sound; their samples loaded.

    Examples
    --------
    >>> kit = load_hydrogen_kit("/usr/share/hydrogen/data/drumkits/GMRockKit")  # doctest: +SKIP
    >>> kit.sounds[:3]  # doctest: +SKIP
    ('kick', 'side_stick', 'snare')
    """
    p = Path(path)
    xml_path = p / "drumkit.xml" if p.is_dir() else p
    if not xml_path.is_file():
        raise DrumnmfError(
            f"no Hydrogen kit at '{p}': expected a folder with drumkit.xml "
            "(e.g. /usr/share/hydrogen/data/drumkits/GMRockKit; apt-get install hydrogen-drumkits)"
        )
    try:
        root = _strip_namespaces(ET.parse(xml_path).getroot())
    except (ET.ParseError, OSError) as exc:
        raise DrumnmfError(
            f"cannot parse '{xml_path}' ({exc}); is it a Hydrogen drumkit.xml?"
        ) from exc
    if root.tag != "drumkit_info":
        raise DrumnmfError(f"'{xml_path}' is not a Hydrogen drum kit (root <{root.tag}>)")
    folder = xml_path.parent
    kit_name = (root.findtext("name") or folder.name).strip()
    license_ = (root.findtext("license") or root.findtext("licence") or "").strip()
    component_volume = {
        (c.findtext("id") or "0").strip(): _float(c, "volume", 1.0)
        for c in root.iter("drumkitComponent")
    }
    elements = root.findall("./instrumentList/instrument")
    specs = []
    for element in elements:
        name = (element.findtext("name") or "").strip()
        layer_specs: list[tuple[ET.Element, float]] = []
        components = element.findall("instrumentComponent")
        for component in components:
            scale = _float(component, "gain", 1.0) * component_volume.get(
                (component.findtext("component_id") or "0").strip(), 1.0
            )
            layer_specs += [(layer, scale) for layer in component.findall("layer")]
        layer_specs += [(layer, 1.0) for layer in element.findall("layer")]
        if not layer_specs and element.findtext("filename"):
            layer_specs = [(element, 1.0)]  # oldest schema: one sample, full range
        if name and layer_specs:
            specs.append((name, element, layer_specs))
    sounds = _assign_sounds([s[0] for s in specs], instrument_map, kit_name)
    instruments = []
    for (name, element, layer_specs), sound in zip(specs, sounds, strict=True):
        if sound is None:
            continue
        layers = []
        for layer, scale in layer_specs:
            filename = (layer.findtext("filename") or "").strip()
            lo = min(max(_float(layer, "min", 0.0), 0.0), 1.0)
            hi = min(max(_float(layer, "max", 1.0), lo), 1.0)
            layers.append(
                _read_sample(
                    folder / filename,
                    sample_rate=sample_rate,
                    min_velocity=lo,
                    max_velocity=hi,
                    gain=_float(layer, "gain", 1.0) * scale,
                )
            )
        apply_velocity = (element.findtext("applyVelocity") or "true").strip().lower() != "false"
        instruments.append(
            Instrument(
                name=name,
                sound=sound,
                layers=tuple(layers),
                gain=_float(element, "gain", 1.0),
                volume=_float(element, "volume", 1.0),
                mute_group=int(_float(element, "muteGroup", -1.0)),
                apply_velocity=apply_velocity,
            )
        )
    return SampleKit(
        name=kit_name,
        instruments=tuple(instruments),
        sample_rate=sample_rate,
        source=str(folder),
        license=license_,
    )


def kit_from_files(
    sounds: Mapping[str, Sequence[str | os.PathLike[str]]],
    *,
    name: str = "samples",
    sample_rate: int = 44100,
    license: str = "",
) -> SampleKit:
    """A kit from sample files: one list of files per sound, softest first.

    A sound's files become velocity layers splitting ``[0, 1]`` evenly (two files: the
    first plays velocities up to 63, the second above). Velocity scales the amplitude.

    Parameters
    ----------
    sounds : mapping sound -> sequence of path-like
        E.g. ``{"kick": ["kick_soft.wav", "kick_hard.wav"], "snare": ["snare.wav"]}``.
    name, license : str
        The kit's name and licence, for provenance.
    sample_rate : int > 0
        Rate to resample to, Hz.
    """
    instruments = []
    for sound, files in sounds.items():
        if sound not in SOUNDS:
            raise DrumnmfError(f"unknown sound {sound!r}; use one of {', '.join(SOUNDS)}")
        if not files:
            raise DrumnmfError(f"no sample file given for {sound!r}")
        edges = np.linspace(0.0, 1.0, len(files) + 1)
        layers = tuple(
            _read_sample(
                Path(f),
                sample_rate=sample_rate,
                min_velocity=float(edges[i]),
                max_velocity=float(edges[i + 1]),
            )
            for i, f in enumerate(files)
        )
        instruments.append(Instrument(name=sound, sound=sound, layers=layers))
    return SampleKit(
        name=name,
        instruments=tuple(instruments),
        sample_rate=sample_rate,
        source=name,
        license=license,
    )


def load_sf2_kit(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 44100,
    sounds: Sequence[str] | None = None,
    velocities: Sequence[int] = (40, 80, 110, 127),
    hit_seconds: float = 4.0,
    gain: float = 0.5,
) -> SampleKit:
    """Sample a SoundFont's General MIDI drum kit with the ``fluidsynth`` program.

    Each sound's note (:data:`SF2_NOTES`) is rendered once per velocity (reverb and
    chorus off) and cut into a velocity layer; the layer plays the velocities nearest to
    the one it was rendered at, and already holds its loudness (no velocity scaling).

    Parameters
    ----------
    path : path-like
        A ``.sf2`` file (e.g. Debian's ``/usr/share/sounds/sf2/FluidR3_GM.sf2``).
    sample_rate : int > 0
        Rate, Hz.
    sounds : sequence of str, optional
        Sounds to sample; all of :data:`SF2_NOTES` by default.
    velocities : sequence of int in 1..127
        Velocities to render, one layer each.
    hit_seconds : float > 0
        Longest sample kept per hit.
    gain : float > 0
        fluidsynth's master gain.

    Raises
    ------
    DrumnmfError
        If ``fluidsynth`` is not installed (``apt-get install fluidsynth``) or fails.
    """
    import mido
    import soundfile as sf

    sf2 = Path(path)
    if not sf2.is_file():
        raise DrumnmfError(f"SoundFont not found: '{sf2}'; check the path")
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise DrumnmfError(
            "rendering a SoundFont needs the fluidsynth program: "
            "apt-get install fluidsynth (or brew install fluid-synth)"
        )
    chosen = list(sounds) if sounds is not None else list(SF2_NOTES)
    unknown = [s for s in chosen if s not in SF2_NOTES]
    if unknown:
        raise DrumnmfError(f"no General MIDI note for {unknown}; use sounds of {sorted(SF2_NOTES)}")
    vels = sorted({int(v) for v in velocities})
    if not vels or vels[0] < 1 or vels[-1] > 127:
        raise DrumnmfError(f"velocities must be in 1..127, got {list(velocities)}")
    ticks_per_beat, tempo = 480, 500000  # 120 bpm: one beat is 0.5 s
    step = round(hit_seconds / 0.5 * ticks_per_beat)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
    plan = [(s, v) for s in chosen for v in vels]
    for sound, velocity in plan:
        note = SF2_NOTES[sound]
        track.append(mido.Message("note_on", channel=9, note=note, velocity=velocity, time=0))
        track.append(mido.Message("note_off", channel=9, note=note, velocity=0, time=step))
    midi = mido.MidiFile(ticks_per_beat=ticks_per_beat)
    midi.tracks.append(track)
    with tempfile.TemporaryDirectory(prefix="drumnmf-sf2-") as tmp:
        mid_path, wav_path = Path(tmp) / "hits.mid", Path(tmp) / "hits.wav"
        midi.save(str(mid_path))
        command = [
            exe, "-ni", "-q", "-R", "0", "-C", "0", "-g", f"{gain}", "-r", str(sample_rate),
            "-T", "wav", "-F", str(wav_path), str(sf2), str(mid_path),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not wav_path.is_file():
            raise DrumnmfError(f"fluidsynth failed on '{sf2}': {done.stderr.strip()[-300:]}")
        audio, rate = sf.read(str(wav_path), dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    hop = round(hit_seconds * rate)
    bounds = np.concatenate([[0.0], (np.array(vels[:-1]) + np.array(vels[1:])) / 2 / 127, [1.0]])
    instruments = []
    for i, sound in enumerate(chosen):
        layers = []
        for j in range(len(vels)):
            k = i * len(vels) + j
            segment = mono[k * hop : (k + 1) * hop]
            if segment.size == 0 or float(np.abs(segment).max()) < 1e-5:
                continue
            layers.append(
                _make_layer(
                    segment,
                    int(rate),
                    sample_rate=sample_rate,
                    source=f"{sf2.name} note {SF2_NOTES[sound]} velocity {vels[j]}",
                    min_velocity=float(bounds[j]),
                    max_velocity=float(bounds[j + 1]),
                )
            )
        if layers:
            instruments.append(
                Instrument(name=sound, sound=sound, layers=tuple(layers), apply_velocity=False)
            )
    return SampleKit(
        name=sf2.stem,
        instruments=tuple(instruments),
        sample_rate=sample_rate,
        source=str(sf2),
    )


def load_sample_kit(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 44100,
    instrument_map: Mapping[str, str] | None = None,
) -> SampleKit:
    """Read a Hydrogen kit (folder or ``drumkit.xml``) or a SoundFont (``.sf2``)."""
    p = Path(path)
    if p.suffix.lower() in (".sf2", ".sf3"):
        if instrument_map:
            raise DrumnmfError("instrument_map applies to Hydrogen kits, not SoundFonts")
        return load_sf2_kit(p, sample_rate=sample_rate)
    return load_hydrogen_kit(p, sample_rate=sample_rate, instrument_map=instrument_map)


# ----------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class NoteEvent:
    """A drum hit to render.

    Attributes
    ----------
    time : float >= 0
        Onset in seconds.
    sound : str
        The sound (``"snare"``).
    velocity : int in 1..127
    """

    time: float
    sound: str
    velocity: int = 100


@dataclass(frozen=True, eq=False)
class Rendering:
    """Rendered audio and its reference onsets.

    Attributes
    ----------
    audio : np.ndarray [shape=(n_samples,), dtype=float32]
        Mono audio.
    sample_rate : int
        Hz.
    onsets : dict str -> np.ndarray [shape=(n,)]
        Reference onset times per sound played, seconds, increasing (sample-exact).
    events : tuple of NoteEvent
        The notes played, in time order, with the sound that played them.
    dropped : dict str -> int
        Notes not played, per sound, because the kit has no instrument for it.
    gain : float
        Scale applied to keep the peak at most ``peak`` (1.0 when none was needed).
    """

    audio: np.ndarray
    sample_rate: int
    onsets: dict[str, np.ndarray]
    events: tuple[NoteEvent, ...]
    dropped: dict[str, int] = field(default_factory=dict)
    gain: float = 1.0

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.audio.size / self.sample_rate


def _choke_stops(
    starts: np.ndarray, instruments: Sequence[Instrument], *, choke_hihat: bool
) -> np.ndarray:
    """Sample index at which each note is stopped by a later one (a large number if never).

    Hydrogen's mute groups: a note stops the notes of *other* instruments of its group.
    With ``choke_hihat``, a closed or pedal hi-hat also stops a ringing open hi-hat.
    Notes starting at the same sample do not stop each other.
    """
    never = np.iinfo(np.int64).max
    stops = np.full(starts.size, never, dtype=np.int64)
    next_in_group: dict[int, dict[str, int]] = {}
    next_closer = never
    order = np.argsort(starts, kind="stable")[::-1]
    i = 0
    while i < order.size:  # walk backwards one start time at a time
        same = [int(order[i])]
        while i + len(same) < order.size and starts[order[i + len(same)]] == starts[same[0]]:
            same.append(int(order[i + len(same)]))
        for k in same:
            inst = instruments[k]
            if inst.mute_group >= 0:
                others = [
                    s for n, s in next_in_group.get(inst.mute_group, {}).items() if n != inst.name
                ]
                if others:
                    stops[k] = min(stops[k], min(others))
            if choke_hihat and inst.sound == "open_hihat":
                stops[k] = min(stops[k], next_closer)
        for k in same:
            inst = instruments[k]
            if inst.mute_group >= 0:
                next_in_group.setdefault(inst.mute_group, {})[inst.name] = int(starts[k])
            if inst.sound in _HAT_CLOSERS:
                next_closer = int(starts[k])
        i += len(same)
    return stops


def render_events(
    events: Sequence[NoteEvent],
    kit: SampleKit,
    *,
    max_seconds: float | None = None,
    choke_hihat: bool = True,
    peak: float = DEFAULT_PEAK,
) -> Rendering:
    """Render drum hits with a sample kit.

    Parameters
    ----------
    events : sequence of NoteEvent
        The hits (any order).
    kit : SampleKit
    max_seconds : float > 0, optional
        Longest audio, seconds: hits at or after it are dropped and ringing samples cut.
        The audio ends when the last sample has rung out, or at ``max_seconds``.
    choke_hihat : bool
        A closed or pedal hi-hat stops a ringing open hi-hat (10 ms fade), as on a real
        kit. Hydrogen mute groups always apply.
    peak : float in (0, 1]
        Largest allowed peak; louder renderings are scaled down (see ``Rendering.gain``).

    Returns
    -------
    Rendering
    """
    sr = kit.sample_rate
    if max_seconds is not None and (not np.isfinite(max_seconds) or max_seconds <= 0):
        raise DrumnmfError(f"max_seconds must be a positive number of seconds, got {max_seconds!r}")
    if not 0 < peak <= 1:
        raise DrumnmfError(f"peak must be in (0, 1], got {peak!r}")
    played: list[NoteEvent] = []
    instruments: list[Instrument] = []
    dropped: dict[str, int] = {}
    for event in sorted(events, key=lambda e: (e.time, e.sound)):
        if not np.isfinite(event.time) or event.time < 0:
            raise DrumnmfError(f"note time must be >= 0 seconds, got {event.time!r}")
        if not 1 <= int(event.velocity) <= 127:
            raise DrumnmfError(f"note velocity must be in 1..127, got {event.velocity!r}")
        if max_seconds is not None and event.time >= max_seconds:
            continue
        inst = kit.instrument_for(event.sound)
        if inst is None:
            dropped[event.sound] = dropped.get(event.sound, 0) + 1
            continue
        assert inst.sound is not None
        played.append(NoteEvent(time=event.time, sound=inst.sound, velocity=event.velocity))
        instruments.append(inst)
    starts = np.array([round(e.time * sr) for e in played], dtype=np.int64)
    layers = [inst.layer_for(e.velocity) for e, inst in zip(played, instruments, strict=True)]
    ends = [int(s) + layer.samples.size for s, layer in zip(starts, layers, strict=True)]
    n_out = max(ends, default=round(0.1 * sr))
    if max_seconds is not None:
        n_out = min(n_out, round(max_seconds * sr))
    out = np.zeros(n_out, dtype=np.float32)
    stops = _choke_stops(starts, instruments, choke_hihat=choke_hihat)
    fade = max(1, round(CHOKE_SECONDS * sr))
    for start, stop, event, inst, layer in zip(
        starts, stops, played, instruments, layers, strict=True
    ):
        sound = layer.samples * np.float32(inst.amplitude(event.velocity, layer))
        length = min(sound.size, n_out - int(start))
        if stop - start < length:
            cut = int(stop - start)
            n_fade = min(fade, length - cut)
            sound = sound[: cut + n_fade].copy()
            sound[cut:] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)
            length = sound.size
        out[start : start + length] += sound[:length]
    top = float(np.max(np.abs(out))) if out.size else 0.0
    gain = peak / top if top > peak else 1.0
    if gain != 1.0:
        out *= np.float32(gain)
    onsets: dict[str, list[float]] = {}
    for start, event in zip(starts, played, strict=True):
        onsets.setdefault(event.sound, []).append(int(start) / sr)
    return Rendering(
        audio=out,
        sample_rate=sr,
        onsets={k: np.asarray(v, dtype=np.float64) for k, v in onsets.items()},
        events=tuple(played),
        dropped=dropped,
        gain=gain,
    )


def read_midi(
    path: str | os.PathLike[str],
    *,
    note_map: Mapping[int, str | None] | None = None,
    channel: int | None = 9,
) -> list[NoteEvent]:
    """Read the drum hits of a MIDI file, honouring tempo changes.

    Parameters
    ----------
    path : path-like
        A type 0 or 1 MIDI file.
    note_map : mapping note -> sound or None, optional
        Entries merged over :data:`NOTE_SOUNDS` and
        :data:`drumnmf.io.annotations.GM_DRUM_NOTES`; None drops a note. Notes in neither
        map are dropped.
    channel : int in 0..15 or None
        Channel to read, from 0 (9 is General MIDI's drum channel 10); None for all.

    Returns
    -------
    list of NoteEvent
        In time order; times in seconds.
    """
    from drumnmf.io.annotations import load_midi

    notes = load_midi(
        path, note_map={**NOTE_SOUNDS, **(note_map or {})}, unknown="drop", channel=channel
    )
    assert notes.strengths is not None  # MIDI velocities
    events = [
        NoteEvent(time=float(t), sound=sound, velocity=int(v))
        for sound, times in notes.onsets.items()
        for t, v in zip(times, notes.strengths[sound], strict=True)
    ]
    return sorted(events, key=lambda e: (e.time, e.sound))


def render_midi(
    midi: str | os.PathLike[str],
    kit: SampleKit,
    *,
    note_map: Mapping[int, str | None] | None = None,
    channel: int | None = 9,
    max_seconds: float | None = None,
    choke_hihat: bool = True,
    peak: float = DEFAULT_PEAK,
) -> Rendering:
    """Render a MIDI drum performance with a sample kit.

    Parameters
    ----------
    midi : path-like
        The performance (Groove MIDI / General MIDI drum notes).
    kit : SampleKit
    note_map, channel
        As in :func:`read_midi`.
    max_seconds : float > 0, optional
        Render only the first ``max_seconds``.
    choke_hihat, peak
        As in :func:`render_events`.

    Returns
    -------
    Rendering

    Examples
    --------
    >>> kit = load_hydrogen_kit("/usr/share/hydrogen/data/drumkits/GMRockKit")  # doctest: +SKIP
    >>> r = render_midi("groove.mid", kit, max_seconds=30)  # doctest: +SKIP
    >>> sorted(r.onsets)  # doctest: +SKIP
    ['hihat', 'kick', 'snare']
    """
    events = read_midi(midi, note_map=note_map, channel=channel)
    if not events:
        raise DrumnmfError("the MIDI file holds no drum notes drumnmf can map (GM note numbers)")
    return render_events(events, kit, max_seconds=max_seconds, choke_hihat=choke_hihat, peak=peak)


def calibration_hits(
    kit: SampleKit,
    *,
    sounds: Sequence[str] | None = None,
    velocity: int = CALIBRATION_VELOCITY,
    lead_seconds: float = 0.1,
) -> list[tuple[str, tuple[np.ndarray, int]]]:
    """One medium hit of each drum of the kit, as a drummer would record them.

    Parameters
    ----------
    kit : SampleKit
    sounds : sequence of str, optional
        Sounds to record; by default each of :data:`CALIBRATION_SOUNDS` that the kit
        plays itself.
    velocity : int in 1..127
        Velocity of each hit (90: a medium hit).
    lead_seconds : float >= 0
        Silence before the hit.

    Returns
    -------
    list of (sound, (samples, sample_rate))
        Pairs that :func:`drumnmf.kit.calibrate` accepts.

    Examples
    --------
    >>> from drumnmf.kit import calibrate
    >>> my_kit = calibrate(calibration_hits(sample_kit))  # doctest: +SKIP
    """
    if sounds is None:
        chosen = [s for s in CALIBRATION_SOUNDS if s in kit.sounds]
    else:
        chosen = list(sounds)
    hits = []
    for sound in chosen:
        if kit.instrument_for(sound) is None:
            raise DrumnmfError(f"kit '{kit.name}' cannot play {sound!r}; it has {kit.sounds}")
        r = render_events([NoteEvent(time=lead_seconds, sound=sound, velocity=velocity)], kit)
        hits.append((sound, (r.audio, kit.sample_rate)))
    return hits


def calibrated_kit(
    kit: SampleKit,
    *,
    hits: Sequence[tuple[str, tuple[np.ndarray, int]]] | None = None,
    settings: SpectrogramSettings | None = None,
) -> Kit:
    """Calibrate a drumnmf kit on :func:`calibration_hits` of a sample kit.

    Each hit becomes one template of its drum (:data:`TEMPLATE_DRUMS`): ``hihat`` gets
    closed, open and pedal templates, ``tom`` one per tom, and their activations add up,
    which matches references pooled by :func:`drumnmf.io.annotations.reduce_classes`.

    Parameters
    ----------
    kit : SampleKit
    hits : sequence of (sound, (samples, sample_rate)), optional
        Hits made by :func:`calibration_hits` (made here when None).
    settings : SpectrogramSettings, optional
        STFT settings (the defaults when None).

    Returns
    -------
    drumnmf.kit.Kit
    """
    from dataclasses import replace

    from drumnmf.kit import calibrate

    hits = calibration_hits(kit) if hits is None else hits
    drums = [TEMPLATE_DRUMS.get(sound, sound) for sound, _ in hits]
    drum_kit = calibrate(
        [(drum, hit) for drum, (_, hit) in zip(drums, hits, strict=True)],
        settings=settings,
        separate=True,
    )
    # calibrate() orders templates by drum (first seen first), then by hit
    labelled = sorted(enumerate(hits), key=lambda item: drums.index(drums[item[0]]))
    sources = [f"{kit.name}: {sound} hit" for _, (sound, _) in labelled]
    return replace(drum_kit, sources=tuple(sources))


# ----------------------------------------------------------------------------- mixing


@dataclass(frozen=True, eq=False)
class Mixture:
    """Drums mixed with accompaniment: ``audio = drums + accompaniment``.

    Attributes
    ----------
    audio : np.ndarray [shape=(n_samples,), dtype=float32]
        The mix.
    drums, accompaniment : np.ndarray [shape=(n_samples,), dtype=float32]
        The two parts as mixed (scaled, the accompaniment looped or trimmed).
    ratio_db : float
        Drum-to-accompaniment RMS ratio, dB.
    """

    audio: np.ndarray
    drums: np.ndarray
    accompaniment: np.ndarray
    ratio_db: float


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def mix_at_ratio(
    drums: np.ndarray,
    accompaniment: np.ndarray,
    *,
    ratio_db: float = 0.0,
    peak: float = DEFAULT_PEAK,
) -> Mixture:
    """Mix drums with accompaniment at a drum-to-accompaniment RMS ratio.

    The accompaniment is looped or trimmed to the drums' length and scaled so that
    ``20 log10(rms(drums) / rms(accompaniment)) = ratio_db`` (RMS over the whole clip).
    If the mix then peaks above ``peak`` both parts are scaled down together, which keeps
    the ratio and prevents clipping.

    Parameters
    ----------
    drums : np.ndarray [shape=(n_samples,)]
    accompaniment : np.ndarray [shape=(m_samples,)]
        At the same sample rate as ``drums``.
    ratio_db : float
        0 dB: equal RMS; -6 dB: accompaniment twice as loud as the drums.
    peak : float in (0, 1]

    Returns
    -------
    Mixture
    """
    d = np.asarray(drums, dtype=np.float32)
    a = np.asarray(accompaniment, dtype=np.float32)
    if d.ndim != 1 or a.ndim != 1 or d.size == 0 or a.size == 0:
        raise DrumnmfError(
            f"drums and accompaniment must be non-empty mono arrays, got shapes {d.shape} "
            f"and {a.shape}"
        )
    if not np.isfinite(ratio_db):
        raise DrumnmfError(f"ratio_db must be a finite number of dB, got {ratio_db!r}")
    if not 0 < peak <= 1:
        raise DrumnmfError(f"peak must be in (0, 1], got {peak!r}")
    a = np.resize(a, d.size)  # loops (repeats) or trims to the drums' length
    rms_d, rms_a = _rms(d), _rms(a)
    if rms_d == 0 or rms_a == 0:
        raise DrumnmfError("cannot mix silent audio: drums and accompaniment must be audible")
    a = a * np.float32(rms_d / rms_a * 10 ** (-ratio_db / 20))
    d = d.copy()
    mix = d + a
    top = float(np.max(np.abs(mix)))
    if top > peak:
        scale = np.float32(peak / top)
        mix *= scale
        d *= scale
        a *= scale
    return Mixture(audio=mix, drums=d, accompaniment=a, ratio_db=float(ratio_db))


# ----------------------------------------------------------------------------- references


def write_reference(path: str | os.PathLike[str], onsets: Mapping[str, np.ndarray]) -> None:
    """Write reference onsets as text: ``time<TAB>drum`` lines sorted by time, then drum."""
    from drumnmf.io.export import atomic_path

    rows = sorted((float(t), str(d)) for d, times in onsets.items() for t in np.ravel(times))
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{t:.6f}\t{d}\n" for t, d in rows), encoding="utf-8")
