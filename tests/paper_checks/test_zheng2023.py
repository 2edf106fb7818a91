"""Each zheng2023 check verifies its statement and refutes a negative control."""

from paper_checks import zheng2023
from paper_checks.claims import Verdict
from theory import generative as theory


def test_every_claim_has_its_expected_verdict(ctx):
    for claim in zheng2023.CLAIMS:
        outcome = claim.check(ctx)
        assert outcome.verdict is claim.expected, (claim.id, outcome.summary)


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
