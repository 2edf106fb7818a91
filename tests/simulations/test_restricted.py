import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import multivariate_normal

from simulations import restricted, sweeps
from simulations.backend import select, to_numpy
from theory import comp_sum

MIXTURE = restricted.RING_MIXTURE


def test_conditionals_match_bayes_rule_with_scipy(backend, seed):
    x = MIXTURE.sample(backend.rng(seed), 50)
    p = to_numpy(MIXTURE.conditional(x, backend.xp))
    x = to_numpy(x)
    joint = np.stack(
        [
            prior * multivariate_normal(mean, cov).pdf(x)
            for mean, cov, prior in zip(MIXTURE.means, MIXTURE.covariances, MIXTURE.priors)
        ],
        axis=-1,
    )
    np.testing.assert_allclose(p, joint / joint.sum(-1, keepdims=True), rtol=1e-12)


def test_sampling_matches_the_mixture_law(seed):
    from scipy.stats import norm

    backend = select("numpy")
    size = 30_000
    x = to_numpy(MIXTURE.sample(backend.rng(seed), size))
    expected = sum(
        prior * norm.sf(1.5, loc=mean[0], scale=np.sqrt(cov[0][0]))
        for mean, cov, prior in zip(MIXTURE.means, MIXTURE.covariances, MIXTURE.priors)
    )
    share = np.mean(x[:, 0] > 1.5)
    # CLT: 5 standard errors of a Bernoulli mean
    assert abs(share - expected) < 5 * np.sqrt(expected * (1 - expected) / size)


def test_gradient_descent_reaches_the_slsqp_optimum(seed):
    backend = select("numpy")
    x = MIXTURE.sample(backend.rng(seed), 1500)
    p = MIXTURE.conditional(x, backend.xp)
    run = restricted.train_linear(x, p, [0.0, 1.0, 2.0], weight_bound=1.0, iterations=300)
    for k, tau in enumerate((0.0, 1.0, 2.0)):

        def risk(v, tau=tau):
            weights, biases = v[:6].reshape(1, 3, 2), v[6:].reshape(1, 3)
            value, *_ = restricted._risk_and_gradient(
                x, p, weights, biases, np.array([[[tau]]]), backend.xp
            )
            return float(value[0])

        constraints = [
            {"type": "ineq", "fun": lambda v, j=j: 1 - v[2 * j] ** 2 - v[2 * j + 1] ** 2}
            for j in range(3)
        ]
        best = min(
            minimize(
                risk,
                np.random.default_rng(s).normal(size=9) * 0.3,
                method="SLSQP",
                constraints=constraints,
                options={"maxiter": 500, "ftol": 1e-12},
            ).fun
            for s in range(3)
        )
        assert run.surrogate[-1, k] == pytest.approx(best, abs=1e-7)


def test_analytic_gradient_matches_finite_differences(seed):
    backend = select("numpy")
    x = MIXTURE.sample(backend.rng(seed), 200)
    p = MIXTURE.conditional(x, backend.xp)
    rng = np.random.default_rng(1)
    weights, biases = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3))
    tau = np.array([0.5, 1.5])[:, None, None]
    _, _, grad_w, grad_b = restricted._risk_and_gradient(x, p, weights, biases, tau, backend.xp)
    step = 1e-6
    for array, grad in ((weights, grad_w), (biases, grad_b)):
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + step
            up = restricted._risk_and_gradient(x, p, weights, biases, tau, backend.xp)[0]
            array[index] = original - step
            down = restricted._risk_and_gradient(x, p, weights, biases, tau, backend.xp)[0]
            array[index] = original
            assert (up - down)[index[0]] / (2 * step) == pytest.approx(grad[index], abs=1e-7)


def test_training_runs_under_every_namespace(backend, seed):
    x = MIXTURE.sample(backend.rng(seed), 300)
    p = MIXTURE.conditional(x, backend.xp)
    run = restricted.train_linear(x, p, [0.5, 1.0], weight_bound=1.0, bias_bound=2.0, iterations=20)
    assert run.surrogate.shape == (21, 2)
    assert np.all(np.diff(run.surrogate, axis=0) <= 1e-12)  # accepted steps only decrease
    assert np.all(run.regret_tau >= -1e-12) and np.all(run.regret_zero_one >= -1e-12)
    assert np.all(np.abs(to_numpy(run.biases)) <= 2.0)
    norms = np.linalg.norm(to_numpy(run.weights), axis=-1)
    assert np.all(norms <= 1.0 + 1e-12)


