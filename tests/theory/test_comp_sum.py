import itertools
import math

import array_api_compat.numpy
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


@pytest.mark.parametrize("tau", [*TAUS, 0.9, 1.01, 1.7])
@pytest.mark.parametrize("n", [2, 10])
def test_transform_matches_the_symbolic_formula_at_40_digits(tau, n):
    # 0.8 lies beyond the series' reach for tau = 1.7 (a = 10/3, switch at 0.25 / a)
    t = np.array([0.0, 1e-12, 1e-6, 0.003, 0.1, 0.2499, 0.2501, 0.5, 0.8, 0.9, 0.999999, 1.0])
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
    # the closed forms are exact where the bisection would return the upper end of a bracket
    assert comp_sum.gamma(2, 2)(0.25) == 0.5
    assert comp_sum.gamma(3, 2)(0.0625) == 0.5
    np.testing.assert_array_equal(comp_sum.gamma(0, 3)(np.array([0.75])), [math.sqrt(0.9375)])


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
    batch = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    scores = np.array([[0.0, 0.0, 2.0], [0.0, 3.0, 1.0]])
    np.testing.assert_allclose(comp_sum.zero_one_regret(batch, scores), [0.2, 0.5], rtol=1e-15)


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
    # the symbolic family takes the logistic branch at tau = 1 and the general one elsewhere
    s, u, tau = comp_sum.S, comp_sum.U, comp_sum.TAU
    assert symbolic.psi.subs(tau, 1) == -sp.log(s)
    assert symbolic.phi.subs(tau, 1) == sp.log(1 + u)
    assert sp.simplify(symbolic.psi.subs(tau, 2) - (1 - s)) == 0
    assert sp.simplify(symbolic.phi.subs(tau, 2) - u / (1 + u)) == 0


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


@pytest.mark.parametrize("tau", [0.0, 0.25, 0.5, 1.0, 1.25, 1.5])
def test_quadratic_coefficient_is_the_t_squared_term_of_the_series(tau):
    n = sp.Symbol("n", positive=True)
    series = sp.series(comp_sum.transform_expr(tau, n), comp_sum.T, 0, 4).removeO()
    expected = series.coeff(comp_sum.T, 2)
    assert series.coeff(comp_sum.T, 0) == 0 and series.coeff(comp_sum.T, 1) == 0
    assert sp.simplify(comp_sum.quadratic_coefficient(tau, n) - expected) == 0


def test_quadratic_coefficient_closed_forms():
    n = sp.Symbol("n", positive=True)
    # 2^(1-tau) / (2 (2 - tau)) below 1, 1/2 at 1, 1 / (2 (2 - tau) n^(tau-1)) between 1 and 2
    assert comp_sum.quadratic_coefficient(0.0) == sp.Rational(1, 2)
    assert sp.simplify(comp_sum.quadratic_coefficient(0.5) - sp.sqrt(2) / 3) == 0
    assert comp_sum.quadratic_coefficient(1.0) == sp.Rational(1, 2)
    assert sp.simplify(comp_sum.quadratic_coefficient(1.5, n) - 1 / sp.sqrt(n)) == 0


@pytest.mark.parametrize(
    ("branch", "tau"),
    [("below_logistic", 0.5), ("logistic", 1), ("generalized_cross_entropy", 1.5), ("linear", 3)],
)
def test_transform_branch_evaluates_at_the_given_t(branch, tau):
    half = sp.Rational(1, 2)
    at_half = comp_sum.transform_branch(branch, tau, 3, half)
    assert at_half.free_symbols == set()
    assert (
        sp.simplify(at_half - comp_sum.transform_branch(branch, tau, 3).subs(comp_sum.T, half)) == 0
    )


@pytest.mark.parametrize(("tau", "factor"), [(0.0, 2.0), (0.5, 3.0), (1.0, 1.0), (3.0, 1.5)])
def test_transform_accuracy_is_64_eps_times_one_plus_the_inverse_distance_to_one(tau, factor):
    assert comp_sum.transform_accuracy(tau) == 64 * 2.0**-52 * factor


