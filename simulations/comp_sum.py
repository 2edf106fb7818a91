r"""Monte Carlo and search experiments on the comp-sum H-consistency bound.

* :func:`check_pointwise` draws conditional distributions p and score vectors in batches and
  tests the pointwise inequality :math:`\Delta\mathcal C_{0-1} \le \Gamma_\tau(\Delta\mathcal C_\tau)`
  in its equivalent transform form :math:`\mathcal T_\tau(\Delta\mathcal C_{0-1}) \le
  \Delta\mathcal C_\tau` ([mao2023, main theorem; reconstructed, body not read]).
* :func:`tight_transform` searches for
  :math:`\inf\{\Delta\mathcal C_\tau : \Delta\mathcal C_{0-1} = t\}` to compare with
  :math:`\mathcal T_\tau(t)`: where it is tight, where it is loose, and how it depends on n
  [OURS].

Array code only: the namespace comes from a :class:`simulations.backend.Backend`. Each runs as
a sweep task (:mod:`simulations.sweeps`), one cell per (τ, n): :func:`pointwise_task` on a
:class:`PointwiseConfig` and :func:`tightness_task` on a :class:`TightnessConfig`, configs of
plain values that name the backend (selected in the worker) and, for the pointwise check, the
candidate transform (one of :data:`CANDIDATES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulations import restricted
from simulations.backend import (
    ArrayRandom,
    Backend,
    check_float_dtype,
    check_resolved,
    derive,
    select,
    to_numpy,
)
from simulations.sweeps import Cell, Result, Task, run_sweep
from theory import comp_sum
from theory.validation import check_parameter

FAMILIES = ("dirichlet", "near_optimal", "binary_tie", "mae_tie")
"""Ways of drawing (p, scores): random, near the surrogate optimum, and two adversarial ties."""

ROUNDING_SAFETY = 8
"""Safety factor on the first-order rounding-error budget of the regrets."""
RATIO_RESOLUTION = 1e9
"""The tightness ratio is read only where the regret exceeds 1e9 times its rounding bound."""

CandidateTransform = Callable[[Any, Any], Any]
"""``candidate(t, xp)``: a transform to test in place of :math:`\\mathcal T_\\tau` (may be +inf)."""

SHRINK = 0.9
"""The factor of the shrunk-Γ negative control, Γ' = 0.9 Γ."""
ENLARGEMENT = 0.01
"""The relative enlargement of the ``enlarged_1pct`` control, (1 + 0.01) T."""


def _exact(tau: float, n_classes: int) -> CandidateTransform:
    r""":math:`\mathcal T_\tau` itself: the bound under test."""
    return comp_sum.transform(tau, n_classes).evaluate


def _shrunk_gamma(tau: float, n_classes: int) -> CandidateTransform:
    r"""Negative control Γ' = 0.9 Γ, i.e. the transform :math:`\mathcal T_\tau(t/0.9)`, +inf
    beyond t = 0.9: it claims more than the bound and must be refuted."""
    transform = comp_sum.transform(tau, n_classes)

    def candidate(t, xp):
        inside = xp.clip(t / SHRINK, 0.0, 1.0)
        return xp.where(t <= SHRINK, transform.evaluate(inside, xp), math.inf)

    return candidate


def _mae_without_n(tau: float, n_classes: int) -> CandidateTransform:
    """Negative control: the transform t, i.e. the MAE transform t/n without its factor 1/n
    (Γ(v) = v instead of n v); the ``mae_tie`` family refutes it at τ = 2, n ≥ 3."""
    return lambda t, xp: t


def _enlarged_1pct(tau: float, n_classes: int) -> CandidateTransform:
    r"""Negative control (power): :math:`1.01\,\mathcal T_\tau`, a transform 1% too large. Found
    violated wherever the draws come within 1% of the bound: where :math:`\mathcal T_\tau` is
    tight, a check that misses it cannot see a 1% error."""
    transform = comp_sum.transform(tau, n_classes)
    return lambda t, xp: (1 + ENLARGEMENT) * transform.evaluate(t, xp)


CANDIDATES: dict[str, Callable[[float, int], CandidateTransform]] = {
    "exact": _exact,
    "shrunk_gamma": _shrunk_gamma,
    "mae_without_n": _mae_without_n,
    "enlarged_1pct": _enlarged_1pct,
}
"""The transforms :func:`check_pointwise` can test, by name: ``CANDIDATES[name](τ, n)``."""


