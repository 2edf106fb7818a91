"""awasthi2022 claims give their verdicts and their controls the opposite ones; bartlett2006
checks pass on the table and reject a wrong entry."""

import pytest
import sympy as sp

from paper_checks import awasthi2022, bartlett2006
from paper_checks.claims import Verdict, run_claim
from theory import binary
from theory.proof import Status

A, THETA = awasthi2022.A, awasthi2022.THETA


AWASTHI = {claim.id.split(".")[1]: claim for claim in awasthi2022.CLAIMS}
SLOW = {"two_regime_transforms", "gamma_max_form"}
"""12-60 s each with their controls: the slow whole-registry test runs them end to end."""


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in AWASTHI]
)
def test_each_awasthi_claim_gives_its_verdict_and_each_control_the_opposite(ctx, name):
    result = run_claim(AWASTHI[name], ctx, None)
    assert [c.description for c in result.controls if not c.as_required] == []
    assert result.as_expected, result.outcome.summary
    # what was checked names every loss the evidence gives a formula for, and only those
    losses = result.outcome.evidence["losses"]
    assert result.outcome.checked.startswith(f"{len(losses)} losses")
    assert result.outcome.checked.endswith(": " + ", ".join(losses))


def test_psi_table_rejects_a_wrong_exponential_entry(ctx):
    assert bartlett2006.psi_table(ctx).verdict is Verdict.VERIFIED
    wrong = {"exponential": (sp.exp(-A), THETA**2 / 2)}
    assert bartlett2006.psi_table(ctx, table=wrong).verdict is Verdict.REFUTED


def test_calibrated_loss_is_not_a_valid_negative_control(ctx):
    assert bartlett2006.not_calibrated_controls(ctx).verdict is Verdict.VERIFIED
    hinge = {"hinge": sp.Max(0, 1 - A)}
    assert bartlett2006.not_calibrated_controls(ctx, losses=hinge).verdict is Verdict.REFUTED


def test_calibration_criterion_rejects_a_one_sided_derivative_rule(ctx):
    def one_sided(phi):  # ignores differentiability: wrongly calls the perceptron calibrated
        return bool(binary.one_sided_slopes(phi)[0] < 0)

    perceptron = {"perceptron": bartlett2006.CONVEX["perceptron"]}
    outcome = bartlett2006.convex_calibration_criterion(ctx, criterion=one_sided, losses=perceptron)
    assert outcome.verdict is Verdict.REFUTED


def test_the_calibration_criterion_is_proved_in_general_and_illustrated_on_ten_losses(ctx):
    claim = {c.id: c for c in bartlett2006.CLAIMS}["bartlett2006.convex_calibration_criterion"]
    result = run_claim(claim, ctx, None)
    assert result.as_expected and [c.as_required for c in result.controls] == [True]
    assert str(claim.scope) == "general"
    statements = result.outcome.evidence["statements"]
    assert len(statements) == 17 + 10
    assert all(p.status is Status.PROVED for p in statements)
    assert result.outcome.checked.startswith(
        "a proof for every convex margin loss; illustrated on 10 losses: hinge, exponential,"
    )
    rows = result.outcome.evidence["illustrations"]
    assert {r["loss"]: r["phi"] for r in rows}["perceptron"] == str(sp.Max(0, -A))


def test_checked_lines_name_the_losses_and_bounds_that_ran(ctx):
    outcome = bartlett2006.not_calibrated_controls(ctx)
    assert outcome.checked == "2 losses: a^2, perceptron"
    assert outcome.evidence["losses"] == {
        "a^2": {"phi": "alpha**2"},
        "perceptron": {"phi": "Max(0, -alpha)"},
    }
    assert awasthi2022._grid(awasthi2022.LINEAR) == (
        "3 losses x B in {7/10, 2}: hinge, sigmoid (k = 2), rho-margin (rho = 1/2)"
    )
    assert awasthi2022._losses(awasthi2022.LINEAR, 1)["hinge"] == {
        "phi": "Max(0, 1 - alpha)",
        "T_B, B = 7/10": "7*theta/10",
        "T_B, B = 2": "theta",
    }
