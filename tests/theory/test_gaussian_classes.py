import math

import numpy as np
import pytest
from scipy.special import ndtr

from theory import gaussian_classes as gc
from theory import gaussian_risks as gr

# --------------------------------------------------------------------------------------------
# naive Bayes and Bayes rules


def test_naive_bayes_rule_is_the_argmax_of_the_code_score():
    rng = np.random.default_rng(2)
    means, variances = rng.normal(size=(4, 3, 5)), rng.uniform(0.5, 2.0, size=(4, 5))
    priors = rng.dirichlet(np.ones(3), size=4)
    weights, intercepts = gc.naive_bayes_rule(means, variances, priors)
    x = rng.normal(size=(7, 5))
    for b in range(4):
        score = np.log(priors[b]) - 0.5 * np.sum(
            (x[:, None, :] - means[b]) ** 2 / variances[b], axis=-1
        )
        affine = x @ weights[b].T + intercepts[b]
        # equal up to the class-independent -sum x^2 / (2 sigma^2)
        common = -0.5 * np.sum(x**2 / variances[b], axis=-1, keepdims=True)
        np.testing.assert_allclose(score, affine + common, rtol=1e-12, atol=1e-12)


def test_population_naive_bayes_is_the_bayes_rule_for_diagonal_covariance():
    rng = np.random.default_rng(4)
    law = gc.GaussianClasses(rng.normal(size=(3, 4)), np.diag([0.5, 1, 2, 3]), [0.2, 0.3, 0.5])
    model = gc.population_naive_bayes(law)
    nb = gc.naive_bayes_rule(model.means, model.variances, model.priors)
    for mine, bayes in zip(nb, gc.bayes_rule(law)):
        np.testing.assert_allclose(mine, bayes, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# beta and alpha, exactly and by Monte Carlo


def block_correlated(n_features: int, block: int, correlation: float) -> np.ndarray:
    inside = correlation * np.ones((block, block)) + (1 - correlation) * np.eye(block)
    return np.kron(np.eye(n_features // block), inside)


@pytest.mark.parametrize("true_class", [0, 1])
def test_monte_carlo_alpha_is_twice_beta_when_well_specified(true_class):
    rng = np.random.default_rng(6)
    n = 20
    law = gc.GaussianClasses(
        rng.normal(size=(3, n)), np.diag(rng.uniform(0.5, 2.0, size=n)), np.ones(3) / 3
    )
    model = gc.population_naive_bayes(law)
    estimate = gc.assumption_statistics_monte_carlo(
        model, law, (0, 1), true_class, 100_000, np.random.SeedSequence(11 + true_class)
    )
    assert abs(estimate.gap) <= 4 * estimate.gap_se
    assert abs(estimate.beta - gc.kl_divergence(law, 0, 1) / n) <= 4 * estimate.beta_se
    exact = gc.assumption_statistics(model, law, (0, 1), true_class)
    assert exact.gap == pytest.approx(0.0, abs=1e-12)
    assert abs(estimate.alpha - exact.alpha) <= 4 * estimate.alpha_se


def test_monte_carlo_detects_misspecification():
    rng = np.random.default_rng(7)
    n = 20
    # the note's two-regime design: a positive mean shift, blocks of 4 correlated features
    means = np.stack([np.zeros(n), rng.uniform(0.0, 0.5, size=n)])
    law = gc.GaussianClasses(means, block_correlated(n, 4, 0.3), np.ones(2) / 2)
    model = gc.population_naive_bayes(law)
    estimate = gc.assumption_statistics_monte_carlo(
        model, law, (0, 1), 0, 100_000, np.random.default_rng(8)
    )
    exact = gc.assumption_statistics(model, law, (0, 1), 0)
    assert estimate.gap > 4 * estimate.gap_se  # alpha != 2 beta is detected
    assert abs(estimate.gap - exact.gap) <= 4 * estimate.gap_se
    assert abs(estimate.beta - exact.beta) <= 4 * estimate.beta_se


def test_third_class_breaks_alpha_equal_two_beta_even_when_well_specified():
    law = gc.paper_design(n_classes=3, n_features=6)
    stats = gc.assumption_statistics(gc.population_naive_bayes(law), law, (0, 1), 2)
    assert abs(stats.gap) > 0.1  # here alpha == beta


def test_assumption_arguments_are_checked():
    law = gc.paper_design(n_classes=2, n_features=3)
    model = gc.population_naive_bayes(law)
    with pytest.raises(ValueError, match="different labels"):
        gc.assumption_statistics(model, law, (1, 1), 0)
    with pytest.raises(ValueError, match="true_class"):
        gc.assumption_statistics(model, law, (0, 1), 2)
    with pytest.raises(TypeError, match="Generator"):
        gc.assumption_statistics_monte_carlo(model, law, (0, 1), 0, 10, 3)


# --------------------------------------------------------------------------------------------
# Ng & Jordan's margin mass


@pytest.mark.parametrize("n", [4, 50, 101])
def test_margin_mass_general_formula_matches_the_paper_design_closed_form(n):
    tau = np.array([0.0, 0.05, 0.3, 0.9, 1.0, 3.0])
    np.testing.assert_allclose(
        gc.margin_mass(tau, gc.paper_design(n_classes=2, n_features=n)),
        gc.paper_design_margin_mass(tau, n),
        rtol=1e-10,
        atol=1e-300,
    )


def test_margin_mass_against_monte_carlo_for_a_correlated_law():
    n = 8
    law = gc.GaussianClasses(
        np.array([-0.3 * np.ones(n), 0.4 * np.ones(n)]), block_correlated(n, 4, 0.5), [0.4, 0.6]
    )
    model = gc.population_naive_bayes(law)
    weights, intercepts = gc.naive_bayes_rule(model.means, model.variances, model.priors)
    rng = np.random.default_rng(15)
    x, y = law.sample(200_000, rng)
    log_odds = x @ (weights[1] - weights[0]) + intercepts[1] - intercepts[0]
    tau = 0.2
    width = tau * n
    inside = ((y == 1) & (log_odds >= 0) & (log_odds <= width)) | (
        (y == 0) & (log_odds >= -width) & (log_odds <= 0)
    )
    exact = float(gc.margin_mass(tau, law))
    assert abs(inside.mean() - exact) <= 4 * math.sqrt(exact * (1 - exact) / 200_000)


def test_margin_mass_vanishes_exponentially_in_n_below_tau_one():
    n_values = np.array([50, 100, 200, 400])
    mass = np.array([float(gc.paper_design_margin_mass(0.5, n)) for n in n_values])
    assert np.all(np.diff(mass) < 0)
    # -log G grows linearly, slope near (1 - tau)^2/4 = 1/16 per feature
    slope = np.polyfit(n_values, -np.log(mass), 1)[0]
    assert slope == pytest.approx(1 / 16, rel=0.1)
    assert float(gc.paper_design_margin_mass(2.0, 400)) == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------------------------
# input validation


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([[0.0], [1.0]], [[1.0]], [0.5, 0.6]), "sum to 1"),
        (([[0.0], [1.0]], [[1.0]], [1.0, 0.0]), "positive"),
        (([[0.0], [1.0]], [[-1.0]], [0.5, 0.5]), "positive definite"),
        (([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.2], [0.1, 1.0]], [0.5, 0.5]), "symmetric"),
        (([[0.0], [np.nan]], [[1.0]], [0.5, 0.5]), "finite"),
        (([[0.0], [1.0]], [[1.0, 0.0]], [0.5, 0.5]), "covariance must be"),
        (([[0.0, 1.0]], [[1.0, 0], [0, 1.0]], [1.0]), "K >= 2"),
    ],
)
def test_gaussian_classes_validation(arguments, message):
    with pytest.raises(ValueError, match=message):
        gc.GaussianClasses(*arguments)


