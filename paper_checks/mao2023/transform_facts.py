"""mao2023: the comp-sum family Φ^τ and its transform T_τ, symbolically.

Family identities, monotonicity and boundedness in τ, the behaviour of T_τ at 0 and across its
branches, the two-class case against BJM's ψ, convexity, and the closed forms and bounds of
Γ_τ = T_τ^(-1); the numeric T_τ and Γ_τ are pinned to the formulas at 30 digits.

Reconstructed [REC✓] (the paper body was not read): the loss
ℓ^τ(h, x, y) = Φ^τ(Σ_{y'≠y} e^{h(x,y') - h(x,y)}) with Φ^τ(u) = ((1+u)^(1-τ) - 1)/(1 - τ)
(τ ≠ 1), log(1 + u) (τ = 1); in the softmax S_y it is (S_y^(τ-1) - 1)/(1 - τ), -log S_y at
τ = 1. The transform, with P_τ(t) = (((1+t)^(1/(2-τ)) + (1-t)^(1/(2-τ)))/2)^(2-τ):
T_τ = 2^(1-τ)/(1-τ) (1 - P_τ) for τ in [0, 1), (1+t)/2 log(1+t) + (1-t)/2 log(1-t) at τ = 1,
(P_τ - 1)/((τ-1) n^(τ-1)) for τ in (1, 2), t/((τ-1) n^(τ-1)) for τ ≥ 2
(:func:`theory.comp_sum.transform_branch`). Our derivations [OURS]: ∂_u Φ^τ = (1+u)^(-τ), so
Φ^τ(u) = ∫_0^u (1+v)^(-τ) dv decreases in τ; T_τ(t) = c_τ t² + O(t⁴)
(:func:`theory.comp_sum.quadratic_coefficient`); Γ_0(v) = √(2v - v²) and Γ_2(v) = n v.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from paper_checks.claims import Context, Outcome, proof_outcome
from theory import binary, comp_sum
from theory.proof import Proof, Status, prove_identity, prove_limit, prove_nonnegative

TAUS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
U, S, T, TAU, N = comp_sum.U, comp_sum.S, comp_sum.T, comp_sum.TAU, comp_sum.N
Q = sp.Symbol("q", positive=True)
V = sp.Symbol("v", nonnegative=True)
ALMOST_ONE = 1 - 1e-12
"""Sign statements on [0, 1] are certified on [0, 1 - 1e-12]: several derivatives blow up at 1."""

SOFTMAX_FORMS = {
    sp.Integer(0): 1 / S - 1,
    sp.Integer(1): -sp.log(S),
    sp.Integer(2): 1 - S,
    1 + Q: (1 - S**Q) / Q,
}
"""Sum-exponential, logistic, MAE (as 1 - S_y, not 2(1 - S_y)) and GCE with q = τ - 1."""

COMP_SUM_LOSS = (
    "Phi^tau(sum_{y' != y} exp(h(x, y') - h(x, y))), Phi^tau(u) = ((1 + u)^(1 - tau) - 1)/"
    "(1 - tau) (tau != 1), log(1 + u) (tau = 1)"
)
"""The loss every τ of an evidence entry names."""


def as_set(values) -> str:
    """``{0, 0.5, 1}``: the values of a grid as a ``checked`` line lists them."""
    return "{" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values) + "}"


R = sp.Symbol("r", real=True, nonzero=True)
"""τ = 1 + r with r ≠ 0 covers every τ ≠ 1 with the general formula of Φ^τ."""


def family_identities(ctx: Context, forms: dict = SOFTMAX_FORMS) -> Outcome:
    """Φ^τ(1/s - 1) equals the softmax form; ∂_u Φ^τ = (1+u)^(-τ); Φ^τ → log(1+u) at τ = 1."""
    proofs = [
        prove_identity(
            comp_sum.outer_function(tau).subs(U, 1 / S - 1),
            form,
            statement=f"Phi^{tau}(1/s - 1) == {form}",
            domains={S: (0, 1), Q: (0, 1)},
        )
        for tau, form in forms.items()
    ]
    general = comp_sum.outer_function(1 + R)
    proofs += [
        prove_identity(
            sp.diff(general, U), (1 + U) ** (-1 - R), statement="d/du Phi^tau == (1+u)^-tau"
        ),
        prove_identity(
            sp.diff(comp_sum.outer_function(1), U), (1 + U) ** -1, statement="d/du Phi^1 == 1/(1+u)"
        ),
        prove_limit(general, R, 0, sp.log(1 + U), statement="Phi^(1+r)(u) as r -> 0"),
    ]
    return proof_outcome(proofs, evidence={"loss": COMP_SUM_LOSS})


def decreasing_in_tau(ctx: Context, family=comp_sum.outer_function) -> Outcome:
    """Φ^τ(u) = ∫_0^u (1+v)^(-τ) dv and the integrand decreases in τ, so Φ^τ(u) does too.

    ``family(tau)`` gives Φ^τ as an expression of U; the integral representation is proved for
    the general formula (τ = 1 + r) and for τ = 1, and a grid of τ in [0, 3] is checked as well.
    """
    proofs = []
    for tau, name in ((1 + R, "tau != 1"), (sp.Integer(1), "tau == 1")):
        phi = family(tau)
        proofs += [
            prove_identity(phi.subs(U, 0), 0, statement=f"Phi^tau(0) == 0 ({name})"),
            prove_identity(
                sp.diff(phi, U), (1 + U) ** (-tau), statement=f"d/du Phi^tau == (1+u)^-tau ({name})"
            ),
        ]
    slope = sp.diff((1 + V) ** (-TAU), TAU)
    sign = slope.is_nonpositive
    proofs.append(
        Proof(
            "d/dtau (1+v)^-tau <= 0 for v, tau >= 0",
            {True: Status.PROVED, False: Status.REFUTED}.get(sign, Status.INCONCLUSIVE),
            "sympy assumptions (v >= 0, tau >= 0)",
            str(slope),
        )
    )
    taus = np.round(np.arange(0.0, 3.0001, 0.05), 10)
    grid_u = (0.01, 0.1, 1.0, 10.0, 100.0)
    values = np.array([[float(family(float(tau)).subs(U, u)) for u in grid_u] for tau in taus])
    increase = float(np.diff(values, axis=0).max())
    proofs.append(
        Proof(
            "Phi^tau(u) non-increasing on a grid of tau in [0, 3] (step 0.05), u in {0.01 ... 100}",
            Status.CERTIFIED if increase <= 0 else Status.REFUTED,
            "float64 grid",
            f"largest step increase {increase:.2e}",
        )
    )
    return proof_outcome(proofs, evidence={"loss": COMP_SUM_LOSS})


def bounded_iff_tau_above_1(ctx: Context, family=comp_sum.outer_function) -> Outcome:
    """sup_u Φ^τ(u) = 1/(τ - 1) for τ > 1 and +∞ for τ ≤ 1."""
    r = sp.Symbol("r", positive=True)
    above, below = family(1 + r), family(1 - r)
    proofs = [
        prove_limit(above, U, sp.oo, 1 / r, statement="lim_u Phi^(1+r)(u) == 1/r (r > 0)"),
        prove_limit(below, U, sp.oo, sp.oo, statement="lim_u Phi^(1-r)(u) == oo (r > 0)"),
        prove_limit(family(1), U, sp.oo, sp.oo, statement="lim_u Phi^1(u) == oo"),
        prove_identity(
            sp.diff(above, U),
            (1 + U) ** (-1 - r),
            statement="Phi^(1+r) is increasing, so its sup is its limit",
        ),
    ]
    return proof_outcome(proofs, evidence={"loss": COMP_SUM_LOSS})


PIN_N = (2, 3, 10, 100, 1000)
PIN_T = np.linspace(0.0, 0.99, 34)


def numeric_pin(tau: float, n: int, expr: sp.Expr) -> Proof:
    """Two-sided pin: numeric T_τ (theory.comp_sum.transform) equals ``expr`` on PIN_T."""
    reference = comp_sum.formula_values(expr, PIN_T)
    error = np.abs(comp_sum.transform(tau, n)(PIN_T) - reference)
    worst = float(np.max(error / np.maximum(reference, np.finfo(float).tiny)))
    return Proof(
        f"numeric T_{tau} == symbolic T_{tau} (n = {n}) on {PIN_T.size} points of "
        f"[0, {PIN_T[-1]:g}]",
        Status.CERTIFIED if worst <= comp_sum.transform_accuracy(tau) else Status.REFUTED,
        "float64 against 30-digit mpmath",
        f"max relative error {worst:.1e} <= {comp_sum.transform_accuracy(tau):.1e}",
    )


CONTINUITY_AT = (sp.Rational(1, 2), sp.Rational(1, 5))
"""The t at which the branches are shown to meet as τ → 1 and τ → 2."""


def transform_sanity(
    ctx: Context,
    branches=comp_sum.transform_branch,
    taus=(0.0, 0.5, 1.0, 1.5),
    continuity_at=CONTINUITY_AT,
) -> Outcome:
    """T(0) = 0 = T'(0), T ~ c_τ t², T_0 = 1 - √(1 - t²), continuity at τ = 1 and τ → 2;
    and the numeric T_τ equals the formula for τ in every regime and n from 2 to 1000.

    ``branches(branch, tau, n, t)`` gives the four formulas (``theory.comp_sum.transform_branch``);
    ``taus`` those whose behaviour at 0 is proved, ``continuity_at`` the t of the limits in τ.
    """
    proofs = [
        numeric_pin(tau, n, branches(comp_sum.branch_of(tau), tau, n, T))
        for tau in TAUS
        for n in PIN_N
    ]
    for tau in taus:
        expr = branches(comp_sum.branch_of(tau), tau, N, T)
        proofs += [
            prove_identity(expr.subs(T, 0), 0, statement=f"T_{tau}(0) == 0"),
            prove_limit(sp.diff(expr, T), T, 0, 0, direction="+", statement=f"T_{tau}'(0+)"),
            prove_limit(
                expr / T**2,
                T,
                0,
                comp_sum.quadratic_coefficient(tau, N),
                direction="+",
                statement=f"T_{tau}(t)/t^2 as t -> 0 is c_tau",
            ),
        ]
    proofs.append(
        prove_identity(
            branches("below_logistic", 0, N, T),
            1 - sp.sqrt(1 - T**2),
            statement="T_0(t) == 1 - sqrt(1 - t^2)",
            domains={T: (0, 1)},
        )
    )
    for t0 in continuity_at:
        logistic = branches("logistic", 1, N, t0)
        below = branches("below_logistic", TAU, N, t0)
        above = branches("generalized_cross_entropy", TAU, N, t0)
        proofs += [
            prove_limit(
                below, TAU, 1, logistic, direction="-", statement=f"T_tau({t0}) as tau -> 1-"
            ),
            prove_limit(
                above, TAU, 1, logistic, direction="+", statement=f"T_tau({t0}) as tau -> 1+"
            ),
            prove_limit(
                above, TAU, 2, t0 / N, direction="-", statement=f"T_tau({t0}) as tau -> 2-"
            ),
        ]
    checked = (
        f"T(0), T'(0+) and c_tau at tau in {as_set(taus)} (n symbolic); T_0 in closed form; "
        f"the limits in tau at t in {as_set(continuity_at)}; the numeric T at tau in "
        f"{as_set(TAUS)} x n in {as_set(PIN_N)} x {PIN_T.size} t in [0, {PIN_T[-1]:g}]"
    )
    return proof_outcome(proofs, evidence={"loss": COMP_SUM_LOSS}, checked=checked)


def binary_case(
    ctx: Context, transform_of=comp_sum.transform_expr, taus=(0.0, 0.5, 1.0, 1.5)
) -> Outcome:
    r"""At n = 2, T_τ is BJM's ψ of the margin loss φ(m) = Φ^τ(e^(-m)) (no score bound).

    Compared with :math:`\tilde\psi` (before the convex closure): T_τ is convex
    (:func:`convex_increasing`), so the closure changes nothing when they agree.
    """
    proofs, rows = [], []
    for tau in taus:
        margin_loss = comp_sum.outer_function(tau).subs(U, sp.exp(-binary.ALPHA))
        psi = binary.bounded_transform(margin_loss, sp.oo)
        formula = transform_of(tau, 2).subs(T, binary.THETA)
        if psi.expr is not None:
            proofs.append(
                prove_identity(
                    psi.expr,
                    formula,
                    domains={binary.THETA: (0, 1)},
                    statement=f"psi of Phi^{tau}(e^-m) == T_{tau} at n = 2",
                )
            )
        values = binary.closed_form_values(formula, psi.theta)
        excursion = float(np.max(np.maximum(psi.lower - values, values - psi.upper)))
        proofs.append(
            Proof(
                f"T_{tau} (n = 2) inside the interval enclosure of psi",
                Status.CERTIFIED if excursion <= binary.AGREEMENT else Status.REFUTED,
                f"{psi.theta.size} grid points",
                f"largest excursion {max(excursion, 0):.2e}",
            )
        )
        rows.append({"tau": tau, "psi_derivation": str(psi.status), "psi": str(psi.expr)})
    return proof_outcome(
        proofs,
        evidence={"loss": COMP_SUM_LOSS, "derived_psi": rows},
        checked=f"tau in {as_set(taus)}, n = 2",
    )


SIGN_N = (2, 10)
"""The n at which the sign statements on T_τ are proved (T_τ depends on n only for τ > 1)."""


def convex_increasing(ctx: Context, transform_of=comp_sum.transform_expr, taus=TAUS) -> Outcome:
    """T_τ is increasing and convex on [0, 1], so Γ_τ = T_τ^(-1) is concave and increasing."""
    proofs, worst_second_difference = [], 0.0
    grid = np.linspace(0.0, 1.0, 2001)
    for tau in taus:
        for n in SIGN_N:
            expr = transform_of(tau, n)
            proofs += [
                prove_nonnegative(
                    sp.diff(expr, T), T, (0, ALMOST_ONE), statement=f"T_{tau}' >= 0 (n = {n})"
                ),
                prove_nonnegative(
                    sp.diff(expr, T, 2), T, (0, ALMOST_ONE), statement=f"T_{tau}'' >= 0 (n = {n})"
                ),
            ]
            values = sp.lambdify(T, expr, "numpy")(np.minimum(grid, ALMOST_ONE)) * np.ones_like(
                grid
            )
            worst_second_difference = min(worst_second_difference, float(np.diff(values, 2).min()))
    curves = {
        "t": grid,
        "transform": {
            (tau, n): comp_sum.transform(tau, n)(grid)
            for tau in (0.0, 0.5, 1.0, 1.5, 2.0)
            for n in (2, 10, 100)
        },
    }
    v = np.linspace(0.0, 1.0, 2001)
    curves["v"] = v
    curves["gamma"] = {key: comp_sum.gamma(*key)(v) for key in curves["transform"]}
    return proof_outcome(
        proofs,
        evidence={"loss": COMP_SUM_LOSS, "grid_min_second_difference": worst_second_difference},
        data=curves,
        checked=f"tau in {as_set(taus)} x n in {as_set(SIGN_N)}, t in [0, 1 - 1e-12]",
    )


def gamma_closed_forms(
    ctx: Context, mae_gamma=lambda v, n: n * v, floor_taus=(0.0, 0.5, 1.5)
) -> Outcome:
    """Γ_0(v) = √(2v - v²), Γ_2(v) = nv, Γ_1(v) ≤ √(2v), Γ_τ(v) ≤ √(v / min(c_τ, T_τ(1)))."""
    proofs = [
        prove_identity(
            comp_sum.transform_expr(0.0).subs(T, sp.sqrt(2 * V - V**2)),
            V,
            statement="T_0(sqrt(2v - v^2)) == v",
            domains={V: (0, 1)},
        ),
        prove_identity(
            comp_sum.transform_expr(2.0, N).subs(T, mae_gamma(V, N)),
            V,
            statement=f"T_2(Gamma_2(v)) == v with Gamma_2(v) = {mae_gamma(V, N)}",
        ),
        prove_nonnegative(
            comp_sum.transform_expr(1.0) - T**2 / 2,
            T,
            (0, ALMOST_ONE),
            statement="T_1(t) >= t^2/2, hence Gamma_1(v) <= sqrt(2v)",
        ),
    ]
    for tau in floor_taus:
        for n in SIGN_N:
            expr = comp_sum.transform_expr(tau, n)
            floor = min(
                comp_sum.quadratic_coefficient(tau, n), sp.limit(expr, T, 1, "-"), key=float
            )
            proofs.append(
                prove_nonnegative(
                    expr - floor * T**2,
                    T,
                    (0, ALMOST_ONE),
                    statement=f"T_{tau}(t) >= min(c_tau, T(1)) t^2 = {float(floor):.6g} t^2 (n = {n})",
                )
            )
    v = np.linspace(0.0, 1.0, 4001)
    round_trip, trip_taus, trip_n = 0.0, (0.5, 1.0, 1.5), 10
    for tau in trip_taus:
        forward = comp_sum.transform(tau, trip_n)
        w = v * forward.at_one
        back = forward(comp_sum.gamma(tau, trip_n)(w))
        round_trip = max(round_trip, float(np.max(np.abs(back - w))))
    bound = 64 * np.finfo(float).eps
    proofs.append(
        Proof(
            f"T(Gamma(v)) == v numerically for tau in {as_set(trip_taus)}, n = {trip_n}",
            Status.CERTIFIED if round_trip <= bound else Status.REFUTED,
            f"float64 round trip on {v.size} points",
            f"max error {round_trip:.1e} <= 64 eps = {bound:.1e}",
        )
    )
    for tau in TAUS:
        for n in PIN_N:
            v = comp_sum.formula_values(comp_sum.transform_expr(tau, n), PIN_T)
            # T convex with T(0) = 0: a relative error d of T moves its inverse by at most d t
            allowed = (comp_sum.transform_accuracy(tau) + np.finfo(float).eps) * PIN_T + 2.0**-63
            excess = float(np.max(np.abs(comp_sum.gamma(tau, n)(v) - PIN_T) - allowed))
            proofs.append(
                Proof(
                    f"Gamma_{tau}(T_{tau}(t)) == t (n = {n}), T at 30 digits",
                    Status.CERTIFIED if excess <= 0 else Status.REFUTED,
                    f"float64 on {PIN_T.size} points of [0, {PIN_T[-1]:g}]",
                    f"largest excess over (T tolerance + eps) t + 2^-63: {excess:.1e}",
                )
            )
    checked = (
        f"Gamma_0, Gamma_2 (n symbolic) and Gamma_1 for every v; the quadratic floor at tau in "
        f"{as_set(floor_taus)} x n in {as_set(SIGN_N)}; the round trip at tau in "
        f"{as_set(trip_taus)}, n = {trip_n}; Gamma(T(t)) == t at tau in {as_set(TAUS)} x n in "
        f"{as_set(PIN_N)} x {PIN_T.size} t"
    )
    return proof_outcome(proofs, evidence={"loss": COMP_SUM_LOSS}, checked=checked)


def gce_over_n(branch, tau=TAU, n=N, t=T):
    """Control of :func:`transform_sanity`: the GCE branch divided by n once more."""
    formula = comp_sum.transform_branch(branch, tau, n, t)
    return formula / n if branch == "generalized_cross_entropy" else formula
