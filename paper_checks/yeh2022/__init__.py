"""Yeh, Hong, Hsu, Liu, Chen, LeCun, *Decoupled Contrastive Learning*, ECCV 2022
(arXiv 2110.06848; bibliography entry ``yeh2022``).

What was read, and so what each location rests on:

* [SRC] the project page: InfoNCE in the paper's form (Eq. (1)-(2)), Proposition 1 with the
  gradients (Eq. (3)) and the NPC multiplier q_B (Eq. (4)), and the page's reading of it (q_B in
  (0, 1), easy positives and easy negatives suppress the gradient, small batches do both).
* [SRC] the DCL loss, Eq. (6) of the paper, as quoted from the PDF by lightly PRs #1826/#1827:
  -s_p + log U with one log-sum-exp over all 2(N - 1) negatives.
* [UNVERIFIED] the paper body was not read: the wording and number of Proposition 2 (DCL has no
  multiplier), the DCLW equation and the σ of the paper's experiments, the batch-size tables and
  the q_B histogram figure (its batch sizes and values). Claims resting on them are
  ``reconstructed`` or cite the place with "(not verified)".
* [OURS] the per-anchor identities (∇L_InfoNCE = q_B ∇L_DCL, L_InfoNCE − L_DCL = −log q_B), the
  large-batch rate, the DCLW weight facts, the shared simplex optimum, its curvature and
  step-size threshold, and the latent-class toy of the training claims: ``derived``, each naming
  the function that derives it.
"""

from __future__ import annotations

from figures import contrastive as draw
from paper_checks.bibliography import Reference
from paper_checks.claims import Claim, Control, Method, Provenance, Scope
from paper_checks.yeh2022.gradient_identities import (
    coupled_dcl_kernel,
    dclw_weights,
    gradient_factorisation,
    kernel_factorisation,
    kernel_reference,
    kernel_with_weight_term_flipped,
    kernel_without_inverse_tau,
    npc_multiplier_range,
    proposition_1_vector_form,
)
from paper_checks.yeh2022.learning_speed import (
    q_b_falls_during_training,
    small_batch_learning_speed,
    tuned_learning_speed,
)
from paper_checks.yeh2022.npc_vs_batch_size import large_batch_gap, qb_vs_batch_size
from paper_checks.yeh2022.simplex_optimum import (
    curvature_ratio,
    dcl_minimum_without_the_two,
    shared_minimiser,
    step_size_threshold,
)
from theory import contrastive as theory

PAPER = "yeh2022"
HERE = "paper_checks.yeh2022"

