"""yeh2022: the gradient identities of InfoNCE, DCL and DCLW, symbolically and in the kernel.

Per anchor ∇L_InfoNCE = q_B ∇L_DCL (Propositions 1 and 2), the range of the NPC multiplier q_B
and the DCLW weights, proved with sympy; the batched kernel obeys the factorisation and equals
a 30-digit per-anchor loop reference, with kernels broken by one term as controls.

[OURS] With s_p the positive logit, s_j the negative ones, U = Σ_j e^{s_j} and L = L_InfoNCE:
q_B = 1 − e^{s_p}/(e^{s_p} + U) = 1 − e^{−L}; L − L_DCL = log(1 + e^{s_p}/U) = −log q_B ≥ 0;
∂L/∂s_p = −q_B, ∂L_DCL/∂s_p = −1 and ∂L/∂s_j = q_B ∂L_DCL/∂s_j. So ∇L = q_B ∇L_DCL per anchor
term, for any parametrisation of the logits (chain rule), but not for the batch sum, in which
every anchor has its own q_B. [UNVERIFIED] That this is the paper's Proposition 2 (DCL's
gradients are Eq. (3) without the factor q_B): its wording and number were not read.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paper_checks.claims import Context, Outcome, Verdict, proof_outcome
from paper_checks.encoder_runs import loss_formulas, paired_views_law, set_of
from simulations import contrastive as kernel
from simulations import embeddings
from simulations.backend import to_numpy
from theory import contrastive as theory
from theory.contrastive_proofs import (
    prove_dclw_negative_weight,
    prove_dclw_weight_properties,
    prove_gradient_factorisation,
    prove_loss_gap,
    prove_npc_multiplier_range,
    prove_vector_gradients,
)
from theory.contrastive_reference import batch_reference


def gradient_factorisation(ctx: Context, decoupled=theory.dcl_loss) -> Outcome:
    """Per anchor, ∇L_InfoNCE = q_B ∇L_DCL, L_InfoNCE − L_DCL = −log q_B, q_B = 1 − e^{−L}."""
    negatives = (1, 2, 3, 4)
    proofs = []
    for m in negatives:
        proofs += prove_gradient_factorisation(m, decoupled=decoupled)
        proofs += prove_loss_gap(m, decoupled=decoupled)
    return proof_outcome(
        proofs,
        evidence={"losses": loss_formulas(("infonce", "dcl"))},
        checked=f"m in {set_of(negatives)} negatives per anchor, symbolic in c_p, c_1..c_m, tau",
    )


def proposition_1_vector_form(ctx: Context, coupled_factor: bool = True) -> Outcome:
    """Eq. 3 for raw vectors (d = 2, m = 2): every partial carries the factor q_B/τ; for DCL the
    same expressions hold with factor 1/τ (Proposition 2)."""
    dim, m = 2, 2
    proofs = prove_vector_gradients(dim, m, coupled=coupled_factor)
    proofs += prove_vector_gradients(dim, m, loss=theory.dcl_loss, coupled=not coupled_factor)
    return proof_outcome(
        proofs,
        evidence={"losses": loss_formulas(("infonce", "dcl"))},
        checked=f"d = {dim}, m = {m} negatives, symbolic in the vector entries and tau",
    )


def npc_multiplier_range(ctx: Context, multiplier=theory.npc_multiplier) -> Outcome:
    """0 < q_B < 1, decreasing in the positive cosine and increasing in every negative one."""
    negatives = (1, 2, 3)
    return proof_outcome(
        [p for m in negatives for p in prove_npc_multiplier_range(m, multiplier=multiplier)],
        evidence={"q_B": "1 - e^{s_p} / (e^{s_p} + sum_j e^{s_j}), s = cos/tau"},
        checked=f"m in {set_of(negatives)} negatives per anchor, symbolic in c_p, c_1..c_m, tau",
    )


def kernel_factorisation(ctx: Context, multiplier: str = "q_b") -> Outcome:
    """The blockwise kernel obeys the factorisation anchor by anchor: for any anchor weights a,
    ∇ Σ a L_InfoNCE = ∇ Σ (a q_B) L_DCL; and the batch means are *not* proportional."""
    xp = ctx.backend.xp
    rng = ctx.backend.rng(ctx.seed)
    cases, positive_cosine = ((16, 32, 0.1, 7), (64, 16, 0.5, 32), (33, 8, 0.05, 1024)), 0.4
    worst, proportional = 0.0, []
    for n, d, tau, block in cases:
        z = embeddings.paired_views(rng, n, d, positive_cosine)
        weights = rng.uniform((2, n))
        infonce = kernel.contrastive(z, tau, loss="infonce", anchor_weights=weights, block=block)
        factor = infonce.q_b if multiplier == "q_b" else xp.ones_like(infonce.q_b)
        dcl = kernel.contrastive(z, tau, loss="dcl", anchor_weights=weights * factor, block=block)
        scale = float(xp.max(xp.abs(infonce.grad)))
        worst = max(worst, float(xp.max(xp.abs(infonce.grad - dcl.grad))) / scale)
        mean_infonce = to_numpy(kernel.contrastive(z, tau, loss="infonce").grad).ravel()
        mean_dcl = to_numpy(kernel.contrastive(z, tau, loss="dcl").grad).ravel()
        ratio = mean_infonce @ mean_dcl / (mean_dcl @ mean_dcl)
        proportional.append(
            float(np.max(np.abs(mean_infonce - ratio * mean_dcl)) / np.max(np.abs(mean_infonce)))
        )
    tolerance = 1e-10
    ok = worst <= tolerance and min(proportional) > 1e-3
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"per-anchor factorisation: max relative gap {worst:.1e}; batch means off proportional "
        f"by >= {min(proportional):.2f}",
        {
            "max_relative_gap": worst,
            "batch_mean_not_proportional": proportional,
            "losses": loss_formulas(("infonce", "dcl")),
            "embeddings": paired_views_law("per case", positive_cosine),
            "anchor_weights": "a ~ U(0, 1), one per anchor",
        },
        {
            "value": tolerance,
            "why": "float64 rounding over sums of 2N terms (~1e-14 each) leaves < 1e-12; "
            "1e-10 is a wide margin; batch means must differ from proportional by > 1e-3",
        },
        checked=f"{len(cases)} random batches with random anchor weights, (N, d, tau, tile) in "
        + set_of(cases),
    )


KERNEL_GRADIENTS = {
    "infonce": ("infonce", True),
    "dcl": ("dcl", True),
    "dclw": ("dclw", False),
    "dclw detached": ("dclw", True),
}
"""Reference gradient -> the kernel's (loss, detach_weight)."""


