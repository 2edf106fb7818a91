"""Each wang2021 check verifies the paper's statement and refutes a negative control."""

import numpy as np
import pytest

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


def test_the_trend_test_verifies_a_monotone_trend_and_refutes_a_reversal():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, (5, 6))
    rising = np.arange(5.0)[:, None] + noise
    assert wang2021.trend_verdict(rising, +1)[0] is Verdict.VERIFIED
    assert wang2021.trend_verdict(rising, -1)[0] is Verdict.REFUTED
    flat = noise
    assert wang2021.trend_verdict(flat, +1)[0] is Verdict.INCONCLUSIVE
    reversal = np.array([0.0, 1.0, 2.0, 1.5])[:, None] + noise[:4]
    verdict, steps = wang2021.trend_verdict(reversal, +1)
    assert verdict is Verdict.REFUTED and steps[-1]["change"] < 0
    with pytest.raises(ValueError, match="shape"):
        wang2021.trend_verdict(np.ones((1, 4)), +1)
