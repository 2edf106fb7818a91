import math

import pytest
import sympy as sp

from theory import calibration
from theory.proof import Status

z = sp.Symbol("z", real=True)
a = calibration.Z
E = sp.E


def tail(expr):
    return sp.Piecewise((1 - z, z <= 1), (expr, True))


@pytest.mark.parametrize(
    ("phi", "slope"),
    [
        (sp.log(1 + sp.exp(-z)), sp.Rational(-1, 2)),
        (sp.exp(-z), -1),
        ((1 - z) ** 2, -2),
        (sp.Max(0, 1 - z) ** 2, -2),
        (sp.Max(0, 1 - z), -1),
    ],
)
def test_standard_losses_are_convex_calibrated_and_bounded(phi, slope):
    report = calibration.check_cc(phi)
    assert report.convex.status is Status.PROVED
    assert report.slope_at_zero == (slope, slope)
    assert report.calibrated.holds is True
    assert report.bounded_below.holds is True
    assert report.valid_for_ensloss is True


@pytest.mark.parametrize("phi", [sp.Max(0, -z), sp.exp(z), z**2])
def test_controls_are_flagged_not_calibrated(phi):
    report = calibration.check_cc(phi)
    assert report.calibrated.holds is False
    assert report.valid_for_ensloss is False


def test_non_convex_loss_falls_back_to_psi():
    report = calibration.check_cc(1 - sp.tanh(2 * z))
    assert report.convex.holds is False
    assert report.calibrated.holds is True
    assert "psi" in report.calibrated.rung


@pytest.mark.parametrize(
    ("phi", "convex", "bounded", "infimum"),
    [
        (tail(1 / z - 1), True, True, -1.0),
        (tail(E / sp.log(z + E - 1) - E), True, True, -math.e),
        (tail(-sp.log(z)), True, False, -math.inf),
        (tail(-sp.exp(-(z - 1))), False, True, -1.0),
        (tail(-2 * sp.sqrt(z - 1)), False, False, -math.inf),
    ],
)
def test_the_repo_tail_losses(phi, convex, bounded, infimum):
    report = calibration.check_cc(phi)
    assert report.convex.holds is convex
    assert report.bounded_below.holds is bounded
    assert report.infimum[0] == pytest.approx(infimum, abs=1e-6)


def test_regularity_at_a_join():
    continuous, smooth = calibration.regularity_at(tail(1 / z - 1), 1.0)
    assert continuous.holds and smooth.holds
    continuous, smooth = calibration.regularity_at(tail(-sp.exp(-(z - 1))), 1.0)
    assert continuous.holds is False


def test_derivative_form_tails():
    inverse = calibration.check_derivative(sp.Piecewise((-1, z <= 1), (-1 / z, True)))
    assert inverse.non_decreasing.holds and inverse.continuous_at_zero.holds
    assert inverse.bounded_below.holds is False and inverse.valid is False
    log_squared = calibration.check_derivative(
        sp.Piecewise((-1, z <= E), (-1 / (z * sp.log(z) ** 2), True))
    )
    assert log_squared.valid is True


def test_derivative_with_a_jump_or_a_drop():
    jump_at_zero = calibration.check_derivative(sp.Piecewise((-1, z < 0), (0, True)))
    assert jump_at_zero.continuous_at_zero.holds is False
    assert jump_at_zero.negative_at_zero.holds is False
    decreasing = calibration.check_derivative(-sp.exp(z))
    assert decreasing.non_decreasing.holds is False


def test_implied_loss_integrates_from_zero():
    phi = calibration.implied_loss(-sp.exp(-z))
    assert sp.simplify(phi - (sp.exp(-calibration.Z) - 1)) == 0


def test_mixtures():
    phi = calibration.mixture([sp.Max(0, 1 - z), sp.exp(-z)], [0.5, 0.5])
    assert calibration.check_cc(phi).calibrated.holds is True
    with pytest.raises(ValueError, match="sum to 1"):
        calibration.mixture([sp.exp(-z), sp.exp(-z)], [0.5, 0.6])


