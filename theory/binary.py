r"""Binary margin losses: the BJM ψ-transform and the bounded-class transform.

Sources: P. Bartlett, M. Jordan, J. McAuliffe, *Convexity, Classification, and Risk Bounds*,
JASA 2006 (``bartlett2006``), and P. Awasthi, A. Mao, M. Mohri, Y. Zhong, *H-Consistency Bounds
for Surrogate Loss Minimizers*, ICML 2022 (``awasthi2022``). BJM's definitions below are
re-derived [OURS] (only the abstract of [bartlett2006] was read); the bounded-score transform is
[awasthi2022, bounded-score transforms; reconstructed, body not read] [REC✓], cross-checked by
the interval enclosures below.

With :math:`\eta = (1+\theta)/2` and :math:`C_\theta(\alpha) = \tfrac{1+\theta}{2}\phi(\alpha) +
\tfrac{1-\theta}{2}\phi(-\alpha)`, for a score range :math:`|\alpha| \le B`:

.. math::
    \mathcal T_B(\theta) = \inf_{-B \le \alpha \le 0} C_\theta(\alpha)
                         - \inf_{|\alpha| \le B} C_\theta(\alpha), \qquad \theta \in [0, 1].

:math:`B = \infty` gives BJM's :math:`\tilde\psi`; ψ is its convex closure, and
:math:`\psi(R(f) - R^*) \le R_\phi(f) - R^*_\phi` for every f. φ is classification-calibrated
iff :math:`\psi(\theta) > 0` for θ > 0.

Derivation (:func:`bounded_transform`): the α-line is cut where φ(α) or φ(-α) changes formula;
on each piece the candidates for the infimum are the piece's ends, its stationary points
(``solve``), and limits at ±∞. The winner on each θ-interval is found at sample points and then
*proved* minimal against every other candidate with :func:`theory.proof.prove_nonnegative`, so
the result carries the weakest rung among those proofs. Independently, a table of rigorous
enclosures of both infima is computed by interval branch and bound (``mpmath.iv``); it
cross-checks the closed form and replaces it when sympy finds none.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv

from theory.proof import (
    DERIVATION_SECONDS,
    INTERVAL_NAMESPACE,
    Proof,
    Status,
    factor_power_bases,
    interval_precision,
    piecewise_branches,
    prove_nonnegative,
    time_limited,
    weakest,
)

ALPHA = sp.Symbol("alpha", real=True)
THETA = sp.Symbol("theta", nonnegative=True)

TABLE_POINTS = 21
"""θ-grid of the certified numeric table (equally spaced on [0, 1])."""
TABLE_TOLERANCE = 1e-10
"""Branch and bound stops when the enclosure of an infimum is narrower than this."""
AGREEMENT = 1e-9
"""The closed form must lie within the table's enclosure widened by this much."""
_SAMPLES = tuple((k + 0.5) / 40 for k in range(40))


def margin_loss(phi: sp.Expr | str, margin: sp.Symbol | str | None = None) -> sp.Expr:
    """φ as an expression of :data:`ALPHA`; ``phi`` must have exactly one free symbol."""
    phi = sp.sympify(phi)
    free = sorted(phi.free_symbols, key=str)
    if margin is not None:
        margin = sp.Symbol(margin) if isinstance(margin, str) else margin
        chosen = [s for s in free if s.name == margin.name]
        if not chosen:
            raise ValueError(f"the margin symbol {margin} does not occur in {phi}")
        others = [s for s in free if s.name != margin.name]
    else:
        chosen, others = free[:1], free[1:]
    if not chosen or others:
        raise ValueError(
            f"a margin loss needs exactly one free symbol (the margin); {phi} has {free or 'none'}"
            " -- substitute numbers for parameters first"
        )
    return phi.subs(chosen[0], ALPHA)


