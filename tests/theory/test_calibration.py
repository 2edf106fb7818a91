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
