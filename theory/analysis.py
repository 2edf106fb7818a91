r"""The theory of one loss, as reported by ``losslab analyze`` (pure math, no I/O).

**Binary margin loss** φ(z), :func:`analyze_margin_loss`. Sources and definitions:
[bartlett2006, ψ-transform; re-derived, [OURS]], [awasthi2022, bounded-score transforms;
reconstructed, [REC✓]] and [dai2025, official code; the derivative conditions [OURS]]:

* convexity, differentiability at 0, the one-sided slopes φ'(0±), boundedness below and
  classification-calibration come from :func:`theory.calibration.check_cc` (Bartlett, Jordan,
  McAuliffe 2006: a convex φ is CC iff differentiable at 0 with φ'(0) < 0; otherwise CC iff
  ψ(θ) > 0 for θ > 0);
* the Lipschitz constant :math:`L = \sup_z |\phi'(z)|` (:func:`lipschitz`);
* BJM's ψ (:func:`theory.binary.psi_transform`), its growth :math:`\psi(\theta) \approx
  c\,\theta^p` as θ → 0+ (:func:`growth`), and the excess-risk bound
  :math:`R(f) - R^* \le \Gamma(R_\phi(f) - R_\phi^*)` with Γ = ψ⁻¹ (:func:`inverse`); p = 2
  makes Γ a square root near 0, p = 1 makes it linear;
* for scores bounded by B, the ICML 2022 transform :math:`\mathcal T_B`
  (:func:`theory.binary.bounded_transform`) and its inverse;
* the EnsLoss conditions on the derivative g = φ' (:func:`theory.calibration.check_derivative`).

**Comp-sum outer function** Φ(u), :func:`analyze_comp_sum` ([mao2023, comp-sum losses and main
theorem; reconstructed, body not read], as in :mod:`theory.comp_sum`). Φ is matched against the
family
:math:`c\,\Phi^\tau` (c > 0 rescales the loss, hence :math:`\mathcal T` by c): from
:math:`(\Phi^\tau)'(u) = (1+u)^{-\tau}`, c = Φ'(0) and :math:`\tau = -\log_2(\Phi'(1)/c)`, and
the identity :math:`\Phi = c\,\Phi^\tau` must be *proved*. A member gets the transform of
:mod:`theory.comp_sum`; any other Φ gets what can be proved about it (Φ(0) = 0, monotone,
concave, bounded) and no transform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp
from sympy.calculus.singularities import singularities

from theory import binary, calibration, comp_sum
from theory.expressions import MARGIN
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
THETA = binary.THETA
V = sp.Symbol("v", nonnegative=True)
"""The surrogate excess risk, the argument of Γ."""
GAMMA_POINTS = 41
"""Points of the tabulated Γ on [0, T(1)]."""
BISECTION_STEPS = 60


def show(expr: sp.Expr | None) -> str:
    """An expression as text, with the margin written z (the user's variable) again."""
    return "none" if expr is None else str(expr.subs(Z, MARGIN))


@dataclass(frozen=True)
class Growth:
    r""":math:`\mathcal T(\theta) \approx c\,\theta^p` as θ → 0+, and the shape it gives Γ.

    ``kind`` is ``square-root`` (p = 2), ``linear`` (p = 1), ``vanishes`` (T ≡ 0 near 0) or
    ``power 1/p`` otherwise; ``method`` says whether p was found by exact limits or fitted.
    """

    exponent: float | None
    coefficient: str
    kind: str
    method: str

    def as_dict(self) -> dict[str, object]:
        return {
            "exponent": self.exponent,
            "coefficient": self.coefficient,
            "gamma_near_zero": self.kind,
            "method": self.method,
        }


def _kind(exponent: float) -> str:
    if abs(exponent - 2) < 0.1:
        return "square-root"
    if abs(exponent - 1) < 0.1:
        return "linear"
    return f"power 1/{exponent:.3g}"


def growth(transform: binary.BinaryTransform) -> Growth:
    r"""Order of :math:`\mathcal T` at 0+.

    With a closed form: the formula in force just right of 0, then the exact limits of
    :math:`\mathcal T/\theta` and :math:`\mathcal T/\theta^2` (a finite positive limit gives
    p = 1 or p = 2). With the table only: the log-log slope of the enclosure midpoints on the
    first three positive grid points, labelled ``fitted``.
    """
    if transform.expr is not None:
        branches = piecewise_branches(transform.expr, THETA, (0.0, 1.0))
        near_zero = branches[0][0] if branches else transform.expr
        if time_limited(lambda: sp.simplify(near_zero)) == 0:
            return Growth(None, "0", "vanishes", "exact: T = 0 near 0")
        for power in (1, 2):
            limit = time_limited(lambda p=power: sp.limit(near_zero / THETA**p, THETA, 0, "+"))
            if limit is not None and limit.is_positive and limit.is_finite:
                method = f"exact: lim T/theta^{power} as theta -> 0+"
                return Growth(float(power), str(limit), _kind(power), method)
    middle = (transform.lower + transform.upper) / 2
    theta, values = transform.theta[1:4], middle[1:4]
    if np.all(values <= 1e-12):
        return Growth(None, "0", "vanishes", "table: T <= 1e-12 on the first grid points")
    slope, intercept = np.polyfit(np.log(theta), np.log(np.maximum(values, 1e-300)), 1)
    return Growth(
        float(slope),
        f"{math.exp(intercept):.4g}",
        _kind(float(slope)),
        f"fitted: log-log slope on theta in [{theta[0]:g}, {theta[-1]:g}]",
    )


@dataclass(frozen=True)
class Inverse:
    r"""Γ = T⁻¹ on [0, T(1)] and Γ = 1 beyond: :math:`R(f) - R^* \le \Gamma(\text{excess
    surrogate risk})`.

    ``expr`` is a closed form in :data:`V` (None if sympy found none), checked by ``proof``
    (Γ(T(θ)) = θ); ``v`` and ``values`` tabulate Γ, by ``method``.
    """

    expr: sp.Expr | None
    proof: Proof | None
    v: tuple[float, ...]
    values: tuple[float, ...]
    method: str

    def as_dict(self) -> dict[str, object]:
        return {
            "expr": None if self.expr is None else str(self.expr),
            "proof": None if self.proof is None else self.proof.as_dict(),
            "v": list(self.v),
            "values": list(self.values),
            "method": self.method,
        }


def inverse(transform: binary.BinaryTransform) -> Inverse | None:
    r"""Γ = T⁻¹ of a non-decreasing transform; None when T vanishes (no bound).

    Closed form: ``solve(T(θ) = v, θ)`` (time-limited), keeping the root that inverts T at
    sample points, then the identity Γ(T(θ)) = θ on (0, 1) by
    :func:`theory.proof.prove_identity`. The table of Γ is a bisection on the closed form, or,
    without one, the linear interpolation of (upper bound of T, θ) over the θ-grid: an
    estimate, not a certified bound.
    """
    top = transform.at_one
    if not top > 1e-12:
        return None
    v = np.linspace(0.0, top, GAMMA_POINTS)
    if transform.expr is None:
        rising = np.maximum.accumulate(transform.upper)
        values = np.interp(v, rising, transform.theta)
        method = "interpolation of the interval table (estimate)"
        return Inverse(None, None, tuple(v), tuple(values), method)
    low, high = np.zeros_like(v), np.ones_like(v)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        below = transform(middle) <= v
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    expr, proof = _closed_inverse(transform.expr)
    method = "bisection on the closed form of T"
    return Inverse(expr, proof, tuple(v), tuple(high), method)


def _closed_inverse(expr: sp.Expr) -> tuple[sp.Expr | None, Proof | None]:
    if isinstance(expr, sp.Piecewise):
        return None, None
    roots = time_limited(lambda: sp.solve(sp.Eq(expr, V), THETA)) or []
    for root in roots:
        ok = True
        for theta in (0.2, 0.5, 0.8):
            value = sp.N(expr.subs(THETA, sp.Rational(theta)), 30)
            back = sp.N(root.subs(V, value), 30)
            ok = ok and back.is_real is True and abs(float(back) - theta) < 1e-20
        if ok:
            root = time_limited(lambda r=root: sp.simplify(r)) or root
            proof = prove_identity(
                root.subs(V, expr),
                THETA,
                statement=f"Gamma(T(theta)) = theta with Gamma(v) = {root}",
                domains={THETA: (0, 1)},
            )
            return root, proof
    return None, None


@dataclass(frozen=True)
class Lipschitz:
    r""":math:`L = \sup_z |\phi'(z)|`: ``constant`` exact (None when infinite or only
    enclosed), ``enclosure`` rigorous [low, high] (both inf when φ is not Lipschitz)."""

    proof: Proof
    constant: sp.Expr | None
    enclosure: tuple[float, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "proof": self.proof.as_dict(),
            "constant": None if self.constant is None else str(self.constant),
            "enclosure": list(self.enclosure),
        }


def lipschitz(phi: sp.Expr) -> Lipschitz:
    r"""Whether φ is Lipschitz on the line, and :math:`\sup|\phi'|`.

    On each piece of φ (:func:`theory.calibration.pieces`) the extremes of φ' lie at the
    piece's ends (one-sided limits, ±∞ included) or at stationary points (``solveset`` of
    φ'' = 0 on the open piece). An infinite limit refutes; otherwise L is the largest
    candidate, and :math:`L \mp \phi' \ge 0` is proved on every piece with
    :func:`theory.proof.prove_nonnegative`. When sympy cannot list the candidates, interval
    branch and bound encloses :math:`\sup|\phi'|` (certified numerically).
    """
    phi = binary.margin_loss(phi)
    statement = "phi is Lipschitz (sup |phi'| finite)"
    parts = calibration.pieces(phi)
    candidates: list[sp.Expr] | None = []
    for formula, (lo, hi) in parts:
        slope = sp.diff(formula, Z)
        for end, side in ((lo, "+"), (hi, "-")):
            point = sp.oo if end == math.inf else -sp.oo if end == -math.inf else _exact(end)
            value = time_limited(lambda s=slope, p=point, d=side: sp.limit(s, Z, p, dir=d))
            if value is None or value.has(sp.Limit, sp.AccumBounds, sp.nan):
                candidates = None
                break
            if value.is_infinite:
                detail = f"phi' -> {value} as z -> {point}"
                return Lipschitz(
                    Proof(statement, Status.REFUTED, "sympy limit", detail),
                    None,
                    (math.inf, math.inf),
                )
            candidates.append(value)
        if candidates is None:
            break
        curvature = sp.diff(slope, Z)
        if time_limited(lambda c=curvature: sp.simplify(c)) == 0:
            continue
        span = sp.Interval.open(
            -sp.oo if lo == -math.inf else _exact(lo), sp.oo if hi == math.inf else _exact(hi)
        )
        roots = time_limited(lambda c=curvature, s=span: sp.solveset(c, Z, s))
        if roots is sp.S.EmptySet:
            continue
        if not isinstance(roots, sp.FiniteSet):
            candidates = None
            break
        candidates += [slope.subs(Z, root) for root in roots]
    if candidates:
        best = max(candidates, key=lambda c: abs(float(sp.N(c, 30))))
        constant = sp.simplify(sp.Abs(best))
        proofs = [
            prove_nonnegative(constant + sign * sp.diff(formula, Z), Z, span)
            for formula, span in parts
            for sign in (-1, 1)
        ]
        status = weakest(proofs)
        if status in (Status.PROVED, Status.CERTIFIED):
            value = float(sp.N(constant, 30))
            return Lipschitz(
                Proof(
                    statement,
                    status,
                    "extremes of phi' at piece ends and stationary points; |phi'| <= L proved",
                    f"L = {constant}",
                ),
                constant,
                (value, value),
            )
    low, high = 0.0, 0.0
    for formula, (lo, hi) in parts:
        lower, upper = binary.rigorous_infimum(-sp.Abs(sp.diff(formula, Z)), lo, hi)
        low, high = max(low, -upper), max(high, -lower)
    if math.isfinite(high):
        return Lipschitz(
            Proof(
                statement,
                Status.CERTIFIED,
                "interval branch and bound of sup |phi'|",
                f"{low:.6g} <= L <= {high:.6g}",
            ),
            None,
            (low, high),
        )
    return Lipschitz(
        Proof(statement, Status.INCONCLUSIVE, "no finite rigorous bound on |phi'|"),
        None,
        (low, high),
    )


def _exact(x: float) -> sp.Expr:
    return sp.nsimplify(x, rational=False)


def derivative(phi: sp.Expr) -> sp.Expr:
    """φ' as a Piecewise over the pieces of φ (no Heaviside), for the EnsLoss conditions."""
    phi = binary.margin_loss(phi)
    parts = calibration.pieces(phi)
    if len(parts) == 1:
        return sp.diff(phi, Z)
    branches = [(sp.diff(f, Z), sp.Lt(Z, _exact(hi))) for f, (_, hi) in parts[:-1]]
    return sp.Piecewise(*branches, (sp.diff(parts[-1][0], Z), True))


@dataclass(frozen=True)
class MarginAnalysis:
    """Everything :func:`analyze_margin_loss` establishes about a margin loss φ(z).

    ``psi`` and its ``growth``/``gamma`` are None when φ is unbounded below (ψ is undefined);
    ``bounded``/``bounded_gamma`` are None without a score bound; ``gamma`` is None when ψ
    vanishes (no bound); ``derivative`` is None when φ' is constant (φ affine: the EnsLoss
    conditions need a derivative in z).
    """

    phi: sp.Expr
    cc: calibration.CCReport
    verdict: str
    lipschitz: Lipschitz
    psi: binary.BinaryTransform | None
    growth: Growth | None
    gamma: Inverse | None
    derivative: calibration.DerivativeReport | None
    bound: float | None = None
    bounded: binary.BinaryTransform | None = None
    bounded_gamma: Inverse | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        cc = self.cc
        return {
            "kind": "binary margin loss",
            "phi": show(self.phi),
            "convex": cc.convex.as_dict(),
            "differentiable_at_zero": cc.differentiable_at_zero.as_dict(),
            "slope_at_zero": {
                "left": show(cc.slope_at_zero[0]),
                "right": show(cc.slope_at_zero[1]),
            },
            "negative_slope_at_zero": cc.negative_slope.as_dict(),
            "calibrated": cc.calibrated.as_dict(),
            "verdict": self.verdict,
            "bounded_below": cc.bounded_below.as_dict(),
            "infimum_enclosure": list(cc.infimum),
            "lipschitz": self.lipschitz.as_dict(),
            "psi": _transform_dict(self.psi),
            "psi_growth": None if self.growth is None else self.growth.as_dict(),
            "gamma": None if self.gamma is None else self.gamma.as_dict(),
            "bound": self.bound,
            "bounded_transform": _transform_dict(self.bounded),
            "bounded_gamma": None if self.bounded_gamma is None else self.bounded_gamma.as_dict(),
            "ensloss_derivative": None
            if self.derivative is None
            else {
                "g": show(self.derivative.g),
                "valid": self.derivative.valid,
                **{
                    key: proof.as_dict()
                    for key, proof in zip(
                        (
                            "non_decreasing",
                            "continuous_at_zero",
                            "negative_at_zero",
                            "bounded_below",
                        ),
                        self.derivative.proofs,
                    )
                },
            },
            "notes": list(self.notes),
        }


def _transform_dict(transform: binary.BinaryTransform | None) -> dict[str, object] | None:
    if transform is None:
        return None
    return {
        "expr": None if transform.expr is None else str(transform.expr),
        "status": str(transform.status),
        "convex_hull_of_table": transform.hull,
        "agreement": None if transform.agreement is None else transform.agreement.as_dict(),
        "theta": transform.theta.tolist(),
        "lower": transform.lower.tolist(),
        "upper": transform.upper.tolist(),
        "note": transform.note,
    }


def verdict(cc: calibration.CCReport, psi: binary.BinaryTransform | None) -> str:
    """One sentence: calibrated or not, and why (the premise that decided)."""
    left, right = (show(s) for s in cc.slope_at_zero)
    holds = cc.calibrated.holds
    if cc.bounded_below.holds is False:
        return (
            "calibration undefined: phi is unbounded below, so H(eta) = -oo "
            f"(BJM assume a loss bounded below; phi'(0-) = {left}, phi'(0+) = {right})"
        )
    if cc.convex.holds:
        if holds:
            return (
                f"calibrated: convex and differentiable at 0 with phi'(0) = {right} < 0 "
                "(Bartlett-Jordan-McAuliffe)"
            )
        if cc.differentiable_at_zero.holds is False:
            return (
                "not calibrated: phi is convex but not differentiable at 0 "
                f"(phi'(0-) = {left}, phi'(0+) = {right})"
            )
        if cc.negative_slope.holds is False:
            return f"not calibrated: phi'(0) = {right}, not < 0 (phi convex)"
    formula = "table" if psi is None or psi.expr is None else f"psi = {psi.expr}"
    if holds:
        return f"calibrated: psi(theta) > 0 for theta > 0 ({formula}; phi not convex)"
    if holds is False:
        return f"not calibrated: psi(theta) = 0 for some theta > 0 ({formula})"
    return f"undecided: {cc.calibrated.rung}" + (
        f" ({cc.calibrated.detail})" if cc.calibrated.detail else ""
    )


def analyze_margin_loss(
    phi: sp.Expr,
    bound: float | None = None,
    *,
    table_points: int = binary.TABLE_POINTS,
) -> MarginAnalysis:
    """The theory of a binary margin loss φ (one free symbol, the margin); see the module
    docstring. ``bound`` is the score bound B of the bounded class (None: unbounded only);
    ``table_points`` is the θ-grid of the certified tables."""
    if bound is not None and not (math.isfinite(bound) and bound > 0):
        raise ValueError(f"the score bound B must be a positive finite number, got {bound}")
    original = phi
    phi = binary.margin_loss(phi)
    _require_defined(phi, Z, np.linspace(-20.0, 20.0, 81), "a margin loss")
    cc = calibration.check_cc(phi, table_points=table_points)
    notes = []
    psi = growth_ = gamma = None
    if cc.bounded_below.holds is False:
        notes.append("phi is unbounded below: H(eta) = -oo, psi undefined")
    else:
        psi = binary.psi_transform(phi, table_points=table_points)
        growth_ = growth(psi)
        gamma = inverse(psi)
        if gamma is None:
            notes.append("psi vanishes: no excess-risk bound Gamma")
    slope = derivative(phi)
    if not slope.has(Z):
        notes.append(f"phi' = {slope} is constant: no EnsLoss derivative conditions")
    bounded = bounded_gamma = None
    if bound is not None:
        bounded = binary.bounded_transform(phi, bound, table_points=table_points)
        bounded_gamma = inverse(bounded)
    return MarginAnalysis(
        phi=original,
        cc=cc,
        verdict=verdict(cc, psi),
        lipschitz=lipschitz(phi),
        psi=psi,
        growth=growth_,
        gamma=gamma,
        derivative=calibration.check_derivative(slope) if slope.has(Z) else None,
        bound=bound,
        bounded=bounded,
        bounded_gamma=bounded_gamma,
        notes=tuple(notes),
    )


U = comp_sum.U
T = comp_sum.T
NOT_A_MEMBER = "not a member of the comp-sum family: no transform derived"


@dataclass(frozen=True)
class CompSumAnalysis:
    r"""Everything :func:`analyze_comp_sum` establishes about an outer function Φ(u), u ≥ 0.

    ``member`` decides :math:`\Phi = c\,\Phi^\tau`; for a member, ``tau``, ``scale`` (c),
    ``name``, ``transform`` (:math:`c\,\mathcal T_\tau(t)`, n symbolic), ``growth`` and
    ``gamma`` (tabulated for ``n_classes``) are set, else they are None and ``note`` says why.
    ``margin_loss`` is the n = 2 reduction φ(z) = Φ(e^{-z}).
    """

    outer: sp.Expr
    zero_at_zero: Proof
    non_decreasing: Proof
    concave: Proof
    bounded: Proof
    member: Proof
    tau: sp.Expr | None
    scale: sp.Expr | None
    name: str
    n_classes: int
    transform: sp.Expr | None
    growth: Growth | None
    gamma: Inverse | None
    margin_loss: sp.Expr
    note: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "comp-sum outer function",
            "outer": str(self.outer),
            "zero_at_zero": self.zero_at_zero.as_dict(),
            "non_decreasing": self.non_decreasing.as_dict(),
            "concave": self.concave.as_dict(),
            "bounded": self.bounded.as_dict(),
            "member": self.member.as_dict(),
            "tau": None if self.tau is None else str(self.tau),
            "scale": None if self.scale is None else str(self.scale),
            "name": self.name,
            "n_classes": self.n_classes,
            "transform": None if self.transform is None else str(self.transform),
            "growth": None if self.growth is None else self.growth.as_dict(),
            "gamma": None if self.gamma is None else self.gamma.as_dict(),
            "margin_loss_n2": str(self.margin_loss),
            "note": self.note,
        }


