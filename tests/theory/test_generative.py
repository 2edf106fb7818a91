import inspect
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from theory import generative as g
from theory.proof import Status

seeds = st.integers(min_value=0, max_value=2**32 - 1)
unit = st.floats(min_value=0.0, max_value=1.0)


def random_law(rng: np.random.Generator, n_classes: int, n_features: int) -> g.GaussianClasses:
    """Gaussian classes with a random full covariance, means and priors."""
    mixing = rng.normal(size=(n_features, n_features))
    covariance = mixing @ mixing.T / n_features + 0.3 * np.eye(n_features)
    means = rng.normal(size=(n_classes, n_features))
    return g.GaussianClasses(means, covariance, rng.dirichlet(3 * np.ones(n_classes)))


def random_rules(rng: np.random.Generator, law: g.GaussianClasses, count: int):
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
# the summary: every symbolic statement holds


@pytest.fixture(scope="module")
def summary():
    return g.generative_identities()


def test_every_statement_of_the_summary_holds(summary):
    failed = [f"{name}: {p}" for name, p in summary if p.holds is not True]
    assert not failed, "\n".join(failed)
    # only the lower bound Psi >= t^2/2 needs the interval rung; the rest is exact
    certified = {name for name, p in summary if p.status is Status.CERTIFIED}
    assert certified <= {"prove_transform_lower_bound"}
    assert len(summary) >= 20


def test_summary_names_key_the_provenance(summary):
    assert {name for name, _ in summary} <= set(g.PROVENANCE)


def test_every_public_function_has_a_provenance_tag():
    public = {
        name
        for name, value in vars(g).items()
        if inspect.isfunction(value) and value.__module__ == g.__name__ and not name.startswith("_")
    }
    assert public - {"generative_identities"} == set(g.PROVENANCE)
    assert set(g.PROVENANCE.values()) <= {g.PAPER, g.RECONSTRUCTED, g.DERIVED}


# --------------------------------------------------------------------------------------------
# 1. naive Bayes algebra and its negative control


def test_per_class_variances_give_a_quadratic_boundary():
    quadratic = g.prove_affine_log_odds(g.symbolic_naive_bayes(3, 2, pooled=False))
    assert quadratic.status is Status.REFUTED
    assert g.prove_affine_log_odds(g.symbolic_naive_bayes(2, 3)).status is Status.PROVED


def test_binary_logit_with_three_features():
    assert g.prove_binary_logit(3).status is Status.PROVED


def test_pooled_formulas_refuse_the_per_class_model():
    model = g.symbolic_naive_bayes(2, 2, pooled=False)
    for statement in (g.naive_bayes_scores, g.affine_parameters, g.prove_softmax_posterior):
        with pytest.raises(ValueError, match="pooled"):
            statement(model)
    with pytest.raises(ValueError, match="n_classes"):
        g.symbolic_naive_bayes(1, 2)


