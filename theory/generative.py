r"""Naive Bayes against logistic regression: the algebra, the assumption quantities, exact risks.

Sources:

* Zheng, Wu, Bao, Cao, Li, Zhu, *Revisiting Discriminative vs. Generative Classifiers: Theory
  and Implications*, ICML 2023, arXiv 2302.02334 (``zheng2023``). Only the abstract and the
  official code (``ML-GSAI/Revisiting-Dis-vs-Gen-Classifiers``: ``models/gaussnb.py``,
  ``utils/vis.py``, ``data/generate_data.py``) were read; the paper body was not.
* Ng & Jordan, *On Discriminative vs. Generative Classifiers*, NIPS 2001 (``ng2001``): abstract
  and introduction read, the theorems reconstructed.

Each public function's tag is collected in :data:`PROVENANCE`: ``paper`` ([V], read in the
abstract or the official code), ``reconstructed`` ([R], not verified in a paper body) and
``derived`` ([D], our derivation [OURS], carried out or checked by the function itself).

The naive Bayes of the paper's code has class means :math:`\mu_k`, one pooled variance
:math:`\sigma_j^2` per feature shared by all classes, and priors :math:`\pi_k`; its score is

.. math::
    s_k(x) = \log\pi_k - \sum_j \frac{(x_j - \mu_{kj})^2}{2\sigma_j^2}
           = w_k^\top x + b_k + c(x), \quad w_k = D^{-1}\mu_k,\
           b_k = \log\pi_k - \tfrac12\mu_k^\top D^{-1}\mu_k,\ D = \mathrm{diag}(\sigma^2),

with :math:`c(x) = -\sum_j x_j^2/(2\sigma_j^2)` the same for every class: naive Bayes is a
linear classifier, the generative half of a generative-discriminative pair with multinomial
logistic regression.

Sections: (1) that algebra, proved with sympy for concrete K and n; (2) the assumption
quantities β, α of ``utils/vis.py``, symbolic and Monte Carlo; (3) exact 0-1 and logistic risks
of linear rules under Gaussian classes with a shared (full) covariance, vectorised over a batch
of rules; (4) the tight logistic → 0-1 transform Ψ; (5) Ng & Jordan's margin mass G(τ).

Every ``prove_*`` returns :class:`theory.proof.Proof` objects (proved symbolically, certified
numerically, refuted, inconclusive), never a bare bool; :func:`generative_identities` collects
the symbolic statements that must all hold.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from numpy.polynomial.hermite import hermgauss
from numpy.polynomial.legendre import leggauss
from scipy import special, stats
from scipy.special import ndtr

from theory import comp_sum
from theory.proof import (
    Proof,
    Status,
    prove_identity,
    prove_limit,
    prove_nonnegative,
    time_limited,
    weakest,
)

PAPER, RECONSTRUCTED, DERIVED = "paper", "reconstructed", "derived"

PROVENANCE: dict[str, str] = {
    "symbolic_naive_bayes": PAPER,
    "naive_bayes_scores": PAPER,
    "class_log_joint": PAPER,
    "affine_parameters": DERIVED,
    "prove_affine_log_odds": DERIVED,
    "prove_affine_scores": DERIVED,
    "prove_softmax_posterior": DERIVED,
    "prove_pairwise_boundary": DERIVED,
    "prove_binary_logit": DERIVED,
    "prove_assumption_identities": DERIVED,
    "prove_alpha_twice_beta": DERIVED,
    "prove_misspecified_gap": DERIVED,
    "assumption_statistics": DERIVED,
    "assumption_statistics_monte_carlo": PAPER,
    "kl_divergence": DERIVED,
    "paper_design": PAPER,
    "fixed_separation_design": DERIVED,
    "block_correlated_design": RECONSTRUCTED,
    "naive_bayes_rule": PAPER,
    "population_naive_bayes": DERIVED,
    "bayes_rule": DERIVED,
    "binary_zero_one_risk": DERIVED,
    "zero_one_risk": DERIVED,
    "gaussian_softplus_mean": DERIVED,
    "logistic_risk": DERIVED,
    "bayes_error": DERIVED,
    "logistic_transform_expr": DERIVED,
    "logistic_transform": DERIVED,
    "zero_one_excess_bound": DERIVED,
    "prove_transform_lower_bound": DERIVED,
    "prove_transform_matches_comp_sum": DERIVED,
    "prove_transform_tightness": DERIVED,
    "prove_perspective_decreasing": DERIVED,
    "margin_mass": RECONSTRUCTED,
    "paper_design_margin_mass": DERIVED,
    "paper_design_log_margin_mass": DERIVED,
    "prove_margin_mass_closed_form": DERIVED,
}
"""Provenance of each public function (the docstrings say which parts are the paper's)."""

T = comp_sum.T
"""The 0-1 regret t ∈ [0, 1], the same symbol as :data:`theory.comp_sum.T`."""
RHO = sp.Symbol("rho", positive=True)
"""The common correlation 0 < ρ < 1 of the misspecified law in §2."""
HALF = sp.Rational(1, 2)
"""The coefficient of the quadratic lower bound Ψ(t) ≥ t²/2."""
TAU_MARGIN = sp.Symbol("tau", nonnegative=True)
"""Ng & Jordan's margin width τ ≥ 0 (not the comp-sum τ)."""


# --------------------------------------------------------------------------------------------
# 1. naive Bayes with pooled diagonal variance is a linear classifier (symbolic)


@dataclass(frozen=True)
class SymbolicNaiveBayes:
    """A Gaussian naive Bayes model with symbolic parameters.

    ``means`` and ``variances`` are K × n matrices (row k: class k); with ``pooled`` every row
    of ``variances`` is the same :math:`(\\sigma_1^2, \\dots, \\sigma_n^2)`.
    """

    features: tuple[sp.Symbol, ...]
    means: sp.Matrix
    variances: sp.Matrix
    priors: tuple[sp.Symbol, ...]
    pooled: bool

    @property
    def n_classes(self) -> int:
        return self.means.rows

    @property
    def n_features(self) -> int:
        return self.means.cols


def _count(name: str, value: int, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def symbolic_naive_bayes(
    n_classes: int, n_features: int, *, pooled: bool = True
) -> SymbolicNaiveBayes:
    r"""Symbols for K classes and n features: :math:`x_j` and :math:`\mu_{kj}` real,
    :math:`\pi_k > 0`, and variances :math:`\sigma_j^2` (``pooled``, the model of the paper's
    ``models/gaussnb.py``) or :math:`\sigma_{kj}^2` (per class, scikit-learn's ``GaussianNB``:
    the negative control). Provenance: paper (the pooled model is read in the official code).
    """
    k_count, n = _count("n_classes", n_classes, 2), _count("n_features", n_features, 1)
    features = tuple(sp.Symbol(f"x_{j}", real=True) for j in range(1, n + 1))
    means = sp.Matrix(k_count, n, lambda k, j: sp.Symbol(f"mu_{k}_{j + 1}", real=True))
    if pooled:
        shared = [sp.Symbol(f"sigma_{j}", positive=True) ** 2 for j in range(1, n + 1)]
        variances = sp.Matrix(k_count, n, lambda k, j: shared[j])
    else:
        variances = sp.Matrix(
            k_count, n, lambda k, j: sp.Symbol(f"sigma_{k}_{j + 1}", positive=True) ** 2
        )
    priors = tuple(sp.Symbol(f"pi_{k}", positive=True) for k in range(k_count))
    return SymbolicNaiveBayes(features, means, variances, priors, pooled)


def _gaussian_density(x: sp.Expr, mean: sp.Expr, variance: sp.Expr) -> sp.Expr:
    return sp.exp(-((x - mean) ** 2) / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)


def class_log_joint(model: SymbolicNaiveBayes) -> list[sp.Expr]:
    r""":math:`\ell_k(x) + \log\pi_k` with :math:`\ell_k(x) = \sum_j \log N(x_j; \mu_{kj},
    \sigma_{kj}^2) = -\sum_j \big[\frac{(x_j-\mu_{kj})^2}{2\sigma_{kj}^2}
    + \tfrac12\log(2\pi\sigma_{kj}^2)\big]`, the log joint density of x and class k.

    ``predict_gaussian_likehood`` of the official code returns :math:`\ell_k`.
    Provenance: paper.
    """
    x, mu, var = model.features, model.means, model.variances
    return [
        sp.log(model.priors[k])
        - sum(
            (x[j] - mu[k, j]) ** 2 / (2 * var[k, j]) + sp.log(2 * sp.pi * var[k, j]) / 2
            for j in range(model.n_features)
        )
        for k in range(model.n_classes)
    ]


def _require_pooled(model: SymbolicNaiveBayes) -> None:
    if not model.pooled:
        raise ValueError("this statement is about the pooled-variance model (pooled=True)")


def naive_bayes_scores(model: SymbolicNaiveBayes) -> list[sp.Expr]:
    r"""The score of ``GaussianNB.predict`` in the official code,
    :math:`s_k(x) = \log\pi_k - \sum_j (x_j - \mu_{kj})^2/(2\sigma_j^2)` (pooled model only:
    it drops the class-independent :math:`-\tfrac12\sum_j\log(2\pi\sigma_j^2)`).
    Provenance: paper [zheng2023, official code ``models/gaussnb.py``] [V].
    """
    _require_pooled(model)
    x, mu, var = model.features, model.means, model.variances
    return [
        sp.log(model.priors[k])
        - sum((x[j] - mu[k, j]) ** 2 / (2 * var[k, j]) for j in range(model.n_features))
        for k in range(model.n_classes)
    ]


def affine_parameters(model: SymbolicNaiveBayes) -> tuple[list[sp.Matrix], list[sp.Expr]]:
    r"""The affine scores :math:`w_k = D^{-1}\mu_k` and
    :math:`b_k = \log\pi_k - \tfrac12\mu_k^\top D^{-1}\mu_k` (pooled model: expand the square
    in :func:`naive_bayes_scores`). Provenance: derived [OURS].
    """
    _require_pooled(model)
    mu, var = model.means, model.variances
    weights = [
        sp.Matrix([mu[k, j] / var[k, j] for j in range(model.n_features)])
        for k in range(model.n_classes)
    ]
    intercepts = [
        sp.log(model.priors[k]) - sum(mu[k, j] ** 2 / (2 * var[k, j]) for j in range(mu.cols))
        for k in range(model.n_classes)
    ]
    return weights, intercepts


def _affine_scores(model: SymbolicNaiveBayes) -> list[sp.Expr]:
    weights, intercepts = affine_parameters(model)
    x = sp.Matrix(model.features)
    return [(w.T * x)[0, 0] + b for w, b in zip(weights, intercepts)]


def _conjunction(statement: str, parts: Sequence[Proof], rung: str) -> Proof:
    """One statement made of several parts; its status is the weakest part's."""
    failed = [p for p in parts if p.status is not Status.PROVED]
    detail = "; ".join(f"{p.statement}: {p.status} ({p.detail})" for p in failed[:3])
    return Proof(statement, weakest(parts), rung, detail or f"{len(parts)} parts proved")


def _tag(model: SymbolicNaiveBayes) -> str:
    kind = "pooled" if model.pooled else "per-class"
    return f"K={model.n_classes}, n={model.n_features}, {kind} variances"


def prove_affine_log_odds(model: SymbolicNaiveBayes) -> Proof:
    r"""For every pair k < l the Hessian in x of the log posterior odds
    :math:`(\ell_k + \log\pi_k) - (\ell_l + \log\pi_l)` is identically 0, i.e. the odds are affine.

    With pooled variances each entry is 0 (proved); with per-class variances the diagonal entry
    :math:`1/\sigma_{lj}^2 - 1/\sigma_{kj}^2` is not, and the statement is *refuted* (a nonzero
    value at a sample point): scikit-learn's ``GaussianNB`` has quadratic boundaries.
    Provenance: derived [OURS].
    """
    joint = class_log_joint(model)
    x = model.features
    parts = []
    for k, l in itertools.combinations(range(model.n_classes), 2):
        hessian = sp.hessian(joint[k] - joint[l], x)
        parts += [
            prove_identity(hessian[i, j], 0, statement=f"d2(L_{k} - L_{l})/dx_{i + 1}dx_{j + 1}")
            for i in range(len(x))
            for j in range(i, len(x))
        ]
    return _conjunction(
        f"{_tag(model)}: every log posterior odds has zero Hessian in x (affine)",
        parts,
        "each Hessian entry, each pair",
    )


def prove_affine_scores(model: SymbolicNaiveBayes) -> list[Proof]:
    r""":math:`s_k(x) = w_k^\top x + b_k + c(x)` with :func:`affine_parameters` and the
    class-independent :math:`c(x) = -\sum_j x_j^2/(2\sigma_j^2)`, one proof per class.
    Provenance: derived [OURS].
    """
    x, var = model.features, model.variances
    common = -sum(x[j] ** 2 / (2 * var[0, j]) for j in range(model.n_features))
    return [
        prove_identity(s, a + common, statement=f"{_tag(model)}: s_{k} == w_{k}.x + b_{k} + c(x)")
        for k, (s, a) in enumerate(zip(naive_bayes_scores(model), _affine_scores(model)))
    ]


def _split_exponentials(expr: sp.Expr) -> sp.Expr:
    """exp(a + b) -> exp(a) exp(b) after expanding every exponent (an exact rewrite)."""
    expr = expr.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.expand(e.args[0])))
    return sp.expand_power_exp(expr)


