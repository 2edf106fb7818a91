"""Every mao2023 check passes on the paper's statement and rejects a wrong one."""

import numpy as np
import pytest
import sympy as sp

from paper_checks import mao2023
from paper_checks.claims import Verdict
from simulations import comp_sum as mc
from theory import comp_sum

S, T, U = comp_sum.S, comp_sum.T, comp_sum.U


def test_family_identities_reject_mae_with_the_factor_two(ctx):
    assert mao2023.family_identities(ctx).verdict is Verdict.VERIFIED
    wrong = {**mao2023.SOFTMAX_FORMS, sp.Integer(2): 2 * (1 - S)}
    assert mao2023.family_identities(ctx, forms=wrong).verdict is Verdict.REFUTED


def test_monotonicity_rejects_an_increasing_family(ctx):
    assert mao2023.decreasing_in_tau(ctx).verdict is Verdict.VERIFIED
    increasing = lambda tau: U * (1 + tau)
    assert mao2023.decreasing_in_tau(ctx, family=increasing).verdict is Verdict.REFUTED


def test_boundedness_rejects_a_shifted_family(ctx):
    assert mao2023.bounded_iff_tau_above_1(ctx).verdict is Verdict.VERIFIED
    shifted = lambda tau: comp_sum.outer_function(tau + 1)
    assert mao2023.bounded_iff_tau_above_1(ctx, family=shifted).verdict is Verdict.REFUTED


def test_transform_sanity_rejects_a_wrong_power_of_n(ctx):
    def wrong(branch, tau=comp_sum.TAU, n=comp_sum.N, t=T):
        formula = comp_sum.transform_branch(branch, tau, n, t)
        return formula / n if branch == "generalized_cross_entropy" else formula

    assert mao2023.transform_sanity(ctx, branches=wrong).verdict is Verdict.REFUTED


def test_binary_case_rejects_a_scaled_transform(ctx):
    scaled = lambda tau, n: sp.Rational(9, 10) * comp_sum.transform_expr(tau, n)
    assert mao2023.binary_case(ctx, transform_of=scaled).verdict is Verdict.REFUTED


def test_convexity_rejects_a_non_convex_transform(ctx):
    wavy = lambda tau, n: T / 2 + sp.sin(6 * T) / 20
    assert mao2023.convex_increasing(ctx, transform_of=wavy).verdict is Verdict.REFUTED


def test_gamma_closed_forms_reject_mae_without_n(ctx):
    assert mao2023.gamma_closed_forms(ctx).verdict is Verdict.VERIFIED
    assert mao2023.gamma_closed_forms(ctx, mae_gamma=lambda v, n: v).verdict is Verdict.REFUTED


@pytest.fixture
def fewer_draws(monkeypatch):
    original = mc.check_pointwise

    def smaller(*args, draws, **kwargs):
        return original(*args, draws=4_000, **kwargs)

    monkeypatch.setattr(mao2023.mc, "check_pointwise", smaller)


def test_pointwise_claim_passes_and_rejects_a_shrunk_gamma(ctx, fewer_draws):
    assert mao2023.pointwise_validity(ctx).verdict is Verdict.VERIFIED
    outcome = mao2023.pointwise_validity(ctx, candidate="shrunk_gamma")
    assert outcome.verdict is Verdict.REFUTED
    assert outcome.evidence["violations"] > 0


def test_tightness_rejects_a_loosened_transform(ctx):
    assert mao2023.tight_up_to_logistic(ctx).verdict is Verdict.VERIFIED

    def loosened(tau, n):
        exact = comp_sum.transform(tau, n)
        return lambda t: 0.9 * exact(t)

    assert mao2023.tight_up_to_logistic(ctx, transform=loosened).verdict is Verdict.REFUTED


def test_mae_threshold_is_where_tightness_stops(ctx):
    assert mao2023.mae_tight_small_t(ctx).verdict is Verdict.VERIFIED
    everywhere = mao2023.mae_tight_small_t(ctx, tight_up_to=lambda n: 1.0)
    assert everywhere.verdict is Verdict.REFUTED


def test_the_tightness_test_can_also_verify(ctx):
    # the same machinery that refutes tightness for GCE confirms it for tau <= 1
    assert mao2023.not_tight(ctx, (0.5,), (3,)).verdict is Verdict.VERIFIED
    assert mao2023.tight_gce(ctx).verdict is Verdict.REFUTED
    assert mao2023.tight_above_mae(ctx).verdict is Verdict.REFUTED


def test_risk_minimum_rejects_entropy_in_bits(ctx):
    def in_bits(p, tau):
        value = comp_sum.conditional_risk_min(p, tau)
        return value / np.log(2) if tau == 1 else value

    assert mao2023.conditional_risk_closed_form(ctx, closed_form=in_bits).verdict is Verdict.REFUTED


def test_pooled_infimum_rejects_the_unconstrained_minimum(ctx):
    assert mao2023.pooled_infimum(ctx).verdict is Verdict.VERIFIED
    unpooled = lambda p, h, tau: np.zeros(p.shape[0])
    assert mao2023.pooled_infimum(ctx, infimum=unpooled).verdict is Verdict.REFUTED


def test_n_dependence_rejects_mae_as_n_free(ctx):
    assert mao2023.n_dependence(ctx).verdict is Verdict.VERIFIED
    assert mao2023.n_dependence(ctx, flat_tau=2.0).verdict is Verdict.REFUTED


def test_minimizability_gaps_are_needed(ctx):
    assert mao2023.bound_restricted_class(ctx).verdict is Verdict.VERIFIED
    gap_free = mao2023.bound_restricted_class(ctx, with_gaps=False)
    assert gap_free.verdict is Verdict.REFUTED


def test_gap_monotonicity_rejects_mae_with_the_factor_two(ctx):
    assert mao2023.gap_monotone_in_tau(ctx).verdict is Verdict.VERIFIED
    doubled = mao2023.gap_monotone_in_tau(ctx, convention={2.0: 2.0})
    assert doubled.verdict is Verdict.REFUTED


def test_every_claim_of_the_paper_has_a_negative_control_here():
    tested = {name for name in globals() if name.startswith("test_")}
    assert len(tested) >= len(mao2023.CLAIMS) - 3  # tight_gce/above_mae share one test