def test_a_slope_of_exactly_zero_at_the_origin_is_refuted():
    squared_perceptron = sp.Max(0, -z) ** 2  # convex, differentiable, phi'(0) = 0
    report = calibration.check_cc(squared_perceptron)
    assert report.convex.holds and report.differentiable_at_zero.holds
    assert report.negative_slope.status is Status.REFUTED
    assert report.calibrated.holds is False
    form = calibration.check_derivative(calibration.derivative(squared_perceptron))
    assert form.continuous_at_zero.holds is True
    assert form.negative_at_zero.status is Status.REFUTED
    assert form.calibrated is False


def test_the_strict_comparison_holds_only_below():
    assert calibration._compare("a < b", sp.Integer(-1), sp.Integer(0), "<").holds is True
    assert calibration._compare("a < b", sp.Integer(0), sp.Integer(0), "<").holds is False
    assert calibration._compare("a <= b", sp.Integer(0), sp.Integer(0), "<=").holds is True
    assert calibration._compare("a < b", -sp.oo, sp.Integer(0), "<").holds is True
    assert calibration._compare("a == b", sp.oo, sp.oo, "==").holds is True


def test_the_derivative_is_taken_piece_by_piece():
    g, at = calibration.derivative(sp.Max(0, 1 - z)), calibration.Z
    assert g.subs(at, 0) == -1 and g.subs(at, 2) == 0
    assert g.subs(at, 1) == 0  # the right derivative at the kink
    assert sp.simplify(calibration.derivative(sp.exp(-z)) + sp.exp(-calibration.Z)) == 0


def test_the_derivative_form_of_calibration():
    assert calibration.check_derivative(-sp.exp(-z)).calibrated is True
    jump = calibration.check_derivative(sp.Piecewise((-1, z < 0), (-sp.Rational(1, 2), True)))
    assert jump.calibrated is False
    assert calibration.all_of([True, None]) is None
    assert calibration.all_of([None, False]) is False


def test_both_forms_agree_where_g_is_the_derivative():
    phi = sp.exp(-z)
    pairs = calibration.both_forms(
        calibration.check_cc(phi), calibration.check_derivative(calibration.derivative(phi))
    )
    assert [(a, b) for _, a, b in pairs] == [(True, True), (True, True), (True, True)]


def test_the_mixture_transform_bound_is_certified_and_fails_for_a_non_calibrated_part():
    hinge, exponential = sp.Max(0, 1 - z), sp.exp(-z)
    half = sp.Rational(1, 2)
    assert calibration.mixture_transform_bound([hinge, exponential], [half, half]).holds is True
    broken = calibration.mixture_transform_bound([sp.Max(0, -z), sp.exp(z)], [half, half])
    assert broken.status is Status.REFUTED  # psi_mix vanishes: not positive


def test_the_convex_criterion_is_proved_for_every_convex_margin_loss():
    proofs = calibration.convex_criterion_proof()
    assert len(proofs) == 17
    assert [p.statement for p in proofs if p.status is not Status.PROVED] == []
    assert proofs[0].statement.startswith("d/da C_eta(a) at a = 0 == (2 eta - 1) phi'(0)")


def test_the_convex_criterion_with_phi_slope_nonpositive_fails_its_sign_statements():
    strict = calibration.convex_criterion_proof()
    weak = calibration.convex_criterion_proof(strict=False)
    changed = [w.statement for s, w in zip(strict, weak, strict=True) if w.status != s.status]
    # phi'(0) = 0 (a^2) is allowed: C_eta'(0) and the descent step have no decided sign
    assert len(changed) == 4
    assert all(": C_eta'(0) " in c or ": h C_eta'(0) < 0" in c for c in changed)
    assert {w.status for w in weak if w.statement in changed} == {Status.INCONCLUSIVE}


@pytest.mark.parametrize(("left", "right"), [(-1, 0), (-1, 1), (-1, 2), (-3, -1), (0, 5)])
def test_the_proof_s_eta_makes_0_minimise_c_eta_at_a_kink(left, right):
    # phi(a) = left min(a, 0) + right max(a, 0): the convex kink with one-sided slopes l < r
    left, right = sp.Integer(left), sp.Integer(right)
    eta = sp.Rational(1, 2) + (right - left) / (4 * (right - left + abs(left + right)))
    assert sp.Rational(1, 2) < eta < 1

    def c_eta(a):
        def phi(x):
            return left * sp.Min(x, 0) + right * sp.Max(x, 0)

        return eta * phi(a) + (1 - eta) * phi(-a)

    assert all(c_eta(sp.Rational(k, 4)) >= c_eta(0) for k in range(-12, 13))


