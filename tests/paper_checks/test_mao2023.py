"""Every mao2023 claim gives its verdict and every control the opposite one; faults of the kind a
careless edit of theory/comp_sum.py would make are caught."""

import numpy as np
import pytest

from paper_checks import mao2023
from paper_checks.claims import run_claim
from paper_checks.mao2023 import conditional_regrets, tightness
from simulations import comp_sum as mc
from theory import comp_sum

CLAIMS = {claim.id.split(".")[1]: claim for claim in mao2023.CLAIMS}
SLOW = {"binary_case", "pooled_infimum", "bound_restricted_class"}
"""10-25 s each with their controls: the slow whole-registry test runs them end to end."""


@pytest.fixture
def fewer_draws(monkeypatch):
    original = mc.check_pointwise

    def smaller(*args, draws, **kwargs):
        return original(*args, draws=20_000, **kwargs)

    monkeypatch.setattr(mc, "check_pointwise", smaller)


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in CLAIMS]
)
def test_the_claim_gives_its_verdict_and_each_control_the_opposite(ctx, fewer_draws, name):
    result = run_claim(CLAIMS[name], ctx, None)
    assert [c.description for c in result.controls if not c.as_required] == []
    assert result.as_expected, result.outcome.summary


def test_the_pointwise_control_runs_on_the_draws_whose_power_it_shows(ctx, fewer_draws):
    genuine = conditional_regrets.pointwise_validity(ctx)
    power = {(r["tau"], r["n"]): r["detectable_enlargement"] for r in genuine.evidence["pairs"]}
    control = conditional_regrets.pointwise_validity(
        ctx, "enlarged_1pct", conditional_regrets.POWER_PAIRS
    )
    for row in control.evidence["pairs"]:
        # 1.01 T violates on a draw exactly when 1% exceeds what that draw allows
        assert power[(row["tau"], row["n"])] < mc.ENLARGEMENT
        assert row["violations"] > 0


class LooserTransform(comp_sum.Transform):
    """Fault: T_τ n times smaller for τ ≥ 1, as a dropped factor in the formula would make it."""

    def evaluate(self, t, xp):
        value = super().evaluate(t, xp)
        return value / self.n_classes if self.tau >= 1 else value


class LooserGamma(comp_sum.InverseTransform):
    """The same fault seen from the inverse: Γ_τ(v) = Γ_τ(n v) for τ ≥ 1."""

    def __call__(self, v):
        return super().__call__(np.asarray(v) * (self.n_classes if self.tau >= 1 else 1))


@pytest.fixture
def looser_by_n(monkeypatch):
    monkeypatch.setattr(comp_sum, "transform", LooserTransform)
    monkeypatch.setattr(comp_sum, "gamma", LooserGamma)


@pytest.mark.parametrize(
    "name",
    [
        "transform_sanity",
        "gamma_closed_forms",
        "bound_valid_pointwise",
        "tight_up_to_logistic",
        "tight_gce",
        "tight_above_mae",
    ],
)
def test_a_bound_looser_by_n_is_seen(ctx, fewer_draws, looser_by_n, name):
    # each of these gave its expected verdict with this fault before the pins and the power
    # statements (the ratios only had to exceed 1, the bound only to hold)
    assert not run_claim(CLAIMS[name], ctx, None).as_expected


@pytest.mark.parametrize("name", ["tight_up_to_logistic", "mae_tight_small_t"])
def test_a_search_tolerance_loosened_tenfold_is_seen_through_the_control(ctx, monkeypatch, name):
    monkeypatch.setattr(tightness, "SEARCH_RESOLUTION", 10 * tightness.SEARCH_RESOLUTION)
    result = run_claim(CLAIMS[name], ctx, None)
    assert any(not c.as_required for c in result.controls)
    assert not result.as_expected


def test_the_pointwise_check_names_its_draws_and_pairs(ctx, fewer_draws):
    outcome = conditional_regrets.pointwise_validity(ctx, pairs=conditional_regrets.POWER_PAIRS)
    assert outcome.checked == (
        "80,000 draws over 4 (tau, n) pairs: (0, 10), (1, 10), (1.5, 2), (2, 10)"
    )
    assert conditional_regrets.pairs_line(conditional_regrets.PAIRS) == (
        "tau in {0, 0.5, 1, 1.5, 2, 3} x n in {2, 3, 10, 100}"
    )


def test_a_tightness_check_names_its_tau_n_t_grid(ctx):
    outcome = tightness.tight_gce(ctx, taus=(0.5,), ns=(3,))
    assert outcome.checked == (
        "brute-force infimum at tau in {0.5} x n in {3} x t in {0.05, 0.2, 0.5, 0.8, 0.95}"
    )


def test_only_the_symbolic_facts_of_the_family_claim_a_general_scope():
    scopes = {name: str(claim.scope) for name, claim in CLAIMS.items()}
    assert [name for name, scope in scopes.items() if scope == "general"] == [
        "family_identities",
        "decreasing_in_tau",
        "bounded_iff_tau_above_1",
    ]
    assert {scopes[n] for n in ("bound_valid_pointwise", "pooled_infimum")} == {"sample"}
