import contextlib
import time

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import proof as proof_module
from theory.proof import (
    Status,
    piecewise_branches,
    prove_identity,
    prove_limit,
    prove_nonnegative,
    weakest,
)

t = sp.Symbol("t", nonnegative=True)


def test_sympy_proves_an_obvious_sign():
    proof = prove_nonnegative(t**2 * (1 + t), t, (0, 1))
    assert proof.status is Status.PROVED and proof.holds is True


def test_interval_arithmetic_certifies_what_sympy_cannot():
    tau = sp.Rational(1, 2)
    a = 1 / (2 - tau)
    power_mean = (((1 + t) ** a + (1 - t) ** a) / 2) ** (2 - tau)
    proof = prove_nonnegative(sp.diff(1 - power_mean, t, 2), t, (0, 1 - 1e-12))
    assert proof.status in (Status.PROVED, Status.CERTIFIED)


def test_a_touching_zero_is_certified_by_the_monotone_rung():
    proof = prove_nonnegative(sp.log(1 + t) - t + t**2 / 2, t, (0, 1), strict=True)
    assert proof.holds is True


def test_counterexamples_refute():
    proof = prove_nonnegative(t**2 - sp.Rational(1, 4), t, (0, 1))
    assert proof.status is Status.REFUTED and proof.holds is False
    grid = prove_nonnegative(sp.tanh(t) - t / 2 - sp.Rational(1, 10**6), t, (0, 1))
    assert grid.status is Status.REFUTED


def test_strict_positivity_fails_at_an_interior_zero():
    proof = prove_nonnegative((t - sp.Rational(1, 2)) ** 2, t, (0, 1), strict=True)
    assert proof.status is Status.REFUTED


def test_undecidable_statements_stay_inconclusive():
    # nonnegative with an interior double zero: no rung can certify a neighbourhood of 1/3
    expr = (sp.exp(t) - sp.exp(sp.Rational(1, 3))) ** 2
    proof = prove_nonnegative(sp.tanh(expr), t, (0, 1))
    assert proof.status in (Status.PROVED, Status.INCONCLUSIVE)
    assert proof.holds is not False


def test_piecewise_expressions_are_proved_branch_by_branch():
    expr = sp.Piecewise((t**2, t < sp.Rational(1, 2)), (t - sp.Rational(1, 4), True))
    branches = piecewise_branches(expr, t, (0.0, 1.0))
    assert [span for _, span in branches] == [(0.0, 0.5), (0.5, 1.0)]
    assert prove_nonnegative(expr, t, (0, 1)).holds is True
    bad = sp.Piecewise((t**2, t < sp.Rational(1, 2)), (t - 1, True))
    assert prove_nonnegative(bad, t, (0, 1)).status is Status.REFUTED


def test_identities_use_the_domain_and_refute_differences():
    assert (
        prove_identity(
            sp.sqrt(t + 1) / sp.sqrt(-1 / (t - 1)), sp.sqrt(1 - t**2), domains={t: (0, 1)}
        ).status
        is Status.PROVED
    )
    assert prove_identity(sp.sin(t), t).status is Status.REFUTED
    assert prove_identity(2 * (1 - t), 1 - t).status is Status.REFUTED


def test_identities_are_not_proved_across_branch_cuts_or_on_the_diagonal():
    a, b = sp.symbols("a b", real=True)
    assert prove_identity(sp.log(a * b), sp.log(a) + sp.log(b)).status is not Status.PROVED
    assert prove_identity(sp.log(a**2), 2 * sp.log(a)).status is not Status.PROVED
    assert prove_identity(a, b).status is Status.REFUTED  # samples must leave the diagonal a = b
    positive = sp.Symbol("p", positive=True)
    assert prove_identity(sp.log(positive**2), 2 * sp.log(positive)).status is Status.PROVED


def test_the_interval_precision_is_restored():
    from mpmath import iv

    before = iv.prec
    x = sp.Symbol("x", real=True)
    proof = prove_nonnegative(sp.exp(x) * sp.cos(x) + 0.2 - x**3 / 3, x, (-1.0, 1.0))
    assert proof.status is not Status.PROVED  # the interval rung ran
    assert iv.prec == before


