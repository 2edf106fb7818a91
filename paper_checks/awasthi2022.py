r"""Awasthi, Mao, Mohri, Zhong, *H-Consistency Bounds for Surrogate Loss Minimizers*, ICML 2022.

Only the abstract was read, hence ``reconstructed``. The bounded-class table is a reconstruction
of the paper's transforms [REC✓: the forms reconstructed without the paper body, then checked
against a direct minimisation]: with scores bounded by B (for linear hypotheses on the unit ball
with bias bound B, B is that bound), :math:`C_\theta(u) = \frac{1+\theta}{2}\phi(u) +
\frac{1-\theta}{2}\phi(-u)` and
:math:`\mathcal T_B(\theta) = \inf_{u \le 0, |u| \le B} C_\theta(u) - \inf_{|u| \le B}
C_\theta(u)`. Its Γ column follows [OURS] from T_B convex with T_B(0) = 0, so that T_B(θ)/θ is
non-decreasing: T_B ≥ min(θ²/2, θ θ₀/2) with θ₀ the kink, hence the max-form Γ. Each check
derives T_B with :func:`theory.binary.bounded_transform` and compares it with the table,
formula by formula and kink by kink.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from figures import binary as draw
from paper_checks.bibliography import Reference
from paper_checks.claims import (
    Claim,
    Context,
    Control,
    Method,
    Outcome,
    Provenance,
    Scope,
    proof_outcome,
)
from theory import binary
from theory.proof import Proof, Status, piecewise_branches, prove_identity, prove_nonnegative

PAPER = "awasthi2022"
A, THETA = binary.ALPHA, binary.THETA
BOUNDS = (sp.Rational(7, 10), sp.Integer(2))
"""Score bounds B tried: one below the hinge kink at 1 and one above."""
K, RHO = 2, sp.Rational(1, 2)

LINEAR = {
    "hinge": (sp.Max(0, 1 - A), lambda b: sp.Min(b, 1) * THETA),
    "sigmoid (k = 2)": (1 - sp.tanh(K * A), lambda b: sp.tanh(K * b) * THETA),
    "rho-margin (rho = 1/2)": (
        sp.Min(1, sp.Max(0, 1 - A / RHO)),
        lambda b: sp.Min(b, RHO) / RHO * THETA,
    ),
}
"""Losses whose bounded transform is linear in θ [REC✓]."""


def _logistic_tail(b):
    return (
        sp.log(2)
        - (1 + THETA) / 2 * sp.log(1 + sp.exp(-b))
        - (1 - THETA) / 2 * sp.log(1 + sp.exp(b))
    )


TWO_REGIME = {
    "exponential": (
        sp.exp(-A),
        lambda b: sp.Piecewise(
            (1 - sp.sqrt(1 - THETA**2), sp.tanh(b) > THETA),
            (1 - (1 + THETA) / 2 * sp.exp(-b) - (1 - THETA) / 2 * sp.exp(b), True),
        ),
        lambda b: sp.tanh(b),
        lambda t, b: sp.Min(t**2 / 2, t * (sp.exp(2 * b) - 1) / (2 * (sp.exp(2 * b) + 1))),
    ),
    "logistic": (
        sp.log(1 + sp.exp(-A)),
        lambda b: sp.Piecewise(
            (
                (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA),
                sp.tanh(b / 2) > THETA,
            ),
            (_logistic_tail(b), True),
        ),
        lambda b: sp.tanh(b / 2),
        lambda t, b: sp.Min(t**2 / 2, t * (sp.exp(b) - 1) / (2 * (sp.exp(b) + 1))),
    ),
    "squared hinge": (
        sp.Max(0, 1 - A) ** 2,
        lambda b: sp.Piecewise((THETA**2, b > THETA), (2 * b * THETA - b**2, True)),
        lambda b: b,
        lambda t, b: sp.Piecewise((t**2, t < b), (2 * b * t - b**2, True)),
    ),
}
"""(φ, T_B, kink position, inverse of the Γ used in the bound) for the two-regime losses [REC✓].

