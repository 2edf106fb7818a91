"""Each wang2021 check verifies the paper's statement and refutes a negative control."""

from paper_checks import wang2021
from paper_checks.claims import Verdict
from theory import contrastive as theory


def test_every_claim_has_its_expected_verdict(ctx):
    for claim in wang2021.CLAIMS:
        outcome = claim.check(ctx)
        assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


def test_the_gradient_balance_fails_for_two_separate_log_sum_exps(ctx):
    outcome = wang2021.hardness_aware_gradients(ctx, loss=theory.two_lse_dcl_loss)
    assert outcome.verdict is Verdict.REFUTED


def test_a_wrong_power_of_tau_in_the_entropy_identity_is_refuted(ctx):
    assert wang2021.entropy_rises_with_temperature(ctx, exponent=2).verdict is Verdict.REFUTED


def test_the_population_bound_fails_on_samples(ctx):
    assert wang2021.uniformity_sample_bound(ctx, population_bound=True).verdict is Verdict.REFUTED
