import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulations import datasets
from simulations.backend import select, to_numpy

BETA = np.full(10, 2 / math.sqrt(10))


def test_linear_rule_risk_agrees_with_monte_carlo():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1_000_000, 10))
    eta = 1 / (1 + np.exp(-x @ BETA))
    for w, b in ((BETA + 0.3 * rng.normal(size=10), 0.2), (rng.normal(size=10), -0.5), (BETA, 0.0)):
        loss = np.where(x @ w + b >= 0, 1 - eta, eta)
        error = loss.std() / math.sqrt(loss.size)
        assert abs(datasets.linear_rule_risk(w, b, BETA) - loss.mean()) < 5 * error  # CLT
    assert datasets.linear_rule_risk(BETA, 0.0, BETA) == pytest.approx(
        datasets.bayes_risk(BETA), abs=1e-12
    )
    assert datasets.linear_rule_risk(np.zeros(10), 1.0, BETA) == pytest.approx(0.5, abs=1e-12)


def test_logistic_design_labels_follow_the_model(seed):
    backend = select("numpy")
    data = datasets.logistic_design(backend.rng(seed), 200_000, BETA)
    x, y = to_numpy(data["x_train"]), to_numpy(data["y_train"])
    assert set(np.unique(y)) == {-1.0, 1.0}
    eta = 1 / (1 + np.exp(-x @ BETA))
    assert abs(np.mean(y == 1) - eta.mean()) < 5 * math.sqrt(0.25 / y.size)


def test_random_features_task_shapes(backend, seed):
    data = datasets.random_features_task(backend.rng(seed), 30, 20, dim=5, features=40)
    assert data["x_train"].shape == (30, 40) and data["x_test"].shape == (20, 40)
    train = to_numpy(data["x_train"])
    np.testing.assert_allclose(train.mean(0), 0, atol=1e-12)


def test_offline_stand_ins():
    tasks = datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=3, features=300)
    assert list(tasks) == ["breast_cancer", "digits_0v1", "digits_1v8", "digits_4v5", "p>>n"]
    for data in tasks.values():
        assert set(np.unique(data["y_train"])) == {-1.0, 1.0}
        np.testing.assert_allclose(data["x_train"].mean(0), 0, atol=1e-9)
    assert tasks["p>>n"]["x_train"].shape == (420, 300)
    assert len(datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=45, features=100)) == 47


def _reference_bayes_risk(norm):
    """E[σ(-|β||t|)] after the substitution u = |β| t: (2/|β|) ∫ φ(u/|β|) σ(-u) du on [0, ∞),
    a different quadrature whose integrand has unit scale in u at every |β|."""
    from scipy import integrate

    def integrand(u):
        return math.exp(-((u / norm) ** 2) / 2) / math.sqrt(2 * math.pi) * datasets._sigmoid(-u)

    return 2 / norm * integrate.quad(integrand, 0, np.inf, epsabs=0, epsrel=1e-13)[0]


@given(st.floats(1.0, 1e4), st.integers(0, 2**16))
def test_risks_are_accurate_for_margins_up_to_1e4(norm, seed):
    direction = np.random.default_rng(seed).normal(size=4)
    beta = norm * direction / np.linalg.norm(direction)
    bayes = datasets.bayes_risk(beta)
    # two quadratures, each to a relative 1e-12: they agree to 1e-10
    assert bayes == pytest.approx(_reference_bayes_risk(norm), rel=1e-10)
    # the Bayes rule sign(β·x) attains the Bayes risk, through the other integral
    assert datasets.linear_rule_risk(beta, 0.0, beta) == pytest.approx(bayes, rel=1e-10)


def test_a_zero_beta_gives_the_coin_flip_risk():
    assert datasets.linear_rule_risk(np.ones(3), 0.2, np.zeros(3)) == 0.5
    assert datasets.bayes_risk(np.zeros(3)) == pytest.approx(0.5, abs=1e-15)


