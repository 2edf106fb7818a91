import math

import numpy as np
import pytest
import sympy as sp
from scipy import optimize

from theory import binary
from theory.proof import Status

A, THETA = binary.ALPHA, binary.THETA
HALF = sp.Rational(1, 2)
GRID = np.linspace(0, 1, 11)
DOTTIE = sp.Float("0.739085133215160641655312087673873404013", 40)
"""The root of theta = cos(theta)."""


@pytest.fixture(autouse=True, scope="module")
def _fresh_derivations():
    """Derive every transform of this module afresh: bounded_transform and transform_table
    memoise per process, and a result cached by an earlier caller (another test module, or the
    parent process of a mutation run) would otherwise stand in for the code under test."""
    binary._derive.cache_clear()
    binary._cached_table.cache_clear()


def test_psi_of_the_exponential_loss_is_derived_and_proved():
    psi = binary.psi_transform(sp.exp(-A))
    assert psi.status is Status.PROVED
    assert psi.agreement.status is Status.CERTIFIED
    theta = np.linspace(0, 1, 11)
    np.testing.assert_allclose(psi(theta), 1 - np.sqrt(1 - theta**2), atol=1e-14)
    assert psi.calibrated is True
    # the table alone: rigorous, and tight at a smooth interior minimiser
    exact = 1 - np.sqrt(1 - psi.theta**2)
    assert np.all(psi.lower <= exact + 1e-15) and np.all(exact <= psi.upper + 1e-15)
    assert np.max(psi.upper - psi.lower) < 1e-9


def test_hinge_psi_and_its_table_enclosure():
    psi = binary.psi_transform("Max(0, 1 - m)")
    assert psi.expr == THETA and psi.status is Status.PROVED and not psi.hull
    np.testing.assert_allclose(psi(psi.theta), psi.theta, atol=1e-15)
    assert np.all(psi.lower <= psi.theta + 1e-12) and np.all(psi.theta <= psi.upper + 1e-12)
    assert np.max(psi.upper - psi.lower) < 1e-9


@pytest.mark.parametrize(
    ("phi", "psi"),
    [
        # BJM's Table 1 (truncated quadratic, logistic), hand-derived: psi = phi(0) - H((1+t)/2)
        ("Max(0, 1 - z)**2", THETA**2),
        (
            "log(1 + exp(-z))",
            (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA),
        ),
        # psi-learning (Shen et al. 2003): not convex, H^-(eta) = 2 eta, H(eta) = 2 (1 - eta)
        ("Piecewise((2, z < 0), (2 - 2*z, z < 1), (0, True))", 2 * THETA),
    ],
)
def test_psi_matches_the_hand_derived_closed_form(phi, psi):
    transform = binary.psi_transform(phi)
    assert transform.status is Status.PROVED and transform.calibrated is True
    for x in (0.1, 0.5, 0.9):
        assert abs(sp.N((transform.expr - psi).subs(THETA, sp.Rational(x)), 30)) < 1e-25
    # at theta = 1 through the limit (the logistic closed form is 0 log 0 there)
    expected = [
        float(sp.limit(psi, THETA, x, dir="-")) if x == 1 else float(psi.subs(THETA, x))
        for x in GRID
    ]
    np.testing.assert_allclose(transform(GRID), expected, atol=1e-14)
    assert transform.at_one == pytest.approx(expected[-1], abs=1e-15)


@pytest.mark.xfail(
    strict=True,
    reason="infimum keeps one winner per theta-interval and splits the interval only where a "
    "stationary point leaves its piece: for the truncated hinge the candidates alpha = 0 "
    "(value 1) and alpha <= -1 (value 3 eta/2) cross at theta = 1/3, so H^- is taken as 1 "
    "throughout (its minimality proof is refuted), psi-tilde as 3 theta/4 + 1/4, and "
    "psi_transform returns that refuted, linear closed form as psi (psi(0) = 1/4)",
)
def test_truncated_hinge_psi_is_the_hull_of_a_concave_psi_tilde():
    # hand-derived: H^-(eta) = min(1, 3 eta/2), H(eta) = 3 (1 - eta)/2, psi = theta
    psi = binary.psi_transform("Min(3/2, Max(0, 1 - z))")
    np.testing.assert_allclose(psi(GRID), GRID, atol=1e-9)


