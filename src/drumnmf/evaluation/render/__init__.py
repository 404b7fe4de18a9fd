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

Modules
-------
:mod:`~drumnmf.evaluation.render.kits` (sample kits and their readers),
:mod:`~drumnmf.evaluation.render.synth` (notes to audio, MIDI reading),
:mod:`~drumnmf.evaluation.render.calibration` (calibration hits and the kit they make) and
:mod:`~drumnmf.evaluation.render.mixing` (accompaniment, reference files); this package
re-exports their public names.
"""

from __future__ import annotations

from drumnmf.evaluation.render.calibration import (
    CALIBRATION_SOUNDS,
    CALIBRATION_VELOCITY,
    TEMPLATE_DRUMS,
    calibrated_kit,
    calibration_hits,
)
from drumnmf.evaluation.render.kits import (
    ONSET_DB,
    SF2_NOTES,
    SOUND_FALLBACKS,
    SOUNDS,
    Instrument,
    Layer,
    SampleKit,
    guess_sound,
    kit_from_files,
    load_hydrogen_kit,
    load_sample_kit,
    load_sf2_kit,
)
from drumnmf.evaluation.render.mixing import Mixture, mix_at_ratio, write_reference
from drumnmf.evaluation.render.synth import (
    CHOKE_SECONDS,
    DEFAULT_PEAK,
    NOTE_SOUNDS,
    NoteEvent,
    Rendering,
    read_midi,
    render_events,
    render_midi,
)

__all__ = [
    "CALIBRATION_SOUNDS",
    "CALIBRATION_VELOCITY",
    "CHOKE_SECONDS",
    "DEFAULT_PEAK",
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