def kernel_reference(ctx: Context, contrastive=None) -> Outcome:
    """The batched kernel's per-anchor InfoNCE, DCL, DCLW and q_B values and its gradients of the
    mean InfoNCE, DCL and DCLW (w detached and not) equal the naive loop reference
    (:func:`theory.contrastive_reference.batch_reference`) on N = 4, d = 3, τ ∈ {0.1, 0.5},
    σ = 1/2, with one-sample tiles (merges and transposed updates) and one dense tile, in float64
    and float32.

    ``contrastive`` replaces :func:`simulations.contrastive.contrastive` (looked up at call time)
    by a broken kernel in the controls."""
    contrastive = contrastive or kernel.contrastive
    n, d, sigma, positive_cosine = 4, 3, 0.5, 0.4
    xp = ctx.backend.xp
    drawn = embeddings.paired_views(
        ctx.backend.rng(ctx.seed), n, d, positive_cosine, dtype="float32"
    )
    z_host = to_numpy(drawn).astype(np.float64)  # the float32 values, exactly
    taus, dtypes, blocks = (0.1, 0.5), ("float64", "float32"), (1, 2 * n)
    rows, worst, scale = [], 0.0, 0.0
    for tau in taus:
        nested = tuple(tuple(map(tuple, view)) for view in z_host.tolist())
        reference = batch_reference(nested, tau, sigma)
        scale = max(scale, *(float(np.max(np.abs(v))) for v in reference.values()))
        for dtype in dtypes:
            z = xp.astype(drawn, getattr(xp, dtype))
            # first-order rounding: logits carry (d + 2)|s| eps, each of the 2M + 1 terms of a
            # log-sum-exp or a gradient sum one eps more; |s| <= 1/τ (unit rows)
            bound = (d + 2 * 2 * (n - 1) + 4) * (1 + 1 / tau) * float(np.finfo(dtype).eps)
            for block in blocks:
                errors = {}
                for entry, (kind, detach) in KERNEL_GRADIENTS.items():
                    result = contrastive(
                        z, tau, loss=kind, sigma=sigma, detach_weight=detach, block=block
                    )
                    got = {**result.losses, "q_b": result.q_b}
                    for name in ("infonce", "dcl", "dclw", "q_b"):
                        errors[name] = max(
                            errors.get(name, 0.0), _scaled_error(got[name], reference[name])
                        )
                    key = f"grad {entry}"
                    errors[key] = _scaled_error(result.grad, reference[key])
                rows.append(
                    {
                        "tau": tau,
                        "dtype": dtype,
                        "block": block,
                        "bound": bound,
                        "scaled_errors": errors,
                    }
                )
                worst = max(worst, max(errors.values()) / bound)
    ok = worst <= 1
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"N = {n}, d = {d}: worst kernel - loop reference error {worst:.2g} x its rounding bound "
        f"over {len(rows)} (τ, dtype, tile) cases, 4 values and 4 gradients each",
        {
            "n": n,
            "d": d,
            "sigma": sigma,
            "losses": loss_formulas(("infonce", "dcl", "dclw"), sigma)
            | {"dclw, not detached": "as dclw, with the gradient through the batch softmax in w"},
            "embeddings": paired_views_law(d, positive_cosine),
            "rows": rows,
            "worst_over_bound": worst,
            "smallest_detected": "any value or gradient entry off by more than its row's bound "
            f"x (1 + max |reference| of its array), max |reference| <= {scale:.3g}",
        },
        {
            "value": "(d + 2M + 4)(1 + 1/τ) eps(dtype), M = 2(N - 1)",
            "why": "first-order rounding of logits ((d + 2)|s| eps, |s| <= 1/τ) and of the 2M + 1 "
            "terms of each log-sum-exp and gradient sum; errors are |kernel - reference| / (1 + "
            "max |reference|); the reference is exact to 1e-30 on the same float32-representable z",
        },
        checked=f"1 random batch (N = {n}, d = {d}) x tau in {set_of(taus)} x {set_of(dtypes)} "
        f"x tiles {set_of(blocks)}: {len(rows)} cases, 4 values and 4 gradients each",
    )


