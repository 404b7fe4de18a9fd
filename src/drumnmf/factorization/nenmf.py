"""NeNMF for partially fixed NMF (the paper's Algorithm 3; Guan et al. 2012).

Each outer iteration solves two convex nonnegative least-squares blocks approximately with
the optimal gradient method (OGM, the paper's Algorithm 2), first the activations, then the
harmonic templates:

* H block: ``min_{H >= 0} ||V - W H||^2`` with ``W = [W_D W_H]`` fixed and
  ``H = [H_D; H_H]``; Gram ``W^T W``, cross term ``W^T V``.
* W_H block: ``min_{W_H >= 0} ||(V - W_D H_D) - W_H H_H||^2``; Gram ``H_H H_H^T``, cross term
  ``(V - W_D H_D) H_H^T = V H_H^T - W_D (H_D H_H^T)``: the residual is never formed.

OGM on ``min_{X >= 0} 1/2 <X, A X> - <B, X>`` (Nesterov momentum, step ``1 / L`` with
``L = ||A||_2``)::

    Y_0 = X_0, alpha_0 = 1
    X_{k+1} = max(Y_k - (A Y_k - B) / L, 0) = max((I - A / L) Y_k + B / L, 0)
    alpha_{k+1} = (1 + sqrt(1 + 4 alpha_k^2)) / 2
    Y_{k+1} = X_{k+1} + (alpha_k - 1) / alpha_{k+1} (X_{k+1} - X_k)

Its objective gap after ``k`` steps is at most ``2 L ||X_0 - X*||_F^2 / (k + 1)^2``.
The Gram matrix and the cross term are formed once per block; the inner steps only touch
``r x r`` and ``r x T`` (or ``r_h x n_bins``) arrays and never read ``V``.

Reads of ``V`` per outer iteration: ``W_H^T V`` and ``V H_H^T``, both at rank ``r_h``
(``W_D^T V`` is constant and computed once). The loss after the outer iteration comes from
the W_H block's own Gram and cross term.

Stopping rule (``tol > 0``, Guan et al. 2012, after Lin 2007): stop when the norm of the
projected gradient of the whole objective falls to ``tol`` times its value at the start.
Each block's OGM stops once the projected gradient at its extrapolated point is below the
block's tolerance, which starts at ``max(tol, 1e-3)`` times the initial norm and is divided
by 10 whenever the block stops after a single step. ``inner_iter`` caps the inner steps.
With ``tol = 0`` every block runs exactly ``inner_iter`` steps.
"""

from __future__ import annotations

import math

import numpy as np

from drumnmf.factorization._contract import (
    Callback,
    Problem,
    SolverOutput,
    Start,
    check_callback_stop,
    frobenius_inner,
    largest_eigenvalue,
    stacked_templates,
)

__all__ = ["ogm", "projected_gradient_sq", "solve_nenmf"]


def projected_gradient_sq(point: np.ndarray, gradient: np.ndarray) -> float:
    """``||P(grad)||_F^2``: gradient entries where ``grad < 0`` or ``point > 0``, in float64."""
    if point.size == 0:
        return 0.0
    active = (gradient < 0) | (point > 0)
    kept = gradient[active].astype(np.float64)
    return float(np.dot(kept, kept))


def _project_and_extrapolate(
    target: np.ndarray,
    offset: np.ndarray,
    zero_row: np.ndarray,
    previous: np.ndarray | None,
    factor: np.floating,
) -> None:
    """``target = max(target + offset, 0)``; then ``previous = target + factor * previous``.

    ``zero_row`` is a ``(1, n)`` row of zeros: numpy's ``maximum`` against a broadcast row
    runs its vectorized loop, about 5x faster than against the scalar 0.
    """
    target += offset
    np.maximum(target, zero_row, out=target)
    if previous is not None:
        previous *= factor
        previous += target


