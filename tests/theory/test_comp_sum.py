import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import comp_sum

TAUS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
taus = st.sampled_from((*TAUS, 0.25, 0.9, 1.1, 1.9, 2.5))
classes = st.integers(min_value=2, max_value=30)
unit = st.floats(min_value=0.0, max_value=1.0)


def distributions(n: int, seed: int, size: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(n), size=size)


@pytest.mark.parametrize("tau", [*TAUS, 0.9, 1.01])
@pytest.mark.parametrize("n", [2, 10])
def test_transform_matches_the_symbolic_formula_at_40_digits(tau, n):
    t = np.array([0.0, 1e-12, 1e-6, 0.003, 0.1, 0.2499, 0.2501, 0.5, 0.9, 0.999999, 1.0])
    expr = comp_sum.transform_expr(tau, n)
    fn = sp.lambdify(comp_sum.T, expr, "mpmath")
    with mpmath.workdps(40):
        reference = [
            float(fn(mpmath.mpf(x))) if x < 1 else float(sp.limit(expr, comp_sum.T, 1, "-"))
            for x in t
        ]
    values = comp_sum.transform(tau, n)(t)
    scale = np.maximum(np.abs(reference), 1e-300)
    # relative accuracy about 1e-15 / |1 - tau| (the formula divides by 1 - tau)
    tolerance = 64 * np.finfo(float).eps * (1 + (1 / abs(1 - tau) if tau != 1 else 0))
    assert np.all(np.abs(values - reference) <= tolerance * scale + 1e-300)


@given(tau=taus, n=classes, t=unit)
def test_transform_is_increasing_and_gamma_inverts_it(tau, n, t):
    forward = comp_sum.transform(tau, n)
    value = forward(t)
    assert value >= 0
    assert forward(min(1.0, t + 1e-3)) >= value
    back = comp_sum.gamma(tau, n)(value)
    # near t = 0, T is flat (c t^2): v carries t only to about sqrt(eps)
    assert abs(back - t) <= 1e-7 or forward(back) == pytest.approx(value, abs=1e-15)


@given(tau=taus, n=classes, v=st.floats(min_value=0.0, max_value=5.0))
def test_gamma_is_one_beyond_the_end_and_never_undershoots(tau, n, v):
    forward, inverse = comp_sum.transform(tau, n), comp_sum.gamma(tau, n)
    t = inverse(v)
    assert 0 <= t <= 1
    if v >= forward.at_one:
        assert t == 1
    else:
        assert forward(t) >= v - 1e-15


def test_closed_form_inverses():
    v = np.linspace(0, 1, 11)
    np.testing.assert_allclose(comp_sum.gamma(0, 7)(v), np.sqrt(2 * v - v**2), atol=1e-15)
    np.testing.assert_allclose(comp_sum.gamma(2, 7)(v / 7), v, atol=1e-15)


@pytest.mark.parametrize("tau", TAUS)
def test_risk_min_matches_numeric_minimisation(tau):
    rng = np.random.default_rng(3)
    for n in (2, 4):
        p = rng.dirichlet(np.ones(n))
        closed = float(comp_sum.conditional_risk_min(p, tau))
        bound = math.inf if tau < 2 else 12.0
        numeric = comp_sum.numeric_risk_min(p, tau, rng=rng, score_bound=bound)
        if tau < 2:
            assert numeric == pytest.approx(closed, rel=1e-9, abs=1e-12)
        else:
            assert closed - 1e-12 <= numeric <= closed + 1e-8


def test_risk_min_is_the_minimum_over_random_scores():
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(5), size=200)
    scores = 3 * rng.normal(size=(200, 5))
    for tau in TAUS:
        assert np.all(
            comp_sum.conditional_risk(p, scores, tau)
            >= comp_sum.conditional_risk_min(p, tau) - 1e-12
        )


def test_conditional_risk_against_a_loop_oracle():
    rng = np.random.default_rng(8)
    p, scores = rng.dirichlet(np.ones(4), size=5), rng.normal(size=(5, 4))
    for tau in (0.0, 0.5, 1.0, 2.0, 3.0):
        expected = []
        for row_p, row_z in zip(p, scores):
            s = np.exp(row_z) / np.exp(row_z).sum()
            losses = [-math.log(v) if tau == 1 else (v ** (tau - 1) - 1) / (1 - tau) for v in s]
            expected.append(sum(a * b for a, b in zip(row_p, losses)))
        np.testing.assert_allclose(comp_sum.conditional_risk(p, scores, tau), expected, rtol=1e-13)


def test_zero_one_regret_breaks_ties_to_the_first_index():
    p = np.array([[0.2, 0.5, 0.3]])
    assert comp_sum.zero_one_regret(p, np.zeros((1, 3)))[0] == pytest.approx(0.3)
    assert comp_sum.zero_one_regret(p, np.array([[0.0, 1.0, 0.0]]))[0] == 0


@pytest.mark.parametrize("tau", TAUS)
def test_pooled_infimum_matches_slsqp(tau):
    rng = np.random.default_rng(11)
    for _ in range(3):
        p = rng.dirichlet(np.ones(4))
        h = int(rng.integers(4))
        closed = float(comp_sum.regret_infimum(p[None], np.array([h]), tau)[0])
        numeric = comp_sum.numeric_regret_infimum(p, h, tau, rng=rng)
        assert numeric == pytest.approx(closed, abs=1e-8)