def test_truncated_hinge_table_is_min_of_two_lines_and_its_hull_is_theta():
    theta, lower, upper = binary.transform_table("Min(3/2, Max(0, 1 - z))", points=7)
    tilde = np.minimum(1.5 * theta, (1 + 3 * theta) / 4)
    assert np.all(lower <= tilde + 1e-12) and np.all(tilde <= upper + 1e-12)
    assert np.max(upper - lower) < 1e-9
    np.testing.assert_allclose(binary._lower_hull(theta, lower), theta, atol=1e-9)


@pytest.mark.parametrize("phi", [A**2, sp.Max(0, -A)])
def test_non_calibrated_losses_have_zero_psi(phi):
    psi = binary.psi_transform(phi)
    assert psi.calibrated is False
    np.testing.assert_allclose(psi(np.linspace(0, 1, 5)), 0.0, atol=1e-15)


def test_bounded_exponential_has_its_kink_at_tanh_b():
    bounded = binary.bounded_transform(sp.exp(-A), 0.7)
    assert isinstance(bounded.expr, sp.Piecewise)
    kink = float(bounded.expr.args[0][1].rhs)
    assert kink == pytest.approx(np.tanh(0.7), rel=1e-14)
    assert bounded.convex.holds is True
    # Awasthi et al. 2022: 1 - sqrt(1 - t^2) up to tanh B, then linear: 1 - cosh B + t sinh B
    b = 0.7
    expected = np.where(
        np.tanh(b) >= GRID, 1 - np.sqrt(1 - GRID**2), 1 - np.cosh(b) + GRID * np.sinh(b)
    )
    np.testing.assert_allclose(bounded(GRID), expected, atol=1e-14)
    assert bounded.status is Status.PROVED and bounded.agreement.status is Status.CERTIFIED


def test_bounded_hinge_is_linear_with_slope_min_b_1():
    for bound, slope in ((0.4, 0.4), (3, 1.0)):
        bounded = binary.bounded_transform(sp.Max(0, 1 - A), bound)
        np.testing.assert_allclose(bounded(np.array([0.5, 1.0])), [0.5 * slope, slope], atol=1e-14)
        assert bounded.bound == sp.nsimplify(bound)


def test_bounded_squared_hinge_switches_at_the_bound():
    # Awasthi et al. 2022: t^2 up to t = B, then 2 B t - B^2 (B < 1)
    bounded = binary.bounded_transform("Max(0, 1 - z)**2", 0.5)
    assert (
        sp.simplify(bounded.expr - sp.Piecewise((THETA**2, THETA < HALF), (THETA - 0.25, True)))
        == 0
    )
    assert bounded.status is Status.PROVED


def test_a_wrong_closed_form_would_be_caught_by_the_table():
    bounded = binary.bounded_transform(sp.exp(-A), 0.7)
    wrong = binary._agreement(
        1 - sp.sqrt(1 - THETA**2), bounded.theta, bounded.lower, bounded.upper
    )
    assert wrong.status is Status.REFUTED


def test_agreement_is_within_the_enclosure_widened_by_its_tolerance():
    theta = np.array([0.0, 0.5, 1.0])
    exact = binary._agreement(THETA, theta, theta - 1e-12, theta + 1e-12)
    assert exact.status is Status.CERTIFIED
    assert exact.statement == "closed form inside the interval-arithmetic enclosure of the table"
    assert exact.detail == "largest excursion 0.00e+00"
    # an excursion of exactly the tolerance still agrees
    edge = binary._agreement(sp.Integer(0), theta[:1], np.array([binary.AGREEMENT]), np.ones(1))
    assert edge.status is Status.CERTIFIED
    # a value that cannot be compared (-inf against a lower bound of -inf) is an infinite excursion
    undefined = binary._agreement(sp.log(THETA), theta[:2], np.array([-np.inf, -1.0]), np.zeros(2))
    assert undefined.status is Status.REFUTED and undefined.detail == "largest excursion inf"


