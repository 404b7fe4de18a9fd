"""Tempo, beats, downbeats and notation accuracy on Groove MIDI performances.

The Groove MIDI Dataset was played to a click and its MIDI is aligned to it, so the
reference beats are the click grid: beat ``k`` at ``k * 60 / bpm`` seconds from 0, a
downbeat every ``numerator`` beats (``info.csv`` gives ``bpm`` and the metre).

Scores per file, from the reference onsets (the MIDI's notes), or from a folder of drumnmf
transcriptions of the same performances (``--estimates DIR``: ``<stem>.csv`` or
``<stem>.json`` files, matched to the MIDI by stem; end to end from audio):

* tempo within 4 % of ``bpm``;
* beat F and downbeat F (``mir_eval.beat.f_measure``, 70 ms window), on the beats from
  0 to the last hit plus half a beat (mir_eval's usual 5 s trim is not applied: many files
  are 2-second fills);
* notation accuracy: the share of the reference notes that land on the same bar, position
  and drum as when the reference is quantized with the true tempo, metre and downbeats
  (bars matched by their start time; from reference onsets only);
* optionally librosa's beat tracker (``--librosa PYTHON``: a Python with librosa, run as
  a subprocess on the same onsets' envelope), as the anchor.

Usage::

    python benchmarks/notation.py --split validation [--limit N] [--out table.md]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import mir_eval
import numpy as np

from drumnmf.io.annotations import load_annotations
from drumnmf.notation import make_score
from drumnmf.notation.beats import METERS, BeatGrid
from drumnmf.notation.quantize import Score, quantize

ROOT = Path(__file__).resolve().parents[1]
GROOVE = ROOT.parent / "shared" / "data" / "groove_midi"
WINDOW = 0.07
STYLES = ("rock", "funk", "jazz", "latin", "shuffle")


def style_group(style: str) -> str:
    """The issue's style groups: shuffle wins, then the top-level style."""
    if "shuffle" in style:
        return "shuffle"
    top = style.split("/")[0]
    if top in ("latin", "afrocuban"):
        return "latin"
    return top if top in STYLES else "other"


def reference_grid(bpm: float, meter: str, last: float) -> BeatGrid:
    beats = np.arange(0.0, last + 60.0 / bpm * 1.01, 60.0 / bpm)
    return BeatGrid(beats=beats, downbeat_index=0, meter=METERS[meter], tempo=bpm)


def _positions(score: Score) -> dict[tuple[str, float], tuple[float, Fraction]]:
    """(drum, time) -> (bar start time, position)."""
    return {(n.drum, round(n.time, 6)): (score.bars[n.bar].start, n.position) for n in score.notes}


def notation_accuracy(reference: Score, estimate: Score) -> float:
    ref = _positions(reference)
    est = _positions(estimate)
    starts = np.array([b.start for b in reference.bars])
    hits = 0
    for key, (start, pos) in ref.items():
        if key not in est:
            continue
        est_start, est_pos = est[key]
        same_bar = abs(starts[np.argmin(np.abs(starts - est_start))] - start) < 1e-6
        hits += bool(same_bar and est_pos == pos)
    return hits / max(1, len(ref))


def beat_scores(
    est_beats: np.ndarray, est_downbeats: np.ndarray, bpm: float, numerator: int, last: float
) -> tuple[float, float]:
    end = last + 30.0 / bpm
    ref = np.arange(0.0, end, 60.0 / bpm)
    ref_down = ref[::numerator]

    def clip(x: np.ndarray) -> np.ndarray:
        return x[(x >= -WINDOW) & (x <= end)]

    return (
        float(mir_eval.beat.f_measure(ref, clip(est_beats), WINDOW)),
        float(mir_eval.beat.f_measure(ref_down, clip(est_downbeats), WINDOW)),
    )


_LIBROSA = r"""
import json, sys
import numpy as np, librosa
data = json.load(sys.stdin)
out = []
for item in data:
    sr, hop = 22050, 256
    n = int((item["last"] + 2) * sr / hop) + 1
    env = np.zeros(n)
    for t in item["times"]:
        env[min(n - 1, int(round(t * sr / hop)))] += 1.0
    env = np.convolve(env, np.hanning(7), mode="same")
    tempo, beats = librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop, units="time")
    out.append({"tempo": float(np.atleast_1d(tempo)[0]), "beats": [float(b) for b in beats]})
print(json.dumps(out))
"""


