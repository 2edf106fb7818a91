r"""dai2025: the calibration criteria (BJM 2006) on standard, non-calibrated, tail and mixed
losses, symbolically: convex, differentiable at 0 with φ'(0) < 0, bounded below; and the same
conditions read off the loss-derivative.

[SRC] The official code's README restates Bartlett, Jordan and McAuliffe's criterion as its
"Theorem 1": a convex φ is classification-calibrated iff it is differentiable at 0 with
φ'(0) < 0; its figure ``fig/ensLoss_CC.png`` maps convex, calibrated and bounded below to
"non-decreasing", "φ'(0) < 0" and a "superlinear raising-tail" of ∂φ (the paper's lemma was not
read).

[OURS] The exact derivative form that :func:`derivative_form` checks, with g = φ'₊:

1. φ convex ⇔ g non-decreasing, i.e. φ(z) = φ(0) + ∫₀ᶻ g with g non-decreasing;
2. given 1, calibrated ⇔ g continuous at 0 with g(0) < 0 (BJM), since
   C'_η(0) = (2η - 1) φ'(0) for C_η(α) = η φ(α) + (1 - η) φ(-α);
3. for g ≤ 0, inf φ > -∞ ⇔ ∫₀^∞ |g| < ∞; a non-decreasing g ≤ 0 that is integrable has
   z g(z) → 0 (|g(z)| ≤ (2/z) ∫_{z/2}^z |g|), so g = o(1/z) is necessary, |g| ≤ C z^(-1-ε)
   sufficient, and a 1/z tail gives φ ~ -c log z, unbounded below.

[OURS] A mixture φ̄ = Σ w_k φ_k of convex calibrated losses is convex with
φ̄'(0) = Σ w_k φ_k'(0) < 0, hence calibrated; H_φ̄ ≥ Σ w_k H_φk gives ψ_φ̄ ≤ Σ w_k ψ_k, while
ψ_φ̄(θ) > 0 for θ ≠ 0 (:func:`mixture_closure`).
"""

from __future__ import annotations

import sympy as sp

from paper_checks.claims import Context, Outcome, proof_outcome
from theory import binary, calibration
from theory.proof import Proof, Status

Z = calibration.Z
E = sp.E


def _hinge_with_tail(tail: sp.Expr) -> sp.Expr:
    return sp.Piecewise((1 - Z, Z <= 1), (tail, True))


LOGISTIC = sp.log(1 + sp.exp(-Z))
STANDARD = {
    "logistic": (LOGISTIC, sp.Rational(-1, 2)),
    "exponential": (sp.exp(-Z), sp.Integer(-1)),
    "squared": ((1 - Z) ** 2, sp.Integer(-2)),
    "squared hinge": (sp.Max(0, 1 - Z) ** 2, sp.Integer(-2)),
    "hinge": (sp.Max(0, 1 - Z), sp.Integer(-1)),
}
"""Standard losses with their φ'(0) ([SRC] the README's list of calibrated losses; the slopes
at 0 are [OURS], by differentiation)."""

NOT_CC = {
    "perceptron": sp.Max(0, -Z),
    "exp(z)": sp.exp(Z),
    "squared perceptron": sp.Max(0, -Z) ** 2,
}
"""[OURS] Not calibrated: not differentiable at 0; φ'(0) = +1; convex, differentiable and
bounded below with φ'(0) = 0 exactly, so only the strict φ'(0) < 0 (and g(0) < 0) rejects it."""

TAIL_LOSSES = {
    "Inv_Hinge": (_hinge_with_tail(1 / Z - 1), (True, True, True)),
    "Inv_Log_Hinge": (_hinge_with_tail(E / sp.log(Z + E - 1) - E), (True, True, True)),
    "Log_Hinge": (_hinge_with_tail(-sp.log(Z)), (True, True, False)),
    "Exp_Hinge": (_hinge_with_tail(-sp.exp(-(Z - 1))), (False, False, True)),
    "sqrt_Hinge": (_hinge_with_tail(-2 * sp.sqrt(Z - 1)), (False, False, False)),
}
"""[SRC] The official code's appendix-D losses (``appendix_D/test_loss.py``, ``losses.py``:
hinge for z ≤ 1, a tail for z > 1) with [OURS] their expected (convex, C¹ at 1, bounded below):
Inv_Hinge and Inv_Log_Hinge have value 0 and slope -1 at 1 and the limits -1 and -e; Log_Hinge
falls to -∞; Exp_Hinge jumps from 0 to -1 at 1 and is concave after; sqrt_Hinge has right slope
-∞ at 1."""


def cc_standard_losses(ctx: Context, losses: dict = STANDARD) -> Outcome:
    """Convex, differentiable at 0 with the listed φ'(0) < 0, bounded below: calibrated."""
    proofs, rows = [], []
    for name, (phi, slope) in losses.items():
        report = calibration.check_cc(phi)
        left, right = report.slope_at_zero
        proofs += [
            _named(name, report.convex),
            _named(name, report.differentiable_at_zero),
            Proof(
                f"{name}: phi'(0) == {slope}",
                Status.PROVED if sp.simplify(right - slope) == 0 else Status.REFUTED,
                "exact one-sided slopes",
                f"left {left}, right {right}",
            ),
            _named(name, report.bounded_below),
            _named(name, report.calibrated),
        ]
        rows.append({"loss": name, **report.as_dict()})
    return proof_outcome(proofs, evidence={"reports": rows}, checked=_listed(losses, "losses"))