def test_box_floor_is_the_best_bounded_risk_on_a_one_hot_label():
    x = np.array([[1.0, 0.0], [0.0, 3.0]])
    for tau in (0.0, 1.0, 2.0):
        floor = restricted.box_floor(x, tau, weight_bound=1.0, bias_bound=0.5, n_classes=3)
        reach = np.array([1.5, 3.5])
        scores = np.stack([reach, -reach, -reach], axis=-1)
        expected = comp_sum.conditional_risk(np.array([[1.0, 0, 0]] * 2), scores, tau)
        np.testing.assert_allclose(floor, expected, rtol=1e-12)


def test_best_zero_one_beats_the_trained_models(seed):
    backend = select("numpy")
    rng = backend.rng(seed)
    x = MIXTURE.sample(rng, 2000)
    p = MIXTURE.conditional(x, backend.xp)
    run = restricted.train_linear(x, p, [1.0], weight_bound=1.0, iterations=150)
    found = restricted.best_zero_one(x, p, rng, candidates=512, rounds=8)
    bayes = float(np.mean(1 - p.max(-1)))
    assert bayes <= found < run.zero_one[-1, 0]


def test_mixture_validation():
    with pytest.raises(ValueError, match="sum to 1"):
        restricted.GaussianMixture(((0.0,), (1.0,)), (((1.0,),), ((1.0,),)), (0.5, 0.6))
    with pytest.raises(ValueError, match="same classes"):
        restricted.GaussianMixture(((0.0,),), (((1.0,),), ((1.0,),)), (0.5, 0.5))


TAUS = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])


def _naive_risk_and_slope(scores, p, tau):
    """Softmax by its definition, Ψ_τ(S) = (S^(τ-1) - 1)/(1 - τ) (-log S at τ = 1), and the
    score gradient -g + S Σ g, g = p S^(τ-1)."""
    exp = np.exp(scores)
    s = exp / exp.sum(-1, keepdims=True)
    t = tau[:, None, None]
    loss = np.where(t == 1, -np.log(s), (s ** (t - 1) - 1) / np.where(t == 1, 1.0, 1 - t))
    g = p * s ** (t - 1)
    return (p * loss).sum(-1).mean(-1), g, s * g.sum(-1, keepdims=True)


@given(st.floats(-2, 4), st.integers(0, 2**32 - 1))
def test_risk_and_gradient_are_stable_for_margins_up_to_1e4(log_scale, seed):
    import array_api_compat.numpy as xp

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(4, 2))
    p = rng.dirichlet(np.ones(3), size=4)
    p[0] = [0.0, 1.0, 0.0]  # a deterministic label: zero weights must not meet infinite losses
    weights = rng.normal(size=(TAUS.size, 3, 2))
    biases = 10**log_scale * rng.uniform(-1, 1, size=(TAUS.size, 3))  # margins up to 2e4
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact
        risk, scores, grad_w, grad_b = restricted._risk_and_gradient(
            x, p, weights, biases, TAUS[:, None, None], xp
        )
    assert not np.isnan(risk).any() and np.all(risk >= 0)
    assert np.all(np.isfinite(grad_w)) and np.all(np.isfinite(grad_b))
    # τ >= 1: bounded losses; τ < 1: +inf only where (1 - τ) times a margin leaves the float range
    assert np.all(np.isfinite(risk[TAUS >= 1]))
    moderate = np.all(np.abs(scores) < 30, axis=(1, 2))  # S >= e^-60: the definitions are exact
    if moderate.any():
        naive, g, pull = _naive_risk_and_slope(scores[moderate], p, TAUS[moderate])
        np.testing.assert_allclose(risk[moderate], naive, rtol=1e-12)
        # the gradient is a difference of two terms: compare at the scale of the terms
        slope = pull - g
        terms = np.maximum(np.abs(g).max(axis=(1, 2)), np.abs(pull).max(axis=(1, 2)))
        np.testing.assert_allclose(
            grad_w[moderate],
            np.einsum("kmn,md->knd", slope, x) / 4,
            rtol=0,
            atol=1e-12 * terms.max() * np.abs(x).max(),
        )
        np.testing.assert_allclose(
            grad_b[moderate], slope.mean(1), rtol=0, atol=1e-12 * terms.max()
        )