def prove_softmax_posterior(model: SymbolicNaiveBayes) -> list[Proof]:
    r"""Bayes' rule for the model equals the softmax of the affine scores:

    .. math::
        \frac{\pi_k \prod_j N(x_j; \mu_{kj}, \sigma_j^2)}{\sum_l \pi_l \prod_j N(x_j; \mu_{lj},
        \sigma_j^2)} = \frac{e^{w_k^\top x + b_k}}{\sum_l e^{w_l^\top x + b_l}},

    one proof per class, the densities written out with their normalising constants
    (the multinomial-logistic form: the class-free factors cancel in the ratio). Provenance:
    derived [OURS].
    """
    _require_pooled(model)
    x, mu, var = model.features, model.means, model.variances
    joint = [
        model.priors[k]
        * sp.Mul(*(_gaussian_density(x[j], mu[k, j], var[k, j]) for j in range(len(x))))
        for k in range(model.n_classes)
    ]
    exps = [sp.exp(a) for a in _affine_scores(model)]
    return [
        prove_identity(
            _split_exponentials(joint[k] / sum(joint)),
            _split_exponentials(exps[k] / sum(exps)),
            statement=f"{_tag(model)}: p(y={k}|x) == softmax_{k}(w.x + b)",
        )
        for k in range(model.n_classes)
    ]


def prove_pairwise_boundary(model: SymbolicNaiveBayes) -> list[Proof]:
    r"""The boundary between classes k and l, :math:`s_k = s_l`, is the hyperplane

    .. math::
        (\mu_k - \mu_l)^\top D^{-1} x = \tfrac12(\mu_k^\top D^{-1}\mu_k - \mu_l^\top D^{-1}\mu_l)
        - \log(\pi_k/\pi_l),

    proved as the identity :math:`s_k - s_l = \text{lhs} - \text{rhs}` for every pair k < l.
    Provenance: derived [OURS].
    """
    _require_pooled(model)
    scores = naive_bayes_scores(model)
    x, mu, var = model.features, model.means, model.variances
    proofs = []
    for k, l in itertools.combinations(range(model.n_classes), 2):
        lhs = sum((mu[k, j] - mu[l, j]) * x[j] / var[0, j] for j in range(len(x)))
        quadratic = sum((mu[k, j] ** 2 - mu[l, j] ** 2) / var[0, j] for j in range(len(x)))
        rhs = quadratic / 2 - sp.log(model.priors[k] / model.priors[l])
        proofs.append(
            prove_identity(
                scores[k] - scores[l],
                lhs - rhs,
                statement=f"{_tag(model)}: s_{k} - s_{l} == (mu_{k} - mu_{l})'D^-1 x - "
                f"(mu_{k}'D^-1 mu_{k} - mu_{l}'D^-1 mu_{l})/2 + log(pi_{k}/pi_{l})",
            )
        )
    return proofs


def prove_binary_logit(n_features: int) -> Proof:
    r"""K = 2: :math:`s_1 - s_0 = w^\top x + b` with :math:`w = D^{-1}(\mu_1 - \mu_0)` and
    :math:`b = -\tfrac12(\mu_1 + \mu_0)^\top D^{-1}(\mu_1 - \mu_0) + \log(\pi_1/\pi_0)`
    (:func:`affine_parameters` at K = 2). Provenance: derived [OURS].
    """
    model = symbolic_naive_bayes(2, n_features)
    s0, s1 = naive_bayes_scores(model)
    x, mu, var = model.features, model.means, model.variances
    n = model.n_features
    logit = sum((mu[1, j] - mu[0, j]) / var[0, j] * x[j] for j in range(n))
    logit -= sum((mu[1, j] + mu[0, j]) * (mu[1, j] - mu[0, j]) / var[0, j] for j in range(n)) / 2
    logit += sp.log(model.priors[1] / model.priors[0])
    return prove_identity(s1 - s0, logit, statement=f"n={n}: s_1 - s_0 == w.x + b (binary logit)")


# --------------------------------------------------------------------------------------------
# 2. the assumption quantities beta and alpha


def _standard_normal_moment(power: int) -> sp.Integer:
    """E[Z^p] for Z ~ N(0, 1): 0 for odd p, (p - 1)!! for even p."""
    return sp.Integer(0) if power % 2 else sp.factorial2(power - 1)


def _gaussian_expectation(expr: sp.Expr, normals: Sequence[sp.Symbol]) -> sp.Expr:
    """E[expr] for a polynomial in independent standard normals (exact, monomial by monomial)."""
    poly = sp.Poly(sp.expand(expr), *normals)
    return sp.Add(
        *(
            coefficient * sp.Mul(*(_standard_normal_moment(p) for p in powers))
            for powers, coefficient in poly.terms()
        )
    )


@dataclass(frozen=True)
class _AssumptionSetting:
    """Three classes, pooled variances, the pair (0, 1); x | y = k drawn as μ_k + (mixing) z."""

    n: int
    means: sp.Matrix
    sigmas: tuple[sp.Symbol, ...]
    normals: tuple[sp.Symbol, ...]
    correlated: bool

    def log_density(self, label: int, j: int, x_j: sp.Expr) -> sp.Expr:
        """log N(x_j; μ_{label,j}, σ_j²), one term of ℓ_label."""
        s = self.sigmas[j]
        return -((x_j - self.means[label, j]) ** 2) / (2 * s**2) - sp.log(2 * sp.pi * s**2) / 2

    def draw(self, true_class: int) -> list[sp.Expr]:
        """x_j = μ_kj + σ_j z_j, or μ_kj + σ_j(sqrt(1 - ρ) z_j + sqrt(ρ) z_0) with a common
        factor z_0 when correlated (variances σ_j², correlation ρ between every two features)."""
        if not self.correlated:
            return [self.means[true_class, j] + s * z for j, (s, z) in enumerate(self.pairs)]
        common = self.normals[-1]
        return [
            self.means[true_class, j] + s * (sp.sqrt(1 - RHO) * z + sp.sqrt(RHO) * common)
            for j, (s, z) in enumerate(self.pairs)
        ]

    @property
    def pairs(self) -> list[tuple[sp.Symbol, sp.Symbol]]:
        return list(zip(self.sigmas, self.normals[: self.n]))

    def gap_moments(self, true_class: int) -> tuple[sp.Expr, sp.Expr]:
        """(E, Var) of ℓ_0(x) - ℓ_1(x) = Σ_j g_j under x | y = true_class.

        The mean is built feature by feature, each E[g_j] factored, so that a sum of squares
        stays visible to sympy's sign assumptions (and |E| reduces to E when it is one).
        """
        x = self.draw(true_class)
        terms = [
            self.log_density(0, j, x_j) - self.log_density(1, j, x_j) for j, x_j in enumerate(x)
        ]
        mean = sp.Add(*(sp.factor(_gaussian_expectation(g, self.normals)) for g in terms))
        second = _gaussian_expectation(sum(terms) ** 2, self.normals)
        return mean, sp.expand(second - sp.expand(mean) ** 2)


