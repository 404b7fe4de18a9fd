"""Live transcription: latency, CPU and accuracy against the offline default.

For each item of the development corpus's validation split, drums only (every ``--step``-th,
each with its calibrated kit), the recording is streamed through
:class:`drumnmf.live.StreamingTranscriber` in device-sized blocks (one hop), and

- **latency** of each hit matched one-to-one to a reference onset (same class, 50 ms,
  closest pairs first): from the true onset to the moment its note would be sent, i.e.
  the end of the block that decided it plus the wall-clock time that block took to
  process (audio-interface latency not included); median, 95th percentile and standard
  deviation (jitter) per mode;
- **CPU** per second of audio (process time of the transcriber / audio seconds, in % of
  one core);
- **accuracy**: micro F over kick / snare / hi-hat at 50 ms, scored as ``drumnmf evaluate``
  scores (:func:`drumnmf.evaluation.pairing.evaluate_paths`, 3 classes), for the live
  modes and for the offline default on the same files.

Trigger mode uses templates measured with its short STFT from the kit's calibration hits
(``corpus/kits/<Kit>/hits``, as ``drumnmf calibrate --trigger`` does), or the kit's
templates resampled when the hits are missing.

``--grid`` adds the trade-off table of window, hop and look-ahead.

    nice -n 10 python benchmarks/live.py --manifest corpus/manifest.json --step 4
    nice -n 10 python benchmarks/live.py --manifest corpus/manifest.json --step 16 --grid
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from drumnmf.errors import DrumnmfError
from drumnmf.evaluation.pairing import evaluate_paths
from drumnmf.io.annotations import load_annotations, reduce_classes
from drumnmf.io.audio import load_audio
from drumnmf.io.export import write_csv
from drumnmf.kit import Kit, load_kit
from drumnmf.live import StreamConfig, StreamingTranscriber, with_templates_for
from drumnmf.pipeline import save_transcription, transcribe
from drumnmf.spectrogram import SpectrogramSettings

WINDOW = 0.05


@dataclass
class ModeRun:
    name: str
    config: StreamConfig
    latencies: list[float]
    cpu: float = 0.0
    audio: float = 0.0
    folder: Path | None = None


def items_of(manifest: Path, step: int, kit: str | None) -> list[dict]:
    data = json.loads(manifest.read_text())
    items = [
        i
        for i in data["items"]
        if i["split"] == "validation"
        and i["accompaniment"] is None
        and i["subset"].endswith("/drums")
        and (kit is None or i["kit_name"] == kit)
    ]
    items.sort(key=lambda i: i["id"])
    return items[::step]


def kit_with_short_templates(kit_path: Path, settings: list[SpectrogramSettings]) -> Kit:
    kit = load_kit(kit_path)
    hits = kit_path.parent / "hits"
    for s in settings:
        if s == kit.settings:
            continue
        files = [f"{name}={hits / (name + '.wav')}" for name in kit.names]
        if not all((hits / f"{name}.wav").is_file() for name in kit.names):
            continue
        try:
            kit = with_templates_for(kit, files, settings=s)
        except DrumnmfError as exc:
            print(f"  {kit_path.parent.name}: resampled templates for {s.n_fft} ({exc})")
    return kit


def stream(kit: Kit, samples: np.ndarray, config: StreamConfig) -> tuple[list, float, list]:
    """Hits, CPU seconds, and (block end seconds, wall seconds) per block."""
    transcriber = StreamingTranscriber(kit, config)
    block = transcriber.settings.hop_length
    rate = transcriber.settings.sample_rate
    hits = []
    cpu = 0.0
    emitted = []  # (hit, emission time in stream seconds)
    for start in range(0, samples.size, block):
        wall, clock = time.perf_counter(), time.process_time()
        new = transcriber.feed(samples[start : start + block])
        cpu += time.process_time() - clock
        took = time.perf_counter() - wall
        end = min(start + block, samples.size) / rate
        for hit in new:
            emitted.append((hit, end + took))
        hits += new
    tail = transcriber.flush()
    hits += tail
    emitted += [(h, samples.size / rate) for h in tail]
    return hits, cpu, emitted


def class_of(drum: str) -> str | None:
    reduced = reduce_classes({drum: np.array([0.0])}, 3)
    keys = [k for k, v in reduced.items() if np.size(v)]
    return keys[0] if keys else None


def latencies(emitted: list, reference: dict[str, np.ndarray]) -> list[float]:
    """Emission time minus the true onset, for the hits matched one-to-one to reference
    onsets of their class within WINDOW (closest pairs first, as mir_eval matches)."""
    out = []
    by_class: dict[str, list[tuple[float, float]]] = {}
    for hit, when in emitted:
        cls = class_of(hit.drum)
        if cls is not None:
            by_class.setdefault(cls, []).append((hit.time, when))
    for cls, hits in by_class.items():
        times = np.asarray(reference.get(cls, ()), dtype=np.float64)
        if not times.size:
            continue
        pairs = sorted(
            (abs(t - r), i, j)
            for i, (t, _) in enumerate(hits)
            for j in np.flatnonzero(np.abs(times - t) <= WINDOW)
            for r in (float(times[j]),)
        )
        used_hits, used_refs = set(), set()
        for _, i, j in pairs:
            if i in used_hits or j in used_refs:
                continue
            used_hits.add(i)
            used_refs.add(j)
            out.append(hits[i][1] - float(times[j]))
    return out


def summary(values: list[float]) -> dict[str, float]:
    v = np.asarray(values) * 1000
    if not v.size:
        return {"n": 0, "median_ms": math.nan, "p95_ms": math.nan, "std_ms": math.nan}
    return {
        "n": int(v.size),
        "median_ms": float(np.median(v)),
        "p95_ms": float(np.percentile(v, 95)),
        "std_ms": float(np.std(v)),
    }


def micro_f(reference_dir: Path, estimate_dir: Path) -> float:
    return float(evaluate_paths(reference_dir, estimate_dir, classes=3).micro_total.f_measure)


def run(
    items: list[dict], root: Path, modes: list[ModeRun], work: Path, *, offline: bool
) -> dict[str, dict]:
    references = work / "reference"
    references.mkdir()
    settings = [m.config.settings for m in modes if m.config.settings is not None]
    kits: dict[str, Kit] = {}
    for m in modes:
        m.folder = work / m.name.replace(" ", "_").replace("/", "-")
        m.folder.mkdir()
    offline_dir = work / "offline"
    offline_dir.mkdir()
    offline_seconds = 0.0
    for n, item in enumerate(items):
        kit_path = root / item["kit"]
        if item["kit"] not in kits:
            kits[item["kit"]] = kit_with_short_templates(kit_path, settings)
        kit = kits[item["kit"]]
        stem = f"{item['kit_name']}__{Path(item['audio']).stem}"
        (references / f"{stem}.txt").symlink_to((root / item["reference"]).resolve())
        reference = reduce_classes(load_annotations(root / item["reference"]).onsets, 3)
        samples = load_audio(root / item["audio"], sample_rate=kit.settings.sample_rate)
        if offline:
            clock = time.process_time()
            result = transcribe(samples, sample_rate=kit.settings.sample_rate, kit=kit)
            offline_seconds += time.process_time() - clock
            save_transcription(result, offline_dir, stem=stem, formats=("csv",))
        for m in modes:
            hits, cpu, emitted = stream(kit, samples, m.config)
            m.cpu += cpu
            m.audio += samples.size / kit.settings.sample_rate
            m.latencies += latencies(emitted, reference)
            onsets = {d: np.array([h.time for h in hits if h.drum == d]) for d in kit.names}
            strengths = {d: np.array([h.strength for h in hits if h.drum == d]) for d in kit.names}
            assert m.folder is not None
            confidences = {
                d: np.array([h.confidence for h in hits if h.drum == d]) for d in kit.names
            }
            write_csv(m.folder / f"{stem}.csv", onsets, strengths, confidences)
        print(f"  {n + 1}/{len(items)} {item['id']}", file=sys.stderr, flush=True)
    out: dict[str, dict] = {}
    if offline:
        out["offline default"] = {"micro_f": micro_f(references, offline_dir)}
        out["offline default"]["cpu_percent"] = (
            100 * offline_seconds / max(sum(m.audio for m in modes[:1]), 1e-9)
        )
    for m in modes:
        assert m.folder is not None
        out[m.name] = {
            "micro_f": micro_f(references, m.folder),
            "cpu_percent": 100 * m.cpu / max(m.audio, 1e-9),
            **summary(m.latencies),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("corpus/manifest.json"))
    parser.add_argument("--step", type=int, default=4, help="every N-th validation item")
    parser.add_argument("--kit", help="only this kit's items")
    parser.add_argument("--grid", action="store_true", help="window / hop / look-ahead table")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--mode", action="append", choices=("transcribe", "trigger"), help="only these modes"
    )
    parser.add_argument(
        "--look-ahead", type=float, help="look-ahead of the modes, seconds (their default)"
    )
    parser.add_argument("--n-fft", type=int, help="trigger mode's window, samples (512)")
    parser.add_argument("--hop", type=int, help="trigger mode's hop, samples (96)")
    args = parser.parse_args(argv)
    items = items_of(args.manifest, args.step, args.kit)
    if not items:
        raise SystemExit("no validation drums-only items in the manifest")
    root = args.manifest.parent
    if args.grid:
        grid = []
        for n_fft, hop in ((2048, 512), (1024, 256), (512, 128), (256, 64)):
            s = SpectrogramSettings(n_fft=n_fft, hop_length=hop)
            for look in (0.0, hop / 44100, 4 * hop / 44100):
                config = StreamConfig.for_mode(
                    "trigger" if n_fft < 2048 else "transcribe",
                    settings=s if n_fft != 2048 else None,
                    look_ahead=look,
                )
                grid.append(ModeRun(f"{n_fft}/{hop} look {1000 * look:.1f} ms", config, []))
        modes = grid
    else:
        changes = {} if args.look_ahead is None else {"look_ahead": args.look_ahead}
        trigger = dict(changes)
        if args.n_fft or args.hop:
            base = StreamConfig.for_mode("trigger").settings
            assert base is not None
            trigger["settings"] = SpectrogramSettings(
                n_fft=args.n_fft or base.n_fft, hop_length=args.hop or base.hop_length
            )
        modes = [
            ModeRun(
                name, StreamConfig.for_mode(name, **(trigger if name == "trigger" else changes)), []
            )
            for name in (args.mode or ("transcribe", "trigger"))
        ]
    print(
        f"{len(items)} items, {sum(i['duration'] for i in items):.0f} s of audio",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = run(items, root, modes, Path(tmp), offline=True)
    offline_f = results["offline default"]["micro_f"]
    print("| mode | micro F | F - offline | median ms | p95 ms | std ms | CPU % of a core |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        if name == "offline default":
            print(f"| {name} | {r['micro_f']:.3f} | | | | | {r['cpu_percent']:.1f} |")
            continue
        print(
            f"| {name} | {r['micro_f']:.3f} | {r['micro_f'] - offline_f:+.3f} | "
            f"{r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['std_ms']:.1f} | "
            f"{r['cpu_percent']:.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"items": len(items), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
