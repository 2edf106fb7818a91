"""wang2021: every claim gives its verdict and its controls the opposite; the trend test."""

import numpy as np
import pytest

from paper_checks import wang2021
from paper_checks.claims import Scope, Verdict, run_claim

CLAIMS = {claim.id: claim for claim in wang2021.CLAIMS}
TRAINING = "wang2021.uniformity_tolerance_vs_tau"


@pytest.mark.parametrize("claim_id", [c for c in CLAIMS if c != TRAINING])
def test_claim_and_its_controls(claim_id, ctx):
    result = run_claim(CLAIMS[claim_id], ctx, None)
    assert result.as_expected, (claim_id, result.outcome.summary)
    assert result.controls and all(c.as_required for c in result.controls), result.controls


def test_the_training_claim_alone(ctx):
    outcome = CLAIMS[TRAINING].check(ctx)
    assert outcome.verdict is CLAIMS[TRAINING].expected, outcome.summary


@pytest.mark.slow
def test_the_training_claim_and_its_control(ctx):
    result = run_claim(CLAIMS[TRAINING], ctx, None)
    assert result.as_expected and all(c.as_required for c in result.controls), result.controls


def test_the_trend_test_verifies_a_monotone_trend_and_refutes_a_reversal():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, (5, 6))
    rising = np.arange(5.0)[:, None] + noise
    verdict, steps = wang2021.trend_verdict(rising, +1)
    assert verdict is Verdict.VERIFIED
    assert all(s["z"] > 3 and s["smallest_detected"] == 3 * s["standard_error"] for s in steps)
    assert wang2021.trend_verdict(rising, -1)[0] is Verdict.REFUTED
    flat = noise
    assert wang2021.trend_verdict(flat, +1)[0] is Verdict.INCONCLUSIVE
    reversal = np.array([0.0, 1.0, 2.0, 1.5])[:, None] + noise[:4]
    verdict, steps = wang2021.trend_verdict(reversal, +1)
    assert verdict is Verdict.REFUTED and steps[-1]["change"] < 0
    with pytest.raises(ValueError, match="shape"):
        wang2021.trend_verdict(np.ones((1, 4)), +1)


def test_checked_names_the_negatives_and_the_sample_that_ran(ctx):
    claim = CLAIMS["wang2021.entropy_rises_with_temperature"]
    assert claim.scope is Scope.INSTANCES
    outcome = claim.check(ctx, negatives=(2,))
    assert outcome.checked == "m in {2} negatives, symbolic in the similarities and tau"
    sample = CLAIMS["wang2021.uniformity_sample_bound"]
    assert sample.scope is Scope.SAMPLE
    assert sample.check(ctx).checked.startswith("82 random samples uniform on the sphere")


def test_the_summary_names_each_step_against_the_claim_with_its_z():
    taus = [0.3, 0.2, 0.07]
    steps = {
        "−L_unif": [{"z": 9.5}, {"z": -11.68}],
        "tolerance": [{"z": 4.0}, {"z": 1.25}],
    }
    assert wang2021._steps_against_the_claim(taus, steps) == (
        "against the claim (z < -3): −L_unif τ 0.2 -> 0.07 (z = -11.68); "
        "unresolved (|z| <= 3): tolerance τ 0.2 -> 0.07 (z = 1.25)"
    )
    agreeing = {"−L_unif": [{"z": 9.5}, {"z": 3.5}]}
    assert wang2021._steps_against_the_claim(taus, agreeing) == "every step with z > 3"


def test_the_refuted_claim_says_what_it_contradicts_and_quotes_no_measured_number():
    explanation = CLAIMS[TRAINING].explanation
    assert explanation.startswith("The evidence contradicts 'uniformity rises as tau falls'")
    assert "z =" not in explanation and "seeds" not in explanation
