r"""Naive Bayes against logistic regression, symbolically: the algebra, β and α, the transform Ψ.

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
quantities β, α of ``utils/vis.py`` in closed form; (3) the tight logistic → 0-1 transform Ψ;
(4) the closed form of Ng & Jordan's margin mass G(τ) on the paper's design. The numeric side is
in :mod:`theory.gaussian_classes` (the Gaussian laws, the naive Bayes and Bayes rules, β and α
exactly and by Monte Carlo, G(τ)) and :mod:`theory.gaussian_risks` (exact 0-1 and logistic
risks of linear rules).

Every ``prove_*`` returns :class:`theory.proof.Proof` objects (proved symbolically, certified
numerically, refuted, inconclusive), never a bare bool; :func:`generative_identities` collects
the symbolic statements that must all hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from theory import comp_sum
from theory.gaussian_classes import _count
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
    "logistic_transform_expr": DERIVED,
    "logistic_transform": DERIVED,
    "zero_one_excess_bound": DERIVED,
    "prove_transform_lower_bound": DERIVED,
    "prove_transform_matches_comp_sum": DERIVED,
    "prove_transform_tightness": DERIVED,
    "prove_perspective_decreasing": DERIVED,
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
# 3. the logistic -> 0-1 transform


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
# 4. Ng & Jordan's margin mass G(tau): the closed form on the paper's design


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