def _family_candidate(outer: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, τ) read off Φ'(0) and Φ'(1), or None when they are not a positive c and τ ≥ 0."""
    slope = sp.diff(outer, U)
    scale = time_limited(lambda: sp.simplify(slope.subs(U, 0)))
    if scale is None or not (scale.is_number and scale.is_positive and scale.is_finite):
        return None
    tau = time_limited(lambda: sp.simplify(-sp.log(slope.subs(U, 1) / scale) / sp.log(2)))
    if tau is None or not (tau.is_number and tau.is_real and tau.is_nonnegative):
        return None
    rational = sp.nsimplify(tau, rational=True, tolerance=1e-12)
    return scale, rational if abs(float(rational - tau)) < 1e-12 else tau


def analyze_comp_sum(outer: sp.Expr, n_classes: int = 2) -> CompSumAnalysis:
    """The theory of a comp-sum outer function Φ of :data:`U`; see the module docstring."""
    if not (isinstance(n_classes, int) and n_classes >= 2):
        raise ValueError(f"the number of classes must be an integer >= 2, got {n_classes}")
    if outer.free_symbols - {U}:
        raise ValueError(f"an outer function depends on u alone; {outer} has other symbols")
    _require_defined(outer, U, np.linspace(0.0, 40.0, 81), "an outer function of u >= 0")
    domain = (0.0, math.inf)
    value = time_limited(lambda: sp.simplify(outer.subs(U, 0)))
    zero = Proof(
        "Phi(0) = 0",
        Status.INCONCLUSIVE if value is None else Status.PROVED if value == 0 else Status.REFUTED,
        "exact value",
        f"Phi(0) = {value}",
    )
    rising = prove_nonnegative(
        sp.diff(outer, U), U, domain, statement="Phi is non-decreasing on u >= 0"
    )
    concave = prove_nonnegative(
        -sp.diff(outer, U, 2), U, domain, statement="Phi is concave on u >= 0"
    )
    bounded = _bounded_above(outer)
    margin = outer.subs(U, sp.exp(-MARGIN))
    candidate = _family_candidate(outer)
    member = Proof("Phi = c Phi^tau", Status.REFUTED, "Phi'(0) > 0 and tau >= 0 required")
    if candidate is not None:
        scale, tau = candidate
        member = prove_identity(
            outer,
            scale * comp_sum.outer_function(tau),
            statement=f"Phi = c Phi^tau with c = {scale}, tau = {tau}",
            domains={U: (0, sp.oo)},
        )
    if not member.holds:
        note = NOT_A_MEMBER if member.holds is False else "membership undecided: no transform"
        return CompSumAnalysis(
            outer, zero, rising, concave, bounded, member, None, None, "", n_classes,
            None, None, None, margin, note,
        )  # fmt: skip
    tau_value = float(tau)
    branch = comp_sum.branch_of(tau_value)
    transform = scale * comp_sum.transform_branch(branch, tau)
    if tau_value < 2:
        coefficient = scale * comp_sum.quadratic_coefficient(tau_value)
        growth_ = Growth(2.0, str(coefficient), "square-root", "series coefficient c_tau of T_tau")
    else:
        coefficient = transform / T
        growth_ = Growth(1.0, str(sp.simplify(coefficient)), "linear", "T_tau is linear in t")
    return CompSumAnalysis(
        outer, zero, rising, concave, bounded, member, tau, scale,
        comp_sum.family_name(tau_value), n_classes, transform, growth_,
        _comp_sum_gamma(scale, tau_value, n_classes), margin,
        "the transform is reconstructed [mao2023, main theorem] [REC✓]; n is the number of classes",
    )  # fmt: skip


def _require_defined(expr: sp.Expr, variable: sp.Symbol, points: np.ndarray, what: str) -> None:
    """ValueError unless ``expr`` is a finite real number at every point (30 digits) and sympy
    finds no singularity on the domain the points span."""
    shown = show(variable) if variable is Z else str(variable)
    domain = sp.Interval(_exact(points[0]), sp.oo) if points[0] >= 0 else sp.S.Reals
    poles = time_limited(lambda: singularities(expr, variable, domain))
    if isinstance(poles, sp.FiniteSet) and poles:
        where = ", ".join(str(p) for p in sorted(poles, key=float)[:3])
        raise ValueError(f"{what} must be defined everywhere; {show(expr)} is singular at {where}")
    fn = sp.lambdify(variable, expr, modules="mpmath")
    for x in points:
        try:
            with mpmath.workdps(30):
                value = fn(mpmath.mpf(float(x)))
            defined = not isinstance(value, mpmath.mpc) and mpmath.isfinite(value)
        except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
            defined = False
        if not defined:
            raise ValueError(
                f"{what} must be a finite real number everywhere; {show(expr)} is not at "
                f"{shown} = {float(x):g}"
            )


def _bounded_above(outer: sp.Expr) -> Proof:
    statement = "Phi is bounded above on u >= 0"
    limit = time_limited(lambda: sp.limit(outer, U, sp.oo))
    if limit is None or limit.has(sp.Limit, sp.AccumBounds, sp.nan):
        return Proof(statement, Status.INCONCLUSIVE, "sympy could not take the limit")
    if limit is sp.oo:
        return Proof(statement, Status.REFUTED, "sympy limit", "Phi -> oo as u -> oo")
    return Proof(statement, Status.PROVED, "sympy limit", f"Phi -> {limit} as u -> oo")


def _comp_sum_gamma(scale: sp.Expr, tau: float, n_classes: int) -> Inverse:
    r"""Γ(v) = Γ_τ(v/c) for n classes (:class:`theory.comp_sum.InverseTransform`), with the
    closed forms :math:`\sqrt{2w - w^2}` (τ = 0) and :math:`(\tau-1) n^{\tau-1} w` (τ ≥ 2),
    w = v/c, on [0, c T_τ(1)]."""
    c = float(scale)
    top = c * comp_sum.transform(tau, n_classes).at_one
    v = np.linspace(0.0, top, GAMMA_POINTS)
    values = comp_sum.gamma(tau, n_classes)(v / c)
    w = V / scale
    expr = None
    if tau == 0:
        expr = sp.sqrt(2 * w - w**2)
    elif tau >= 2:
        exact = sp.nsimplify(tau)
        expr = (exact - 1) * n_classes ** (exact - 1) * w
    method = "theory.comp_sum.gamma (closed form or bisection)"
    return Inverse(expr, None, tuple(v), tuple(float(x) for x in values), method)
