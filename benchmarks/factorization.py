"""Benchmark drumnmf.factorize against its floor and against scikit-learn's NMF.

Run from the repository root::

    .venv/bin/python benchmarks/factorization.py            # the documented table
    .venv/bin/python benchmarks/factorization.py --quick    # a small smoke run

Everything in one table is measured in one run, in interleaved rounds (floor, MUR, NeNMF,
scikit-learn, repeated; best of each), so ratios are meaningful even when the machine is
shared or the BLAS kernel is pinned; absolute times are not portable.

The input is a float32 spectrogram-sized matrix ``V`` (1025 x 13950 by default, 162 s of
audio at the paper's settings): a nonnegative rank-20 product plus uniform noise. Drum
templates are ``r_d`` random nonnegative columns; ``r_h = 50``.

Columns
-------
floor/it
    The two products with ``V`` that any sweep must do at rank ``r = r_d + r_h``,
    ``(r x F)(F x T)`` and ``(F x T)(T x r)`` in float32: the best time of 10 such pairs in
    a row, divided by 10.
MUR, NeNMF
    Best wall time of ``factorize`` (validation and start included): MUR 100 sweeps,
    NeNMF 10 outer x 10 inner iterations, float32, ``tol=0``.
xfloor
    Time divided by the floor of the run: the best time of 100 pairs of products in a row
    for MUR, of 10 pairs for NeNMF.
peak MB
    Peak of memory allocated during the call (tracemalloc, separate untimed run), V excluded.
sklearn mu
    ``sklearn.decomposition.NMF(n_components=r, solver="mu", init="random", max_iter=100,
    tol=0)``: plain NMF of the same total rank and iteration count as MUR 100 (no fixed
    templates, so a peer in cost, not the same problem). ``sk/MUR`` is its time over MUR's.
rel.err
    ``||V - W H||_F / ||V||_F`` at the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall time of ``repeats`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        began = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - began)
    return best, result


def peak_megabytes(run: Callable[[], Any]) -> float:
    """Peak memory allocated while ``run`` executes, in MB (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def make_input(n_bins: int, n_frames: int, seed: int = 0) -> np.ndarray:
    """Nonnegative low-rank-plus-noise float32 matrix, C-contiguous."""
    rng = np.random.default_rng(seed)
    basis = rng.random((n_bins, 20), dtype=np.float32)
    gains = rng.random((20, n_frames), dtype=np.float32)
    spectrogram = basis @ gains
    spectrogram += rng.random((n_bins, n_frames), dtype=np.float32)
    return spectrogram


def floor_runner(spectrogram: np.ndarray, rank: int, sweeps: int) -> Callable[[], None]:
    """``sweeps`` times one ``(r x F)(F x T)`` plus one ``(F x T)(T x r)`` float32 product.

    Timed as a block, like a solver run, so that both see the same machine state.
    """
    rng = np.random.default_rng(1)
    n_bins, n_frames = spectrogram.shape
    left = rng.random((rank, n_bins), dtype=np.float32)
    right = rng.random((rank, n_frames), dtype=np.float32)
    out_left = np.empty((rank, n_frames), dtype=np.float32)
    out_right = np.empty((n_bins, rank), dtype=np.float32)

    def products() -> None:
        for _ in range(sweeps):
            np.dot(left, spectrogram, out=out_left)
            np.dot(spectrogram, right.T, out=out_right)

    return products


def blas_description() -> str:
    """Which BLAS kernel runs (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    lines = []
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            lines.append(
                f"{info.get('internal_api')} {info.get('version')} "
                f"kernel={info.get('architecture')} threads={info.get('num_threads')} "
                f"({info.get('filepath', '').rsplit('/', 1)[-1]})"
            )
    return "; ".join(lines) or "no BLAS found by threadpoolctl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bins", type=int, default=1025)
    parser.add_argument("--frames", type=int, default=13950)
    parser.add_argument("--harmonic-rank", type=int, default=50)
    parser.add_argument("--drum-ranks", type=int, nargs="+", default=[3, 8])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--no-sklearn", action="store_true", help="skip the scikit-learn peer")
    parser.add_argument("--quick", action="store_true", help="small input, 1 repeat")
    args = parser.parse_args(argv)
    if args.quick:
        args.bins, args.frames, args.repeats = 257, 2000, 1

    from drumnmf.factorization import factorize

    spectrogram = make_input(args.bins, args.frames)
    norm = float(np.sqrt(np.sum(np.square(spectrogram, dtype=np.float64))))
    print(
        f"V: {args.bins} x {args.frames} float32; r_h = {args.harmonic_rank}; "
        f"best of {args.repeats}"
    )
    print(f"BLAS: {blas_description()}")
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    header = (
        "| r_d | r | floor/it ms | MUR 100 s | xfloor | peak MB | rel.err "
        "| NeNMF 10x10 s | xfloor | peak MB | rel.err | sklearn mu 100 s | sk/MUR | peak MB "
        "| rel.err |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for drum_rank in args.drum_ranks:
        rank = drum_rank + args.harmonic_rank
        rng = np.random.default_rng(drum_rank)
        templates = rng.random((args.bins, drum_rank), dtype=np.float32)
        runners: dict[str, Callable[[], Any]] = {
            "floor mur": floor_runner(spectrogram, rank, 100),
            "floor nenmf": floor_runner(spectrogram, rank, 10),
        }
        for solver, iterations in (("mur", 100), ("nenmf", 10)):

            def run(
                solver: str = solver, iterations: int = iterations, templates: Any = templates
            ) -> Any:
                return factorize(
                    spectrogram,
                    templates,
                    harmonic_rank=args.harmonic_rank,
                    solver=solver,
                    max_iter=iterations,
                    inner_iter=10,
                    tol=0.0,
                    seed=0,
                )

            runners[solver] = run
        if not args.no_sklearn:
            from sklearn.decomposition import NMF

            def run_sklearn(rank: int = rank) -> Any:
                model = NMF(
                    n_components=rank,
                    solver="mu",
                    init="random",
                    max_iter=100,
                    tol=0.0,
                    random_state=0,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit_transform(spectrogram.T)  # sklearn: (samples, features) = (T, F)
                return model

            runners["sklearn"] = run_sklearn

        # Interleaved rounds, best of each: a shared machine's load then hits all columns alike.
        best = dict.fromkeys(runners, float("inf"))
        results: dict[str, Any] = {}
        for _ in range(args.repeats):
            for name, runner in runners.items():
                seconds, results[name] = best_time(runner, 1)
                best[name] = min(best[name], seconds)
        row = [f"{drum_rank}", f"{rank}", f"{1e3 * best['floor nenmf'] / 10:.1f}"]
        for solver in ("mur", "nenmf"):
            error = float(np.sqrt(max(results[solver].losses[-1], 0.0))) / norm
            row += [
                f"{best[solver]:.3f}",
                f"{best[solver] / best['floor ' + solver]:.2f}",
                f"{peak_megabytes(runners[solver]):.0f}",
                f"{error:.4f}",
            ]
        if args.no_sklearn:
            row += ["-", "-", "-", "-"]
        else:
            error = float(results["sklearn"].reconstruction_err_) / norm
            row += [
                f"{best['sklearn']:.3f}",
                f"{best['sklearn'] / best['mur']:.1f}",
                f"{peak_megabytes(runners['sklearn']):.0f}",
                f"{error:.4f}",
            ]
        print("| " + " | ".join(row) + " |", flush=True)
    print()
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
