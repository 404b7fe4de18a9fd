"""Small batches for the tests: 0.3 s recordings, a fast configuration, outputs as bytes."""

from __future__ import annotations

from pathlib import Path

from drumnmf.pipeline import TranscribeConfig

from synth import place, write_wav

# Small and fast: 0.3 s files, few iterations.
# batch mechanics on tiny synthetic files with the built-in kit: the dB picker finds their
# hits, which the learned picker (trained on sample kits) partly leaves out
FAST = TranscribeConfig(max_iter=3, inner_iter=3, harmonic_rank=2, picker="db")


def tiny(path: Path, i: int = 0) -> Path:
    """A 0.3 s recording of a kick and a snare, slightly different for each ``i``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shift = 0.004 * (i % 17)
    return write_wav(path, place({"kick": [0.02 + shift], "snare": [0.16 + shift]}, 0.3))


def library(root: Path, n: int) -> Path:
    """``n`` tiny recordings in three folders under ``root``."""
    for i in range(n):
        tiny(root / f"set{i % 3}" / f"take{i:04d}.wav", i)
    return root


def outputs(out: Path) -> dict[str, bytes]:
    """The CSV and MIDI files under ``out``, by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.suffix in (".csv", ".mid")
    }
