"""Wang & Liu, *Understanding the Behaviour of Contrastive Loss*, CVPR 2021 (arXiv 2012.09740),
with the uniformity metric of Wang & Isola (ICML 2020).

The full text was read for the note (``shared/research/dcl.md`` §4): its equations are
``paper``; the one-line proofs and the DCL counterparts are ``derived``.
"""

from __future__ import annotations

import numpy as np

from paper_checks.claims import Claim, Context, Method, Outcome, Provenance, Verdict, proof_outcome
from simulations import embeddings
from simulations.contrastive import normalise
from theory import contrastive as theory

PAPER = "wang2021"
NOTE = "dcl.md"


def hardness_aware_gradients(ctx: Context, loss=theory.infonce_loss) -> Outcome:
    """∂L/∂s_ii = −(1/τ) Σ_k P_ik = −q_B/τ, ∂L/∂s_ij = P_ij/τ, and the negative magnitudes sum
    to the positive one (Eq. 4-5)."""
    return proof_outcome(
        [p for m in (2, 3, 4) for p in theory.prove_wang_liu_gradients(m, loss=loss)]
    )


def entropy_rises_with_temperature(ctx: Context, exponent: int = 3) -> Outcome:
    """The Boltzmann weights r_i over negatives sum to 1 and dH(r)/dτ = Var_r(s)/τ³ ≥ 0."""
    return proof_outcome(
        [p for m in (2, 3, 4) for p in theory.prove_entropy_temperature(m, exponent=exponent)]
    )


def temperature_limits(ctx: Context) -> Outcome:
    """τ → 0+: τL_InfoNCE → max(s_max − s_ii, 0) (a hinge on the hardest negative), τL_DCL →
    s_max − s_ii (no hinge); τ → ∞: the simple loss with λ = 1/(N − 1), remainder O(τ⁻²)."""
    proofs = []
    for m in (1, 2, 3):
        proofs += theory.prove_low_temperature_limits(m)
        proofs += theory.prove_high_temperature_expansions(m)
    return proof_outcome(proofs)


def uniformity_sample_bound(ctx: Context, population_bound: bool = False) -> Outcome:
    """The sample uniformity obeys −L_unif ≤ 2t(1 − (n‖z̄‖² − 1)/(n − 1)) (Jensen), attained by
    two antipodal points (value 8 at t = 2): the population bound 2t = 4 does not hold for
    samples, so tests must use the sample form."""
    xp = ctx.backend.xp
    rng = ctx.backend.rng(ctx.seed)
    t = 2.0
    worst, samples = -np.inf, 0
    for n, d, count in ((2, 2, 20), (3, 2, 20), (10, 3, 20), (200, 16, 20), (2000, 64, 2)):
        z = normalise(rng.normal((count, n, d)))
        samples += count
        negative = -embeddings.uniformity(z, xp, t)
        bound = (
            xp.full_like(negative, 2 * t)
            if population_bound
            else embeddings.uniformity_bound(z, xp, t)
        )
        worst = max(worst, float(xp.max(negative - bound)))
    antipodes = xp.asarray([[1.0, 0.0], [-1.0, 0.0]])
    extreme = float(-embeddings.uniformity(antipodes, xp, t))
    uniform = float(-embeddings.uniformity(normalise(rng.normal((2000, 64))), xp, t))
    tolerance = 1e-12
    ok = worst <= tolerance
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"max(-L_unif - bound) = {worst:.1e} over {samples} samples (n = 2 ... 2000); antipodes give "
        f"{extreme:.3f}; a uniform 64-d sample of 2000 points gives {uniform:.3f}",
        {
            "worst_excess": worst,
            "antipodes": extreme,
            "uniform_64d_2000": uniform,
            "bound": "population 2t" if population_bound else "sample Jensen",
        },
        {"value": tolerance, "why": "Jensen is exact; the slack is float64 rounding of a log-mean"},
    )


CLAIMS = [
    Claim(
        f"{PAPER}.hardness_aware_gradients",
        PAPER,
        "The positive-similarity gradient is -(1/tau) sum_k P_ik = -q_B/tau, each negative gets "
        "P_ij/tau, and the negative magnitudes sum to the positive one.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        hardness_aware_gradients,
        f"Wang & Liu Eq. 4-5; {NOTE} §4.2, §1.4 item 4; §6 claim 3",
    ),
    Claim(
        f"{PAPER}.entropy_rises_with_temperature",
        PAPER,
        "The relative penalty over negatives is a Boltzmann distribution whose entropy rises "
        "with tau: dH/dtau = Var_r(s)/tau^3 >= 0.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        entropy_rises_with_temperature,
        f"Wang & Liu §3.1 (proof in their supplement); {NOTE} §4.2 [ours: the identity]",
    ),
    Claim(
        f"{PAPER}.temperature_limits",
        PAPER,
        "tau -> 0: InfoNCE becomes a hinge on the hardest negative, DCL has no hinge; tau -> oo: "
        "InfoNCE becomes the simple loss with lambda = 1/(N - 1), remainder O(tau^-2).",
        Provenance.PAPER,
        Method.SYMBOLIC,
        temperature_limits,
        f"Wang & Liu Eq. 6-7; {NOTE} §4.3 [ours: DCL and the remainder]; §6 claim 4",
    ),
    Claim(
        f"{PAPER}.uniformity_sample_bound",
        PAPER,
        "The sample uniformity obeys -L_unif <= 2t(1 - (n|mean z|^2 - 1)/(n - 1)), which reaches "
        "8 at t = 2 for two antipodal points (the population bound 4 does not hold for samples).",
        Provenance.DERIVED,
        Method.NUMERIC,
        uniformity_sample_bound,
        f"{NOTE} §6 claim 14 [ours]; metric from Wang & Isola's code",
    ),
]