def _assumption_setting(n_features: int, *, correlated: bool = False) -> _AssumptionSetting:
    n = _count("n_features", n_features, 1)
    means = sp.Matrix(3, n, lambda k, j: sp.Symbol(f"mu_{k}_{j + 1}", real=True))
    sigmas = tuple(sp.Symbol(f"sigma_{j}", positive=True) for j in range(1, n + 1))
    normals = tuple(sp.Symbol(f"z_{j}", real=True) for j in range(1, n + 1 + correlated))
    return _AssumptionSetting(n, means, sigmas, normals, correlated)


def _diagonal_gaussian_kl(mean_p, var_p, mean_q, var_q) -> sp.Expr:
    r"""KL(N(a, diag s²) ‖ N(b, diag t²)) = ½ Σ [s²/t² + (a - b)²/t² - 1 + log(t²/s²)]."""
    return sum(
        (vp / vq + (a - b) ** 2 / vq - 1 + sp.log(vq / vp)) / 2
        for a, vp, b, vq in zip(mean_p, var_p, mean_q, var_q)
    )


def prove_assumption_identities(n_features: int) -> list[Proof]:
    r"""Under the well-specified pooled model, x | y = 0 ~ N(μ_0, D), with
    :math:`\ell_j` of :func:`class_log_joint` and the pair (0, 1):

    * :math:`n\beta_{0,1,0} = |E_0[\ell_0 - \ell_1]| = \mathrm{KL}(N_0 \| N_1)`, the general
      diagonal-Gaussian KL with equal variances, i.e. :math:`\tfrac12\sum_j d_j^2/\sigma_j^2`;
    * :math:`n\alpha_{0,1,0} = \mathrm{Var}_0[\ell_0 - \ell_1] = \sum_j d_j^2/\sigma_j^2`,
      :math:`d = \mu_0 - \mu_1`;
    * :math:`\alpha = 2\beta` with the true class either member of the pair (0 and 1).

    Expectations are exact: :math:`x_j = \mu_{0j} + \sigma_j z_j` and the moments of the
    standard normals :math:`z_j` monomial by monomial. The definitions of β, α are the code's
    [zheng2023, official code ``utils/vis.py``] [V]; the closed forms are our derivation, carried
    out here [OURS]. Provenance: derived.
    """
    setting = _assumption_setting(n_features)
    n, sigmas, means = setting.n, setting.sigmas, setting.means
    mean, variance = setting.gap_moments(0)
    squares = [(means[0, j] - means[1, j]) ** 2 / s**2 for j, s in enumerate(sigmas)]
    kl = _diagonal_gaussian_kl(
        means.row(0), [s**2 for s in sigmas], means.row(1), [s**2 for s in sigmas]
    )
    return [
        prove_identity(sp.Abs(mean), kl, statement=f"n={n}: |E_0[l_0 - l_1]| == KL(N_0 || N_1)"),
        prove_identity(
            kl, sum(squares) / 2, statement=f"n={n}: KL(N_0 || N_1) == sum_j d_j^2/(2 sigma_j^2)"
        ),
        prove_identity(
            variance, sum(squares), statement=f"n={n}: Var_0[l_0 - l_1] == sum_j d_j^2/sigma_j^2"
        ),
        prove_alpha_twice_beta(n_features, true_class=0),
        prove_alpha_twice_beta(n_features, true_class=1),
    ]


def prove_alpha_twice_beta(
    n_features: int, *, true_class: int = 0, correlated: bool = False
) -> Proof:
    r""":math:`\alpha_{0,1,k} = 2\beta_{0,1,k}`, i.e.
    :math:`\mathrm{Var}_k[\ell_0 - \ell_1] = 2|E_k[\ell_0 - \ell_1]|`, for x | y = k.

    Proved for k ∈ {0, 1} under the well-specified model (the closed forms of
    :func:`prove_assumption_identities`). Refuted
    (negative controls and diagnostics) when ``correlated`` (every two features correlated by
    ρ, NB's diagonal model misspecified) and for the third class k = 2 even when well-specified:
    the code's diagnostic averages over *all* pairs k1 ≠ k2 for each k, and only pairs that
    contain k have α = 2β. Provenance: derived.
    """
    if true_class not in (0, 1, 2):
        raise ValueError(f"true_class must be 0, 1 or 2 (three classes), got {true_class!r}")
    setting = _assumption_setting(n_features, correlated=correlated)
    mean, variance = setting.gap_moments(true_class)
    law = "correlated (rho)" if correlated else "well-specified"
    return prove_identity(
        variance / setting.n,
        2 * sp.Abs(mean) / setting.n,
        statement=f"n={setting.n}, {law}, true class {true_class}: alpha_01 == 2 beta_01",
        domains={RHO: (0.0, 1.0)} if correlated else None,
    )


def prove_misspecified_gap(n_features: int) -> Proof:
    r"""Under x | y = 0 ~ N(μ_0, D^{1/2} R D^{1/2}) with R the equicorrelation matrix
    (unit diagonal, ρ off it) and NB's diagonal model:

    .. math::
        \alpha - 2\beta = \frac{\rho}{n}\Big[\Big(\sum_j \frac{d_j}{\sigma_j}\Big)^2
        - \sum_j \frac{d_j^2}{\sigma_j^2}\Big], \qquad d = \mu_0 - \mu_1,

    nonzero whenever ρ > 0 and two standardised mean gaps are nonzero, so α ≠ 2β diagnoses the
    misspecification [OURS]. Provenance: derived.
    """
    setting = _assumption_setting(n_features, correlated=True)
    mean, variance = setting.gap_moments(0)
    ratios = [(setting.means[0, j] - setting.means[1, j]) / s for j, s in enumerate(setting.sigmas)]
    expected = RHO / setting.n * (sum(ratios) ** 2 - sum(r**2 for r in ratios))
    return prove_identity(
        variance / setting.n - 2 * sp.Abs(mean) / setting.n,
        expected,
        statement=f"n={setting.n}, correlated: alpha - 2 beta == rho/n [(sum d/sigma)^2 - "
        "sum (d/sigma)^2]",
        domains={RHO: (0.0, 1.0)},
    )


# --------------------------------------------------------------------------------------------
# numeric models: Gaussian classes with a shared covariance, naive Bayes parameters


def _finite(name: str, value, ndim: int | None = None) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return array


def _check_priors(priors: np.ndarray) -> None:
    if priors.shape[-1] < 2:
        raise ValueError(f"priors need at least two classes, got shape {priors.shape}")
    if not np.all(priors > 0):
        raise ValueError("priors must be positive (every class present)")
    slack = 1000 * priors.shape[-1] * np.finfo(float).eps
    if not np.all(np.abs(priors.sum(axis=-1) - 1) <= slack):
        raise ValueError(f"priors must sum to 1 (within {slack:.1e})")


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def _generator(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator | np.random.SeedSequence):
        raise TypeError(f"rng must be a numpy Generator or SeedSequence, got {type(rng).__name__}")
    return np.random.default_rng(rng)


@dataclass(frozen=True, eq=False)
class GaussianClasses:
    r"""K Gaussian classes with a shared covariance: x | y = k ~ N(μ_k, Σ), P(y = k) = π_k.

    ``means`` (K, n), ``covariance`` (n, n) symmetric positive definite (full, not only
    diagonal), ``priors`` (K,) positive and summing to 1. Arrays are stored read-only.
    """

    means: np.ndarray
    covariance: np.ndarray
    priors: np.ndarray
    cholesky: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        means = _finite("means", self.means, 2)
        covariance = _finite("covariance", self.covariance, 2)
        priors = _finite("priors", self.priors, 1)
        k, n = means.shape
        if k < 2 or n < 1:
            raise ValueError(f"means must be (K, n) with K >= 2 and n >= 1, got {means.shape}")
        if covariance.shape != (n, n):
            raise ValueError(f"covariance must be ({n}, {n}), got {covariance.shape}")
        if priors.shape != (k,):
            raise ValueError(f"priors must have shape ({k},), got {priors.shape}")
        _check_priors(priors)
        scale = max(np.max(np.abs(covariance)), np.finfo(float).tiny)
        if np.max(np.abs(covariance - covariance.T)) > 1e-12 * scale:
            raise ValueError("covariance must be symmetric")
        covariance = (covariance + covariance.T) / 2
        try:
            cholesky = np.linalg.cholesky(covariance)
        except np.linalg.LinAlgError:
            raise ValueError("covariance must be positive definite") from None
        object.__setattr__(self, "means", _frozen(means))
        object.__setattr__(self, "covariance", _frozen(covariance))
        object.__setattr__(self, "priors", _frozen(priors))
        object.__setattr__(self, "cholesky", _frozen(cholesky))

    @property
    def n_classes(self) -> int:
        return self.means.shape[0]

    @property
    def n_features(self) -> int:
        return self.means.shape[1]

    @property
    def diagonal(self) -> bool:
        """Whether Σ is diagonal: then naive Bayes is well specified for this law."""
        return not np.any(self.covariance - np.diag(np.diag(self.covariance)))

    def sample_class(self, label: int, size: int, rng) -> np.ndarray:
        """``size`` draws of x | y = label, shape (size, n); ``rng`` a Generator or SeedSequence."""
        if label not in range(self.n_classes):
            raise ValueError(f"label must be in 0..{self.n_classes - 1}, got {label!r}")
        size = _count("size", size, 0)
        normals = _generator(rng).standard_normal((size, self.n_features))
        return self.means[label] + normals @ self.cholesky.T

    def sample(self, size: int, rng) -> tuple[np.ndarray, np.ndarray]:
        """``size`` draws of (x, y): x of shape (size, n), labels (size,) sorted by class."""
        generator = _generator(rng)
        counts = generator.multinomial(_count("size", size, 0), self.priors)
        x = np.concatenate([self.sample_class(k, c, generator) for k, c in enumerate(counts)])
        return x, np.repeat(np.arange(self.n_classes), counts)