def _checked_common(config: Any) -> dict[str, Any]:
    """A config's τ (finite >= 0) and number of classes (integer >= 2) as Python numbers, after
    refusing a backend name or dtype it cannot run with."""
    check_resolved(config.backend)
    check_float_dtype(config.dtype)
    return {
        "tau": check_parameter("tau", config.tau),
        "n_classes": check_parameter("n_classes", config.n_classes, low=2, integer=True),
    }


def _set(config: Any, values: dict[str, Any]) -> None:
    """Store checked values in a frozen config (tau = 2 and 2.0 give one cell key)."""
    for name, value in values.items():
        object.__setattr__(config, name, value)


def _check_candidate(name: str) -> None:
    """Refuse a candidate transform that is not in :data:`CANDIDATES`."""
    if name not in CANDIDATES:
        raise ValueError(f"unknown candidate {name!r}; choose one of {', '.join(CANDIDATES)}")


def _log_uniform(rng: ArrayRandom, shape, low: float, high: float, dtype: str):
    """10**U[low, high]."""
    return 10.0 ** (low + (high - low) * rng.uniform(shape, dtype))


def _dirichlet(rng: ArrayRandom, concentration: float, shape, dtype: str):
    xp = rng.xp
    g = rng.gamma(concentration, shape, dtype)
    return g / xp.sum(g, axis=-1, keepdims=True)


def _mix(rng: ArrayRandom, base, weight, dtype: str):
    """(1 - weight) base + weight Dirichlet(1), row by row."""
    size, n = base.shape
    mixed = (1 - weight) * base + weight * _dirichlet(rng, 1.0, (size, n), dtype)
    return mixed / rng.xp.sum(mixed, axis=-1, keepdims=True)


