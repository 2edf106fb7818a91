"""Claims, their verdicts, and the runner that checks them.

A claim is one statement of a paper with its provenance, the method that checks it, the function
that does, the verdict we expect, and its runtime negative controls. A check returns an
:class:`Outcome` (verdict, evidence, tolerance and why). Known discrepancies are claims whose
expected verdict is ``refuted``.

A :class:`Control` is the claim's check run again, in the same process, on the same backend and
seed, with keyword arguments that break the checked object (a wrong constant, a non-calibrated
loss, a transform 1% too large). It must give the opposite of the claim's expected verdict: a
claim whose control does not is an ``error``, whatever its own verdict, because a check that
cannot see the fault it was built to see has shown nothing.
"""

from __future__ import annotations

import enum
import json
import math
import time
import traceback
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from paper_checks.bibliography import Reference
from simulations.backend import Backend
from simulations.sweeps import Cell, Executor, Store, Task, run_sweep
from theory.proof import Proof, Status


class Verdict(enum.StrEnum):
    VERIFIED = "verified"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"


class Provenance(enum.StrEnum):
    PAPER = "paper"
    """Confirmed in a primary source."""
    RECONSTRUCTED = "reconstructed"
    """[R]/[REC✓]/[UNVERIFIED] in our research note: not read in the paper body."""
    DERIVED = "derived"
    """Our own finding."""


class Scope(enum.StrEnum):
    """What a verdict covers, shown beside it so that a check on ten losses is never read as the
    proof of a theorem about all of them."""

    GENERAL = "general"
    """A proof for every instance the statement quantifies over."""
    INSTANCES = "instances"
    """Finitely many instances or a grid, listed in the outcome's ``checked``."""
    SAMPLE = "sample"
    """A random sample, its size in ``checked`` and its power in the evidence."""


class Method(enum.StrEnum):
    SYMBOLIC = "symbolic"
    NUMERIC = "numeric"
    SIMULATION = "simulation"


SCALES = ("quick", "full")


@dataclass(frozen=True)
class Context:
    """What a check receives: the scale, the backend, its own seed, and where its sweeps run:
    the store of finished cells (none: nothing is cached) and the executor (none: serial).

    Reading :attr:`seed` is recorded, so that the report can say whether a claim's numbers
    depend on its seed (a symbolic check never reads it).
    """

    scale: str
    backend: Backend
    root_seed: np.random.SeedSequence
    store: Store | None = None
    executor: Executor | None = None
    seed_reads: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def seed(self) -> np.random.SeedSequence:
        """The claim's SeedSequence, every random quantity of the check descends from it."""
        self.seed_reads.append("seed")
        return self.root_seed

    def pick(self, quick: Any, full: Any) -> Any:
        """The quick-scale or the full-scale value of a knob."""
        return quick if self.scale == "quick" else full

    def sweep(self, task: Task, cells: list[Cell]) -> list[dict[str, Any]]:
        """:func:`simulations.sweeps.run_sweep` with this context's store and executor."""
        return run_sweep(task, cells, self.store, self.executor)


@dataclass(frozen=True)
class Outcome:
    """What a check found.

    ``summary`` is one line for the terminal table; ``evidence`` the numbers behind the verdict;
    ``tolerance`` the value used and why; ``data`` arrays for the claim's figure (not reported).
    """

    verdict: Verdict
    summary: str
    evidence: dict[str, Any]
    tolerance: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    checked: str = ""
    """What the verdict covers, in one line: the instances or grid, or the sample size (required
    unless the claim's scope is ``general``)."""


def opposite(verdict: Verdict) -> Verdict:
    """The verdict a control of a claim expected to give ``verdict`` must give."""
    if verdict is Verdict.VERIFIED:
        return Verdict.REFUTED
    if verdict is Verdict.REFUTED:
        return Verdict.VERIFIED
    raise ValueError(f"a claim expected {verdict} has no opposite verdict for its controls")


@dataclass(frozen=True)
class Control:
    """A runtime negative control: ``check(ctx, **overrides)`` must give the opposite verdict.

    ``description`` says what is broken ("MAE with the factor 2", "a transform 1% too large"),
    as the report shows it.
    """

    description: str
    overrides: dict[str, Any]

    def __post_init__(self) -> None:
        if not self.description or not self.overrides:
            raise ValueError("a control needs a description and at least one override")