def test_parameters_are_normalised_to_a_float_tau_and_an_int_class_count():
    for made in (comp_sum.transform(1, 4.0), comp_sum.gamma(1, 4.0)):
        assert type(made.tau) is float and type(made.n_classes) is int
        assert (made.tau, made.n_classes) == (1.0, 4)


@pytest.mark.parametrize("t", [0.25, 0.5, 0.75])
@pytest.mark.parametrize("tau", [0.5, 1.0, 1.5])
def test_gamma_at_an_exact_forward_value_returns_the_upper_end_of_the_bracket(tau, t):
    # t is a point the bisection visits; T(t) <= v moves the lower end there, so the answer lies
    # strictly above t (the upper end of the final bracket), within the bracket's width
    back = float(comp_sum.gamma(tau, 3)(comp_sum.transform(tau, 3)(t)))
    assert t < back <= t + 1e-12


def test_softmax_loss_with_one_tau_per_model_matches_the_formula():
    log_s = np.log(np.array([[0.2, 0.5, 0.9]]))
    tau = np.array([[0.0], [1.0], [1.5], [3.0]])
    s = np.exp(log_s)
    expected = np.array(
        [-math.log(v) if t == 1 else (v ** (t - 1) - 1) / (1 - t) for t in tau[:, 0] for v in s[0]]
    ).reshape(4, 3)
    np.testing.assert_allclose(
        comp_sum.softmax_loss(log_s, tau, array_api_compat.numpy), expected, rtol=1e-14
    )


def test_risk_min_closed_forms_with_an_impossible_class():
    p = np.array([0.5, 0.5, 0.0])
    # (sum sqrt p)^2 - 1, the entropy, (2 - 2 ||p||_2) and (1 - max p) / 2
    expected = {0.0: 1.0, 1.0: math.log(2), 1.5: 2 - math.sqrt(2), 3.0: 0.25}
    for tau, value in expected.items():
        assert float(comp_sum.conditional_risk_min(p, tau)) == pytest.approx(value, rel=1e-14)


def test_bounded_numeric_risk_min_stops_at_the_corner():
    # two classes, tau = 3: Psi(s) = (1 - s^2) / 2 is concave, so on scores in [-1, 1] the best
    # risk is at the corner z = (1, -1), where S = (sigma(2), sigma(-2))
    p = np.array([0.7, 0.3])
    s = 1 / (1 + math.exp(-2.0))
    corner = 0.7 * (1 - s**2) / 2 + 0.3 * (1 - (1 - s) ** 2) / 2
    found = comp_sum.numeric_risk_min(p, 3.0, rng=np.random.default_rng(0), score_bound=1.0)
    assert found == pytest.approx(corner, rel=1e-9)


def vertex_regret_by_enumeration(p: np.ndarray, h: int, tau: float) -> float:
    """min over sets B containing h of the risk of the uniform softmax on B, minus the best risk
    (1 - max p) / (tau - 1): the tau >= 2 infimum by brute force over all 2^(n-1) sets."""

    def psi(s):
        return (s ** (tau - 1) - 1) / (1 - tau)

    rivals = [y for y in range(p.size) if y != h]
    best = math.inf
    for size in range(len(rivals) + 1):
        for chosen in itertools.combinations(rivals, size):
            group = {h, *chosen}
            inside = sum(p[y] for y in group)
            best = min(best, inside * psi(1 / len(group)) + (1 - inside) * psi(0.0))
    return best - (1 - p.max()) / (tau - 1)


@pytest.mark.parametrize("tau", [2.0, 2.5, 3.0, 6.0])
def test_regret_infimum_above_two_matches_enumerated_vertices(tau):
    rng = np.random.default_rng(21)
    p = rng.dirichlet(0.5 * np.ones(5), size=40)
    h = rng.integers(5, size=40)
    expected = [vertex_regret_by_enumeration(row, int(k), tau) for row, k in zip(p, h)]
    np.testing.assert_allclose(comp_sum.regret_infimum(p, h, tau), expected, atol=1e-14)
    assert float(comp_sum.regret_infimum(p[0], h[0], tau)) == pytest.approx(expected[0], abs=1e-14)


