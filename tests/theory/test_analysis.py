"""``theory.analysis`` against closed forms: the binary ψ and bounded-class transforms of
Awasthi et al. 2022, the comp-sum T_τ of Mao et al. 2023, and the calibrated and non-calibrated
losses of Dai et al. 2025 as controls."""

import numpy as np
import pytest
import sympy as sp

from theory import analysis, comp_sum
from theory.expressions import OUTER, parse
from theory.proof import Status, prove_identity

THETA = np.linspace(0.0, 0.99, 12)
LOGISTIC_PSI = (1 + THETA) / 2 * np.log1p(THETA) + (1 - THETA) / 2 * np.log1p(-THETA)
POINTS = 6

# text, convex, calibrated, phi'(0+), psi(theta) (Awasthi et al. 2022, binary case),
# psi ~ c theta^p with (p, c), Lipschitz constant (None: not Lipschitz)
CASES = [
    ("log(1 + exp(-z))", True, True, "-1/2", LOGISTIC_PSI, (2, "1/2"), 1),
    ("exp(-z)", True, True, "-1", 1 - np.sqrt(1 - THETA**2), (2, "1/2"), None),
    ("max(0, 1 - z)", True, True, "-1", THETA, (1, "1"), 1),
    ("max(0, 1 - z)**2", True, True, "-2", THETA**2, (2, "1"), None),
    ("(1 - z)**2", True, True, "-2", THETA**2, (2, "1"), None),
    ("1 - tanh(z)", False, True, "-1", THETA, (1, "1"), 1),
    ("min(1, max(0, 1 - z/0.5))", False, True, "-2", THETA, (1, "1"), 2),
]


@pytest.mark.parametrize(
    ("text", "convex", "calibrated", "slope", "psi", "growth", "lipschitz"), CASES
)
def test_margin_losses_match_the_closed_forms(
    text, convex, calibrated, slope, psi, growth, lipschitz
):
    result = analysis.analyze_margin_loss(parse(text), table_points=POINTS)
    assert result.cc.convex.holds is convex
    assert result.cc.calibrated.holds is calibrated
    assert str(result.cc.slope_at_zero[1]) == slope
    assert result.psi.expr is not None and result.psi.status is Status.PROVED
    np.testing.assert_allclose(result.psi(THETA), psi, atol=1e-12)
    assert (result.growth.exponent, result.growth.coefficient) == growth
    assert result.growth.kind == {1: "linear", 2: "square-root"}[growth[0]]
    assert result.growth.method.startswith("exact")
    assert result.verdict.startswith("calibrated")
    if lipschitz is None:
        assert result.lipschitz.proof.status is Status.REFUTED
    else:
        assert result.lipschitz.constant == lipschitz
        assert result.lipschitz.proof.status is Status.PROVED
    gamma = result.gamma
    inverted = result.psi(np.asarray(gamma.values))
    np.testing.assert_allclose(inverted, gamma.v, atol=1e-12)


@pytest.mark.slow
def test_sigmoid_psi_is_half_theta():
    """1/(1 + e^z) = (1 - tanh(z/2))/2, so ψ = θ/2 (Awasthi et al. 2022's sigmoid, halved); L = 1/4.

    Slow (~14 s): at θ = 0 the risk (φ(α) + φ(-α))/2 is the constant 1/2, which sympy leaves
    unsimplified, and the interval table of ``theory.binary`` runs to its box cap on it.
    ``1 - tanh(z)`` above is the fast sigmoid case.
    """
    result = analysis.analyze_margin_loss(parse("1/(1 + exp(z))"), table_points=3)
    assert result.cc.convex.holds is False and result.cc.calibrated.holds is True
    assert result.psi.expr == analysis.THETA / 2
    assert result.growth.kind == "linear" and result.growth.coefficient == "1/2"
    assert result.gamma.expr == 2 * analysis.V
    assert result.lipschitz.constant == sp.Rational(1, 4)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("z**2", "not calibrated: phi'(0) = 0, not < 0"),
        ("max(0, -z)", "not calibrated: phi is convex but not differentiable at 0"),
        ("exp(z)", "not calibrated: phi'(0) = 1, not < 0"),
    ],
)
def test_negative_controls_are_not_calibrated_and_say_why(text, reason):
    result = analysis.analyze_margin_loss(parse(text), table_points=POINTS)
    assert result.cc.convex.holds is True
    assert result.cc.calibrated.status is Status.REFUTED
    assert result.verdict.startswith(reason)
    np.testing.assert_allclose(result.psi(THETA), 0.0, atol=1e-15)
    assert result.growth.kind == "vanishes" and result.gamma is None
    assert result.derivative.valid is False


def test_exact_inverses_are_proved():
    exponential = analysis.analyze_margin_loss(parse("exp(-z)"), table_points=POINTS)
    v = analysis.V
    identity = prove_identity(exponential.gamma.expr, sp.sqrt(2 * v - v**2), domains={v: (0, 1)})
    assert identity.status is Status.PROVED
    assert exponential.gamma.proof.status is Status.PROVED
    squared = analysis.analyze_margin_loss(parse("(1 - z)**2"), table_points=POINTS)
    assert squared.gamma.expr == sp.sqrt(v)