@pytest.mark.parametrize(
    ("expr", "relation", "status"),
    [
        (-sp.Symbol("p", positive=True), "<", Status.PROVED),
        (-sp.Symbol("p", positive=True), ">=", Status.REFUTED),
        (sp.Symbol("p", nonpositive=True), "<", Status.INCONCLUSIVE),
        (sp.Symbol("p", nonpositive=True), "<=", Status.PROVED),
    ],
)
def test_a_sign_statement_is_decided_by_the_assumptions_alone(expr, relation, status):
    assert calibration._sign("s", expr, relation).status is status


# Pins of what the calibration reports say: each proof's statement, status, deciding rung and
# details, with the limits, slopes and integrals in them worked out by hand.
def fields(proof):
    return proof.statement, proof.status, proof.rung, proof.detail


def test_the_hinge_report_pins_every_proof():
    report = calibration.check_cc(sp.Max(0, 1 - z))
    assert report.proofs == (
        report.convex,
        report.differentiable_at_zero,
        report.negative_slope,
        report.bounded_below,
        report.calibrated,
    )
    # two pieces, the join at 1 continuous and its slope rising from -1 to 0
    assert fields(report.convex)[:3] == ("phi is convex", Status.PROVED, "4 parts")
    assert report.convex.detail.endswith(
        "phi continuous at alpha = 1: proved symbolically; "
        "phi' does not drop at alpha = 1: proved symbolically"
    )
    assert fields(report.differentiable_at_zero) == (
        "phi is differentiable at 0",
        Status.PROVED,
        "exact one-sided limits",
        "left -1, right -1",
    )
    assert fields(report.negative_slope) == (
        "phi'(0) < 0 (right slope below 0)",
        Status.PROVED,
        "exact one-sided limits",
        "left -1, right 0",
    )
    assert fields(report.bounded_below)[:3] == (
        "phi is bounded below",
        Status.CERTIFIED,
        "interval branch and bound over the line",
    )
    # 1 - z -> oo on the left, the flat piece 0 on the right
    assert report.bounded_below.detail.endswith("limits oo (z -> -oo), 0 (z -> +oo)")
    assert report.infimum == pytest.approx((0.0, 0.0), abs=1e-9)
    assert fields(report.calibrated) == (
        "phi is calibrated",
        Status.PROVED,
        "BJM: convex, phi'(0) exists and < 0",
        "",
    )
    record = report.as_dict()
    assert list(record) == [
        "phi",
        "convex",
        "differentiable_at_zero",
        "slope_at_zero",
        "negative_slope",
        "bounded_below",
        "infimum_enclosure",
        "calibrated",
    ]
    assert record["phi"] == "Max(0, 1 - alpha)"
    assert record["slope_at_zero"] == ["-1", "-1"]
    assert record["infimum_enclosure"] == list(report.infimum)
    assert record["differentiable_at_zero"] == report.differentiable_at_zero.as_dict()
    assert record["bounded_below"]["status"] == str(Status.CERTIFIED)


@pytest.mark.parametrize(
    ("phi", "failed"),
    [
        # slopes -1 | 0 at the kink: the first premise, differentiability, fails
        (sp.Max(0, -z), "phi is differentiable at 0"),
        # differentiable with phi'(0) = 0: the second premise fails
        (sp.Max(0, -z) ** 2, "phi'(0) < 0 (right slope below 0)"),
    ],
)
def test_a_convex_loss_is_refuted_by_its_first_failing_premise(phi, failed):
    calibrated = calibration.check_cc(phi).calibrated
    assert fields(calibrated) == (
        "phi is calibrated",
        Status.REFUTED,
        "BJM (only if)",
        f"{failed} fails",
    )


def test_a_linear_loss_falls_to_minus_infinity_on_the_left():
    report = calibration.check_cc(z)
    assert fields(report.bounded_below) == (
        "phi is bounded below",
        Status.REFUTED,
        "sympy limit",
        "phi -> -oo as z -> -oo",
    )
    assert report.infimum == (-float("inf"), -float("inf"))
    assert fields(report.negative_slope)[1:] == (
        Status.REFUTED,
        "exact one-sided limits",
        "left 1, right 0",
    )


