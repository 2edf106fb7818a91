"""Ben Dai, *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in
Classification*, ICML 2025 (arXiv 2409.00908), and its background (BJM 2006).

Only the abstract, the opening of the introduction and the official code ``statmlben/ensLoss``
(HEAD ``fd37682``, every source file and its results tables) were read: statements taken from
the code or its README are ``paper``, the translation of the conditions to loss-derivatives is
``reconstructed`` (the paper's lemma was not read), and our own findings and pilots are
``derived``; each submodule's docstring carries the derivations with their provenance tags.
"""

from __future__ import annotations

import sympy as sp

from figures import ensloss as draw
from paper_checks.bibliography import Reference
from paper_checks.claims import Claim, Control, Method, Provenance, Scope, Verdict
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


def _code(location: str) -> Reference:
    """A place in the official code."""
    return Reference(PAPER, f"official code, {location}")


def _ours(location: str, function) -> Reference:
    """A derived claim: the place in the paper or code it builds on, and ``function``, the check
    or losslab function that derives it."""
    return Reference(PAPER, location, f"{function.__module__}.{function.__name__}")


CLAIMS = [
    Claim(
        f"{PAPER}.cc_standard_losses",
        PAPER,
        "Logistic, exponential, squared, squared hinge and hinge are convex and calibrated, with "
        "phi'(0) = -1/2, -1, -2, -2, -1, and bounded below.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        cc_standard_losses,
        _code("README, 'Theorem 1' (Bartlett, Jordan and McAuliffe's criterion restated)"),
        Scope.GENERAL,
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
        _ours(
            "official code, README, 'Theorem 1' (the criterion these losses fail)",
            cc_negative_controls,
        ),
        Scope.GENERAL,
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
        _ours(
            "official code, appendix_D/test_loss.py and losses.py (the appendix-D tail losses)",
            tail_losses,
        ),
        Scope.GENERAL,
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
        _code("figure fig/ensLoss_CC.png (the paper's lemma; body not read)"),
        Scope.INSTANCES,
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
        _ours(
            "abstract (statistical consistency; the mixture argument is ours)",
            mixture_closure,
        ),
        Scope.INSTANCES,
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
        _code("losses.py, ensLoss.forward"),
        Scope.SAMPLE,
        controls=(Control("the shift claimed 1% too large (1.01e-6)", {"shift": 1.01e-6}),),
    ),
    Claim(
        f"{PAPER}.clamp_mass_half",
        PAPER,
        "Exactly half of the raw values are clamped to -1, for every lambda.",
        Provenance.DERIVED,
        Method.SIMULATION,
        clamp_mass,
        _ours("official code, losses.py, ensLoss.BC_inv", clamp_mass),
        Scope.SAMPLE,
        controls=(Control("a share of 0.505 claimed (1% too large)", {"claimed": 0.505}),),
    ),
    Claim(
        f"{PAPER}.population_limit",
        PAPER,
        "As the batch grows, the derivative at rank quantile u tends to -min(1, exp(Phi^-1(1 - u))).",
        Provenance.DERIVED,
        Method.SIMULATION,
        population_limit,
        _ours("official code, losses.py, ensLoss.forward", ens.population_derivative),
        Scope.SAMPLE,
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
        _ours("official code, losses.py, ensLoss.forward", implied_loss_convex),
        Scope.SAMPLE,
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
        _code("losses.py, ensLoss.forward (the returned scalar)"),
        Scope.SAMPLE,
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
        _code("figure fig/ensLoss_CC.png ('superlinear raising-tail') and losses.py (the tail)"),
        Scope.INSTANCES,
        controls=(
            Control(
                "the integrable g/(s log^2 s) tail rule of commit 419c6fb in place of the code's g/s",
                {"tail": "log_squared"},
            ),
        ),
        expected=Verdict.REFUTED,
        explanation="The evidence contradicts 'bounded below': the code divides the derivative "
        "by s for s > 1, so |g| ~ c/s and the implied loss falls like c log s without bound. It "
        "does not contradict the derivative form of the condition itself: the g/(s log^2 s) tail "
        "rule of commit 419c6fb satisfies it.",
    ),
    Claim(
        f"{PAPER}.bayes_consistency",
        PAPER,
        "EnsLoss-SGD is consistent: on a well-specified logistic model its excess 0-1 risk "
        "shrinks as n grows.",
        Provenance.PAPER,
        Method.SIMULATION,
        bayes_consistency,
        Reference(PAPER, "abstract (statistical consistency; the theorem was not read)"),
        Scope.SAMPLE,
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
        Reference(PAPER, "abstract and title (preventing overfitting)"),
        Scope.SAMPLE,
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
        _ours("abstract (the analogy with Dropout)", shape_vs_noise),
        Scope.SAMPLE,
        controls=(Control("the hinge loss as the ablation", {"ablation": "hinge"}),),
    ),
    Claim(
        f"{PAPER}.depth_trend",
        PAPER,
        "EnsLoss's advantage over the best fixed loss grows with depth (MLP1 < MLP3 < MLP5).",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        depth_trend,
        _code("results table out/out_tab (MLP1, MLP3, MLP5 on 14 OpenML data sets)"),
        Scope.SAMPLE,
        controls=(
            Control(
                "EnsLoss's MLP5 accuracies lowered by 5 points (the trend reversed), on digits 2v8",
                {"tasks": ("digits_2v8",), "handicap": 0.05},
            ),
        ),
        figure=draw.depth,
    ),
]
