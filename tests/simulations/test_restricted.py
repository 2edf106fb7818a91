import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.stats import multivariate_normal

from simulations import restricted
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
