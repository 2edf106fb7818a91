"""Every dai2025 check passes on the paper's statement and rejects a wrong one."""

import numpy as np
import sympy as sp

from paper_checks import dai2025
from paper_checks.claims import Verdict
from simulations import ensloss as ens
from simulations import mlp

Z = dai2025.Z


def test_standard_losses_reject_a_wrong_slope(ctx):
    assert dai2025.cc_standard_losses(ctx).verdict is Verdict.VERIFIED
    wrong = {"logistic": (sp.log(1 + sp.exp(-Z)), sp.Integer(-1))}
    assert dai2025.cc_standard_losses(ctx, losses=wrong).verdict is Verdict.REFUTED


def test_negative_controls_reject_a_calibrated_loss(ctx):
    assert dai2025.cc_negative_controls(ctx).verdict is Verdict.VERIFIED
    calibrated = {"logistic": sp.log(1 + sp.exp(-Z))}
    assert dai2025.cc_negative_controls(ctx, losses=calibrated).verdict is Verdict.REFUTED


def test_tail_table_rejects_a_wrong_entry(ctx):
    assert dai2025.tail_losses(ctx).verdict is Verdict.VERIFIED
    phi, _ = dai2025.TAIL_LOSSES["Log_Hinge"]
    wrong = {"Log_Hinge": (phi, (True, True, True))}
    assert dai2025.tail_losses(ctx, table=wrong).verdict is Verdict.REFUTED


def test_derivative_form_rejects_a_wrong_derivative(ctx):
    assert dai2025.derivative_form(ctx).verdict is Verdict.VERIFIED
    negated = lambda phi: -dai2025._derivative(phi)
    assert dai2025.derivative_form(ctx, derivative=negated).verdict is Verdict.REFUTED


def test_mixture_with_the_perceptron_is_not_calibrated(ctx):
    assert dai2025.mixture_closure(ctx).verdict is Verdict.VERIFIED
    bad = (((("hinge", "perceptron")), (sp.Rational(1, 2), sp.Rational(1, 2))),)
    assert dai2025.mixture_closure(ctx, mixtures=bad).verdict is Verdict.REFUTED


def test_generator_range_rejects_a_larger_shift(ctx):
    assert dai2025.generator_valid(ctx).verdict is Verdict.VERIFIED
    assert dai2025.generator_valid(ctx, shift=1e-3).verdict is Verdict.REFUTED


def test_population_limit_rejects_the_mirrored_limit(ctx):
    assert dai2025.population_limit(ctx).verdict is Verdict.VERIFIED
    mirrored = lambda u: ens.population_derivative(1 - np.asarray(u))
    assert dai2025.population_limit(ctx, limit=mirrored).verdict is Verdict.REFUTED


def test_implied_loss_rejects_uncoupled_draws(ctx):
    assert dai2025.implied_loss_convex(ctx).verdict is Verdict.VERIFIED

    def uncoupled(margins, rng, lam):  # sorted values, but not matched to the margins' ranks
        values = ens.ensloss_derivatives(margins, rng, lam=lam, tail="none")
        return rng.xp.flip(values, axis=-1)

    assert dai2025.implied_loss_convex(ctx, derivatives=uncoupled).verdict is Verdict.REFUTED


def test_gradient_equivalence_rejects_a_doubled_backward(ctx):
    assert dai2025.gradient_equivalence(ctx).verdict is Verdict.VERIFIED

    def doubled(network, inputs, upstream, xp):
        return [2 * g for g in mlp.backward(network, inputs, upstream, xp)]

    assert dai2025.gradient_equivalence(ctx, backward=doubled).verdict is Verdict.REFUTED


def test_tail_check_verifies_the_integrable_tail(ctx):
    assert dai2025.tail_bounded_below(ctx).verdict is Verdict.REFUTED
    assert dai2025.tail_bounded_below(ctx, tail="log_squared").verdict is Verdict.VERIFIED


def test_consistency_rejects_a_model_that_does_not_learn(ctx):
    assert dai2025.bayes_consistency(ctx).verdict is Verdict.VERIFIED
    assert dai2025.bayes_consistency(ctx, learning_rate=0.0).verdict is Verdict.REFUTED


def test_overfitting_rejects_bce_against_itself(ctx):
    assert dai2025.overfitting(ctx).verdict is Verdict.VERIFIED
    assert dai2025.overfitting(ctx, method="bce").verdict is Verdict.REFUTED


def test_shape_ablation_rejects_a_fixed_loss_as_the_ablation(ctx):
    assert dai2025.shape_vs_noise(ctx).verdict is Verdict.VERIFIED
    assert dai2025.shape_vs_noise(ctx, ablation="hinge").verdict is Verdict.REFUTED


def test_depth_trend_is_not_verified_for_a_fixed_loss_against_itself(ctx):
    assert dai2025.depth_trend(ctx, method="bce").verdict is not Verdict.VERIFIED


def test_consistency_reads_its_cells_back_from_a_store(ctx, tmp_path, monkeypatch):
    from dataclasses import replace

    from simulations import sweeps

    cached = replace(ctx, store=sweeps.Store(tmp_path))
    first = dai2025.bayes_consistency(cached)

    def no_training(*args):
        raise AssertionError("a cached cell was trained again")

    monkeypatch.setattr(ens, "train", no_training)
    again = dai2025.bayes_consistency(cached)
    assert again.summary == first.summary
    np.testing.assert_array_equal(again.data["excess"], first.data["excess"])
