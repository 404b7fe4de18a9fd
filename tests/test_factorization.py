"""Tests for drumnmf.factorization: properties, a plain reference, and every error message."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.optimize

import drumnmf
from drumnmf.errors import ConvergenceWarning, DrumnmfError
from drumnmf.factorization import Factorization, factorize
from drumnmf.factorization.nenmf import ogm
from drumnmf.spectrogram import SpectrogramSettings, magnitude_spectrogram

from synth import SR, groove, place

SOLVERS = ("mur", "nenmf")
DTYPES = (np.float32, np.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def random_problem(rng, n_bins=30, n_frames=50, drum_rank=3, harmonic_rank=4):
    """A nonnegative low-rank-plus-noise spectrogram and drum templates (float64)."""
    templates = rng.random((n_bins, drum_rank))
    spectrogram = templates @ rng.random((drum_rank, n_frames))
    spectrogram += rng.random((n_bins, harmonic_rank)) @ rng.random((harmonic_rank, n_frames))
    spectrogram += 0.1 * rng.random((n_bins, n_frames))
    return spectrogram, templates


def real_looking_problem():
    """STFT magnitudes of a synthetic drum groove over a held harmonic tone, and templates."""
    settings = SpectrogramSettings(sample_rate=SR, n_fft=256, hop_length=256)
    duration = 2.0
    audio = place(groove(duration=duration, tempo=150.0), duration)
    t = np.arange(audio.size) / SR
    tone = sum(np.sin(2 * np.pi * 220.0 * k * t) / k for k in range(1, 6))
    audio = audio + 0.2 * (t > 0.5) * tone.astype(np.float32)
    spectrogram = magnitude_spectrogram(audio, settings, dtype=np.float64)
    templates = []
    for drum in ("kick", "snare", "hihat"):
        hit = place({drum: np.array([0.0])}, 0.3)
        templates.append(magnitude_spectrogram(hit, settings, dtype=np.float64)[:, :4].mean(1))
    return spectrogram, np.stack(templates, axis=1)


def given_start(rng, spectrogram, templates, harmonic_rank):
    n_bins, n_frames = spectrogram.shape
    scale = float(spectrogram.mean())
    return {
        "drum_activations": scale * rng.random((templates.shape[1], n_frames)),
        "harmonic_templates": rng.random((n_bins, harmonic_rank)),
        "harmonic_activations": scale * rng.random((harmonic_rank, n_frames)) / n_bins,
    }


# ----------------------------------------------------------------- plain reference (float64)


def reference_mur(spectrogram, templates, start, n_iter):
    """The paper's Algorithm 1 with explicit W H products, float64."""
    v = np.asarray(spectrogram, dtype=np.float64)
    w_d = np.asarray(templates, dtype=np.float64)
    h_d = np.array(start["drum_activations"], dtype=np.float64)
    w_h = np.array(start["harmonic_templates"], dtype=np.float64)
    h_h = np.array(start["harmonic_activations"], dtype=np.float64)
    for _ in range(n_iter):
        h_d = h_d * (w_d.T @ v) / (w_d.T @ (w_d @ h_d + w_h @ h_h))
        w_h = w_h * (v @ h_h.T) / ((w_d @ h_d + w_h @ h_h) @ h_h.T)
        h_h = h_h * (w_h.T @ v) / (w_h.T @ (w_d @ h_d + w_h @ h_h))
    return h_d, w_h, h_h


def reference_ogm(x, gradient, lipschitz, n_steps):
    """Guan et al.'s OGM with an explicit gradient function."""
    y = x.copy()
    alpha = 1.0
    for _ in range(n_steps):
        x_new = np.maximum(y - gradient(y) / lipschitz, 0.0)
        alpha_new = (1.0 + np.sqrt(1.0 + 4.0 * alpha**2)) / 2.0
        y = x_new + (alpha - 1.0) / alpha_new * (x_new - x)
        x, alpha = x_new, alpha_new
    return x


