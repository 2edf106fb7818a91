import inspect
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import gaussian_classes as gc
from theory import gaussian_risks as gr
from theory import generative as g
from theory.proof import Status

unit = st.floats(min_value=0.0, max_value=1.0)


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


@pytest.mark.parametrize("module", [g, gc, gr], ids=lambda module: module.__name__)
def test_every_public_function_has_a_provenance_tag(module):
    public = {
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and not name.startswith("_")
    }
    assert public - {"generative_identities"} == set(module.PROVENANCE)
    assert set(module.PROVENANCE.values()) <= {g.PAPER, g.RECONSTRUCTED, g.DERIVED}


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


# --------------------------------------------------------------------------------------------
# 2. beta and alpha


def test_alpha_is_not_twice_beta_for_correlated_features_or_a_third_class():
    assert g.prove_alpha_twice_beta(2, correlated=True).status is Status.REFUTED
    assert g.prove_alpha_twice_beta(2, true_class=2).status is Status.REFUTED
    with pytest.raises(ValueError, match="true_class"):
        g.prove_alpha_twice_beta(2, true_class=3)


# --------------------------------------------------------------------------------------------
# 3. the transform Psi and its negative controls


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
