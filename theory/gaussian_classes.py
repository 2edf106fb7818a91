r"""Gaussian classes with a shared covariance: designs, naive Bayes and Bayes rules, β, α, G(τ).

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

The law x | y = k ~ N(μ_k, Σ), P(y = k) = π_k, with a full shared covariance
(:class:`GaussianClasses`): the design of the paper's code and two of ours; the population
naive Bayes (pooled diagonal variances) and its affine rule, the Bayes rule (LDA); the
assumption quantities β, α of ``utils/vis.py`` exactly and by Monte Carlo (their closed forms are
proved in :mod:`theory.generative`); Ng & Jordan's margin mass G(τ). The exact risks of linear
rules under these laws are in :mod:`theory.gaussian_risks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special
from scipy.special import ndtr

PAPER, RECONSTRUCTED, DERIVED = "paper", "reconstructed", "derived"

PROVENANCE: dict[str, str] = {
    "assumption_statistics": DERIVED,
    "assumption_statistics_monte_carlo": PAPER,
    "kl_divergence": DERIVED,
    "paper_design": PAPER,
    "fixed_separation_design": DERIVED,
    "block_correlated_design": DERIVED,
    "naive_bayes_rule": PAPER,
    "population_naive_bayes": DERIVED,
    "bayes_rule": DERIVED,
    "margin_mass": RECONSTRUCTED,
    "paper_design_margin_mass": DERIVED,
    "paper_design_log_margin_mass": DERIVED,
}
"""Provenance of each public function (the docstrings say which parts are the paper's)."""


# --------------------------------------------------------------------------------------------
# Gaussian classes with a shared covariance, naive Bayes parameters


def _count(name: str, value: int, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


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
    setting of the "two regimes" of [ng2001, abstract]. Provenance: derived (our design, in
    neither paper).
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
    ``models/gaussnb.py``] [V]; the affine form is
    :func:`theory.generative.affine_parameters` [OURS].
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
# beta, alpha exactly and by Monte Carlo


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
# Ng & Jordan's margin mass G(tau)


def _normal_interval(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """P(lower <= Z <= upper) for Z ~ N(0, 1), accurate in both tails (0 when empty)."""
    lower, upper = np.broadcast_arrays(lower, upper)
    upper_tail = lower > 0
    value = np.where(upper_tail, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))
    return np.maximum(value, 0.0)


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
    given y (:func:`theory.generative.prove_margin_mass_closed_form`, [D]). For τ < 1 it
    falls like :math:`\exp(-(1-\tau)^2 n/4)`. Provenance: derived.
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