def test_closed_form_values_take_the_limit_at_one():
    logistic = (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA)
    values = binary.closed_form_values(logistic, np.array([0.0, 0.5, 1.0]))
    assert values[0] == 0.0
    assert values[1] == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), rel=1e-15)
    assert values[2] == math.log(2)


def test_closed_form_values_at_one_are_the_limit_from_the_left():
    # theta + |theta - 1|/(theta - 1) is theta - 1 left of 1 and theta + 1 right of it
    jump = THETA + sp.Abs(THETA - 1) / (THETA - 1)
    np.testing.assert_array_equal(binary.closed_form_values(jump, np.array([0.5, 1.0])), [-0.5, 0])


def test_the_table_alone_when_sympy_cannot_solve():
    # stationarity of this loss is transcendental in alpha: sympy returns no closed form
    phi = sp.exp(-A) + sp.atan(-A) + sp.pi / 2
    result = binary.bounded_transform(phi, 1.5, table_points=6)
    assert result.expr is None or result.agreement.holds
    assert np.all(result.lower <= result.upper + 1e-12)
    assert np.max(result.upper - result.lower) < 1e-6


def test_psi_without_a_closed_form_is_the_hull_of_the_table():
    phi = sp.exp(-A) + sp.atan(-A) + sp.pi / 2
    psi = binary.psi_transform(phi, table_points=6)
    assert psi.expr is None and psi.hull and psi.status is Status.CERTIFIED
    assert psi.bound == sp.oo and psi.phi == phi and psi.proofs == ()
    assert psi.note == (
        f"psi-tilde not shown convex ({Status.INCONCLUSIVE}): psi is the convex hull of the "
        "table over its grid"
    )
    # independent: phi(0) - min_a C(a) by scipy (phi is convex with phi'(0) = -2, so
    # psi = psi-tilde = phi(0) - H; BJM Thm 2)
    f = sp.lambdify(A, phi)

    def h(theta):
        risk = lambda a: (1 + theta) / 2 * f(a) + (1 - theta) / 2 * f(-a)
        return optimize.minimize_scalar(
            risk, bounds=(-40, 40), method="bounded", options={"xatol": 1e-12}
        ).fun

    expected = [float(f(0)) - h(t) for t in psi.theta[:-1]]
    np.testing.assert_allclose(psi.lower[:-1], expected, atol=1e-7)
    np.testing.assert_allclose(psi.upper[:-1], expected, atol=1e-7)
    # at theta = 1, H = inf phi = 0 (not attained): psi(1) = phi(0) = 1 + pi/2
    assert psi.lower[-1] <= 1 + math.pi / 2 <= psi.upper[-1] + 1e-12
    np.testing.assert_allclose(psi(psi.theta), psi.upper, atol=0)
    np.testing.assert_allclose(psi([0.1]), np.interp(0.1, psi.theta, psi.upper), atol=0)


def test_dwd_table_matches_its_closed_form():
    # distance-weighted discrimination (Marron et al.): psi = (1 + t - sqrt(1 - t^2))/2
    dwd = "Piecewise((1 - z, z <= 1/2), (1/(4*z), True))"
    theta, lower, upper = binary.transform_table(dwd, points=3)
    exact = (1 + theta - np.sqrt(1 - theta**2)) / 2
    assert np.all(lower <= exact + 1e-12) and np.all(exact <= upper + 1e-12)
    # H(1) = inf 1/(4a) = 0 is not attained: the search up to a = 50 leaves 1/200 at theta = 1
    assert np.max(upper[:-1] - lower[:-1]) < 1e-9 and upper[-1] - lower[-1] < 0.01