def test_regret_infimum_at_two_is_the_top_minus_the_best_group_mean():
    # at tau = 2 the pooled (tau < 2) and vertex (tau >= 2) formulas agree: max p - max_k m_k / k,
    # m_k the mass of h and its k - 1 most likely rivals
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(6), size=30)
    h = rng.integers(6, size=30)
    expected = []
    for row, k in zip(p, h):
        rivals = sorted(np.delete(row, k), reverse=True)
        means = [(row[k] + sum(rivals[:j])) / (j + 1) for j in range(6)]
        expected.append(row.max() - max(means))
    np.testing.assert_allclose(comp_sum.regret_infimum(p, h, 2.0), expected, atol=1e-14)


def test_pooled_distribution_of_one_row_is_the_row_of_a_batch():
    p = np.array([[0.1, 0.5, 0.3, 0.1], [0.25, 0.05, 0.4, 0.3]])
    h = np.array([0, 1])
    batched = comp_sum.pooled_distribution(p, h)
    np.testing.assert_allclose(comp_sum.pooled_distribution(p[1], h[1]), batched[1])
    np.testing.assert_allclose(batched[1], [0.25, 0.25, 0.25, 0.25])


def test_infimum_scores_pinned():
    lead = comp_sum.infimum_scores(np.array([0.5, 0.5]), 0, 1.0) - np.log(0.5)
    assert lead[0] == pytest.approx(1e-9, abs=1e-15) and lead[1] == 0
    # tau = 1: z = log q with q = (0.4, 0.4, 0.2, 0) pooled for h = 1; the class with q = 0 sits
    # 40 below the row's lowest score (each row its own floor)
    p = np.array([[0.5, 0.3, 0.2, 0.0], [0.01, 0.99, 0.0, 0.0]])
    scores = comp_sum.infimum_scores(p, np.array([1, 1]), 1.0, lead=0.5)
    low = math.log(0.01)
    expected = [
        [math.log(0.4), math.log(0.4) + 0.5, math.log(0.2), math.log(0.2) - 40],
        [low, math.log(0.99) + 0.5, low - 40, low - 40],
    ]
    np.testing.assert_allclose(scores, expected, rtol=1e-15)
    # tau = 3: the uniform vertex on h and its top rival (m_2 / 4 = 0.175 beats 0.1 and 1 / 9)
    scores = comp_sum.infimum_scores(np.array([[0.1, 0.6, 0.3]]), np.array([0]), 3.0, lead=0.5)
    np.testing.assert_array_equal(scores, [[0.5, 0.0, -40.0]])


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_infimum_scores_reach_the_regret_infimum_in_a_batch(tau):
    rng = np.random.default_rng(9)
    p = rng.dirichlet(0.5 * np.ones(5), size=100)
    p[:20, 4] = 0.0
    p /= p.sum(axis=1, keepdims=True)
    h = rng.integers(5, size=100)
    scores = comp_sum.infimum_scores(p, h, tau)
    np.testing.assert_array_equal(np.argmax(scores, axis=-1), h)
    np.testing.assert_allclose(
        comp_sum.surrogate_regret(p, scores, tau), comp_sum.regret_infimum(p, h, tau), atol=1e-7
    )