def test_parameter_validation():
    law = gc.paper_design(n_classes=3, n_features=2)
    with pytest.raises(ValueError, match="two classes"):
        gc.margin_mass(0.1, law)
    with pytest.raises(ValueError, match="non-negative"):
        gc.paper_design_margin_mass(-0.1, 10)
    with pytest.raises(ValueError, match="variances must be positive"):
        gc.naive_bayes_rule(np.zeros((2, 2)), np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="variances"):
        gc.NaiveBayes(np.zeros((2, 2)), np.ones(3), np.array([0.5, 0.5]))


# --------------------------------------------------------------------------------------------
# the simulation designs


def test_paper_design_is_the_official_law_and_loader_transform():
    raw = gc.paper_design(n_classes=3, n_features=10)
    np.testing.assert_array_equal(raw.means, np.outer([-1.0, 1.0, 2.0], np.ones(10)))
    np.testing.assert_array_equal(np.diag(raw.covariance), [10.0] * 5 + [1.0] * 5)
    assert raw.diagonal and np.allclose(raw.priors, 1 / 3)
    odd = gc.paper_design(n_classes=2, n_features=7)
    assert odd.covariance[2, 2] == 7 and odd.covariance[3, 3] == 1

    def loaded(k):
        return gc.paper_design(n_classes=k, n_features=10, loader_transform=True)

    # K = 3: x - 1 (a shift); K = 5: (x - 4) / 4; K = 2: untouched
    np.testing.assert_array_equal(loaded(3).means[:, 0], [-2.0, 0.0, 1.0])
    np.testing.assert_array_equal(loaded(5).means[:, 0], (np.array([-1, 1, 2, 4, 8]) - 4) / 4)
    np.testing.assert_array_equal(np.diag(loaded(5).covariance), [10 / 16] * 5 + [1 / 16] * 5)
    np.testing.assert_array_equal(loaded(2).means, raw.means[:2])
    # an affine change of the features leaves the Bayes error alone
    assert gr.bayes_error(loaded(5)) == pytest.approx(
        gr.bayes_error(gc.paper_design(n_classes=5, n_features=10)), rel=1e-3
    )