def test_an_unbounded_non_convex_loss_is_not_judged():
    # 1 - z, then -2 sqrt(z - 1): the slope drops from -1 to -oo at 1, and phi -> -oo
    report = calibration.check_cc(sp.Piecewise((1 - z, z <= 1), (-2 * sp.sqrt(z - 1), True)))
    assert fields(report.convex)[:3] == (
        "phi is convex",
        Status.REFUTED,
        "4 parts, decided by: phi' does not drop at alpha = 1",
    )
    assert fields(report.bounded_below) == (
        "phi is bounded below",
        Status.REFUTED,
        "sympy limit",
        "phi -> -oo as z -> +oo",
    )
    assert fields(report.calibrated) == (
        "phi is calibrated",
        Status.INCONCLUSIVE,
        "not applicable",
        "phi is unbounded below and not shown convex: H(eta) = -oo, psi is undefined",
    )


def test_a_non_convex_loss_is_judged_by_its_psi_transform():
    # C_eta(a) = 1 + (1 - 2 eta) tanh(2a): H(eta) = 1 - |2 eta - 1|, H^-(eta) = 1, psi(theta) = theta
    calibrated = calibration.check_cc(1 - sp.tanh(2 * z)).calibrated
    assert fields(calibrated) == (
        "phi is calibrated",
        Status.CERTIFIED,
        "psi-transform (phi not shown convex)",
        "theta",
    )


def test_the_derivative_report_pins_every_proof():
    # g = -e^-z: g' = e^-z >= 0, g(0) = -1, integral over [0, oo) = -1, over (-oo, 0] = -oo
    report = calibration.check_derivative(-sp.exp(-z))
    assert [fields(p) for p in report.proofs] == [
        (
            "g is non-decreasing",
            Status.PROVED,
            "1 parts",
            "g' >= 0 on (-inf, inf): proved symbolically",
        ),
        ("g is continuous at 0", Status.PROVED, "exact one-sided limits", "left -1, right -1"),
        ("g(0) < 0", Status.PROVED, "exact one-sided limits", "left -1, right 0"),
        (
            "the implied loss is bounded below",
            Status.PROVED,
            "2 parts",
            (
                "integral of g over the right tail > -oo: proved symbolically; "
                "integral of g over the left tail < +oo: proved symbolically"
            ),
        ),
    ]


def test_a_one_over_z_tail_is_named_as_the_failing_part():
    report = calibration.check_derivative(sp.Piecewise((-1, z <= 1), (-1 / z, True)))
    assert report.non_decreasing.rung == "3 parts"
    assert report.non_decreasing.detail.endswith(
        "g does not jump down at alpha = 1: proved symbolically"
    )
    assert fields(report.bounded_below)[:3] == (
        "the implied loss is bounded below",
        Status.REFUTED,
        "2 parts, decided by: integral of g over the right tail > -oo",
    )


@pytest.mark.parametrize(
    ("formula", "lower", "upper", "bad", "status", "rung", "detail"),
    [
        (-sp.exp(-a), 0, sp.oo, -sp.oo, Status.PROVED, "sympy integral", "integral = -1"),
        (-1 / a, 1, sp.oo, -sp.oo, Status.REFUTED, "sympy integral", "integral = -oo"),
        # sympy cannot integrate these; z g(z) -> -1: g ~ -1/z, the integral runs to -oo
        (
            -1 / (a + sp.sin(a) + 3),
            0,
            sp.oo,
            -sp.oo,
            Status.REFUTED,
            "z g(z) has a nonzero limit",
            "z g(z) -> -1 as z -> oo",
        ),
        # the left tail: g < 0 there with z g(z) -> 1, so the integral is -oo, not +oo
        (
            1 / (a + sp.sin(a) - 3),
            -sp.oo,
            0,
            sp.oo,
            Status.PROVED,
            "z g(z) has a nonzero limit",
            "z g(z) -> 1 as z -> -oo",
        ),
        # g > 0 on the left with z g(z) -> -1: the integral is +oo
        (
            -1 / (a + sp.sin(a) - 3),
            -sp.oo,
            0,
            sp.oo,
            Status.REFUTED,
            "z g(z) has a nonzero limit",
            "z g(z) -> -1 as z -> -oo",
        ),
        (
            -1 / (a**2 + sp.sin(a) + 3),
            0,
            sp.oo,
            -sp.oo,
            Status.PROVED,
            "comparison with |z|^-(1 + 1)",
            "|z|^(1 + 1) g(z) -> -1",
        ),
        (
            -1 / (a ** sp.Rational(3, 2) + sp.sin(a) + 3),
            0,
            sp.oo,
            -sp.oo,
            Status.PROVED,
            "comparison with |z|^-(1 + 1/2)",
            "|z|^(1 + 1/2) g(z) -> -1",
        ),
    ],
)
def test_each_rung_of_the_tail_integral(formula, lower, upper, bad, status, rung, detail):
    proof = calibration._tail_integral(formula, sp.sympify(lower), sp.sympify(upper), bad, "tail")
    assert fields(proof) == ("tail", status, rung, detail)


