"""Synthetic drum-like sounds for the tests: known onsets, no external data."""

from __future__ import annotations

import numpy as np
import soundfile as sf

SR = 44100


def kick(sr: int = SR, *, gain: float = 0.9) -> np.ndarray:
    t = np.arange(int(0.35 * sr)) / sr
    # a stationary spectrum (fundamental, overtone, beater click), as the model assumes
    body = np.sin(2 * np.pi * 60 * t) + 0.4 * np.sin(2 * np.pi * 130 * t)
    click = np.exp(-t / 0.002) * np.sin(2 * np.pi * 2500 * t)
    return (gain * (body * np.exp(-t / 0.12) + 0.3 * click)).astype(np.float32)


def snare(sr: int = SR, *, gain: float = 0.7, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.25 * sr)) / sr
    noise = rng.standard_normal(t.size)
    # mid-band noise (a 2nd-order low-pass around 3 kHz) for the snare wires
    from scipy.signal import butter, sosfilt

    wires = sosfilt(butter(2, [1000, 4000], btype="band", fs=sr, output="sos"), noise)
    body = np.sin(2 * np.pi * 190 * t) * np.exp(-t / 0.05)
    return (gain * (1.5 * wires * np.exp(-t / 0.07) + 0.6 * body)).astype(np.float32)


def hihat(sr: int = SR, *, gain: float = 0.4, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.08 * sr)) / sr
    noise = rng.standard_normal(t.size)
    from scipy.signal import butter, sosfilt

    bright = sosfilt(butter(4, 7000, btype="high", fs=sr, output="sos"), noise)
    return (gain * bright * np.exp(-t / 0.02)).astype(np.float32)


SOUNDS = {"kick": kick, "snare": snare, "hihat": hihat}


def place(events: dict[str, np.ndarray], duration: float, sr: int = SR) -> np.ndarray:
    """Mix sounds at the given onset times (seconds) into one signal."""
    out = np.zeros(int(duration * sr) + sr, dtype=np.float32)
    for drum, times in events.items():
        sound = SOUNDS[drum](sr)
        for t in times:
            i = round(t * sr)
            n = min(sound.size, out.size - i)
            out[i : i + n] += sound[:n]
    return out[: int(duration * sr)]


def groove(duration: float = 8.0, tempo: float = 120.0) -> dict[str, np.ndarray]:
    """A rock beat: kick on 1 and 3, snare on 2 and 4, hi-hat on eighths (seconds)."""
    beat = 60.0 / tempo
    start = 0.25
    n_beats = int((duration - start - 0.5) / beat)
    beats = start + beat * np.arange(n_beats)
    return {
        "kick": beats[0::2],
        "snare": beats[1::2],
        "hihat": np.sort(np.concatenate([beats, beats + beat / 2])),
    }


def write_wav(path, samples: np.ndarray, sr: int = SR) -> str:
    sf.write(str(path), samples, sr)
    return str(path)


def write_hits(folder, sr: int = SR, *, repeats: int = 2) -> list[str]:
    """Write kick.wav, snare.wav, hihat.wav, each with ``repeats`` isolated hits."""
    paths = []
    for name, make in SOUNDS.items():
        sound = make(sr)
        gap = np.zeros(int(0.6 * sr), dtype=np.float32)
        signal = np.concatenate([gap[: sr // 10]] + [np.concatenate([sound, gap])] * repeats)
        paths.append(write_wav(folder / f"{name}.wav", signal, sr))
    return paths