@given(
    st.floats(0.0, 1e4),
    st.floats(0.0, 1e4),
    st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0]),
    st.integers(2, 5),
)
def test_box_floor_is_stable_for_reaches_up_to_1e4(weight_bound, bias_bound, tau, n_classes):
    x = np.array([[1.0, 0.0], [0.0, 0.0], [0.6, 0.8]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        floor = restricted.box_floor(
            x, tau, weight_bound=weight_bound, bias_bound=bias_bound, n_classes=n_classes
        )
    reach = weight_bound * np.linalg.norm(x, axis=1) + bias_bound
    u = (n_classes - 1) * np.exp(-2 * reach)
    # Φ^τ(u) = ((1 + u)^(1-τ) - 1)/(1 - τ), log(1 + u) at τ = 1, written with log1p/expm1: exact
    # to rounding down to u = 0 (comp_sum.conditional_risk of the scores (Λ, -Λ, ...) takes
    # log Σ e^z without log1p and is off by up to 1e-10 relative once u < 1e-6)
    expected = np.log1p(u) if tau == 1 else np.expm1((1 - tau) * np.log1p(u)) / (1 - tau)
    np.testing.assert_allclose(floor, expected, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(floor)) and np.all(floor >= 0)


@given(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4))
def test_conditionals_are_stable_far_out(a, b):
    import array_api_compat.numpy as xp

    x = np.array([[a, b], [b, a], [a, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = MIXTURE.conditional(x, xp)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(-1), 1, rtol=1e-15)


def _mixture(**changes):
    fields = {
        "means": ((0.0, 0.0), (1.0, 0.0)),
        "covariances": (((1.0, 0.0), (0.0, 1.0)), ((1.0, 0.0), (0.0, 1.0))),
        "priors": (0.5, 0.5),
    }
    return restricted.GaussianMixture(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"covariances": (((1.0,),), ((1.0,),))}, r"covariances \(classes, d, d\)"),
        ({"means": ((np.nan, 0.0), (1.0, 0.0))}, "must be finite"),
        ({"covariances": (((1.0, 0.5), (0.0, 1.0)), ((1.0, 0.0), (0.0, 1.0)))}, "symmetric"),
        (
            {"covariances": (((1.0, 2.0), (2.0, 1.0)), ((1.0, 0.0), (0.0, 1.0)))},
            "positive definite",
        ),
    ],
)
def test_malformed_mixtures_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        _mixture(**changes)


def _sample(seed, size=40):
    backend = select("numpy")
    x = MIXTURE.sample(backend.rng(seed), size)
    return x, MIXTURE.conditional(x, backend.xp)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x, p, rng: MIXTURE.sample(rng, 0), ValueError, "size must be"),
        (lambda x, p, rng: MIXTURE.sample(rng, 2.5), ValueError, "size must be an integer"),
        (lambda x, p, rng: MIXTURE.conditional(x[:, :1], np), ValueError, r"shape \(m, 2\)"),
        (lambda x, p, rng: MIXTURE.conditional(x * np.nan, np), ValueError, "x must be finite"),
        (
            lambda x, p, rng: restricted.train_linear(x, p, [], weight_bound=1.0, iterations=2),
            ValueError,
            "at least one tau",
        ),
        (
            lambda x, p, rng: restricted.train_linear(x, p, [-1.0], weight_bound=1.0, iterations=2),
            ValueError,
            "tau must be",
        ),
        (
            lambda x, p, rng: restricted.train_linear(x, p, [1.0], weight_bound=-1.0, iterations=2),
            ValueError,
            "weight_bound must be",
        ),
        (
            lambda x, p, rng: restricted.train_linear(
                x, p, [1.0], weight_bound=1.0, bias_bound=math.nan, iterations=2
            ),
            ValueError,
            "bias_bound must be",
        ),
        (
            lambda x, p, rng: restricted.train_linear(x, p, [1.0], weight_bound=1.0, iterations=-1),
            ValueError,
            "iterations must be",
        ),
        (
            lambda x, p, rng: restricted.train_linear(
                x, 2 * p, [1.0], weight_bound=1.0, iterations=2
            ),
            ValueError,
            "sum to 1",
        ),
        (
            lambda x, p, rng: restricted.train_linear(
                x, p[:5], [1.0], weight_bound=1.0, iterations=2
            ),
            ValueError,
            "one row per row of x",
        ),
        (
            lambda x, p, rng: restricted.train_linear(
                x[:, 0], p, [1.0], weight_bound=1.0, iterations=2
            ),
            ValueError,
            r"shape \(m, d\)",
        ),
        (
            lambda x, p, rng: restricted.best_zero_one(x, p, rng, candidates=0, rounds=1),
            ValueError,
            "candidates must be",
        ),
        (
            lambda x, p, rng: restricted.best_zero_one(x, p, rng, candidates=4, rounds=-1),
            ValueError,
            "rounds must be",
        ),
        (
            lambda x, p, rng: restricted.best_zero_one(
                x, p, rng, candidates=4, rounds=1, start=(np.zeros((2, 3, 3)), np.zeros((2, 3)))
            ),
            ValueError,
            "start must be",
        ),
        (
            lambda x, p, rng: restricted.box_floor(
                x, -1.0, weight_bound=1.0, bias_bound=0.5, n_classes=3
            ),
            ValueError,
            "tau must be",
        ),
        (
            lambda x, p, rng: restricted.box_floor(
                x, 1.0, weight_bound=math.inf, bias_bound=0.5, n_classes=3
            ),
            ValueError,
            "weight_bound must be",
        ),
        (
            lambda x, p, rng: restricted.box_floor(
                x, 1.0, weight_bound=1.0, bias_bound=-1.0, n_classes=3
            ),
            ValueError,
            "bias_bound must be",
        ),
        (
            lambda x, p, rng: restricted.box_floor(
                x, 1.0, weight_bound=1.0, bias_bound=0.5, n_classes=1
            ),
            ValueError,
            "n_classes must be",
        ),
    ],
)
def test_invalid_inputs_are_refused(call, error, message, seed):
    x, p = _sample(seed)
    with pytest.raises(error, match=message):
        call(x, p, select("numpy").rng(seed))