def paper_design(
    *, n_classes: int, n_features: int, loader_transform: bool = False
) -> GaussianClasses:
    r"""The synthetic law of the paper's ``data/generate_data.py`` ("easy" mode).

    Means :math:`c_k\mathbf 1` with :math:`c_0 = -1`, :math:`c_k = 2^{k-1}` (k ≥ 1); shared
    covariance :math:`\mathrm{diag}(n, \dots, n, 1, \dots, 1)` with :math:`\lfloor n/2\rfloor`
    entries n; equal priors (class-balanced pools). Provenance: paper (the official code).

    With ``loader_transform`` the features are those ``data/dataset.py`` hands to both
    classifiers: for K > 2, :math:`x \mapsto (x - s)/s` with :math:`s = 2^{K-3}`. That is a
    pure shift at K = 3 (no effect on either fit: naive Bayes is affine-invariant and the
    logistic regression's unpenalised intercept absorbs translations), but a scaling by 1/4 and
    1/16 at K = 5 and 7, which for an L2-penalised logistic regression is the same as
    multiplying C by :math:`1/s^2`. Risks of the Bayes and naive Bayes rules do not change.
    """
    k_count, n = _count("n_classes", n_classes, 2), _count("n_features", n_features, 1)
    centres = np.array([-1.0] + [2.0 ** (k - 1) for k in range(1, k_count)])
    variances = np.array([float(n)] * (n // 2) + [1.0] * (n - n // 2))
    if loader_transform and k_count > 2:
        shift = 2.0 ** (k_count - 3)
        centres, variances = (centres - shift) / shift, variances / shift**2
    return GaussianClasses(
        np.outer(centres, np.ones(n)), np.diag(variances), np.full(k_count, 1.0 / k_count)
    )


def fixed_separation_design(
    *, n_classes: int, n_features: int, separation: float = 4.0
) -> GaussianClasses:
    r""":func:`paper_design` with the means scaled so that the two closest classes stay
    ``separation`` apart in Mahalanobis distance for every n.

    In the paper design the squared distance between :math:`c_a\mathbf 1` and
    :math:`c_b\mathbf 1` is :math:`(c_a - c_b)^2 S` with :math:`S = \sum_j \sigma_j^{-2}
    \approx n/2`, so the problem gets easier as n grows. Here every mean
    is multiplied by :math:`\Delta / (d_{\min}\sqrt S)` (:math:`d_{\min}` the smallest centre
    gap, Δ = ``separation``): the Bayes error stays fixed (:math:`\Phi(-\Delta/2)` for K = 2)
    while the dimension grows. Provenance: derived (our variant of the paper's design).
    """
    if not (math.isfinite(separation) and separation > 0):
        raise ValueError(f"separation must be positive and finite, got {separation}")
    law = paper_design(n_classes=n_classes, n_features=n_features)
    closest = np.min(np.diff(np.sort(law.means[:, 0])))
    spread = math.sqrt(np.sum(1.0 / np.diag(law.covariance)))
    return GaussianClasses(
        law.means * (separation / (closest * spread)), law.covariance, law.priors
    )


def block_correlated_design(
    *,
    n_classes: int,
    n_features: int,
    block: int = 4,
    correlation: float = 0.3,
    max_shift: float = 0.5,
    rng,
) -> GaussianClasses:
    r"""A misspecified design of ours [OURS]: naive Bayes' independence assumption fails.

    Unit variances; features in consecutive blocks of ``block`` with correlation ρ =
    ``correlation`` inside a block and 0 across; class k has mean :math:`k\,d` with
    :math:`d_j \sim U(0, \text{max\_shift})` drawn once from ``rng`` (a Generator or
    SeedSequence); priors 1/K. The Bayes rule uses :math:`\Sigma^{-1}\Delta\mu`, naive Bayes'
    limit :math:`D^{-1}\Delta\mu`, so naive Bayes' asymptotic error exceeds the Bayes error: the
    setting of the "two regimes" of [ng2001, abstract]. Provenance: reconstructed (our design,
    in neither paper).
    """
    block = _count("block", block, 1)
    n_features = _count("n_features", n_features, block)
    if n_features % block:
        raise ValueError(f"n_features ({n_features}) must be a multiple of block ({block})")
    if not -1.0 / max(block - 1, 1) < correlation < 1.0:
        raise ValueError(f"correlation {correlation} does not give a positive definite block")
    if not (math.isfinite(max_shift) and max_shift > 0):
        raise ValueError(f"max_shift must be positive and finite, got {max_shift}")
    k_count = _count("n_classes", n_classes, 2)
    shift = _generator(rng).uniform(0.0, max_shift, n_features)
    within = np.full((block, block), correlation) + (1.0 - correlation) * np.eye(block)
    return GaussianClasses(
        np.outer(np.arange(k_count, dtype=float), shift),
        np.kron(np.eye(n_features // block), within),
        np.full(k_count, 1.0 / k_count),
    )


@dataclass(frozen=True, eq=False)
class NaiveBayes:
    """Numeric naive Bayes parameters: ``means`` (K, n), pooled ``variances`` (n,) > 0,
    ``priors`` (K,) on the open simplex."""

    means: np.ndarray
    variances: np.ndarray
    priors: np.ndarray

    def __post_init__(self) -> None:
        means = _finite("means", self.means, 2)
        variances = _finite("variances", self.variances, 1)
        priors = _finite("priors", self.priors, 1)
        if variances.shape != (means.shape[1],) or priors.shape != (means.shape[0],):
            raise ValueError(
                f"means {means.shape} need variances ({means.shape[1]},) and priors "
                f"({means.shape[0]},); got {variances.shape} and {priors.shape}"
            )
        if not np.all(variances > 0):
            raise ValueError("variances must be positive")
        _check_priors(priors)
        for name, value in (("means", means), ("variances", variances), ("priors", priors)):
            object.__setattr__(self, name, _frozen(value))


def population_naive_bayes(law: GaussianClasses) -> NaiveBayes:
    r"""The m → ∞ limit of the pooled naive Bayes fit on ``law``: the class means, the pooled
    within-class variances :math:`\sum_k\pi_k\Sigma_{jj} = \Sigma_{jj}` and the priors
    (the variance smoothing ε = 1e-9 of the code is left out). Provenance: derived.
    """
    return NaiveBayes(law.means, np.diag(law.covariance), law.priors)


def naive_bayes_rule(means, variances, priors) -> tuple[np.ndarray, np.ndarray]:
    r"""The affine scores of pooled naive Bayes, batched: :math:`W_k = \mu_k / \sigma^2` and
    :math:`b_k = \log\pi_k - \tfrac12\sum_j \mu_{kj}^2/\sigma_j^2`.

    ``means`` (..., K, n), ``variances`` (..., n) > 0, ``priors`` (..., K) on the open simplex;
    returns ``weights`` (..., K, n) and ``intercepts`` (..., K), the argmax rule of
    ``GaussianNB.predict`` in the official code. Provenance: paper [zheng2023, official code
    ``models/gaussnb.py``] [V]; the affine form is :func:`affine_parameters` [OURS].
    """
    means = _finite("means", means)
    variances = _finite("variances", variances)
    priors = _finite("priors", priors)
    if means.ndim < 2 or variances.shape != means.shape[:-2] + means.shape[-1:]:
        raise ValueError(
            f"means (..., K, n) need variances (..., n); got {means.shape} and {variances.shape}"
        )
    if priors.shape != means.shape[:-1]:
        raise ValueError(f"means {means.shape} need priors of shape {means.shape[:-1]}")
    if not np.all(variances > 0):
        raise ValueError("variances must be positive")
    _check_priors(priors)
    weights = means / variances[..., None, :]
    intercepts = np.log(priors) - 0.5 * np.sum(means * weights, axis=-1)
    return weights, intercepts


def bayes_rule(law: GaussianClasses) -> tuple[np.ndarray, np.ndarray]:
    r"""The Bayes rule of shared-covariance Gaussian classes: :math:`W_k = \Sigma^{-1}\mu_k`,
    :math:`b_k = \log\pi_k - \tfrac12\mu_k^\top\Sigma^{-1}\mu_k` (the log posterior up to a
    class-independent term; LDA). Returns (K, n) weights and (K,) intercepts.
    Provenance: derived.
    """
    weights = np.linalg.solve(law.covariance, law.means.T).T
    intercepts = np.log(law.priors) - 0.5 * np.sum(weights * law.means, axis=1)
    return weights, intercepts


def kl_divergence(law: GaussianClasses, first: int, second: int) -> float:
    r""":math:`\mathrm{KL}(N(\mu_a, \Sigma) \| N(\mu_b, \Sigma)) = \tfrac12 (\mu_a-\mu_b)^\top
    \Sigma^{-1}(\mu_a-\mu_b)`. Provenance: derived."""
    _check_label_pair(law.n_classes, first, second)
    gap = law.means[first] - law.means[second]
    return 0.5 * float(gap @ np.linalg.solve(law.covariance, gap))


def _check_label_pair(n_classes: int, first: int, second: int) -> None:
    if first not in range(n_classes) or second not in range(n_classes) or first == second:
        raise ValueError(f"need two different labels in 0..{n_classes - 1}, got {first}, {second}")


# --------------------------------------------------------------------------------------------
# 2 (numeric). beta, alpha exactly and by Monte Carlo


@dataclass(frozen=True)
class AssumptionStatistics:
    r"""β = |E[g]|/n and α = Var[g]/n for :math:`g = \ell_{k_1}(x) - \ell_{k_2}(x)`,
    x | y = k, with standard errors (0 for exact values); ``gap`` is α - 2β."""

    beta: float
    alpha: float
    beta_se: float = 0.0
    alpha_se: float = 0.0
    gap_se: float = 0.0

    @property
    def gap(self) -> float:
        return self.alpha - 2 * self.beta


def _log_likelihood_gap_coefficients(
    model: NaiveBayes, pair: tuple[int, int]
) -> tuple[np.ndarray, float]:
    """(a, c) with ℓ_{k1}(x) - ℓ_{k2}(x) = a·x + c (pooled variances)."""
    first, second = pair
    a = (model.means[first] - model.means[second]) / model.variances
    c = -0.5 * float(np.sum((model.means[first] ** 2 - model.means[second] ** 2) / model.variances))
    return a, c


def _check_assumption_arguments(model, law, pair, true_class) -> None:
    if model.means.shape != law.means.shape:
        raise ValueError(f"model means {model.means.shape} differ from law means {law.means.shape}")
    if len(pair) != 2:
        raise ValueError(f"pair must be two labels, got {pair!r}")
    _check_label_pair(law.n_classes, *pair)
    if true_class not in range(law.n_classes):
        raise ValueError(f"true_class must be in 0..{law.n_classes - 1}, got {true_class!r}")


def assumption_statistics(
    model: NaiveBayes, law: GaussianClasses, pair: tuple[int, int], true_class: int
) -> AssumptionStatistics:
    r"""Exact β and α of ``utils/vis.py`` for naive Bayes ``model`` and data x | y = k ~ ``law``.

    With pooled variances :math:`g = \ell_{k_1} - \ell_{k_2} = a^\top x + c`,
    :math:`a = D^{-1}(\mu_{k_1} - \mu_{k_2})`,
    :math:`c = -\tfrac12(\mu_{k_1}^\top D^{-1}\mu_{k_1} - \mu_{k_2}^\top D^{-1}\mu_{k_2})`, so
    :math:`E[g] = a^\top m_k + c` and :math:`\mathrm{Var}[g] = a^\top\Sigma a` for the law's
    :math:`m_k, \Sigma`. Well-specified (``model = population_naive_bayes(law)``, Σ diagonal)
    and k ∈ pair: β = KL/n and α = 2β. Provenance: derived.
    """
    _check_assumption_arguments(model, law, pair, true_class)
    a, c = _log_likelihood_gap_coefficients(model, pair)
    n = law.n_features
    mean = float(a @ law.means[true_class]) + c
    return AssumptionStatistics(abs(mean) / n, float(a @ law.covariance @ a) / n)


MONTE_CARLO_BLOCK = 1 << 16
"""Draws per block of the Monte Carlo estimators (bounds their memory)."""


def assumption_statistics_monte_carlo(
    model: NaiveBayes,
    law: GaussianClasses,
    pair: tuple[int, int],
    true_class: int,
    n_draws: int,
    rng,
) -> AssumptionStatistics:
    r"""Monte Carlo β and α as ``utils/vis.py`` computes them, with delta-method standard errors.

    Draws :math:`x_i` from x | y = k, evaluates :math:`g_i = \ell_{k_1}(x_i) - \ell_{k_2}(x_i)`
    from the definition (full log densities), then :math:`\hat\beta = |\bar g|/n` and
    :math:`\hat\alpha = \widehat{\mathrm{Var}}(g)/n` (ddof = 0, as ``np.var`` in the code).
    Standard errors are sd(influence)/sqrt(N) with influences :math:`(g_i-\bar g)/n` (β, up to
    sign), :math:`((g_i-\bar g)^2 - \hat v)/n` (α) and their combination for α - 2β.
    ``rng``: a numpy Generator or SeedSequence. Provenance: paper (the estimator is the code's).
    """
    _check_assumption_arguments(model, law, pair, true_class)
    n_draws = _count("n_draws", n_draws, 2)
    generator = _generator(rng)
    first, second = pair
    gaps = np.empty(n_draws)
    for start in range(0, n_draws, MONTE_CARLO_BLOCK):
        stop = min(n_draws, start + MONTE_CARLO_BLOCK)
        x = law.sample_class(true_class, stop - start, generator)
        log_density = [
            -0.5 * np.sum((x - model.means[k]) ** 2 / model.variances, axis=1)
            - 0.5 * np.sum(np.log(2 * np.pi * model.variances))
            for k in (first, second)
        ]
        gaps[start:stop] = log_density[0] - log_density[1]
    n = law.n_features
    centred = gaps - gaps.mean()
    variance = float(np.mean(centred**2))
    sign = 1.0 if gaps.mean() >= 0 else -1.0
    beta_influence = sign * centred / n
    alpha_influence = (centred**2 - variance) / n
    root = math.sqrt(n_draws)
    return AssumptionStatistics(
        beta=abs(float(gaps.mean())) / n,
        alpha=variance / n,
        beta_se=float(np.std(beta_influence)) / root,
        alpha_se=float(np.std(alpha_influence)) / root,
        gap_se=float(np.std(alpha_influence - 2 * beta_influence)) / root,
    )


# --------------------------------------------------------------------------------------------
# 3. exact risks of linear rules under Gaussian classes


def _rules(weights, intercepts, law: GaussianClasses) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Validated rules flattened to (B, K, n) and (B, K), with the batch shape; an intercept may
    be -inf (a class the rule never predicts)."""
    weights = _finite("weights", weights)
    intercepts = np.asarray(intercepts, dtype=float)
    if np.any(np.isnan(intercepts) | (intercepts == np.inf)):
        raise ValueError("intercepts must be finite or -inf (no NaN or +inf)")
    k, n = law.n_classes, law.n_features
    if weights.ndim < 2 or weights.shape[-2:] != (k, n):
        raise ValueError(f"weights must have shape (..., {k}, {n}), got {weights.shape}")
    if intercepts.shape != weights.shape[:-1]:
        raise ValueError(f"intercepts must have shape {weights.shape[:-1]}, got {intercepts.shape}")
    batch = weights.shape[:-2]
    return weights.reshape(-1, k, n), intercepts.reshape(-1, k), batch


def _normal_interval(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """P(lower <= Z <= upper) for Z ~ N(0, 1), accurate in both tails (0 when empty)."""
    lower, upper = np.broadcast_arrays(lower, upper)
    upper_tail = lower > 0
    value = np.where(upper_tail, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))
    return np.maximum(value, 0.0)


def binary_zero_one_risk(direction, offset, law: GaussianClasses) -> np.ndarray:
    r"""Exact 0-1 risk of "predict 1 iff :math:`w^\top x + c > 0`" for two Gaussian classes:

    .. math::
        \pi_1\,\Phi\Big(-\frac{w^\top\mu_1 + c}{\sqrt{w^\top\Sigma w}}\Big)
        + \pi_0\,\Phi\Big(\frac{w^\top\mu_0 + c}{\sqrt{w^\top\Sigma w}}\Big)

    (given y, :math:`w^\top x + c \sim N(w^\top\mu_y + c, w^\top\Sigma w)`). ``direction``
    (..., n), ``offset`` (...); a zero direction is
    the constant rule (class 1 iff c > 0). Provenance: derived.
    """
    if law.n_classes != 2:
        raise ValueError(f"binary_zero_one_risk needs two classes, got {law.n_classes}")
    direction, offset = _finite("direction", direction), _finite("offset", offset)
    if direction.ndim < 1 or direction.shape[-1] != law.n_features:
        raise ValueError(
            f"direction must have shape (..., {law.n_features}), got {direction.shape}"
        )
    if offset.shape != direction.shape[:-1]:
        raise ValueError(f"offset must have shape {direction.shape[:-1]}, got {offset.shape}")
    sd = np.sqrt(np.einsum("...i,ij,...j->...", direction, law.covariance, direction))
    margins = direction @ law.means.T + offset[..., None]
    random = sd > 0
    scaled = margins / np.where(random, sd, 1.0)[..., None]
    error_1 = np.where(random, ndtr(-scaled[..., 1]), margins[..., 1] <= 0)
    error_0 = np.where(random, ndtr(scaled[..., 0]), margins[..., 0] > 0)
    return law.priors[1] * error_1 + law.priors[0] * error_0


def _difference_moments(
    weights: np.ndarray, intercepts: np.ndarray, law: GaussianClasses
) -> tuple[np.ndarray, np.ndarray]:
    """Mean (B, K, K-1) and covariance (B, K, K-1, K-1) of D_l = s_y - s_l (l ≠ y, increasing)
    under x | y, for scores s = W x + b."""
    k = law.n_classes
    score_means = np.einsum("bkn,yn->byk", weights, law.means) + intercepts[:, None, :]
    score_cov = weights @ law.covariance @ np.swapaxes(weights, -1, -2)
    operators = np.zeros((k, k - 1, k))
    for y in range(k):
        others = [l for l in range(k) if l != y]
        operators[y, :, y] = 1.0
        operators[y, np.arange(k - 1), others] = -1.0
    means = np.einsum("yjk,byk->byj", operators, score_means)
    cov = np.einsum("yjk,bkl,yml->byjm", operators, score_cov, operators)
    return means, cov


RANK_TOLERANCE = 1e-12
"""Eigenvalues of a difference covariance below this fraction of the largest count as 0."""
QMC_SEED = 20230205
"""Seed of scipy's randomised quasi-Monte Carlo orthant integration when none is given."""


def _class_error(mean: np.ndarray, cov: np.ndarray, label: int, abseps: float, rng) -> float:
    """P(class ``label`` is not predicted) given the law of its score differences D.

    Prediction is the argmax with ties to the lowest index, so ``label`` wins iff D_l > 0 for
    the classes before it and D_l >= 0 for those after it (only matters where D is degenerate).
    """
    strict = np.arange(mean.size) < label
    eigenvalues, vectors = np.linalg.eigh(cov)
    largest = max(eigenvalues[-1], 0.0)
    rank = int(np.sum(eigenvalues > RANK_TOLERANCE * largest)) if largest > 0 else 0
    if rank == 0:
        wins = np.where(strict, mean > 0, mean >= 0)
        return 0.0 if bool(np.all(wins)) else 1.0
    if rank == 1:
        # D = mean + v Z: the winning set of Z is an interval
        v = vectors[:, -1] * math.sqrt(eigenvalues[-1])
        random = np.abs(v) > 1e-9 * np.max(np.abs(v))
        fixed_wins = np.where(strict, mean > 0, mean >= 0)
        if not bool(np.all(fixed_wins | random)):
            return 1.0
        bounds = -mean[random] / v[random]
        lower = np.max(bounds[v[random] > 0], initial=-np.inf)
        upper = np.min(bounds[v[random] < 0], initial=np.inf)
        return 1.0 if lower >= upper else float(ndtr(lower) + ndtr(-upper))
    if rank < mean.size:
        raise ValueError(
            f"the score differences of a rule have a degenerate covariance of rank {rank} "
            f"< {mean.size} (and > 1); this case is not supported"
        )
    correct = stats.multivariate_normal.cdf(
        mean, mean=np.zeros(mean.size), cov=cov, abseps=abseps, releps=0.0, rng=rng
    )
    return float(1.0 - correct)


def zero_one_risk(
    weights, intercepts, law: GaussianClasses, *, abseps: float = 1e-5, rng=None
) -> np.ndarray:
    r"""Exact 0-1 risk of linear rules :math:`\hat y(x) = \arg\max_k (W_k^\top x + b_k)` under
    ``law``, vectorised over a batch: ``weights`` (..., K, n), ``intercepts`` (..., K) → (...).

    Under x | y the score differences :math:`D_l = s_y - s_l` (l ≠ y) are jointly Gaussian,
    mean :math:`(W_y - W_l)^\top\mu_y + b_y - b_l`, covariance :math:`A_y W\Sigma W^\top A_y^\top`,
    and :math:`R = \sum_y \pi_y (1 - P(D > 0))` (our derivation [OURS]):

    * K = 2: the closed form of :func:`binary_zero_one_risk` (exact to rounding);
    * K = 3: scipy's bivariate normal CDF, deterministic and exact to rounding;
    * K ≥ 4: scipy's randomised quasi-Monte Carlo (Genz) orthant probability, absolute error
      about ``abseps`` per class; ``rng`` (Generator or SeedSequence; default seed
      :data:`QMC_SEED`) makes it reproducible;
    * rank-1 differences (e.g. the Bayes rule of collinear means, as in :func:`paper_design`):
      an exact interval probability; rank 0 (constant scores): the argmax with ties to the
      lowest index. Other rank-deficient covariances raise ValueError.

    An intercept of -inf marks a class the rule never predicts (a fit whose training set
    lacked it): with P the classes it can predict,
    :math:`R = \sum_{y\notin P}\pi_y + \pi(P)\,R_P`, where :math:`R_P` is the risk of the rule
    restricted to P under the law conditioned on y ∈ P.

    Provenance: derived.
    """
    matrix, offsets, batch = _rules(weights, intercepts, law)
    never = offsets == -np.inf
    if np.any(never):
        return _risk_with_unpredicted_classes(matrix, offsets, never, law, abseps, rng).reshape(
            batch
        )
    if law.n_classes == 2:
        return binary_zero_one_risk(
            matrix[:, 1] - matrix[:, 0], offsets[:, 1] - offsets[:, 0], law
        ).reshape(batch)
    if not (isinstance(abseps, float | int) and 0 < abseps < 1):
        raise ValueError(f"abseps must be in (0, 1), got {abseps!r}")
    generator = np.random.default_rng(QMC_SEED) if rng is None else _generator(rng)
    means, cov = _difference_moments(matrix, offsets, law)
    errors = np.array(
        [
            [
                _class_error(means[b, y], cov[b, y], y, abseps, generator)
                for y in range(law.n_classes)
            ]
            for b in range(matrix.shape[0])
        ]
    )
    return (errors @ law.priors).reshape(batch)


def _risk_with_unpredicted_classes(matrix, offsets, never, law, abseps, rng) -> np.ndarray:
    """:func:`zero_one_risk` of rules (B, K, n), (B, K) some of whose classes are never
    predicted (``never``), one restricted law per pattern of predicted classes."""
    if np.any(np.all(never, axis=1)):
        raise ValueError("every rule must be able to predict some class (an intercept > -inf)")
    risks = np.empty(matrix.shape[0])
    patterns, which = np.unique(never, axis=0, return_inverse=True)
    for pattern, rows in zip(patterns, (np.flatnonzero(which == p) for p in range(len(patterns)))):
        predicted = ~pattern
        share = float(law.priors[predicted].sum())
        if predicted.sum() == 1:
            risks[rows] = 1.0 - share
            continue
        restricted = GaussianClasses(
            law.means[predicted], law.covariance, law.priors[predicted] / share
        )
        inside = zero_one_risk(
            matrix[rows][:, predicted],
            offsets[rows][:, predicted],
            restricted,
            abseps=abseps,
            rng=rng,
        )
        risks[rows] = 1.0 - share + share * inside
    return risks


def bayes_error(law: GaussianClasses, *, abseps: float = 1e-5, rng=None) -> float:
    r"""The Bayes error of shared-covariance Gaussian classes.

    K = 2, with :math:`\Delta^2 = (\mu_1-\mu_0)^\top\Sigma^{-1}(\mu_1-\mu_0)` and
    :math:`r = \log(\pi_1/\pi_0)`: :math:`\pi_1\Phi(-\Delta/2 - r/\Delta) +
    \pi_0\Phi(-\Delta/2 + r/\Delta)`, :math:`\Phi(-\Delta/2)` for equal priors
    (:math:`\Phi(-\sqrt S)`, :math:`S = \sum_j \sigma_j^{-2}`, for the paper's binary design, where
    :math:`\Delta = 2\sqrt S`); :math:`\min(\pi_0, \pi_1)` when the
    means coincide. K ≥ 3: :func:`zero_one_risk` of :func:`bayes_rule`. Provenance: derived.
    """
    if law.n_classes > 2:
        weights, intercepts = bayes_rule(law)
        return float(zero_one_risk(weights, intercepts, law, abseps=abseps, rng=rng))
    delta = math.sqrt(2 * kl_divergence(law, 1, 0))
    if delta == 0:
        return float(np.min(law.priors))
    ratio = math.log(law.priors[1] / law.priors[0])
    return float(
        law.priors[1] * ndtr(-delta / 2 - ratio / delta)
        + law.priors[0] * ndtr(-delta / 2 + ratio / delta)
    )


SOFTPLUS_WIDE = 1.0
"""Standard deviation above which :func:`gaussian_softplus_mean` splits off the hinge."""
SOFTPLUS_TAIL = 40.0
"""log1p(exp(-u)) < 4.3e-18 beyond u = 40: the end of the Gauss-Legendre panel."""


@dataclass(frozen=True)
class _SoftplusRule:
    """Gauss-Hermite (narrow laws) and Gauss-Legendre on [0, 40] (wide laws) nodes, weights."""

    hermite: tuple[np.ndarray, np.ndarray]
    legendre: tuple[np.ndarray, np.ndarray]


_ACCURATE = _SoftplusRule(hermgauss(64), leggauss(128))
"""The rule of :func:`gaussian_softplus_mean` (relative error 1e-13)."""
_INNER = _SoftplusRule(hermgauss(32), leggauss(64))
"""The cheaper rule of the inner integral of :func:`logistic_risk` for K ≥ 3 (relative error
below 1e-9, far below the error of the outer Gauss-Hermite rule)."""


def gaussian_softplus_mean(mean, sd) -> np.ndarray:
    r""":math:`E[\log(1 + e^{u})]` for :math:`u \sim N(m, s^2)`, elementwise (no Monte Carlo).

    * s ≤ 1 (:data:`SOFTPLUS_WIDE`): 64-node Gauss-Hermite on softplus itself, analytic in a
      strip of half-width π/(√2 s) ≥ 2.2 in the standard variable;
    * s > 1: softplus = max(u, 0) + log1p(e^{-|u|}); the hinge has the closed form
      :math:`m\Phi(m/s) + s\varphi(m/s)` and the bounded rest is
      :math:`\int_0^{40} \log(1+e^{-u})\,[p(u) + p(-u)]\,du` by 128-node Gauss-Legendre
      (p the density of u; the integrand is smooth on [0, 40] and p is wider than the nodes'
      spacing, ≈ 0.5). s = 0 gives softplus(m).

    Against 30-digit adaptive quadrature on m ∈ [-60, 300], s ∈ [0, 400]: relative error below
    1e-13 wherever the value exceeds 1e-8, absolute error below 1e-13 everywhere (the dropped
    tail beyond |u| = 40 is below 4.3e-18).
    Provenance: derived.
    """
    mean, sd = np.broadcast_arrays(_finite("mean", mean), _finite("sd", sd))
    if not np.all(sd >= 0):
        raise ValueError("sd must be non-negative")
    return _softplus_mean(mean, sd, _ACCURATE)


def _softplus_mean(mean: np.ndarray, sd: np.ndarray, rule: _SoftplusRule) -> np.ndarray:
    """:func:`gaussian_softplus_mean` with the given quadrature rule, without input checks."""
    out = np.empty(mean.shape)
    wide = sd > SOFTPLUS_WIDE
    nodes, weights = rule.hermite
    narrow_mean, narrow_sd = mean[~wide][:, None], sd[~wide][:, None]
    out[~wide] = (
        np.logaddexp(0.0, narrow_mean + math.sqrt(2) * narrow_sd * nodes) @ weights
    ) / math.sqrt(math.pi)
    m, s = mean[wide], sd[wide]
    ratio = m / s
    hinge = m * ndtr(ratio) + s * np.exp(-0.5 * ratio**2) / math.sqrt(2 * math.pi)
    points, point_weights = rule.legendre
    u = SOFTPLUS_TAIL * (points + 1) / 2
    standardised = (u[None, :] - m[:, None]) / s[:, None], (u[None, :] + m[:, None]) / s[:, None]
    density = (np.exp(-0.5 * standardised[0] ** 2) + np.exp(-0.5 * standardised[1] ** 2)) / (
        s[:, None] * math.sqrt(2 * math.pi)
    )
    bump = (density * np.log1p(np.exp(-u))) @ point_weights * (SOFTPLUS_TAIL / 2)
    out[wide] = hinge + bump
    return out


OUTER_NODE_BUDGET = 2048
"""Tensor Gauss-Hermite nodes of the outer K - 2 dimensions of :func:`logistic_risk` (K ≥ 3)."""
MAX_OUTER_NODES = 128
"""Most Gauss-Hermite nodes per outer dimension (numpy's ``hermgauss`` degrades beyond ~300)."""
_CHUNK_VALUES = 1 << 22
"""Batch chunks of :func:`logistic_risk` keep their quadrature arrays near this many floats."""


def _default_nodes(dimension: int) -> int:
    return min(MAX_OUTER_NODES, max(3, int(OUTER_NODE_BUDGET ** (1 / dimension))))


@functools.lru_cache(maxsize=32)
def _tensor_hermite(dimension: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ζ (Q, d) and weights (Q,) with Σ w f(ζ) ≈ E f(Z), Z ~ N(0, I_d)."""
    base, base_weights = hermgauss(nodes)
    grid = np.array(list(itertools.product(base, repeat=dimension))) * math.sqrt(2)
    weights = np.prod(np.array(list(itertools.product(base_weights, repeat=dimension))), axis=1)
    weights /= math.pi ** (dimension / 2)
    grid.flags.writeable = weights.flags.writeable = False
    return grid, weights


def _class_logistic_loss(mean: np.ndarray, cov: np.ndarray, nodes: int) -> np.ndarray:
    """E[log(1 + Σ_l exp(-D_l))] for D ~ N(mean, cov), mean (B, d), cov (B, d, d), d ≥ 2.

    The difference with the largest variance is integrated last and exactly (given the others it
    is Gaussian): with c = log(1 + Σ_{others} e^{-D_l}) the loss is c + softplus(-D_* - c).
    The other d - 1 differences use tensor Gauss-Hermite through a PSD square root.
    """
    d = mean.shape[1]
    inner = np.argmax(np.diagonal(cov, axis1=1, axis2=2), axis=1)
    order = np.argsort(np.arange(d)[None, :] == inner[:, None], axis=1, kind="stable")
    mean = np.take_along_axis(mean, order, axis=1)
    cov = np.take_along_axis(np.take_along_axis(cov, order[:, :, None], 1), order[:, None, :], 2)
    outer_cov, cross, inner_var = cov[:, :-1, :-1], cov[:, :-1, -1], cov[:, -1, -1]
    eigenvalues, vectors = np.linalg.eigh(outer_cov)
    keep = eigenvalues > RANK_TOLERANCE * np.maximum(eigenvalues[:, -1:], np.finfo(float).tiny)
    roots = np.sqrt(np.where(keep, eigenvalues, 0.0))
    root = vectors * roots[:, None, :]
    slopes = np.where(keep, np.einsum("bji,bj->bi", vectors, cross), 0.0) / np.where(
        keep, roots, 1.0
    )
    conditional_sd = np.sqrt(np.maximum(inner_var - np.sum(slopes**2, axis=1), 0.0))
    points, weights = _tensor_hermite(d - 1, nodes)
    outer = mean[:, None, :-1] + np.einsum("bij,qj->bqi", root, points)
    shift = np.logaddexp.reduce(
        np.concatenate([np.zeros((*outer.shape[:2], 1)), -outer], axis=2), axis=2
    )
    conditional_mean = mean[:, -1:] + np.einsum("bj,qj->bq", slopes, points)
    expected = shift + _softplus_mean(
        -conditional_mean - shift, np.broadcast_to(conditional_sd[:, None], shift.shape), _INNER
    )
    return expected @ weights


def logistic_risk(
    weights, intercepts, law: GaussianClasses, *, nodes: int | None = None
) -> np.ndarray:
    r"""Population logistic (cross-entropy) risk of linear scores,
    :math:`E[\log\sum_l e^{s_l} - s_y]` with :math:`s = Wx + b`, batched like
    :func:`zero_one_risk`; deterministic quadrature, no Monte Carlo.

    Given y the loss is :math:`\log(1 + \sum_{l\ne y} e^{-D_l})` with D the Gaussian score
    differences. K = 2: one difference, :func:`gaussian_softplus_mean` (relative error 1e-13).
    K ≥ 3: the difference with the largest variance is integrated exactly given the others, the
    other K - 2 by a tensor Gauss-Hermite rule with ``nodes`` per dimension (default: 128 for
    K = 3, 45 for K = 4, 12 for K = 5, 6 for K = 6, 4 for K = 7: at most about
    :data:`OUTER_NODE_BUDGET` points; cost about 1, 30, 20, 10 ms per rule for K = 3, 4, 5, 7
    on one core). The outer integrand is smooth only on the scale 1 of the score differences
    (the kinks of log-sum-exp), so the outer rule converges slowly once their standard
    deviations exceed a few units. Measured relative errors with the defaults, against 1e6-draw
    Monte Carlo and finer rules: below 2e-3 for K ≤ 6 and 3e-3 for K = 7 at standard deviations
    3-8; 1e-3 (K = 3-5) and 4e-3 (K = 7) at standard deviations of tens. Raise ``nodes`` (at
    most :data:`MAX_OUTER_NODES`) for more; for K ≥ 3 this is a quadrature, not an exact
    value. Provenance: derived.
    """
    matrix, offsets, batch = _rules(weights, intercepts, law)
    k = law.n_classes
    means, cov = _difference_moments(matrix, offsets, law)
    if k == 2:
        losses = gaussian_softplus_mean(-means[..., 0], np.sqrt(cov[..., 0, 0]))
        return (losses @ law.priors).reshape(batch)
    count = _default_nodes(k - 2) if nodes is None else _count("nodes", nodes, 2)
    if count > MAX_OUTER_NODES:
        raise ValueError(f"nodes must be at most {MAX_OUTER_NODES}, got {count}")
    per_rule = count ** (k - 2) * _INNER.legendre[0].size  # inner nodes at each outer point
    chunk = max(1, _CHUNK_VALUES // per_rule)
    losses = np.empty((matrix.shape[0], k))
    for start in range(0, matrix.shape[0], chunk):
        stop = min(start + chunk, matrix.shape[0])
        for y in range(k):
            losses[start:stop, y] = _class_logistic_loss(
                means[start:stop, y], cov[start:stop, y], count
            )
    return (losses @ law.priors).reshape(batch)


# --------------------------------------------------------------------------------------------
# 4. the logistic -> 0-1 transform


def logistic_transform_expr(t: sp.Expr = T) -> sp.Expr:
    r""":math:`\Psi(t) = \frac{1+t}{2}\log(1+t) + \frac{1-t}{2}\log(1-t)` on [0, 1]
    (Ψ(1) = log 2 by continuity).

    The tight conditional bound :math:`\mathrm{KL}(p\|q) \ge \Psi(p_{\max} - p_{\hat y})` for
    softmax scores q and the predicted class ŷ, with no dependence on K [OURS]: minimising KL
    subject to :math:`q_{\hat y} \ge q_{y^*}` sets both to :math:`(p_{y^*} + p_{\hat y})/2` and
    leaves :math:`s\Psi(t/s)`, :math:`s = p_{y^*} + p_{\hat y} \le 1`, worst at s = 1
    (:func:`prove_perspective_decreasing`);
    by Jensen :math:`\Psi(R_{0-1} - R^*_{0-1}) \le R_{\log} - R^*_{\log}`. It is the τ = 1
    branch of :func:`theory.comp_sum.transform_branch`. Provenance: derived.
    """
    return (1 + t) / 2 * sp.log(1 + t) + (1 - t) / 2 * sp.log(1 - t)


def logistic_transform(t) -> np.ndarray:
    """Ψ(t) for arrays in [0, 1]: :func:`theory.comp_sum.transform` at τ = 1, whose τ = 1
    branch does not depend on the number of classes (n_classes = 2 is passed, any n ≥ 2 gives
    the same function; see :func:`prove_transform_matches_comp_sum`). Provenance: derived."""
    return comp_sum.transform(1.0, 2)(t)


def zero_one_excess_bound(logistic_excess) -> np.ndarray:
    r""":math:`\Psi^{-1}(\Delta_{\log}) \ge R_{0-1} - R^*_{0-1}`, at most
    :math:`\sqrt{2\Delta_{\log}}` (by Ψ(t) ≥ t²/2) and 1 beyond Ψ(1) = log 2; the inverse of
    :func:`theory.comp_sum.gamma` at τ = 1. Provenance: derived."""
    return comp_sum.gamma(1.0, 2)(logistic_excess)


def _psi(psi: sp.Expr | None) -> sp.Expr:
    return logistic_transform_expr() if psi is None else sp.sympify(psi)


def prove_transform_lower_bound(psi: sp.Expr | None = None, coefficient: sp.Expr = HALF) -> Proof:
    r""":math:`\psi(t) \ge c\,t^2` on [0, 1] (default: Ψ and c = 1/2).

    First :func:`theory.proof.prove_nonnegative` on :math:`g = \psi - ct^2`: it proves,
    certifies or refutes (a wrong bound such as c = 1 is refuted by a counterexample). When it
    is inconclusive (log(1 - t) is singular at t = 1), a monotone argument may prove it:
    g(0) = 0, g' ≥ 0 on [0, 1] (simplified, then the ladder) and the limit of g at 1- finite,
    so g ≥ 0 on [0, 1] with ψ(1) defined by continuity. That route never refutes: a failing
    derivative does not make g negative. Provenance: derived.
    """
    psi, coefficient = _psi(psi), sp.nsimplify(coefficient)
    gap = psi - coefficient * T**2
    statement = f"{psi} >= {coefficient} t^2 for t in [0, 1]"
    direct = prove_nonnegative(gap, T, (0.0, 1.0), statement=statement)
    if direct.status is not Status.INCONCLUSIVE:
        return direct
    slope = time_limited(lambda: sp.simplify(sp.diff(gap, T)))
    at_one = time_limited(lambda: sp.limit(gap, T, 1, "-"))
    if slope is None or at_one is None or not at_one.is_finite:
        return direct
    parts = [
        prove_identity(gap.subs(T, 0), 0, statement="g(0) == 0"),
        prove_nonnegative(slope, T, (0.0, 1.0), statement=f"g' = {slope} >= 0 on [0, 1]"),
        prove_limit(gap, T, 1, at_one, direction="-", statement="g at t = 1"),
    ]
    if weakest(parts) in (Status.REFUTED, Status.INCONCLUSIVE):
        return direct
    return Proof(
        statement,
        weakest(parts),
        "monotone from g(0) = 0: g' >= 0 and g continuous at 1",
        "; ".join(str(p) for p in parts),
    )


def prove_transform_matches_comp_sum(psi: sp.Expr | None = None) -> Proof:
    r"""ψ equals the comp-sum transform :math:`\mathcal T_1(t)` of
    :func:`theory.comp_sum.transform_expr` with a symbolic number of classes n. The τ = 1 branch
    has no n in it, so the identity holds for every n_classes (the logistic transform of
    [mao2023, main theorem; reconstructed, body not read] is the same function as our tight Ψ).
    ``2 Ψ`` is refuted.
    Provenance: derived.
    """
    psi = _psi(psi)
    reference = comp_sum.transform_expr(1.0, comp_sum.N)
    depends = "" if comp_sum.N not in reference.free_symbols else " (depends on n)"
    return prove_identity(
        psi,
        reference,
        statement=f"{psi} == comp_sum T_1(t) for every n_classes{depends}",
        domains={T: (0.0, 1.0)},
    )


def prove_transform_tightness(psi: sp.Expr | None = None) -> Proof:
    r"""Equality case: for :math:`p = (\frac{1+t}{2}, \frac{1-t}{2}, 0, \dots)` and q uniform on
    the two top classes (ties broken towards class 2, so the 0-1 regret is
    :math:`p_1 - p_2 = t`), :math:`\mathrm{KL}(p\|q) = \psi(t)` on [0, 1)
    (the bound has no slack there). Provenance: derived.
    """
    psi = _psi(psi)
    p = ((1 + T) / 2, (1 - T) / 2)
    kl = sum(mass * sp.log(mass / sp.Rational(1, 2)) for mass in p)
    return prove_identity(
        kl,
        psi,
        statement=f"KL(((1+t)/2, (1-t)/2) || (1/2, 1/2)) == {psi}",
        domains={T: (0.0, 1.0)},
    )


def prove_perspective_decreasing(psi: sp.Expr | None = None) -> Proof:
    r"""The worst case of the conditional bound is s = 1: the perspective
    :math:`s\,\psi(t/s)` is non-increasing in s because
    :math:`\partial_s[s\psi(t/s)] = \psi(u) - u\psi'(u)` at u = t/s, and
    :math:`u\psi'(u) - \psi(u) \ge 0` on [0, 1]. Both parts, the
    derivative identity (s > 0, 0 < t < s) and the sign, are proved. Provenance: derived.
    """
    psi = _psi(psi)
    s = sp.Symbol("s", positive=True)
    u = sp.Symbol("u", nonnegative=True)
    at_u = psi.subs(T, u)
    perspective_slope = sp.diff(s * psi.subs(T, T / s), s)
    formula = (at_u - u * sp.diff(at_u, u)).subs(u, T / s)
    parts = [
        prove_identity(
            perspective_slope,
            formula,
            statement="d/ds [s psi(t/s)] == psi(u) - u psi'(u) at u = t/s",
            domains={s: (1.0, 2.0), T: (0.0, 1.0)},
        ),
        prove_nonnegative(
            u * sp.diff(at_u, u) - at_u, u, (0.0, 1.0), statement="u psi'(u) - psi(u) >= 0"
        ),
    ]
    return _conjunction(
        f"s psi(t/s) is non-increasing in s (psi = {psi})", parts, "slope identity and its sign"
    )


# --------------------------------------------------------------------------------------------
# 5. Ng & Jordan's margin mass G(tau)


def margin_mass(tau, law: GaussianClasses) -> np.ndarray:
    r"""Ng & Jordan's :math:`G(\tau) = P[(l(x) \in [0, \tau n] \wedge y = 1) \vee
    (l(x) \in [-\tau n, 0] \wedge y = 0)]` for the population naive Bayes of a binary ``law``.

    l is the log-odds of :func:`population_naive_bayes`, :math:`l = w^\top x + c` with
    :math:`w = D^{-1}(\mu_1 - \mu_0)`; under y, :math:`l \sim N(w^\top\mu_y + c, w^\top\Sigma w)`
    (Σ may be non-diagonal: NB then is misspecified), so

    .. math::
        G(\tau) = \pi_1 P(0 \le l \le \tau n \mid y=1) + \pi_0 P(-\tau n \le l \le 0 \mid y=0).

    ``tau`` ≥ 0, any shape. The definition of G is [ng2001, Theorem 4; reconstructed, body not
    read] [R]; the Gaussian evaluation is derived. Provenance: reconstructed.
    """
    if law.n_classes != 2:
        raise ValueError(f"G(tau) is defined for two classes, got {law.n_classes}")
    if np.array_equal(law.means[0], law.means[1]):
        raise ValueError("the two classes have equal means: the log-odds is constant")
    tau = _finite("tau", tau)
    if not np.all(tau >= 0):
        raise ValueError("tau must be non-negative")
    model = population_naive_bayes(law)
    weights, intercepts = naive_bayes_rule(model.means, model.variances, model.priors)
    w, c = weights[1] - weights[0], intercepts[1] - intercepts[0]
    sd = math.sqrt(float(w @ law.covariance @ w))
    means = law.means @ w + c
    width = tau * law.n_features
    positive = _normal_interval(-means[1] / sd, (width - means[1]) / sd)
    negative = _normal_interval((-width - means[0]) / sd, -means[0] / sd)
    return law.priors[1] * positive + law.priors[0] * negative


def _paper_design_signal(n_features: int) -> float:
    """S = Σ_j 1/σ_j² of the paper's design: ⌊n/2⌋/n + n - ⌊n/2⌋."""
    n = _count("n_features", n_features, 1)
    return (n // 2) / n + n - n // 2


def paper_design_margin_mass(tau, n_features: int) -> np.ndarray:
    r""":math:`G(\tau) = \Phi\big(\frac{\tau n - 2S}{2\sqrt S}\big) - \Phi(-\sqrt S)` for the
    paper's binary design (:func:`paper_design` with n_classes = 2), where
    :math:`S = \lfloor n/2\rfloor/n + n - \lfloor n/2\rfloor`: the log-odds is N(±2S, 4S)
    given y (:func:`prove_margin_mass_closed_form`, [D]). For τ < 1 it falls like
    :math:`\exp(-(1-\tau)^2 n/4)`. Provenance: derived.
    """
    tau = _finite("tau", tau)
    if not np.all(tau >= 0):
        raise ValueError("tau must be non-negative")
    signal = _paper_design_signal(n_features)
    root = math.sqrt(signal)
    return _normal_interval(-root, (tau * n_features - 2 * signal) / (2 * root))


def paper_design_log_margin_mass(tau: float, n_features: int) -> float:
    """ln G(τ) of :func:`paper_design_margin_mass` from log-CDFs, finite where G underflows
    (large n). Provenance: derived."""
    tau = float(_finite("tau", tau, 0))
    if tau < 0:
        raise ValueError("tau must be non-negative")
    signal = _paper_design_signal(n_features)
    root = math.sqrt(signal)
    upper = float(special.log_ndtr((tau * n_features - 2 * signal) / (2 * root)))
    lower = float(special.log_ndtr(-root))
    return upper + math.log1p(-math.exp(lower - upper))


def _standard_normal_cdf(x: sp.Expr) -> sp.Expr:
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


def prove_margin_mass_closed_form(n_features: int) -> list[Proof]:
    r"""For μ_1 = 𝟏, μ_0 = -𝟏, pooled variances :math:`\sigma_j^2` and equal priors (the
    paper's binary design with any variances), with :math:`S = \sum_j 1/\sigma_j^2`:

    * the NB log-odds :math:`l = s_1 - s_0` has mean 2S and variance 4S given y = 1, mean
      -2S given y = 0 (exact Gaussian moments);
    * :math:`G(\tau)` from those laws equals
      :math:`\Phi((\tau n - 2S)/(2\sqrt S)) - \Phi(-\sqrt S)` (our derivation [D]).

    Provenance: derived.
    """
    model = symbolic_naive_bayes(2, n_features)
    n = model.n_features
    design = {model.priors[0]: sp.Rational(1, 2), model.priors[1]: sp.Rational(1, 2)}
    design |= {model.means[0, j]: -1 for j in range(n)} | {model.means[1, j]: 1 for j in range(n)}
    s0, s1 = naive_bayes_scores(model)
    log_odds = (s1 - s0).subs(design)
    sigmas = [sp.sqrt(model.variances[0, j]) for j in range(n)]
    normals = [sp.Symbol(f"z_{j}", real=True) for j in range(1, n + 1)]
    signal = sum(1 / s**2 for s in sigmas)
    proofs = []
    for label, sign in ((1, 1), (0, -1)):
        draw = {x: sign + s * z for x, s, z in zip(model.features, sigmas, normals)}
        mean = _gaussian_expectation(log_odds.subs(draw), normals)
        variance = _gaussian_expectation(log_odds.subs(draw) ** 2, normals) - mean**2
        proofs.append(prove_identity(mean, 2 * sign * signal, statement=f"E[l | y={label}]"))
        proofs.append(prove_identity(variance, 4 * signal, statement=f"Var[l | y={label}]"))
    mean_1, sd = 2 * signal, 2 * sp.sqrt(signal)
    width = TAU_MARGIN * n
    positive = _standard_normal_cdf((width - mean_1) / sd) - _standard_normal_cdf(-mean_1 / sd)
    negative = _standard_normal_cdf(mean_1 / sd) - _standard_normal_cdf((-width + mean_1) / sd)
    closed = _standard_normal_cdf((width - 2 * signal) / (2 * sp.sqrt(signal)))
    closed -= _standard_normal_cdf(-sp.sqrt(signal))
    moments = _conjunction(
        f"n={n}: l | y=1 ~ N(2S, 4S) and l | y=0 ~ N(-2S, 4S), S = sum 1/sigma_j^2",
        proofs,
        "exact Gaussian moments",
    )
    formula = prove_identity(
        (positive + negative) / 2,
        closed,
        statement=f"n={n}: G(tau) == Phi((tau n - 2S)/(2 sqrt S)) - Phi(-sqrt S)",
    )
    return [moments, formula]


# --------------------------------------------------------------------------------------------
# summary


def generative_identities(n_classes: int = 3, n_features: int = 2) -> list[tuple[str, Proof]]:
    """Every symbolic statement of this module that must hold, as (function name, proof):
    the pooled naive Bayes algebra for ``n_classes`` × ``n_features`` (affine odds, affine
    scores, softmax posterior, pairwise boundaries, binary logit), β = KL/n and α = 2β, the
    misspecified gap formula, the four facts about Ψ and the margin-mass closed form. The name
    keys :data:`PROVENANCE`."""
    model = symbolic_naive_bayes(n_classes, n_features)
    entries: list[tuple[str, Proof]] = [("prove_affine_log_odds", prove_affine_log_odds(model))]
    entries += [("prove_affine_scores", p) for p in prove_affine_scores(model)]
    entries += [("prove_softmax_posterior", p) for p in prove_softmax_posterior(model)]
    entries += [("prove_pairwise_boundary", p) for p in prove_pairwise_boundary(model)]
    entries.append(("prove_binary_logit", prove_binary_logit(n_features)))
    entries += [("prove_assumption_identities", p) for p in prove_assumption_identities(n_features)]
    entries.append(("prove_misspecified_gap", prove_misspecified_gap(n_features)))
    entries += [
        ("prove_transform_lower_bound", prove_transform_lower_bound()),
        ("prove_transform_matches_comp_sum", prove_transform_matches_comp_sum()),
        ("prove_transform_tightness", prove_transform_tightness()),
        ("prove_perspective_decreasing", prove_perspective_decreasing()),
    ]
    entries += [
        ("prove_margin_mass_closed_form", p) for p in prove_margin_mass_closed_form(n_features)
    ]
    return entries