def test_regret_infimum_is_zero_when_the_prediction_is_right():
    p = distributions(5, 2, size=50)
    best = np.argmax(p, axis=-1)
    for tau in (0.0, 1.0, 1.5):
        np.testing.assert_allclose(comp_sum.regret_infimum(p, best, tau), 0.0, atol=1e-14)


def test_pooled_distribution_keeps_mass_and_averages_the_top_group():
    p = np.array([[0.1, 0.5, 0.3, 0.1]])
    q = comp_sum.pooled_distribution(p, np.array([0]))
    np.testing.assert_allclose(q.sum(), 1.0)
    # class 0 (0.1) pools with 0.5 (mean 0.3), then 0.3 is not above 0.3: group {0, 1}
    np.testing.assert_allclose(q, [[0.3, 0.3, 0.3, 0.1]])


def test_numerics_are_stable_at_extreme_scores():
    p = np.array([[0.0, 0.5, 0.5]])
    scores = np.array([[1e4, -1e4, 0.0]])
    for tau in TAUS:
        value = comp_sum.conditional_risk(p, scores, tau)
        assert not np.isnan(value).any()
    assert np.isinf(comp_sum.conditional_risk(p, scores, 0.0)[0])


@given(
    st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=3),
    st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(lambda w: sum(w) > 0.01),
    st.sampled_from(TAUS),
    st.floats(-1e4, 1e4),
)
def test_risk_is_stable_and_shift_invariant_for_scores_up_to_1e4(scores, weights, tau, shift):
    import warnings

    p = np.array([weights]) / sum(weights)
    scores = np.array([scores])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = comp_sum.conditional_risk(p, scores, tau)
        moved = comp_sum.conditional_risk(p, scores + shift, tau)
    assert not np.isnan(value).any() and np.all(value >= -1e-12)
    if tau >= 1:
        assert np.all(np.isfinite(value))
    np.testing.assert_allclose(moved, value, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: comp_sum.transform(-1, 3), "tau"),
        (lambda: comp_sum.transform(1, 1), "n_classes"),
        (lambda: comp_sum.transform(1, 2.5), "integer"),
        (lambda: comp_sum.transform(0.5, 3)(np.array([1.5])), r"\[0, 1\]"),
        (lambda: comp_sum.transform(0.5, 3)(np.array([np.nan])), "NaN"),
        (lambda: comp_sum.gamma(0.5, 3)(-0.1), "v >= 0"),
        (lambda: comp_sum.conditional_risk_min(np.array([0.5, 0.6]), 1), "sum to 1"),
        (lambda: comp_sum.conditional_risk_min(np.array([1.5, -0.5]), 1), "non-negative"),
        (lambda: comp_sum.conditional_risk_min(np.array([1.0]), 1), "length >= 2"),
        (
            lambda: comp_sum.conditional_risk(np.array([0.5, 0.5]), np.array([0.0, np.inf]), 1),
            "finite",
        ),
        (lambda: comp_sum.conditional_risk(np.array([0.5, 0.5]), np.zeros(3), 1), "shape"),
        (lambda: comp_sum.quadratic_coefficient(2.0), "linear"),
        (lambda: comp_sum.transform_branch("cubic"), "unknown branch"),
    ],
)
def test_bad_inputs_get_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_symbolic_family():
    loss = comp_sum.loss(1.5)
    assert loss.name.startswith("generalized cross-entropy")
    assert sp.simplify(loss.psi - (1 - comp_sum.S ** sp.Rational(1, 2)) / sp.Rational(1, 2)) == 0
    symbolic = comp_sum.loss(comp_sum.TAU)
    assert isinstance(symbolic.phi, sp.Piecewise)


@pytest.mark.parametrize("tau", TAUS)
@pytest.mark.parametrize("n", [2, 1000])
def test_formula_values_match_the_transform_within_its_accuracy(tau, n):
    t = np.linspace(0.0, 0.99, 12)
    reference = comp_sum.formula_values(comp_sum.transform_expr(tau, n), t)
    error = np.abs(comp_sum.transform(tau, n)(t) - reference)
    assert np.all(error <= comp_sum.transform_accuracy(tau) * reference)


def test_the_tight_transform_oracle_reproduces_the_closed_forms():
    rng = np.random.default_rng(0)
    t = 0.3
    assert comp_sum.numeric_tight_transform(0.5, 4, t, rng=rng) == pytest.approx(
        float(comp_sum.transform(0.5, 4)(t)), rel=1e-9
    )
    # tau = 3/2: the two-class formula for every n; tau = 3, n = 2: the better vertex
    assert comp_sum.numeric_tight_transform(1.5, 4, t, rng=rng) == pytest.approx(
        float(comp_sum.transform(1.5, 2)(t)), rel=1e-9
    )
    vertex = min(t, (1 + t) / 2 - 2.0**-2) / 2
    assert comp_sum.numeric_tight_transform(3.0, 2, t, rng=rng) == pytest.approx(vertex, rel=1e-12)


def test_the_reference_tight_transform_is_the_formula_where_it_is_tight():
    rng = np.random.default_rng(0)
    assert comp_sum.reference_tight_transform(1.0, 7, 0.4, rng=rng) == pytest.approx(
        float(comp_sum.transform(1.0, 7)(0.4)), rel=1e-15
    )
    assert comp_sum.reference_tight_transform(1.5, 7, 0.4, rng=rng) == pytest.approx(
        float(comp_sum.transform(1.5, 2)(0.4)), rel=1e-14
    )