def _listed(named: dict, what: str) -> str:
    """ "N <what>: a, b, ..." for the names of ``named``."""
    return f"{len(named)} {what}: " + ", ".join(named)


def _named(name: str, proof: Proof) -> Proof:
    return Proof(f"{name}: {proof.statement}", proof.status, proof.rung, proof.detail)


def cc_negative_controls(ctx: Context, losses: dict = NOT_CC) -> Outcome:
    """The perceptron, exp(z) and the squared perceptron are flagged not calibrated."""
    proofs = []
    for name, phi in losses.items():
        report = calibration.check_cc(phi)
        flagged = report.calibrated.holds is False
        proofs.append(
            Proof(
                f"{name} is flagged not calibrated",
                Status.PROVED if flagged else Status.REFUTED,
                report.calibrated.rung,
                f"{report.calibrated.status}; slopes {report.slope_at_zero}",
            )
        )
    formulas = [{"loss": name, "phi": str(phi)} for name, phi in losses.items()]
    return proof_outcome(proofs, evidence={"losses": formulas}, checked=_listed(losses, "losses"))


def _agreement(statement: str, found: bool | None, want: bool | None, rung: str, detail: str):
    """Proved if ``found`` equals ``want``, refuted if not, inconclusive if either is None."""
    status = (
        Status.INCONCLUSIVE
        if None in (found, want)
        else Status.PROVED
        if found == want
        else Status.REFUTED
    )
    return Proof(statement, status, rung, detail)


def tail_losses(ctx: Context, table: dict = TAIL_LOSSES) -> Outcome:
    """The five tail losses: convex? C¹ at 1? bounded below? as in :data:`TAIL_LOSSES`."""
    proofs, rows = [], []
    for name, (phi, expected) in table.items():
        report = calibration.check_cc(phi)
        c1 = calibration.all_of([p.holds for p in calibration.regularity_at(phi, 1.0)])
        found = (report.convex.holds, c1, report.bounded_below.holds)
        for label, got, want in zip(("convex", "C1 at 1", "bounded below"), found, expected):
            proofs.append(
                _agreement(
                    f"{name}: {label} is {want}", got, want, "theory.calibration", f"found {got}"
                )
            )
        rows.append(
            {
                "loss": name,
                "phi": str(phi),
                "convex": found[0],
                "C1_at_1": found[1],
                "bounded_below": found[2],
                "infimum_enclosure": list(report.infimum),
            }
        )
    return proof_outcome(proofs, evidence={"rows": rows}, checked=_listed(table, "losses"))


DERIVATIVE_FORM_LOSSES = {
    **{k: v[0] for k, v in STANDARD.items()},
    **NOT_CC,
    **{k: v[0] for k, v in TAIL_LOSSES.items() if k in ("Inv_Hinge", "Log_Hinge")},
}
"""The losses whose two forms of the conditions are compared: the standard ones, the non-CC
ones (the squared perceptron's g(0) = 0 among them), and a bounded and an unbounded tail."""


def derivative_form(
    ctx: Context, derivative=calibration.derivative, losses: dict = DERIVATIVE_FORM_LOSSES
) -> Outcome:
    """The derivative-form conditions agree with the loss-form ones on every test loss.

    ``derivative`` maps φ to φ' (default: piece by piece with sympy).
    """
    proofs, formulas = [], []
    for name, phi in losses.items():
        g = derivative(phi)
        formulas.append({"loss": name, "phi": str(phi), "g": str(g)})
        pairs = calibration.both_forms(calibration.check_cc(phi), calibration.check_derivative(g))
        proofs += [
            _agreement(
                f"{name}: {label}",
                a,
                b,
                "check_cc vs check_derivative",
                f"loss {a}, derivative {b}",
            )
            for label, a, b in pairs
        ]
    return proof_outcome(proofs, evidence={"losses": formulas}, checked=_listed(losses, "losses"))


MIXTURES = (
    (("hinge", "exponential"), (sp.Rational(1, 2), sp.Rational(1, 2))),
    (("logistic", "squared hinge"), (sp.Rational(1, 3), sp.Rational(2, 3))),
    (
        ("hinge", "logistic", "exponential"),
        (sp.Rational(1, 5), sp.Rational(2, 5), sp.Rational(2, 5)),
    ),
)


def mixture_closure(ctx: Context, mixtures=MIXTURES) -> Outcome:
    """Convex combinations of CC losses are CC, and 0 < ψ_mix ≤ Σ w_k ψ_k (certified on a grid).

    The bound is :func:`theory.calibration.mixture_transform_bound` (rigorous enclosures).
    """
    proofs, formulas, losses = [], {}, {**{k: v[0] for k, v in STANDARD.items()}, **NOT_CC}
    for names, weights in mixtures:
        phi = calibration.mixture([losses[n] for n in names], list(weights))
        label = " + ".join(f"{w}*{n}" for n, w in zip(names, weights))
        formulas[label] = str(phi)
        report = calibration.check_cc(phi)
        bound = calibration.mixture_transform_bound([losses[n] for n in names], list(weights))
        proofs += [_named(label, p) for p in (report.convex, report.calibrated, bound)]
    return proof_outcome(
        proofs,
        evidence={"mixtures": [{"mixture": k, "phi": v} for k, v in formulas.items()]},
        checked=_listed(formulas, "mixtures")
        + f"; the psi bound on {binary.TABLE_POINTS} equally spaced theta in [0, 1]",
    )