def test_bounded_hinge_table():
    theta, lower, upper = binary._table(binary.conditional_risk(sp.Max(0, 1 - A)), 0.4, 5)
    np.testing.assert_array_equal(theta, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(lower, 0.4 * theta, atol=1e-9)
    np.testing.assert_allclose(upper, 0.4 * theta, atol=1e-9)


def test_rigorous_infimum_encloses_the_minimum():
    # exp(-a) + 2 exp(a) is smallest at a = -log(2)/2, where it is 2 sqrt(2)
    lower, upper = binary.rigorous_infimum(sp.exp(-A) + 2 * sp.exp(A))
    assert lower <= 2 * math.sqrt(2) <= upper + 1e-15 and 0 < upper - lower < 1e-9
    lower, upper = binary.rigorous_infimum(sp.exp(-A) + 2 * sp.exp(A), lo=0.0)
    assert lower <= 3 <= upper + 1e-15 and upper - lower < 1e-9
    lower, upper = binary.rigorous_infimum(sp.exp(-A) + 2 * sp.exp(A), hi=-1.0)
    value = math.exp(1) + 2 * math.exp(-1)
    assert lower <= value <= upper + 1e-15 and upper - lower < 1e-9


def test_conditional_risk_weights_the_two_labels():
    risk = binary.conditional_risk(sp.exp(-A))
    expected = (1 + THETA) / 2 * sp.exp(-A) + (1 - THETA) / 2 * sp.exp(A)
    assert sp.simplify(risk - expected) == 0


def test_one_sided_slopes_at_a_kink():
    assert binary.one_sided_slopes(sp.Max(0, 1 - A), at=1.0) == (-1, 0)
    assert binary.one_sided_slopes(sp.Max(0, -A)) == (-1, 0)
    assert binary.one_sided_slopes(sp.exp(-A)) == (-1, -1)


def test_number_is_a_finite_real_or_nan():
    assert binary._number(sp.sqrt(THETA), 0.25) == 0.5
    # Cardano's real roots carry I; it cancels at 30 digits (2 cos(2 pi k/9), k = 1, 2, 4)
    roots = sorted(binary._number(r, 0.5) for r in sp.solve(A**3 - 3 * A + 1, A))
    cosines = sorted(2 * math.cos(2 * math.pi * k / 9) for k in (1, 2, 4))
    np.testing.assert_allclose(roots, cosines, rtol=1e-15)
    # an imaginary part below 1e-20 of the real part is rounding
    assert binary._number(10**10 + sp.I * sp.Rational(1, 10**15), 0.5) == 1e10
    assert math.isnan(binary._number(sp.sqrt(THETA - 1), 0.5))
    assert math.isnan(binary._number(sp.log(THETA), 0.0))
    assert math.isnan(binary._number(1 / THETA, 0.0))


def test_candidate_validity():
    limit = binary._Candidate(None, sp.log(THETA), (-sp.oo, sp.Integer(0)))
    assert limit.valid(0.5) and not limit.valid(0.0)
    inner = binary._Candidate(2 * THETA, THETA, (sp.Integer(0), sp.Integer(1)))
    assert inner.valid(0.25) and inner.valid(0.5) and not inner.valid(0.75)
    # the piece's ends are widened by 1e-12, inclusively
    assert inner.valid(-0.5e-12) and not inner.valid(-1e-12)
    assert binary._Candidate(THETA, THETA, (sp.Integer(0), sp.Integer(1))).valid(-1e-12)
    assert not binary._Candidate(sp.sqrt(THETA - 1), THETA, (-sp.oo, sp.oo)).valid(0.5)


def test_pieces_cut_the_hinge_risk_at_its_kinks():
    risk = binary.conditional_risk(sp.Max(0, 1 - A))
    eta, rest = (1 + THETA) / 2, (1 - THETA) / 2
    pieces = binary._pieces(risk, -sp.oo, sp.oo)
    assert [(s, e) for s, e, _ in pieces] == [(-sp.oo, -1), (-1, 1), (1, sp.oo)]
    formulas = [eta * (1 - A), eta * (1 - A) + rest * (1 + A), rest * (1 + A)]
    assert all(sp.expand(f - g) == 0 for (_, _, f), g in zip(pieces, formulas, strict=True))
    # kinks at the ends of the range are no cuts
    (only,) = binary._pieces(risk, -sp.Integer(1), sp.Integer(1))
    assert only[:2] == (-1, 1) and sp.expand(only[2] - formulas[1]) == 0
    left = binary._pieces(risk, -sp.oo, sp.Integer(0))
    assert [(s, e) for s, e, _ in left] == [(-sp.oo, -1), (-1, 0)]
    smooth = binary.conditional_risk(sp.exp(-A))
    assert binary._pieces(smooth, -sp.oo, sp.oo) == [(-sp.oo, sp.oo, smooth)]


def test_pieces_of_a_piecewise_risk_without_real_cuts():
    # the condition a^2 + a + 1 > 0 holds on all of R (no real root): one piece, first branch
    phi = sp.Piecewise((sp.exp(-A), A**2 + A + 1 > 0), (0, True))
    ((start, end, formula),) = binary._pieces(binary.conditional_risk(phi), -sp.oo, sp.oo)
    assert (start, end) == (-sp.oo, sp.oo)
    assert sp.simplify(formula - binary.conditional_risk(sp.exp(-A))) == 0


def test_candidates_of_the_exponential_risk():
    risk = binary.conditional_risk(sp.exp(-A))
    # the stationary point artanh(theta) with value sqrt(1 - theta^2); no finite limit at +-oo
    (stationary,) = binary._candidates(risk, -sp.oo, sp.oo)
    assert stationary.piece == (-sp.oo, sp.oo)
    assert binary._number(stationary.location, 0.6) == pytest.approx(math.atanh(0.6), rel=1e-15)
    assert binary._number(stationary.value, 0.6) == pytest.approx(0.8, rel=1e-15)
    # on alpha <= 0 the stationary point is never inside (theta > 0): only the end alpha = 0
    (end,) = binary._candidates(risk, -sp.oo, sp.Integer(0))
    assert (end.location, end.value, end.piece) == (0, 1, (0, 0))


def test_candidates_of_the_truncated_hinge_on_the_wrong_side():
    # hand-derived: C = 3 eta/2 on a <= -1, 3 eta/2 + (1 - eta)(1 + a) on [-1, -1/2],
    # 1 - a theta on [-1/2, 0]
    risk = binary.conditional_risk(binary.margin_loss("Min(3/2, Max(0, 1 - z))"))
    found = {
        (c.location, sp.simplify(c.value), c.piece)
        for c in binary._candidates(risk, -sp.oo, sp.Integer(0))
    }
    low, mid = 3 * (1 + THETA) / 4, 1 + THETA / 2
    assert found == {
        (None, low, (-sp.oo, -1)),
        (-1, low, (-1, -1)),
        (-HALF, mid, (-HALF, -HALF)),
        (0, 1, (0, 0)),
    }


def test_infimum_reasons_when_there_is_no_closed_form():
    no_limit = binary.infimum(binary.conditional_risk(2 + sp.sin(A)), -sp.oo, sp.Integer(0))
    assert no_limit == binary.Infimum(None, (), "no limit of the risk at alpha -> -oo")
    # exp(a) + (theta - 1/2) exp(-a): the stationary point log(theta - 1/2)/2 is real only
    # for theta > 1/2 and the risk falls to -oo for theta < 1/2
    nowhere = binary.infimum(sp.exp(A) + (THETA - HALF) * sp.exp(-A), -sp.oo, sp.oo)
    assert nowhere == binary.Infimum(None, (), "no candidate minimiser on theta in [0, 1]")


def test_infimum_of_the_exponential_risk():
    risk = binary.conditional_risk(sp.exp(-A))
    anywhere = binary.infimum(risk, -sp.oo, sp.oo)
    assert anywhere.proofs == ()
    for x in (0.0, 0.3, 0.9):
        assert binary._number(anywhere.expr, x) == pytest.approx(math.sqrt(1 - x * x), rel=1e-15)
    assert binary.infimum(risk, -sp.oo, sp.Integer(0)) == binary.Infimum(sp.Integer(1), ())
    # on |a| <= 7/10 the stationary point artanh(theta) leaves at theta = tanh(7/10)
    b = sp.Rational(7, 10)
    bounded = binary.infimum(risk, -b, b)
    (first, condition), (second, otherwise) = bounded.expr.args
    assert otherwise == sp.true and condition.lhs == THETA
    assert sp.simplify((condition.rhs - sp.tanh(b)).rewrite(sp.exp)) == 0
    assert binary._number(first, 0.3) == pytest.approx(math.sqrt(0.91), rel=1e-15)
    assert sp.simplify((second - sp.cosh(b) + THETA * sp.sinh(b)).rewrite(sp.exp)) == 0
    assert bounded.proofs and all(p.status is Status.PROVED for p in bounded.proofs)
    switch = f"{math.tanh(0.7):.4g}"
    assert {p.statement.rsplit(" on ", 1)[1] for p in bounded.proofs} <= {
        f"theta in [0, {switch}]",
        f"theta in [{switch}, 1]",
    }


def test_switch_points_of_the_bounded_exponential_are_exact():
    b = sp.Rational(7, 10)
    candidates = binary._candidates(binary.conditional_risk(sp.exp(-A)), -b, b)
    (point,) = binary._switch_points(candidates)
    assert not point.atoms(sp.Float)
    assert sp.simplify((point - sp.tanh(b)).rewrite(sp.exp)) == 0


def test_switch_points_ignore_limits_ends_at_infinity_and_the_ends_of_theta():
    limit = binary._Candidate(None, THETA, (-sp.oo, sp.Integer(0)))
    fixed = binary._Candidate(sp.Integer(0), sp.Integer(1), (sp.Integer(0), sp.Integer(0)))
    # leaves alpha <= 0 at theta = 1/2 (the infinite end is skipped, the finite one is not)
    leaving = binary._Candidate(THETA - HALF, THETA, (-sp.oo, sp.Integer(0)))
    # crosses the piece's ends only at theta = 0 and theta = 1: no switch inside (0, 1)
    spanning = binary._Candidate(THETA, THETA, (sp.Integer(0), sp.Integer(1)))
    assert binary._switch_points([limit, fixed, leaving, spanning]) == [HALF]


def test_switch_point_found_numerically_when_sympy_cannot_solve():
    # theta = cos(theta) has no closed form: the Dottie number, refined to 30 digits
    crossing = binary._Candidate(1 + THETA - sp.cos(THETA), THETA, (sp.Integer(1), sp.oo))
    (point,) = binary._switch_points([crossing])
    assert isinstance(point, sp.Float)
    assert abs(point - DOTTIE) < 1e-15


@pytest.mark.xfail(
    strict=True,
    reason="_switch_points refines the crossing under mpmath.workdps(30) but converts it with "
    "str(root) after the block has closed, at 15 digits: the Float carries 30 digits of which "
    "only about 16 are right (the docstring promises 30)",
)
def test_switch_point_found_numerically_has_thirty_digits():
    crossing = binary._Candidate(1 + THETA - sp.cos(THETA), THETA, (sp.Integer(1), sp.oo))
    (point,) = binary._switch_points([crossing])
    assert abs(point - DOTTIE) < 1e-28


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="_switch_points' numeric fallback looks for strict sign changes between grid points "
    "k/400: a crossing exactly on a grid point (value 0 there) is missed",
)
def test_switch_point_exactly_on_the_grid():
    crossing = binary._Candidate(
        1 + (THETA - HALF) * (THETA + sp.cos(THETA)), THETA, (sp.Integer(1), sp.oo)
    )
    assert binary._switch_points([crossing]) == [HALF]


