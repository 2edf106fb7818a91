r"""Convexity and classification-calibration of margin losses, in loss and in derivative form.

Background: Bartlett, Jordan, McAuliffe (2006): a convex margin loss φ is
classification-calibrated (CC) iff it is differentiable at 0 with :math:`\phi'(0) < 0`; EnsLoss
(Dai, ICML 2025, ``dai2025``) asks in addition that φ be bounded below and states the three
conditions on the loss-derivative :math:`g = \phi'` ([dai2025, official code
``fig/ensLoss_CC.png``]; the exact forms below are our derivation [OURS]):

* φ convex  ⇔  g non-decreasing (no downward jump);
* CC        ⇔  g continuous at 0 with g(0) < 0;
* bounded below (for g ≤ 0)  ⇔  :math:`\int_0^\infty |g| < \infty`, which needs
  :math:`g = o(1/z)`: a 1/z tail gives :math:`\phi \sim -c\log z`.

Every property is a :class:`theory.proof.Proof` with the rung that decided it. Piecewise losses
(Max, Min, Abs, Piecewise) are cut where their formula changes; each piece is checked on its own
span and the joins are checked exactly (continuity, one-sided slopes).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from theory import binary
from theory.proof import (
    Proof,
    Status,
    piecewise_branches,
    prove_identity,
    prove_nonnegative,
    time_limited,
    weakest,
)

Z = binary.ALPHA
"""The margin symbol every loss and derivative is rewritten in."""
_LINE = (-math.inf, math.inf)


def pieces(expr: sp.Expr) -> list[tuple[sp.Expr, tuple[float, float]]]:
    """(formula, span) pieces of an expression of :data:`Z` on the whole line."""
    return piecewise_branches(expr, Z, _LINE) or [(expr, _LINE)]


def derivative(phi: sp.Expr | str) -> sp.Expr:
    """φ' piece by piece (Max, Min, Abs and Piecewise rewritten), as a Piecewise of :data:`Z`;
    at a join the formula of the piece to the right is used (the right derivative)."""
    parts = pieces(binary.margin_loss(phi))
    if len(parts) == 1:
        return sp.diff(parts[0][0], Z)
    return sp.Piecewise(
        *((sp.diff(f, Z), sp.nsimplify(hi) > Z) for f, (_, hi) in parts[:-1]),
        (sp.diff(parts[-1][0], Z), True),
    )


def _exact(x: float) -> sp.Expr:
    return sp.nsimplify(x, rational=False)


def _side_limit(expr: sp.Expr, at: float, side: str) -> sp.Expr | None:
    return time_limited(lambda: sp.limit(expr, Z, _exact(at), dir=side))


_RELATIONS = {
    "==": (lambda gap: gap.is_zero, sp.Eq),
    "<=": (lambda gap: gap.is_nonnegative, sp.Le),
    "<": (lambda gap: gap.is_positive, sp.Lt),
}
"""How :func:`_compare` decides each relation: from the sign of right - left, or, when a side
is infinite, by sympy's relational."""


def _compare(name: str, left: sp.Expr | None, right: sp.Expr | None, relation: str) -> Proof:
    """Decide ``left == right``, ``left <= right`` or ``left < right`` exactly (inconclusive if
    sympy cannot). The strict relation is what "φ'(0) < 0" and "g(0) < 0" need: a slope of
    exactly 0 is refuted."""
    if left is None or right is None:
        return Proof(name, Status.INCONCLUSIVE, "sympy could not take the one-sided limits")
    by_gap, relational = _RELATIONS[relation]
    gap = time_limited(lambda: sp.simplify(right - left))
    holds = None if gap is None else by_gap(gap)
    if gap is not None and gap.has(sp.nan):
        holds = None
    if left.is_infinite or right.is_infinite:
        holds = bool(relational(left, right))
    status = {True: Status.PROVED, False: Status.REFUTED}.get(holds, Status.INCONCLUSIVE)
    return Proof(name, status, "exact one-sided limits", f"left {left}, right {right}")


