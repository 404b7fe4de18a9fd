"""Multiplicative updates for partially fixed NMF (the paper's Algorithm 1; Yoo et al. 2010).

One sweep updates ``H_D``, then ``W_H``, then ``H_H``, each with the latest values of the
others, and denominators taken from the full approximation ``W_D H_D + W_H H_H``::

    H_D <- H_D * (W_D^T V) / (W_D^T (W_D H_D + W_H H_H) + eps)
    W_H <- W_H * (V H_H^T) / ((W_D H_D + W_H H_H) H_H^T + eps)
    H_H <- H_H * (W_H^T V) / (W_H^T (W_D H_D + W_H H_H) + eps)

The loss never increases (the paper's Theorem 2). ``eps`` is a guard against division by
zero, ``1e-12`` in internal units (the spectrogram divided by its RMS); it changes nothing
unless a denominator is (nearly) zero.

Cost of a sweep
---------------
No ``n_bins x n_frames`` matrix is formed. Every denominator is a small Gram matrix times a
factor (``W_D^T W H``, ``W^T W ...``), and the only products with ``V`` are ``V H_H^T`` and
``W_H^T V``: ``W_D^T V`` is the same in every sweep (``W_D`` is fixed) and is computed once.
The loss reuses ``W_H^T V`` and ``H H^T`` (which the next sweep's ``W_H`` update needs
anyway), so a sweep reads ``V`` exactly twice, each time at rank ``r_h``.
"""

from __future__ import annotations

import numpy as np

from drumnmf.factorization._contract import (
    Callback,
    Problem,
    SolverOutput,
    Start,
    check_callback_stop,
    frobenius_inner,
    relative_decrease,
    stacked_templates,
)

__all__ = ["GUARD", "solve_mur"]

#: Added to every denominator, in internal units (spectrogram of unit RMS).
GUARD = 1e-12


def solve_mur(
    problem: Problem,
    start: Start,
    *,
    max_iter: int,
    tol: float,
    callback: Callback | None,
) -> SolverOutput:
    """Run MUR sweeps from ``start`` (which is overwritten).

    Parameters
    ----------
    problem : Problem
        Validated problem in internal units.
    start : Start
        Starting point in internal units; its arrays are updated in place.
    max_iter : int >= 1
        Maximum number of sweeps.
    tol : float >= 0
        Stop when the relative loss decrease of a sweep, ``(L_{k-1} - L_k) / L_{k-1}``,
        is ``<= tol``; 0 runs exactly ``max_iter`` sweeps.
    callback : callable or None
        ``callback(iteration, loss)`` after each sweep (loss in internal units); a truthy
        return value stops the run.

    Returns
    -------
    SolverOutput
    """
    spectrogram = problem.spectrogram
    dtype = problem.dtype
    r_d, r_h = problem.drum_rank, problem.harmonic_rank
    n_bins, n_frames = spectrogram.shape
    inv_scale = np.asarray(1.0 / problem.scale, dtype=dtype)
    guard = np.asarray(GUARD, dtype=dtype)

    activations = start.activations  # H = [H_D; H_H], (r, T)
    drum_act = activations[:r_d]
    harm_act = activations[r_d:]
    templates_t = stacked_templates(problem, start)  # W^T = [W_D^T; W_H^T]
    harm_t = templates_t[r_d:]
    drum_cross = problem.drum_cross  # W_D^T V / s, constant

    gram = np.dot(templates_t, templates_t.T)
    act_gram = np.dot(activations, activations.T)  # H H^T
    drum_ratio = np.empty((r_d, n_frames), dtype=dtype)
    harm_cross = np.empty((r_h, n_frames), dtype=dtype)  # W_H^T V / s
    harm_ratio = np.empty((r_h, n_frames), dtype=dtype)
    data_proj = np.empty((n_bins, r_h), dtype=dtype)  # V H_H^T
    templ_num = np.empty((r_h, n_bins), dtype=dtype)
    templ_den = np.empty((r_h, n_bins), dtype=dtype)
    scaled_t = np.empty((r_h, n_bins), dtype=dtype)

    losses: list[float] = []
    converged = False
    for iteration in range(max_iter):
        # H_D <- H_D * W_D^T V / (W_D^T W H + eps)
        if r_d:
            np.dot(gram[:r_d], activations, out=drum_ratio)
            drum_ratio += guard
            np.divide(drum_cross, drum_ratio, out=drum_ratio)
            drum_act *= drum_ratio
        if r_h:
            # W_H^T <- W_H^T * H_H V^T / (H_H H^T W^T + eps); H_H H_H^T is still current.
            if r_d:
                act_gram[r_d:, :r_d] = np.dot(harm_act, drum_act.T)
            np.dot(spectrogram, harm_act.T, out=data_proj)
            np.multiply(data_proj.T, inv_scale, out=templ_num)
            np.dot(act_gram[r_d:], templates_t, out=templ_den)
            templ_den += guard
            np.divide(templ_num, templ_den, out=templ_num)
            harm_t *= templ_num
            gram = np.dot(templates_t, templates_t.T)
            # H_H <- H_H * W_H^T V / (W_H^T W H + eps)
            np.multiply(harm_t, inv_scale, out=scaled_t)
            np.dot(scaled_t, spectrogram, out=harm_cross)
            np.dot(gram[r_d:], activations, out=harm_ratio)
            harm_ratio += guard
            np.divide(harm_cross, harm_ratio, out=harm_ratio)
            harm_act *= harm_ratio
        np.dot(activations, activations.T, out=act_gram)
        loss = (
            problem.norm_sq
            - 2.0 * (frobenius_inner(drum_cross, drum_act) + frobenius_inner(harm_cross, harm_act))
            + frobenius_inner(gram, act_gram)
        )
        losses.append(loss)
        if check_callback_stop(callback, iteration + 1, loss):
            break
        if tol > 0 and iteration > 0 and relative_decrease(losses[-2], loss) <= tol:
            converged = True
            break

    return SolverOutput(
        activations=activations,
        harmonic_templates=np.ascontiguousarray(harm_t),
        losses=losses,
        converged=converged,
    )
