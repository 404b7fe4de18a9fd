"""What every solver shares: the result type, validation, the start, the loss.

Conventions
-----------
The model is ``V ~ W_D H_D + W_H H_H`` with ``V`` the spectrogram ``(n_bins, n_frames)``,
``W_D`` the fixed drum templates ``(n_bins, r_d)``, ``W_H`` the harmonic templates
``(n_bins, r_h)`` and ``H_D``, ``H_H`` their activations. ``W = [W_D W_H]`` and
``H = [H_D; H_H]`` stack the two parts.

Internal units (why results do not depend on the STFT's amplitude scaling):

* every drum template column is divided by its L2 norm, and its activation row multiplied
  by it, so the fixed block of the Gram matrix has a unit diagonal;
* the spectrogram is divided by its root mean square ``s`` (1 for an all-zero input). ``V``
  itself is never copied or rescaled: every product with ``V`` is divided by ``s`` instead,
  which costs ``O((n_bins + n_frames) r)``, and activations are multiplied by ``s`` on the
  way out. Multiplying ``V`` by ``c`` multiplies ``s`` by ``c`` and leaves every internal
  iterate unchanged, so the activations come back multiplied by ``c``.

The random start draws ``W_H`` and ``H`` uniformly on ``[0, 1)`` (in float64, so float32
and float64 runs start from the same point), normalizes the columns of ``W_H`` and then
scales ``H`` by the least-squares factor ``c* = <W^T V, H> / <W^T W, H H^T>``, the ``c``
that minimizes ``||V - c W H||_F``. A start given by the caller is used as it is.

The loss ``||V - W H||_F^2`` is computed without touching ``V`` again as
``||V||^2 - 2 <W^T V, H> + <W^T W, H H^T>``: ``||V||^2`` once (per-row sums in the working
dtype, added in float64; relative error about 1e-7 in float32), and the two inner products
from matrices the sweep has already formed, reduced in float64. In float32 the products
themselves are rounded to float32, so the recorded loss is accurate to about
``1e-6 ||V||^2`` in absolute terms (it is exact to rounding in float64).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumnmf.errors import DrumnmfError

__all__ = [
    "DEFAULT_MAX_ITER",
    "SOLVERS",
    "Factorization",
    "Problem",
    "SolverOutput",
    "Start",
    "frobenius_inner",
    "largest_eigenvalue",
    "make_problem",
    "make_start",
    "validate_settings",
]

#: Solver names accepted by :func:`drumnmf.factorize`.
SOLVERS = ("nenmf", "mur")

#: The paper's iteration counts: NeNMF 10 outer iterations, MUR 100 sweeps.
DEFAULT_MAX_ITER = {"nenmf": 10, "mur": 100}

Callback = Callable[[int, float], Any]

_BLOCK_ROWS = 64  # rows of V per float64 block when reducing over V (0.5 MB at 1025 bins)


@dataclass(frozen=True, eq=False)
class Factorization:
    """A partially fixed NMF ``V ~ W_D H_D + W_H H_H`` of a spectrogram.

    Arrays are read-only and in the working dtype (float32 by default).

    Parameters
    ----------
    drum_activations : np.ndarray [shape=(r_d, n_frames)], >= 0
        ``H_D``: how strongly each fixed template sounds in each frame, in the caller's
        units (``templates @ drum_activations`` has the units of the spectrogram).
    harmonic_templates : np.ndarray [shape=(n_bins, r_h)], >= 0
        ``W_H``: the learned templates for everything that is not drums.
    harmonic_activations : np.ndarray [shape=(r_h, n_frames)], >= 0
        ``H_H``: their activations, in the caller's units.
    templates : np.ndarray [shape=(n_bins, r_d)], >= 0
        ``W_D``: the fixed drum templates as given (not normalized), in the working dtype.
    losses : np.ndarray [shape=(n_iter,)], float64
        ``||V - W_D H_D - W_H H_H||_F^2`` after each outer iteration (MUR sweep or NeNMF
        outer iteration), in the caller's units.
    n_iter : int >= 0
        Outer iterations run.
    converged : bool
        True if the stopping tolerance was met; always False when ``tol=0`` (a fixed
        iteration count was asked for) or when the callback stopped the run.
    solver : str
        ``"nenmf"`` or ``"mur"``.
    seconds : float
        Wall-clock time of the whole call, validation included.
    """

    drum_activations: np.ndarray
    harmonic_templates: np.ndarray
    harmonic_activations: np.ndarray
    templates: np.ndarray
    losses: np.ndarray
    n_iter: int
    converged: bool
    solver: str
    seconds: float

    def reconstruction(self) -> np.ndarray:
        """Return ``W_D H_D + W_H H_H``.

        Returns
        -------
        np.ndarray [shape=(n_bins, n_frames)]
            The modelled spectrogram (a new array).
        """
        approximation = self.templates @ self.drum_activations
        approximation += self.harmonic_templates @ self.harmonic_activations
        return approximation

    def drum_spectrogram(self) -> np.ndarray:
        """Return the drum part ``W_D H_D``.

        Returns
        -------
        np.ndarray [shape=(n_bins, n_frames)]
        """
        return self.templates @ self.drum_activations


@dataclass(frozen=True)
class Problem:
    """A validated problem in internal units (see the module docstring).

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)]
        ``V`` in the working dtype, caller's units; never written to.
    templates : np.ndarray [shape=(r_d, n_bins)]
        ``W_D^T`` with unit-norm rows, C-contiguous.
    template_norms : np.ndarray [shape=(r_d,)], float64
        The caller's template column norms.
    scale : float > 0
        ``s``, the root mean square of ``V`` (1 if ``V`` is all zero).
    norm_sq : float
        ``||V / s||_F^2``, accumulated in float64.
    drum_cross : np.ndarray [shape=(r_d, n_frames)]
        ``W_D^T V / s``, constant over the run.
    drum_gram : np.ndarray [shape=(r_d, r_d)]
        ``W_D^T W_D`` (unit diagonal).
    harmonic_rank : int >= 0
    """

    spectrogram: np.ndarray
    templates: np.ndarray
    template_norms: np.ndarray
    scale: float
    norm_sq: float
    drum_cross: np.ndarray
    drum_gram: np.ndarray
    harmonic_rank: int

    @property
    def dtype(self) -> np.dtype:
        """Working dtype."""
        return self.spectrogram.dtype

    @property
    def drum_rank(self) -> int:
        """``r_d``."""
        return self.templates.shape[0]

    @property
    def rank(self) -> int:
        """``r = r_d + r_h``."""
        return self.drum_rank + self.harmonic_rank


@dataclass(frozen=True)
class Start:
    """A starting point in internal units, owned by the solver (it may overwrite it).

    Parameters
    ----------
    activations : np.ndarray [shape=(r, n_frames)]
        ``H = [H_D; H_H]`` (internal units), C-contiguous.
    harmonic_templates : np.ndarray [shape=(r_h, n_bins)]
        ``W_H^T``, C-contiguous.
    harmonic_cross : np.ndarray or None [shape=(r_h, n_frames)]
        ``W_H^T V / s`` at the start when it was already computed (random start), else None.
    """

    activations: np.ndarray
    harmonic_templates: np.ndarray
    harmonic_cross: np.ndarray | None


@dataclass(frozen=True)
class SolverOutput:
    """What a solver hands back, still in internal units.

    Parameters
    ----------
    activations : np.ndarray [shape=(r, n_frames)]
    harmonic_templates : np.ndarray [shape=(r_h, n_bins)]
        ``W_H^T``.
    losses : list of float
        Loss after each outer iteration, internal units.
    converged : bool
    """

    activations: np.ndarray
    harmonic_templates: np.ndarray
    losses: list[float]
    converged: bool


# --------------------------------------------------------------------------- validation


def _as_matrix(value: Any, name: str, dtype: np.dtype, hint: str) -> np.ndarray:
    """Convert to a 2-D finite nonnegative array of ``dtype`` without copying if possible."""
    if np.iscomplexobj(value):
        raise DrumnmfError(f"{name} is complex; pass magnitudes (np.abs of the STFT) {hint}")
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise DrumnmfError(f"{name} must be a numeric array {hint}, got {type(value)!r}") from exc
    if array.ndim != 2:
        raise DrumnmfError(f"{name} must be 2-D {hint}, got shape {array.shape}")
    return array


def _check_finite_nonnegative(array: np.ndarray, name: str) -> float:
    """Raise unless every entry is finite and >= 0 (two passes, no temporaries).

    Returns
    -------
    float
        The largest entry (0 for an empty array).
    """
    if array.size == 0:
        return 0.0
    low = array.min()
    high = array.max()
    if not (np.isfinite(low) and np.isfinite(high)):
        raise _non_finite(name)
    if low < 0:
        raise _negative(name, float(low))
    return float(high)


def _check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DrumnmfError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def validate_settings(
    *,
    solver: Any,
    harmonic_rank: Any,
    max_iter: Any,
    inner_iter: Any,
    tol: Any,
    dtype: Any,
    callback: Any,
) -> tuple[str, int, int, int, float, np.dtype]:
    """Check the scalar options of :func:`drumnmf.factorize`.

    Returns
    -------
    solver, harmonic_rank, max_iter, inner_iter, tol, dtype
        Normalized values (``max_iter=None`` resolved to the solver's paper default).
    """
    if not isinstance(solver, str) or solver not in SOLVERS:
        raise DrumnmfError(f"solver must be one of {SOLVERS}, got {solver!r}")
    rank = _check_count(harmonic_rank, "harmonic_rank", 0)
    iterations = (
        DEFAULT_MAX_ITER[solver] if max_iter is None else _check_count(max_iter, "max_iter", 1)
    )
    inner = _check_count(inner_iter, "inner_iter", 1)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating, np.integer)):
        raise DrumnmfError(f"tol must be a number >= 0 (0 runs exactly max_iter), got {tol!r}")
    tolerance = float(tol)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise DrumnmfError(
            f"tol must be a finite number >= 0 (0 runs exactly max_iter), got {tol!r}"
        )
    try:
        working = np.dtype(dtype)
    except TypeError as exc:
        raise DrumnmfError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}") from exc
    if working not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise DrumnmfError(f"dtype must be numpy.float32 or numpy.float64, got {dtype!r}")
    if callback is not None and not callable(callback):
        raise DrumnmfError(
            f"callback must be callable as callback(iteration, loss) or None, got {callback!r}"
        )
    return solver, rank, iterations, inner, tolerance, working


def squared_norm(matrix: np.ndarray, divisor: float = 1.0) -> float:
    """``||matrix / divisor||_F^2`` accumulated in float64, block by block.

    Rows are converted to float64 in blocks, so no full-size temporary is made.
    """
    total = 0.0
    for start in range(0, matrix.shape[0], _BLOCK_ROWS):
        block = np.array(matrix[start : start + _BLOCK_ROWS], dtype=np.float64)
        block /= divisor
        total += float(np.einsum("ij,ij->", block, block))
    return total


def _scan_spectrogram(magnitude: np.ndarray) -> tuple[float, float]:
    """Check ``V`` is finite and nonnegative; return ``(peak, ||V / peak||_F^2)``.

    Fast path, one pass over ``V`` in blocks of rows that stay in cache: the minimum, and
    the squared norm of each row accumulated in the working dtype, summed over rows in
    float64 (relative error about 1e-7 in float32, below the rounding of the products with
    ``V``). Any NaN or infinity makes the minimum or that sum non-finite. Inputs whose
    squares could overflow or underflow take a slower path that divides by the peak and
    accumulates in float64.
    """
    n_rows, n_cols = magnitude.shape
    rows = max(1, (1 << 17) // max(1, n_cols))  # about 0.5 MB of float32 per block
    row_norms = np.empty(n_rows, dtype=magnitude.dtype)
    low = math.inf
    for start in range(0, n_rows, rows):
        block = magnitude[start : start + rows]
        block_low = float(block.min())
        if math.isnan(block_low):
            raise _non_finite("spectrogram")
        low = min(low, block_low)
        np.einsum("ft,ft->f", block, block, out=row_norms[start : start + rows])
    if math.isinf(low):
        raise _non_finite("spectrogram")
    if low < 0:
        raise _negative("spectrogram", low)
    total = float(row_norms.sum(dtype=np.float64))
    tiny = float(np.finfo(magnitude.dtype).tiny)
    if math.isfinite(total) and total > 1e6 * tiny * magnitude.size:
        peak = math.sqrt(total)  # any positive number in range: only V / peak is used
        return peak, total / peak**2
    high = float(magnitude.max())
    if not math.isfinite(high):
        raise _non_finite("spectrogram")
    if high == 0:
        return 0.0, 0.0
    return high, squared_norm(magnitude, high)


def _non_finite(name: str) -> DrumnmfError:
    return DrumnmfError(
        f"{name} contains NaN or infinite values; replace them (e.g. np.nan_to_num) "
        "before factorizing"
    )


def _negative(name: str, low: float) -> DrumnmfError:
    return DrumnmfError(
        f"{name} has negative values (min {low:.3g}); NMF needs a nonnegative "
        "input: pass a magnitude (np.abs) spectrogram, not a complex or dB one"
    )


def frobenius_inner(left: np.ndarray, right: np.ndarray) -> float:
    """``<left, right>`` (sum of the elementwise product), accumulated in float64.

    The small operands (``r x T`` and ``r x r``) are multiplied in their own dtype and the
    product summed pairwise in float64.
    """
    if left.size == 0:
        return 0.0
    return float(np.multiply(left, right).sum(dtype=np.float64))


def largest_eigenvalue(gram: np.ndarray) -> float:
    """``||gram||_2`` of a symmetric positive semidefinite matrix, in float64."""
    if gram.size == 0:
        return 0.0
    return float(np.linalg.eigvalsh(np.asarray(gram, dtype=np.float64))[-1])


def make_problem(
    spectrogram: Any, templates: Any, *, harmonic_rank: int, dtype: np.dtype
) -> Problem:
    """Validate ``V`` and ``W_D`` and bring them to internal units.

    Parameters
    ----------
    spectrogram : array_like [shape=(n_bins, n_frames)], >= 0
    templates : array_like [shape=(n_bins, r_d)], >= 0
    harmonic_rank : int >= 0
    dtype : np.dtype
        float32 or float64.

    Returns
    -------
    Problem
    """
    hint = "shaped (n_bins, n_frames)"
    if spectrogram is None:
        raise DrumnmfError(f"spectrogram must be a 2-D array {hint}, got None")
    magnitude = _as_matrix(spectrogram, "spectrogram", dtype, hint)
    n_bins, n_frames = magnitude.shape
    if n_bins == 0 or n_frames == 0:
        raise DrumnmfError(
            f"spectrogram is empty (shape {magnitude.shape}); it needs at least one bin and "
            "one frame: check the audio is not empty"
        )
    if templates is None:
        raise DrumnmfError(
            f"templates must be a 2-D array shaped (n_bins, r_d) = ({n_bins}, r_d), got None"
        )
    drums = _as_matrix(templates, "templates", dtype, f"shaped (n_bins, r_d) = ({n_bins}, r_d)")
    _check_finite_nonnegative(drums, "templates")
    if drums.shape[0] != n_bins:
        raise DrumnmfError(
            f"templates have {drums.shape[0]} rows but the spectrogram has {n_bins} bins "
            f"(templates shape {drums.shape}, spectrogram shape {magnitude.shape}); compute "
            "both with the same n_fft, or pass templates.T if they are (r_d, n_bins)"
        )
    drum_rank = drums.shape[1]
    if drum_rank + harmonic_rank == 0:
        raise DrumnmfError(
            "nothing to fit: templates has 0 columns and harmonic_rank=0; give drum "
            "templates or a harmonic_rank >= 1"
        )
    norms = np.sqrt(np.einsum("fk,fk->k", drums, drums, dtype=np.float64))
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise DrumnmfError(
            f"template column(s) {zero.tolist()} are all zero; drop them or record the "
            "drum again: a silent template cannot be fitted"
        )
    normalized = np.ascontiguousarray((drums / norms.astype(dtype)).T)
    peak, relative = _scan_spectrogram(magnitude)
    if peak > 0:
        # s = RMS of V, computed through the peak so that it stays finite and nonzero.
        scale = peak * math.sqrt(relative / magnitude.size)
        norm_sq = relative * (peak / scale) ** 2
    else:
        scale, norm_sq = 1.0, 0.0
    scaled_templates = normalized * np.asarray(1.0 / scale, dtype=dtype)
    drum_cross = np.dot(scaled_templates, magnitude)
    drum_gram = np.dot(normalized, normalized.T)
    return Problem(
        spectrogram=magnitude,
        templates=normalized,
        template_norms=norms,
        scale=scale,
        norm_sq=norm_sq,
        drum_cross=drum_cross,
        drum_gram=drum_gram,
        harmonic_rank=harmonic_rank,
    )


_INIT_KEYS = ("drum_activations", "harmonic_templates", "harmonic_activations")


def _given_start(problem: Problem, init: Any) -> Start:
    """Convert a caller's start (caller units) to internal units, validated."""
    if isinstance(init, Factorization):
        parts = {key: getattr(init, key) for key in _INIT_KEYS}
    elif isinstance(init, Mapping):
        unknown = sorted(set(init) - set(_INIT_KEYS))
        missing = [key for key in _INIT_KEYS if key not in init]
        if unknown or missing:
            raise DrumnmfError(
                f"init must have exactly the keys {list(_INIT_KEYS)}; unknown {unknown}, "
                f"missing {missing}"
            )
        parts = dict(init)
    else:
        raise DrumnmfError(
            "init must be None (random start), a Factorization or a mapping with keys "
            f"{list(_INIT_KEYS)}, got {type(init)!r}"
        )
    dtype = problem.dtype
    n_bins, n_frames = problem.spectrogram.shape
    r_d, r_h = problem.drum_rank, problem.harmonic_rank
    expected = {
        "drum_activations": (r_d, n_frames),
        "harmonic_templates": (n_bins, r_h),
        "harmonic_activations": (r_h, n_frames),
    }
    arrays = {}
    for key in _INIT_KEYS:
        shape = expected[key]
        array = _as_matrix(parts[key], f"init[{key!r}]", dtype, f"shaped {shape}")
        _check_finite_nonnegative(array, f"init[{key!r}]")
        if array.shape != shape:
            raise DrumnmfError(
                f"init[{key!r}] has shape {array.shape} but this problem needs {shape} "
                f"(n_bins={n_bins}, n_frames={n_frames}, r_d={r_d}, harmonic_rank={r_h})"
            )
        arrays[key] = array
    activations = np.empty((r_d + r_h, n_frames), dtype=dtype)
    row_scale = (problem.template_norms / problem.scale).astype(dtype)
    np.multiply(arrays["drum_activations"], row_scale[:, None], out=activations[:r_d])
    np.multiply(
        arrays["harmonic_activations"],
        np.asarray(1.0 / problem.scale, dtype=dtype),
        out=activations[r_d:],
    )
    harmonic = np.array(arrays["harmonic_templates"].T, dtype=dtype, order="C")
    return Start(activations=activations, harmonic_templates=harmonic, harmonic_cross=None)


def make_start(problem: Problem, init: Any, rng: np.random.Generator) -> Start:
    """Return the solver's starting point (see the module docstring for the rule).

    Parameters
    ----------
    problem : Problem
    init : None, Factorization or mapping
        None draws a random start from ``rng``; otherwise the caller's matrices (caller
        units) are used as they are.
    rng : np.random.Generator

    Returns
    -------
    Start
    """
    if init is not None:
        return _given_start(problem, init)
    dtype = problem.dtype
    n_bins, n_frames = problem.spectrogram.shape
    r_d, r_h = problem.drum_rank, problem.harmonic_rank
    harmonic = rng.random((n_bins, r_h))
    column_norms = np.sqrt(np.einsum("fk,fk->k", harmonic, harmonic))
    harmonic = np.ascontiguousarray((harmonic / column_norms).T, dtype=dtype)
    activations = rng.random((r_d + r_h, n_frames)).astype(dtype)
    harmonic_cross = np.dot(
        harmonic * np.asarray(1.0 / problem.scale, dtype=dtype), problem.spectrogram
    )
    fit = frobenius_inner(problem.drum_cross, activations[:r_d]) + frobenius_inner(
        harmonic_cross, activations[r_d:]
    )
    gram = full_gram(problem, harmonic)
    energy = frobenius_inner(gram, np.dot(activations, activations.T))
    factor = fit / energy if energy > 0 else 0.0
    activations *= np.asarray(factor, dtype=dtype)
    return Start(
        activations=activations, harmonic_templates=harmonic, harmonic_cross=harmonic_cross
    )


def stacked_templates(problem: Problem, start: Start) -> np.ndarray:
    """``W^T = [W_D^T; W_H^T]`` as one C-contiguous array, the solvers' working copy.

    Both solvers keep the fixed drum templates and the free templates in one
    ``(r, n_bins)`` array so that every Gram product is a single GEMM; only rows
    ``r_d:`` are ever written.

    Returns
    -------
    np.ndarray [shape=(r, n_bins)]
        Rows ``:r_d`` are ``problem.templates``, rows ``r_d:`` a copy of
        ``start.harmonic_templates``.
    """
    r_d = problem.drum_rank
    templates_t = np.empty((problem.rank, problem.spectrogram.shape[0]), dtype=problem.dtype)
    templates_t[:r_d] = problem.templates
    templates_t[r_d:] = start.harmonic_templates
    return templates_t


def full_gram(problem: Problem, harmonic: np.ndarray) -> np.ndarray:
    """``W^T W`` for ``W = [W_D W_H]`` from ``W_H^T`` (r_h, n_bins).

    Returns
    -------
    np.ndarray [shape=(r, r)]
    """
    r_d = problem.drum_rank
    rank = r_d + harmonic.shape[0]
    gram = np.empty((rank, rank), dtype=problem.dtype)
    gram[:r_d, :r_d] = problem.drum_gram
    if harmonic.shape[0]:
        cross = np.dot(problem.templates, harmonic.T)
        gram[:r_d, r_d:] = cross
        gram[r_d:, :r_d] = cross.T
        gram[r_d:, r_d:] = np.dot(harmonic, harmonic.T)
    return gram


def check_callback_stop(callback: Callback | None, iteration: int, loss: float) -> bool:
    """Call ``callback(iteration, loss)``; True if it asks to stop."""
    if callback is None:
        return False
    return bool(callback(iteration, loss))


def relative_decrease(previous: float, current: float) -> float:
    """``(previous - current) / previous`` (0 when ``previous`` is 0)."""
    if previous <= 0:
        return 0.0
    return (previous - current) / previous
