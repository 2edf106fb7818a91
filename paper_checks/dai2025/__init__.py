"""Ben Dai, *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in
Classification*, ICML 2025 (arXiv 2409.00908), and its background (BJM 2006).

Only the abstract and the official code ``statmlben/ensLoss`` were read (``shared/research/
ensloss.md``): statements taken from the code or its README are ``paper``, the lemma-level
translation of the conditions to loss-derivatives is ``reconstructed`` (the paper body was not
read), and the note's own findings and pilots are ``derived``.
"""

from __future__ import annotations

import sympy as sp

from figures import ensloss as draw
from paper_checks.claims import Claim, Control, Method, Provenance, Verdict
from paper_checks.dai2025.calibration_criteria import (
    LOGISTIC,
    NOT_CC,
    TAIL_LOSSES,
    cc_negative_controls,
    cc_standard_losses,
    derivative_form,
    mixture_closure,
    tail_losses,
)
from paper_checks.dai2025.derivative_generator import (
    clamp_mass,
    generator_valid,
    gradient_equivalence,
    implied_loss_convex,
    population_limit,
    tail_bounded_below,
    uncoupled_derivatives,
)
from paper_checks.dai2025.training import (
    bayes_consistency,
    depth_trend,
    overfitting,
    shape_vs_noise,
)
from simulations import ensloss as ens
from simulations import mlp
from theory import calibration

PAPER = "dai2025"
NOTE = "ensloss.md"

