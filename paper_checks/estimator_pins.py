"""Estimator pins of the naive Bayes vs logistic regression papers (zheng2023, ng2001).

Before a learning curve is computed, the batched estimators are pinned to their references
(:func:`simulations.sample_complexity.pin_estimators`): a claim whose pins fail is refuted
without a sweep, and one whose pins hold reports their deviations. :data:`PIN_CONTROLS` are the
negative controls that every pinned claim carries.
"""

from __future__ import annotations

import functools
from dataclasses import asdict

from paper_checks.claims import Context, Control, Outcome, Verdict
from simulations import generative as fits
from simulations import sample_complexity as sweep
from simulations.backend import derive
from theory import generative as theory

PIN_DRAWS = 3
"""Training sets each estimator pin fits (of n rows each, n the smallest dimension pinned)."""
PINS_TOLERANCE = {"value": sweep.PIN_TOLERANCE, "why": sweep.PIN_TOLERANCE_WHY}


def penalty_one_percent_larger(x, labels, n_classes: int, C: float, **options):
    """Control of the logistic pin: the batched solver with the penalty 1/C 1% too large."""
    return fits.fit_logistic(x, labels, n_classes, C / 1.01, **options)


PIN_CONTROLS = (
    Control(
        "naive Bayes with the variance floor 1e-8 (official 1e-9): pooled variances off by 1e-8",
        {"fit_naive_bayes": functools.partial(fits.fit_naive_bayes, var_smoothing=1e-8)},
    ),
    Control(
        "logistic regression with the penalty 1/C 1% too large",
        {"fit_logistic": penalty_one_percent_larger},
    ),
)
"""Each pin must fail on an estimator a little off (:func:`estimator_pins`)."""


def estimator_pins(
    ctx: Context, laws: list[tuple[theory.GaussianClasses, float]], fit_naive_bayes, fit_logistic
) -> list[sweep.EstimatorPins]:
    """:func:`simulations.sample_complexity.pin_estimators` on each (law, C), with m = n rows
    and :data:`PIN_DRAWS` draws, stopping at the first law whose pins fail. The pins run in
    every call (never from the sweep store), so a changed estimator is seen even when the
    curves come from a cache."""
    pins = []
    for law, C in laws:
        seed = derive(ctx.seed, 9, law.n_classes, law.n_features)
        pins.append(
            sweep.pin_estimators(
                law, ctx.backend, seed, PIN_DRAWS, law.n_features, C, fit_naive_bayes, fit_logistic
            )
        )
        if not pins[-1].hold:
            break
    return pins


def refuted_by_pins(pins: list[sweep.EstimatorPins]) -> Outcome | None:
    """REFUTED when an estimator misses its reference (no sweep is run: its curves would be
    those of another estimator), else None."""
    if all(p.hold for p in pins):
        return None
    return Outcome(
        Verdict.REFUTED,
        f"an estimator is off its reference, no learning curve computed: {pins[-1].summary()}",
        {"estimator_pins": [asdict(p) for p in pins]},
        {"estimator_pins": PINS_TOLERANCE},
    )


def with_pins(outcome: Outcome, pins: list[sweep.EstimatorPins]) -> Outcome:
    """``outcome`` with the pins' deviations in its evidence, tolerance and summary."""
    worst_nb = max(p.naive_bayes for p in pins)
    worst_lr = max(p.logistic for p in pins)
    return Outcome(
        outcome.verdict,
        f"{outcome.summary}; estimators pinned (naive Bayes {worst_nb:.0e}, logistic "
        f"{worst_lr:.0e} from their references)",
        outcome.evidence | {"estimator_pins": [asdict(p) for p in pins]},
        outcome.tolerance | {"estimator_pins": PINS_TOLERANCE},
        outcome.data,
    )