def _scaled_error(got, reference: np.ndarray) -> float:
    """max |got − reference| / (1 + max |reference|)."""
    return float(np.max(np.abs(to_numpy(got) - reference)) / (1 + np.max(np.abs(reference))))


def coupled_dcl_kernel(z, tau, *, loss="dcl", **options):
    """Control: a DCL kernel that keeps the positive pair in its denominator (InfoNCE as DCL)."""
    result = kernel.contrastive(z, tau, loss="infonce" if loss == "dcl" else loss, **options)
    return dataclasses.replace(
        result, kind=loss, losses={**result.losses, "dcl": result.losses["infonce"]}
    )


def kernel_without_inverse_tau(z, tau, **options):
    """Control: the kernel with its gradient missing the factor 1/τ."""
    result = kernel.contrastive(z, tau, **options)
    return dataclasses.replace(result, grad=result.grad * tau)


def kernel_with_weight_term_flipped(z, tau, *, loss="dcl", detach_weight=True, **options):
    """Control: the non-detached DCLW gradient with the sign of its weight term flipped,
    detached − (non-detached − detached)."""
    result = kernel.contrastive(z, tau, loss=loss, detach_weight=detach_weight, **options)
    if loss != "dclw" or detach_weight:
        return result
    detached = kernel.contrastive(z, tau, loss=loss, detach_weight=True, **options)
    return dataclasses.replace(result, grad=2 * detached.grad - result.grad)


def dclw_weights(ctx: Context, scale=None) -> Outcome:
    """The DCLW weight has mean 1, is < 2, tends to 1 as σ → ∞, decreases in its own positive
    cosine, and can be negative (64 cosines spread on [−1, 1], σ = 1/2).

    [OURS] The first three follow from w_i = 2 − N softmax_i: the softmax averages 1/N, is
    positive and tends to 1/N as σ → ∞; a negative weight needs softmax_i > 2/N, which a spread
    of positive cosines at small σ gives. The share of negative weights on random batches is
    evidence only (it does not enter the verdict)."""
    sizes = (2, 3, 4)
    proofs = [p for n in sizes for p in prove_dclw_weight_properties(n, scale=scale)]
    witness = prove_dclw_negative_weight(scale=scale)
    rng = ctx.backend.rng(ctx.seed)
    n, d, positive_cosine, tau = 64, 16, 0.3, 0.1
    negative_share = {}
    for sigma in (0.1, 0.5, 2.0):
        z = embeddings.paired_views(rng, n, d, positive_cosine)
        result = kernel.contrastive(z, tau, loss="dclw", sigma=sigma, gradient=False)
        negative_share[sigma] = float(np.mean(to_numpy(result.weights) < 0))
    return proof_outcome(
        [*proofs, witness],
        evidence={
            "weight": "w_i = 2 - N softmax_i(cos_p,i / sigma) over the N positive cosines",
            "share_of_negative_weights_by_sigma": negative_share,
            "share_sample": {"N": n, **paired_views_law(d, positive_cosine)},
        },
        checked=f"N in {set_of(sizes)}, symbolic in the positive cosines and sigma; the negative "
        f"weight at one exact instance ({witness.statement})",
    )