def sample_conditionals(
    rng: ArrayRandom, family: str, n_classes: int, size: int, tau: float, dtype: str = "float64"
) -> tuple[Any, Any]:
    """Draw ``size`` pairs (p, scores) of one family.

    ``dirichlet``: p ~ Dirichlet(α) with α cycling over 0.1, 1, 10; scores N(0, σ²), σ
    log-uniform in [0.01, 10]. ``near_optimal``: p ~ Dirichlet(1), scores a·log p + small noise
    with a = 1/(2-τ) (the surrogate optimum for τ < 2), noise log-uniform in [1e-6, 1].
    ``binary_tie``: p ≈ ((1-t)/2, (1+t)/2, 0, ...), the class with (1-t)/2 predicted by a margin
    in [1e-8, 1] over the other, rivals pushed down by log n - log(w)/2 + U[0, 1] where w is the
    noise weight, so that their softmax mass (~√w) and their loss terms (~√w) both vanish: the
    tight configuration for τ ≤ 1.
    ``mae_tie``: p ≈ ((1+t)/n - t, (1+t)/n, ...), t ≤ 1/(n-1), near-uniform scores with class 0
    predicted (the MAE witness). Tie families are mixed with Dirichlet(1) noise of weight
    log-uniform in [1e-8, 0.1].
    """
    xp = rng.xp
    n = n_classes
    if family == "dirichlet":
        parts = [(size + k) // 3 for k in range(3)]
        p = xp.concat(
            [_dirichlet(rng, alpha, (m, n), dtype) for alpha, m in zip((0.1, 1.0, 10.0), parts)]
        )
        scores = rng.normal((size, n), dtype) * _log_uniform(rng, (size, 1), -2, 1, dtype)
        return p, scores
    if family == "near_optimal":
        p = _dirichlet(rng, 1.0, (size, n), dtype)
        tiny = xp.finfo(p.dtype).smallest_normal
        exponent = 1.0 / (2.0 - tau) if tau < 2 else 1.0
        noise = rng.normal((size, n), dtype) * _log_uniform(rng, (size, 1), -6, 0, dtype)
        return p, exponent * xp.log(xp.maximum(p, tiny)) + noise
    if family == "binary_tie":
        t = rng.uniform((size, 1), dtype)
        rest = xp.zeros((size, n - 2), dtype=t.dtype)
        weight = _log_uniform(rng, (size, 1), -8, -1, dtype)
        p = _mix(rng, xp.concat([(1 - t) / 2, (1 + t) / 2, rest], axis=-1), weight, dtype)
        margin = _log_uniform(rng, (size, 1), -8, 0, dtype)
        depth = math.log(n) - 0.5 * xp.log(weight) + rng.uniform((size, n - 2), dtype)
        return p, xp.concat([xp.zeros_like(margin), -margin, -depth], axis=-1)
    if family == "mae_tie":
        t = rng.uniform((size, 1), dtype) / (n - 1)
        top = (1 + t) / n
        weight = _log_uniform(rng, (size, 1), -8, -1, dtype)
        base = xp.concat([top - t, top * xp.ones((size, n - 1), dtype=t.dtype)], axis=-1)
        p = _mix(rng, base, weight, dtype)
        jitter = rng.normal((size, n), dtype) * _log_uniform(rng, (size, 1), -8, -2, dtype)
        lead = xp.max(jitter, axis=-1, keepdims=True) - jitter[:, :1] + 1e-12
        return p, jitter + xp.concat([lead, xp.zeros((size, n - 1), dtype=t.dtype)], axis=-1)
    raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")


def regrets_with_rounding(p, scores, tau: float, xp) -> tuple[Any, Any, Any]:
    r"""Row-wise :math:`\Delta\mathcal C_{0-1}`, :math:`\Delta\mathcal C_\tau` and a rounding bound.

    The bound on the absolute rounding error of :math:`\Delta\mathcal C_\tau` is first order,
    times ``ROUNDING_SAFETY``: with ε the unit roundoff, :math:`r = \max z - \min z + \log n + 1`,

    .. math::
        8\varepsilon\Big[r\sum_y p_y S_y^{\tau-1} + (n+4)\sum_y p_y|\Psi_\tau(S_y)|
        + n\,(1+|\mathcal C^*_\tau|)\,(1 + |1-\tau|^{-1}[\tau\ne1])\Big]

    (log-softmax error ≤ ε r per entry, propagated through :math:`d\Psi/d\log s = -s^{\tau-1}`;
    summation of n terms; the power-sum/entropy of :math:`\mathcal C^*_\tau`).
    """
    eps = xp.finfo(p.dtype).eps
    n = p.shape[-1]
    log_s = comp_sum.log_softmax(scores, xp)
    psi = comp_sum.softmax_loss(log_s, tau, xp)
    weights = xp.where(p > 0, p, xp.zeros_like(p))
    finite_psi = xp.where(p > 0, psi, xp.zeros_like(psi))
    risk = xp.sum(weights * finite_psi, axis=-1)
    best = comp_sum.risk_min(p, tau, xp)
    if tau == 1:
        sensitivity = xp.sum(weights, axis=-1)
    else:
        sensitivity = xp.sum(weights * (1 + (1 - tau) * finite_psi), axis=-1)
    spread = xp.max(scores, axis=-1) - xp.min(scores, axis=-1) + math.log(n) + 1
    power_sum = 1.0 if tau == 1 else 1.0 + 1.0 / abs(1 - tau)
    bound = (
        ROUNDING_SAFETY
        * eps
        * (
            spread * sensitivity
            + (n + 4) * xp.sum(weights * xp.abs(finite_psi), axis=-1)
            + n * (1 + xp.abs(best)) * power_sum
        )
    )
    predicted = xp.argmax(scores, axis=-1, keepdims=True)
    zero_one = xp.max(p, axis=-1) - xp.take_along_axis(p, predicted, axis=-1)[..., 0]
    return zero_one, risk - best, bound


FAMILY_STATS: dict[str, type] = {
    "draws": int,
    "violations": int,
    "worst_slack": float,
    "max_ratio": float,
}
"""The statistics :func:`check_pointwise` keeps per family, with their types."""
WORST_CASE_VALUES = ("zero_one_regret", "surrogate_regret", "transform_value", "rounding_bound")
"""The numbers recorded at the worst draw: both regrets, the candidate at the 0-1 regret, and
the rounding bound."""
_POINTWISE_SCALARS: dict[str, type] = {
    "draws": int,
    "violations": int,
    "worst_slack": float,
    "max_ratio": float,
    "max_rounding": float,
    "mean_rounding": float,
    "min_enlargement": float,
}
"""The scalar fields of :class:`PointwiseResult` besides τ and n, with their types."""


@dataclass
class PointwiseResult:
    """Outcome of :func:`check_pointwise` for one (τ, n)."""

    tau: float
    n_classes: int
    draws: int
    violations: int
    worst_slack: float
    """min over draws of :math:`\\Delta\\mathcal C_\\tau - \\mathcal T(\\Delta\\mathcal C_{0-1})`."""
    max_ratio: float
    """max of :math:`\\mathcal T(\\Delta\\mathcal C_{0-1})/\\Delta\\mathcal C_\\tau` (1 = tight), over
    draws whose regret exceeds ``RATIO_RESOLUTION`` times its rounding bound."""
    max_rounding: float
    mean_rounding: float
    min_enlargement: float
    """The power: min over draws with T(ΔC_01) > 0 of (ΔC_τ + b)/T(ΔC_01) - 1. The candidate
    times (1 + x) violates on these draws exactly when x exceeds it."""
    worst_case: dict[str, Any] = field(default_factory=dict)
    """The draw of least slack: its family, p, scores and :data:`WORST_CASE_VALUES`."""
    by_family: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per family of :data:`FAMILIES`: draws, violations, worst_slack and max_ratio."""

    def row(self) -> dict[str, Any]:
        """The numbers a report shows for this (τ, n)."""
        return {
            "tau": self.tau,
            "n": self.n_classes,
            "draws": self.draws,
            "violations": self.violations,
            "worst_slack": self.worst_slack,
            "max_tightness_ratio": self.max_ratio,
            "detectable_enlargement": self.min_enlargement,
            "max_rounding_bound": self.max_rounding,
            "worst_case": self.worst_case,
        }

    def as_result(self) -> dict[str, np.ndarray | float | int]:
        """This result as a :data:`simulations.sweeps.Result`: the scalars as they are,
        ``by_family`` as one ``family_<stat>`` array per statistic in :data:`FAMILIES` order,
        the worst case as ``worst_family`` (its index in :data:`FAMILIES`; -1: none, with empty
        arrays and NaN values), ``worst_p``, ``worst_scores`` and ``worst_<value>``."""
        worst = self.worst_case
        return {
            "tau": float(self.tau),
            "n_classes": int(self.n_classes),
            **{name: kind(getattr(self, name)) for name, kind in _POINTWISE_SCALARS.items()},
            **{
                f"family_{stat}": np.asarray(
                    [self.by_family[family][stat] for family in FAMILIES], dtype=kind
                )
                for stat, kind in FAMILY_STATS.items()
            },
            "worst_family": FAMILIES.index(worst["family"]) if worst else -1,
            "worst_p": np.asarray(worst.get("p", []), dtype=np.float64),
            "worst_scores": np.asarray(worst.get("scores", []), dtype=np.float64),
            **{f"worst_{name}": worst.get(name, math.nan) for name in WORST_CASE_VALUES},
        }

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> PointwiseResult:
        """The inverse of :meth:`as_result`."""
        worst_case = {}
        if result["worst_family"] >= 0:
            worst_case = {
                "family": FAMILIES[result["worst_family"]],
                "p": result["worst_p"].tolist(),
                "scores": result["worst_scores"].tolist(),
                **{name: float(result[f"worst_{name}"]) for name in WORST_CASE_VALUES},
            }
        by_family = {
            family: {
                stat: kind(result[f"family_{stat}"][index]) for stat, kind in FAMILY_STATS.items()
            }
            for index, family in enumerate(FAMILIES)
        }
        scalars = {name: kind(result[name]) for name, kind in _POINTWISE_SCALARS.items()}
        return cls(
            float(result["tau"]),
            int(result["n_classes"]),
            **scalars,
            worst_case=worst_case,
            by_family=by_family,
        )


def check_pointwise(
    tau: float,
    n_classes: int,
    *,
    draws: int,
    backend: Backend,
    seed: np.random.SeedSequence,
    candidate: str = "exact",
    dtype: str = "float64",
    batch_elements: int = 2**21,
) -> PointwiseResult:
    r"""Count draws violating :math:`\Delta\mathcal C_{0-1} \le \Gamma_\tau(\Delta\mathcal C_\tau)`.

    Since :math:`\Gamma_\tau = \mathcal T_\tau^{-1}` with :math:`\mathcal T_\tau` increasing,
    the inequality with a t-scale slack δ reads
    :math:`\mathcal T_\tau(\Delta\mathcal C_{0-1} - \delta) \le \Delta\mathcal C_\tau`, which costs
    one evaluation of :math:`\mathcal T` per draw instead of a root-find. A draw violates when
    :math:`\mathcal T(\max(0, \Delta\mathcal C_{0-1} - 4\varepsilon)) > \Delta\mathcal C_\tau + b`,
    with b the per-draw rounding bound of :func:`regrets_with_rounding`.

    ``candidate`` names the transform tested in place of :math:`\mathcal T` (:data:`CANDIDATES`:
    ``exact`` is :math:`\mathcal T_\tau`, the others are negative controls that must be
    refuted). Draws are split evenly across :data:`FAMILIES`, family k from ``derive(seed, k)``.
    The power, ``min_enlargement``, is read off the same draws (see :class:`PointwiseResult`).
    """
    draws = check_parameter("draws", draws, low=1, integer=True)
    _check_candidate(candidate)
    xp = backend.xp
    evaluate = CANDIDATES[candidate](tau, n_classes)
    batch = max(1, batch_elements // n_classes)
    result = PointwiseResult(tau, n_classes, 0, 0, math.inf, 0.0, 0.0, 0.0, math.inf)
    rounding_sums = []
    for index, family in enumerate(FAMILIES):
        child = derive(seed, index)
        rng = backend.rng(child)
        remaining = draws // len(FAMILIES) + (1 if FAMILIES.index(family) < draws % 4 else 0)
        stats = {"draws": 0, "violations": 0, "worst_slack": math.inf, "max_ratio": 0.0}
        while remaining > 0:
            size = min(batch, remaining)
            remaining -= size
            p, scores = sample_conditionals(rng, family, n_classes, size, tau, dtype)
            zero_one, surrogate, rounding = regrets_with_rounding(p, scores, tau, xp)
            eps = xp.finfo(p.dtype).eps
            shifted = xp.clip(zero_one - 4 * eps * xp.max(p, axis=-1), 0.0, 1.0)
            lower = evaluate(shifted, xp)
            slack = surrogate - lower
            violated = slack < -rounding
            resolved = surrogate / RATIO_RESOLUTION > rounding
            ratio = xp.where(resolved, lower / xp.where(resolved, surrogate, 1.0), 0.0)
            positive = lower > 0
            enlargement = (surrogate + rounding) / xp.where(positive, lower, 1.0) - 1
            smallest = xp.min(xp.where(positive, enlargement, math.inf))
            result.min_enlargement = min(result.min_enlargement, float(to_numpy(smallest)))
            worst = int(to_numpy(xp.argmin(slack)))
            batch_slack = float(to_numpy(slack[worst]))
            stats["draws"] += size
            stats["violations"] += int(to_numpy(xp.sum(xp.astype(violated, xp.int64))))
            stats["max_ratio"] = max(stats["max_ratio"], float(to_numpy(xp.max(ratio))))
            result.max_rounding = max(result.max_rounding, float(to_numpy(xp.max(rounding))))
            rounding_sums.append(xp.sum(rounding))
            stats["worst_slack"] = min(stats["worst_slack"], batch_slack)
            if batch_slack < result.worst_slack:
                result.worst_slack = batch_slack
                result.worst_case = {
                    "family": family,
                    "p": to_numpy(p[worst, :]).tolist(),
                    "scores": to_numpy(scores[worst, :]).tolist(),
                    "zero_one_regret": float(to_numpy(zero_one[worst])),
                    "surrogate_regret": float(to_numpy(surrogate[worst])),
                    "transform_value": float(to_numpy(lower[worst])),
                    "rounding_bound": float(to_numpy(rounding[worst])),
                }
        result.draws += stats["draws"]
        result.violations += stats["violations"]
        result.max_ratio = max(result.max_ratio, stats["max_ratio"])
        result.by_family[family] = stats
    result.mean_rounding = float(to_numpy(sum(rounding_sums))) / max(result.draws, 1)
    return result


@dataclass(frozen=True)
class PointwiseConfig:
    """One sweep cell of :func:`check_pointwise` (:func:`pointwise_task`): the arguments as
    plain values, the backend and the candidate transform by name."""

    tau: float
    n_classes: int
    draws: int
    backend: str
    candidate: str = "exact"
    dtype: str = "float64"
    batch_elements: int = 2**21

    def __post_init__(self) -> None:
        _check_candidate(self.candidate)
        _set(
            self,
            {
                **_checked_common(self),
                "draws": check_parameter("draws", self.draws, low=1, integer=True),
                "batch_elements": check_parameter(
                    "batch_elements", self.batch_elements, low=1, integer=True
                ),
            },
        )


def pointwise_task(config: PointwiseConfig, seed: np.random.SeedSequence) -> dict[str, Any]:
    """The sweep task of :func:`check_pointwise` (its result is
    :meth:`PointwiseResult.as_result`), on the backend the config names."""
    result = check_pointwise(
        config.tau,
        config.n_classes,
        draws=config.draws,
        backend=select(config.backend),
        seed=seed,
        candidate=config.candidate,
        dtype=config.dtype,
        batch_elements=config.batch_elements,
    )
    return result.as_result()


Sweep = Callable[[Task, list[Cell]], list[Result]]
"""Runs a task on cells (:func:`simulations.sweeps.run_sweep`, or a context's store/executor)."""


def pointwise_sweep(
    pairs: list[tuple[float, int]],
    seeds: list[np.random.SeedSequence],
    *,
    draws: int,
    backend: str,
    candidate: str = "exact",
    sweep: Sweep = run_sweep,
) -> list[PointwiseResult]:
    """:func:`check_pointwise` for each (τ, n) of ``pairs`` on its seed, one sweep cell each (the
    candidate is a field of the cell, so a control never reads the genuine cell)."""
    cells = [
        Cell(PointwiseConfig(tau, n, draws, backend, candidate), seed)
        for (tau, n), seed in zip(pairs, seeds, strict=True)
    ]
    return [PointwiseResult.from_result(found) for found in sweep(pointwise_task, cells)]


def _feasible_distributions(u, t: float, xp):
    """Map u in [0, 1]^(n-2) onto {p : p_1 = max p, p_1 - p_0 = t}; class 0 is predicted.

    Rivals are p_y = u_y p_1, scaled down together when their mass would leave p_0 < 0; then
    :math:`p_0 = (1 - t(1 + U))/(2 + U)` with U = Σ u_y.
    """
    total = xp.sum(u, axis=-1, keepdims=True)
    most = (1 - t) / t if t > 0 else math.inf
    u = u * xp.minimum(1.0, most / xp.maximum(total, 1e-300))
    total = xp.sum(u, axis=-1, keepdims=True)
    p0 = xp.maximum((1 - t * (1 + total)) / (2 + total), 0.0)
    p1 = p0 + t
    p = xp.concat([p0, p1, u * p1], axis=-1)
    return p / xp.sum(p, axis=-1, keepdims=True)


_TIGHTNESS_LISTS = ("t", "infimum", "formula", "ratio", "minimisers", "resolution")
"""The list fields of :class:`TightnessResult`, one entry per t."""


@dataclass
class TightnessResult:
    """Brute-force infimum of the surrogate regret at fixed 0-1 regret t."""

    tau: float
    n_classes: int
    t: list[float]
    infimum: list[float]
    formula: list[float]
    ratio: list[float]
    minimisers: list[list[float]]
    resolution: list[float]
    """Improvement of the best value over the last three refinement rounds (search settling)."""

    def row(self) -> dict[str, Any]:
        """The numbers a report shows for this (τ, n)."""
        return {
            "tau": self.tau,
            "n": self.n_classes,
            "t": self.t,
            "ratio": self.ratio,
            "search_resolution": max(self.resolution),
        }

    def as_result(self) -> dict[str, np.ndarray | float | int]:
        """This result as a :data:`simulations.sweeps.Result`: one float64 array per list
        (``minimisers`` of shape (len(t), n))."""
        return {
            "tau": float(self.tau),
            "n_classes": int(self.n_classes),
            **{
                name: np.asarray(getattr(self, name), dtype=np.float64) for name in _TIGHTNESS_LISTS
            },
        }

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> TightnessResult:
        """The inverse of :meth:`as_result`."""
        return cls(
            float(result["tau"]),
            int(result["n_classes"]),
            **{name: result[name].tolist() for name in _TIGHTNESS_LISTS},
        )


def tight_transform(
    tau: float,
    n_classes: int,
    t_values: list[float],
    *,
    backend: Backend,
    seed: np.random.SeedSequence,
    candidates: int = 4096,
    rounds: int = 40,
    dtype: str = "float64",
) -> TightnessResult:
    r"""Search :math:`\inf\{\Delta\mathcal C_\tau(h, x) : \Delta\mathcal C_{0-1}(h, x) = t\}`.

    The inner infimum over scores (for a fixed p and predicted class) is exact
    (:func:`theory.comp_sum.regret_infimum`); the outer one over p is a batched random search
    over the feasible set (uniform, log-uniform and corner candidates), then ``rounds`` of
    Gaussian refinement around the incumbent with a shrinking step. The result is an upper
    estimate of the infimum; ``resolution`` reports how much the last rounds still moved it.
    """
    xp = backend.xp
    n = n_classes
    formula = comp_sum.transform(tau, n)
    out = TightnessResult(tau, n, [], [], [], [], [], [])
    for index, t in enumerate(t_values):
        child = derive(seed, index)
        rng = backend.rng(child)
        if n == 2:
            p = xp.asarray([[(1 - t) / 2, (1 + t) / 2]], dtype=getattr(xp, dtype))
            values = comp_sum.regret_infimum(p, xp.zeros(1, dtype=xp.int64), tau)
            best_value, best_p, history = float(to_numpy(values[0])), to_numpy(p[0, :]), [0.0]
        else:
            best_value, best_p, history = _search(rng, tau, n, t, candidates, rounds, dtype, xp)
        value_at_t = float(formula(t))
        out.t.append(float(t))
        out.infimum.append(best_value)
        out.formula.append(value_at_t)
        out.ratio.append(best_value / value_at_t if value_at_t > 0 else math.nan)
        out.minimisers.append([float(v) for v in best_p])
        out.resolution.append(max(history[-3:]) if history else 0.0)
    return out


@dataclass(frozen=True)
class TightnessConfig:
    """One sweep cell of :func:`tight_transform` (:func:`tightness_task`): the arguments as
    plain values and the backend by name."""

    tau: float
    n_classes: int
    t_values: tuple[float, ...]
    backend: str
    candidates: int = 4096
    rounds: int = 40
    dtype: str = "float64"

    def __post_init__(self) -> None:
        common = _checked_common(self)
        if not self.t_values or not all(
            isinstance(t, int | float) and 0 <= t <= 1 for t in self.t_values
        ):
            raise ValueError(f"t_values must be numbers in [0, 1], got {self.t_values!r}")
        _set(
            self,
            {
                **common,
                "candidates": check_parameter("candidates", self.candidates, low=1, integer=True),
                "rounds": check_parameter("rounds", self.rounds, integer=True),
            },
        )


def tightness_task(config: TightnessConfig, seed: np.random.SeedSequence) -> dict[str, Any]:
    """The sweep task of :func:`tight_transform` (its result is
    :meth:`TightnessResult.as_result`), on the backend the config names."""
    result = tight_transform(
        config.tau,
        config.n_classes,
        list(config.t_values),
        backend=select(config.backend),
        seed=seed,
        candidates=config.candidates,
        rounds=config.rounds,
        dtype=config.dtype,
    )
    return result.as_result()


def infimum_sweep(
    pairs: list[tuple[float, int]],
    t_values: tuple[float, ...],
    seed: np.random.SeedSequence,
    *,
    backend: str,
    candidates: int,
    rounds: int,
    sweep: Sweep = run_sweep,
) -> dict[tuple[float, int], TightnessResult]:
    """:func:`tight_transform` at ``t_values`` for each (τ, n) of ``pairs``, one sweep cell each,
    the k-th searched from ``derive(seed, k)``: {(τ, n): result}."""
    cells = [
        Cell(
            TightnessConfig(tau, n, tuple(t_values), backend, candidates=candidates, rounds=rounds),
            derive(seed, k),
        )
        for k, (tau, n) in enumerate(pairs)
    ]
    found = sweep(tightness_task, cells)
    return {pair: TightnessResult.from_result(r) for pair, r in zip(pairs, found, strict=True)}


def _search(rng: ArrayRandom, tau, n, t, candidates, rounds, dtype, xp):
    dims = n - 2
    third = candidates // 3
    corners = xp.astype(xp.arange(dims)[None, :] < xp.arange(dims + 1)[:, None], getattr(xp, dtype))
    start = xp.concat(
        [
            rng.uniform((third, dims), dtype),
            _log_uniform(rng, (third, dims), -8, 0, dtype),
            rng.uniform((candidates - 2 * third, dims), dtype)
            * xp.astype(
                rng.uniform((candidates - 2 * third, dims), dtype) < 0.5, getattr(xp, dtype)
            ),
            corners,
        ]
    )
    predicted = xp.zeros(start.shape[0], dtype=xp.int64)

    def evaluate(u):
        p = _feasible_distributions(u, t, xp)
        return p, comp_sum.regret_infimum(p, predicted[: u.shape[0]], tau)

    p, values = evaluate(start)
    index = int(to_numpy(xp.argmin(values)))
    best_value, best_u, best_p = float(to_numpy(values[index])), start[index, :], p[index, :]
    step, history = 0.3, []
    for _ in range(rounds):
        trial = xp.clip(best_u[None, :] + step * rng.normal((candidates, dims), dtype), 0.0, 1.0)
        p, values = evaluate(trial)
        index = int(to_numpy(xp.argmin(values)))
        value = float(to_numpy(values[index]))
        history.append(max(best_value - value, 0.0))
        if value < best_value:
            best_value, best_u, best_p = value, trial[index, :], p[index, :]
        else:
            step *= 0.6
    return best_value, to_numpy(best_p), history


def ring_training(
    backend: str,
    taus: tuple[float, ...],
    seed: np.random.SeedSequence,
    *,
    size: int,
    iterations: int,
    sweep: Sweep = run_sweep,
    **fields: Any,
) -> dict[str, Any]:
    """One :class:`simulations.restricted.RingTraining` cell (every τ of ``taus``, its sample
    from ``seed``) through ``sweep``: its result, with the sample ``size``."""
    cell = restricted.RingTraining(backend, size, taus, iterations=iterations, **fields)
    (result,) = sweep(restricted.ring_training_task, [Cell(cell, seed)])
    return {"size": cell.size, **result}


def bound_along_run(
    run: restricted.LinearRun,
    n_classes: int,
    best_zero_one: float,
    *,
    with_gaps: bool,
    tolerance: float,
) -> tuple[np.ndarray, list[dict[str, Any]], int]:
    r"""Both sides of the bound at every iterate of ``run``: Γ side, rows per τ, violations.

    With gaps: :math:`E[\Delta\mathcal C_{0-1}] \le \Gamma_\tau(E[\Delta\mathcal C_\tau])`
    (the key identity makes these R - R*(H) + M(H)); without: :math:`R_{0-1}(h) - R^*_{0-1}` (with
    ``best_zero_one``) against :math:`\Gamma_\tau(R_\tau(h) - \min_h R_\tau)` over the run. A
    violation is a slack below ``-tolerance``.
    """
    rows, violations, gamma_side = [], 0, np.empty_like(run.regret_tau)
    for k, tau in enumerate(run.taus):
        gamma = comp_sum.gamma(tau, n_classes)
        best_tau = float(run.surrogate[:, k].min())
        if with_gaps:
            surrogate_side, zero_one_side = run.regret_tau[:, k], run.regret_zero_one[:, k]
        else:
            surrogate_side = run.surrogate[:, k] - best_tau
            zero_one_side = run.zero_one[:, k] - best_zero_one
        gamma_side[:, k] = gamma(np.maximum(surrogate_side, 0.0))
        slack = gamma_side[:, k] - zero_one_side
        violations += int(np.sum(slack < -tolerance))
        final_surrogate, final_zero_one = float(run.surrogate[-1, k]), float(run.zero_one[-1, k])
        rows.append(
            {
                "tau": tau,
                "min_slack": float(slack.min()),
                "surrogate_risk_min_found": best_tau,
                "minimizability_gap_tau": best_tau - (final_surrogate - run.regret_tau[-1, k]),
                "final_zero_one_risk": final_zero_one,
                "gap_free_lhs_at_final_iterate": final_zero_one - best_zero_one,
                "gap_free_rhs_at_final_iterate": float(gamma(max(final_surrogate - best_tau, 0))),
            }
        )
    return gamma_side, rows, violations