def test_naive_bayes_rule_is_the_argmax_of_the_code_score():
    rng = np.random.default_rng(2)
    means, variances = rng.normal(size=(4, 3, 5)), rng.uniform(0.5, 2.0, size=(4, 5))
    priors = rng.dirichlet(np.ones(3), size=4)
    weights, intercepts = g.naive_bayes_rule(means, variances, priors)
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
    law = g.GaussianClasses(rng.normal(size=(3, 4)), np.diag([0.5, 1, 2, 3]), [0.2, 0.3, 0.5])
    model = g.population_naive_bayes(law)
    nb = g.naive_bayes_rule(model.means, model.variances, model.priors)
    for mine, bayes in zip(nb, g.bayes_rule(law)):
        np.testing.assert_allclose(mine, bayes, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# 2. beta and alpha


def test_alpha_is_not_twice_beta_for_correlated_features_or_a_third_class():
    assert g.prove_alpha_twice_beta(2, correlated=True).status is Status.REFUTED
    assert g.prove_alpha_twice_beta(2, true_class=2).status is Status.REFUTED
    with pytest.raises(ValueError, match="true_class"):
        g.prove_alpha_twice_beta(2, true_class=3)


def block_correlated(n_features: int, block: int, correlation: float) -> np.ndarray:
    inside = correlation * np.ones((block, block)) + (1 - correlation) * np.eye(block)
    return np.kron(np.eye(n_features // block), inside)


@pytest.mark.parametrize("true_class", [0, 1])
def test_monte_carlo_alpha_is_twice_beta_when_well_specified(true_class):
    rng = np.random.default_rng(6)
    n = 20
    law = g.GaussianClasses(
        rng.normal(size=(3, n)), np.diag(rng.uniform(0.5, 2.0, size=n)), np.ones(3) / 3
    )
    model = g.population_naive_bayes(law)
    estimate = g.assumption_statistics_monte_carlo(
        model, law, (0, 1), true_class, 100_000, np.random.SeedSequence(11 + true_class)
    )
    assert abs(estimate.gap) <= 4 * estimate.gap_se
    assert abs(estimate.beta - g.kl_divergence(law, 0, 1) / n) <= 4 * estimate.beta_se
    exact = g.assumption_statistics(model, law, (0, 1), true_class)
    assert exact.gap == pytest.approx(0.0, abs=1e-12)
    assert abs(estimate.alpha - exact.alpha) <= 4 * estimate.alpha_se


def test_monte_carlo_detects_misspecification():
    rng = np.random.default_rng(7)
    n = 20
    # the note's two-regime design: a positive mean shift, blocks of 4 correlated features
    means = np.stack([np.zeros(n), rng.uniform(0.0, 0.5, size=n)])
    law = g.GaussianClasses(means, block_correlated(n, 4, 0.3), np.ones(2) / 2)
    model = g.population_naive_bayes(law)
    estimate = g.assumption_statistics_monte_carlo(
        model, law, (0, 1), 0, 100_000, np.random.default_rng(8)
    )
    exact = g.assumption_statistics(model, law, (0, 1), 0)
    assert estimate.gap > 4 * estimate.gap_se  # alpha != 2 beta is detected
    assert abs(estimate.gap - exact.gap) <= 4 * estimate.gap_se
    assert abs(estimate.beta - exact.beta) <= 4 * estimate.beta_se


def test_third_class_breaks_alpha_equal_two_beta_even_when_well_specified():
    law = g.paper_design(n_classes=3, n_features=6)
    stats = g.assumption_statistics(g.population_naive_bayes(law), law, (0, 1), 2)
    assert abs(stats.gap) > 0.1  # here alpha == beta


def test_assumption_arguments_are_checked():
    law = g.paper_design(n_classes=2, n_features=3)
    model = g.population_naive_bayes(law)
    with pytest.raises(ValueError, match="different labels"):
        g.assumption_statistics(model, law, (1, 1), 0)
    with pytest.raises(ValueError, match="true_class"):
        g.assumption_statistics(model, law, (0, 1), 2)
    with pytest.raises(TypeError, match="Generator"):
        g.assumption_statistics_monte_carlo(model, law, (0, 1), 0, 10, 3)


# --------------------------------------------------------------------------------------------
# 3. exact risks


@settings(max_examples=15)
@given(seed=seeds, n_features=st.integers(min_value=1, max_value=4))
def test_binary_zero_one_risk_matches_monte_carlo(seed, n_features):
    rng = np.random.default_rng(seed)
    law = random_law(rng, 2, n_features)
    weights, intercepts = random_rules(rng, law, 3)
    exact = g.zero_one_risk(weights, intercepts, law)
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
    exact = g.zero_one_risk(weights, intercepts, law)
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
    bayes = g.bayes_error(law)
    assert g.zero_one_risk(*g.bayes_rule(law), law) == pytest.approx(bayes, rel=1e-10, abs=1e-14)
    others = g.zero_one_risk(*random_rules(rng, law, 8), law)
    assert np.all(others >= bayes - 1e-12)


def test_binary_bayes_error_with_unequal_priors_against_monte_carlo():
    law = g.GaussianClasses([[0.0, 0.0], [1.0, 0.5]], [[1.0, 0.4], [0.4, 2.0]], [0.8, 0.2])
    rng = np.random.default_rng(9)
    x, y = law.sample(200_000, rng)
    weights, intercepts = g.bayes_rule(law)
    mistakes = np.mean(np.argmax(x @ weights.T + intercepts, axis=1) != y)
    bayes = g.bayes_error(law)
    assert abs(bayes - mistakes) <= 4 * math.sqrt(bayes * (1 - bayes) / 200_000)
    # the equal-prior Bayes rule (threshold at the midpoint) does worse
    assert bayes < g.binary_zero_one_risk(weights[1] - weights[0], np.zeros(()), law)


@pytest.mark.parametrize("n", [2, 10, 100, 200])
def test_paper_design_binary_bayes_error_is_phi_of_minus_root_s(n):
    signal = (n // 2) / n + n - n // 2
    assert g.bayes_error(g.paper_design(n_classes=2, n_features=n)) == pytest.approx(
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
    law = g.paper_design(n_classes=n_classes, n_features=n)
    assert g.bayes_error(law) == pytest.approx(expected, rel=1e-10)
    model = g.population_naive_bayes(law)
    nb = g.zero_one_risk(*g.naive_bayes_rule(model.means, model.variances, model.priors), law)
    assert nb == pytest.approx(expected, rel=1e-10)


def test_constant_rule_predicts_the_first_class():
    law = g.paper_design(n_classes=3, n_features=2)
    weights, intercepts = np.zeros((3, 2)), np.zeros(3)
    assert g.zero_one_risk(weights, intercepts, law) == pytest.approx(2 / 3)
    binary = g.paper_design(n_classes=2, n_features=2)
    assert g.zero_one_risk(np.zeros((2, 2)), np.zeros(2), binary) == pytest.approx(0.5)


def test_risks_are_vectorised_over_any_batch_shape():
    rng = np.random.default_rng(12)
    law = random_law(rng, 3, 4)
    weights, intercepts = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=(2, 3, 3))
    for risk in (g.zero_one_risk, g.logistic_risk):
        batched = risk(weights, intercepts, law)
        assert batched.shape == (2, 3)
        single = risk(weights[1, 2], intercepts[1, 2], law)
        assert single.shape == ()
        assert batched[1, 2] == pytest.approx(float(single), rel=1e-12)


def test_rank_deficient_differences_of_intermediate_rank_are_refused():
    law = random_law(np.random.default_rng(3), 4, 2)  # n = 2 < K - 1 = 3 differences
    weights, intercepts = random_rules(np.random.default_rng(4), law, 1)
    with pytest.raises(ValueError, match="rank 2"):
        g.zero_one_risk(weights, intercepts, law)


@pytest.mark.parametrize(
    ("mean", "sd"),
    [(m, s) for m in (-30.0, -1.0, 0.0, 2.0, 40.0) for s in (0.0, 0.01, 0.9, 1.1, 7.0, 300.0)],
)
def test_gaussian_softplus_mean_against_mpmath_quadrature(mean, sd):
    value = float(g.gaussian_softplus_mean(mean, sd))
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
    exact = g.logistic_risk(weights, intercepts, law)
    estimate, error = monte_carlo_logistic(weights, intercepts, law, 20_000, rng)
    assert np.all(np.abs(exact - estimate) <= 4 * error)


@settings(max_examples=10)
@given(seed=seeds)
def test_three_class_logistic_risk_matches_monte_carlo(seed):
    rng = np.random.default_rng(seed)
    law = random_law(rng, 3, 4)
    weights, intercepts = random_rules(rng, law, 3)
    exact = g.logistic_risk(weights, intercepts, law)
    estimate, error = monte_carlo_logistic(weights, intercepts, law, 20_000, rng)
    assert np.all(np.abs(exact - estimate) <= 4 * error)


def test_multiclass_logistic_quadrature_converges_in_the_nodes():
    # score differences with standard deviations near 8: the documented 1e-3 relative accuracy
    rng = np.random.default_rng(13)
    for n_classes in (3, 4, 5):
        law = random_law(rng, n_classes, 5)
        weights, intercepts = random_rules(rng, law, 2)
        default = g.logistic_risk(weights, intercepts, law)
        finer = g.logistic_risk(weights, intercepts, law, nodes={3: 96, 4: 128, 5: 28}[n_classes])
        np.testing.assert_allclose(default, finer, rtol=1e-3)
    with pytest.raises(ValueError, match="at most"):
        g.logistic_risk(weights, intercepts, law, nodes=500)


@settings(max_examples=20)
@given(seed=seeds, n_classes=st.sampled_from([2, 3]))
def test_integrated_logistic_bound_holds_for_linear_rules(seed, n_classes):
    # the Bayes rule is linear here, so it minimises both risks over all measurable scores:
    # Psi(R_01(h) - R*_01) <= R_log(h) - R*_log for every rule h
    rng = np.random.default_rng(seed)
    law = random_law(rng, n_classes, 3)
    bayes_weights, bayes_intercepts = g.bayes_rule(law)
    best_log = float(g.logistic_risk(bayes_weights, bayes_intercepts, law))
    best_01 = g.bayes_error(law)
    weights, intercepts = random_rules(rng, law, 6)
    weights[:3] = bayes_weights + 0.3 * weights[:3]  # near-optimal rules too
    intercepts[:3] = bayes_intercepts + 0.3 * intercepts[:3]
    excess_log = g.logistic_risk(weights, intercepts, law) - best_log
    excess_01 = g.zero_one_risk(weights, intercepts, law) - best_01
    assert np.all(excess_log >= -1e-9)
    assert np.all(g.logistic_transform(np.clip(excess_01, 0, 1)) <= excess_log + 1e-9)
    assert np.all(excess_01 <= g.zero_one_excess_bound(np.maximum(excess_log, 0)) + 1e-9)


# --------------------------------------------------------------------------------------------
# 4. the transform Psi and its negative controls


@given(t=unit)
def test_psi_is_above_half_t_squared_and_its_inverse_below_root_two_v(t):
    value = float(g.logistic_transform(t))
    assert value >= t * t / 2 - 1e-16
    assert float(g.zero_one_excess_bound(value)) <= math.sqrt(2 * value) + 1e-12


def test_numeric_psi_matches_its_expression():
    expr = sp.lambdify(g.T, g.logistic_transform_expr(), "mpmath")
    for t in (0.0, 1e-6, 0.3, 0.7, 0.999):
        assert float(g.logistic_transform(t)) == pytest.approx(float(expr(t)), rel=1e-14)
    assert float(g.logistic_transform(1.0)) == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("psi", "coefficient"),
    [
        (None, 1),  # t^2 instead of t^2/2
        (g.logistic_transform_expr() / 2, sp.Rational(1, 2)),  # Psi halved
    ],
)
def test_wrong_quadratic_lower_bounds_are_refuted(psi, coefficient):
    assert g.prove_transform_lower_bound(psi, coefficient).status is Status.REFUTED


def test_psi_scaled_by_two_is_refuted_against_comp_sum_and_the_tight_case():
    doubled = 2 * g.logistic_transform_expr()
    assert g.prove_transform_matches_comp_sum(doubled).status is Status.REFUTED
    assert g.prove_transform_tightness(doubled).status is Status.REFUTED


def test_tight_case_and_the_conditional_bound_numerically():
    # KL(p || softmax(z)) >= Psi(p_max - p_predicted) on random simplex pairs, equality at the
    # two-point example
    rng = np.random.default_rng(14)
    for n_classes in (2, 3, 5):
        p = rng.dirichlet(np.ones(n_classes), size=2000)
        z = 3 * rng.normal(size=(2000, n_classes))
        q = np.exp(z - np.logaddexp.reduce(z, axis=1, keepdims=True))
        kl = np.sum(p * (np.log(p) - np.log(q)), axis=1)
        regret = p.max(axis=1) - p[np.arange(2000), np.argmax(z, axis=1)]
        assert np.all(kl >= g.logistic_transform(regret) - 1e-12)
    t = 0.4
    kl = (1 + t) / 2 * math.log(1 + t) + (1 - t) / 2 * math.log(1 - t)
    assert float(g.logistic_transform(t)) == pytest.approx(kl, rel=1e-14)


# --------------------------------------------------------------------------------------------
# 5. Ng & Jordan's margin mass


@pytest.mark.parametrize("n", [4, 50, 101])
def test_margin_mass_general_formula_matches_the_paper_design_closed_form(n):
    tau = np.array([0.0, 0.05, 0.3, 0.9, 1.0, 3.0])
    np.testing.assert_allclose(
        g.margin_mass(tau, g.paper_design(n_classes=2, n_features=n)),
        g.paper_design_margin_mass(tau, n),
        rtol=1e-10,
        atol=1e-300,
    )


def test_margin_mass_against_monte_carlo_for_a_correlated_law():
    n = 8
    law = g.GaussianClasses(
        np.array([-0.3 * np.ones(n), 0.4 * np.ones(n)]), block_correlated(n, 4, 0.5), [0.4, 0.6]
    )
    model = g.population_naive_bayes(law)
    weights, intercepts = g.naive_bayes_rule(model.means, model.variances, model.priors)
    rng = np.random.default_rng(15)
    x, y = law.sample(200_000, rng)
    log_odds = x @ (weights[1] - weights[0]) + intercepts[1] - intercepts[0]
    tau = 0.2
    width = tau * n
    inside = ((y == 1) & (log_odds >= 0) & (log_odds <= width)) | (
        (y == 0) & (log_odds >= -width) & (log_odds <= 0)
    )
    exact = float(g.margin_mass(tau, law))
    assert abs(inside.mean() - exact) <= 4 * math.sqrt(exact * (1 - exact) / 200_000)


def test_margin_mass_vanishes_exponentially_in_n_below_tau_one():
    n_values = np.array([50, 100, 200, 400])
    mass = np.array([float(g.paper_design_margin_mass(0.5, n)) for n in n_values])
    assert np.all(np.diff(mass) < 0)
    # -log G grows linearly, slope near (1 - tau)^2/4 = 1/16 per feature
    slope = np.polyfit(n_values, -np.log(mass), 1)[0]
    assert slope == pytest.approx(1 / 16, rel=0.1)
    assert float(g.paper_design_margin_mass(2.0, 400)) == pytest.approx(1.0, abs=1e-12)


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
        g.GaussianClasses(*arguments)


def test_rule_and_parameter_validation():
    law = g.paper_design(n_classes=3, n_features=2)
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, 2\)"):
        g.zero_one_risk(np.zeros((2, 2)), np.zeros(2), law)
    with pytest.raises(ValueError, match="intercepts"):
        g.logistic_risk(np.zeros((3, 2)), np.zeros(2), law)
    with pytest.raises(ValueError, match="abseps"):
        g.zero_one_risk(np.zeros((3, 2)), np.zeros(3), law, abseps=0.0)
    with pytest.raises(ValueError, match="two classes"):
        g.margin_mass(0.1, law)
    with pytest.raises(ValueError, match="non-negative"):
        g.paper_design_margin_mass(-0.1, 10)
    with pytest.raises(ValueError, match="variances must be positive"):
        g.naive_bayes_rule(np.zeros((2, 2)), np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="sd must be non-negative"):
        g.gaussian_softplus_mean(0.0, -1.0)
    with pytest.raises(ValueError, match="variances"):
        g.NaiveBayes(np.zeros((2, 2)), np.ones(3), np.array([0.5, 0.5]))


# --------------------------------------------------------------------------------------------
# the simulation designs


def test_paper_design_is_the_official_law_and_loader_transform():
    raw = g.paper_design(n_classes=3, n_features=10)
    np.testing.assert_array_equal(raw.means, np.outer([-1.0, 1.0, 2.0], np.ones(10)))
    np.testing.assert_array_equal(np.diag(raw.covariance), [10.0] * 5 + [1.0] * 5)
    assert raw.diagonal and np.allclose(raw.priors, 1 / 3)
    odd = g.paper_design(n_classes=2, n_features=7)
    assert odd.covariance[2, 2] == 7 and odd.covariance[3, 3] == 1

    def loaded(k):
        return g.paper_design(n_classes=k, n_features=10, loader_transform=True)

    # K = 3: x - 1 (a shift); K = 5: (x - 4) / 4; K = 2: untouched
    np.testing.assert_array_equal(loaded(3).means[:, 0], [-2.0, 0.0, 1.0])
    np.testing.assert_array_equal(loaded(5).means[:, 0], (np.array([-1, 1, 2, 4, 8]) - 4) / 4)
    np.testing.assert_array_equal(np.diag(loaded(5).covariance), [10 / 16] * 5 + [1 / 16] * 5)
    np.testing.assert_array_equal(loaded(2).means, raw.means[:2])
    # an affine change of the features leaves the Bayes error alone
    assert g.bayes_error(loaded(5)) == pytest.approx(
        g.bayes_error(g.paper_design(n_classes=5, n_features=10)), rel=1e-3
    )


@pytest.mark.parametrize("n_classes", [2, 3, 7])
def test_fixed_separation_keeps_the_closest_classes_equally_apart(n_classes):
    for n in (10, 101, 1000):
        law = g.fixed_separation_design(n_classes=n_classes, n_features=n, separation=3.0)
        precision = np.diag(1.0 / np.diag(law.covariance))
        distances = [
            math.sqrt((a - b) @ precision @ (a - b))
            for i, a in enumerate(law.means)
            for b in law.means[i + 1 :]
        ]
        assert min(distances) == pytest.approx(3.0, rel=1e-12)
    binary = g.fixed_separation_design(n_classes=2, n_features=50, separation=3.0)
    assert g.bayes_error(binary) == pytest.approx(ndtr(-1.5), rel=1e-9)


def test_block_correlated_design_is_misspecified_and_reproducible():
    seed = np.random.SeedSequence(3)
    law = g.block_correlated_design(n_classes=3, n_features=12, rng=seed)
    assert not law.diagonal
    np.testing.assert_allclose(np.diag(law.covariance), 1.0)
    assert law.covariance[0, 3] == pytest.approx(0.3) and law.covariance[3, 4] == 0
    shift = law.means[1]
    assert np.all((shift >= 0) & (shift <= 0.5))
    np.testing.assert_allclose(law.means[2], 2 * shift)
    again = g.block_correlated_design(n_classes=3, n_features=12, rng=seed)
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
        g.block_correlated_design(n_classes=2, rng=np.random.SeedSequence(0), **arguments)


def test_fixed_separation_validation():
    with pytest.raises(ValueError, match="separation"):
        g.fixed_separation_design(n_classes=3, n_features=10, separation=0.0)


def test_a_class_the_rule_never_predicts_counts_as_always_wrong():
    law = g.paper_design(n_classes=3, n_features=4)
    weights, intercepts = g.bayes_rule(law)
    weights[2], intercepts[2] = 0.0, -np.inf
    risk = float(g.zero_one_risk(weights, intercepts, law))
    x, labels = law.sample(200_000, np.random.default_rng(0))
    wrong = np.argmax(x @ weights.T + intercepts, axis=1) != labels
    assert risk == pytest.approx(wrong.mean(), abs=4 * math.sqrt(risk * (1 - risk) / labels.size))
    assert risk >= law.priors[2]
    only_first = np.array([0.0, -np.inf, -np.inf])
    assert float(g.zero_one_risk(weights, only_first, law)) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="some class"):
        g.zero_one_risk(weights, np.full(3, -np.inf), law)
    with pytest.raises(ValueError, match="NaN"):
        g.zero_one_risk(weights, np.array([0.0, np.inf, 0.0]), law)


def test_log_margin_mass_is_the_log_of_the_closed_form_and_finite_where_it_underflows():
    for tau, n in ((0.25, 50), (0.5, 200), (0.9, 400)):
        direct = float(g.paper_design_margin_mass(tau, n))
        assert g.paper_design_log_margin_mass(tau, n) == pytest.approx(math.log(direct), rel=1e-9)
    assert float(g.paper_design_margin_mass(0.25, 20000)) == 0.0
    deep = g.paper_design_log_margin_mass(0.25, 20000)
    assert math.isfinite(deep) and deep == pytest.approx(-(0.75**2) * 20000 / 4, rel=0.02)
    with pytest.raises(ValueError, match="non-negative"):
        g.paper_design_log_margin_mass(-0.1, 10)