@given(st.floats(-1e4, 1e4), st.sampled_from(["float64", "float32"]))
def test_the_label_probability_is_stable_at_any_margin(margin, dtype):
    import array_api_compat.numpy as xp

    u = np.array([margin, -margin, 0.5 * margin], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        eta = datasets._sigmoid_array(u, xp)
    assert eta.dtype == u.dtype and np.all((eta >= 0) & (eta <= 1))
    assert eta[0] >= eta[2] if margin >= 0 else eta[0] <= eta[2]
    moderate = np.abs(u) < 80  # e^{-u} is finite in float32 too: the formula of the model
    with np.errstate(under="ignore"):
        np.testing.assert_array_equal(eta[moderate], 1 / (1 + np.exp(-u[moderate])))
    np.testing.assert_allclose(eta[0] + eta[1], 1, rtol=2 * np.finfo(dtype).eps)


def test_logistic_design_at_a_huge_beta_labels_by_the_sign_of_the_margin(seed):
    beta = np.array([1e4, -1e4, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        data = datasets.logistic_design(select("numpy").rng(seed), 2000, beta)
    margin = data["x_train"] @ beta
    clear = np.abs(margin) > 40  # σ is 0 or 1 to 4e-18 there
    np.testing.assert_array_equal(data["y_train"][clear], np.sign(margin[clear]))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda rng: datasets.logistic_design(rng, 0, BETA), ValueError, "n must be"),
        (lambda rng: datasets.logistic_design(rng, 2.5, BETA), ValueError, "n must be an integer"),
        (lambda rng: datasets.logistic_design(rng, True, BETA), TypeError, "n must be a real"),
        (
            lambda rng: datasets.logistic_design(rng, 5, [1.0, np.nan]),
            ValueError,
            "beta must be finite",
        ),
        (
            lambda rng: datasets.logistic_design(rng, 5, np.ones((2, 2))),
            ValueError,
            "beta must be a non-empty 1-D",
        ),
        (lambda rng: datasets.linear_rule_risk(np.ones(2), 0.0, BETA), ValueError, "one length"),
        (
            lambda rng: datasets.linear_rule_risk([np.inf, 1.0], 0.0, [1.0, 1.0]),
            ValueError,
            "w must be finite",
        ),
        (lambda rng: datasets.linear_rule_risk(BETA, np.nan, BETA), ValueError, "b must be finite"),
        (lambda rng: datasets.bayes_risk([np.nan, 1.0]), ValueError, "beta must be finite"),
        (
            lambda rng: datasets.random_features_task(rng, 0, 5, dim=3, features=4),
            ValueError,
            "n_train",
        ),
        (
            lambda rng: datasets.random_features_task(rng, 5, 0, dim=3, features=4),
            ValueError,
            "n_test",
        ),
        (
            lambda rng: datasets.random_features_task(rng, 5, 5, dim=0, features=4),
            ValueError,
            "dim",
        ),
        (
            lambda rng: datasets.random_features_task(rng, 5, 5, dim=3, features=0),
            ValueError,
            "features",
        ),
        (
            lambda rng: datasets.offline_stand_ins(select("numpy"), -1, digit_pairs=1),
            ValueError,
            "seed",
        ),
        (
            lambda rng: datasets.offline_stand_ins(select("numpy"), 2**32, digit_pairs=1),
            ValueError,
            "seed",
        ),
        (
            lambda rng: datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=46),
            ValueError,
            "digit_pairs",
        ),
        (
            lambda rng: datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=1.5),
            ValueError,
            "digit_pairs",
        ),
        (
            lambda rng: datasets.offline_stand_ins(select("numpy"), 0, digit_pairs=1, features=59),
            ValueError,
            "features",
        ),
        (
            lambda rng: datasets.offline_stand_ins(
                select("numpy"), 0, digit_pairs=1, dtype="int64"
            ),
            ValueError,
            "dtype",
        ),
    ],
)
def test_invalid_inputs_are_refused(call, error, message, seed):
    with pytest.raises(error, match=message):
        call(select("numpy").rng(seed))
