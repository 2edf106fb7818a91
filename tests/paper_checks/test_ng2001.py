"""Each ng2001 claim gives its expected verdict and each of its runtime controls the opposite
(the estimator faults of two_regimes are applied in test_zheng2023, next to the pins)."""

import pytest

from paper_checks import ng2001
from paper_checks.claims import Scope, Verdict, run_claim, run_control

TWO_REGIMES = next(c for c in ng2001.CLAIMS if c.id == "ng2001.two_regimes")


def test_every_claim_and_its_controls_give_their_verdicts(ctx):
    for claim in ng2001.CLAIMS:
        if claim is not TWO_REGIMES:
            result = run_claim(claim, ctx, None)
            assert result.as_expected, (claim.id, result.outcome.summary)
            assert all(c.as_required for c in result.controls), (claim.id, result.controls)


@pytest.mark.slow
def test_two_regimes_and_its_controls_at_quick_scale(ctx):
    result = run_claim(TWO_REGIMES, ctx, None)
    assert result.as_expected, result.outcome.summary
    assert all(c.as_required for c in result.controls), result.controls


def test_a_claim_checked_on_a_sample_says_what_it_drew(ctx):
    claim = next(c for c in ng2001.CLAIMS if c.id == "ng2001.asymptotic_ordering")
    outcome = ng2001.asymptotic_ordering(ctx)
    assert claim.scope is Scope.SAMPLE and outcome.evidence["families"] == 40
    assert (
        outcome.checked
        == "40 random Gaussian families, K in (2, 3) alternately, n = 4, exact risks"
    )


def test_two_regimes_on_a_small_grid_and_its_controls(ctx):
    outcome = ng2001.two_regimes(ctx, n_values=(32, 48))
    assert outcome.verdict is Verdict.VERIFIED, outcome.summary
    assert outcome.checked.startswith("K = 2, n in (32, 48); 16 training sets per n")
    assert outcome.checked.endswith("estimator pins on 3 draws of m = 32 (K = 2, n = 32, C = 0.5)")
    assert "positive when naive Bayes has the larger error" in outcome.evidence["z_convention"]
    assert (
        outcome.evidence["power"]["largest_m_resolution_over_asymptotic_gap"]
        <= ng2001.RESOLUTION_NEEDED
    )
    for control in TWO_REGIMES.controls:
        result = run_control(TWO_REGIMES, control, ctx)
        assert result.as_required, (control.description, result.summary)


def test_two_regimes_is_the_same_from_the_sweep_store_and_a_rerun_computes_nothing(
    ctx, tmp_path, monkeypatch
):
    from dataclasses import replace

    from simulations import sample_complexity
    from simulations.sweeps import Store

    plain = ng2001.two_regimes(ctx, n_values=(32, 48))
    stored = replace(ctx, store=Store(tmp_path))
    first = ng2001.two_regimes(stored, n_values=(32, 48))
    monkeypatch.setattr(sample_complexity, "learning_curves", None)  # a call would fail
    again = ng2001.two_regimes(stored, n_values=(32, 48))
    for outcome in (first, again):
        assert outcome.summary == plain.summary and outcome.evidence == plain.evidence
        for row, plain_row in zip(outcome.data["rows"], plain.data["rows"]):
            cached, curves = row["curves"], plain_row["curves"]
            assert cached.logistic.tobytes() == curves.logistic.tobytes()
            assert cached.naive_bayes.tobytes() == curves.naive_bayes.tobytes()
