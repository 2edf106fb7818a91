r"""Monte Carlo and search experiments on the comp-sum H-consistency bound.

* :func:`check_pointwise` draws conditional distributions p and score vectors in batches and
  tests the pointwise inequality :math:`\Delta\mathcal C_{0-1} \le \Gamma_\tau(\Delta\mathcal C_\tau)`
  in its equivalent transform form (``h_consistency.md`` V6).
* :func:`tight_transform` searches for
  :math:`\inf\{\Delta\mathcal C_\tau : \Delta\mathcal C_{0-1} = t\}` to compare with
  :math:`\mathcal T_\tau(t)` (V7-V9, V15).

Array code only: the namespace comes from a :class:`simulations.backend.Backend`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulations.backend import ArrayRandom, Backend, derive, to_numpy
from theory import comp_sum

FAMILIES = ("dirichlet", "near_optimal", "binary_tie", "mae_tie")
"""Ways of drawing (p, scores): random, near the surrogate optimum, and two adversarial ties."""

ROUNDING_SAFETY = 8
"""Safety factor on the first-order rounding-error budget of the regrets."""
RATIO_RESOLUTION = 1e9
"""The tightness ratio is read only where the regret exceeds 1e9 times its rounding bound."""

CandidateTransform = Callable[[Any, Any], Any]
"""``candidate(t, xp)``: a transform to test in place of :math:`\\mathcal T_\\tau` (may be +inf)."""


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
    worst_case: dict[str, Any] = field(default_factory=dict)
    by_family: dict[str, dict[str, float]] = field(default_factory=dict)


def check_pointwise(
    tau: float,
    n_classes: int,
    *,
    draws: int,
    backend: Backend,
    seed: np.random.SeedSequence,
    candidate: CandidateTransform | None = None,
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

    ``candidate(t, xp)`` replaces :math:`\mathcal T_\tau` (negative controls use a shrunk Γ).
    Draws are split evenly across :data:`FAMILIES`, each from its own ``seed`` child.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be an integer >= 1, got {draws!r}")
    xp = backend.xp
    transform = comp_sum.transform(tau, n_classes)
    candidate = candidate or transform.evaluate
    batch = max(1, batch_elements // n_classes)
    result = PointwiseResult(tau, n_classes, 0, 0, math.inf, 0.0, 0.0, 0.0)
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
            lower = candidate(shifted, xp)
            slack = surrogate - lower
            violated = slack < -rounding
            resolved = surrogate / RATIO_RESOLUTION > rounding
            ratio = xp.where(resolved, lower / xp.where(resolved, surrogate, 1.0), 0.0)
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
