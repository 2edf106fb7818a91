import math

import pytest
import sympy as sp

from theory import calibration
from theory.proof import Status

z = sp.Symbol("z", real=True)
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
