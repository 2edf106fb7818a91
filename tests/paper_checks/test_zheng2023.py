"""Each zheng2023 claim gives its expected verdict and each of its runtime controls the opposite;
the estimator pins catch a constant of the batched estimators off (faults applied in memory).

The sample-size sweeps run at quick scale only under the ``slow`` marker; the default run
runs their controls (small grids, and pins that stop before any sweep)."""

import __future__

import inspect
import textwrap

import numpy as np
import pytest

from paper_checks import estimator_pins, ng2001, zheng2023
from paper_checks.claims import Method, Scope, Verdict, run_claim, run_control
from simulations import generative
from simulations.sample_complexity import PIN_TOLERANCE, SampleComplexity

SWEEPS = {"sample_complexity", "fixed_separation", "well_specified_no_crossing"}


def _claims(sweeps: bool):
    return [c for c in zheng2023.CLAIMS if (c.id.split(".")[1] in SWEEPS) == sweeps]


def test_every_claim_and_its_controls_give_their_verdicts(ctx):
    for claim in _claims(sweeps=False):
        result = run_claim(claim, ctx, None)
        assert result.as_expected, (claim.id, result.outcome.summary)
        assert all(c.as_required for c in result.controls), (claim.id, result.controls)


@pytest.mark.slow
def test_every_sweep_has_its_expected_verdict_at_quick_scale(ctx):
    for claim in _claims(sweeps=True):
        assert claim.method is Method.SIMULATION
        result = run_claim(claim, ctx, None)
        assert result.as_expected, (claim.id, result.outcome.summary)
        assert all(c.as_required for c in result.controls), (claim.id, result.controls)


@pytest.mark.parametrize("claim", _claims(sweeps=True), ids=lambda c: c.id)
def test_every_sweep_control_gives_the_opposite_verdict(ctx, claim):
    for control in claim.controls:
        result = run_control(claim, control, ctx)
        assert result.as_required, (control.description, result.summary)


def test_a_claim_checked_on_a_sample_says_what_it_drew(ctx):
    claim = next(c for c in zheng2023.CLAIMS if c.id == "zheng2023.logistic_h_consistency")
    assert claim.scope is Scope.SAMPLE
    assert zheng2023.logistic_h_consistency(ctx).checked == (
        "2,000 random problems (5 points, 3 classes) and 50 tight two-point cases"
    )


def test_each_pin_control_fails_its_own_pin(ctx):
    claim = next(c for c in zheng2023.CLAIMS if c.id == "zheng2023.rescaling_invariance")
    floor, penalty = (claim.check(ctx, **c.overrides) for c in estimator_pins.PIN_CONTROLS)
    for refuted in (floor, penalty):
        assert refuted.checked == (
            "estimator pins on 3 draws of m = 20 (K = 3, n = 20, C = 1); no learning curve"
        )
        assert set(refuted.evidence["estimators"]) == {"naive_bayes", "logistic"}
    (nb_pin,), (lr_pin,) = floor.evidence["estimator_pins"], penalty.evidence["estimator_pins"]
    assert nb_pin["naive_bayes"] > 1e3 * PIN_TOLERANCE["naive_bayes"]
    assert lr_pin["naive_bayes"] <= PIN_TOLERANCE["naive_bayes"]
    assert lr_pin["logistic"] > 1e2 * PIN_TOLERANCE["logistic"]


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


def test_official_C_is_scikit_learns_C_of_one():
    from simulations.generative import scikit_learn_C

    for k in (2, 3, 7):
        assert scikit_learn_C(zheng2023.official_C(k), k) == 1.0


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
    assert plain.checked.startswith("K = 2: n in (40,); K = 3: n in (30,); 16 training sets")
    assert "positive when naive Bayes has the larger error" in plain.evidence["z_convention"]
    for outcome in (first, again):
        assert outcome.summary == plain.summary and outcome.evidence == plain.evidence
        for k, by_n in plain.data["curves"].items():
            for n, curves in by_n.items():
                cached = outcome.data["curves"][k][n]
                assert cached.logistic.tobytes() == curves.logistic.tobytes()
                assert cached.naive_bayes.tobytes() == curves.naive_bayes.tobytes()


# --------------------------------------------------------------------------------------------
# Fault class 4: an estimator constant off, applied in memory as a careless edit would
# --------------------------------------------------------------------------------------------


def _edit(monkeypatch, function, old: str, new: str) -> None:
    """Edit ``function``'s source in memory (``old`` -> ``new``, once) and give the function
    object the recompiled code, so that every reference to it, bound defaults included, runs
    the edited body."""
    source = textwrap.dedent(inspect.getsource(function))
    assert source.count(old) == 1, old
    flags = __future__.annotations.compiler_flag
    module = compile(source.replace(old, new), "<edited>", "exec", flags=flags, dont_inherit=True)
    (code,) = (c for c in module.co_consts if getattr(c, "co_name", None) == function.__name__)
    monkeypatch.setattr(function, "__code__", code)


FAULTS = {
    "variance divisor m - 1": lambda mp: _edit(
        mp, generative.fit_naive_bayes, "/ total + var_smoothing", "/ (total - 1) + var_smoothing"
    ),
    "variance floor 1e-6": lambda mp: mp.setitem(
        generative.fit_naive_bayes.__kwdefaults__, "var_smoothing", 1e-6
    ),
    "penalty doubled (C / 2)": lambda mp: _edit(
        mp,
        generative.fit_logistic,
        "_Batch.build(x, mask, onehot, C,",
        "_Batch.build(x, mask, onehot, C / 2,",
    ),
}
"""Each passed unseen before the pins: on the code without them, every claim below still gave
its expected verdict with the fault applied (checked on a worktree of the previous commit;
sample_complexity, half an hour on the shared CPU, for the divisor only). A penalty scaled by m,
C/m, was not silent there: two_regimes lost its logistic regime."""

ESTIMATOR_CLAIMS = [
    c
    for c in zheng2023.CLAIMS + ng2001.CLAIMS
    if c.id.split(".")[1] in SWEEPS | {"rescaling_invariance", "two_regimes"}
]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("claim", ESTIMATOR_CLAIMS, ids=lambda c: c.id)
def test_an_estimator_constant_off_is_caught(ctx, monkeypatch, claim, fault):
    FAULTS[fault](monkeypatch)
    result = run_claim(claim, ctx, None)
    assert result.outcome.verdict is not claim.expected, result.outcome.summary
    assert "estimator pins" in result.outcome.summary