def _joins(expr: sp.Expr, name: str, *, slopes: bool) -> list[Proof]:
    """Continuity (and, with ``slopes``, non-decreasing slope) where the formula changes."""
    found = []
    for (left, (_, at)), (right, _) in itertools.pairwise(pieces(expr)):
        where = f"{Z} = {_exact(at)}"
        found.append(
            _compare(
                f"{name} continuous at {where}",
                _side_limit(left, at, "-"),
                _side_limit(right, at, "+"),
                "==",
            )
        )
        if slopes:
            found.append(
                _compare(
                    f"{name}' does not drop at {where}",
                    _side_limit(sp.diff(left, Z), at, "-"),
                    _side_limit(sp.diff(right, Z), at, "+"),
                    "<=",
                )
            )
    return found


def _sides(expr: sp.Expr, at: float) -> tuple[sp.Expr, sp.Expr]:
    """The formulas in force just left and just right of ``at``."""
    left = right = expr
    for formula, (lo, hi) in pieces(expr):
        if lo < at <= hi:
            left = formula
        if lo <= at < hi:
            right = formula
    return left, right


def regularity_at(phi: sp.Expr, at: float) -> tuple[Proof, Proof]:
    """Whether φ is continuous at ``at`` and differentiable there (equal one-sided slopes)."""
    phi = binary.margin_loss(phi)
    left, right = _sides(phi, at)
    where = f"{Z} = {_exact(at)}"
    return (
        _compare(
            f"continuous at {where}", _side_limit(left, at, "-"), _side_limit(right, at, "+"), "=="
        ),
        _compare(
            f"differentiable at {where}",
            _side_limit(sp.diff(left, Z), at, "-"),
            _side_limit(sp.diff(right, Z), at, "+"),
            "==",
        ),
    )


def convexity(phi: sp.Expr) -> Proof:
    """φ convex on the line: φ'' ≥ 0 on every piece, continuous joins, slopes not dropping."""
    phi = binary.margin_loss(phi)
    parts = [
        prove_nonnegative(sp.diff(formula, Z, 2), Z, span, statement=f"phi'' >= 0 on {span}")
        for formula, span in pieces(phi)
    ]
    parts += _joins(phi, "phi", slopes=True)
    return _conjunction("phi is convex", parts)


def non_decreasing(g: sp.Expr) -> Proof:
    """g non-decreasing on the line: g' ≥ 0 on every piece and no downward jump at a join."""
    g = binary.margin_loss(g)
    parts = [
        prove_nonnegative(sp.diff(formula, Z), Z, span, statement=f"g' >= 0 on {span}")
        for formula, span in pieces(g)
    ]
    for (left, (_, at)), (right, _) in itertools.pairwise(pieces(g)):
        parts.append(
            _compare(
                f"g does not jump down at {Z} = {_exact(at)}",
                _side_limit(left, at, "-"),
                _side_limit(right, at, "+"),
                "<=",
            )
        )
    return _conjunction("g is non-decreasing", parts)


def _conjunction(statement: str, parts: list[Proof]) -> Proof:
    status = weakest(parts)
    failing = next((p for p in parts if p.status is status and status is not Status.PROVED), None)
    detail = "; ".join(f"{p.statement}: {p.status}" for p in parts)
    rung = f"{len(parts)} parts" + (f", decided by: {failing.statement}" if failing else "")
    return Proof(statement, status, rung, detail)


def bounded_below(phi: sp.Expr) -> tuple[Proof, tuple[float, float]]:
    """Whether inf φ > -∞, with a rigorous enclosure of inf φ.

    Refuted when sympy finds a limit of -∞ at either end. Otherwise the interval branch and
    bound over the whole line gives a finite lower bound (certified) or not (inconclusive).
    """
    phi = binary.margin_loss(phi)
    ends = pieces(phi)
    limits = {
        "-oo": time_limited(lambda: sp.limit(ends[0][0], Z, -sp.oo)),
        "+oo": time_limited(lambda: sp.limit(ends[-1][0], Z, sp.oo)),
    }
    for side, value in limits.items():
        if value == -sp.oo:
            return Proof(
                "phi is bounded below", Status.REFUTED, "sympy limit", f"phi -> -oo as z -> {side}"
            ), (-math.inf, -math.inf)
    lower, upper = binary.rigorous_infimum(phi)
    detail = f"limits {limits['-oo']} (z -> -oo), {limits['+oo']} (z -> +oo)"
    if math.isfinite(lower):
        return Proof(
            "phi is bounded below",
            Status.CERTIFIED,
            "interval branch and bound over the line",
            f"{lower:.6g} <= inf phi <= {upper:.6g}; {detail}",
        ), (lower, upper)
    return Proof(
        "phi is bounded below", Status.INCONCLUSIVE, "no finite rigorous lower bound", detail
    ), (lower, upper)


