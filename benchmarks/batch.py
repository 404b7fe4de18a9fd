"""Batch throughput with one and two worker processes, and a 1,000-file interrupted run.

Run from the repository root::

    .venv/bin/python benchmarks/batch.py               # 20 files of 30 s, jobs 1 and 2
    .venv/bin/python benchmarks/batch.py --resume 1000 # also: 1,000 files, SIGINT, resume
    .venv/bin/python benchmarks/batch.py --quick       # a small smoke run

Throughput. The recordings are the built-in example (13 s of drums with accompaniment)
looped to ``--seconds`` and rotated by a different amount in each file, so every file has
its own content and digest. Each round transcribes all of them with
:func:`drumnmf.transcribe_many` (default settings, ``force=True``) with ``--jobs 1`` and
then ``--jobs 2``; the table keeps the best round of each (the machine may be shared, so
the ratio of one run is what counts, not absolute times).

Columns
-------
wall s
    Wall time of the whole batch, worker start-up included.
files/s, audio h/h
    Files and hours of audio transcribed per second and per hour of wall time.
CPU s/file
    CPU time of the batch (this process and its workers, ``getrusage``) per file.
CPU s/file (task)
    CPU time of the thread transcribing each file, from the run summary, averaged: the
    work itself, without start-up, hashing of the run or waiting for a busy core.
wall s/file (task)
    Wall time of each file in its worker, averaged; above the task's CPU time when the
    cores are busy with other work.

The last lines give the ratio of the two throughputs, whether the CSV and MIDI files of
the two runs are byte-identical, and which BLAS ran (threadpoolctl).

Resume. ``--resume N`` writes N files of 0.3 s, runs ``drumnmf transcribe DIR -o OUT
--jobs 2`` in a subprocess, sends it SIGINT once a third of the outputs exist, checks
exit status 130, then runs the same command again and checks that every file ended
``done`` exactly once (done in the first run and skipped in the second, or done in the
second) with no temporary file left.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def make_recordings(folder: Path, n: int, seconds: float) -> float:
    """``n`` looped and rotated copies of the example; their total length in seconds."""
    from drumnmf.example import example_path
    from drumnmf.io.audio import load_audio

    x = load_audio(example_path())
    length = round(seconds * 44100)
    looped = np.tile(x, length // x.size + 1)[:length]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sf.write(folder / f"song{i:03d}.wav", np.roll(looped, i * 16301), 44100)
    return n * length / 44100


def cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def throughput(folder: Path, out: Path, jobs: int) -> dict[str, float]:
    from drumnmf.batch import transcribe_many

    began, cpu = time.perf_counter(), cpu_now()
    summary = transcribe_many([folder], out_dir=out, jobs=jobs, force=True, progress=False)
    wall, cpu = time.perf_counter() - began, cpu_now() - cpu
    if summary.failed or summary.totals["done"] != len(summary.files):
        raise SystemExit(f"the run did not finish: {summary.totals}")
    n = len(summary.files)
    audio = sum(r.audio_seconds or 0.0 for r in summary.files)
    return {
        "wall": wall,
        "files_s": n / wall,
        "audio_hh": audio / wall,
        "cpu_file": cpu / n,
        "task_cpu": sum(r.cpu_seconds for r in summary.files) / n,
        "task_wall": sum(r.seconds for r in summary.files) / n,
    }


def same_outputs(a: Path, b: Path) -> bool:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.suffix in (".csv", ".mid")
        }

    return files(a) == files(b) and bool(files(a))


def resume_check(root: Path, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from synth import place

    src = root / "tiny"
    for i in range(n):
        folder = src / f"set{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        shift = 0.004 * (i % 17)
        samples = place({"kick": [0.02 + shift], "snare": [0.16 + shift]}, 0.3)
        sf.write(folder / f"take{i:05d}.wav", samples, 44100)
    out = root / "tiny_out"
    command = [sys.executable, "-m", "drumnmf", "transcribe", str(src), "-o", str(out)]
    command += ["--jobs", "2", "--quiet"]
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while len(list(out.rglob("take*.json"))) < n // 3 and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=600)
    first_wall = time.perf_counter() - began
    first = json.loads((out / "drumnmf-run.json").read_text())
    done_first = {f["outputs"] for f in first["files"] if f["status"] == "done"}
    began = time.perf_counter()
    again = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    second_wall = time.perf_counter() - began
    second = json.loads((out / "drumnmf-run.json").read_text())
    done_second = {f["outputs"] for f in second["files"] if f["status"] == "done"}
    skipped = {f["outputs"] for f in second["files"] if f["status"] == "skipped"}
    leftovers = list(out.rglob("*.tmp"))
    once = (
        skipped == done_first
        and done_first.isdisjoint(done_second)
        and len(done_first | done_second) == n
    )
    print(f"\nresume: {n} files of 0.3 s, --jobs 2")
    print(
        f"  first run:  exit {process.returncode} after SIGINT, {len(done_first)} done, "
        f"{first['totals']['pending']} not started, {first_wall:.1f} s"
    )
    print(
        f"  second run: exit {again.returncode}, {len(done_second)} done, {len(skipped)} "
        f"skipped, {second['totals']['pending']} not started, {second_wall:.1f} s"
    )
    print(f"  every file done exactly once: {once}; temporary files left: {len(leftovers)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--resume", type=int, default=0, metavar="N")
    parser.add_argument("--quick", action="store_true", help="4 files of 10 s, one round")
    args = parser.parse_args()
    if args.quick:
        args.files, args.seconds, args.rounds = 4, 10.0, 1
    from threadpoolctl import threadpool_info

    with tempfile.TemporaryDirectory(prefix="drumnmf-batch-") as tmp:
        root = Path(tmp)
        audio = make_recordings(root / "in", args.files, args.seconds)
        best: dict[int, dict[str, float]] = {}
        for _ in range(args.rounds):
            for jobs in (1, 2):
                result = throughput(root / "in", root / f"out{jobs}", jobs)
                if jobs not in best or result["wall"] < best[jobs]["wall"]:
                    best[jobs] = result
        print(
            f"{args.files} files of {args.seconds:g} s ({audio / 3600:.3f} h), "
            f"best of {args.rounds} round(s), {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        header = "jobs  wall s  files/s  audio h/h  CPU s/file  task CPU s  task wall s"
        print(header)
        print("-" * len(header))
        for jobs, r in best.items():
            print(
                f"{jobs:>4}  {r['wall']:6.2f}  {r['files_s']:7.2f}  {r['audio_hh']:9.0f}  "
                f"{r['cpu_file']:10.3f}  {r['task_cpu']:10.3f}  {r['task_wall']:11.3f}"
            )
        print(f"throughput ratio, jobs 2 / jobs 1: {best[2]['files_s'] / best[1]['files_s']:.2f}x")
        print(f"CSV and MIDI byte-identical: {same_outputs(root / 'out1', root / 'out2')}")
        blas = [f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info()]
        print(f"BLAS: {', '.join(blas) or 'none found'}")
        if args.resume:
            resume_check(root, args.resume)


if __name__ == "__main__":
    main()
