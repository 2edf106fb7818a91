"""awasthi2022 and bartlett2006 checks pass on the table and reject a wrong entry."""

import sympy as sp

from paper_checks import awasthi2022, bartlett2006
from paper_checks.claims import Verdict
from theory import binary

A, THETA = awasthi2022.A, awasthi2022.THETA


def test_linear_transforms_reject_hinge_without_the_min(ctx):
    assert awasthi2022.linear_transforms(ctx).verdict is Verdict.VERIFIED
    wrong = {**awasthi2022.LINEAR, "hinge": (sp.Max(0, 1 - A), lambda b: b * THETA)}
    assert awasthi2022.linear_transforms(ctx, table=wrong).verdict is Verdict.REFUTED


def test_two_regimes_reject_the_logistic_kink_at_tanh_b(ctx):
    outcome = awasthi2022.two_regime_transforms(ctx)
    assert outcome.verdict is Verdict.VERIFIED
    phi, formula, kink, inverse = awasthi2022.TWO_REGIME["logistic"]
    moved = lambda b: formula(2 * b)
    wrong = {**awasthi2022.TWO_REGIME, "logistic": (phi, moved, kink, inverse)}
    assert awasthi2022.two_regime_transforms(ctx, table=wrong).verdict is Verdict.REFUTED


def test_gamma_max_form_rejects_a_too_optimistic_gamma(ctx):
    assert awasthi2022.gamma_max_form(ctx).verdict is Verdict.VERIFIED
    phi, formula, kink, _ = awasthi2022.TWO_REGIME["exponential"]
    optimistic = lambda t, b: sp.Rational(6, 5) * t**2 / 2
    wrong = {"exponential": (phi, formula, kink, optimistic)}
    assert awasthi2022.gamma_max_form(ctx, table=wrong).verdict is Verdict.REFUTED


def test_unbounded_limit_rejects_a_halved_hinge(ctx):
    assert awasthi2022.unbounded_limit(ctx).verdict is Verdict.VERIFIED
    halved = {"hinge": (sp.Max(0, 1 - A), lambda b: sp.Min(b, 1) * THETA / 2)}
    assert awasthi2022.unbounded_limit(ctx, linear=halved, two_regime={}).verdict is Verdict.REFUTED


def test_psi_table_rejects_a_wrong_exponential_entry(ctx):
    assert bartlett2006.psi_table(ctx).verdict is Verdict.VERIFIED
    wrong = {"exponential": (sp.exp(-A), THETA**2 / 2)}
    assert bartlett2006.psi_table(ctx, table=wrong).verdict is Verdict.REFUTED


def test_calibrated_loss_is_not_a_valid_negative_control(ctx):
    assert bartlett2006.not_calibrated_controls(ctx).verdict is Verdict.VERIFIED
    hinge = {"hinge": sp.Max(0, 1 - A)}
    assert bartlett2006.not_calibrated_controls(ctx, losses=hinge).verdict is Verdict.REFUTED


def test_calibration_criterion_rejects_a_one_sided_derivative_rule(ctx):
    assert bartlett2006.convex_calibration_criterion(ctx).verdict is Verdict.VERIFIED

    def one_sided(phi):  # ignores differentiability: wrongly calls the perceptron calibrated
        return bool(binary.one_sided_slopes(phi)[0] < 0)

    outcome = bartlett2006.convex_calibration_criterion(ctx, criterion=one_sided)
    assert outcome.verdict is Verdict.REFUTED