@pytest.mark.parametrize(
    ("text", "bound", "expected"),
    [
        ("max(0, 1 - z)", 0.4, 0.4 * THETA),
        ("min(1, max(0, 1 - z/0.5))", 0.25, 0.5 * THETA),
        ("max(0, 1 - z)**2", 0.5, np.where(THETA <= 0.5, THETA**2, THETA - 0.25)),
        (
            "exp(-z)",
            0.7,
            np.where(
                np.less_equal(THETA, np.tanh(0.7)),
                1 - np.sqrt(1 - THETA**2),
                1 - (1 + THETA) / 2 * np.exp(-0.7) - (1 - THETA) / 2 * np.exp(0.7),
            ),
        ),
    ],
)
def test_bounded_class_transforms_match_section_6_3(text, bound, expected):
    result = analysis.analyze_margin_loss(parse(text), bound, table_points=POINTS)
    assert result.bound == bound
    np.testing.assert_allclose(result.bounded(THETA), expected, atol=1e-12)
    gamma = result.bounded_gamma
    np.testing.assert_allclose(result.bounded(np.asarray(gamma.values)), gamma.v, atol=1e-12)


def test_unbounded_below_loss_has_no_psi():
    result = analysis.analyze_margin_loss(parse("-z"), table_points=POINTS)
    assert result.psi is None and result.gamma is None and result.derivative is None
    assert result.verdict.startswith("calibration undefined: phi is unbounded below")


def test_bad_bound_is_refused():
    with pytest.raises(ValueError, match="positive finite"):
        analysis.analyze_margin_loss(parse("exp(-z)"), -1.0)


FAMILY = [
    ("u", 0, "sum-exponential", "square-root"),
    ("2*(sqrt(1 + u) - 1)", sp.Rational(1, 2), "comp-sum", "square-root"),
    ("log(1 + u)", 1, "logistic (cross-entropy)", "square-root"),
    ("2 - 2/sqrt(1 + u)", sp.Rational(3, 2), "generalized cross-entropy", "square-root"),
    ("1 - 1/(1 + u)", 2, "mean absolute error", "linear"),
    ("(1 - (1 + u)**(-2))/2", 3, "bounded comp-sum", "linear"),
]


@pytest.mark.parametrize(("text", "tau", "name", "growth"), FAMILY)
def test_comp_sum_family_members_get_the_transform_of_section_3(text, tau, name, growth):
    result = analysis.analyze_comp_sum(parse(text, OUTER), n_classes=3)
    assert result.member.status is Status.PROVED
    assert result.tau == tau and result.scale == 1 and result.name.startswith(name)
    assert result.growth.kind == growth
    expected = comp_sum.transform(float(tau), 3)
    t = np.linspace(0.0, 0.95, 9)
    numeric = sp.lambdify(comp_sum.T, result.transform.subs(comp_sum.N, 3), "numpy")
    np.testing.assert_allclose(numeric(t) * np.ones_like(t), expected(t), atol=1e-12)
    assert result.non_decreasing.holds is True
    assert result.concave.holds is True
    assert result.bounded.holds is bool(tau > 1)
    values = np.asarray(result.gamma.values)
    np.testing.assert_allclose(expected(np.minimum(values, 1.0)), result.gamma.v, atol=1e-9)


def test_sum_exponential_and_mae_inverses_are_closed_forms():
    v = analysis.V
    sum_exp = analysis.analyze_comp_sum(parse("u", OUTER))
    assert sp.simplify(sum_exp.gamma.expr - sp.sqrt(2 * v - v**2)) == 0
    mae = analysis.analyze_comp_sum(parse("1 - 1/(1 + u)", OUTER), n_classes=5)
    assert mae.gamma.expr == 5 * v


def test_a_scaled_member_scales_the_transform():
    result = analysis.analyze_comp_sum(parse("log(1 + u, 2)", OUTER))
    assert result.tau == 1 and result.scale == 1 / sp.log(2)
    assert sp.simplify(result.transform - comp_sum.transform_branch("logistic") / sp.log(2)) == 0


def test_comp_sum_logistic_at_two_classes_is_the_binary_logistic_psi():
    member = analysis.analyze_comp_sum(parse("log(1 + u)", OUTER))
    assert member.margin_loss == parse("log(1 + exp(-z))")
    binary = analysis.analyze_margin_loss(member.margin_loss, table_points=POINTS)
    assert binary.gamma.expr is None and binary.gamma.method.startswith("bisection")
    numeric = sp.lambdify(comp_sum.T, member.transform, "numpy")
    np.testing.assert_allclose(binary.psi(THETA), numeric(THETA), atol=1e-12)


@pytest.mark.parametrize(
    ("text", "concave"),
    [("sqrt(u)", True), ("u**2", False), ("log(1 + u)**2", None)],
)
def test_outside_the_family_no_transform_is_guessed(text, concave):
    result = analysis.analyze_comp_sum(parse(text, OUTER))
    assert result.member.holds is False
    assert result.note == analysis.NOT_A_MEMBER
    assert result.tau is None and result.transform is None and result.gamma is None
    assert result.non_decreasing.holds is True
    if concave is not None:
        assert result.concave.holds is concave


@pytest.mark.parametrize(
    ("values", "exponent", "kind"),
    [(THETA, 1.0, "linear"), (1 - np.sqrt(1 - THETA**2), 2.0, "square-root")],
)
def test_growth_and_gamma_from_a_table_alone(values, exponent, kind):
    """Without a closed form the growth is fitted on the table and Γ interpolates it."""
    from theory.binary import BinaryTransform

    table = BinaryTransform(sp.Integer(0), sp.oo, None, Status.CERTIFIED, (), THETA, values, values)
    growth = analysis.growth(table)
    assert growth.kind == kind and growth.method.startswith("fitted")
    assert growth.exponent == pytest.approx(exponent, abs=0.05)
    gamma = analysis.inverse(table)
    assert gamma.expr is None and gamma.method.startswith("interpolation")
    np.testing.assert_allclose(np.interp(gamma.values, THETA, values), gamma.v, atol=1e-12)