def test_same_compares_values_and_then_expressions():
    samples = list(binary._SAMPLES)
    assert binary._same(sp.sin(THETA) ** 2 + sp.cos(THETA) ** 2, sp.Integer(1), samples)
    assert binary._same(THETA, THETA, samples)
    assert not binary._same(THETA, THETA**2, samples)


def test_convexity_verdicts():
    smooth = binary._convexity((1 - THETA) ** 2)
    assert smooth.status is Status.PROVED and smooth.statement == "T is convex on [0, 1]"
    # convex on [0, 1], concave beyond sqrt(2): only [0, 1) is examined
    assert binary._convexity(THETA**2 - THETA**4 / 12).status is Status.PROVED
    # convex near 0, concave beyond 1/sqrt(12)
    assert binary._convexity(THETA**2 / 2 - THETA**4).status is Status.REFUTED
    kinked = binary._convexity(
        sp.Piecewise((THETA**2, THETA < HALF), (THETA - sp.Rational(1, 4), True))
    )
    assert kinked.status is Status.PROVED
    assert kinked.rung == "; ".join(["proved symbolically"] * 3)
    dropping = binary._convexity(sp.Piecewise((THETA, THETA < HALF), ((1 + 2 * THETA) / 4, True)))
    assert dropping.status is Status.REFUTED
    assert dropping.rung.endswith("refuted")