def one_sided_slopes(phi: sp.Expr, at: float = 0.0) -> tuple[sp.Expr, sp.Expr]:
    """Exact left and right derivatives of φ at ``at``.

    The formula active on each side is read from the piecewise structure (Max, Min, Abs,
    Piecewise; see :func:`theory.proof.piecewise_branches`) and differentiated there, which
    avoids sympy's ``limit`` of a Piecewise at its own breakpoint (it can return the value of
    the other branch).
    """
    phi = margin_loss(phi)
    left = piecewise_branches(phi, ALPHA, (at - 1.0, at))
    right = piecewise_branches(phi, ALPHA, (at, at + 1.0))
    left_formula = left[-1][0] if left else phi
    right_formula = right[0][0] if right else phi
    point = sp.nsimplify(at)
    return (
        sp.simplify(sp.diff(left_formula, ALPHA).subs(ALPHA, point)),
        sp.simplify(sp.diff(right_formula, ALPHA).subs(ALPHA, point)),
    )


def conditional_risk(phi: sp.Expr) -> sp.Expr:
    r""":math:`C_\theta(\alpha) = \frac{1+\theta}{2}\phi(\alpha) + \frac{1-\theta}{2}\phi(-\alpha)`."""
    return (1 + THETA) / 2 * phi + (1 - THETA) / 2 * phi.subs(ALPHA, -ALPHA)


@dataclass(frozen=True)
class _Candidate:
    """A possible minimiser: α as a function of θ (None for a limit at ±∞) and its value."""

    location: sp.Expr | None
    value: sp.Expr
    piece: tuple[sp.Expr, sp.Expr]

    def valid(self, theta: float) -> bool:
        if self.location is None:
            return math.isfinite(_number(self.value, theta))
        where = _number(self.location, theta)
        lo, hi = (float(end) for end in self.piece)
        return math.isfinite(where) and lo - 1e-12 <= where <= hi + 1e-12


def _number(expr: sp.Expr, theta: float) -> float:
    """``expr`` at θ as a float; nan when not a finite real."""
    try:
        value = complex(sp.N(expr.subs(THETA, sp.Float(theta, 30)), 30))
    except (TypeError, ValueError, ZeroDivisionError):
        return math.nan
    if abs(value.imag) > 1e-20 * max(1.0, abs(value.real)):
        return math.nan
    return value.real if math.isfinite(value.real) else math.nan


