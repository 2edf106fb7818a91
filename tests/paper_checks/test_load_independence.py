"""A verdict does not depend on how busy or how fast the machine is.

Every claim that is not a simulation runs in this process alone, then with six busy processes
sharing the machine's cores: whatever uses a budget of the proof ladder (which counts CPU time)
must give the same verdict, the same control verdicts and the same rung for every statement.
With the wall-clock budgets of before, ``wang2021.temperature_limits`` and
``mao2023.transform_sanity`` came out inconclusive under this load.

It then runs with every budget halved and doubled, what a machine twice as fast or twice as slow
would get done within them: the verdicts, the control verdicts and each statement's status
(proved, certified, refuted, inconclusive) must stay the same. The method that decided a
statement may change there (sympy's limit rather than L'Hopital, for instance).
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager

import pytest

from paper_checks.claims import Context, Method, claim_seed, run_claim
from paper_checks.registry import REGISTRY
from theory import proof

BUSY_PROCESSES = 6
SPEED_FACTORS = (0.5, 2.0)
"""Budgets times these factors stand for machines twice as slow (0.5) and twice as fast (2.0)."""
LADDER_CANDIDATES = [c.id for c in REGISTRY.values() if c.method is not Method.SIMULATION]


@contextmanager
def busy_machine(processes: int = BUSY_PROCESSES):
    """``processes`` CPU-bound Python processes for the duration of the block."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


@contextmanager
def budgets_scaled(factor: float):
    """Every budget of the proof ladder (the CPU alarms of the rungs and the certificate's
    budget) times ``factor`` for the duration of the block."""
    alarm, certificate = proof._alarm, proof.CERTIFICATE_SECONDS

    @contextmanager
    def scaled(clock, seconds, error, *args, **kwargs):
        if error is proof._Timeout:
            seconds *= factor
        with alarm(clock, seconds, error, *args, **kwargs):
            yield

    proof._alarm, proof.CERTIFICATE_SECONDS = scaled, certificate * factor
    try:
        yield
    finally:
        proof._alarm, proof.CERTIFICATE_SECONDS = alarm, certificate


def _proofs(value) -> list[proof.Proof]:
    """Every Proof anywhere in an evidence structure, in order."""
    if isinstance(value, proof.Proof):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _proofs(v)]
    if isinstance(value, list | tuple):
        return [p for v in value for p in _proofs(v)]
    return []


def _decisions(claim_id: str, backend) -> tuple[dict, int]:
    """The claim's verdict, its controls' verdicts and each statement's rung, and how many
    ladder budgets the run used."""
    budgets = []
    alarm = proof._alarm

    @contextmanager
    def counting(*args, **kwargs):
        if proof._Timeout in args:  # a rung's budget, not the user's deadline
            budgets.append(1)
        with alarm(*args, **kwargs):
            yield

    proof._alarm = counting
    try:
        context = Context("quick", backend, claim_seed(20230723, claim_id))
        result = run_claim(REGISTRY[claim_id], context, None)
    finally:
        proof._alarm = alarm
    decisions = {
        "verdict": str(result.outcome.verdict),
        "controls": [str(c.verdict) for c in result.controls],
        "rungs": [(p.statement, str(p.status), p.rung) for p in _proofs(result.outcome.evidence)],
    }
    return decisions, len(budgets)


def _statuses(decisions: dict) -> dict:
    """The decisions without the method of each statement's rung."""
    return decisions | {
        "rungs": [(statement, status) for statement, status, _ in decisions["rungs"]]
    }


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", LADDER_CANDIDATES)
def test_verdicts_and_rungs_are_the_same_on_a_busy_machine_and_on_faster_or_slower_ones(
    claim_id, ctx
):
    quiet, budgets = _decisions(claim_id, ctx.backend)
    if not budgets:
        pytest.skip(f"{claim_id} uses no budget of the proof ladder")
    with busy_machine():
        busy, _ = _decisions(claim_id, ctx.backend)
    assert busy == quiet
    for factor in SPEED_FACTORS:
        with budgets_scaled(factor):
            scaled, _ = _decisions(claim_id, ctx.backend)
        assert _statuses(scaled) == _statuses(quiet), f"budgets x{factor}"