def test_convexity_certifies_a_smooth_join_at_an_irrational_point():
    # theta^2, continued by its tangent at c = tanh(1/2): convex, the slope is continuous at c;
    # the join is decided by the 50-digit value of the jump at the float breakpoint
    c = sp.tanh(HALF)
    tangent = sp.Piecewise((THETA**2, c > THETA), (2 * c * THETA - c**2, True))
    verdict = binary._convexity(tangent)
    assert verdict.status is Status.CERTIFIED
    assert verdict.rung == "proved symbolically; proved symbolically; certified numerically"


@pytest.mark.xfail(
    strict=True,
    reason="_convexity checks the slope jump at a join against -1e-30, at the float breakpoint "
    "(and exactly at its nsimplify approximation): a breakpoint known only to 1e-17 turns a "
    "continuous slope (jump 0) into a jump of about -1e-17 half the time, and the join is "
    "refuted; e.g. the bounded exponential transform at B = 4/5 (and 2/5), convex by "
    "construction (the tangent continuation of 1 - sqrt(1 - theta^2)), is reported not convex",
)
def test_bounded_exponential_transform_is_convex_for_every_bound():
    b = sp.Rational(4, 5)
    bounded = sp.Piecewise(
        (1 - sp.sqrt(1 - THETA**2), sp.tanh(b) > THETA),
        (1 - sp.cosh(b) + THETA * sp.sinh(b), True),
    )
    assert binary._convexity(bounded).holds is True


