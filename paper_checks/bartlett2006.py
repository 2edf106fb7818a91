r"""Bartlett, Jordan, McAuliffe, *Convexity, Classification, and Risk Bounds*, JASA 2006.

Only the abstract was read, hence ``reconstructed``. The definitions are the standard ones,
re-derived [OURS]: :math:`C_\eta(\alpha) = \eta\phi(\alpha) + (1-\eta)\phi(-\alpha)`,
:math:`H(\eta) = \inf_\alpha C_\eta`, :math:`H^-(\eta) = \inf_{\alpha(2\eta-1) \le 0}
C_\eta`, :math:`\tilde\psi(\theta) = H^-(\frac{1+\theta}{2}) - H(\frac{1+\theta}{2})` and ψ
its convex closure; φ is classification-calibrated when :math:`H^-(\eta) > H(\eta)` for every
η ≠ 1/2, i.e. when ψ(θ) > 0 for θ > 0. The ψ table below is our sympy re-derivation for common
margin losses [OURS]; each check derives ψ again with :func:`theory.binary.psi_transform`
(closed form with minimality proofs, cross-checked by interval branch and bound) and compares.
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
from theory import binary, calibration
from theory.proof import Proof, Status, prove_identity

PAPER = "bartlett2006"
A, THETA = binary.ALPHA, binary.THETA

PSI_TABLE = {
    "hinge": (sp.Max(0, 1 - A), THETA),
    "exponential": (sp.exp(-A), 1 - sp.sqrt(1 - THETA**2)),
    "logistic": (
        sp.log(1 + sp.exp(-A)),
        (1 + THETA) / 2 * sp.log(1 + THETA) + (1 - THETA) / 2 * sp.log(1 - THETA),
    ),
    "logistic (margin 2a)": (
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
"""Margin loss φ(α) and its ψ(θ), θ in [0, 1] [OURS, re-derived]."""

NOT_CALIBRATED = {"a^2": A**2, "perceptron": sp.Max(0, -A)}
"""Convex losses that are not calibrated: ψ ≡ 0."""

CONVEX = {
    **{
        name: phi for name, (phi, _) in PSI_TABLE.items() if not name.startswith(("sigmoid", "rho"))
    },
    **NOT_CALIBRATED,
    "exp(a) (wrong direction)": sp.exp(A),
}
"""Convex losses that illustrate the criterion 'calibrated iff differentiable at 0 with
φ'(0) < 0' (the proof covers every convex φ)."""


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


def _listed(losses: dict) -> str:
    """The ``checked`` line of a check over named losses."""
    return f"{len(losses)} losses: {', '.join(losses)}"


def psi_table(ctx: Context, table: dict = PSI_TABLE) -> Outcome:
    """The derived ψ of each loss equals the table."""
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
    losses = {name: {"phi": str(phi), "psi": str(psi)} for name, (phi, psi) in table.items()}
    return proof_outcome(
        proofs, evidence={"losses": losses}, data={"psi": figure_rows}, checked=_listed(table)
    )


def not_calibrated_controls(ctx: Context, losses: dict = NOT_CALIBRATED) -> Outcome:
    """a² and the perceptron have ψ ≡ 0, so they are not calibrated."""
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
    formulas = {name: {"phi": str(phi)} for name, phi in losses.items()}
    return proof_outcome(proofs, evidence={"losses": formulas}, checked=_listed(losses))


def derivative_criterion(phi: sp.Expr) -> bool:
    """The criterion of BJM's Theorem 2 for convex φ: differentiable at 0 and φ'(0) < 0."""
    left, right = binary.one_sided_slopes(phi)
    return bool(left == right and left < 0)


def non_strict_criterion(phi: sp.Expr) -> bool:
    """Control: the criterion weakened to φ'(0) <= 0, which wrongly accepts a² (φ'(0) = 0)."""
    left, right = binary.one_sided_slopes(phi)
    return bool(left == right and left <= 0)


def convex_calibration_criterion(
    ctx: Context, criterion=derivative_criterion, losses: dict = CONVEX, strict: bool = True
) -> Outcome:
    """For convex φ, calibrated iff differentiable at 0 with φ'(0) < 0: the proof for every
    convex φ (:func:`theory.calibration.convex_criterion_proof`, ``strict=False`` assumes only
    φ'(0) ≤ 0 there), and as illustrations, on each of ``losses``, ``criterion`` against
    ψ(θ) > 0 of the derived ψ."""
    proofs, rows = calibration.convex_criterion_proof(strict=strict), []
    for name, phi in losses.items():
        by_criterion, by_psi = criterion(phi), binary.psi_transform(phi).calibrated
        rows.append(
            {"loss": name, "phi": str(phi), "criterion": by_criterion, "psi_positive": by_psi}
        )
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
    return proof_outcome(
        proofs,
        evidence={"illustrations": rows},
        checked=f"a proof for every convex margin loss; illustrated on {_listed(losses)}",
    )


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
        Reference(
            PAPER,
            "abstract (the psi-transform, 'easy to compute in many applications'); body not "
            "read, the table is our re-derivation",
        ),
        Scope.INSTANCES,
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
        Reference(PAPER, "abstract (classification calibration); body not read"),
        Scope.INSTANCES,
        controls=(
            Control("the hinge loss in place of a^2", {"losses": {"hinge": sp.Max(0, 1 - A)}}),
        ),
    ),
    Claim(
        f"{PAPER}.convex_calibration_criterion",
        PAPER,
        "A convex margin loss phi is classification-calibrated iff it is differentiable at 0 with "
        "phi'(0) < 0. Proved for every convex phi from C_eta'(0) = (2 eta - 1) phi'(0), the "
        "supporting-line property of convex functions and the subdifferential of C_eta at 0; "
        f"the derived psi of {len(CONVEX)} convex losses illustrates it.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        convex_calibration_criterion,
        Reference(
            PAPER,
            "Theorem 2, the convex case (body not read: numbering as commonly cited, the "
            "statement the standard one, the proof re-derived)",
        ),
        Scope.GENERAL,
        controls=(
            Control(
                "the criterion weakened to phi'(0) <= 0: in the general proof, and on a^2 "
                "(phi'(0) = 0) and the hinge",
                {
                    "criterion": non_strict_criterion,
                    "losses": {"a^2": A**2, "hinge": sp.Max(0, 1 - A)},
                    "strict": False,
                },
            ),
        ),
    ),
]
