"""Estimator pins of the naive Bayes vs logistic regression papers (zheng2023, ng2001), and the
formulas of their estimators and Gaussian laws as the evidence states them.

Before a learning curve is computed, the batched estimators are pinned to their references
(:func:`simulations.sample_complexity.pin_estimators`): a claim whose pins fail is refuted
without a sweep, and one whose pins hold reports their deviations. :data:`PIN_CONTROLS` are the
negative controls that every pinned claim carries.
"""

from __future__ import annotations

import functools
from dataclasses import asdict

import numpy as np

from paper_checks.claims import Context, Control, Outcome, Verdict
from simulations import generative as fits
from simulations import sample_complexity as sweep
from simulations.backend import derive
from theory import gaussian_classes as theory

PIN_DRAWS = 3
"""Training sets each estimator pin fits (of n rows each, n the smallest dimension pinned)."""
PINS_TOLERANCE = {"value": sweep.PIN_TOLERANCE, "why": sweep.PIN_TOLERANCE_WHY}
ESTIMATORS = {
    "naive_bayes": "argmax_k ln pi_k - sum_j (x_j - mu_kj)^2 / (2 sigma_j^2): class means mu_k, "
    "pooled within-class variances sigma_j^2 (ddof 0, weighted by the priors) + "
    f"{sweep.OFFICIAL_VAR_SMOOTHING:g}, priors pi_k = m_k/m (the official models/gaussnb.py)",
    "logistic": "argmax_k (W x + b)_k minimising ||W||^2/2 + C sum_i -log softmax(W x_i + b)_(y_i), "
    "b unpenalised; C = 1/2 for K = 2 and 1 for K > 2, scikit-learn's LogisticRegression(C = 1) "
    "as the official code fits it",
}
"""The two estimators as formulas, for the evidence of every claim that fits them."""


def law_text(law: theory.GaussianClasses) -> str:
    """A Gaussian class law by its parameters: class means, shared covariance (variances, and
    the range of the covariances off the diagonal), priors."""
    off = law.covariance[~np.eye(law.n_features, dtype=bool)]
    shape = "diagonal" if law.diagonal else f"covariances in [{off.min():.4g}, {off.max():.4g}]"
    return (
        f"K = {law.n_classes} Gaussian classes in n = {law.n_features} dimensions: means "
        + "; ".join(f"class {k}: {_values(m)}" for k, m in enumerate(law.means))
        + f"; shared covariance with variances {_values(np.diag(law.covariance))}, {shape}; "
        f"priors {_values(law.priors)}"
    )


def _values(vector: np.ndarray) -> str:
    """A vector by its distinct values and their counts ("2 x 10, 1 x 10"), or their range when
    there are more than :data:`LISTED_VALUES`."""
    values, counts = np.unique(np.round(vector, 12), return_counts=True)
    if values.size > LISTED_VALUES:
        return f"{vector.size} values in [{values[0]:.6g}, {values[-1]:.6g}]"
    return ", ".join(f"{v:.6g} x {c}" for v, c in zip(values, counts))


LISTED_VALUES = 4


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


def pins_checked(pins: list[sweep.EstimatorPins]) -> str:
    """What the pins covered, in one line."""
    return "estimator pins on " + ", ".join(
        f"{p.problems} draws of m = {p.size} (K = {p.classes}, n = {p.features}, C = {p.C:g})"
        for p in pins
    )


def refuted_by_pins(pins: list[sweep.EstimatorPins]) -> Outcome | None:
    """REFUTED when an estimator misses its reference (no sweep is run: its curves would be
    those of another estimator), else None."""
    if all(p.hold for p in pins):
        return None
    return Outcome(
        Verdict.REFUTED,
        f"an estimator is off its reference, no learning curve computed: {pins[-1].summary()}",
        {"estimator_pins": [asdict(p) for p in pins], "estimators": ESTIMATORS},
        {"estimator_pins": PINS_TOLERANCE},
        checked=pins_checked(pins) + "; no learning curve",
    )


def with_pins(outcome: Outcome, pins: list[sweep.EstimatorPins]) -> Outcome:
    """``outcome`` with the pins' deviations in its evidence, tolerance and summary."""
    worst_nb = max(p.naive_bayes for p in pins)
    worst_lr = max(p.logistic for p in pins)
    return Outcome(
        outcome.verdict,
        f"{outcome.summary}; estimators pinned (naive Bayes {worst_nb:.0e}, logistic "
        f"{worst_lr:.0e} from their references)",
        outcome.evidence | {"estimator_pins": [asdict(p) for p in pins], "estimators": ESTIMATORS},
        outcome.tolerance | {"estimator_pins": PINS_TOLERANCE},
        outcome.data,
        f"{outcome.checked}; {pins_checked(pins)}",
    )