def test_limits():
    assert prove_limit(sp.sin(t) / t, t, 0, 1).status is Status.PROVED
    assert prove_limit(sp.sin(t) / t, t, 0, 2).status is Status.REFUTED


def test_weakest_orders_the_rungs():
    proved = prove_identity(t, t)
    refuted = prove_identity(t, 2 * t)
    assert weakest([proved, proved]) is Status.PROVED
    assert weakest([proved, refuted]) is Status.REFUTED


coefficient = st.integers(min_value=-6, max_value=6)


@pytest.fixture(scope="module")
def short_budgets():
    """Soundness does not depend on time budgets; short ones keep the property test quick."""
    saved = proof_module.CERTIFICATE_SECONDS, proof_module.SYMBOLIC_SECONDS
    proof_module.CERTIFICATE_SECONDS, proof_module.SYMBOLIC_SECONDS = 1.0, 0.5
    yield
    proof_module.CERTIFICATE_SECONDS, proof_module.SYMBOLIC_SECONDS = saved


@settings(max_examples=30, deadline=None)
@given(c0=coefficient, c1=coefficient, c2=coefficient, c3=coefficient, k=st.integers(0, 3))
def test_the_ladder_is_sound_on_random_expressions(short_budgets, c0, c1, c2, c3, k):
    """Never a proof or certificate of a false statement, never a refutation of a true one."""
    expr = c0 + c1 * t + c2 * t**2 + c3 * sp.tanh(2 * t) + k * (sp.exp(-t) - 1 + t)
    grid = np.linspace(0.0, 1.0, 200_001)
    values = sp.lambdify(t, expr, "numpy")(grid) * np.ones_like(grid)
    minimum = float(values.min())
    proof = prove_nonnegative(expr, t, (0, 1))
    if proof.holds is True:
        assert minimum >= -1e-9, str(proof)
    if proof.holds is False:
        assert minimum <= 1e-9, str(proof)


def _busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_deadline_interrupts_the_block_and_is_not_swallowed_by_a_rung_limit():
    start = time.monotonic()
    with pytest.raises(proof_module.OutOfTime), proof_module.deadline(0.3):
        # the rung allows 5 s but the deadline comes first: OutOfTime, not an unproven None
        proof_module.time_limited(lambda: _busy(5), seconds=5)
    assert 0.25 < time.monotonic() - start < 1.5


def test_a_rung_limit_inside_a_deadline_still_gives_up_alone_and_the_deadline_rearms():
    start, rung = time.monotonic(), []

    def analysis():
        with proof_module.deadline(0.6):
            rung.append(proof_module.time_limited(lambda: _busy(5), seconds=0.1))
            rung.append(time.monotonic() - start)
            _busy(5)

    with pytest.raises(proof_module.OutOfTime):
        analysis()
    assert rung[0] is None and rung[1] < 0.5
    assert 0.55 < time.monotonic() - start < 1.5


def test_no_alarm_outlives_its_deadline():
    with proof_module.deadline(0.2):
        pass
    _busy(0.4)  # an alarm left armed would raise here


def test_a_deadline_must_be_positive_and_finite():
    for seconds in (0, -1, float("inf"), float("nan")):
        with (
            pytest.raises(ValueError, match="positive number of seconds"),
            proof_module.deadline(seconds),
        ):
            pass


def test_rung_budgets_count_cpu_time_so_waiting_does_not_use_them_up():
    """A sleep (the machine busy elsewhere, from this process's point of view) costs no CPU
    time: under a wall-clock budget of 0.1 s it would have been given up."""
    assert proof_module.time_limited(lambda: time.sleep(0.3) or "done", seconds=0.1) == "done"


def test_a_runaway_rung_stops_after_its_cpu_budget():
    start = time.process_time()
    assert proof_module.time_limited(lambda: _busy(5), seconds=0.2) is None
    assert 0.15 < time.process_time() - start < 1.0


def test_a_result_computed_after_a_swallowed_interrupt_is_discarded():
    """sympy's fallbacks catch exceptions and go on; what they return after the budget ran out
    may be partial, so it counts as out of time."""

    def swallowing():
        with contextlib.suppress(BaseException):  # the swallowing fallback under test
            _busy(0.5)
        return "partial"

    assert proof_module.time_limited(swallowing, seconds=0.1) is None
