"""Each ng2001 check verifies its statement and refutes a negative control."""

import pytest

from paper_checks import ng2001
from paper_checks.claims import Verdict
from theory import generative as theory


def test_every_claim_has_its_expected_verdict(ctx):
    for claim in ng2001.CLAIMS:
        if claim.id != "ng2001.two_regimes":
            outcome = claim.check(ctx)
            assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


@pytest.mark.slow
def test_two_regimes_at_quick_scale(ctx):
    assert ng2001.two_regimes(ctx).verdict is Verdict.VERIFIED


def test_two_regimes_on_a_small_grid_and_none_when_well_specified(ctx):
    outcome = ng2001.two_regimes(ctx, n_values=(32, 48))
    assert outcome.verdict is Verdict.VERIFIED, outcome.summary

    def well_specified(k, n, rng):
        return theory.paper_design(n_classes=k, n_features=n)

    outcome = ng2001.two_regimes(ctx, law_of=well_specified, n_values=(32, 48))
    assert outcome.verdict is Verdict.REFUTED, outcome.summary


def test_naive_bayes_posing_as_the_discriminative_rule_with_wrong_priors_is_refuted(ctx):
    def uniform_prior_naive_bayes(law):
        model = theory.population_naive_bayes(law)
        flat = model.priors * 0 + 1 / model.priors.size
        return theory.naive_bayes_rule(model.means, model.variances, flat)

    outcome = ng2001.asymptotic_ordering(ctx, discriminative=uniform_prior_naive_bayes)
    assert outcome.verdict is Verdict.REFUTED


def test_a_wrong_decay_exponent_is_refuted(ctx):
    outcome = ng2001.margin_mass_vanishes(ctx, slope_of=lambda tau: (1 - tau) ** 2 / 2)
    assert outcome.verdict is Verdict.REFUTED


def test_euclidean_parameter_accuracy_needs_m_linear_in_n(ctx):
    assert ng2001.nb_concentration(ctx, norm="l2").verdict is Verdict.REFUTED


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
