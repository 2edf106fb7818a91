import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from theory import gaussian_classes as gc
from theory import gaussian_risks as gr
from theory import generative as g

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def random_law(rng: np.random.Generator, n_classes: int, n_features: int) -> gc.GaussianClasses:
    """Gaussian classes with a random full covariance, means and priors."""
    mixing = rng.normal(size=(n_features, n_features))
    covariance = mixing @ mixing.T / n_features + 0.3 * np.eye(n_features)
    means = rng.normal(size=(n_classes, n_features))
    return gc.GaussianClasses(means, covariance, rng.dirichlet(3 * np.ones(n_classes)))


def random_rules(rng: np.random.Generator, law: gc.GaussianClasses, count: int):
    weights = rng.normal(size=(count, law.n_classes, law.n_features))
    return weights, rng.normal(size=(count, law.n_classes))


def monte_carlo_errors(weights, intercepts, law, draws, rng) -> np.ndarray:
    """Indicator of a mistake of each rule (rows) on each of ``draws`` samples (columns)."""
    x, y = law.sample(draws, rng)
    scores = np.einsum("bkn,in->bik", weights, x) + intercepts[:, None, :]
    return np.argmax(scores, axis=-1) != y


def monte_carlo_logistic(weights, intercepts, law, draws, rng) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the cross-entropy of each rule on ``draws`` samples."""
    x, y = law.sample(draws, rng)
    scores = np.einsum("bkn,in->bik", weights, x) + intercepts[:, None, :]
    losses = np.logaddexp.reduce(scores, axis=-1) - scores[:, np.arange(draws), y]
    return losses.mean(axis=1), losses.std(axis=1) / math.sqrt(draws)


# --------------------------------------------------------------------------------------------
# the 0-1 risk and the Bayes error


@settings(max_examples=15)
@given(seed=seeds, n_features=st.integers(min_value=1, max_value=4))
def test_binary_zero_one_risk_matches_monte_carlo(seed, n_features):
    rng = np.random.default_rng(seed)
    law = random_law(rng, 2, n_features)
    weights, intercepts = random_rules(rng, law, 3)
    exact = gr.zero_one_risk(weights, intercepts, law)
    draws = 20_000
    mistakes = monte_carlo_errors(weights, intercepts, law, draws, rng).mean(axis=1)
    sigma = np.sqrt(np.maximum(exact * (1 - exact), 1e-4))
    assert np.all(np.abs(exact - mistakes) <= 4 * sigma / math.sqrt(draws))


@settings(max_examples=15)
@given(seed=seeds, n_classes=st.sampled_from([3, 4]))
def test_multiclass_zero_one_risk_matches_monte_carlo(seed, n_classes):
    rng = np.random.default_rng(seed)
    law = random_law(rng, n_classes, 4)
    weights, intercepts = random_rules(rng, law, 2)
    exact = gr.zero_one_risk(weights, intercepts, law)
    draws = 20_000
    mistakes = monte_carlo_errors(weights, intercepts, law, draws, rng).mean(axis=1)
    sigma = np.sqrt(np.maximum(exact * (1 - exact), 1e-4))
    # scipy's orthant probability adds at most ~1e-5 (K = 4)
    assert np.all(np.abs(exact - mistakes) <= 4 * sigma / math.sqrt(draws) + 1e-4)


@settings(max_examples=20)
@given(seed=seeds, n_classes=st.sampled_from([2, 3]))
def test_bayes_rule_risk_is_the_bayes_error_and_beats_random_rules(seed, n_classes):
    rng = np.random.default_rng(seed)
    law = random_law(rng, n_classes, 3)
    bayes = gr.bayes_error(law)
    assert gr.zero_one_risk(*gc.bayes_rule(law), law) == pytest.approx(bayes, rel=1e-10, abs=1e-14)
    others = gr.zero_one_risk(*random_rules(rng, law, 8), law)
    assert np.all(others >= bayes - 1e-12)


def test_binary_bayes_error_with_unequal_priors_against_monte_carlo():
    law = gc.GaussianClasses([[0.0, 0.0], [1.0, 0.5]], [[1.0, 0.4], [0.4, 2.0]], [0.8, 0.2])
    rng = np.random.default_rng(9)
    x, y = law.sample(200_000, rng)
    weights, intercepts = gc.bayes_rule(law)
    mistakes = np.mean(np.argmax(x @ weights.T + intercepts, axis=1) != y)
    bayes = gr.bayes_error(law)
    assert abs(bayes - mistakes) <= 4 * math.sqrt(bayes * (1 - bayes) / 200_000)
    # the equal-prior Bayes rule (threshold at the midpoint) does worse
    assert bayes < gr.binary_zero_one_risk(weights[1] - weights[0], np.zeros(()), law)


@pytest.mark.parametrize("n", [2, 10, 100, 200])
def test_paper_design_binary_bayes_error_is_phi_of_minus_root_s(n):
    signal = (n // 2) / n + n - n // 2
    assert gr.bayes_error(gc.paper_design(n_classes=2, n_features=n)) == pytest.approx(
        ndtr(-math.sqrt(signal)), rel=1e-12
    )


@pytest.mark.parametrize("n_classes", [3, 5, 7])
def test_paper_design_multiclass_bayes_error_by_the_rank_one_path(n_classes):
    # collinear means: the Bayes scores differ along 1' Sigma^-1 x only, a 1-D problem with
    # standardised class centres c_k sqrt(S) and boundaries at the midpoints
    n = 100
    signal = (n // 2) / n + n - n // 2
    centres = np.sort([-1.0] + [2.0 ** (k - 1) for k in range(1, n_classes)])
    cuts = np.concatenate([[-np.inf], (centres[1:] + centres[:-1]) / 2, [np.inf]])
    root = math.sqrt(signal)
    expected = np.mean(ndtr((cuts[:-1] - centres) * root) + ndtr((centres - cuts[1:]) * root))
    law = gc.paper_design(n_classes=n_classes, n_features=n)
    assert gr.bayes_error(law) == pytest.approx(expected, rel=1e-10)
    model = gc.population_naive_bayes(law)
    nb = gr.zero_one_risk(*gc.naive_bayes_rule(model.means, model.variances, model.priors), law)
    assert nb == pytest.approx(expected, rel=1e-10)


def test_constant_rule_predicts_the_first_class():
    law = gc.paper_design(n_classes=3, n_features=2)
    weights, intercepts = np.zeros((3, 2)), np.zeros(3)
    assert gr.zero_one_risk(weights, intercepts, law) == pytest.approx(2 / 3)
    binary = gc.paper_design(n_classes=2, n_features=2)
    assert gr.zero_one_risk(np.zeros((2, 2)), np.zeros(2), binary) == pytest.approx(0.5)


def test_risks_are_vectorised_over_any_batch_shape():
    rng = np.random.default_rng(12)
    law = random_law(rng, 3, 4)
    weights, intercepts = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=(2, 3, 3))
    for risk in (gr.zero_one_risk, gr.logistic_risk):
        batched = risk(weights, intercepts, law)
        assert batched.shape == (2, 3)
        single = risk(weights[1, 2], intercepts[1, 2], law)
        assert single.shape == ()
        assert batched[1, 2] == pytest.approx(float(single), rel=1e-12)


def test_rank_deficient_differences_of_intermediate_rank_are_refused():
    law = random_law(np.random.default_rng(3), 4, 2)  # n = 2 < K - 1 = 3 differences
    weights, intercepts = random_rules(np.random.default_rng(4), law, 1)
    with pytest.raises(ValueError, match="rank 2"):
        gr.zero_one_risk(weights, intercepts, law)


# --------------------------------------------------------------------------------------------
# the logistic risk


@pytest.mark.parametrize(
    ("mean", "sd"),
    [(m, s) for m in (-30.0, -1.0, 0.0, 2.0, 40.0) for s in (0.0, 0.01, 0.9, 1.1, 7.0, 300.0)],
)
def test_gaussian_softplus_mean_against_mpmath_quadrature(mean, sd):
    value = float(gr.gaussian_softplus_mean(mean, sd))
    if sd == 0:
        reference = math.log1p(math.exp(mean)) if mean < 30 else mean + math.log1p(math.exp(-mean))
    else:
        with mpmath.workdps(25):

            def integrand(u):
                return mpmath.log1p(mpmath.exp(u)) * mpmath.npdf(u, mean, sd)

            cuts = sorted(
                {mean - 12 * sd, mean, mean + 12 * sd, *([0] if abs(mean) < 12 * sd else [])}
            )
            reference = float(mpmath.quad(integrand, cuts))
    assert value == pytest.approx(reference, rel=1e-12, abs=1e-16)


@settings(max_examples=15)
@given(seed=seeds, scale=st.floats(min_value=0.1, max_value=5.0))
def test_binary_logistic_risk_matches_monte_carlo(seed, scale):
    rng = np.random.default_rng(seed)
    law = random_law(rng, 2, 3)
    weights, intercepts = random_rules(rng, law, 3)
    weights, intercepts = scale * weights, scale * intercepts
    exact = gr.logistic_risk(weights, intercepts, law)
    estimate, error = monte_carlo_logistic(weights, intercepts, law, 20_000, rng)
    assert np.all(np.abs(exact - estimate) <= 4 * error)


@settings(max_examples=10)
@given(seed=seeds)
def test_three_class_logistic_risk_matches_monte_carlo(seed):
    rng = np.random.default_rng(seed)
    law = random_law(rng, 3, 4)
    weights, intercepts = random_rules(rng, law, 3)
    exact = gr.logistic_risk(weights, intercepts, law)
    estimate, error = monte_carlo_logistic(weights, intercepts, law, 20_000, rng)
    assert np.all(np.abs(exact - estimate) <= 4 * error)


def test_multiclass_logistic_quadrature_converges_in_the_nodes():
    # score differences with standard deviations near 8: the documented 1e-3 relative accuracy
    rng = np.random.default_rng(13)
    for n_classes in (3, 4, 5):
        law = random_law(rng, n_classes, 5)
        weights, intercepts = random_rules(rng, law, 2)
        default = gr.logistic_risk(weights, intercepts, law)
        finer = gr.logistic_risk(weights, intercepts, law, nodes={3: 96, 4: 128, 5: 28}[n_classes])
        np.testing.assert_allclose(default, finer, rtol=1e-3)
    with pytest.raises(ValueError, match="at most"):
        gr.logistic_risk(weights, intercepts, law, nodes=500)


@settings(max_examples=20)
@given(seed=seeds, n_classes=st.sampled_from([2, 3]))
def test_integrated_logistic_bound_holds_for_linear_rules(seed, n_classes):
    # the Bayes rule is linear here, so it minimises both risks over all measurable scores:
    # Psi(R_01(h) - R*_01) <= R_log(h) - R*_log for every rule h
    rng = np.random.default_rng(seed)
    law = random_law(rng, n_classes, 3)
    bayes_weights, bayes_intercepts = gc.bayes_rule(law)
    best_log = float(gr.logistic_risk(bayes_weights, bayes_intercepts, law))
    best_01 = gr.bayes_error(law)
    weights, intercepts = random_rules(rng, law, 6)
    weights[:3] = bayes_weights + 0.3 * weights[:3]  # near-optimal rules too
    intercepts[:3] = bayes_intercepts + 0.3 * intercepts[:3]
    excess_log = gr.logistic_risk(weights, intercepts, law) - best_log
    excess_01 = gr.zero_one_risk(weights, intercepts, law) - best_01
    assert np.all(excess_log >= -1e-9)
    assert np.all(g.logistic_transform(np.clip(excess_01, 0, 1)) <= excess_log + 1e-9)
    assert np.all(excess_01 <= g.zero_one_excess_bound(np.maximum(excess_log, 0)) + 1e-9)


# --------------------------------------------------------------------------------------------
# input validation and rules that never predict a class


def test_rule_validation():
    law = gc.paper_design(n_classes=3, n_features=2)
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, 2\)"):
        gr.zero_one_risk(np.zeros((2, 2)), np.zeros(2), law)
    with pytest.raises(ValueError, match="intercepts"):
        gr.logistic_risk(np.zeros((3, 2)), np.zeros(2), law)
    with pytest.raises(ValueError, match="abseps"):
        gr.zero_one_risk(np.zeros((3, 2)), np.zeros(3), law, abseps=0.0)
    with pytest.raises(ValueError, match="sd must be non-negative"):
        gr.gaussian_softplus_mean(0.0, -1.0)


def test_a_class_the_rule_never_predicts_counts_as_always_wrong():
    law = gc.paper_design(n_classes=3, n_features=4)
    weights, intercepts = gc.bayes_rule(law)
    weights[2], intercepts[2] = 0.0, -np.inf
    risk = float(gr.zero_one_risk(weights, intercepts, law))
    x, labels = law.sample(200_000, np.random.default_rng(0))
    wrong = np.argmax(x @ weights.T + intercepts, axis=1) != labels
    assert risk == pytest.approx(wrong.mean(), abs=4 * math.sqrt(risk * (1 - risk) / labels.size))
    assert risk >= law.priors[2]
    only_first = np.array([0.0, -np.inf, -np.inf])
    assert float(gr.zero_one_risk(weights, only_first, law)) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="some class"):
        gr.zero_one_risk(weights, np.full(3, -np.inf), law)
    with pytest.raises(ValueError, match="NaN"):
        gr.zero_one_risk(weights, np.array([0.0, np.inf, 0.0]), law)