def test_an_undecided_limit_is_inconclusive():
    assert fields(calibration._compare("x < 0", None, sp.Integer(0), "<")) == (
        "x < 0",
        Status.INCONCLUSIVE,
        "sympy could not take the one-sided limits",
        "",
    )


def test_regularity_at_an_irrational_join():
    # max(0, 2 - z^2) at sqrt(2): continuous, slopes -2 sqrt(2) | 0
    continuous, smooth = calibration.regularity_at(sp.Max(0, 2 - z**2), 2**0.5)
    assert fields(continuous) == (
        "continuous at alpha = sqrt(2)",
        Status.PROVED,
        "exact one-sided limits",
        "left 0, right 0",
    )
    assert fields(smooth) == (
        "differentiable at alpha = sqrt(2)",
        Status.REFUTED,
        "exact one-sided limits",
        "left -2*sqrt(2), right 0",
    )


def test_the_mixture_is_the_weighted_sum():
    half = sp.Rational(1, 2)
    mixed = calibration.mixture([sp.Max(0, 1 - z), sp.exp(-z)], [0.5, 0.5])
    assert sp.simplify(mixed - (half * sp.Max(0, 1 - a) + half * sp.exp(-a))) == 0
    with pytest.raises(ValueError, match=r"^weights must be positive, one per loss, and sum to 1$"):
        calibration.mixture([sp.exp(-z)], [0.5, 0.5])


def test_the_derivative_of_a_three_piece_loss_uses_each_piece():
    # the ramp min(1, max(0, 1 - z)): slopes 0 | -1 | 0, the right derivative at the joins
    g = calibration.derivative(sp.Min(1, sp.Max(0, 1 - z)))
    assert [g.subs(a, v) for v in (-1, 0, sp.Rational(1, 2), 1, 2)] == [0, -1, -1, 0, 0]


def test_both_forms_name_the_three_equivalences():
    pairs = calibration.both_forms(
        calibration.check_cc(sp.exp(-z)), calibration.check_derivative(-sp.exp(-z))
    )
    assert pairs == (
        ("convex <=> g non-decreasing", True, True),
        ("calibrated <=> g continuous at 0 and g(0) < 0", True, True),
        ("bounded below <=> integrable tail", True, True),
    )


def test_the_last_comparison_rung_and_no_rung():
    # |z|^(5/4) g -> -1 while |z|^(3/2) g and |z|^2 g diverge: decided by the last exponent
    quarter = calibration._tail_integral(
        -1 / (a ** sp.Rational(5, 4) + sp.sin(a) + 3), sp.Integer(0), sp.oo, -sp.oo, "tail"
    )
    assert fields(quarter) == (
        "tail",
        Status.PROVED,
        "comparison with |z|^-(1 + 1/4)",
        "|z|^(1 + 1/4) g(z) -> -1",
    )
    # g ~ -1/(z log z): z g -> 0 and every |z|^(1 + e) g diverges, so no rung decides
    undecided = calibration._tail_integral(
        -1 / (a * sp.log(a + 2) + sp.sin(a) + 3), sp.Integer(0), sp.oo, -sp.oo, "tail"
    )
    assert fields(undecided) == ("tail", Status.INCONCLUSIVE, "no rung decided the tail", "")
