"""Start-up cost of ``drumnmf transcribe``: import times and whole-command wall times.

Prints two tables:

- import time of the modules the transcribe path loads (``python -X importtime``,
  cumulative microseconds of the top-level import, best of ``--repeat`` fresh processes),
  and whether ``scipy.signal`` / ``scipy.ndimage`` / ``scipy.stats`` / ``scipy.fft`` were
  imported;
- wall time of the whole command ``drumnmf transcribe FILE --out-dir DIR`` (process start
  to exit: interpreter, imports, decoding, transcription, CSV/JSON/MIDI) on a 5 s and a
  180 s file cut from / tiled out of the built-in example, median and best of
  ``--repeat`` runs, beside ``python -c pass``.

    nice -n 10 python benchmarks/startup.py --repeat 5

On a shared machine read the best times; the median shows the spread.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HEAVY = ("scipy.signal", "scipy.ndimage", "scipy.stats", "scipy.fft")
MODULES = ("numpy", "drumnmf.pipeline", "drumnmf.cli.transcribe", "drumnmf.io.export")


def import_microseconds(module: str) -> int:
    """Cumulative import time of ``module`` in a fresh interpreter (-X importtime)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in reversed(done.stderr.splitlines()):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"no import time line for {module}")


def heavy_after_transcribe(path: Path, out: Path) -> list[str]:
    """The heavy SciPy modules in sys.modules after a whole ``transcribe`` command."""
    code = (
        "import sys\nfrom drumnmf.cli import main\n"
        f"main(['transcribe', {str(path)!r}, '--out-dir', {str(out)!r}])\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("HEAVY:")]
    if not lines:
        return ["(failed)"]
    return [m for m in lines[-1].removeprefix("HEAVY:").split(",") if m]


def wall(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        clock = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - clock)
    return times


def make_file(folder: Path, seconds: float) -> Path:
    from drumnmf.example import example_path

    tile, rate = sf.read(str(example_path()), dtype="float32")
    n = round(seconds * rate)
    x = np.tile(tile, -(-n // tile.size))[:n]
    path = folder / f"clip_{seconds:g}s.flac"
    sf.write(str(path), x, rate, subtype="PCM_16")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lengths", type=float, nargs="+", default=[5.0, 180.0])
    args = parser.parse_args(argv)
    print("| module | import ms (best) | import ms (median) |\n|---|---|---|")
    for module in MODULES:
        runs = [import_microseconds(module) / 1000 for _ in range(args.repeat)]
        print(f"| `{module}` | {min(runs):.0f} | {statistics.median(runs):.0f} |", flush=True)
    drumnmf = str(Path(sys.executable).with_name("drumnmf"))
    base = wall([sys.executable, "-c", "pass"], args.repeat)
    print("\n| command | wall s (best) | wall s (median) | heavy SciPy modules imported |")
    print("|---|---|---|---|")
    print(f"| `python -c pass` | {min(base):.2f} | {statistics.median(base):.2f} | |")
    with tempfile.TemporaryDirectory(prefix="drumnmf-startup-") as tmp:
        folder = Path(tmp)
        for seconds in args.lengths:
            path = make_file(folder, seconds)
            out = folder / "out"
            runs = wall([drumnmf, "transcribe", str(path), "--out-dir", str(out)], args.repeat)
            heavy = heavy_after_transcribe(path, out)
            print(
                f"| `drumnmf transcribe` {seconds:g} s file | {min(runs):.2f} | "
                f"{statistics.median(runs):.2f} | {', '.join(heavy) or 'none'} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
