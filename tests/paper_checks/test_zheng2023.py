"""Each zheng2023 check verifies its statement and refutes a negative control.

The sample-size sweeps run at quick scale only under the ``slow`` marker; the default run
checks their decision rules on small grids, where the negative controls are decisive."""

import numpy as np
import pytest

from paper_checks import zheng2023
from paper_checks.claims import Method, Verdict
from simulations.sample_complexity import SampleComplexity
from theory import generative as theory

SWEEPS = {"sample_complexity", "fixed_separation", "well_specified_no_crossing"}


def _claims(sweeps: bool):
    return [c for c in zheng2023.CLAIMS if (c.id.split(".")[1] in SWEEPS) == sweeps]


def test_every_claim_has_its_expected_verdict(ctx):
    for claim in _claims(sweeps=False):
        outcome = claim.check(ctx)
        assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


@pytest.mark.slow
def test_every_sweep_has_its_expected_verdict_at_quick_scale(ctx):
    for claim in _claims(sweeps=True):
        assert claim.method is Method.SIMULATION
        outcome = claim.check(ctx)
        assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


def _slope(value, se):
    return SampleComplexity(np.array([1.0, 2.0]), np.array([1.0, 2.0]), value, se)


@pytest.mark.parametrize(
    ("value", "se", "linear", "sublinear"),
    [
        (1.0, 0.05, Verdict.VERIFIED, Verdict.REFUTED),
        (0.1, 0.05, Verdict.REFUTED, Verdict.VERIFIED),
        (0.6, 0.05, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE),
        (1.0, 0.5, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE),
        (2.0, 0.05, Verdict.REFUTED, Verdict.REFUTED),
        (float("nan"), float("nan"), Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE),
    ],
)
def test_slope_verdict_reads_the_interval_against_the_band(value, se, linear, sublinear):
    assert zheng2023.slope_verdict(_slope(value, se), linear=True) is linear
    assert zheng2023.slope_verdict(_slope(value, se), linear=False) is sublinear


SMALL = {2: (20, 40, 80)}


def test_naive_bayes_cast_as_the_linear_method_is_refuted(ctx):
    swapped = zheng2023.sample_complexity(ctx, methods=("logistic", "naive_bayes"), grid=SMALL)
    assert swapped.verdict is Verdict.REFUTED, swapped.summary


def test_naive_bayes_is_not_linear_when_the_signal_per_feature_grows(ctx):
    paper = zheng2023.fixed_separation(ctx, law_of=zheng2023._paper_law, grid=SMALL)
    assert paper.verdict is Verdict.REFUTED, paper.summary


def test_no_crossing_holds_when_well_specified_and_fails_when_misspecified(ctx):
    well = zheng2023.well_specified_no_crossing(ctx, grid={2: (40,)})
    assert well.verdict is Verdict.VERIFIED, well.summary

    def misspecified(k, n):
        return theory.block_correlated_design(
            n_classes=k, n_features=n, rng=np.random.SeedSequence(0)
        )

    crossing = zheng2023.well_specified_no_crossing(
        ctx, law_of=misspecified, grid={2: (32,)}, reach=32
    )
    assert crossing.verdict is Verdict.REFUTED, crossing.summary


def test_without_rescaling_logistic_regression_looks_invariant(ctx):
    assert zheng2023.rescaling_invariance(ctx, rescale=False).verdict is Verdict.REFUTED


def test_official_C_is_scikit_learns_C_of_one():
    from simulations.generative import scikit_learn_C

    for k in (2, 3, 7):
        assert scikit_learn_C(zheng2023.official_C(k), k) == 1.0


def test_per_class_variances_make_naive_bayes_quadratic(ctx):
    assert zheng2023.nb_is_linear(ctx, pooled=False).verdict is Verdict.REFUTED


def test_correlated_features_break_alpha_equals_two_beta(ctx):
    assert zheng2023.assumption_identities(ctx, correlation=0.3).verdict is Verdict.REFUTED


def test_the_diagnostic_holds_for_pairs_that_contain_the_true_class(ctx):
    assert zheng2023.alpha_diagnostic_all_pairs(ctx, true_class=0).verdict is Verdict.VERIFIED


def test_a_doubled_transform_is_refuted_symbolically_and_numerically(ctx):
    doubled = 2 * theory.logistic_transform_expr()
    assert zheng2023.logistic_transform(ctx, psi=doubled).verdict is Verdict.REFUTED
    assert zheng2023.logistic_h_consistency(ctx, scale=2.0).verdict is Verdict.REFUTED


def test_curves_are_the_same_from_the_sweep_store_and_a_rerun_computes_nothing(
    ctx, tmp_path, monkeypatch
):
    from dataclasses import replace

    from simulations import sample_complexity
    from simulations.sweeps import Store

    grid = {2: (40,), 3: (30,)}
    plain = zheng2023.well_specified_no_crossing(ctx, grid=grid)
    stored = replace(ctx, store=Store(tmp_path))
    first = zheng2023.well_specified_no_crossing(stored, grid=grid)
    monkeypatch.setattr(sample_complexity, "learning_curves", None)  # a call would fail
    again = zheng2023.well_specified_no_crossing(stored, grid=grid)
    for outcome in (first, again):
        assert outcome.summary == plain.summary and outcome.evidence == plain.evidence
        for k, by_n in plain.data["curves"].items():
            for n, curves in by_n.items():
                cached = outcome.data["curves"][k][n]
                assert cached.logistic.tobytes() == curves.logistic.tobytes()
                assert cached.naive_bayes.tobytes() == curves.naive_bayes.tobytes()