def reference_nenmf(spectrogram, templates, start, n_outer, n_inner):
    """The paper's Algorithm 3 with explicit residuals, on unit-norm templates, float64."""
    v = np.asarray(spectrogram, dtype=np.float64)
    norms = np.linalg.norm(templates, axis=0)
    w_d = templates / norms
    h_d = start["drum_activations"] * norms[:, None]
    w_h = np.array(start["harmonic_templates"], dtype=np.float64)
    h = np.vstack([h_d, start["harmonic_activations"]])
    r_d = templates.shape[1]
    for _ in range(n_outer):
        w = np.hstack([w_d, w_h])
        h = reference_ogm(h, lambda y, w=w: w.T @ (w @ y - v), np.linalg.norm(w.T @ w, 2), n_inner)
        residual = v - w_d @ h[:r_d]
        h_h = h[r_d:]
        w_h = reference_ogm(
            w_h,
            lambda y, h_h=h_h, residual=residual: (y @ h_h - residual) @ h_h.T,
            np.linalg.norm(h_h @ h_h.T, 2),
            n_inner,
        )
    return h[:r_d] / norms[:, None], w_h, h[r_d:]


# ------------------------------------------------------------------------------ properties


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_outputs_nonnegative_shaped_and_typed(rng, solver, dtype):
    spectrogram, templates = random_problem(rng)
    result = factorize(spectrogram, templates, harmonic_rank=4, solver=solver, seed=1, dtype=dtype)
    assert isinstance(result, Factorization)
    assert result.solver == solver
    assert result.drum_activations.shape == (3, 50)
    assert result.harmonic_templates.shape == (30, 4)
    assert result.harmonic_activations.shape == (4, 50)
    for array in (result.drum_activations, result.harmonic_templates, result.harmonic_activations):
        assert array.dtype == dtype
        assert np.all(array >= 0)
        assert np.all(np.isfinite(array))
        assert not array.flags.writeable
    assert result.n_iter == {"mur": 100, "nenmf": 10}[solver] == len(result.losses)
    assert result.losses.dtype == np.float64
    assert not result.converged
    assert result.seconds > 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_inputs_never_mutated_and_templates_come_back(rng, solver):
    spectrogram, templates = random_problem(rng)
    start = given_start(rng, spectrogram, templates, 4)
    copies = [spectrogram.copy(), templates.copy()] + [a.copy() for a in start.values()]
    result = factorize(
        spectrogram, templates, harmonic_rank=4, solver=solver, init=start, dtype=np.float64
    )
    for before, after in zip(copies, [spectrogram, templates, *start.values()], strict=True):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(result.templates, templates)
    assert result.templates is not templates