def _pieces(risk: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """Cut [lo, hi] where the formula of ``risk`` changes; (start, end, formula) per piece."""
    folded = sp.piecewise_fold(risk.rewrite(sp.Piecewise))
    cuts: set[sp.Expr] = set()
    if isinstance(folded, sp.Piecewise):
        for relation in folded.atoms(sp.Rel):
            for root in sp.solve(sp.Eq(relation.lhs, relation.rhs), ALPHA):
                if root.is_real and lo < root < hi:
                    cuts.add(root)
    ends = [lo, *sorted(cuts, key=float), hi]
    pieces = []
    for start, end in itertools.pairwise(ends):
        if start.is_infinite and end.is_infinite:
            inside = sp.Integer(0)
        elif start.is_infinite:
            inside = end - 1
        elif end.is_infinite:
            inside = start + 1
        else:
            inside = (start + end) / 2
        formula = folded
        if isinstance(folded, sp.Piecewise):
            formula = next(e for e, c in folded.args if bool(c.subs(ALPHA, inside)))
        pieces.append((start, end, formula))
    return pieces


def _candidates(risk: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> list[_Candidate]:
    found: list[_Candidate] = []
    for start, end, formula in _pieces(risk, lo, hi):
        for edge, side in ((start, "+"), (end, "-")):
            if edge.is_infinite:
                value = time_limited(
                    lambda f=formula, e=edge: sp.limit(f, ALPHA, e), DERIVATION_SECONDS
                )
                if value is None or value.has(sp.Limit, sp.AccumBounds):
                    raise _Unsupported(f"no limit of the risk at alpha -> {edge}")
                if not value.has(sp.oo, -sp.oo, sp.zoo):
                    found.append(_Candidate(None, sp.simplify(value), (start, end)))
            else:
                value = time_limited(
                    lambda f=formula, e=edge, s=side: sp.limit(f, ALPHA, e, dir=s),
                    DERIVATION_SECONDS,
                )
                if value is None:
                    raise _Unsupported(f"no limit of the risk at alpha -> {edge}{side}")
                found.append(_Candidate(edge, value, (edge, edge)))
        slope = sp.diff(formula, ALPHA)
        roots = time_limited(lambda s=slope: sp.solve(s, ALPHA), DERIVATION_SECONDS)
        if roots is None or not isinstance(roots, list):
            raise _Unsupported(f"sympy cannot solve {slope} = 0 for alpha")
        for root in roots:
            candidate = _Candidate(root, sp.simplify(formula.subs(ALPHA, root)), (start, end))
            if any(candidate.valid(theta) for theta in _SAMPLES):
                found.append(candidate)
    return found


class _Unsupported(Exception):
    """sympy cannot carry the derivation through (the numeric table takes over)."""


def _switch_points(candidates: list[_Candidate]) -> list[sp.Expr]:
    """θ in (0, 1) where a stationary point enters or leaves its piece.

    Solved exactly (also after exponentiating both sides, which sympy often handles better);
    when sympy finds nothing but the location does cross the edge on a θ-grid, the crossing is
    refined to 30 digits with a bracketing root finder and kept as a Float.
    """
    points: dict[float, sp.Expr] = {}
    grid = [k / 400 for k in range(1, 400)]
    for candidate in candidates:
        if candidate.location is None or candidate.location.is_number:
            continue
        for edge in candidate.piece:
            if edge.is_infinite:
                continue
            gap = candidate.location - edge
            roots = []
            for equation in (
                sp.Eq(candidate.location, edge),
                sp.Eq(sp.exp(candidate.location), sp.exp(edge)),
            ):
                roots = [
                    r
                    for r in time_limited(lambda e=equation: sp.solve(e, THETA), DERIVATION_SECONDS)
                    or []
                    if 0 < _number(r, 0.5) < 1
                ]
                if roots:
                    break
            if not roots:
                values = [_number(gap, x) for x in grid]
                for x0, x1, v0, v1 in zip(grid, grid[1:], values, values[1:]):
                    if math.isfinite(v0) and math.isfinite(v1) and v0 * v1 < 0:
                        fn = sp.lambdify(THETA, gap, modules="mpmath")
                        with mpmath.workdps(30):
                            root = mpmath.findroot(fn, (x0, x1), solver="anderson")
                        roots.append(sp.Float(str(root), 30))
            for root in roots:
                points[_number(root, 0.5)] = root
    return [points[key] for key in sorted(points)]


def _same(first: sp.Expr, second: sp.Expr, samples: list[float]) -> bool:
    """Identical as expressions of θ (checked at the samples first, then by simplification)."""
    if any(abs(_number(first, x) - _number(second, x)) > 1e-25 for x in samples[::8]):
        return False
    return time_limited(lambda: sp.simplify(first - second)) == 0


@dataclass(frozen=True)
class Infimum:
    """:math:`\\inf_{lo \\le \\alpha \\le hi} C_\\theta(\\alpha)` on θ in [0, 1)."""

    expr: sp.Expr | None
    proofs: tuple[Proof, ...]
    reason: str = ""


def infimum(risk: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Infimum:
    """Closed form of the infimum over α in [lo, hi] as a Piecewise in θ, with proofs."""
    try:
        candidates = _candidates(risk, lo, hi)
        switches = _switch_points(candidates)
    except _Unsupported as why:
        return Infimum(None, (), str(why))
    ends = [sp.Integer(0), *switches, sp.Integer(1)]
    branches, proofs = [], []
    for left, right in itertools.pairwise(ends):
        a, b = _number(left, 0.5), _number(right, 0.5)
        samples = [a + (b - a) * s for s in _SAMPLES]
        alive = [c for c in candidates if all(c.valid(x) for x in samples)]
        if not alive:
            return Infimum(None, (), f"no candidate minimiser on theta in [{a:.4g}, {b:.4g}]")
        totals = [sum(_number(c.value, x) for x in samples) for c in alive]
        winner = alive[int(np.argmin(totals))]
        for rival in alive:
            if rival is winner or _same(rival.value, winner.value, samples):
                continue
            proofs.append(
                prove_nonnegative(
                    rival.value - winner.value,
                    THETA,
                    (a, min(b, 1 - 1e-12)),
                    statement=f"{winner.value} <= {rival.value} on theta in [{a:.4g}, {b:.4g}]",
                )
            )
        branches.append((winner.value, right))
    pieces = [(value, end > THETA) for value, end in branches[:-1]]
    expr = sp.Piecewise(*pieces, (branches[-1][0], True)) if pieces else branches[-1][0]
    return Infimum(expr, tuple(proofs))


@dataclass(frozen=True)
class BinaryTransform:
    r"""A transform :math:`\theta \mapsto \mathcal T(\theta)` of a margin loss, with its evidence.

    ``expr`` is the closed form (None when sympy could not derive it). ``status`` is the rung
    of the derivation: the weakest of the minimality proofs (``proved symbolically`` when every
    candidate comparison was proved, or when one candidate was left), demoted to ``refuted`` if
    the closed form leaves the table's enclosure (``agreement``). ``table`` holds θ with rigorous
    lower and upper bounds of the transform from interval branch and bound.
    """

    phi: sp.Expr
    bound: sp.Expr
    expr: sp.Expr | None
    status: Status
    proofs: tuple[Proof, ...]
    theta: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    agreement: Proof | None = None
    hull: bool = False
    note: str = ""

    @cached_property
    def convex(self) -> Proof:
        """Convexity of the closed form on [0, 1] (computed on first use: it can be slow)."""
        if self.expr is None:
            return Proof("T is convex on [0, 1]", Status.INCONCLUSIVE, "no closed form")
        return _convexity(self.expr)

    @cached_property
    def _numeric(self):
        return sp.lambdify(THETA, self.expr, modules="numpy")

    @cached_property
    def at_one(self) -> float:
        """The value at θ = 1 (a limit from the left for the closed form)."""
        if self.expr is None:
            return float(self.upper[-1])
        return float(sp.N(sp.limit(self.expr, THETA, 1, dir="-"), 30))

    def __call__(self, theta: Any) -> np.ndarray:
        """Values at θ in [0, 1]: the closed form, else the table's upper values interpolated."""
        theta = np.asarray(theta, dtype=float)
        if not np.all((theta >= 0) & (theta <= 1)):
            raise ValueError("theta must lie in [0, 1] (and not be NaN)")
        if self.expr is None:
            return np.interp(theta, self.theta, self.upper)
        inside = np.where(theta < 1, theta, 0.5)
        with np.errstate(all="ignore"):
            values = np.asarray(self._numeric(inside), dtype=float) * np.ones_like(theta)
        return np.where(theta < 1, values, self.at_one)

    @property
    def calibrated(self) -> bool | None:
        """ψ(θ) > 0 for all θ in (0, 1] (BJM): True, False, or None when undecided."""
        if np.any(self.upper[1:] <= 0):
            return False
        if self.expr is not None:
            positive = prove_nonnegative(self.expr, THETA, (0, 1 - 1e-12), strict=True)
            return positive.holds
        return bool(np.all(self.lower[1:] > 0))


def _interval_minimum(functions, lo: float, hi: float) -> tuple[float, float]:
    """Rigorous [lower, upper] for the infimum of C_θ on [lo, hi] (ends may be infinite).

    The upper bound is the interval value at the best point of a float search (grid plus
    pattern refinement); the lower bound comes from branch and bound over boxes, each bounded
    below by the better of the natural and the mean-value interval extensions.
    """
    risk_float, risk_boxes, slope_boxes = functions
    finite_lo = lo if math.isfinite(lo) else min(-50.0, hi - 50.0)
    finite_hi = hi if math.isfinite(hi) else max(50.0, lo + 50.0)
    grid = np.linspace(finite_lo, finite_hi, 2001)
    values = risk_float(grid) * np.ones_like(grid)
    best = float(grid[int(np.nanargmin(values))])
    step = (finite_hi - finite_lo) / 2000
    for _ in range(60):
        trial = np.clip(np.array([best - step, best, best + step]), finite_lo, finite_hi)
        best = float(trial[int(np.nanargmin(risk_float(trial) * np.ones_like(trial)))])
        step /= 2
    try:
        upper = float(mpmath.mpf(iv.mpf(risk_boxes[0](iv.mpf(best))).b))
        iv.mpf(risk_boxes[0](iv.mpf([best, best + 1e-9])))
    except Exception:  # noqa: BLE001 - no interval extension: the table is not certified
        return -math.inf, float(risk_float(np.array([best]))[0])
    boxes, lower, evaluated = [(lo, hi)], math.inf, 0
    while boxes:
        a, b = boxes.pop()
        evaluated += 1
        bound = max(_box_lower(risk, slope, a, b) for risk, slope in zip(risk_boxes, slope_boxes))
        if bound >= upper - TABLE_TOLERANCE:
            lower = min(lower, max(bound, upper - TABLE_TOLERANCE))
            continue
        tiny = math.isfinite(a) and math.isfinite(b) and b - a < 1e-13
        far = math.isinf(a) != math.isinf(b) and abs(b if math.isinf(a) else a) > 1e8
        if evaluated > 20000 or tiny or far:
            lower = min(lower, bound)
            continue
        if not math.isfinite(a) and not math.isfinite(b):
            split = 0.0
        elif not math.isfinite(a):
            split = b - max(1.0, 2 * abs(b))
        elif not math.isfinite(b):
            split = a + max(1.0, 2 * abs(a))
        else:
            split = (a + b) / 2
        boxes += [(a, split), (split, b)]
    return min(lower, upper), upper


def _box_lower(risk_box, slope_box, a: float, b: float) -> float:
    """Lower bound of a risk on [a, b]: natural and (finite boxes) mean-value extensions."""
    box = iv.mpf([a, b])
    try:
        bound = float(mpmath.mpf(iv.mpf(risk_box(box)).a))
        if math.isfinite(a) and math.isfinite(b):
            middle = iv.mpf((a + b) / 2)
            mean_value = iv.mpf(risk_box(middle)) + iv.mpf(slope_box(box)) * (box - middle)
            bound = max(bound, float(mpmath.mpf(iv.mpf(mean_value).a)))
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return -math.inf
    return -math.inf if math.isnan(bound) else bound


def _interval_functions(expr: sp.Expr):
    """Float function, and interval functions of ``expr`` (as given and expanded) and their
    derivatives, for :func:`_interval_minimum`."""
    interval = [INTERVAL_NAMESPACE, "mpmath"]
    forms = (expr, sp.expand(expr))
    return (
        sp.lambdify(ALPHA, expr, modules="numpy"),
        [sp.lambdify(ALPHA, form, modules=interval) for form in forms],
        [sp.lambdify(ALPHA, sp.diff(form, ALPHA), modules=interval) for form in forms],
    )


def rigorous_infimum(
    expr: sp.Expr, lo: float = -math.inf, hi: float = math.inf
) -> tuple[float, float]:
    """Rigorous [lower, upper] enclosure of the infimum of ``expr`` (in :data:`ALPHA`) on [lo, hi].

    Interval branch and bound (ends may be infinite); lower is -inf when ``expr`` has no
    interval extension or the search could not bound it.
    """
    with np.errstate(all="ignore"), interval_precision(80):
        return _interval_minimum(_interval_functions(expr), lo, hi)


def transform_table(
    phi: sp.Expr | str, bound: float | sp.Expr = sp.oo, points: int = TABLE_POINTS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""θ-grid with rigorous lower/upper bounds of :math:`\mathcal T_B` (no closed form sought).

    The interval branch and bound of :func:`bounded_transform` alone: seconds where the
    symbolic derivation of a complicated loss can take minutes.
    """
    limit = math.inf if bound in (math.inf, sp.oo) else float(bound)
    return _cached_table(margin_loss(phi), limit, points)


@lru_cache(maxsize=256)
def _cached_table(phi: sp.Expr, bound: float, points: int):
    return _table(conditional_risk(phi), bound, points)


def _table(risk: sp.Expr, bound: float, points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """θ-grid with rigorous lower/upper bounds of the transform (interval branch and bound).

    θ is substituted exactly before the interval functions are built, so that sympy merges
    the two copies of φ where it can; the expanded form is bounded as well and the better bound
    kept (both are rigorous), which removes most of the interval dependency problem.
    """
    theta = np.linspace(0.0, 1.0, points)
    lower, upper = np.empty(points), np.empty(points)
    with np.errstate(all="ignore"), interval_precision(80):
        for k, th in enumerate(theta):
            functions = _interval_functions(risk.subs(THETA, sp.Rational(th)))
            wrong_lo, wrong_hi = _interval_minimum(functions, -bound, 0.0)
            best_lo, best_hi = _interval_minimum(functions, -bound, bound)
            lower[k], upper[k] = wrong_lo - best_hi, wrong_hi - best_lo
    return theta, lower, upper


def _convexity(expr: sp.Expr) -> Proof:
    """T convex on [0, 1): every branch has T'' >= 0 and the slope does not drop at a join."""
    branches = piecewise_branches(expr, THETA, (0.0, 1.0 - 1e-12)) or [(expr, (0.0, 1 - 1e-12))]
    proofs = [prove_nonnegative(sp.diff(f, THETA, 2), THETA, span) for f, span in branches]
    for (left, (_, at)), (right, _) in itertools.pairwise(branches):
        jump = sp.diff(right, THETA) - sp.diff(left, THETA)
        where = sp.nsimplify(at)
        exact = time_limited(lambda j=jump, w=where: sp.simplify(j.subs(THETA, w)))
        gap = _number(jump, at)
        name = f"slope does not drop at theta = {at:.6g}"
        if exact is not None and exact.is_nonnegative:
            proofs.append(Proof(name, Status.PROVED, "exact value of the jump", str(exact)))
        elif gap >= -1e-30:
            proofs.append(Proof(name, Status.CERTIFIED, "50-digit value", f"jump {gap:.2e}"))
        else:
            proofs.append(Proof(name, Status.REFUTED, "50-digit value", f"jump {gap:.3g}"))
    return Proof("T is convex on [0, 1]", weakest(proofs), "; ".join(str(p.status) for p in proofs))


def closed_form_values(expr: sp.Expr, theta: np.ndarray) -> np.ndarray:
    """Values of a closed form in θ at 30 digits; θ = 1 through the limit from the left."""
    fn = sp.lambdify(THETA, expr, modules="mpmath")
    values = []
    for th in theta:
        if th < 1:
            values.append(float(fn(mpmath.mpf(th))))
        else:
            values.append(float(sp.N(sp.limit(expr, THETA, 1, dir="-"), 30)))
    return np.asarray(values)


def _agreement(expr: sp.Expr, theta, lower, upper) -> Proof:
    values = closed_form_values(expr, theta)
    with np.errstate(invalid="ignore"):
        excursion = np.maximum(lower - values, values - upper)
    worst = float(np.max(np.where(np.isnan(excursion), np.inf, excursion)))
    status = Status.CERTIFIED if worst <= AGREEMENT else Status.REFUTED
    return Proof(
        "closed form inside the interval-arithmetic enclosure of the table",
        status,
        f"{len(theta)} grid points",
        f"largest excursion {max(worst, 0.0):.2e}",
    )


def bounded_transform(
    phi: sp.Expr | str, bound: float | sp.Expr = sp.oo, *, table_points: int = TABLE_POINTS
) -> BinaryTransform:
    r"""The transform :math:`\mathcal T_B` of ICML 2022 for scores bounded by B (no convex hull).

    ``bound = oo`` gives BJM's :math:`\tilde\psi`. The closed form is derived as described in
    the module docstring and must agree with the interval table; its status is the weakest of
    the minimality proofs and that agreement.
    """
    phi = margin_loss(phi)
    bound = sp.oo if bound in (math.inf, sp.oo) else sp.nsimplify(bound)
    if not bound > 0:
        raise ValueError(f"the score bound B must be positive, got {bound}")
    return _derive(phi, bound, table_points)


@lru_cache(maxsize=256)
def _derive(phi: sp.Expr, bound: sp.Expr, table_points: int) -> BinaryTransform:
    """The work of :func:`bounded_transform`, memoised: claims share transforms."""
    risk = conditional_risk(phi)
    wrong_side = infimum(risk, -bound, sp.Integer(0))
    anywhere = infimum(risk, -bound, bound)
    theta, lower, upper = _table(risk, float(bound), table_points)
    if wrong_side.expr is None or anywhere.expr is None:
        reason = wrong_side.reason or anywhere.reason
        return BinaryTransform(
            phi,
            bound,
            None,
            Status.CERTIFIED,
            (),
            theta,
            lower,
            upper,
            note=f"closed form unavailable ({reason}); interval table only",
        )
    expr = _tidy(sp.piecewise_fold(wrong_side.expr - anywhere.expr))
    proofs = (*wrong_side.proofs, *anywhere.proofs)
    agreement = _agreement(expr, theta, lower, upper)
    status = Status.REFUTED if agreement.status is Status.REFUTED else weakest(proofs)
    return BinaryTransform(phi, bound, expr, status, proofs, theta, lower, upper, agreement)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Simplify branch by branch (fractional-power bases factored first); keep the input on timeout."""
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*((_tidy(e), c) for e, c in expr.args))
    simpler = time_limited(lambda: sp.simplify(factor_power_bases(expr)))
    return expr if simpler is None else simpler


def psi_transform(phi: sp.Expr | str, *, table_points: int = TABLE_POINTS) -> BinaryTransform:
    r"""BJM's ψ: the convex closure of :math:`\tilde\psi(\theta) = H^-(\eta) - H(\eta)`.

    When :math:`\tilde\psi` is proved (or certified) convex, ψ is the closed form itself.
    Otherwise ψ is the lower convex hull of the table's lower bounds, and ``expr`` is None.
    """
    raw = bounded_transform(phi, sp.oo, table_points=table_points)
    if raw.expr is not None and raw.convex.holds:
        return raw
    return BinaryTransform(
        raw.phi,
        raw.bound,
        None,
        Status.CERTIFIED,
        raw.proofs,
        raw.theta,
        _lower_hull(raw.theta, raw.lower),
        _lower_hull(raw.theta, raw.upper),
        raw.agreement,
        hull=True,
        note=f"psi-tilde not shown convex ({raw.convex.status}): psi is the convex "
        "hull of the table over its grid",
    )


def _lower_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The greatest convex minorant of the points (x, y), evaluated at x."""
    hull: list[int] = []
    for k in range(len(x)):
        while len(hull) >= 2:
            i, j = hull[-2], hull[-1]
            if (y[j] - y[i]) * (x[k] - x[i]) >= (y[k] - y[i]) * (x[j] - x[i]):
                hull.pop()
            else:
                break
        hull.append(k)
    return np.interp(x, x[hull], y[hull])