CLAIMS = [
    Claim(
        f"{PAPER}.gradient_factorisation",
        PAPER,
        "Per anchor, grad L_InfoNCE = q_B grad L_DCL exactly, L_InfoNCE - L_DCL = -log q_B and "
        "q_B = 1 - exp(-L_InfoNCE) (m = 1..4 negatives).",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        gradient_factorisation,
        Reference(
            PAPER,
            "Proposition 1, Eq. (4), and the DCL loss, Eq. (6); the identities are ours",
            derived_by="theory.contrastive_proofs.prove_gradient_factorisation",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "a 'decoupled' loss that keeps the positive in its denominator",
                {"decoupled": theory.coupled_dcl_loss},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.proposition_1_vector_form",
        PAPER,
        "Proposition 1: the InfoNCE gradients w.r.t. the anchor, its positive and each negative "
        "all carry the factor q_B/tau; for DCL the factor is 1/tau (Proposition 2).",
        Provenance.PAPER,
        Method.SYMBOLIC,
        proposition_1_vector_form,
        Reference(
            PAPER,
            "Proposition 1, Eq. (3)-(4) (project page); Proposition 2 (number and wording not "
            "verified: body not read)",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "the factors of Propositions 1 and 2 swapped (1/tau for InfoNCE, q_B/tau for DCL)",
                {"coupled_factor": False},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.npc_multiplier_range",
        PAPER,
        "q_B lies in (0, 1), falls as the positive gets easier and rises with every negative "
        "cosine.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        npc_multiplier_range,
        Reference(PAPER, "Proposition 1, Eq. (4), and the project page's reading of it"),
        Scope.INSTANCES,
        controls=(
            Control(
                "the multiplier 1 (DCL's) in place of q_B", {"multiplier": theory.unit_multiplier}
            ),
        ),
    ),
    Claim(
        f"{PAPER}.kernel_factorisation",
        PAPER,
        "The blockwise kernel obeys the factorisation anchor by anchor (any anchor weights), while "
        "the batch-mean gradients are not proportional.",
        Provenance.DERIVED,
        Method.NUMERIC,
        kernel_factorisation,
        Reference(
            PAPER,
            "Proposition 1, Eq. (4), and Eq. (6); the per-anchor identity is ours",
            derived_by="theory.contrastive_proofs.prove_gradient_factorisation",
        ),
        Scope.SAMPLE,
        controls=(
            Control(
                "InfoNCE compared with DCL at anchor weights a (multiplier 1)",
                {"multiplier": "one"},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.kernel_reference",
        PAPER,
        "The batched InfoNCE/DCL/DCLW kernel's per-anchor values, q_B and gradients equal a naive "
        "per-anchor loop over the definitions (theory's closed forms, 30 digits) within float "
        "rounding, tiled and dense, in float64 and float32.",
        Provenance.PAPER,
        Method.NUMERIC,
        kernel_reference,
        Reference(
            PAPER,
            "Eq. (1)-(2) (project page), Eq. (4) and Eq. (6); the DCLW loss (its equation "
            "number not verified: body not read)",
        ),
        Scope.SAMPLE,
        controls=(
            Control(
                "a DCL kernel that keeps the positive pair in its denominator",
                {"contrastive": coupled_dcl_kernel},
            ),
            Control(
                "gradients missing the factor 1/tau", {"contrastive": kernel_without_inverse_tau}
            ),
            Control(
                "the non-detached DCLW weight term with the wrong sign",
                {"contrastive": kernel_with_weight_term_flipped},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.qb_vs_batch_size",
        PAPER,
        "At a fixed embedding law the mean of q_B rises with the batch size N and its "
        "coefficient of variation falls.",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        qb_vs_batch_size,
        Reference(
            PAPER,
            "the NPC-multiplier histogram figure, as the project page shows it (its number, "
            "batch sizes and values not verified: body not read)",
        ),
        Scope.SAMPLE,
        figure=draw.npc_histograms,
        controls=(
            Control("batch sizes in decreasing order (128, 32, 8)", {"sizes": (128, 32, 8)}),
        ),
    ),
    Claim(
        f"{PAPER}.large_batch_gap",
        PAPER,
        "InfoNCE - DCL = -log q_B vanishes like 1/M in the number of negatives: DCL is a "
        "finite-batch correction.",
        Provenance.DERIVED,
        Method.SIMULATION,
        large_batch_gap,
        Reference(
            PAPER,
            "Eq. (4) and Eq. (6); the 1/M rate is ours",
            derived_by=f"{HERE}.npc_vs_batch_size.large_batch_gap",
        ),
        Scope.SAMPLE,
        figure=draw.loss_gap,
        controls=(
            Control(
                "the rate 1/sqrt(M) in place of 1/M (N = 256, 1024)",
                {"expected_slope": -0.5, "sizes": (256, 1024)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.dclw_weights",
        PAPER,
        "The DCLW weight 2 - N softmax(cos/sigma) has mean 1, is below 2, tends to 1 as sigma "
        "grows, decreases in its own positive cosine, and can be negative.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        dclw_weights,
        Reference(
            PAPER,
            "the DCLW weight (equation number not verified: body not read); the properties "
            "are ours",
            derived_by="theory.contrastive_proofs.prove_dclw_weight_properties",
        ),
        Scope.INSTANCES,
        controls=(
            Control("2 - softmax without the factor N (raminnakhli before afdb447)", {"scale": 1}),
        ),
    ),
    Claim(
        f"{PAPER}.shared_minimiser",
        PAPER,
        "Gradient descent on free unit vectors takes InfoNCE and DCL to the same aligned "
        "regular-simplex configuration, at the closed-form minimum values.",
        Provenance.DERIVED,
        Method.SIMULATION,
        shared_minimiser,
        Reference(
            PAPER,
            "Eq. (1)-(2) and Eq. (6) (the losses); the minimiser and its values are ours",
            derived_by="theory.contrastive_proofs.prove_simplex_minimum_values",
        ),
        Scope.SAMPLE,
        controls=(
            Control(
                "the DCL closed form without the factor 2 in log(2N - 2) (DCL run only)",
                {"minimum": {"dcl": dcl_minimum_without_the_two}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.curvature_ratio",
        PAPER,
        "At the shared optimum InfoNCE's Hessian is q_B* times DCL's plus a PSD term, with equal "
        "top eigenvalue up to the factor q_B*: DCL is 1/q_B* times more curved.",
        Provenance.DERIVED,
        Method.NUMERIC,
        curvature_ratio,
        Reference(
            PAPER,
            "Proposition 1, Eq. (4) (the multiplier); the curvature ratio is ours",
            derived_by=f"{HERE}.simplex_optimum.curvature_ratio",
        ),
        Scope.INSTANCES,
        controls=(
            Control("top eigenvalues compared without the multiplier q_B*", {"multiplier": "one"}),
        ),
    ),
    Claim(
        f"{PAPER}.step_size_threshold",
        PAPER,
        "Projected gradient descent is stable at the optimum below the step 2/lambda_max and "
        "leaves it above, so DCL needs steps q_B* times smaller than InfoNCE.",
        Provenance.DERIVED,
        Method.SIMULATION,
        step_size_threshold,
        Reference(
            PAPER,
            "Proposition 1, Eq. (4) (the multiplier); the step-size threshold is ours",
            derived_by=f"{HERE}.simplex_optimum.step_size_threshold",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "each loss run at the other loss's threshold 2/lambda (N = 4 and 8, tau = 0.2)",
                {"swap_curvatures": True, "cases": ((4, 0.2), (8, 0.2))},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.small_batch_learning_speed",
        PAPER,
        "At a common learning rate DCL learns the content subspace faster than InfoNCE at small "
        "batch (N = 8), and the advantage shrinks as N grows (latent-class toy, SGD).",
        Provenance.PAPER,
        Method.SIMULATION,
        small_batch_learning_speed,
        Reference(PAPER, "abstract and the project page (the small-batch gains); the toy is ours"),
        Scope.SAMPLE,
        controls=(Control("DCL compared with itself, N = 8", {"baseline": "dcl", "sizes": (8,)}),),
    ),
    Claim(
        f"{PAPER}.tuned_learning_speed",
        PAPER,
        "With a per-loss tuned learning rate DCL still learns faster at N = 8 under SGD and Adam; "
        "by N = 32 the difference is within 0.01.",
        Provenance.DERIVED,
        Method.SIMULATION,
        tuned_learning_speed,
        Reference(
            PAPER,
            "abstract (the small-batch gains); the tuned comparison is ours",
            derived_by=f"{HERE}.learning_speed.tuned_learning_speed",
        ),
        Scope.SAMPLE,
        figure=draw.learning_curves,
        controls=(
            Control(
                "DCL compared with itself, N = 8, SGD",
                {"baseline": "dcl", "sizes": (8,), "optimisers": ("sgd",)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.q_b_falls_during_training",
        PAPER,
        "The batch-mean NPC multiplier q_B falls during training (InfoNCE, N = 8).",
        Provenance.DERIVED,
        Method.SIMULATION,
        q_b_falls_during_training,
        Reference(
            PAPER,
            "Proposition 1, Eq. (4), and the project page's reading of it; the training trace "
            "is ours",
            derived_by=f"{HERE}.learning_speed.q_b_falls_during_training",
        ),
        Scope.SAMPLE,
        controls=(Control("learning rate 1e-9 (no learning)", {"learning_rate": 1e-9}),),
    ),
]