CLAIMS = [
    Claim(
        f"{PAPER}.cc_standard_losses",
        PAPER,
        "Logistic, exponential, squared, squared hinge and hinge are convex and calibrated, with "
        "phi'(0) = -1/2, -1, -2, -2, -1, and bounded below.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        cc_standard_losses,
        f"repo README 'Theorem 1' (BJM) [SRC]; {NOTE} §1.2, claim 1",
        controls=(
            Control("logistic given phi'(0) = -1", {"losses": {"logistic": (LOGISTIC, -1)}}),
            Control(
                "the squared perceptron max(0, -z)^2 (convex, phi'(0) = 0 exactly) listed as "
                "calibrated",
                {"losses": {"squared perceptron": (NOT_CC["squared perceptron"], 0)}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.cc_negative_controls",
        PAPER,
        "The perceptron max(0, -z) (not differentiable at 0), exp(z) (phi'(0) = +1) and the "
        "squared perceptron max(0, -z)^2 (convex, phi'(0) = 0) are not calibrated.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        cc_negative_controls,
        f"{NOTE} §1.2, claim 1 [ours]",
        controls=(
            Control(
                "the logistic loss in place of the non-calibrated ones",
                {"losses": {"logistic": LOGISTIC}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.tail_losses",
        PAPER,
        "Of the repo's tail losses, Inv_Hinge and Inv_Log_Hinge are convex, C^1 at 1 and bounded "
        "below; Log_Hinge is convex but unbounded; Exp_Hinge and sqrt_Hinge are not convex.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        tail_losses,
        f"{NOTE} §1.3(5), claim 4 [ours]",
        controls=(
            Control(
                "Log_Hinge listed as bounded below",
                {"table": {"Log_Hinge": (TAIL_LOSSES["Log_Hinge"][0], (True, True, True))}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.derivative_form",
        PAPER,
        "Convex <=> phi' non-decreasing; calibrated <=> phi' continuous at 0 with phi'(0) < 0; "
        "bounded below <=> the tail of |phi'| is integrable.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        derivative_form,
        f"repo figure ensLoss_CC.png [SRC]; exact form {NOTE} §1.3 [ours]",
        controls=(
            Control(
                "phi' with its sign flipped, on the logistic loss",
                {
                    "derivative": lambda phi: -calibration.derivative(phi),
                    "losses": {"logistic": LOGISTIC},
                },
            ),
        ),
    ),
    Claim(
        f"{PAPER}.mixture_closure",
        PAPER,
        "A convex combination of calibrated losses is calibrated, with psi_mix <= sum w_k psi_k.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        mixture_closure,
        f"{NOTE} §3, claim 3 [ours]",
        controls=(
            Control(
                "a mixture with the perceptron (not calibrated)",
                {"mixtures": ((("hinge", "perceptron"), (sp.Rational(1, 2), sp.Rational(1, 2))),)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.generator_valid",
        PAPER,
        "Every generated loss-derivative lies in [-1 - 1e-6, -1e-6] and is non-decreasing along "
        "the sorted margins, for any batch size and lambda in (-1, 1), with any tail.",
        Provenance.PAPER,
        Method.SIMULATION,
        generator_valid,
        f"repo losses.py (read in full) [SRC]; {NOTE} §2.2, claim 5",
        controls=(Control("the shift claimed 1% too large (1.01e-6)", {"shift": 1.01e-6}),),
    ),
    Claim(
        f"{PAPER}.clamp_mass_half",
        PAPER,
        "Exactly half of the raw values are clamped to -1, for every lambda.",
        Provenance.DERIVED,
        Method.SIMULATION,
        clamp_mass,
        f"{NOTE} §2.2, claim 6 [ours]",
        controls=(Control("a share of 0.505 claimed (1% too large)", {"claimed": 0.505}),),
    ),
    Claim(
        f"{PAPER}.population_limit",
        PAPER,
        "As the batch grows, the derivative at rank quantile u tends to -min(1, exp(Phi^-1(1 - u))).",
        Provenance.DERIVED,
        Method.SIMULATION,
        population_limit,
        f"{NOTE} §2.2, claim 7 [ours]",
        controls=(
            Control(
                "the limit 1% too large", {"limit": lambda u: 1.01 * ens.population_derivative(u)}
            ),
        ),
        figure=draw.generator,
    ),
    Claim(
        f"{PAPER}.implied_loss_convex",
        PAPER,
        "The loss implied by one draw is convex, non-increasing and has a negative slope at 0.",
        Provenance.DERIVED,
        Method.SIMULATION,
        implied_loss_convex,
        f"{NOTE} claim 8 [ours]",
        controls=(
            Control(
                "values not matched to the margins' ranks (the coupling reversed)",
                {"derivatives": uncoupled_derivatives},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.gradient_equivalence",
        PAPER,
        "The repo's returned scalar mean(sg(g) s) has gradient mean(g y grad f): the SGD step with "
        "the random derivative.",
        Provenance.PAPER,
        Method.NUMERIC,
        gradient_equivalence,
        f"repo losses.py forward [SRC]; {NOTE} §2.2 step 7, claim 10",
        controls=(
            Control(
                "backpropagation with every gradient doubled",
                {"backward": lambda *args: [2 * g for g in mlp.backward(*args)]},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.tail_bounded_below",
        PAPER,
        "The generated losses satisfy the bounded-below condition (a superlinear raising tail of "
        "the derivative).",
        Provenance.PAPER,
        Method.SYMBOLIC,
        tail_bounded_below,
        f"repo figure ensLoss_CC.png and losses.py [SRC]; {NOTE} §2.2, claim 9",
        controls=(
            Control(
                "commit 419c6fb's integrable g/(s log^2 s) tail in place of the code's g/s",
                {"tail": "log_squared"},
            ),
        ),
        expected=Verdict.REFUTED,
        explanation="the code divides by s for s > 1, so |g| ~ c/s and the implied loss falls "
        "like c log s: unbounded below; commit 419c6fb's g/(s log^2 s) tail was integrable",
    ),
    Claim(
        f"{PAPER}.bayes_consistency",
        PAPER,
        "EnsLoss-SGD is consistent: on a well-specified logistic model its excess 0-1 risk "
        "shrinks as n grows.",
        Provenance.PAPER,
        Method.SIMULATION,
        bayes_consistency,
        f"abstract [SRC]: statistical consistency; {NOTE} claim 11",
        controls=(
            Control("a model that does not learn (learning rate 0)", {"learning_rate": 0.0}),
        ),
        figure=draw.excess_risk,
    ),
    Claim(
        f"{PAPER}.overfitting",
        PAPER,
        "EnsLoss prevents overfitting: with p >> n and every loss interpolating, it has higher "
        "test accuracy than BCE, hinge and exponential.",
        Provenance.PAPER,
        Method.SIMULATION,
        overfitting,
        f"abstract [SRC]; pilot {NOTE} claim 12 [ours]",
        controls=(Control("BCE against itself", {"method": "bce"}),),
        figure=draw.overfitting,
    ),
    Claim(
        f"{PAPER}.shape_vs_noise",
        PAPER,
        "In a linear model the gain comes from the rank-based shape of the derivative, not from "
        "its randomness: the expected-order-statistics ablation matches EnsLoss.",
        Provenance.DERIVED,
        Method.SIMULATION,
        shape_vs_noise,
        f"{NOTE} claim 13 [ours, pilot]",
        controls=(Control("the hinge loss as the ablation", {"ablation": "hinge"}),),
    ),
    Claim(
        f"{PAPER}.depth_trend",
        PAPER,
        "EnsLoss's advantage over the best fixed loss grows with depth (MLP1 < MLP3 < MLP5).",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        depth_trend,
        f"repo out_tab.md, our summary {NOTE} §4 [ours]; claim 14",
        controls=(
            Control(
                "EnsLoss's MLP5 accuracies lowered by 5 points (the trend reversed), on digits 2v8",
                {"tasks": ("digits_2v8",), "handicap": 0.05},
            ),
        ),
        figure=draw.depth,
    ),
]