def test_tidy_simplifies_branch_by_branch():
    messy = sp.Piecewise(
        (sp.sin(THETA) ** 2 + sp.cos(THETA) ** 2, THETA < HALF), (2 * THETA / 2 + 0, True)
    )
    assert binary._tidy(messy) == sp.Piecewise((1, THETA < HALF), (THETA, True))
    assert binary._tidy(sp.sqrt(THETA**2 * (1 + THETA))) == THETA * sp.sqrt(1 + THETA)


def test_lower_hull_of_hand_points():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    # (1, 2) lies above the chord from (0, 0) to (2, 1); (3, 2) is on the chord to (4, 3)
    y = np.array([0.0, 2.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(binary._lower_hull(x, y), [0.0, 0.5, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(binary._lower_hull(x, x**2), x**2)


def test_call_with_a_table_only_and_with_an_undefined_unused_branch():
    theta = np.linspace(0, 1, 5)
    table = binary.BinaryTransform(A, sp.oo, None, Status.CERTIFIED, (), theta, theta**2, theta)
    np.testing.assert_allclose(table(np.array([0.1, 0.6])), [0.1, 0.6])
    # numpy evaluates both branches everywhere: log(2 theta - 1) is nan for theta < 1/2
    expr = sp.Piecewise((THETA, THETA <= HALF), (sp.log(2 * THETA - 1) + 1, True))
    closed = binary.BinaryTransform(A, sp.oo, expr, Status.PROVED, (), theta, theta, theta)
    np.testing.assert_allclose(closed(np.array([0.25, 0.75])), [0.25, 1 + math.log(0.5)])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        closed(np.array([np.nan]))


def test_margin_loss_needs_exactly_one_symbol():
    assert binary.margin_loss("log(1 + exp(-z))") == sp.log(1 + sp.exp(-A))
    with pytest.raises(ValueError, match="exactly one free symbol"):
        binary.margin_loss("k * a")
    with pytest.raises(ValueError, match="does not occur"):
        binary.margin_loss("exp(-z)", margin="m")
    with pytest.raises(ValueError, match="positive"):
        binary.bounded_transform(sp.exp(-A), -1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary.psi_transform(sp.exp(-A))(np.array([1.5]))


def test_unhinged_loss_on_bounded_scores_has_slope_b():
    # van Rooyen et al. 2015: C = 1 - theta a, so T_B(theta) = B theta (at theta = 0 the risk
    # does not depend on a)
    theta, lower, upper = binary.transform_table("1 - z", 2, points=3)
    np.testing.assert_allclose(lower, 2 * theta, atol=1e-9)
    np.testing.assert_allclose(upper, 2 * theta, atol=1e-9)