def run_librosa(python: str, items: list[dict]) -> list[dict]:
    proc = subprocess.run(
        [python, "-c", _LIBROSA],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="validation", choices=("train", "validation"))
    parser.add_argument("--limit", type=int, help="every n-th file only (a quick subset)")
    parser.add_argument("--estimates", type=Path, help="folder of drumnmf transcriptions")
    parser.add_argument(
        "--max-seconds", type=float, help="score only this much of each performance (the audio)"
    )
    parser.add_argument("--librosa", metavar="PYTHON", help="a Python with librosa installed")
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    parser.add_argument("--json", type=Path, help="per-file results as JSON")
    args = parser.parse_args()
    if not (GROOVE / "info.csv").is_file():
        print(f"no Groove MIDI data at {GROOVE}", file=sys.stderr)
        return 1
    with open(GROOVE / "info.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == args.split]
    if args.limit:
        rows = rows[:: args.limit]
    results = []
    lib_items = []
    started = time.perf_counter()
    for row in rows:
        stem = Path(row["midi_filename"]).stem
        reference = load_annotations(GROOVE / row["midi_filename"])
        if args.estimates:
            name = row["midi_filename"].replace("/", "_").removesuffix(".mid")
            found = [
                p
                for p in (args.estimates / f"{name}.csv", args.estimates / f"{name}.json")
                if p.is_file()
            ]
            if not found:
                continue
            source = load_annotations(found[0])
        else:
            source = reference
        bpm = float(row["bpm"])
        meter = row["time_signature"].replace("-", "/")
        numerator = int(meter.split("/")[0])
        times = np.concatenate([t for t in reference.onsets.values() if t.size])
        if args.max_seconds:  # the audio is the performance's first seconds
            times = times[times < args.max_seconds]
        last = float(times.max())
        t0 = time.perf_counter()
        score = make_score(source.onsets, source.strengths)
        seconds = time.perf_counter() - t0
        grid = score.grid
        beat_f, down_f = beat_scores(grid.beats, grid.downbeats, bpm, numerator, last)
        result = {
            "file": stem,
            "style": style_group(row["style"]),
            "kind": row["beat_type"],
            "bpm": bpm,
            "tempo": grid.tempo,
            "tempo_ok": abs(grid.tempo / bpm - 1) <= 0.04,
            "meter": meter,
            "est_meter": grid.time_signature,
            "beat_f": beat_f,
            "downbeat_f": down_f,
            "seconds": seconds,
            "last": last,
        }
        if not args.estimates:
            ref_score = quantize(
                reference.onsets, reference_grid(bpm, meter, last), reference.strengths
            )
            result["notation"] = notation_accuracy(ref_score, score)
        results.append(result)
        if args.librosa:
            src_times = np.concatenate([t for t in source.onsets.values() if t.size])
            lib_items.append({"times": src_times.tolist(), "last": last})
    if args.librosa and lib_items:
        for result, lib in zip(results, run_librosa(args.librosa, lib_items), strict=True):
            bpm = result["bpm"]
            numerator = int(result["meter"].split("/")[0])
            f, _ = beat_scores(
                np.asarray(lib["beats"]), np.array([]), bpm, numerator, result["last"]
            )
            result["librosa_tempo_ok"] = abs(lib["tempo"] / bpm - 1) <= 0.04
            result["librosa_beat_f"] = f
    table = render(results, args, time.perf_counter() - started)
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


def render(results: list[dict], args: argparse.Namespace, seconds: float) -> str:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        groups["all"].append(r)
        groups[f"kind: {r['kind']}"].append(r)
        groups[f"style: {r['style']}"].append(r)
    has_notation = any("notation" in r for r in results)
    has_lib = any("librosa_beat_f" in r for r in results)
    head = "| files | n | tempo within 4% | beat F | downbeat F |"
    rule = "|---|---|---|---|---|"
    if has_notation:
        head += " notation accuracy |"
        rule += "---|"
    if has_lib:
        head += " librosa tempo within 4% | librosa beat F |"
        rule += "---|---|"
    lines = [head, rule]
    order = ["all", "kind: beat", "kind: fill"] + [f"style: {s}" for s in (*STYLES, "other")]
    for name in order:
        rs = groups.get(name)
        if not rs:
            continue
        line = (
            f"| {name} | {len(rs)} | {sum(r['tempo_ok'] for r in rs)}/{len(rs)} "
            f"({np.mean([r['tempo_ok'] for r in rs]):.0%}) | "
            f"{np.mean([r['beat_f'] for r in rs]):.3f} | "
            f"{np.mean([r['downbeat_f'] for r in rs]):.3f} |"
        )
        if has_notation:
            line += f" {np.mean([r['notation'] for r in rs]):.3f} |"
        if has_lib:
            line += (
                f" {np.mean([r['librosa_tempo_ok'] for r in rs]):.0%} | "
                f"{np.mean([r['librosa_beat_f'] for r in rs]):.3f} |"
            )
        lines.append(line)
    source = f"estimates in {args.estimates}" if args.estimates else "reference onsets"
    lines.append("")
    lines.append(
        f"Groove MIDI {args.split} split, {len(results)} files, from {source}; "
        f"{seconds:.0f} s in all ({np.mean([r['seconds'] for r in results]):.2f} s per file "
        "for tracking and quantizing)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
