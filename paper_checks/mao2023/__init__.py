"""Mao, Mohri, Zhong, *Cross-Entropy Loss Functions: Theoretical Analysis and Applications*, ICML 2023.

Only the abstract and the opening of the introduction were read. The abstract says [SRC]: comp-sum
losses include cross-entropy (logistic), generalized cross-entropy and MAE; the paper gives the
first H-consistency bounds for them and says that they are tight; the bounds depend on
minimizability gaps, which it analyses for comp-sum losses. Every formula is a reconstruction
([REC✓]: reconstructed without the paper body, then checked; [UNVERIFIED] where marked), written
out with its tag in the submodules: the family and the transform in ``transform_facts``, the
conditional risks in ``conditional_regrets``, tightness in ``tightness``, the gaps in
``restricted_class``. The claims are ``reconstructed`` unless the abstract states them
(``paper``) or they are our own findings (``derived``, [OURS]). Theorem numbers and the exact
wording are unknown: the references name the result and say that the body was not read.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from figures import comp_sum as draw
from paper_checks.bibliography import Reference
from paper_checks.claims import Claim, Control, Method, Provenance, Scope, Verdict
from paper_checks.mao2023.conditional_regrets import (
    POWER_PAIRS,
    conditional_risk_closed_form,
    entropy_in_bits,
    pointwise_validity,
    pooled_infimum,
)
from paper_checks.mao2023.restricted_class import bound_restricted_class, gap_monotone_in_tau
from paper_checks.mao2023.tightness import (
    OFF_BY,
    mae_tight_small_t,
    n_dependence,
    tight_above_mae,
    tight_gce,
    tight_up_to_logistic,
)
from paper_checks.mao2023.transform_facts import (
    binary_case,
    bounded_iff_tau_above_1,
    convex_increasing,
    decreasing_in_tau,
    family_identities,
    gamma_closed_forms,
    gce_over_n,
    transform_sanity,
)
from theory import comp_sum
from theory.comp_sum import S, T, U

PAPER = "mao2023"
FAMILY = "comp-sum losses: the family Phi^tau (body not read; reconstructed)"
BOUND = "main theorem, the H-consistency bound of comp-sum losses (body not read; reconstructed)"
TIGHT = "abstract ('tight'); the tau and n it covers: body not read"

CLAIMS = [
    Claim(
        f"{PAPER}.family_identities",
        PAPER,
        "The comp-sum family Phi^tau gives sum-exponential (tau=0), logistic (1), MAE as 1 - S_y (2) "
        "and GCE (1 + q), with dPhi/du = (1+u)^-tau and Phi^tau -> log(1+u) as tau -> 1.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        family_identities,
        Reference(PAPER, FAMILY),
        Scope.GENERAL,
        controls=(Control("MAE as 2(1 - S_y)", {"forms": {sp.Integer(2): 2 * (1 - S)}}),),
    ),
    Claim(
        f"{PAPER}.decreasing_in_tau",
        PAPER,
        "Phi^tau(u) is non-increasing in tau for every u >= 0.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        decreasing_in_tau,
        Reference(PAPER, FAMILY),
        Scope.GENERAL,
        controls=(
            Control(
                "a family increasing in tau, u (1 + tau)", {"family": lambda tau: U * (1 + tau)}
            ),
        ),
    ),
    Claim(
        f"{PAPER}.bounded_iff_tau_above_1",
        PAPER,
        "Comp-sum losses are bounded exactly when tau > 1, with supremum 1/(tau - 1).",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        bounded_iff_tau_above_1,
        Reference(PAPER, FAMILY),
        Scope.GENERAL,
        controls=(
            Control(
                "Phi^(tau + 1) in place of Phi^tau",
                {"family": lambda tau: comp_sum.outer_function(tau + 1)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.transform_sanity",
        PAPER,
        "T_tau(0) = T_tau'(0) = 0, T_tau(t) = c_tau t^2 + O(t^4), T_0 = 1 - sqrt(1 - t^2), and the "
        "branches meet continuously at tau = 1 and tend to t/n as tau -> 2.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        transform_sanity,
        Reference(PAPER, BOUND),
        Scope.INSTANCES,
        controls=(
            Control(
                "the GCE branch divided by n once more",
                {"branches": gce_over_n, "taus": (1.5,), "continuity_at": ()},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.binary_case",
        PAPER,
        "For two classes T_tau equals the BJM psi-transform of the margin loss Phi^tau(e^-m).",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        binary_case,
        Reference(
            PAPER,
            "main theorem at n = 2 (body not read; a third-party summary says the bounds match "
            "their binary counterparts)",
        ),
        Scope.INSTANCES,
        controls=(
            Control(
                "T_tau scaled by 9/10, at tau = 1/2",
                {
                    "transform_of": lambda tau, n: (
                        sp.Rational(9, 10) * comp_sum.transform_expr(tau, n)
                    ),
                    "taus": (0.5,),
                },
            ),
        ),
    ),
    Claim(
        f"{PAPER}.transform_convex_increasing",
        PAPER,
        "T_tau is increasing and convex on [0, 1], so Gamma_tau = T_tau^-1 is concave as the bound needs.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        convex_increasing,
        Reference(PAPER, BOUND),
        Scope.INSTANCES,
        controls=(
            Control(
                "a wavy transform t/2 + sin(6t)/20, at tau = 1/2",
                {"transform_of": lambda tau, n: T / 2 + sp.sin(6 * T) / 20, "taus": (0.5,)},
            ),
        ),
        figure=draw.transforms,
    ),
    Claim(
        f"{PAPER}.gamma_closed_forms",
        PAPER,
        "Gamma_0(v) = sqrt(2v - v^2), Gamma_2(v) = n v, Gamma_1(v) <= sqrt(2v), and "
        "Gamma_tau(v) <= sqrt(v / min(c_tau, T_tau(1))).",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        gamma_closed_forms,
        Reference(PAPER, BOUND),
        Scope.INSTANCES,
        controls=(
            Control(
                "Gamma_2(v) = v, MAE without its n", {"mae_gamma": lambda v, n: v, "floor_taus": ()}
            ),
        ),
    ),
    Claim(
        f"{PAPER}.bound_valid_pointwise",
        PAPER,
        "For symmetric complete hypothesis sets, Delta C_01 <= Gamma_tau(Delta C_tau) at every x, "
        "for every conditional distribution and score vector.",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        pointwise_validity,
        Reference(PAPER, BOUND),
        Scope.SAMPLE,
        controls=(
            Control(
                "a transform 1% too large, on the same draws of one tight (tau, n) per regime",
                {"candidate": "enlarged_1pct", "pairs": POWER_PAIRS},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.tight_up_to_logistic",
        PAPER,
        "The bound is tight for tau in [0, 1]: inf{Delta C_tau : Delta C_01 = t} = T_tau(t) for every n.",
        Provenance.RECONSTRUCTED,
        Method.NUMERIC,
        tight_up_to_logistic,
        Reference(PAPER, TIGHT),
        Scope.INSTANCES,
        controls=(Control("a transform 2e-6 too large (twice the tolerance)", {"scale": OFF_BY}),),
        figure=draw.tightness,
    ),
    Claim(
        f"{PAPER}.mae_tight_small_t",
        PAPER,
        "For MAE the linear bound Gamma_2(t) = n t is attained for t <= 1/(n - 1) and only there.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        mae_tight_small_t,
        Reference(
            PAPER,
            "abstract ('tight'); the range t <= 1/(n - 1) of MAE is ours",
            derived_by="paper_checks.mao2023.tightness.mae_tight_small_t",
        ),
        Scope.INSTANCES,
        controls=(
            Control("tightness claimed for every t (threshold 1)", {"tight_up_to": lambda n: 1.0}),
            Control("the MAE transform 2e-6 too large (twice the tolerance)", {"scale": OFF_BY}),
        ),
    ),
    Claim(
        f"{PAPER}.tight_gce",
        PAPER,
        "The bound is tight for generalized cross-entropy (tau in (1, 2)) for every number of classes.",
        Provenance.RECONSTRUCTED,
        Method.NUMERIC,
        tight_gce,
        Reference(PAPER, TIGHT),
        Scope.INSTANCES,
        controls=(
            Control(
                "the same machinery at tau = 1/2, n = 3, where T is tight",
                {"taus": (0.5,), "ns": (3,)},
            ),
        ),
        expected=Verdict.REFUTED,
        figure=draw.tightness,
        explanation="'tight ... for every number of classes': for n >= 3 the brute-force infimum "
        "of Delta C_tau at Delta C_01 = t exceeds T_tau(t). Not contradicted: the bound stays "
        "valid (bound_valid_pointwise); its n^(tau-1) comes from a two-class reduction that uses "
        "S_h >= 1/n.",
    ),
    Claim(
        f"{PAPER}.tight_above_mae",
        PAPER,
        "The bound t/((tau - 1) n^(tau - 1)) is tight for the bounded losses tau > 2.",
        Provenance.RECONSTRUCTED,
        Method.NUMERIC,
        tight_above_mae,
        Reference(PAPER, TIGHT),
        Scope.INSTANCES,
        controls=(
            Control(
                "the same machinery at tau = 1/2, n = 3, where T is tight",
                {"taus": (0.5,), "ns": (3,)},
            ),
        ),
        expected=Verdict.REFUTED,
        figure=draw.tightness,
        explanation="'tight': at every n checked, n = 2 included, the brute-force infimum exceeds "
        "t/((tau - 1) n^(tau - 1)). Not contradicted: the bound stays valid; for tau > 2 the loss "
        "is concave in the softmax and the worst case predicts the wrong class with full "
        "confidence.",
    ),
    Claim(
        f"{PAPER}.conditional_risk_min",
        PAPER,
        "C*_tau(p) = (||p||_a - 1)/(1 - tau), a = 1/(2 - tau), for tau < 2 (entropy at tau = 1), and "
        "(1 - max p)/(tau - 1), an unattained infimum, for tau >= 2.",
        Provenance.DERIVED,
        Method.NUMERIC,
        conditional_risk_closed_form,
        Reference(
            PAPER,
            "abstract (minimizability gaps analysed for comp-sum losses); the closed form is ours",
            derived_by="theory.comp_sum.conditional_risk_min",
        ),
        Scope.SAMPLE,
        controls=(
            Control(
                "the entropy in bits at tau = 1", {"closed_form": entropy_in_bits, "taus": (1.0,)}
            ),
        ),
    ),
    Claim(
        f"{PAPER}.pooled_infimum",
        PAPER,
        "For a fixed prediction h, inf over scores of Delta C_tau is C*_tau(q) - C*_tau(p), q pooling "
        "h with its rivals above the running mean (tau < 2), or a vertex value (tau >= 2).",
        Provenance.DERIVED,
        Method.NUMERIC,
        pooled_infimum,
        Reference(
            PAPER,
            "main theorem's conditional regrets (body not read); the lemma is ours",
            derived_by="theory.comp_sum.pooled_distribution",
        ),
        Scope.SAMPLE,
        controls=(
            Control(
                "the unconstrained minimum (regret 0) in place of the pooled one",
                {"infimum": lambda p, h, tau: np.zeros(p.shape[0]), "taus": (0.5,)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.n_dependence",
        PAPER,
        "The tight transform does not depend on n for logistic and scales as 1/n for MAE at small t.",
        Provenance.RECONSTRUCTED,
        Method.NUMERIC,
        n_dependence,
        Reference(PAPER, BOUND),
        Scope.INSTANCES,
        controls=(Control("MAE (tau = 2) taken as the n-free loss", {"flat_tau": 2.0}),),
        figure=draw.n_dependence,
    ),
    Claim(
        f"{PAPER}.bound_restricted_class",
        PAPER,
        "With minimizability gaps, R01(h) - R01*(H) + M01(H) <= Gamma_tau(R_tau(h) - R_tau*(H) + "
        "M_tau(H)) for every h in a restricted (linear, bounded-weight) class.",
        Provenance.PAPER,
        Method.SIMULATION,
        bound_restricted_class,
        Reference(PAPER, "abstract (bounds that depend on minimizability gaps)"),
        Scope.INSTANCES,
        controls=(Control("the bound without minimizability gaps", {"with_gaps": False}),),
        figure=draw.restricted_class,
    ),
    Claim(
        f"{PAPER}.gap_monotone_in_tau",
        PAPER,
        "For deterministic labels and bounded scores, the minimizability gap M_tau is non-increasing "
        "in tau: sum-exponential has the largest gap, MAE the smallest.",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        gap_monotone_in_tau,
        Reference(
            PAPER,
            "abstract (minimizability gaps analysed for comp-sum losses); the order in tau: "
            "body not read, reconstructed",
        ),
        Scope.INSTANCES,
        controls=(Control("MAE as 2(1 - S_y)", {"convention": {2.0: 2.0}}),),
    ),
]
