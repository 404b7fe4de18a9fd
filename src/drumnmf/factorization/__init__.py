"""Partially fixed NMF: explain a spectrogram with fixed drum templates plus a learned rest.

Given a magnitude spectrogram ``V`` (n_bins x n_frames) and fixed drum templates ``W_D``
(n_bins x r_d), :func:`factorize` finds nonnegative harmonic templates ``W_H``
(n_bins x r_h) and activations ``H_D`` (r_d x n_frames), ``H_H`` (r_h x n_frames) that
minimize ``||V - W_D H_D - W_H H_H||_F^2`` (Foster & Webber, arXiv 2507.12596).

Solvers, one module each behind one contract (:mod:`._contract`):

* ``"nenmf"`` (default): alternating OGM blocks, the paper's Algorithm 3 (:mod:`.nenmf`).
* ``"mur"``: multiplicative updates, the paper's Algorithm 1 (:mod:`.mur`).

Conventions: scale invariance, the random start and the cheap loss are described in
:mod:`drumnmf.factorization._contract`.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from drumnmf.errors import ConvergenceWarning
from drumnmf.factorization._contract import (
    DEFAULT_MAX_ITER,
    SOLVERS,
    Callback,
    Factorization,
    make_problem,
    make_start,
    validate_settings,
)
from drumnmf.factorization.mur import solve_mur
from drumnmf.factorization.nenmf import solve_nenmf

__all__ = ["DEFAULT_MAX_ITER", "SOLVERS", "Factorization", "factorize"]


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def factorize(
    spectrogram: Any,
    templates: Any,
    *,
    harmonic_rank: int,
    solver: str = "nenmf",
    max_iter: int | None = None,
    inner_iter: int = 10,
    tol: float = 0.0,
    seed: int | np.random.Generator | None = None,
    init: Any = None,
    dtype: Any = np.float32,
    callback: Callback | None = None,
) -> Factorization:
    """Factorize a spectrogram with fixed drum templates (partially fixed NMF).

    Parameters
    ----------
    spectrogram : np.ndarray [shape=(n_bins, n_frames)], >= 0, finite
        ``V``, a magnitude spectrogram (any amplitude scaling). Not modified.
    templates : np.ndarray [shape=(n_bins, r_d)], >= 0, finite
        ``W_D``, the fixed drum templates, one column per drum; no column may be all zero.
        Not modified. ``r_d = 0`` gives plain NMF of rank ``harmonic_rank``.
    harmonic_rank : int >= 0
        ``r_h``, the number of learned (harmonic) templates.
    solver : {"nenmf", "mur"}
        NeNMF (the paper's Algorithm 3) or multiplicative updates (Algorithm 1).
    max_iter : int >= 1 or None
        Outer iterations: NeNMF outer iterations or MUR sweeps. None takes the paper's
        setting: 10 for NeNMF, 100 for MUR.
    inner_iter : int >= 1
        NeNMF only: OGM steps per block (a cap when ``tol > 0``). The paper uses 10.
    tol : float >= 0
        0 (default) runs exactly ``max_iter`` outer iterations, as in the paper. Otherwise
        NeNMF stops when the projected gradient norm falls to ``tol`` times its initial
        value (Guan et al. 2012), MUR when a sweep lowers the loss by a relative amount
        ``<= tol``; hitting ``max_iter`` first raises a :class:`ConvergenceWarning`.
    seed : int, np.random.Generator or None
        Randomness of the start when ``init`` is None; the same seed gives the same result.
    init : None, Factorization or mapping
        Starting point. None draws ``W_H`` and ``H`` uniformly, normalizes the columns of
        ``W_H`` and scales ``H`` by least squares to ``V``. Otherwise a
        :class:`Factorization` (warm start) or a mapping with exactly the keys
        ``"drum_activations"``, ``"harmonic_templates"``, ``"harmonic_activations"``
        (caller's units, same shapes as the result), used as given.
    dtype : numpy.float32 or numpy.float64
        Working precision. float32 (default) is about twice as fast.
    callback : callable or None
        ``callback(iteration, loss)`` after each outer iteration, with the loss in the
        caller's units; a truthy return value stops the run.

    Returns
    -------
    Factorization
        Activations in the caller's units (``templates @ drum_activations`` is in the
        units of ``V``), losses after each outer iteration, timing.

    Raises
    ------
    DrumnmfError
        On wrong shapes, negative or non-finite values, an empty spectrogram, an all-zero
        template, or invalid options.

    Warns
    -----
    ConvergenceWarning
        When ``tol > 0`` and ``max_iter`` is reached first.

    Notes
    -----
    Template columns are normalized to unit L2 norm and the spectrogram divided by its RMS
    internally, so multiplying ``V`` by ``c`` multiplies every activation by ``c`` and
    leaves ``harmonic_templates`` unchanged. Each outer iteration reads ``V`` twice; no
    ``n_bins x n_frames`` temporary is formed.

    Examples
    --------
    >>> import numpy as np
    >>> from drumnmf.factorization import factorize
    >>> rng = np.random.default_rng(0)
    >>> drums = rng.random((64, 3))
    >>> spectrogram = drums @ rng.random((3, 200)) + rng.random((64, 2)) @ rng.random((2, 200))
    >>> result = factorize(spectrogram, drums, harmonic_rank=2, seed=0)
    >>> result.drum_activations.shape, result.n_iter
    ((3, 200), 10)
    """
    began = time.perf_counter()
    solver, rank, iterations, inner, tolerance, working = validate_settings(
        solver=solver,
        harmonic_rank=harmonic_rank,
        max_iter=max_iter,
        inner_iter=inner_iter,
        tol=tol,
        dtype=dtype,
        callback=callback,
    )
    problem = make_problem(spectrogram, templates, harmonic_rank=rank, dtype=working)
    start = make_start(problem, init, np.random.default_rng(seed))
    loss_unit = problem.scale**2

    internal_callback: Callback | None = None
    if callback is not None:
        user_callback = callback

        def internal_callback(iteration: int, loss: float) -> Any:
            return user_callback(iteration, loss * loss_unit)

    if solver == "mur":
        output = solve_mur(
            problem, start, max_iter=iterations, tol=tolerance, callback=internal_callback
        )
    else:
        output = solve_nenmf(
            problem,
            start,
            max_iter=iterations,
            inner_iter=inner,
            tol=tolerance,
            callback=internal_callback,
        )
    n_iter = len(output.losses)
    if tolerance > 0 and not output.converged and n_iter == iterations:
        warnings.warn(
            f"{solver} stopped at max_iter={iterations} before reaching tol={tolerance:g}; "
            "raise max_iter or tol",
            ConvergenceWarning,
            stacklevel=2,
        )

    # Back to the caller's units, in place: the solver's arrays are ours.
    r_d = problem.drum_rank
    activations = output.activations
    activations[:r_d] *= (problem.scale / problem.template_norms).astype(working)[:, None]
    activations[r_d:] *= np.asarray(problem.scale, dtype=working)
    drum_activations = activations[:r_d]
    harmonic_activations = activations[r_d:]
    harmonic_templates = np.ascontiguousarray(output.harmonic_templates.T)
    caller_templates = np.array(templates, dtype=working, copy=True)
    return Factorization(
        drum_activations=_read_only(drum_activations),
        harmonic_templates=_read_only(harmonic_templates),
        harmonic_activations=_read_only(harmonic_activations),
        templates=_read_only(caller_templates),
        losses=_read_only(np.asarray(output.losses, dtype=np.float64) * loss_unit),
        n_iter=n_iter,
        converged=output.converged,
        solver=solver,
        seconds=time.perf_counter() - began,
    )
