"""Each yeh2022 check verifies the paper's statement and refutes a negative control."""

import sympy as sp

from paper_checks import yeh2022
from paper_checks.claims import Verdict
from theory import contrastive as theory


def test_every_claim_has_its_expected_verdict(ctx):
    for claim in yeh2022.CLAIMS:
        outcome = claim.check(ctx)
        assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


def test_a_decoupled_loss_that_keeps_the_positive_is_refuted(ctx):
    outcome = yeh2022.gradient_factorisation(ctx, decoupled=theory.coupled_dcl_loss)
    assert outcome.verdict is Verdict.REFUTED


def test_swapping_the_factors_of_propositions_1_and_2_is_refuted(ctx):
    assert yeh2022.proposition_1_vector_form(ctx, coupled_factor=False).verdict is Verdict.REFUTED


def test_the_kernel_check_rejects_a_multiplier_of_one(ctx):
    assert yeh2022.kernel_factorisation(ctx, multiplier="one").verdict is Verdict.REFUTED


def test_decreasing_batch_sizes_refute_the_rise_of_q_b(ctx):
    assert yeh2022.qb_vs_batch_size(ctx, sizes=(512, 128, 32)).verdict is Verdict.REFUTED


def test_a_wrong_rate_for_the_loss_gap_is_refuted(ctx):
    assert yeh2022.large_batch_gap(ctx, expected_slope=-0.5).verdict is Verdict.REFUTED


def test_the_unscaled_dclw_weight_of_an_old_peer_release_is_refuted(ctx):
    assert yeh2022.dclw_weights(ctx, scale=1).verdict is Verdict.REFUTED


def test_closed_forms_without_the_factor_two_are_refuted(ctx):
    def dcl_without_the_two(n, tau):
        return theory.dcl_minimum(n, tau) - sp.log(2)

    outcome = yeh2022.shared_minimiser(ctx, minimum=(theory.infonce_minimum, dcl_without_the_two))
    assert outcome.verdict is Verdict.REFUTED


def test_curvatures_compared_without_the_multiplier_are_refuted(ctx):
    assert yeh2022.curvature_ratio(ctx, multiplier="one").verdict is Verdict.REFUTED


def test_step_thresholds_taken_from_the_other_loss_are_refuted(ctx):
    assert yeh2022.step_size_threshold(ctx, swap_curvatures=True).verdict is Verdict.REFUTED


def test_dcl_against_itself_shows_no_speed_advantage(ctx):
    assert yeh2022.small_batch_learning_speed(ctx, baseline="dcl").verdict is Verdict.REFUTED
    assert yeh2022.tuned_learning_speed(ctx, baseline="dcl").verdict is Verdict.REFUTED


def test_without_learning_q_b_does_not_fall(ctx):
    outcome = yeh2022.q_b_falls_during_training(ctx, learning_rate=1e-9)
    assert outcome.verdict is Verdict.REFUTED
