import numpy as np
import pytest
import sympy as sp

from theory import binary
from theory.proof import Status

A, THETA = binary.ALPHA, binary.THETA


def test_psi_of_the_exponential_loss_is_derived_and_proved():
    psi = binary.psi_transform(sp.exp(-A))
    assert psi.status is Status.PROVED
    assert psi.agreement.status is Status.CERTIFIED
    theta = np.linspace(0, 1, 11)
    np.testing.assert_allclose(psi(theta), 1 - np.sqrt(1 - theta**2), atol=1e-14)
    assert psi.calibrated is True


def test_hinge_psi_and_its_table_enclosure():
    psi = binary.psi_transform("Max(0, 1 - m)")
    np.testing.assert_allclose(psi(psi.theta), psi.theta, atol=1e-15)
    assert np.all(psi.lower <= psi.theta + 1e-12) and np.all(psi.theta <= psi.upper + 1e-12)
    assert np.max(psi.upper - psi.lower) < 1e-9


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


def test_bounded_hinge_is_linear_with_slope_min_b_1():
    for bound, slope in ((0.4, 0.4), (3, 1.0)):
        bounded = binary.bounded_transform(sp.Max(0, 1 - A), bound)
        np.testing.assert_allclose(bounded(np.array([0.5, 1.0])), [0.5 * slope, slope], atol=1e-14)


def test_a_wrong_closed_form_would_be_caught_by_the_table():
    bounded = binary.bounded_transform(sp.exp(-A), 0.7)
    wrong = binary._agreement(
        1 - sp.sqrt(1 - THETA**2), bounded.theta, bounded.lower, bounded.upper
    )
    assert wrong.status is Status.REFUTED


def test_the_table_alone_when_sympy_cannot_solve():
    # stationarity of this loss is transcendental in alpha: sympy returns no closed form
    phi = sp.exp(-A) + sp.atan(-A) + sp.pi / 2
    result = binary.bounded_transform(phi, 1.5, table_points=6)
    assert result.expr is None or result.agreement.holds
    assert np.all(result.lower <= result.upper + 1e-12)
    assert np.max(result.upper - result.lower) < 1e-6


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