@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_fixed_separation_keeps_the_closest_classes_equally_apart(n_classes):
    for n in (10, 101, 1000):
        law = gc.fixed_separation_design(n_classes=n_classes, n_features=n, separation=3.0)
        precision = np.diag(1.0 / np.diag(law.covariance))
        distances = [
            math.sqrt((a - b) @ precision @ (a - b))
            for i, a in enumerate(law.means)
            for b in law.means[i + 1 :]
        ]
        assert min(distances) == pytest.approx(3.0, rel=1e-12)
    binary = gc.fixed_separation_design(n_classes=2, n_features=50, separation=3.0)
    assert gr.bayes_error(binary) == pytest.approx(ndtr(-1.5), rel=1e-9)


def test_block_correlated_design_is_misspecified_and_reproducible():
    seed = np.random.SeedSequence(3)
    law = gc.block_correlated_design(n_classes=3, n_features=12, rng=seed)
    assert not law.diagonal
    np.testing.assert_allclose(np.diag(law.covariance), 1.0)
    assert law.covariance[0, 3] == pytest.approx(0.3) and law.covariance[3, 4] == 0
    shift = law.means[1]
    assert np.all((shift >= 0) & (shift <= 0.5))
    np.testing.assert_allclose(law.means[2], 2 * shift)
    again = gc.block_correlated_design(n_classes=3, n_features=12, rng=seed)
    np.testing.assert_array_equal(again.means, law.means)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_features": 10}, "multiple"),
        ({"n_features": 8, "correlation": -0.5}, "positive definite"),
        ({"n_features": 8, "max_shift": 0.0}, "max_shift"),
    ],
)
def test_block_correlated_design_validation(arguments, message):
    with pytest.raises(ValueError, match=message):
        gc.block_correlated_design(n_classes=2, rng=np.random.SeedSequence(0), **arguments)


def test_fixed_separation_validation():
    with pytest.raises(ValueError, match="separation"):
        gc.fixed_separation_design(n_classes=3, n_features=10, separation=0.0)


def test_log_margin_mass_is_the_log_of_the_closed_form_and_finite_where_it_underflows():
    for tau, n in ((0.25, 50), (0.5, 200), (0.9, 400)):
        direct = float(gc.paper_design_margin_mass(tau, n))
        assert gc.paper_design_log_margin_mass(tau, n) == pytest.approx(math.log(direct), rel=1e-9)
    assert float(gc.paper_design_margin_mass(0.25, 20000)) == 0.0
    deep = gc.paper_design_log_margin_mass(0.25, 20000)
    assert math.isfinite(deep) and deep == pytest.approx(-(0.75**2) * 20000 / 4, rel=0.02)
    with pytest.raises(ValueError, match="non-negative"):
        gc.paper_design_log_margin_mass(-0.1, 10)
