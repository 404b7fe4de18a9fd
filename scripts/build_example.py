"""Build drumnmf's built-in example: src/drumnmf/data/example.flac + example_onsets.txt.

The example is licence-clean and about 13 s long:

* drums: a human performance from the Groove MIDI Dataset (validation split,
  ``drummer8/session2/37``, rock, 112 bpm; CC BY 4.0, Gillick et al. 2019), its first six
  bars, rendered with the public-domain (CC0) sonic-pi drum samples of Debian's
  ``sonic-pi-samples`` (the samples the default kit is calibrated on);
* accompaniment: bass, a pad and a plucked arpeggio (Am - F - C - G, one chord a bar, at
  the performance's tempo) made here by additive synthesis with a fixed seed;
* mixed at a drum-to-accompaniment RMS ratio of 0 dB
  (:func:`drumnmf.evaluation.render.mix_at_ratio`).

The reference onsets are the sample-exact note times of the rendering, with the canonical
drum names of :mod:`drumnmf.io.annotations` (``hihat``, ``open_hihat``, ``pedal_hihat``, ...;
:func:`drumnmf.example.example_onsets` pools them into kick / snare / hihat).

    python scripts/build_example.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from build_default_kit import SONIC_PI_SOUNDS  # the same samples as the default kit

from drumnmf.evaluation.render import (
    kit_from_files,
    mix_at_ratio,
    read_midi,
    render_events,
    write_reference,
)
from drumnmf.io.audio import write_audio

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "drumnmf" / "data"
SONIC_PI = Path("/usr/share/sonic-pi/samples")
PERFORMANCE = "drummer8/session2/37_rock_112_beat_4-4.mid"
BPM = 112.0
BARS = 6
SR = 44100
SEED = 2024
RATIO_DB = 0.0
TAIL = 0.6  # s of ring-out after the last bar

# Am F C G: chord tones (MIDI notes) and bass roots
CHORDS = [(57, 60, 64), (53, 57, 60), (55, 60, 64), (55, 59, 62)]
ROOTS = [45, 41, 48, 43]


def midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def tone(
    freq: float,
    seconds: float,
    *,
    partials: int,
    rolloff: float,
    attack: float,
    decay: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Additive tone: ``partials`` harmonics falling as ``k ** -rolloff``, exponential decay."""
    t = np.arange(int(seconds * SR)) / SR
    out = np.zeros(t.size)
    for k in range(1, partials + 1):
        if k * freq > SR / 2.5:
            break
        detune = 1 + rng.normal(0, 0.0008)
        out += k**-rolloff * np.sin(2 * np.pi * k * freq * detune * t + rng.uniform(0, 2 * np.pi))
    envelope = np.minimum(t / attack, 1.0) * np.exp(-t / decay)
    release = np.minimum((t[-1] - t) / 0.02, 1.0)  # no click at the end
    return out * envelope * release


def accompaniment(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Bass on quarter notes, a pad per bar and an eighth-note arpeggio."""
    out = np.zeros(int(seconds * SR) + SR)
    beat = 60.0 / BPM

    def add(signal: np.ndarray, start: float, gain: float) -> None:
        i = round(start * SR)
        n = min(signal.size, out.size - i)
        if n > 0:
            out[i : i + n] += gain * signal[:n]

    n_bars = int(np.ceil(seconds / (4 * beat)))
    for bar in range(n_bars):
        chord, root = CHORDS[bar % 4], ROOTS[bar % 4]
        t0 = bar * 4 * beat
        for q in range(4):
            note = root + (12 if q == 2 else 0)
            add(tone(midi_hz(note), beat * 0.95, partials=8, rolloff=1.2, attack=0.005,
                     decay=0.25, rng=rng), t0 + q * beat, 0.5)  # fmt: skip
        for note in chord:
            add(tone(midi_hz(note), 4 * beat, partials=6, rolloff=1.5, attack=0.25,
                     decay=3.0, rng=rng), t0, 0.12)  # fmt: skip
        for e in range(8):
            note = chord[e % 3] + 12
            add(tone(midi_hz(note), beat, partials=5, rolloff=1.8, attack=0.003,
                     decay=0.12, rng=rng), t0 + e * beat / 2, 0.1)  # fmt: skip
    return out[: int(seconds * SR)].astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the built-in example.")
    parser.add_argument(
        "--shared", type=Path, default=REPO.parent / "shared" / "data", help="shared data folder"
    )
    parser.add_argument("--out-dir", type=Path, default=DATA, help="where to write")
    args = parser.parse_args(argv)
    files = {s: [SONIC_PI / f"{n}.flac" for n in names] for s, names in SONIC_PI_SOUNDS.items()}
    kit = kit_from_files(files, name="sonic-pi", license="CC0", sample_rate=SR)
    bars_seconds = BARS * 4 * 60.0 / BPM
    events = [
        e for e in read_midi(args.shared / "groove_midi" / PERFORMANCE) if e.time < bars_seconds
    ]
    drums = render_events(events, kit, max_seconds=bars_seconds + TAIL)
    music = accompaniment(drums.duration, np.random.default_rng(SEED))
    mixture = mix_at_ratio(drums.audio, music, ratio_db=RATIO_DB, peak=0.9)
    audio_path = args.out_dir / "example.flac"
    onsets_path = args.out_dir / "example_onsets.txt"
    write_audio(audio_path, mixture.audio, SR)
    write_reference(onsets_path, drums.onsets)
    for path in (audio_path, onsets_path):
        path.chmod(0o644)
    counts = ", ".join(f"{k} {v.size}" for k, v in drums.onsets.items())
    size = audio_path.stat().st_size / 1024
    print(
        f"wrote {audio_path} ({drums.duration:.1f} s, {size:.0f} KiB) and {onsets_path}: {counts}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