@dataclass(frozen=True)
class CCReport:
    """The conditions of a margin loss, each a :class:`theory.proof.Proof`."""

    phi: sp.Expr
    convex: Proof
    differentiable_at_zero: Proof
    slope_at_zero: tuple[sp.Expr, sp.Expr]
    negative_slope: Proof
    bounded_below: Proof
    infimum: tuple[float, float]
    calibrated: Proof
    proofs: tuple[Proof, ...] = field(repr=False, default=())

    @property
    def valid_for_ensloss(self) -> bool | None:
        """Convex, calibrated and bounded below (all three decided True), or why not."""
        values = (self.convex.holds, self.calibrated.holds, self.bounded_below.holds)
        if False in values:
            return False
        return True if all(values) else None

    def as_dict(self) -> dict[str, object]:
        return {
            "phi": str(self.phi),
            "convex": self.convex.as_dict(),
            "differentiable_at_zero": self.differentiable_at_zero.as_dict(),
            "slope_at_zero": [str(v) for v in self.slope_at_zero],
            "negative_slope": self.negative_slope.as_dict(),
            "bounded_below": self.bounded_below.as_dict(),
            "infimum_enclosure": list(self.infimum),
            "calibrated": self.calibrated.as_dict(),
        }


def check_cc(
    phi: sp.Expr | str,
    margin: sp.Symbol | str | None = None,
    *,
    table_points: int = binary.TABLE_POINTS,
) -> CCReport:
    """Convexity, differentiability at 0, φ'(0) < 0, boundedness below and calibration of φ.

    Calibration: for a convex φ by BJM's theorem (CC iff differentiable at 0 with φ'(0) < 0),
    with the weakest rung of those premises; otherwise from the ψ-transform
    (:func:`theory.binary.psi_transform` on a θ-grid of ``table_points``: ψ(θ) > 0 for θ > 0).
    """
    phi = binary.margin_loss(phi, margin)
    convex = convexity(phi)
    left, right = binary.one_sided_slopes(phi)
    differentiable = _compare("phi is differentiable at 0", left, right, "==")
    negative = _compare("phi'(0) < 0 (right slope below 0)", right, sp.Integer(0), "<")
    bounded, infimum = bounded_below(phi)
    if convex.holds:
        premises = (differentiable, negative)
        if all(p.holds for p in premises):
            status = weakest((convex, *premises))
            calibrated = Proof("phi is calibrated", status, "BJM: convex, phi'(0) exists and < 0")
        elif any(p.holds is False for p in premises):
            failed = next(p for p in premises if p.holds is False)
            calibrated = Proof(
                "phi is calibrated", Status.REFUTED, "BJM (only if)", f"{failed.statement} fails"
            )
        else:
            calibrated = Proof("phi is calibrated", Status.INCONCLUSIVE, "premises undecided")
    elif bounded.holds is False:
        calibrated = Proof(
            "phi is calibrated",
            Status.INCONCLUSIVE,
            "not applicable",
            "phi is unbounded below and not shown convex: H(eta) = -oo, psi is undefined",
        )
    else:
        psi = binary.psi_transform(phi, table_points=table_points)
        holds = psi.calibrated
        status = {True: Status.CERTIFIED, False: Status.REFUTED}.get(holds, Status.INCONCLUSIVE)
        calibrated = Proof(
            "phi is calibrated", status, "psi-transform (phi not shown convex)", str(psi.expr)
        )
    proofs = (convex, differentiable, negative, bounded, calibrated)
    return CCReport(
        phi, convex, differentiable, (left, right), negative, bounded, infimum, calibrated, proofs
    )


def implied_loss(g: sp.Expr | str, margin: sp.Symbol | str | None = None) -> sp.Expr:
    r""":math:`\phi(z) = \int_0^z g(t)\,dt` (so φ(0) = 0), integrated by sympy piece by piece."""
    g = binary.margin_loss(g, margin)
    t = sp.Symbol("t", real=True)
    folded = sp.piecewise_fold(g.rewrite(sp.Piecewise)).subs(Z, t)
    return sp.simplify(sp.integrate(folded, (t, 0, Z)))


