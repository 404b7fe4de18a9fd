"""Time and peak memory of transcribing long recordings (1, 10, 60 and 180 minutes).

A recording of each length is made by tiling the built-in example (13.4 s of drums) into
a 16-bit FLAC (or WAV) file in a temporary folder, written block by block. Each length is
then transcribed in a fresh Python process (``drumnmf.transcribe`` and
``save_transcription``: CSV, JSON and MIDI), which reports its wall time, its stage times
and its peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``).

``--whole`` also runs the whole-signal stages (every sample, then the whole linear STFT,
then the features: the pipeline before :mod:`drumnmf.blockwise`) up to ``--whole-max``
minutes, for comparison.

    nice -n 10 python benchmarks/long_audio.py
    nice -n 10 python benchmarks/long_audio.py --minutes 1 10 --whole --whole-max 10

The machine may be shared: read the memory column as measured and the time column as
an upper bound; the time per audio minute shows whether time stays linear.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import numpy as np

path, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
clock = time.perf_counter()
from drumnmf.pipeline import save_transcription, transcribe
if mode == "whole":
    import drumnmf.pipeline as pipeline
    from drumnmf.blockwise import BlockwiseFeatures
    from drumnmf.io.audio import load_audio
    from drumnmf.spectrogram import magnitude_spectrogram

    def whole(audio, templates, settings, **kw):
        samples = load_audio(audio, sample_rate=settings.sample_rate)
        V = magnitude_spectrogram(samples, settings)
        features, rows = pipeline.spectrogram_features(
            V, templates, pipeline.TranscribeConfig(), settings
        )
        return BlockwiseFeatures(features, rows, V, 1, V.shape[1], samples.size,
                                 {"load": 0.0, "spectrogram": 0.0, "features": 0.0})

    pipeline.blockwise_features = whole
result = transcribe(path)
save_transcription(result, out)
wall = time.perf_counter() - clock
from threadpoolctl import threadpool_info
blas = [f"{i.get('internal_api')} {i.get('architecture', '')}" for i in threadpool_info()
        if i.get("user_api") == "blas"]
print(json.dumps({
    "wall": wall,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "seconds": result.seconds,
    "onsets": int(sum(result.n_onsets.values())),
    "frames": int(result.activations.shape[1]),
    "blas": blas,
}))
"""


def make_recording(folder: Path, minutes: float, suffix: str) -> Path:
    """The built-in example tiled to ``minutes``, written block by block (16-bit)."""
    from drumnmf.example import example_path

    tile, rate = sf.read(str(example_path()), dtype="float32")
    if tile.ndim > 1:
        tile = tile.mean(axis=1)
    total = round(minutes * 60 * rate)
    path = folder / f"long_{minutes:g}min{suffix}"
    block = np.tile(tile, max(1, round(60 * rate / tile.size)))  # about a minute
    with sf.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as f:
        written = 0
        while written < total:
            piece = block[: total - written]
            f.write(piece)
            written += piece.size
    return path


def measure(path: Path, out: Path, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(out), mode],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60, 180])
    parser.add_argument("--format", choices=("flac", "wav"), default="flac")
    parser.add_argument("--whole", action="store_true", help="also run the whole-signal path")
    parser.add_argument("--whole-max", type=float, default=10.0, help="longest whole run, min")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = []
    print(_header(), flush=True)
    with tempfile.TemporaryDirectory(prefix="drumnmf-long-") as tmp:
        folder = Path(tmp)
        for minutes in args.minutes:
            path = make_recording(folder, minutes, "." + args.format)
            modes = ["blockwise"]
            if args.whole and minutes <= args.whole_max:
                modes.append("whole")
            for mode in modes:
                out = folder / f"out-{mode}-{minutes:g}"
                row = {"minutes": minutes, "mode": mode, **measure(path, out, mode)}
                rows.append(row)
                print(_line(row), flush=True)
            path.unlink()
    blas = next((r["blas"] for r in rows if "blas" in r), [])
    print(f"\nBLAS: {', '.join(blas) or 'unknown'}; python {sys.version.split()[0]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


def _header() -> str:
    return (
        "| audio | path | wall s | s per audio min | peak RSS MB | load s | STFT s | features s "
        "| factorize s | onsets s | onsets |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )


def _line(row: dict) -> str:
    if "error" in row:
        return f"| {row['minutes']:g} min | {row['mode']} | failed: {row['error']} |"
    s = row["seconds"]
    return (
        f"| {row['minutes']:g} min | {row['mode']} | {row['wall']:.1f} | "
        f"{row['wall'] / row['minutes']:.2f} | {row['rss_mb']:.0f} | {s.get('load', 0):.1f} | "
        f"{s.get('spectrogram', 0):.1f} | {s.get('features', 0):.1f} | "
        f"{s.get('factorize', 0):.1f} | {s.get('onsets', 0):.1f} | {row['onsets']} |"
    )


if __name__ == "__main__":
    sys.exit(main())
