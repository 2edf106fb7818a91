"""Bartlett, Jordan, McAuliffe, *Convexity, Classification, and Risk Bounds*, JASA 2006.

Only the abstract was consulted; the ψ table is the re-derivation of
``shared/research/h_consistency.md`` §6.1-6.2 ([OURS] of the standard statements), hence
``reconstructed``. ψ is derived by :func:`theory.binary.psi_transform` (closed form with
minimality proofs, cross-checked by interval branch and bound) and compared with the table.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from figures import binary as draw
from paper_checks.claims import (
    Claim,
    Context,
    Control,
    Method,
    Outcome,
    Provenance,
    proof_outcome,
)
from theory import binary
from theory.proof import Proof, Status, prove_identity

PAPER = "bartlett2006"
NOTE = "h_consistency.md"
A, THETA = binary.ALPHA, binary.THETA

PSI_TABLE = {
    "hinge": (sp.Max(0, 1 - A), THETA),
    "exponential": (sp.exp(-A), 1 - sp.sqrt(1 - THETA**2)),
    "logistic": (
        sp.log(1 + sp.exp(-A)),
        (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA),
    ),
    "logistic, margin 2a": (
        sp.log(1 + sp.exp(-2 * A)),
        (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA),
    ),
    "logistic (log2)": (
        sp.log(1 + sp.exp(-A)) / sp.log(2),
        ((1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA)) / sp.log(2),
    ),
    "squared hinge": (sp.Max(0, 1 - A) ** 2, THETA**2),
    "least squares": ((1 - A) ** 2, THETA**2),
    "sigmoid (k = 2)": (1 - sp.tanh(2 * A), THETA),
    "rho-margin (rho = 1/2)": (sp.Min(1, sp.Max(0, 1 - 2 * A)), THETA),
}
"""§6.2: margin loss φ(α) and its ψ(θ), θ in [0, 1]."""

NOT_CALIBRATED = {"a^2": A**2, "perceptron": sp.Max(0, -A)}
"""Negative controls of §6.2/V11: ψ ≡ 0."""

CONVEX = {
    **{
        name: phi for name, (phi, _) in PSI_TABLE.items() if not name.startswith(("sigmoid", "rho"))
    },
    **NOT_CALIBRATED,
    "exp(a) (wrong direction)": sp.exp(A),
}
"""Convex losses for the criterion 'calibrated iff differentiable at 0 with φ'(0) < 0'."""


def _compare(name: str, psi: binary.BinaryTransform, expected: sp.Expr) -> list[Proof]:
    proofs = [
        Proof(
            f"{name}: derivation of psi",
            psi.status,
            "theory.binary.psi_transform",
            f"{len(psi.proofs)} minimality comparisons",
        )
    ]
    if psi.agreement is not None:
        proofs.append(psi.agreement)
    if psi.expr is None:
        proofs.append(
            Proof(f"{name}: closed form", Status.INCONCLUSIVE, "sympy found none", psi.note)
        )
    else:
        proofs.append(
            prove_identity(
                psi.expr, expected, domains={THETA: (0, 1)}, statement=f"{name}: psi == {expected}"
            )
        )
    return proofs


def psi_table(ctx: Context, table: dict = PSI_TABLE) -> Outcome:
    """V11: the derived ψ of each loss equals the table of §6.2."""
    proofs, figure_rows = [], {}
    grid = np.linspace(0, 1, 201)
    for name, (phi, expected) in table.items():
        psi = binary.psi_transform(phi)
        proofs += _compare(name, psi, expected)
        figure_rows[name] = {
            "theta": psi.theta,
            "lower": psi.lower,
            "upper": psi.upper,
            "grid": grid,
            "values": psi(grid),
        }
    return proof_outcome(proofs, data={"psi": figure_rows})


def not_calibrated_controls(ctx: Context, losses: dict = NOT_CALIBRATED) -> Outcome:
    """V11 controls: a² and the perceptron have ψ ≡ 0, so they are not calibrated."""
    proofs = []
    for name, phi in losses.items():
        psi = binary.psi_transform(phi)
        proofs += _compare(name, psi, sp.Integer(0))
        calibrated = psi.calibrated
        proofs.append(
            Proof(
                f"{name}: not calibrated (psi(theta) > 0 fails)",
                Status.PROVED if calibrated is False else Status.REFUTED,
                "psi is identically 0" if calibrated is False else "psi > 0 somewhere",
            )
        )
    return proof_outcome(proofs)


def derivative_criterion(phi: sp.Expr) -> bool:
    """BJM Theorem for convex φ: differentiable at 0 and φ'(0) < 0."""
    left, right = binary.one_sided_slopes(phi)
    return bool(left == right and left < 0)


def non_strict_criterion(phi: sp.Expr) -> bool:
    """Control: the criterion weakened to φ'(0) <= 0, which wrongly accepts a² (φ'(0) = 0)."""
    left, right = binary.one_sided_slopes(phi)
    return bool(left == right and left <= 0)


def convex_calibration_criterion(
    ctx: Context, criterion=derivative_criterion, losses: dict = CONVEX
) -> Outcome:
    """V11: for convex φ, 'differentiable at 0 with φ'(0) < 0' agrees with ψ(θ) > 0 for θ > 0."""
    rows, proofs = [], []
    for name, phi in losses.items():
        by_criterion, by_psi = criterion(phi), binary.psi_transform(phi).calibrated
        rows.append({"loss": name, "criterion": by_criterion, "psi_positive": by_psi})
        status = (
            Status.INCONCLUSIVE
            if by_psi is None
            else Status.PROVED
            if by_criterion == by_psi
            else Status.REFUTED
        )
        proofs.append(
            Proof(
                f"{name}: criterion {by_criterion}, psi > 0 {by_psi}",
                status,
                "derivative limits and the derived psi",
            )
        )
    return proof_outcome(proofs, evidence={"rows": rows})


CLAIMS = [
    Claim(
        f"{PAPER}.psi_table",
        PAPER,
        "The psi-transform is theta for hinge, sigmoid and rho-margin, 1 - sqrt(1 - theta^2) for "
        "exponential, the binary-entropy form for logistic, and theta^2 for squared hinge and "
        "least squares.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        psi_table,
        f"{NOTE} §6.2, V11 (re-derived)",
        controls=(
            Control(
                "hinge given psi = theta/2", {"table": {"hinge": (sp.Max(0, 1 - A), THETA / 2)}}
            ),
        ),
        figure=draw.psi_table,
    ),
    Claim(
        f"{PAPER}.not_calibrated_controls",
        PAPER,
        "phi(a) = a^2 and the perceptron max(0, -a) have psi = 0: they are not classification-"
        "calibrated.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        not_calibrated_controls,
        f"{NOTE} §6.2, V11",
        controls=(
            Control("the hinge loss in place of a^2", {"losses": {"hinge": sp.Max(0, 1 - A)}}),
        ),
    ),
    Claim(
        f"{PAPER}.convex_calibration_criterion",
        PAPER,
        "A convex margin loss is classification-calibrated iff it is differentiable at 0 with "
        "phi'(0) < 0.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        convex_calibration_criterion,
        f"{NOTE} §6.1 (BJM theorem), V11",
        controls=(
            Control(
                "the criterion weakened to phi'(0) <= 0, on a^2 (phi'(0) = 0) and the hinge",
                {
                    "criterion": non_strict_criterion,
                    "losses": {"a^2": A**2, "hinge": sp.Max(0, 1 - A)},
                },
            ),
        ),
    ),
]