def _tail_integral(
    formula: sp.Expr, lower: sp.Expr, upper: sp.Expr, bad: sp.Expr, name: str
) -> Proof:
    """Whether ∫ formula over [lower, upper] (one end infinite) avoids the value ``bad``
    (-oo for the right tail, +oo for the left one)."""
    t = sp.Symbol("t", real=True)
    total = time_limited(lambda: sp.integrate(formula.subs(Z, t), (t, lower, upper)))
    if total is not None and not total.has(sp.Integral):
        status = Status.REFUTED if total == bad else Status.PROVED
        return Proof(name, status, "sympy integral", f"integral = {total}")
    end = upper if upper.is_infinite else lower
    product = time_limited(lambda: sp.limit(Z * formula, Z, end))
    if product is not None and product.is_extended_real and product != 0:
        # |g| ~ c/|z| or larger: the integral diverges, towards bad iff the sign points there
        toward_bad = (
            bool((product < 0) == (bad == -sp.oo))
            if upper.is_infinite
            else bool((product < 0) == (bad == sp.oo))
        )
        status = Status.REFUTED if toward_bad else Status.PROVED
        return Proof(
            name, status, "z g(z) has a nonzero limit", f"z g(z) -> {product} as z -> {end}"
        )
    for epsilon in (sp.Integer(1), sp.Rational(1, 2), sp.Rational(1, 4)):
        bound = time_limited(lambda e=epsilon: sp.limit(sp.Abs(Z) ** (1 + e) * formula, Z, end))
        if bound is not None and bound.is_finite:
            return Proof(
                name,
                Status.PROVED,
                f"comparison with |z|^-(1 + {epsilon})",
                f"|z|^(1 + {epsilon}) g(z) -> {bound}",
            )
    return Proof(name, Status.INCONCLUSIVE, "no rung decided the tail")


def implied_loss_bounded_below(g: sp.Expr) -> Proof:
    r"""Whether :math:`\phi(z) = \int_0^z g` is bounded below: :math:`\int_0^\infty g > -\infty`
    and :math:`\int_{-\infty}^0 g < \infty` (g piecewise continuous, so φ is bounded on
    compacts).

    For each tail, rungs: the integral itself (sympy); else the limit of z g(z), a nonzero value
    meaning :math:`|g| \gtrsim c/|z|` and a divergent integral (in the direction of its sign);
    else comparison of :math:`|z|^{1+\varepsilon} g(z)` with ε in {1, 1/2, 1/4}. A 1/z tail of a
    negative g is the case the EnsLoss condition excludes: φ then falls like -c log z.
    """
    g = binary.margin_loss(g)
    parts = pieces(g)
    right_formula, (right_start, _) = parts[-1]
    left_formula, (_, left_end) = parts[0]
    right = _tail_integral(
        right_formula,
        _exact(max(0.0, right_start)),
        sp.oo,
        -sp.oo,
        "integral of g over the right tail > -oo",
    )
    left = _tail_integral(
        left_formula,
        -sp.oo,
        _exact(min(0.0, left_end)),
        sp.oo,
        "integral of g over the left tail < +oo",
    )
    return _conjunction("the implied loss is bounded below", [right, left])


@dataclass(frozen=True)
class DerivativeReport:
    """The EnsLoss conditions on a loss-derivative g (see the module docstring)."""

    g: sp.Expr
    non_decreasing: Proof
    continuous_at_zero: Proof
    negative_at_zero: Proof
    bounded_below: Proof

    @property
    def proofs(self) -> tuple[Proof, ...]:
        return (
            self.non_decreasing,
            self.continuous_at_zero,
            self.negative_at_zero,
            self.bounded_below,
        )

    @property
    def valid(self) -> bool | None:
        """All conditions decided True (False if one is refuted, None if undecided)."""
        return all_of([p.holds for p in self.proofs])

    @property
    def calibrated(self) -> bool | None:
        """The derivative form of calibration: g continuous at 0 with g(0) < 0 (False if either
        is refuted, None if undecided)."""
        return all_of([self.continuous_at_zero.holds, self.negative_at_zero.holds])