@dataclass(frozen=True)
class ControlResult:
    """What one control gave, as the report shows it."""

    description: str
    expected: Verdict
    verdict: Verdict
    summary: str
    duration_s: float

    @property
    def as_required(self) -> bool:
        return self.verdict == self.expected

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "expected": str(self.expected),
            "verdict": str(self.verdict),
            "as_required": self.as_required,
            "summary": self.summary,
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(frozen=True)
class Claim:
    """One registered claim of a paper."""

    id: str
    paper: str
    statement: str
    provenance: Provenance
    method: Method
    check: Callable[[Context], Outcome]
    reference: Reference
    scope: Scope
    controls: tuple[Control, ...] = ()
    """At least one; each must give ``opposite(expected)`` (see :class:`Control`)."""
    expected: Verdict = Verdict.VERIFIED
    explanation: str = ""
    figure: Callable[[dict[str, Any], Path], list[Path]] | None = None
    """Draws the outcome's ``data`` to ``<stem>.png`` (the runner passes ``<dir>/<claim id>``)."""

    def __post_init__(self) -> None:
        if not self.id.startswith(f"{self.paper}."):
            raise ValueError(f"claim id {self.id!r} must start with its paper key {self.paper!r}")
        if self.expected is Verdict.REFUTED and not self.explanation:
            raise ValueError(f"{self.id}: a known discrepancy needs an explanation")
        if not self.controls:
            raise ValueError(f"{self.id}: a claim needs at least one runtime control")
        if self.provenance is Provenance.DERIVED and not self.reference.derived_by:
            raise ValueError(f"{self.id}: a derived claim names the function that derives it")
        opposite(self.expected)


@dataclass
class Result:
    """A claim with its outcome, as it goes into the report."""

    claim: Claim
    outcome: Outcome
    duration_s: float
    seed: dict[str, Any]
    figures: list[str]
    controls: list[ControlResult] | None = None
    """None when the run skipped controls (``--no-controls``)."""
    seed_used: bool = True
    """Whether the check read its seed: if not, another ``--seed`` gives the same numbers."""

    @property
    def as_expected(self) -> bool:
        return self.outcome.verdict == self.claim.expected

    def as_dict(self) -> dict[str, Any]:
        c, o = self.claim, self.outcome
        return {
            "id": c.id,
            "paper": c.paper,
            "statement": c.statement,
            "provenance": str(c.provenance),
            "method": str(c.method),
            "reference": c.reference.as_dict(),
            "scope": str(c.scope),
            "checked": o.checked,
            "verdict": str(o.verdict),
            "expected": str(c.expected),
            "as_expected": self.as_expected,
            "explanation": c.explanation,
            "summary": o.summary,
            "evidence": jsonable(o.evidence),
            "tolerance": jsonable(o.tolerance),
            "duration_s": round(self.duration_s, 3),
            "seed": self.seed if self.seed_used else None,
            "seed_used": self.seed_used,
            "figures": self.figures,
            "controls": None if self.controls is None else [c.as_dict() for c in self.controls],
        }


def claim_seed(root: int, claim_id: str) -> np.random.SeedSequence:
    """The claim's own SeedSequence: the root entropy with a spawn key fixed by its id.

    Keying by id (not by position) keeps a claim's random numbers the same whichever subset of
    claims runs.
    """
    return np.random.SeedSequence(root, spawn_key=(zlib.crc32(claim_id.encode()),))


def _checked(check: Callable[..., Outcome], context: Context, **overrides: Any) -> Outcome:
    """Run a check; an exception becomes an ``error`` outcome with its traceback."""
    try:
        return check(context, **overrides)
    except Exception as error:  # noqa: BLE001 - a crashing check must not take the report down
        return Outcome(
            Verdict.ERROR,
            f"{type(error).__name__}: {error}",
            {"traceback": traceback.format_exc()},
            {},
        )


def run_control(claim: Claim, control: Control, context: Context) -> ControlResult:
    """Run one control of ``claim`` in ``context``."""
    start = time.perf_counter()
    outcome = _checked(claim.check, context, **control.overrides)
    return ControlResult(
        control.description,
        opposite(claim.expected),
        outcome.verdict,
        outcome.summary,
        time.perf_counter() - start,
    )