def test_float32_input_is_not_mutated(rng):
    spectrogram, templates = random_problem(rng)
    spectrogram = spectrogram.astype(np.float32)
    before = spectrogram.copy()
    factorize(spectrogram, templates, harmonic_rank=4, seed=0)
    np.testing.assert_array_equal(spectrogram, before)


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_full_size_temporaries(rng, solver):
    """Peak extra memory stays well below one copy of V: nothing n_bins x n_frames is formed."""
    spectrogram = rng.random((256, 4000), dtype=np.float32)
    templates = rng.random((256, 3))
    factorize(spectrogram, templates, harmonic_rank=5, solver=solver, max_iter=3, seed=0)
    tracemalloc.start()
    try:
        factorize(spectrogram, templates, harmonic_rank=5, solver=solver, max_iter=3, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * spectrogram.nbytes


def test_reachable_from_the_package():
    assert drumnmf.factorize is factorize
    assert drumnmf.Factorization is Factorization


@pytest.mark.parametrize("problem", ["random", "real-looking"])
def test_mur_loss_never_increases(rng, problem):
    if problem == "random":
        spectrogram, templates = random_problem(rng, n_bins=40, n_frames=80)
    else:
        spectrogram, templates = real_looking_problem()
    norm_sq = float(np.sum(spectrogram.astype(np.float64) ** 2))
    for dtype, slack in ((np.float64, 1e-12), (np.float32, 2e-6)):
        result = factorize(
            spectrogram,
            templates,
            harmonic_rank=5,
            solver="mur",
            max_iter=150,
            seed=3,
            dtype=dtype,
        )
        steps = np.diff(result.losses)
        assert np.all(steps <= slack * norm_sq), (dtype, steps.max() / norm_sq)
        assert result.losses[-1] < result.losses[0]


def planted_problem(rng):
    """An exact, noise-free, well-conditioned factorization (cond(W) ~ 1.4)."""
    n_bins, n_frames, rank = 48, 120, 6
    templates = 0.1 * rng.random((n_bins, rank))
    for k in range(rank):
        templates[8 * k : 8 * (k + 1), k] += 1.0 + rng.random(8)
    activations = rng.random((rank, n_frames)) + 0.1
    return templates @ activations, templates[:, :3]


@pytest.mark.parametrize(("solver", "max_iter"), [("mur", 3000), ("nenmf", 200)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_planted_exact_factorization_is_recovered(rng, solver, max_iter, dtype):
    spectrogram, templates = planted_problem(rng)
    result = factorize(
        spectrogram,
        templates,
        harmonic_rank=3,
        solver=solver,
        max_iter=max_iter,
        seed=0,
        dtype=dtype,
    )
    error = np.linalg.norm(spectrogram - result.reconstruction()) / np.linalg.norm(spectrogram)
    assert error < 1e-3


@pytest.mark.parametrize("dtype", DTYPES)
def test_mur_matches_plain_reference(rng, dtype):
    spectrogram, templates = random_problem(rng)
    start = given_start(rng, spectrogram, templates, 4)
    result = factorize(
        spectrogram,
        templates,
        harmonic_rank=4,
        solver="mur",
        max_iter=25,
        init=start,
        dtype=dtype,
    )
    expected = reference_mur(spectrogram, templates, start, 25)
    rtol = 1e-9 if dtype == np.float64 else 2e-4
    for got, want in zip(
        (result.drum_activations, result.harmonic_templates, result.harmonic_activations),
        expected,
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * want.max())


@pytest.mark.parametrize("dtype", DTYPES)
def test_nenmf_matches_plain_reference(rng, dtype):
    spectrogram, templates = random_problem(rng)
    start = given_start(rng, spectrogram, templates, 4)
    result = factorize(
        spectrogram,
        templates,
        harmonic_rank=4,
        solver="nenmf",
        max_iter=4,
        inner_iter=10,
        init=start,
        dtype=dtype,
    )
    expected = reference_nenmf(spectrogram, templates, start, 4, 10)
    rtol = 1e-9 if dtype == np.float64 else 5e-4
    for got, want in zip(
        (result.drum_activations, result.harmonic_templates, result.harmonic_activations),
        expected,
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * want.max())


def test_ogm_meets_guan_bound(rng):
    """f(X_k) - f* <= 2 L ||X_0 - X*||^2 / (k + 1)^2 on a convex NNLS problem."""
    basis = rng.random((20, 6))
    targets = basis @ rng.random((6, 15)) - 0.3 * rng.random((20, 15))  # some constraints bind
    gram = basis.T @ basis
    cross = basis.T @ targets
    lipschitz = float(np.linalg.eigvalsh(gram)[-1])
    optimum = np.stack([scipy.optimize.nnls(basis, col)[0] for col in targets.T], axis=1)

    def objective(x):
        return 0.5 * float(np.sum((basis @ x - targets) ** 2))

    best = objective(optimum)
    start = rng.random((6, 15))
    step_matrix = np.eye(6) - gram / lipschitz
    offset = cross / lipschitz
    distance_sq = float(np.sum((start - optimum) ** 2))
    for k in (1, 2, 5, 10, 20, 50):
        spare = (np.empty_like(start), np.empty_like(start))
        x, steps = ogm(start.copy(), step_matrix, offset, k, spare)
        assert steps == k
        assert np.all(x >= 0)
        assert objective(x) - best <= 2 * lipschitz * distance_sq / (k + 1) ** 2 + 1e-12
    spare = (np.empty_like(start), np.empty_like(start))
    x, _ = ogm(start.copy(), step_matrix, offset, 2000, spare)
    assert objective(x) - best < 1e-9 * best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cheap_loss_equals_explicit_loss(rng, solver, dtype):
    spectrogram, templates = random_problem(rng)
    norm_sq = float(np.sum(spectrogram**2))
    losses = []
    for n_iter in (1, 2, 7):
        result = factorize(
            spectrogram,
            templates,
            harmonic_rank=4,
            solver=solver,
            max_iter=n_iter,
            seed=5,
            dtype=dtype,
        )
        explicit = float(np.sum((spectrogram - result.reconstruction().astype(np.float64)) ** 2))
        tolerance = 1e-11 if dtype == np.float64 else 1e-6
        assert abs(result.losses[-1] - explicit) <= tolerance * norm_sq
        losses.append(result.losses)
    # the same seed replays the same iterations
    np.testing.assert_allclose(losses[2][:2], losses[1], rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_amplitude_scaling_scales_activations(rng, solver):
    spectrogram, templates = random_problem(rng)
    spectrogram = spectrogram.astype(np.float32)
    base = factorize(spectrogram, templates, harmonic_rank=4, solver=solver, seed=7)
    loud = factorize(1000 * spectrogram, 0.01 * templates, harmonic_rank=4, solver=solver, seed=7)
    np.testing.assert_allclose(
        loud.drum_activations,
        1000 * 100 * base.drum_activations,
        rtol=1e-4,
        atol=1e-4 * 1e5 * base.drum_activations.max(),
    )
    np.testing.assert_allclose(
        loud.harmonic_activations,
        1000 * base.harmonic_activations,
        rtol=1e-4,
        atol=1e-4 * 1000 * base.harmonic_activations.max(),
    )
    np.testing.assert_allclose(
        loud.harmonic_templates,
        base.harmonic_templates,
        rtol=1e-4,
        atol=1e-4 * base.harmonic_templates.max(),
    )
    norm_sq = float(np.sum(spectrogram.astype(np.float64) ** 2))
    np.testing.assert_allclose(loud.losses, 1e6 * base.losses, rtol=1e-4, atol=1e6 * 1e-6 * norm_sq)


@pytest.mark.parametrize("solver", SOLVERS)
def test_deterministic_for_a_seed(rng, solver):
    spectrogram, templates = random_problem(rng)
    first = factorize(spectrogram, templates, harmonic_rank=4, solver=solver, seed=11)
    again = factorize(
        spectrogram,
        templates,
        harmonic_rank=4,
        solver=solver,
        seed=np.random.default_rng(11),
    )
    other = factorize(spectrogram, templates, harmonic_rank=4, solver=solver, seed=12)
    np.testing.assert_array_equal(first.drum_activations, again.drum_activations)
    np.testing.assert_array_equal(first.harmonic_templates, again.harmonic_templates)
    assert not np.array_equal(first.drum_activations, other.drum_activations)


@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_continues_the_run(rng, solver):
    """Outer iterations are memoryless, so 4 + 4 iterations equal 8."""
    spectrogram, templates = random_problem(rng)
    kwargs = {"harmonic_rank": 4, "solver": solver, "dtype": np.float64}
    whole = factorize(spectrogram, templates, max_iter=8, seed=2, **kwargs)
    half = factorize(spectrogram, templates, max_iter=4, seed=2, **kwargs)
    rest = factorize(spectrogram, templates, max_iter=4, init=half, **kwargs)
    np.testing.assert_allclose(rest.drum_activations, whole.drum_activations, rtol=1e-9)
    np.testing.assert_allclose(rest.harmonic_templates, whole.harmonic_templates, rtol=1e-9)
    np.testing.assert_allclose(np.r_[half.losses, rest.losses], whole.losses, rtol=1e-9)


@pytest.mark.parametrize(("solver", "max_iter"), [("mur", 5000), ("nenmf", 500)])
def test_tolerance_stops_early_and_reports_convergence(rng, solver, max_iter):
    spectrogram, templates = planted_problem(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        result = factorize(
            spectrogram,
            templates,
            harmonic_rank=3,
            solver=solver,
            max_iter=max_iter,
            tol=1e-4,
            seed=0,
            dtype=np.float64,
        )
    assert result.converged
    assert result.n_iter < max_iter


def test_nenmf_tolerance_stop_is_near_the_loss_of_a_full_run():
    """tol=1e-4 stops close to where 1000 iterations get: within 0.5% relative error on an
    exact problem (it reaches 0.18%; the full run ~0), within 5% of the full run's loss on a
    noisy one (1.8%). A rule 100x too lax stops at 4% and at 5x the loss."""
    cases = (
        ("exact", planted_problem(np.random.default_rng(0)), 3),
        ("noisy", random_problem(np.random.default_rng(0)), 4),
    )
    for name, (spectrogram, drums), rank in cases:
        options = {"harmonic_rank": rank, "max_iter": 1000, "seed": 0, "dtype": np.float64}
        full = factorize(spectrogram, drums, **options)
        stopped = factorize(spectrogram, drums, tol=1e-4, **options)
        assert stopped.converged and stopped.n_iter < 1000
        norm_sq = float(np.sum(spectrogram**2))
        if name == "exact":
            assert full.losses[-1] <= 1e-9 * norm_sq
            assert math.sqrt(stopped.losses[-1] / norm_sq) <= 0.005
        else:
            assert stopped.losses[-1] <= 1.05 * full.losses[-1]


@pytest.mark.parametrize("solver", SOLVERS)
def test_iteration_limit_before_tolerance_warns(rng, solver):
    spectrogram, templates = random_problem(rng)
    with pytest.warns(ConvergenceWarning, match=f"{solver} stopped at max_iter=3"):
        result = factorize(
            spectrogram, templates, harmonic_rank=4, solver=solver, max_iter=3, tol=1e-12, seed=0
        )
    assert not result.converged
    assert result.n_iter == 3


def test_fixed_iteration_count_does_not_warn(rng):
    spectrogram, templates = random_problem(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = factorize(spectrogram, templates, harmonic_rank=4, max_iter=3, seed=0)
    assert result.n_iter == 3


def test_callback_sees_losses_and_can_stop(rng):
    spectrogram, templates = random_problem(rng)
    seen = []

    def callback(iteration, loss):
        seen.append((iteration, loss))
        return iteration == 4

    result = factorize(
        spectrogram, templates, harmonic_rank=4, solver="mur", seed=0, callback=callback
    )
    assert result.n_iter == 4
    assert [i for i, _ in seen] == [1, 2, 3, 4]
    np.testing.assert_allclose([loss for _, loss in seen], result.losses)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(("drum_rank", "harmonic_rank"), [(0, 3), (3, 0)])
def test_one_block_empty(rng, solver, drum_rank, harmonic_rank):
    spectrogram, templates = random_problem(rng, drum_rank=max(drum_rank, 1))
    templates = templates[:, :drum_rank]
    result = factorize(
        spectrogram,
        templates,
        harmonic_rank=harmonic_rank,
        solver=solver,
        seed=0,
        dtype=np.float64,
    )
    assert result.drum_activations.shape == (drum_rank, 50)
    assert result.harmonic_templates.shape == (30, harmonic_rank)
    explicit = float(np.sum((spectrogram - result.reconstruction()) ** 2))
    assert result.losses[-1] == pytest.approx(explicit, rel=1e-9)
    assert result.losses[-1] < 0.5 * float(np.sum(spectrogram**2))


@pytest.mark.parametrize("solver", SOLVERS)
def test_silent_spectrogram_gives_zero_activations(rng, solver):
    templates = rng.random((30, 3))
    result = factorize(np.zeros((30, 20)), templates, harmonic_rank=2, solver=solver, seed=0)
    assert np.all(result.drum_activations == 0)
    assert np.all(np.isfinite(result.harmonic_templates))
    assert result.losses[-1] == 0


# ------------------------------------------------------------------------------ validation

SPEC = np.ones((6, 8))
TEMPL = np.ones((6, 2))


@pytest.mark.parametrize(
    ("spectrogram", "templates", "options", "message"),
    [
        (np.ones(6), TEMPL, {}, r"spectrogram must be 2-D shaped \(n_bins, n_frames\)"),
        (np.ones((0, 8)), np.ones((0, 2)), {}, r"spectrogram is empty \(shape \(0, 8\)\)"),
        (np.ones((6, 0)), TEMPL, {}, r"spectrogram is empty"),
        (-SPEC, TEMPL, {}, r"spectrogram has negative values .*magnitude \(np.abs\)"),
        (np.where(np.eye(6, 8) > 0, np.nan, 1.0), TEMPL, {}, r"spectrogram contains NaN"),
        (np.full((6, 8), np.inf), TEMPL, {}, r"spectrogram contains NaN or infinite"),
        (SPEC + 1j, TEMPL, {}, r"spectrogram is complex; pass magnitudes"),
        ("loud", TEMPL, {}, r"spectrogram must be a numeric array"),
        (None, TEMPL, {}, r"spectrogram must be a 2-D array .*got None"),
        (SPEC, None, {}, r"templates must be a 2-D array .*got None"),
        (SPEC, np.ones(6), {}, r"templates must be 2-D shaped \(n_bins, r_d\) = \(6, r_d\)"),
        (SPEC, np.ones((5, 2)), {}, r"templates have 5 rows but the spectrogram has 6 bins"),
        (SPEC, -TEMPL, {}, r"templates has negative values"),
        (SPEC, np.full((6, 2), np.nan), {}, r"templates contains NaN"),
        (SPEC, np.c_[np.ones(6), np.zeros(6)], {}, r"template column\(s\) \[1\] are all zero"),
        (SPEC, np.ones((6, 0)), {"harmonic_rank": 0}, r"nothing to fit"),
        (SPEC, TEMPL, {"harmonic_rank": -1}, r"harmonic_rank must be an integer >= 0, got -1"),
        (SPEC, TEMPL, {"harmonic_rank": 2.5}, r"harmonic_rank must be an integer >= 0"),
        (SPEC, TEMPL, {"solver": "als"}, r"solver must be one of \('nenmf', 'mur'\), got 'als'"),
        (SPEC, TEMPL, {"max_iter": 0}, r"max_iter must be an integer >= 1, got 0"),
        (SPEC, TEMPL, {"inner_iter": 0}, r"inner_iter must be an integer >= 1, got 0"),
        (SPEC, TEMPL, {"tol": -1e-3}, r"tol must be a finite number >= 0"),
        (SPEC, TEMPL, {"tol": "small"}, r"tol must be a number >= 0"),
        (SPEC, TEMPL, {"dtype": np.float16}, r"dtype must be numpy.float32 or numpy.float64"),
        (SPEC, TEMPL, {"dtype": "bogus"}, r"dtype must be numpy.float32 or numpy.float64"),
        (SPEC, TEMPL, {"callback": 3}, r"callback must be callable"),
        (SPEC, TEMPL, {"init": [1, 2]}, r"init must be None \(random start\), a Factorization"),
        (SPEC, TEMPL, {"init": {"drum_activations": 1}}, r"init must have exactly the keys"),
    ],
)
def test_invalid_input_raises_drumnmf_error(spectrogram, templates, options, message):
    options = {"harmonic_rank": 2, **options}
    with pytest.raises(DrumnmfError, match=message):
        factorize(spectrogram, templates, **options)


def test_invalid_init_arrays_raise(rng):
    start = given_start(rng, SPEC, TEMPL, 2)
    wrong_shape = {**start, "harmonic_templates": np.ones((6, 3))}
    with pytest.raises(DrumnmfError, match=r"init\['harmonic_templates'\] has shape \(6, 3\)"):
        factorize(SPEC, TEMPL, harmonic_rank=2, init=wrong_shape)
    negative = {**start, "drum_activations": -start["drum_activations"]}
    with pytest.raises(DrumnmfError, match=r"init\['drum_activations'\] has negative values"):
        factorize(SPEC, TEMPL, harmonic_rank=2, init=negative)


def test_errors_are_value_errors():
    with pytest.raises(ValueError, match="harmonic_rank"):
        factorize(SPEC, TEMPL, harmonic_rank=-2)