def all_of(values: list[bool | None]) -> bool | None:
    """True if every value is True, False if one is False, else None."""
    if False in values:
        return False
    return True if all(values) else None


def check_derivative(g: sp.Expr | str, margin: sp.Symbol | str | None = None) -> DerivativeReport:
    """Non-decreasing, continuous at 0 with g(0) < 0, and an implied loss bounded below."""
    g = binary.margin_loss(g, margin)
    left_formula, right_formula = _sides(g, 0.0)
    left, right = _side_limit(left_formula, 0, "-"), _side_limit(right_formula, 0, "+")
    continuous = _compare("g is continuous at 0", left, right, "==")
    negative = _compare("g(0) < 0", right, sp.Integer(0), "<")
    return DerivativeReport(
        g, non_decreasing(g), continuous, negative, implied_loss_bounded_below(g)
    )


def both_forms(
    loss: CCReport, form: DerivativeReport
) -> tuple[tuple[str, bool | None, bool | None], ...]:
    """The three conditions of the module docstring, each as (equivalence, holds for φ, holds
    for g): convexity, calibration and boundedness below, read off :func:`check_cc` of φ and
    :func:`check_derivative` of g = φ'. Where g is φ' the two columns agree."""
    return (
        ("convex <=> g non-decreasing", loss.convex.holds, form.non_decreasing.holds),
        (
            "calibrated <=> g continuous at 0 and g(0) < 0",
            loss.calibrated.holds,
            form.calibrated,
        ),
        ("bounded below <=> integrable tail", loss.bounded_below.holds, form.bounded_below.holds),
    )


def mixture_transform_bound(losses: list[sp.Expr], weights: list[float | sp.Expr]) -> Proof:
    r"""0 < ψ_mix ≤ Σ w_k ψ_k for the :func:`mixture` of convex losses (ψ is then ψ̃ itself),
    certified on the θ-grid of :func:`theory.binary.transform_table` with its rigorous
    enclosures: lower(ψ_mix) ≤ Σ w_k upper(ψ_k) at every point and lower(ψ_mix) > 0 for θ > 0.
    """
    theta, lower, _ = binary.transform_table(mixture(losses, weights))
    ceiling = sum(float(w) * binary.transform_table(p)[2] for p, w in zip(losses, weights))
    excess = float(np.max(lower - ceiling))
    positive = bool(np.all(lower[1:] > 0))
    return Proof(
        f"0 < psi_mix <= sum w psi_k on {theta.size} points",
        Status.CERTIFIED if excess <= 0 and positive else Status.REFUTED,
        "interval-arithmetic enclosures of the psi-transforms",
        f"max(lower psi_mix - sum w upper psi_k) = {excess:.2e}; min lower psi_mix(theta > 0) "
        f"= {lower[1:].min():.3e}",
    )


def mixture(losses: list[sp.Expr], weights: list[float | sp.Expr]) -> sp.Expr:
    """The convex combination Σ w_k φ_k (weights positive, summing to 1)."""
    weights = [sp.nsimplify(w) for w in weights]
    if len(weights) != len(losses) or any(w <= 0 for w in weights) or sum(weights) != 1:
        raise ValueError("weights must be positive, one per loss, and sum to 1")
    return sum(w * binary.margin_loss(phi) for w, phi in zip(weights, losses, strict=True))


_SIGNS = {
    "<": ("is_negative", "is_nonnegative"),
    "<=": ("is_nonpositive", "is_positive"),
    ">": ("is_positive", "is_nonpositive"),
    ">=": ("is_nonnegative", "is_negative"),
}
"""Relation to 0 -> (the property that proves it, the property that refutes it)."""


def _sign(statement: str, expr: sp.Expr, relation: str) -> Proof:
    """Decide ``expr <relation> 0`` from sympy's assumptions on its symbols alone (as is, expanded,
    and factored over a common denominator). No sample points: a sign that holds on only part of
    a symbol's range (φ'(0) ≤ 0 includes 0) stays inconclusive."""
    holds, fails = _SIGNS[relation]
    for form in (expr, sp.expand(expr), sp.factor(sp.together(expr))):
        if getattr(form, holds) is True:
            return Proof(statement, Status.PROVED, "sympy assumptions", f"{form} {relation} 0")
        if getattr(form, fails) is True:
            return Proof(statement, Status.REFUTED, "sympy assumptions", f"{form}: wrong sign")
    return Proof(statement, Status.INCONCLUSIVE, "sympy's assumptions do not decide it", str(expr))


