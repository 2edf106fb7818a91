r"""Comp-sum losses and their H-consistency transforms.

Source: A. Mao, M. Mohri, Y. Zhong, *Cross-Entropy Loss Functions: Theoretical Analysis and
Applications*, ICML 2023 (``mao2023``). The paper body was not available to the project: the
family and the transforms below are our reconstruction of its definitions and main theorem
[mao2023, comp-sum losses and main theorem; reconstructed, body not read], tagged [REC✓]
(reconstructed, then checked independently here: :func:`numeric_tight_transform` brute-forces
the tight transform), and are labelled ``reconstructed`` wherever a claim uses them. Our own
derivations are marked [OURS].

The family, for :math:`\tau \ge 0` and :math:`u = \sum_{y' \ne y} e^{h(x,y') - h(x,y)}`:

.. math::
    \Phi^\tau(u) = \frac{(1+u)^{1-\tau} - 1}{1-\tau}\ (\tau \ne 1), \qquad
    \Phi^1(u) = \log(1+u),

and with the softmax :math:`S_y = e^{h(x,y)}/\sum_{y'} e^{h(x,y')}` (so :math:`1 + u = 1/S_y`),
:math:`\ell^\tau = \Psi_\tau(S_y)` with :math:`\Psi_\tau(s) = (s^{\tau-1}-1)/(1-\tau)`,
:math:`\Psi_1(s) = -\log s`. τ = 0 is sum-exponential, 1 logistic (cross-entropy),
(1, 2) generalized cross-entropy with q = τ - 1, 2 mean absolute error as :math:`1 - S_y`.

Numeric functions are written against the array API (numpy, CuPy, array_api_strict); the last
axis of ``p`` and ``scores`` is the class axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import array_api_compat.numpy
import mpmath
import numpy as np
import sympy as sp
from scipy import optimize

from theory.validation import (
    as_float_array,
    check_parameter,
    check_probabilities,
    check_scores,
    check_unit_interval,
)

TAU = sp.Symbol("tau", nonnegative=True)
U = sp.Symbol("u", nonnegative=True)
S = sp.Symbol("s", positive=True)
T = sp.Symbol("t", nonnegative=True)
N = sp.Symbol("n", integer=True, positive=True)

_SERIES_BELOW = 0.25
_SERIES_TERMS = 14
BISECTION_STEPS = 64
"""Bisection steps of the numeric inverse: the bracket on [0, 1] shrinks to 2**-64."""


def _exact(tau: float | sp.Expr) -> sp.Expr:
    return tau if isinstance(tau, sp.Basic) else sp.nsimplify(tau)


def family_name(tau: float) -> str:
    """The usual name of the comp-sum member τ."""
    if tau == 0:
        return "sum-exponential"
    if tau == 1:
        return "logistic (cross-entropy)"
    if tau == 2:
        return "mean absolute error"
    if 1 < tau < 2:
        return f"generalized cross-entropy (q = {tau - 1:g})"
    return "bounded comp-sum" if tau > 2 else "comp-sum (between sum-exp and logistic)"


def outer_function(tau: float | sp.Symbol) -> sp.Expr:
    r""":math:`\Phi^\tau(u)` as a sympy expression of :data:`U` (Piecewise when τ is a symbol)."""
    tau = _exact(tau)
    general = ((1 + U) ** (1 - tau) - 1) / (1 - tau)
    if tau.is_Symbol:
        return sp.Piecewise((sp.log(1 + U), sp.Eq(tau, 1)), (general, True))
    return sp.log(1 + U) if tau == 1 else general


def softmax_form(tau: float | sp.Symbol) -> sp.Expr:
    r""":math:`\Psi_\tau(s)`, the loss as a function of the softmax of the true class."""
    tau = _exact(tau)
    general = (S ** (tau - 1) - 1) / (1 - tau)
    if tau.is_Symbol:
        return sp.Piecewise((-sp.log(S), sp.Eq(tau, 1)), (general, True))
    return -sp.log(S) if tau == 1 else general


@dataclass(frozen=True)
class CompSumLoss:
    """One member of the family: ``phi`` = Φ^τ(u) and ``psi`` = Ψ_τ(s) (sympy)."""

    tau: float | sp.Symbol
    name: str
    phi: sp.Expr
    psi: sp.Expr


def loss(tau: float | sp.Symbol) -> CompSumLoss:
    """The comp-sum loss Φ^τ of ICML 2023 with its softmax form Ψ_τ."""
    if not isinstance(tau, sp.Symbol):
        tau = check_parameter("tau", tau)
    name = "comp-sum (symbolic tau)" if isinstance(tau, sp.Symbol) else family_name(tau)
    return CompSumLoss(tau, name, outer_function(tau), softmax_form(tau))


def power_mean(tau: float | sp.Expr, t: sp.Expr = T) -> sp.Expr:
    r""":math:`P_\tau(t) = \big(((1+t)^{a} + (1-t)^{a})/2\big)^{2-\tau}`, :math:`a = 1/(2-\tau)`."""
    tau = _exact(tau)
    a = 1 / (2 - tau)
    return (((1 + t) ** a + (1 - t) ** a) / 2) ** (2 - tau)


BRANCHES = ("below_logistic", "logistic", "generalized_cross_entropy", "linear")
"""The four formulas of the main theorem: τ in [0, 1), τ = 1, τ in (1, 2), τ ≥ 2."""


def branch_of(tau: float) -> str:
    """Which formula of the main theorem applies to τ."""
    tau = check_parameter("tau", tau)
    if tau < 1:
        return "below_logistic"
    if tau == 1:
        return "logistic"
    return "generalized_cross_entropy" if tau < 2 else "linear"


def transform_branch(
    branch: str, tau: float | sp.Expr = TAU, n_classes: int | sp.Expr = N, t: sp.Expr = T
) -> sp.Expr:
    r"""One formula of the main theorem, with τ, n and t numbers or symbols.

    .. math::
        \mathcal T_\tau(t) = \begin{cases}
        \frac{2^{1-\tau}}{1-\tau}\,[1 - P_\tau(t)] & \tau \in [0, 1)
            \ (\text{below\_logistic})\\
        \frac{1+t}{2}\log(1+t) + \frac{1-t}{2}\log(1-t) & \tau = 1\ (\text{logistic})\\
        \frac{1}{(\tau-1) n^{\tau-1}}\,[P_\tau(t) - 1] & \tau \in (1, 2)
            \ (\text{generalized\_cross\_entropy})\\
        \frac{t}{(\tau-1) n^{\tau-1}} & \tau \ge 2\ (\text{linear})
        \end{cases}

    Provenance: [REC✓] [mao2023, main theorem; reconstructed, body not read], checked against
    :func:`numeric_tight_transform`.
    """
    tau, n = _exact(tau), sp.sympify(n_classes)
    if branch == "below_logistic":
        return 2 ** (1 - tau) / (1 - tau) * (1 - power_mean(tau, t))
    if branch == "logistic":
        return (1 + t) / 2 * sp.log(1 + t) + (1 - t) / 2 * sp.log(1 - t)
    if branch == "generalized_cross_entropy":
        return (power_mean(tau, t) - 1) / ((tau - 1) * n ** (tau - 1))
    if branch == "linear":
        return t / ((tau - 1) * n ** (tau - 1))
    raise ValueError(f"unknown branch {branch!r}; choose one of {', '.join(BRANCHES)}")


def transform_expr(tau: float, n_classes: int | sp.Expr = N) -> sp.Expr:
    r"""The transform :math:`\mathcal T_\tau(t)` of the main theorem as a sympy expression of T."""
    return transform_branch(branch_of(tau), check_parameter("tau", tau), n_classes)


def quadratic_coefficient(tau: float, n_classes: int | sp.Expr = N) -> sp.Expr:
    r"""The leading coefficient :math:`c_\tau` of :math:`\mathcal T_\tau(t) = c_\tau t^2 + O(t^4)`.

    :math:`c_\tau = 2^{1-\tau}/(2(2-\tau))` for τ < 1, 1/2 at τ = 1,
    :math:`1/(2(2-\tau) n^{\tau-1})` for τ in (1, 2); undefined for τ ≥ 2 (T is linear).
    Provenance: [OURS] the series of :func:`transform_expr` at t = 0.
    """
    tau = check_parameter("tau", tau)
    if tau >= 2:
        raise ValueError(f"T_tau is linear for tau >= 2 (got tau = {tau}); no quadratic term")
    exact = _exact(tau)
    if tau < 1:
        return 2 ** (1 - exact) / (2 * (2 - exact))
    if tau == 1:
        return sp.Rational(1, 2)
    return 1 / (2 * (2 - exact) * sp.sympify(n_classes) ** (exact - 1))


def _validate_family(tau: float, n_classes: int) -> tuple[float, int]:
    tau = check_parameter("tau", tau)
    n_classes = check_parameter("n_classes", n_classes, low=2, integer=True)
    return tau, n_classes


@dataclass(frozen=True)
class Transform:
    r"""The function :math:`t \mapsto \mathcal T_\tau(t)` on [0, 1] (see :func:`transform_expr`).

    Evaluated so that :math:`\mathcal T \approx c_\tau t^2` keeps its relative accuracy for
    small t: :math:`P_\tau - 1 = \mathrm{expm1}((2-\tau)\,\mathrm{log1p}(m))` with
    :math:`m = \tfrac12[(1+t)^a + (1-t)^a] - 1`, computed as
    :math:`\tfrac12[\mathrm{expm1}(a\,\mathrm{log1p}(t)) + \mathrm{expm1}(a\,\mathrm{log1p}(-t))]`
    and, below t = 1/(4 max(1, a)) where that cancels, as its even binomial series
    :math:`\sum_{k=1}^{14}\binom{a}{2k}t^{2k}` (truncation error below 1e-17 relative). τ = 1 uses
    :math:`t\,\mathrm{atanh}(t) + \tfrac12\log(1-t^2)` (``log1p(-t*t)`` below 1/2,
    ``log1p(t) + log1p(-t)`` above).
    """

    tau: float
    n_classes: int

    def __post_init__(self) -> None:
        tau, n = _validate_family(self.tau, self.n_classes)
        object.__setattr__(self, "tau", tau)
        object.__setattr__(self, "n_classes", n)

    @property
    def at_one(self) -> float:
        r""":math:`\mathcal T_\tau(1)`: beyond it the inverse Γ is 1."""
        return float(self(1.0))

    @property
    def expr(self) -> sp.Expr:
        """The same function as a sympy expression of :data:`T`."""
        return transform_expr(self.tau, self.n_classes)

    def __call__(self, t: Any) -> Any:
        xp, t = as_float_array(t)
        check_unit_interval("t", t, xp)
        return self.evaluate(t, xp)

    def evaluate(self, t: Any, xp: Any) -> Any:
        """:math:`\\mathcal T_\\tau(t)` for an array already known to lie in [0, 1]."""
        tau, n = self.tau, self.n_classes
        if tau == 1:
            inside = xp.where(t < 1, t, xp.zeros_like(t))
            log_one_minus_square = xp.where(
                inside < 0.5, xp.log1p(-inside * inside), xp.log1p(inside) + xp.log1p(-inside)
            )
            value = inside * xp.atanh(inside) + 0.5 * log_one_minus_square
            return xp.where(t < 1, value, xp.full_like(t, math.log(2.0)))
        if tau >= 2:
            return t / ((tau - 1) * n ** (tau - 1))
        a = 1.0 / (2.0 - tau)
        inside = xp.where(t < 1, t, xp.zeros_like(t))
        direct = 0.5 * (xp.expm1(a * xp.log1p(inside)) + xp.expm1(a * xp.log1p(-inside)))
        series = xp.zeros_like(t)
        coefficient = 1.0
        for k in range(1, 2 * _SERIES_TERMS + 1):
            coefficient *= (a - k + 1) / k
            if k % 2 == 0:
                series = series + coefficient * t**k
        below = _SERIES_BELOW / max(1.0, a)
        m = xp.where(t < below, series, xp.where(t < 1, direct, 2.0 ** (a - 1) - 1))
        power_mean_minus_one = xp.expm1((2.0 - tau) * xp.log1p(m))
        if tau < 1:
            return -(2.0 ** (1 - tau) / (1 - tau)) * power_mean_minus_one
        return power_mean_minus_one / ((tau - 1) * n ** (tau - 1))


@dataclass(frozen=True)
class InverseTransform:
    r""":math:`\Gamma_\tau = \mathcal T_\tau^{-1}`, extended by 1 beyond :math:`\mathcal T_\tau(1)`.

    Closed forms: :math:`\Gamma_0(v) = \sqrt{2v - v^2}` and
    :math:`\Gamma_\tau(v) = \min(1, (\tau-1) n^{\tau-1} v)` for τ ≥ 2 (so :math:`\Gamma_2 = nv`).
    Otherwise a vectorised bisection on [0, 1] (``BISECTION_STEPS`` halvings), returning the
    upper end of the final bracket, so the value never undershoots the true inverse.
    """

    tau: float
    n_classes: int

    def __post_init__(self) -> None:
        tau, n = _validate_family(self.tau, self.n_classes)
        object.__setattr__(self, "tau", tau)
        object.__setattr__(self, "n_classes", n)

    def __call__(self, v: Any) -> Any:
        xp, v = as_float_array(v)
        if not bool(xp.all(v >= 0)):
            raise ValueError("Gamma is defined for surrogate regrets v >= 0 (no NaN)")
        tau, n = self.tau, self.n_classes
        one = xp.ones_like(v)
        if tau == 0:
            w = xp.minimum(v, one)
            return xp.sqrt(w * (2 - w))
        if tau >= 2:
            return xp.minimum(one, v * ((tau - 1) * n ** (tau - 1)))
        forward = Transform(tau, n)
        low, high = xp.zeros_like(v), one
        for _ in range(BISECTION_STEPS):
            middle = 0.5 * (low + high)
            below = forward.evaluate(middle, xp) <= v
            low = xp.where(below, middle, low)
            high = xp.where(below, high, middle)
        return high


def transform(tau: float, n_classes: int) -> Transform:
    r"""The transform :math:`\mathcal T_\tau` of ICML 2023 for n classes, vectorised over arrays."""
    return Transform(tau, n_classes)


def gamma(tau: float, n_classes: int) -> InverseTransform:
    r"""The bound :math:`\Gamma_\tau = \mathcal T_\tau^{-1}`: :math:`\Delta C_{0-1} \le \Gamma_\tau(\Delta C_\tau)`."""
    return InverseTransform(tau, n_classes)


def transform_accuracy(tau: float) -> float:
    """Relative accuracy of :class:`Transform` in float64: 64 eps, times 1 + 1/|1 - τ| where the
    formula divides by 1 - τ (the series/expm1 evaluation keeps it down to t = 0)."""
    return 64 * np.finfo(float).eps * (1 + (1 / abs(1 - tau) if tau != 1 else 0))


def formula_values(expr: sp.Expr, t_values: Any, digits: int = 30) -> np.ndarray:
    """``expr``, a sympy function of :data:`T`, at ``t_values`` with ``digits``-digit mpmath:
    a reference for the numeric path that shares none of its code."""
    f = sp.lambdify(T, expr, "mpmath")
    with mpmath.workdps(digits):
        return np.array([float(f(mpmath.mpf(float(t)))) for t in t_values])


def log_softmax(scores: Any, xp: Any) -> Any:
    """Row-wise log-softmax over the last axis, shifted by the row maximum."""
    shifted = scores - xp.max(scores, axis=-1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


_EXP_LIMIT = 700.0
"""exp(700) is finite in float64; a larger exponent means the loss term is +inf."""


def softmax_loss(log_s: Any, tau: Any, xp: Any) -> Any:
    """Ψ_τ applied to softmax values given as their logs (+inf where it overflows, no warning).

    ``tau`` is a number or an array broadcasting against ``log_s`` (one τ per model).
    """
    if isinstance(tau, int | float):
        if tau == 1:
            return -log_s
        tau = xp.asarray(float(tau), dtype=log_s.dtype)
    is_log = tau == 1
    rate = xp.where(is_log, xp.zeros_like(tau), tau - 1)
    exponent = rate * log_s
    huge = exponent > _EXP_LIMIT
    power = xp.expm1(xp.where(huge, xp.zeros_like(exponent), exponent))
    general = xp.where(huge, xp.full_like(exponent, math.inf), power / xp.where(is_log, 1.0, -rate))
    return xp.where(is_log, -log_s, general)


def risk_from_log_softmax(p: Any, log_s: Any, tau: Any, xp: Any) -> Any:
    """Σ_y p_y Ψ_τ(S_y) from log-softmax rows, with the convention 0 · ∞ = 0 (no checks)."""
    values = softmax_loss(log_s, tau, xp)
    return xp.sum(p * xp.where(p > 0, values, xp.zeros_like(values)), axis=-1)


def conditional_risk(p: Any, scores: Any, tau: float) -> Any:
    r""":math:`\mathcal C_\tau(h, x) = \sum_y p_y \Psi_\tau(S_y)` for score rows ``scores``."""
    tau = check_parameter("tau", tau)
    xp, p = as_float_array(p)
    scores = xp.astype(xp.asarray(scores), p.dtype)
    check_probabilities(p, xp)
    check_scores(scores, p, xp)
    return risk_from_log_softmax(p, log_softmax(scores, xp), tau, xp)


def conditional_risk_min(p: Any, tau: float) -> Any:
    r"""The best conditional risk :math:`\mathcal C^*_\tau(p)` over all score vectors.

    For τ < 2 the optimal softmax is :math:`s^* \propto p^a`, :math:`a = 1/(2-\tau)`, giving
    :math:`(\|p\|_a - 1)/(1-\tau)` (τ ≠ 1) and the entropy :math:`-\sum_y p_y\log p_y` (τ = 1);
    for τ ≥ 2 the loss is concave in s and the infimum (not attained) is
    :math:`(1 - \max_y p_y)/(\tau-1)`. Provenance: [OURS] (Lagrange on the simplex:
    :math:`p_y\Psi_\tau'(s_y) = -p_y s_y^{\tau-2}` is the same for every y).
    """
    tau = check_parameter("tau", tau)
    xp, p = as_float_array(p)
    check_probabilities(p, xp)
    return risk_min(p, tau, xp)


def risk_min(p: Any, tau: float, xp: Any) -> Any:
    """:func:`conditional_risk_min` without input checks, for callers that built ``p`` themselves."""
    if tau >= 2:
        return (1 - xp.max(p, axis=-1)) / (tau - 1)
    if tau == 1:
        positive = p > 0
        return -xp.sum(xp.where(positive, p * xp.log(xp.where(positive, p, 1.0)), 0.0), axis=-1)
    a = 1.0 / (2.0 - tau)
    return xp.expm1(xp.log(xp.sum(p**a, axis=-1)) / a) / (1 - tau)


def zero_one_regret(p: Any, scores: Any) -> Any:
    r""":math:`\Delta\mathcal C_{0-1} = \max_y p_y - p_{\mathsf h(x)}`, ties broken to the first index."""
    xp, p = as_float_array(p)
    scores = xp.astype(xp.asarray(scores), p.dtype)
    check_probabilities(p, xp)
    check_scores(scores, p, xp)
    predicted = xp.argmax(scores, axis=-1, keepdims=True)
    return xp.max(p, axis=-1) - xp.take_along_axis(p, predicted, axis=-1)[..., 0]


def surrogate_regret(p: Any, scores: Any, tau: float) -> Any:
    r""":math:`\Delta\mathcal C_\tau = \mathcal C_\tau(h, x) - \mathcal C^*_\tau(p)` (complete class)."""
    xp, p = as_float_array(p)
    return conditional_risk(p, scores, tau) - risk_min(p, check_parameter("tau", tau), xp)


def pooled_distribution(p: Any, predicted: Any) -> Any:
    r"""Average the predicted class with the classes that would out-score it.

    [OURS] For τ < 2, :math:`\Psi_\tau` is convex, and minimising :math:`\sum_y p_y\Psi_\tau(S_y)`
    over softmax vectors with :math:`S_h \ge S_y` (class h predicted) ties h with a top group
    B = {h} ∪ {the largest other p_y while p_y exceeds the running group mean}. By the KKT
    conditions the constrained optimum is the unconstrained optimum for q, where q equals p off
    B and the group mean on B. This returns q; see :func:`regret_infimum`.
    """
    xp, p = as_float_array(p)
    check_probabilities(p, xp)
    predicted = xp.asarray(predicted)
    n = p.shape[-1]
    classes = xp.arange(n)
    is_predicted = classes == predicted[..., None]
    p_predicted = xp.sum(xp.where(is_predicted, p, 0.0), axis=-1, keepdims=True)
    others = -xp.sort(-xp.where(is_predicted, -1.0, p), axis=-1)[..., : n - 1]
    group_sum = p_predicted + xp.cumulative_sum(others, axis=-1)
    group_mean = group_sum / xp.astype(classes[1:] + 1, p.dtype)
    mean_before = xp.concat([p_predicted, group_mean[..., :-1]], axis=-1)
    joins = others > mean_before
    first_refusal = xp.min(xp.where(joins, n - 1, classes[: n - 1]), axis=-1, keepdims=True)
    means = xp.concat([p_predicted, group_mean], axis=-1)
    pooled_mean = xp.take_along_axis(means, first_refusal, axis=-1)
    padded = xp.concat([xp.full_like(p_predicted, math.inf), others], axis=-1)
    threshold = xp.take_along_axis(padded, first_refusal, axis=-1)
    in_group = is_predicted | (p >= threshold)
    return xp.where(in_group, pooled_mean, p)


def regret_infimum(p: Any, predicted: Any, tau: float) -> Any:
    r"""Infimum of :math:`\Delta\mathcal C_\tau` over all scores whose argmax is ``predicted``.

    τ < 2: :math:`\mathcal C^*_\tau(q) - \mathcal C^*_\tau(p)` with q from
    :func:`pooled_distribution` [OURS]. τ ≥ 2: Ψ_τ is concave, so the infimum sits at a vertex
    of :math:`\{S : S_h \ge S_y\}`, the uniform distribution on h and its k - 1 most likely
    rivals: :math:`\min_k P_k\Psi_\tau(1/k) + (1-P_k)\Psi_\tau(0)`, minus the best risk.
    Minimising this over p with :math:`\Delta\mathcal C_{0-1} = t` gives the tight transform.
    """
    tau = check_parameter("tau", tau)
    xp, p = as_float_array(p)
    check_probabilities(p, xp)
    predicted = xp.asarray(predicted)
    if tau < 2:
        return risk_min(pooled_distribution(p, predicted), tau, xp) - risk_min(p, tau, xp)
    n = p.shape[-1]
    classes = xp.arange(n)
    is_predicted = classes == predicted[..., None]
    p_predicted = xp.sum(xp.where(is_predicted, p, 0.0), axis=-1, keepdims=True)
    others = -xp.sort(-xp.where(is_predicted, -1.0, p), axis=-1)[..., : n - 1]
    mass = xp.concat([p_predicted, p_predicted + xp.cumulative_sum(others, axis=-1)], axis=-1)
    size = xp.astype(classes + 1, p.dtype)
    vertex_loss = (1 - size ** (1 - tau)) / (tau - 1)
    risk = xp.min(mass * vertex_loss + (1 - mass) / (tau - 1), axis=-1)
    return risk - risk_min(p, tau, xp)


def infimum_scores(
    p: Any, predicted: Any, tau: float, *, lead: float = 1e-9, depth: float = 40.0
) -> Any:
    r"""Scores predicting ``predicted`` whose regret approaches :func:`regret_infimum`.

    τ < 2: :math:`z_y = a\log q_y` with q the pooled distribution (the optimal softmax for q),
    the predicted class raised by ``lead`` to win its tie; classes with :math:`q_y = 0` sit at
    ``-depth`` below. τ ≥ 2: the optimal vertex, 0 on the predicted class (plus ``lead``) and
    its k - 1 most likely rivals, ``-depth`` elsewhere. The regret exceeds the infimum by
    O(lead) + O(e^-depth), which is what makes the infimum attained in the limit.
    """
    tau = check_parameter("tau", tau)
    xp, p = as_float_array(p)
    check_probabilities(p, xp)
    predicted = xp.asarray(predicted)
    classes = xp.arange(p.shape[-1])
    is_predicted = classes == predicted[..., None]
    if tau < 2:
        q = pooled_distribution(p, predicted)
        logs = xp.log(xp.where(q > 0, q, 1.0))
        floor = xp.min(xp.where(q > 0, logs, xp.zeros_like(logs)), axis=-1, keepdims=True)
        scores = xp.where(q > 0, logs, floor - depth) / (2.0 - tau)
    else:
        others = xp.where(is_predicted, -1.0, p)
        order = xp.argsort(-others, axis=-1)
        rank = xp.argsort(order, axis=-1)
        p_predicted = xp.sum(xp.where(is_predicted, p, 0.0), axis=-1, keepdims=True)
        ranked = xp.take_along_axis(others, order, axis=-1)[..., :-1]
        mass = xp.concat([p_predicted, p_predicted + xp.cumulative_sum(ranked, axis=-1)], axis=-1)
        size = xp.astype(classes + 1, p.dtype)
        risk = mass * (1 - size ** (1 - tau)) / (tau - 1) + (1 - mass) / (tau - 1)
        keep = xp.argmin(risk, axis=-1, keepdims=True)
        scores = xp.where(is_predicted | (rank < keep), 0.0, -depth)
    return scores + xp.where(is_predicted, lead, 0.0)


def numeric_risk_min(
    p: Any, tau: float, *, rng: np.random.Generator, starts: int = 4, score_bound: float = math.inf
) -> float:
    """Oracle for :func:`conditional_risk_min`: minimise over scores with scipy (one row of p).

    L-BFGS-B from ``starts`` random score vectors (and from log p), scores in
    ``[-score_bound, score_bound]``. An independent check of the closed form, not a substitute.
    """
    p = np.asarray(p, dtype=float)
    check_probabilities(p, array_api_compat.numpy)
    tau = check_parameter("tau", tau)

    def risk(z):
        return float(conditional_risk(p, z, tau))

    bounds = None if math.isinf(score_bound) else [(-score_bound, score_bound)] * p.size
    guesses = [np.log(np.maximum(p, 1e-12))] + [rng.normal(size=p.size) for _ in range(starts)]
    best = math.inf
    for guess in guesses:
        if bounds is not None:
            guess = np.clip(guess - guess.max() + score_bound, -score_bound, score_bound)
        found = optimize.minimize(
            risk,
            guess,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000},
        )
        best = min(best, found.fun)
    return best


def numeric_regret_infimum(
    p: Any, predicted: int, tau: float, *, rng: np.random.Generator, starts: int = 6
) -> float:
    r"""Oracle for :func:`regret_infimum`: SLSQP over scores constrained to predict ``predicted``.

    Minimises :math:`\Delta\mathcal C_\tau` directly over score vectors with
    :math:`z_h \ge z_y` from ``starts`` random starts; an upper estimate of the infimum.
    """
    p = np.asarray(p, dtype=float)
    check_probabilities(p, array_api_compat.numpy)
    tau = check_parameter("tau", tau)
    best_risk = float(conditional_risk_min(p, tau))
    others = [y for y in range(p.size) if y != predicted]
    constraints = [{"type": "ineq", "fun": lambda z, y=y: z[predicted] - z[y]} for y in others]
    best = math.inf
    for _ in range(starts):
        guess = 4 * rng.normal(size=p.size)
        guess[predicted] = guess.max() + 0.1
        found = optimize.minimize(
            lambda z: float(conditional_risk(p, z, tau)),
            guess,
            method="SLSQP",
            constraints=constraints,
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        best = min(best, found.fun - best_risk)
    return best


def numeric_tight_transform(
    tau: float, n_classes: int, t: float, *, rng: np.random.Generator
) -> float:
    r"""Oracle for the tight transform :math:`\inf\{\Delta\mathcal C_\tau : \Delta\mathcal C_{0-1} = t\}`.

    The distributions with 0-1 regret t when class 0 is predicted and class 1 is the most likely
    are :math:`p = (p_1 - t, p_1, u\,p_1)`, :math:`u \in [0, 1]^{n-2}`,
    :math:`p_1 = (1 + t)/(2 + \sum u)`, feasible (:math:`p_0 \ge 0`) while
    :math:`t \sum u \le 1 - t` (u is scaled into that set). The inner infimum over scores is the
    closed form :func:`regret_infimum`; the outer one is scipy's differential evolution over u,
    its first population the corners of the cube (where vertex minima sit) and uniform points,
    polished by L-BFGS-B. An upper estimate, independent of the batched random search of
    ``simulations.comp_sum.tight_transform``.
    """
    tau, n = _validate_family(tau, n_classes)
    dims = n - 2

    def regrets(x):
        x = np.asarray(x, dtype=float)
        u = np.clip(x.reshape(dims, -1).T, 0.0, 1.0) if dims else np.zeros((1, 0))
        total = t * np.sum(u, axis=1, keepdims=True)
        u = u * np.minimum(1.0, (1 - t) / np.maximum(total, 1e-300))
        top = (1 + t) / (2 + np.sum(u, axis=1, keepdims=True))
        p = np.concatenate([np.maximum(top - t, 0.0), top, u * top], axis=1)
        values = regret_infimum(p / np.sum(p, axis=1, keepdims=True), np.zeros(len(p), int), tau)
        return values if x.ndim == 2 else float(values[0])

    if dims == 0:
        return regrets(np.empty(0))
    corners = np.array(list(np.ndindex((2,) * dims)), dtype=float)
    population = np.concatenate([corners, rng.uniform(size=(15 * dims, dims))])
    found = optimize.differential_evolution(
        regrets,
        [(0.0, 1.0)] * dims,
        init=population,
        rng=rng,
        tol=1e-12,
        maxiter=300,
        updating="deferred",
        vectorized=True,
    )
    return float(found.fun)


def reference_tight_transform(
    tau: float, n_classes: int, t: float, *, rng: np.random.Generator
) -> float:
    r"""The tight transform at t, independently of a batched search and of :class:`Transform`:
    :math:`\mathcal T_\tau(t)` at 30 digits for τ ≤ 1 (tight: the brute-force infimum matches
    it for every n [OURS]), the two-class formula at τ = 3/2 (the infimum for every n [OURS]), else
    :func:`numeric_tight_transform`."""
    if tau <= 1 or tau == 1.5:
        expr = transform_expr(tau, n_classes if tau <= 1 else 2)
        return float(formula_values(expr, [t])[0])
    return numeric_tight_transform(tau, n_classes, t, rng=rng)