@given(
    st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda w: sum(w) > 0.01),
    st.integers(0, 3),
    st.sampled_from(TAUS),
    st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4),
)
def test_moving_the_infimum_scores_does_not_lower_the_regret(weights, h, tau, move):
    p = np.array(weights) / sum(weights)
    scores = comp_sum.infimum_scores(p, h, tau)
    assert int(np.argmax(scores)) == h
    reached = float(comp_sum.surrogate_regret(p, scores, tau))
    infimum = float(comp_sum.regret_infimum(p, h, tau))
    assert abs(reached - infimum) <= 1e-7
    moved = scores + np.array(move)
    moved[h] = moved.max()
    assert float(comp_sum.surrogate_regret(p, moved, tau)) >= reached - 1e-7


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: comp_sum.loss(-1), "tau"),
        (lambda: comp_sum.branch_of(-1), "tau"),
        (lambda: comp_sum.transform_expr(-1), "tau"),
        (lambda: comp_sum.quadratic_coefficient(-1), "tau"),
        (lambda: comp_sum.transform(-1, 3), "tau"),
        (lambda: comp_sum.gamma(-1, 3), "tau"),
        (lambda: comp_sum.transform(1, 1), "n_classes"),
        (lambda: comp_sum.gamma(1, 1), "n_classes"),
        (lambda: comp_sum.transform(1, 3)(np.array([2.0])), "t"),
        (lambda: comp_sum.conditional_risk(np.array([0.5, 0.5]), np.zeros(2), -1), "tau"),
        (lambda: comp_sum.conditional_risk_min(np.array([0.5, 0.5]), -1), "tau"),
        (lambda: comp_sum.surrogate_regret(np.array([0.5, 0.5]), np.zeros(2), -1), "tau"),
        (lambda: comp_sum.regret_infimum(np.array([0.5, 0.5]), 0, -1), "tau"),
        (lambda: comp_sum.infimum_scores(np.array([0.5, 0.5]), 0, -1), "tau"),
        (lambda: comp_sum.infimum_scores(np.array([0.5, 0.5]), 0, "2"), "tau"),
        (lambda: comp_sum.numeric_risk_min([0.5, 0.5], -1, rng=np.random.default_rng()), "tau"),
        (
            lambda: comp_sum.numeric_regret_infimum([0.5, 0.5], 0, -1, rng=np.random.default_rng()),
            "tau",
        ),
    ],
)
def test_errors_name_the_parameter(call, message):
    with pytest.raises((ValueError, TypeError), match=f"^{message} must "):
        call()


def test_softmax_loss_is_finite_up_to_an_exponent_of_700():
    # tau = 0: Psi(s) = 1/s - 1 = expm1(-log s); exp(700) is finite in float64, beyond is +inf
    values = comp_sum.softmax_loss(np.array([-700.0, -700.5]), 0.0, array_api_compat.numpy)
    np.testing.assert_array_equal(values, [math.expm1(700.0), math.inf])


def test_float32_inputs_stay_float32():
    xp = array_api_compat.numpy
    p = np.array([[0.3, 0.7]], dtype=np.float32)
    scores = np.array([[0.5, -0.5]], dtype=np.float32)
    assert comp_sum.conditional_risk(p, scores, 0.5).dtype == np.float32
    assert comp_sum.softmax_loss(np.log(p), 0.5, xp).dtype == np.float32
    assert comp_sum.pooled_distribution(p, np.array([0])).dtype == np.float32
    # the scores are compared in p's precision: these two tie in float32, so class 0 wins
    tied = np.array([[1.0, 1.0 + 1e-10]])
    assert comp_sum.zero_one_regret(p, tied)[0] == pytest.approx(0.4, rel=1e-6)


def test_the_reference_tight_transform_above_two_is_the_numeric_search():
    # tau = 3, n = 2: the better vertex, min(t, (1 + t) / 2 - 1/4) / 2, not the linear formula t / 8
    rng = np.random.default_rng(0)
    t = 0.3
    vertex = min(t, (1 + t) / 2 - 2.0**-2) / 2
    assert comp_sum.reference_tight_transform(3.0, 2, t, rng=rng) == pytest.approx(
        vertex, rel=1e-12
    )


def test_the_slsqp_oracle_computes_in_float64_for_a_float32_row():
    p = np.array([0.25, 0.5, 0.25], dtype=np.float32)
    closed = float(comp_sum.regret_infimum(p.astype(float), 1, 0.5))
    numeric = comp_sum.numeric_regret_infimum(p, 1, 0.5, rng=np.random.default_rng(11))
    assert numeric == pytest.approx(closed, abs=1e-8)
