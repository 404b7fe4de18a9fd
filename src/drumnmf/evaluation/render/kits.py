"""Sample kits: instruments with velocity layers, read from Hydrogen, SoundFont or files.

Each instrument plays one *sound* of :data:`SOUNDS` (canonical drum names of
:mod:`drumnmf.io.annotations`); every sample is trimmed to its own onset (``ONSET_DB``
below its peak), so a note placed at ``t`` starts sounding at ``t``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.io.annotations import CANONICAL_DRUMS
from drumnmf.io.audio import prepare_samples
from drumnmf.kit import DRUM_NOTES

__all__ = [
    "ONSET_DB",
    "SF2_NOTES",
    "SOUNDS",
    "SOUND_FALLBACKS",
    "Instrument",
    "Layer",
    "SampleKit",
    "guess_sound",
    "kit_from_files",
    "load_hydrogen_kit",
    "load_sample_kit",
    "load_sf2_kit",
]

ONSET_DB = 30.0  # a sample starts where it first reaches this far below its peak

# Sounds drumnmf can render: the canonical drums one instrument plays, which leaves out the
# pooled classes (tom, cymbal), "other", and low_tom (kits have high, mid and floor toms).
SOUNDS: tuple[str, ...] = tuple(
    drum for drum in CANONICAL_DRUMS if drum not in {"tom", "cymbal", "low_tom", "other"}
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


# Words that name a cymbal or percussion sound, tried in order (after drums and the bell).
_NAME_SOUNDS = (
    ("ride", "ride"),
    ("splash", "splash"),
    ("china", "china"),
    ("crash", "crash"),
    ("cymbal", "crash"),
    ("clap", "clap"),
    ("cowbell", "cowbell"),
    ("tambourine", "tambourine"),
)


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
    for word, sound in _NAME_SOUNDS:
        if word in n:
            return sound
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