# The sweep cell: sample, training, search and floors from one seed, as the claims did inline.

TINY_RING = restricted.RingTraining(
    "numpy", 60, (0.5, 2.0), 1.0, 5, search_candidates=8, search_rounds=2
)


def test_the_ring_task_is_sampling_training_and_search_on_one_stream(tmp_path):
    seed = np.random.SeedSequence(17, spawn_key=(0,))
    rng = select("numpy").rng(seed)
    x = restricted.RING_MIXTURE.sample(rng, 60)
    p = restricted.RING_MIXTURE.conditional(x, np)
    direct = restricted.train_linear(x, p, [0.5, 2.0], weight_bound=1.0, iterations=5)
    searched = restricted.best_zero_one(x, p, rng, candidates=8, rounds=2)
    result = restricted.ring_training_task(TINY_RING, seed)
    expected = {**direct.as_result(), "best_zero_one_found": searched}
    assert sweeps.first_difference([result], [expected]) is None
    stored = sweeps.run_sweep(
        restricted.ring_training_task, [sweeps.Cell(TINY_RING, seed)], sweeps.Store(tmp_path)
    )
    run = restricted.LinearRun.from_result(stored[0])
    assert run.taus == [0.5, 2.0] and np.array_equal(run.surrogate, direct.surrogate)


def test_the_ring_task_with_deterministic_labels_returns_the_box_floors():
    cell = restricted.RingTraining(
        "numpy", 40, (0.0, 1.0), 1.0, 3, bias_bound=1.0, deterministic=True
    )
    seed = np.random.SeedSequence(4)
    x = restricted.RING_MIXTURE.sample(select("numpy").rng(seed), 40)
    floors = [
        float(np.mean(restricted.box_floor(x, tau, weight_bound=1.0, bias_bound=1.0, n_classes=3)))
        for tau in (0.0, 1.0)
    ]
    result = restricted.ring_training_task(cell, seed)
    assert result["box_floor"].tolist() == floors and "best_zero_one_found" not in result


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"backend": "auto"}, ValueError, "unknown backend 'auto'"),
        ({"size": 0}, ValueError, "size must be a finite number >= 1"),
        ({"taus": ()}, ValueError, "at least one tau"),
        ({"taus": (-1.0,)}, ValueError, "tau must be a finite number >= 0"),
        ({"iterations": 2.5}, ValueError, "iterations must be an integer"),
        ({"bias_bound": -1.0}, ValueError, "bias_bound must be a finite number >= 0"),
        ({"search_candidates": True}, TypeError, "search_candidates must be a real number"),
    ],
)
def test_a_ring_cell_refuses_bad_fields(change, error, message):
    with pytest.raises(error, match=message):
        dataclasses.replace(TINY_RING, **change)