The table's Γ are max(√(2v), 2v (e^{2B}+1)/(e^{2B}-1)) (exponential),
max(√(2v), 2v (e^B+1)/(e^B-1)) (logistic) and √v for v ≤ B², (v + B²)/(2B) beyond (squared
hinge); each is the inverse of the increasing function listed here, so Γ(T_B(θ)) ≥ θ is
T_B(θ) ≥ Γ^{-1}(θ)."""


def _losses(table: dict, transform: int) -> dict[str, dict[str, str]]:
    """Evidence: each loss's φ and, at each bound of :data:`BOUNDS`, the table's T_B
    (``transform``: the position of T_B in the table's entries)."""
    return {
        name: {
            "phi": str(entry[0]),
            **{f"T_B, B = {b}": str(entry[transform](b)) for b in BOUNDS},
        }
        for name, entry in table.items()
    }


def _grid(table: dict) -> str:
    """The ``checked`` line: the losses and the bounds B."""
    bounds = ", ".join(str(b) for b in BOUNDS)
    return f"{len(table)} losses x B in {{{bounds}}}: {', '.join(table)}"


def _matches(name: str, derived: binary.BinaryTransform, formula: sp.Expr) -> list[Proof]:
    """Same branches (kinks equal) and the same formula on each branch."""
    proofs = [
        Proof(
            f"{name}: derivation",
            derived.status,
            "theory.binary.bounded_transform",
            f"{len(derived.proofs)} minimality comparisons",
        )
    ]
    if derived.agreement is not None:
        proofs.append(derived.agreement)
    if derived.expr is None:
        return [*proofs, Proof(f"{name}: closed form", Status.INCONCLUSIVE, "none", derived.note)]
    ours = piecewise_branches(derived.expr, THETA, (0.0, 1.0)) or [(derived.expr, (0.0, 1.0))]
    theirs = piecewise_branches(formula, THETA, (0.0, 1.0)) or [(formula, (0.0, 1.0))]
    if len(ours) != len(theirs):
        return [
            *proofs,
            Proof(
                f"{name}: number of regimes",
                Status.REFUTED,
                "branch count",
                f"derived {len(ours)}, table {len(theirs)}",
            ),
        ]
    for (mine, (lo, hi)), (table, (_lo2, hi2)) in zip(ours, theirs):
        same_kink = abs(hi - hi2) <= 1e-12 * max(1.0, abs(hi))
        proofs.append(
            Proof(
                f"{name}: regime ends at {hi2:.12g}",
                Status.CERTIFIED if same_kink else Status.REFUTED,
                "float comparison of the kinks",
                f"derived {hi:.15g}",
            )
        )
        if same_kink:
            proofs.append(
                prove_identity(
                    mine,
                    table,
                    domains={THETA: (lo, hi)},
                    statement=f"{name}: T_B == {table} on [{lo:.4g}, {hi:.4g}]",
                )
            )
    return proofs


def linear_transforms(ctx: Context, table: dict = LINEAR) -> Outcome:
    """T_B is min(B, 1)θ (hinge), tanh(kB)θ (sigmoid), min(B, ρ)θ/ρ (ρ-margin)."""
    proofs = []
    for name, (phi, formula) in table.items():
        for bound in BOUNDS:
            proofs += _matches(
                f"{name}, B = {bound}", binary.bounded_transform(phi, bound), formula(bound)
            )
    return proof_outcome(proofs, evidence={"losses": _losses(table, 1)}, checked=_grid(table))


def two_regime_transforms(ctx: Context, table: dict = TWO_REGIME) -> Outcome:
    """Exponential, logistic, squared hinge: quadratic-like up to a kink, linear after."""
    proofs, curves, kinks = [], {}, {}
    theta = np.linspace(0, 1, 201)
    for name, (phi, formula, kink, _) in table.items():
        curves[name], kinks[name] = {}, {}
        for bound in BOUNDS:
            derived = binary.bounded_transform(phi, bound)
            proofs += _matches(f"{name}, B = {bound}", derived, formula(bound))
            curves[name][f"{float(bound):g}"] = derived(theta)
            kinks[name][f"{float(bound):g}"] = float(kink(bound))
        curves[name]["inf"] = binary.psi_transform(phi)(theta)
    return proof_outcome(
        proofs,
        evidence={"losses": _losses(table, 1)},
        data={"theta": theta, "curves": curves, "kinks": kinks},
        checked=_grid(table),
    )


def gamma_max_form(ctx: Context, table: dict = TWO_REGIME) -> Outcome:
    """The Γ of the table bounds T_B^(-1) from above, i.e. T_B(θ) ≥ Γ^(-1)(θ) on [0, 1].

    T_B is the derived transform (the closed form behind ``two_regime_transforms``).
    """
    proofs = []
    for name, (phi, _, _, gamma_inverse) in table.items():
        for bound in BOUNDS:
            derived = binary.bounded_transform(phi, bound)
            if derived.expr is None:
                proofs.append(
                    Proof(
                        f"{name}, B = {bound}: closed form",
                        Status.INCONCLUSIVE,
                        "sympy found none",
                        derived.note,
                    )
                )
                continue
            proofs.append(
                prove_nonnegative(
                    derived.expr - gamma_inverse(THETA, bound),
                    THETA,
                    (0.0, 1.0 - 1e-12),
                    statement=f"{name}, B = {bound}: T_B(theta) >= Gamma^-1(theta)",
                )
            )
    inverses = {
        name: {f"Gamma^-1, B = {b}": str(entry[3](THETA, b)) for b in BOUNDS}
        for name, entry in table.items()
    }
    return proof_outcome(
        proofs,
        evidence={"losses": _losses(table, 1), "inverse_gamma": inverses},
        checked=_grid(table),
    )


def unbounded_limit(ctx: Context, linear: dict = LINEAR, two_regime: dict = TWO_REGIME) -> Outcome:
    """As B → ∞ the table's transforms become the (derived) unbounded ψ-transforms.

    Linear entries: the slope's limit in B times θ equals ψ. Two-regime entries: the first
    regime equals ψ and its end (the kink) tends to 1 or beyond, so it covers [0, 1].
    """
    excess = sp.Symbol("x", positive=True)
    big = 1 + excess  # B > 1, so min(B, 1) and min(B, rho) settle before the limit
    proofs = []
    for name, (phi, formula) in linear.items():
        psi = binary.psi_transform(phi).expr
        limit = sp.limit(formula(big) / THETA, excess, sp.oo) * THETA
        proofs.append(
            prove_identity(
                limit, psi, domains={THETA: (0, 1)}, statement=f"{name}: lim_B T_B == psi = {psi}"
            )
        )
    for name, (phi, formula, kink, _) in two_regime.items():
        psi = binary.psi_transform(phi).expr
        first = formula(big).args[0][0]
        proofs.append(
            prove_identity(
                first,
                psi,
                domains={THETA: (0, 1)},
                statement=f"{name}: the first regime of T_B == psi",
            )
        )
        end = sp.limit(kink(big), excess, sp.oo)
        proofs.append(
            Proof(
                f"{name}: the first regime ends at {kink(big)} -> {end} >= 1",
                Status.PROVED if bool(end >= 1) else Status.REFUTED,
                "sympy limit",
            )
        )
    table = linear | two_regime
    formulas = {name: {"phi": str(entry[0])} for name, entry in table.items()}
    return proof_outcome(
        proofs,
        evidence={"losses": formulas},
        checked=f"{len(table)} losses, B symbolic (B = 1 + x, x -> oo): {', '.join(table)}",
    )


def _broken(name: str, position: int, replacement) -> dict:
    """Control: the two-regime entry ``name`` with its ``position``-th part (1: T_B, 3: the
    inverse Γ) replaced, alone in the table."""
    entry = list(TWO_REGIME[name])
    entry[position] = replacement
    return {name: tuple(entry)}


CLAIMS = [
    Claim(
        f"{PAPER}.linear_transforms",
        PAPER,
        "With scores bounded by B the transform is min(B, 1) t for hinge, tanh(kB) t for the "
        "sigmoid and min(B, rho)/rho t for the rho-margin loss.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        linear_transforms,
        Reference(
            PAPER,
            "bounded-class transforms of the hinge, sigmoid and rho-margin losses (body not "
            "read; reconstructed)",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "hinge's T_B = B t (the min(B, 1) dropped)",
                {"table": {"hinge": (LINEAR["hinge"][0], lambda b: b * THETA)}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.two_regime_transforms",
        PAPER,
        "With scores bounded by B the exponential, logistic and squared-hinge transforms keep their "
        "unbounded form up to tanh B, tanh(B/2) and B respectively, and are linear after.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        two_regime_transforms,
        Reference(
            PAPER,
            "bounded-class transforms of the exponential, logistic and squared-hinge losses "
            "(body not read; reconstructed)",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "the logistic kink at tanh B instead of tanh(B/2)",
                {"table": _broken("logistic", 1, lambda b: TWO_REGIME["logistic"][1](2 * b))},
            ),
        ),
        figure=draw.bounded_transforms,
    ),
    Claim(
        f"{PAPER}.gamma_max_form",
        PAPER,
        "The bounds Gamma = max(sqrt(2t), 2t/tanh B) (exponential), max(sqrt(2t), 2t/tanh(B/2)) "
        "(logistic) and the two-piece squared-hinge Gamma dominate the inverse transforms, so the "
        "bounded-class H-consistency bounds hold with them.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        gamma_max_form,
        Reference(
            PAPER,
            "bounded-class H-consistency bounds of these losses (body not read; reconstructed)",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "an exponential Gamma 6/5 times too optimistic near 0 (Gamma^-1 = 0.6 t^2)",
                {"table": _broken("exponential", 3, lambda t, b: sp.Rational(6, 5) * t**2 / 2)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.unbounded_limit",
        PAPER,
        "As B -> infinity the bounded-class transforms reduce to the unbounded psi-transforms "
        "(previous excess-error bounds are special cases).",
        Provenance.PAPER,
        Method.SYMBOLIC,
        unbounded_limit,
        Reference(PAPER, "abstract (previous excess-error bounds recovered as special cases)"),
        Scope.INSTANCES,
        controls=(
            Control(
                "hinge's T_B halved, min(B, 1) t / 2",
                {
                    "linear": {"hinge": (LINEAR["hinge"][0], lambda b: sp.Min(b, 1) * THETA / 2)},
                    "two_regime": {},
                },
            ),
        ),
    ),
]