def convex_criterion_proof(*, strict: bool = True) -> list[Proof]:
    r"""BJM's criterion, proved for an arbitrary convex margin loss φ: φ is classification-
    calibrated iff it is differentiable at 0 with φ'(0) < 0.

    Source: Bartlett, Jordan & McAuliffe 2006, Theorem 2 (the convex case) [REC✓: stated from
    the abstract's standard result, proof re-derived]. With
    :math:`C_\eta(a) = \eta\phi(a) + (1-\eta)\phi(-a)`, :math:`H(\eta) = \inf_a C_\eta(a)` and
    :math:`H^-(\eta) = \inf_{a(2\eta-1) \le 0} C_\eta(a)`, φ is calibrated when
    :math:`H^-(\eta) > H(\eta)` for every η ≠ 1/2. :math:`C_\eta` is convex (φ(a) and φ(-a)
    with weights η, 1 - η ≥ 0). Two facts of convex functions f carry the argument: the
    *supporting-line property*, f(a) ≥ f(0) + a g for every subgradient g at 0 (g = f'(0) where
    f is differentiable), and the subdifferential at 0 being [f'(0-), f'(0+)], with 0 in it
    exactly when 0 minimises f.

    1. For φ differentiable at 0, :math:`C_\eta'(0) = (2\eta - 1)\phi'(0)` (φ a sympy Function).
    2. *If*: φ'(0) < 0 and η = 1/2 ± e (e > 0) give :math:`\pm C_\eta'(0) < 0`. Every a with
       a(2η - 1) ≤ 0 is m/(2η - 1) with m ≤ 0, so :math:`a C_\eta'(0) = m\phi'(0) \ge 0` and, by
       the supporting line, :math:`C_\eta(a) \ge C_\eta(0) + a C_\eta'(0) \ge C_\eta(0)`:
       :math:`H^-(\eta) = C_\eta(0)`. The step h = ±t (t > 0) has :math:`h C_\eta'(0) < 0`, so
       by the definition of the derivative :math:`C_\eta(h) < C_\eta(0)` for small t:
       :math:`H(\eta) < H^-(\eta)`.
    3. *Only if*, φ not differentiable at 0: its one-sided slopes are l < r (convexity). The
       difference quotient of :math:`C_\eta` splits into those of φ(a) and φ(-a), so its
       one-sided derivatives at 0 are ηl - (1 - η)r and ηr - (1 - η)l. With s = l + r and
       w = r - l > 0, η = 1/2 + w/(4(w + |s|)) lies in (1/2, 1) and puts 0 between them (cases
       s ≥ 0 and s < 0, so that no Abs remains): 0 minimises :math:`C_\eta` and satisfies
       a(2η - 1) ≤ 0, so :math:`H^-(\eta) = H(\eta)` at this η ≠ 1/2.
    4. *Only if*, φ differentiable with φ'(0) ≥ 0: at η = 1/2 + e every a > 0 (the sign of
       2η - 1) has :math:`a C_\eta'(0) \ge 0`, so :math:`C_\eta(a) \ge C_\eta(0) \ge H^-(\eta)`
       by the supporting line, and :math:`H(\eta) = H^-(\eta)`: 0 or a point of the wrong sign
       minimises.

    Each inequality is a sign statement decided by sympy's assumptions on positive, negative or
    nonpositive symbols (:func:`_sign`). ``strict=False`` (a control) assumes only φ'(0) ≤ 0 in
    step 2: the signs of :math:`C_\eta'(0)` and of the descent step are then undecided, as they
    must be (φ = a² has φ'(0) = 0 and is not calibrated).
    """
    a, eta = sp.Symbol("a", real=True), sp.Symbol("eta", real=True)
    h = sp.Symbol("h", real=True, nonzero=True)
    phi = sp.Function("phi")

    def risk(x: sp.Expr) -> sp.Expr:
        return eta * phi(x) + (1 - eta) * phi(-x)

    slope_at_zero = sp.diff(risk(a), a).subs(a, 0)
    proofs = [
        prove_identity(
            slope_at_zero,
            (2 * eta - 1) * sp.Derivative(phi(a), a).subs(a, 0),
            statement="d/da C_eta(a) at a = 0 == (2 eta - 1) phi'(0), phi differentiable at 0",
        ),
        prove_identity(
            (risk(h) - risk(0)) / h,
            eta * (phi(h) - phi(0)) / h - (1 - eta) * (phi(-h) - phi(0)) / (-h),
            statement="(C_eta(h) - C_eta(0))/h == eta (phi(h) - phi(0))/h - (1 - eta) "
            "(phi(-h) - phi(0))/(-h), so C_eta'(0+) = eta r - (1 - eta) l and "
            "C_eta'(0-) = eta l - (1 - eta) r for phi's one-sided slopes l, r at 0",
        ),
    ]

    def slope_given(value: sp.Expr, eta_value: sp.Expr) -> sp.Expr:
        """C_η'(0) with φ'(0) = ``value`` and η = ``eta_value``."""
        derivative = slope_at_zero.replace(lambda x: isinstance(x, sp.Subs), lambda x: value)
        return derivative.subs(eta, eta_value)

    e, t = sp.Symbol("e", positive=True), sp.Symbol("t", positive=True)
    m = sp.Symbol("m", nonpositive=True)
    assumed = {"negative": True} if strict else {"nonpositive": True}
    calibrating = sp.Symbol("phi'(0)", real=True, **assumed)
    below = "<" if strict else "<="
    for sign, side, opposite, step in ((1, ">", "<", "+t"), (-1, "<", ">", "-t")):
        eta_value = sp.Rational(1, 2) + sign * e
        slope = slope_given(calibrating, eta_value)
        case = f"if, phi'(0) {below} 0, eta {side} 1/2"
        proofs += [
            _sign(f"{case}: C_eta'(0) {opposite} 0", slope, opposite),
            _sign(
                f"{case}: a C_eta'(0) >= 0 for every a = m/(2 eta - 1), m <= 0, so C_eta(a) >= "
                "C_eta(0) + a C_eta'(0) >= C_eta(0) (supporting line): H^-(eta) = C_eta(0)",
                m / (2 * eta_value - 1) * slope,
                ">=",
            ),
            _sign(
                f"{case}: h C_eta'(0) < 0 at h = {step}, t > 0, so C_eta(h) < C_eta(0) for small "
                "t (definition of the derivative): H(eta) < H^-(eta)",
                sign * t * slope,
                "<",
            ),
        ]
    w = sp.Symbol("w", positive=True)
    for s in (sp.Symbol("s", nonnegative=True), sp.Symbol("s", negative=True)):
        left, right = (s - w) / 2, (s + w) / 2
        eta_value = sp.Rational(1, 2) + w / (4 * (w + (s if s.is_nonnegative else -s)))
        case = (
            f"only if, phi not differentiable at 0 (slopes l < r), l + r "
            f"{'>=' if s.is_nonnegative else '<'} 0, eta = 1/2 + (r - l)/(4(r - l + |l + r|))"
        )
        proofs += [
            _sign(f"{case}: eta > 1/2", eta_value - sp.Rational(1, 2), ">"),
            _sign(f"{case}: eta < 1", 1 - eta_value, ">"),
            _sign(
                f"{case}: C_eta'(0-) = eta l - (1 - eta) r <= 0",
                eta_value * left - (1 - eta_value) * right,
                "<=",
            ),
            _sign(
                f"{case}: C_eta'(0+) = eta r - (1 - eta) l >= 0, so 0 minimises C_eta: "
                "H^-(eta) = H(eta)",
                eta_value * right - (1 - eta_value) * left,
                ">=",
            ),
        ]
    slope = slope_given(sp.Symbol("phi'(0)", nonnegative=True), sp.Rational(1, 2) + e)
    proofs.append(
        _sign(
            "only if, phi'(0) >= 0, eta > 1/2: a C_eta'(0) >= 0 for every a = t > 0, so "
            "C_eta(a) >= C_eta(0) >= H^-(eta) (supporting line): H(eta) = H^-(eta)",
            t * slope,
            ">=",
        )
    )
    return proofs