def ogm(
    start: np.ndarray,
    step_matrix: np.ndarray,
    offset: np.ndarray,
    n_steps: int,
    spare: tuple[np.ndarray, np.ndarray],
    *,
    lipschitz: float = 1.0,
    tol: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Run OGM steps ``X <- max(step_matrix @ Y + offset, 0)`` with Nesterov momentum.

    Parameters
    ----------
    start : np.ndarray [shape=(m, n)]
        ``X_0``; overwritten (it serves as a work buffer).
    step_matrix : np.ndarray [shape=(m, m)]
        ``I - A / L``.
    offset : np.ndarray [shape=(m, n)]
        ``B / L``.
    n_steps : int >= 1
        Maximum number of steps.
    spare : tuple of two np.ndarray [shape=(m, n)]
        Work buffers, overwritten.
    lipschitz : float > 0
        ``L``, used only to turn ``Y - (step_matrix Y + offset)`` back into the gradient
        for the stopping test.
    tol : float >= 0
        Stop before step ``k >= 1`` when the projected gradient norm at ``Y_k`` is
        ``<= tol``; 0 runs exactly ``n_steps`` steps.

    Returns
    -------
    solution : np.ndarray [shape=(m, n)]
        ``X_k`` after the last step; one of ``start`` and ``spare``.
    steps : int
        Steps taken.

    Notes
    -----
    Per step: one ``(m x m)(m x n)`` product and four elementwise passes. The extrapolated
    point is kept as ``Y_k = gain_k * Z_k`` with ``Z_k = X_k - c X_{k-1}``,
    ``c = beta / (1 + beta)``, ``gain_k = 1 + beta``: the gain goes into the small step
    matrix, which saves a pass over the ``(m, n)`` arrays.
    """
    buffers = (start, *spare)
    scalar = start.dtype.type
    zero_row = np.zeros((1, start.shape[1]), dtype=start.dtype)
    previous = start
    extrapolated = start  # Z_k
    gain = 1.0
    alpha = 1.0
    steps = 0
    for step in range(n_steps):
        target = next(b for b in buffers if b is not previous and b is not extrapolated)
        operator = step_matrix if gain == 1.0 else step_matrix * scalar(gain)
        np.dot(operator, extrapolated, out=target)
        if tol > 0 and step > 0:
            # gradient / L = Y - (step_matrix Y + offset)
            gradient = extrapolated * scalar(gain)
            gradient -= target
            gradient -= offset
            gradient *= lipschitz
            if math.sqrt(projected_gradient_sq(extrapolated, gradient)) <= tol:
                break
        steps += 1
        alpha_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * alpha * alpha))
        beta = (alpha - 1.0) / alpha_next
        alpha = alpha_next
        # beta is 0 after the first step, and the last extrapolation is never used.
        extrapolate = 0 < step < n_steps - 1
        _project_and_extrapolate(
            target,
            offset,
            zero_row,
            previous if extrapolate else None,
            scalar(-beta / (1.0 + beta)),
        )
        if extrapolate:
            extrapolated, gain = previous, 1.0 + beta  # Z = X_new - c X_old, over X_old
        else:
            extrapolated, gain = target, 1.0
        previous = target
    return previous, steps


def _step_operator(gram: np.ndarray, lipschitz: float, dtype: np.dtype) -> np.ndarray:
    """``I - gram / L`` in the working dtype (formed in float64)."""
    operator = -np.asarray(gram, dtype=np.float64) / lipschitz
    operator[np.diag_indices_from(operator)] += 1.0
    return operator.astype(dtype)


def solve_nenmf(
    problem: Problem,
    start: Start,
    *,
    max_iter: int,
    inner_iter: int,
    tol: float,
    callback: Callback | None,
) -> SolverOutput:
    """Run NeNMF outer iterations from ``start`` (which is overwritten).

    Parameters
    ----------
    problem : Problem
        Validated problem in internal units.
    start : Start
        Starting point in internal units.
    max_iter : int >= 1
        Maximum number of outer iterations.
    inner_iter : int >= 1
        OGM steps per block (a cap when ``tol > 0``).
    tol : float >= 0
        Relative projected-gradient tolerance (module docstring); 0 runs exactly
        ``max_iter`` outer iterations of ``inner_iter`` steps per block.
    callback : callable or None
        ``callback(iteration, loss)`` after each outer iteration (internal units); a truthy
        return value stops the run.

    Returns
    -------
    SolverOutput
    """
    spectrogram = problem.spectrogram
    dtype = problem.dtype
    r_d, r_h = problem.drum_rank, problem.harmonic_rank
    n_bins, n_frames = spectrogram.shape
    inv_scale = 1.0 / problem.scale

    activations = start.activations  # H = [H_D; H_H], (r, T), internal units
    templates_t = stacked_templates(problem, start)  # W^T = [W_D^T; W_H^T]
    drum_t = templates_t[:r_d]
    drum_cross = problem.drum_cross  # W_D^T V / s

    act_spare = (np.empty_like(activations), np.empty_like(activations))
    harm_work = np.empty((r_h, n_bins), dtype=dtype)
    harm_spare = (np.empty_like(harm_work), np.empty_like(harm_work))
    offset = np.empty((problem.rank, n_frames), dtype=dtype)  # W^T V / (s L)
    data_proj = np.empty((n_bins, r_h), dtype=dtype)  # V H_H^T
    harm_offset = np.empty((r_h, n_bins), dtype=dtype)
    scaled_t = np.empty((r_h, n_bins), dtype=dtype)

    def prepare_h_block(gram: np.ndarray) -> float:
        """L and ``offset = W^T V / (s L)`` for the current ``W``: one read of V."""
        lipschitz = largest_eigenvalue(gram)
        if lipschitz > 0:
            np.multiply(drum_cross, np.asarray(1.0 / lipschitz, dtype=dtype), out=offset[:r_d])
            if r_h:
                np.multiply(
                    templates_t[r_d:], np.asarray(inv_scale / lipschitz, dtype=dtype), out=scaled_t
                )
                np.dot(scaled_t, spectrogram, out=offset[r_d:])
        return lipschitz

    def prepare_w_block(act_gram: np.ndarray) -> np.ndarray:
        """``P^T = H_H (V - W_D H_D)^T / s`` (r_h, n_bins): one read of V."""
        harm_act = activations[r_d:]
        np.dot(spectrogram, harm_act.T, out=data_proj)
        cross_t = np.multiply(data_proj.T, np.asarray(inv_scale, dtype=dtype))
        if r_d:
            cross_t -= np.dot(act_gram[r_d:, :r_d], drum_t)
        return cross_t

    # First H block: reuse W_H^T V from the random start when there is one.
    gram = np.dot(templates_t, templates_t.T)  # W^T W
    if start.harmonic_cross is not None and r_h:
        lipschitz = largest_eigenvalue(gram)
        factor = np.asarray(1.0 / lipschitz, dtype=dtype)
        np.multiply(drum_cross, factor, out=offset[:r_d])
        np.multiply(start.harmonic_cross, factor, out=offset[r_d:])
    else:
        lipschitz = prepare_h_block(gram)

    tol_h = tol_w = initial_delta = 0.0
    if tol > 0:
        act_gram = np.dot(activations, activations.T)
        grad_h = np.dot(gram, activations) - offset * np.asarray(lipschitz, dtype=dtype)
        delta_sq = projected_gradient_sq(activations, grad_h)
        if r_h:
            cross_t = prepare_w_block(act_gram)
            grad_w = np.dot(act_gram[r_d:, r_d:], templates_t[r_d:]) - cross_t
            delta_sq += projected_gradient_sq(templates_t[r_d:], grad_w)
        initial_delta = math.sqrt(delta_sq)
        tol_h = tol_w = max(tol, 1e-3) * initial_delta

    losses: list[float] = []
    converged = False
    for iteration in range(max_iter):
        # H block.
        if lipschitz > 0:
            step_matrix = _step_operator(gram, lipschitz, dtype)
            solution, steps = ogm(
                activations,
                step_matrix,
                offset,
                inner_iter,
                act_spare,
                lipschitz=lipschitz,
                tol=tol_h,
            )
            if solution is act_spare[0]:
                act_spare = (activations, act_spare[1])
                activations = solution
            elif solution is act_spare[1]:
                act_spare = (act_spare[0], activations)
                activations = solution
            if tol > 0 and steps <= 1:
                tol_h /= 10.0
        act_gram = np.dot(activations, activations.T)

        # W_H block (on W_H^T, so that OGM multiplies from the left as for H).
        harm_gram = act_gram[r_d:, r_d:]
        if r_h:
            cross_t = prepare_w_block(act_gram)
            harm_lipschitz = largest_eigenvalue(harm_gram)
            if harm_lipschitz > 0:
                harm_step = _step_operator(harm_gram, harm_lipschitz, dtype)
                np.multiply(cross_t, np.asarray(1.0 / harm_lipschitz, dtype=dtype), out=harm_offset)
                np.copyto(harm_work, templates_t[r_d:])
                harm_solution, steps = ogm(
                    harm_work,
                    harm_step,
                    harm_offset,
                    inner_iter,
                    harm_spare,
                    lipschitz=harm_lipschitz,
                    tol=tol_w,
                )
                templates_t[r_d:] = harm_solution
                if tol > 0 and steps <= 1:
                    tol_w /= 10.0
        else:
            cross_t = np.empty((0, n_bins), dtype=dtype)

        # Loss from the W_H block's terms: ||V - W_D H_D||^2 - 2 <W_H, P> + <W_H^T W_H, C>.
        harm_t = templates_t[r_d:]
        gram = np.dot(templates_t, templates_t.T)  # for the loss and the next H block
        loss = (
            problem.norm_sq
            - 2.0 * frobenius_inner(drum_cross, activations[:r_d])
            + frobenius_inner(problem.drum_gram, act_gram[:r_d, :r_d])
            - 2.0 * frobenius_inner(harm_t, cross_t)
            + frobenius_inner(gram[r_d:, r_d:], harm_gram)
        )
        losses.append(loss)
        if check_callback_stop(callback, iteration + 1, loss):
            break
        last = iteration == max_iter - 1
        if tol > 0 or not last:
            lipschitz = prepare_h_block(gram)
        if tol > 0:
            grad_h = np.dot(gram, activations) - offset * np.asarray(lipschitz, dtype=dtype)
            delta_sq = projected_gradient_sq(activations, grad_h)
            if r_h:
                grad_w = np.dot(harm_gram, harm_t) - cross_t
                delta_sq += projected_gradient_sq(harm_t, grad_w)
            if math.sqrt(delta_sq) <= tol * initial_delta:
                converged = True
                break

    return SolverOutput(
        activations=activations,
        harmonic_templates=np.ascontiguousarray(templates_t[r_d:]),
        losses=losses,
        converged=converged,
    )