def _with_controls(outcome: Outcome, controls: list[ControlResult]) -> Outcome:
    """``outcome``, or an ``error`` naming the first control that did not give its verdict."""
    failed = [c for c in controls if not c.as_required]
    if not failed:
        return outcome
    first = failed[0]
    return replace(
        outcome,
        verdict=Verdict.ERROR,
        summary=(
            f"control failed: {first.description!r} gave {first.verdict}, required "
            f"{first.expected} (check alone: {outcome.verdict}; {outcome.summary})"
        ),
    )


def run_claim(
    claim: Claim, context: Context, figure_dir: Path | None, *, controls: bool = True
) -> Result:
    """Check one claim, then its controls unless ``controls`` is False.

    An exception becomes an ``error`` verdict with its traceback, and so does a control that does
    not give the opposite of the claim's expected verdict.
    """
    start = time.perf_counter()
    context.seed_reads.clear()
    outcome = _with_scope(claim, _checked(claim.check, context))
    seed_used = bool(context.seed_reads)
    ran = None
    if controls:
        ran = [run_control(claim, control, context) for control in claim.controls]
        outcome = _with_controls(outcome, ran)
    figures: list[str] = []
    if claim.figure is not None and outcome.data and figure_dir is not None:
        figure_dir.mkdir(parents=True, exist_ok=True)
        figures = [str(p) for p in claim.figure(outcome.data, figure_dir / claim.id)]
    seed = {"entropy": context.root_seed.entropy, "spawn_key": list(context.root_seed.spawn_key)}
    return Result(claim, outcome, time.perf_counter() - start, seed, figures, ran, seed_used)


def _with_scope(claim: Claim, outcome: Outcome) -> Outcome:
    """``outcome``, or an ``error`` when a claim checked on instances or a sample does not say
    which: a reader must be able to tell what the verdict covers."""
    if claim.scope is Scope.GENERAL or outcome.checked or outcome.verdict is Verdict.ERROR:
        return outcome
    return replace(
        outcome,
        verdict=Verdict.ERROR,
        summary=f"the check does not say which {claim.scope} it covered ({outcome.summary})",
    )


def select(registry: dict[str, Claim], selectors: Iterable[str]) -> list[Claim]:
    """Claims named by id or by paper key, in registry order; every selector must match."""
    selectors = list(selectors)
    if not selectors:
        return list(registry.values())
    papers = {c.paper for c in registry.values()}
    unknown = [s for s in selectors if s not in registry and s not in papers]
    if unknown:
        raise KeyError(
            f"unknown claim id or paper key: {', '.join(unknown)} "
            f"(papers: {', '.join(sorted(papers))}; `losslab list` shows the ids)"
        )
    wanted = set(selectors)
    return [c for c in registry.values() if c.id in wanted or c.paper in wanted]


def verdict_of(proofs: Iterable[Proof]) -> Verdict:
    """verified if every statement holds, refuted if one is refuted, else inconclusive."""
    statuses = [p.status for p in proofs]
    if any(s is Status.REFUTED for s in statuses):
        return Verdict.REFUTED
    if all(s in (Status.PROVED, Status.CERTIFIED) for s in statuses):
        return Verdict.VERIFIED
    return Verdict.INCONCLUSIVE


def rungs(proofs: Iterable[Proof]) -> dict[str, int]:
    """How many statements each rung decided."""
    counts: dict[str, int] = {}
    for p in proofs:
        counts[str(p.status)] = counts.get(str(p.status), 0) + 1
    return counts


def jsonable(value: Any) -> Any:
    """Turn numpy scalars/arrays, sympy objects, proofs and paths into JSON-ready values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Proof):
        return value.as_dict()
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


EXACT = {
    "value": 0,
    "why": "exact symbolic statements; numeric rungs are rigorous interval arithmetic (120-bit "
    "outward rounding) or 50-digit evaluations, never float comparisons",
}


def proof_outcome(
    proofs: list[Proof],
    *,
    evidence: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    checked: str = "",
) -> Outcome:
    """Outcome of a conjunction of proofs, with the rung of each statement as evidence
    (``checked``: see :attr:`Outcome.checked`)."""
    verdict = verdict_of(proofs)
    counts = rungs(proofs)
    summary = f"{len(proofs)} statements: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    failing = [p for p in proofs if p.status is Status.REFUTED]
    if failing:
        summary += f"; refuted: {failing[0].statement[:80]}"
    return Outcome(
        verdict,
        summary,
        {"rungs": counts, "statements": proofs, **(evidence or {})},
        EXACT,
        data or {},
        checked,
    )
