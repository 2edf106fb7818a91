"""awasthi2022 claims give their verdicts and their controls the opposite ones; bartlett2006
checks pass on the table and reject a wrong entry."""

import pytest
import sympy as sp

from paper_checks import awasthi2022, bartlett2006
from paper_checks.claims import Verdict, run_claim
from theory import binary

A, THETA = awasthi2022.A, awasthi2022.THETA


AWASTHI = {claim.id.split(".")[1]: claim for claim in awasthi2022.CLAIMS}


@pytest.mark.parametrize("name", AWASTHI)
def test_each_awasthi_claim_gives_its_verdict_and_each_control_the_opposite(ctx, name):
    result = run_claim(AWASTHI[name], ctx, None)
    assert [c.description for c in result.controls if not c.as_required] == []
    assert result.as_expected, result.outcome.summary


def test_psi_table_rejects_a_wrong_exponential_entry(ctx):
    assert bartlett2006.psi_table(ctx).verdict is Verdict.VERIFIED
    wrong = {"exponential": (sp.exp(-A), THETA**2 / 2)}
    assert bartlett2006.psi_table(ctx, table=wrong).verdict is Verdict.REFUTED


def test_calibrated_loss_is_not_a_valid_negative_control(ctx):
    assert bartlett2006.not_calibrated_controls(ctx).verdict is Verdict.VERIFIED
    hinge = {"hinge": sp.Max(0, 1 - A)}
    assert bartlett2006.not_calibrated_controls(ctx, losses=hinge).verdict is Verdict.REFUTED


def test_calibration_criterion_rejects_a_one_sided_derivative_rule(ctx):
    assert bartlett2006.convex_calibration_criterion(ctx).verdict is Verdict.VERIFIED

    def one_sided(phi):  # ignores differentiability: wrongly calls the perceptron calibrated
        return bool(binary.one_sided_slopes(phi)[0] < 0)

    outcome = bartlett2006.convex_calibration_criterion(ctx, criterion=one_sided)
    assert outcome.verdict is Verdict.REFUTED
