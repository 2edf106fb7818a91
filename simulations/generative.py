r"""Naive Bayes and multinomial logistic regression fitted to thousands of Gaussian problems at once.

Sources: Zheng, Wu, Bao, Cao, Li, Zhu, *Revisiting Discriminative vs. Generative Classifiers:
Theory and Implications*, ICML 2023 (``zheng2023``), and Ng & Jordan, *On Discriminative vs.
Generative Classifiers*, NIPS 2001 (``ng2001``): the naive Bayes model is
[zheng2023, official code ``models/gaussnb.py``] [V]; the batched solver is ours [OURS]. The
laws (the paper design, its fixed-separation variant, the block-correlated misspecified design)
live in :mod:`theory.gaussian_classes`.

**Data.** B independent problems are drawn at once as a padded tensor ``x`` of shape
(B, m_max, n) with labels (B, m_max). Rows are i.i.d.: :math:`y \sim \pi`,
:math:`x \mid y = k \sim N(\mu_k, \Sigma)` (:func:`sample_training_sets`). Subsamples are *nested*
(common random numbers): the size-m training set of a problem is the first m rows of its draw, so
every training size of a learning curve shares rows with the smaller ones.

**Naive Bayes** (the official ``models/gaussnb.py``; not scikit-learn's ``GaussianNB``): class
counts :math:`m_k`, priors :math:`\hat\pi_k = m_k/m`, class means :math:`\hat\mu_k`, and one pooled
within-class variance per feature (ddof 0) plus the absolute smoothing ε = 1e-9,

.. math:: \hat\sigma_i^2 = \frac1m \sum_{r} (x_{ri} - \hat\mu_{y_r i})^2 + \varepsilon .

Its scores :math:`\ln\hat\pi_k - \sum_i (x_i - \hat\mu_{ki})^2 / (2\hat\sigma_i^2)` are, up to a
term common to all classes, affine: :math:`w_k = \hat D^{-1}\hat\mu_k`,
:math:`b_k = \ln\hat\pi_k - \tfrac12 \hat\mu_k^\top \hat D^{-1}\hat\mu_k`.

**Logistic regression** with scikit-learn's convention (``LogisticRegression``, L2 penalty, lbfgs,
the multinomial parametrisation with one weight row per class and an unpenalised intercept):

.. math:: F(W, b) = \tfrac12 \|W\|_F^2 + C \sum_{r} \big[\log\textstyle\sum_k e^{z_{rk}}
          - z_{r y_r}\big], \qquad z_r = W x_r + b .

**Classes absent from a training set.** The official protocol redraws a subset until every class
appears; nested subsamples cannot be redrawn, so absent classes are handled in the fits instead.
NB gives an absent class prior 0, hence score :math:`-\infty` (the official ``predict`` would
take :math:`\ln 0` too), weight row 0, and no weight in the pooled variance. Logistic regression
is fitted over the present classes only, which is what scikit-learn does (it sees only the
labels present); it is also the limit of the full problem, whose infimum sends the absent
class's unpenalised intercept to :math:`-\infty` and its weights to 0. The returned intercept of
an absent class is :math:`-\infty`, its weights 0: the class is never predicted.

Everything is array code against the array API (numpy, CuPy, ``array_api_strict``); the host is
read only for input checks and once per Newton iteration (see :func:`fit_logistic`). Inputs are
checked once on entry (shapes, dtypes, finite values, labels in range, integer counts, C > 0);
a bad one raises ValueError (TypeError for a non-number) naming it. Scores enter only through
max-shifted log-sum-exps, so F, its gradient and the softmax stay finite at any finite margin.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np

from simulations.backend import Backend, derive, namespace, to_numpy
from theory.gaussian_classes import GaussianClasses
from theory.validation import check_parameter

VAR_SMOOTHING = 1e-9
"""ε added to the pooled NB variance: the official ``GaussianNB(val_epsilon=1e-9)`` adds it to
every class's variance before pooling with weights summing to 1, i.e. once to the pool."""


def sample_training_sets(
    law: GaussianClasses,
    backend: Backend,
    seed: np.random.SeedSequence,
    n_problems: int,
    max_size: int,
    dtype: str = "float64",
) -> tuple[Any, Any]:
    """``n_problems`` training sets of ``max_size`` rows drawn from ``law`` on the backend's
    device: x (B, m_max, n), labels (B, m_max).

    Labels come from the stream ``derive(seed, 0)`` and the noise from ``derive(seed, 1)``,
    both drawn with the row index outermost; the first m rows of a problem are its size-m
    training set. On numpy a draw with a larger ``max_size`` (same seed and ``n_problems``)
    extends a smaller one, since the streams are prefixes of each other: learning curves from
    different runs share rows.
    """
    if not isinstance(law, GaussianClasses):
        raise TypeError(f"law must be a theory GaussianClasses, got {type(law).__name__}")
    n_problems = check_parameter("n_problems", n_problems, low=1, integer=True)
    max_size = check_parameter("max_size", max_size, low=1, integer=True)
    xp = backend.xp
    real = getattr(xp, dtype)
    cumulative = xp.asarray(np.cumsum(law.priors)[:-1], dtype=real)
    uniforms = backend.rng(derive(seed, 0)).uniform((max_size, n_problems), dtype)
    labels = xp.sum(xp.astype(uniforms[..., None] >= cumulative, xp.int64), axis=-1)
    noise = backend.rng(derive(seed, 1)).normal((max_size, n_problems, law.n_features), dtype)
    if law.diagonal:
        noise = noise * xp.asarray(np.sqrt(np.diag(law.covariance)), dtype=real)
    else:
        noise = xp.matmul(noise, xp.asarray(law.cholesky.T, dtype=real))
    centres = xp.take(xp.asarray(law.means, dtype=real), xp.reshape(labels, (-1,)), axis=0)
    x = xp.reshape(centres, noise.shape) + noise
    return xp.permute_dims(x, (1, 0, 2)), xp.permute_dims(labels, (1, 0))


def prefix_mask(sizes: Any, max_size: int, xp: Any) -> Any:
    """Row mask (B, max_size): row r of problem b is used when r < sizes[b] (a size-m prefix);
    ``sizes`` are integers in [0, max_size]."""
    max_size = check_parameter("max_size", max_size, low=1, integer=True)
    sizes = xp.asarray(sizes)
    if sizes.ndim != 1 or not xp.isdtype(sizes.dtype, "integral"):
        raise ValueError(f"sizes must be a 1-D integer array, got {sizes.dtype} {sizes.shape}")
    if not bool(xp.all((sizes >= 0) & (sizes <= max_size))):
        raise ValueError(f"sizes must lie in [0, max_size = {max_size}]")
    return xp.arange(max_size)[None, :] < sizes[:, None]


@dataclass(frozen=True)
class AffineScores:
    r"""B affine classifiers :math:`s_k(x) = w_k^\top x + b_k`: ``weights`` (B, K, n),
    ``intercepts`` (B, K); the intercept of a class absent from the training rows is -inf."""

    weights: Any
    intercepts: Any

    def __post_init__(self) -> None:
        if self.weights.ndim != 3 or self.intercepts.shape != self.weights.shape[:2]:
            raise ValueError(
                f"weights must be (B, K, n) and intercepts (B, K), got shapes "
                f"{self.weights.shape} and {self.intercepts.shape}"
            )


@dataclass(frozen=True)
class LogisticFit(AffineScores):
    """A batched logistic regression fit: the scores, F at the returned point (B,), whether each
    problem met the tolerance (B,), and the work done (Newton iterations and batched
    Hessian-vector products, both counted for the whole batch)."""

    objective: Any = None
    converged: Any = None
    newton_iterations: int = 0
    hessian_products: int = 0


def fit_naive_bayes(
    x: Any,
    labels: Any,
    n_classes: int,
    mask: Any | None = None,
    *,
    var_smoothing: float = VAR_SMOOTHING,
) -> AffineScores:
    r"""NB with class means and one pooled diagonal variance, for B problems at once.

    ``x`` (B, m, n), integer ``labels`` (B, m), optional boolean ``mask`` (B, m) of the rows
    that belong to each training set (padded rows may hold any finite values and any labels).
    Sufficient statistics are masked sums: counts :math:`m_k`, class sums (one batched product
    :math:`Y^\top X`), then the pooled variance from the residuals :math:`x_r - \hat\mu_{y_r}`
    (two passes, no cancellation). Returns :math:`w_k = \hat\mu_k/\hat\sigma^2`,
    :math:`b_k = \ln(m_k/m) - \tfrac12\sum_i \hat\mu_{ki}^2/\hat\sigma_i^2`; see the module
    docstring for absent classes. ``var_smoothing`` is finite and >= 0; at 0, a feature with no
    spread within the classes of a training set has no variance to divide by (ValueError).
    """
    var_smoothing = check_parameter("var_smoothing", var_smoothing)
    xp, mask, onehot = _training_set(x, labels, n_classes, mask)
    counts = xp.sum(onehot, axis=-1)
    present = counts > 0
    means = xp.matmul(onehot, x) / xp.where(present, counts, 1.0)[..., None]
    residual = x - xp.matmul(xp.permute_dims(onehot, (0, 2, 1)), means)
    squares = xp.where(mask[..., None], residual * residual, 0.0)
    total = xp.sum(counts, axis=-1, keepdims=True)
    pooled = xp.sum(squares, axis=1) / total + var_smoothing
    if var_smoothing == 0 and not bool(xp.all(pooled > 0)):
        raise ValueError("a feature has zero pooled variance: use var_smoothing > 0")
    weights = means / pooled[:, None, :]
    log_prior = xp.log(xp.where(present, counts, 1.0) / total)
    intercepts = xp.where(present, log_prior - 0.5 * xp.sum(means * weights, axis=-1), -math.inf)
    return AffineScores(weights, intercepts)


def logistic_objective(
    x: Any, labels: Any, scores: AffineScores, C: float, mask: Any | None = None
) -> Any:
    r""":math:`F(W, b) = \tfrac12\|W\|_F^2 + C\sum_r [\mathrm{lse}_k(z_{rk}) - z_{ry_r}]` per
    problem (B,), the softmax taken over the classes present in the training rows (an absent
    class, intercept -inf, adds :math:`e^{-\infty} = 0`). The one function that scores both this
    solver's and scikit-learn's solutions. ``scores`` match x, (B, K, n) and (B, K), with finite
    weights and finite intercepts for the classes present (the absent ones' are ignored)."""
    _check_penalty(C)
    xp, mask, onehot = _training_set(x, labels, scores.weights.shape[1], mask)
    if scores.weights.shape[::2] != (x.shape[0], x.shape[2]):
        raise ValueError(
            f"scores must have weights (B, K, n) = ({x.shape[0]}, K, {x.shape[2]}), "
            f"got {scores.weights.shape}"
        )
    present = xp.sum(onehot, axis=-1) > 0
    finite = xp.all(xp.isfinite(scores.weights), axis=-1) & xp.isfinite(scores.intercepts)
    if not bool(xp.all(finite | ~present)):
        raise ValueError("scores must be finite for the classes present in the training rows")
    weights = xp.where(present[..., None], scores.weights, 0.0)
    intercepts = xp.where(present, scores.intercepts, 0.0)
    logits = xp.matmul(weights, xp.permute_dims(x, (0, 2, 1))) + intercepts[..., None]
    row_weight = C * xp.astype(mask, x.dtype)
    data_term, _ = _data_term(logits, onehot, present, row_weight, xp)
    return data_term + _penalty(xp.concat([weights, intercepts[..., None]], axis=-1), xp)


def fit_logistic(
    x: Any,
    labels: Any,
    n_classes: int,
    C: float,
    mask: Any | None = None,
    *,
    init: AffineScores | None = None,
    tol: float | None = None,
    max_newton: int = 100,
    max_cg: int = 250,
) -> LogisticFit:
    r"""Minimise F (:func:`logistic_objective`) for B problems at once by truncated Newton-CG.

    **Parametrisation.** Features are centred by each problem's training mean
    :math:`\bar x` and the intercept is a constant last feature: :math:`\tilde x = (x - \bar x,
    1)`, :math:`\theta = (W, b')` of shape (K, n + 1), penalty mask
    :math:`\rho = (1, \dots, 1, 0)`. Centring changes only the intercept,
    :math:`b = b' - W\bar x`, and decouples it from the weights in the Hessian. With
    :math:`Z = \theta\tilde X^\top` (K, m), :math:`P = \mathrm{softmax}(Z)` over the present
    classes and row weights :math:`c_r = C\,[r \text{ in the training set}]`:

    * gradient :math:`\nabla F = (c \odot (P - Y))\tilde X + \rho \odot \theta`;
    * the data parts of the gradient and of the Hessian-vector product have rows (classes) that
      sum to 0, since :math:`\sum_k (p_{rk} - y_{rk}) = 0` and :math:`D_r \mathbf 1 = 0`: only
      their first K - 1 rows are products with :math:`\tilde X`, the last is minus their sum
      (rows of absent classes are masked to 0). This saves 1/K of the dominant products;
    * Hessian-vector product :math:`HV = (c \odot \dot P)\tilde X + \rho \odot V` with
      :math:`\dot Z = V\tilde X^\top`, :math:`\dot P = P \odot \dot Z - P \odot \sum_k (P \odot
      \dot Z)_k`. As :math:`\dot P` depends on :math:`\dot Z` only through the contrasts
      :math:`\dot Z_k - \dot Z_K` (:math:`\sum_k p_k = 1`), both batched products with
      :math:`\tilde X` have K - 1 rows, :math:`(V_k - V_K)\tilde X^\top` and
      :math:`(c \odot \dot P_k)\tilde X` for k < K; the Hessian
      :math:`\sum_r D_r \otimes \tilde x_r \tilde x_r^\top` (:math:`D_r = \mathrm{diag}(p_r) -
      p_r p_r^\top`) is never formed. The products run in float32 on a float32 copy of
      :math:`\tilde X` (mixed precision): CG only needs a direction to relative accuracy
      η ≥ 0.01, while the gradient, F and the line search stay in x's dtype, so the fixed point
      and the convergence test are those of the exact problem. It halves the memory traffic of
      the dominant products (about 2x faster on the 2-core CPU);
    * preconditioned CG on :math:`H d = -\nabla F`, every problem with its own α, β and a
      running mask. The preconditioner is block-Jacobi over classes: for each feature j the
      K × K block :math:`\sum_r c_r D_r \tilde x_{rj}^2 + \rho_j I` (one batched product with
      :math:`\tilde X^{\odot 2}`, inverted by batched Gauss-Jordan). It sees the coupling of the
      classes through :math:`D_r` (whose rows sum to 0) that a diagonal preconditioner misses. A
      problem's CG stops at relative residual
      :math:`\eta = \min(0.3, \max(0.01, \sqrt{\|\nabla F\|/\|\nabla F_0\|}))`;
    * a parallel line search: F at the steps :data:`STEPS` (extrapolation included: far from
      the optimum the logistic loss is flatter than its quadratic model) from one product
      :math:`d\tilde X^\top`; each problem takes, among the steps satisfying Armijo's
      :math:`F(\theta + t d) \le F(\theta) + 10^{-4}\, t\, \nabla F^\top d`, the one with the
      lowest F.

    A problem has converged once its CG met its tolerance and its Newton decrement satisfies
    :math:`\tfrac12(-\nabla F^\top d) \le \texttt{tol}\,|F|` (the second-order estimate of the
    relative gap :math:`(F - F^*)/|F|`); that step is still taken, then the problem is frozen. A
    problem with no acceptable step (a direction at rounding level) is frozen and reported as
    not converged. The intercept null direction (one constant added to every present class's
    intercept) leaves F unchanged and is orthogonal to the gradient, so CG stays consistent.

    **Host reads and compaction.** The host reads one small array per Newton iteration: the
    active mask, which CG runs hit their budget, and the CG iterations each problem used. CG
    runs a fixed number of iterations between reads (masked per problem); the budget starts at
    8 and adapts to the counts used (:func:`_next_cg_budget`). On host namespaces (numpy,
    ``array_api_strict``), where a read costs nothing, CG also stops once every problem has met
    its tolerance. When at most
    3/4 of the problems in the working batch are still active, the batch is compacted to them
    (one gather of their rows with a host-built index array), so finished problems cost
    nothing.

    ``tol`` defaults to 1e-9 for float64 input: near the optimum the decrement overestimates
    the remaining gap (quadratic convergence), so the returned F is within about 1e-13
    relative of the 1e-10 solution on the benchmark problems, far below the 1e-8 the
    scikit-learn cross-check asks for; and 1e-5 for float32. ``init`` warm-starts (entries of
    absent classes are reset to 0); its weights must be finite, its intercepts finite or -inf
    (a class the rule never predicts); see :func:`fit_logistic_path`. ``max_newton`` and
    ``max_cg`` are integers >= 1.

    **Saturated problems.** Where every row's softmax is saturated (margins of tens or more), the
    data term has almost no curvature along the unpenalised intercepts, and the Newton direction
    there is huge; no step of the line search is then acceptable and the problem is frozen,
    reported as not converged, at its last finite iterate.
    """
    _check_penalty(C)
    if tol is None:
        tol = 1e-9 if x.dtype == namespace(x).float64 else 1e-5
    if check_parameter("tol", tol) == 0:
        raise ValueError("tol must be > 0, got 0")
    max_newton = check_parameter("max_newton", max_newton, low=1, integer=True)
    max_cg = check_parameter("max_cg", max_cg, low=1, integer=True)
    xp, mask, onehot = _training_set(x, labels, n_classes, mask)
    batch = _Batch.build(x, mask, onehot, C, init, xp)
    result = _Result(batch, xp)
    budget, hessian_products, newton_iterations = 8, 0, 0
    hit_before = False
    for _ in range(max_newton):
        newton_iterations += 1
        cg_done, cg_used, cg_run = batch.newton_step(budget, tol)
        hessian_products += cg_run
        summary = to_numpy(
            xp.concat(
                [
                    xp.astype(batch.active, xp.int64),
                    xp.astype(batch.active & ~cg_done, xp.int64),
                    cg_used,
                ]
            )
        )
        size = batch.index.size
        active = summary[:size].astype(bool)
        hit = summary[size : 2 * size].astype(bool)
        used = summary[2 * size :]
        if not active.any():
            break
        budget = _next_cg_budget(budget, hit, used, hit_before, max_cg)
        hit_before = bool(hit.any())
        if active.sum() <= 0.75 * active.size:
            result.store(batch)
            batch = batch.select(np.flatnonzero(active))
    result.store(batch)
    return result.fit(newton_iterations, hessian_products)


def fit_logistic_path(
    x: Any, labels: Any, sizes: list[int], n_classes: int, C: float, **options: Any
) -> list[LogisticFit]:
    """Fits on the nested prefixes ``x[:, :m]`` for m in ``sizes`` (increasing), each warm-started
    from the previous solution (continuation along m). ``options`` go to :func:`fit_logistic`."""
    if any(m != int(m) for m in sizes):
        raise ValueError(f"sizes must be integers, got {sizes}")
    sizes = [int(m) for m in sizes]
    if not sizes or sizes[0] < 1 or any(b <= a for a, b in itertools.pairwise(sizes)):
        raise ValueError(f"sizes must be positive and strictly increasing, got {sizes}")
    if sizes[-1] > x.shape[1]:
        raise ValueError(f"largest size {sizes[-1]} exceeds the {x.shape[1]} rows drawn")
    fits: list[LogisticFit] = []
    for size in sizes:
        init = fits[-1] if fits else None
        fits.append(
            fit_logistic(x[:, :size, :], labels[:, :size], n_classes, C, init=init, **options)
        )
    return fits


def class_scores(x: Any, scores: AffineScores) -> Any:
    """Scores (B, T, K) of test rows ``x``: (T, n) shared by all problems, or (B, T, n)."""
    xp = namespace(x, scores.weights)
    batch, _, n = scores.weights.shape
    if x.ndim not in (2, 3) or x.shape[-1] != n or (x.ndim == 3 and x.shape[0] != batch):
        raise ValueError(f"x must have shape (T, {n}) or ({batch}, T, {n}), got {x.shape}")
    return xp.matmul(x, xp.permute_dims(scores.weights, (0, 2, 1))) + scores.intercepts[:, None, :]


def predict(x: Any, scores: AffineScores) -> Any:
    """Predicted classes (B, T): the arg-max of :func:`class_scores` (first class on ties)."""
    xp = namespace(x, scores.weights)
    return xp.argmax(class_scores(x, scores), axis=-1)


def error_rate(x: Any, labels: Any, scores: AffineScores) -> Any:
    """Test error (B,) of every problem on test rows ``x`` with ``labels`` (T,) or (B, T)."""
    xp = namespace(x, scores.weights)
    rows = x.shape[-2]
    if labels.shape not in ((rows,), (scores.weights.shape[0], rows)):
        raise ValueError(f"labels must have shape ({rows},) or (B, {rows}), got {labels.shape}")
    wrong = predict(x, scores) != labels
    return xp.mean(xp.astype(wrong, x.dtype), axis=-1)


def scikit_learn_C(C: float, n_present: int) -> float:
    r"""The C for scikit-learn's ``LogisticRegression`` that poses the problem
    :func:`fit_logistic` solves with ``C`` on a training set with ``n_present`` classes.

    With three or more classes scikit-learn fits this multinomial model: C. With two it fits one
    log-odds vector w, b with penalty :math:`\tfrac12\|w\|^2`. The two-class multinomial optimum
    has :math:`W_1 = -W_0` (the penalty splits the difference evenly), so :math:`w = 2W_1` and
    :math:`\tfrac12(\|W_0\|^2 + \|W_1\|^2) = \tfrac14\|w\|^2`: the multinomial objective at
    C is half the binary one at 2C (our derivation [OURS]).
    """
    _check_penalty(C)
    if check_parameter("n_present", n_present, integer=True) < 2:
        raise ValueError(f"scikit-learn needs at least two classes, got {n_present}")
    return 2.0 * C if n_present == 2 else C


def scikit_learn_parameters(
    coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """A fitted scikit-learn ``LogisticRegression`` (``coef_``, ``intercept_``, ``classes_``)
    as this module's weights (K, n) and intercepts (K,) on the host.

    Rows go to the labels in ``classes``; a binary fit (one row) becomes
    :math:`(-w/2, w/2)`, :math:`(-b/2, b/2)` (see :func:`scikit_learn_C` for its C); classes
    scikit-learn never saw get weights 0 and intercept -inf.
    """
    n_classes = check_parameter("n_classes", n_classes, low=2, integer=True)
    coef, intercept = np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float)
    classes = np.asarray(classes)
    if coef.ndim != 2 or intercept.shape != coef.shape[:1] or classes.ndim != 1:
        raise ValueError("coef must be (rows, n) with one intercept per row and classes 1-D")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError("coef and intercept must be finite")
    if not np.issubdtype(classes.dtype, np.integer) or np.unique(classes).size != classes.size:
        raise ValueError(f"classes must be distinct integers, got {classes}")
    if classes.size < 2 or coef.shape[0] != (1 if classes.size == 2 else classes.size):
        raise ValueError(f"{coef.shape[0]} coefficient rows do not fit {classes.size} classes")
    if np.any((classes < 0) | (classes >= n_classes)):
        raise ValueError(f"classes must lie in [0, {n_classes})")
    if classes.size == 2:
        coef = np.stack([-coef[0], coef[0]]) / 2.0
        intercept = np.array([-intercept[0], intercept[0]]) / 2.0
    weights = np.zeros((n_classes, coef.shape[1]))
    intercepts = np.full(n_classes, -np.inf)
    weights[classes], intercepts[classes] = coef, intercept
    return weights, intercepts


HESSIAN_DTYPE = "float32"
"""Precision of the Hessian-vector products (see :func:`fit_logistic`)."""
CG_BUDGET_QUANTILE = 0.9
"""The CG budget follows this quantile of the counts the running problems used ..."""
CG_HIT_SHARE = 0.1
"""... and doubles when more than this share of them hit it (see :func:`_next_cg_budget`)."""
STEPS = (8.0, 4.0, 2.0, 1.0, 0.5, 0.25, 2.0**-4, 2.0**-6, 2.0**-8, 2.0**-10)
"""Step sizes the parallel line search tries at once."""
ARMIJO_SLOPE = 1e-4
"""Sufficient-decrease constant c of the Armijo condition F(θ + t d) ≤ F(θ) + c t ∇Fᵀd."""
FORCING_RANGE = (0.01, 0.3)
"""Bounds of the CG relative-residual tolerance η (see :func:`fit_logistic`)."""


@dataclass
class _Batch:
    """The working set of :func:`fit_logistic` in centred coordinates, class-major: θ (B, K,
    n + 1), logits and probabilities (B, K, m), so that sums and maxima over the classes run
    over a middle axis. ``index`` holds the host positions of these problems in the caller's
    batch."""

    augmented: Any
    augmented_t: Any
    augmented_low: Any
    augmented_low_t: Any
    squared: Any
    onehot: Any
    row_weight: Any
    present: Any
    mean: Any
    theta: Any
    logits: Any
    value: Any
    probabilities: Any
    initial_norm: Any
    active: Any
    converged: Any
    index: np.ndarray
    xp: Any = field(repr=False)

    @classmethod
    def build(cls, x, mask, onehot, C, init, xp) -> _Batch:
        batch, _, n = x.shape
        dtype = x.dtype
        weight = xp.astype(mask, dtype)
        mean = xp.sum(weight[..., None] * x, axis=1) / xp.sum(weight, axis=1)[:, None]
        augmented = _augment(x - mean[:, None, :], xp)
        present = xp.sum(onehot, axis=-1) > 0
        if init is None:
            theta = xp.zeros((batch, onehot.shape[1], n + 1), dtype=dtype)
        else:
            theta = _centred_parameters(init, present, mean, xp)
        augmented_t = xp.permute_dims(augmented, (0, 2, 1))
        augmented_t = xp.reshape(xp.asarray(augmented_t, copy=True), augmented_t.shape)
        logits = xp.matmul(theta, augmented_t)
        row_weight = C * weight
        data_term, probabilities = _data_term(logits, onehot, present, row_weight, xp)
        low = xp.astype(augmented, getattr(xp, HESSIAN_DTYPE))
        low_t = xp.astype(augmented_t, getattr(xp, HESSIAN_DTYPE))
        return cls(
            augmented=augmented,
            augmented_t=augmented_t,
            augmented_low=low,
            augmented_low_t=low_t,
            squared=augmented * augmented,
            onehot=onehot,
            row_weight=row_weight,
            present=present,
            mean=mean,
            theta=theta,
            logits=logits,
            value=data_term + _penalty(theta, xp),
            probabilities=probabilities,
            initial_norm=None,
            active=xp.ones(batch, dtype=xp.bool),
            converged=xp.zeros(batch, dtype=xp.bool),
            index=np.arange(batch),
            xp=xp,
        )

    def select(self, rows: np.ndarray) -> _Batch:
        """The sub-batch of the problems at ``rows`` (host positions in this batch)."""
        xp = self.xp
        take = xp.asarray(rows)
        names = (
            "augmented", "augmented_t", "augmented_low", "augmented_low_t", "squared", "onehot", "row_weight", "present", "mean",
            "theta", "logits", "value", "probabilities", "initial_norm", "active", "converged",
        )  # fmt: skip
        fields = {name: xp.take(getattr(self, name), take, axis=0) for name in names}
        return _Batch(**fields, index=self.index[rows], xp=xp)

    def newton_step(self, budget: int, tol: float) -> tuple[Any, Any, int]:
        """One Newton-CG iteration on every active problem (updates the state in place);
        returns whether each CG met its tolerance, the CG iterations each used and the batched
        CG iterations run."""
        xp = self.xp
        dtype = self.theta.dtype
        n_features = self.theta.shape[-1] - 1
        penalised = xp.concat([xp.ones(n_features, dtype=dtype), xp.zeros(1, dtype=dtype)])
        weighted = self.row_weight[:, None, :]
        probabilities = self.probabilities
        leading = xp.matmul(weighted * (probabilities - self.onehot)[:, :-1, :], self.augmented)
        present = xp.astype(self.present[..., None], dtype)
        gradient = xp.concat([leading, -xp.sum(leading, axis=-2, keepdims=True)], axis=-2)
        gradient = present * gradient
        gradient = gradient + penalised * self.theta
        gradient_norm = xp.sqrt(_batch_dot(gradient, gradient, xp))
        if self.initial_norm is None:
            self.initial_norm = xp.where(gradient_norm > 0, gradient_norm, 1.0)
        low, high = FORCING_RANGE
        forcing = xp.clip(xp.sqrt(gradient_norm / self.initial_norm), low, high)
        inverse_blocks = _block_preconditioner(self, penalised, xp)

        low_dtype = self.augmented_low.dtype
        scaled_low = xp.astype(weighted * probabilities[:, :-1, :], low_dtype)
        leading_low = xp.astype(probabilities[:, :-1, :], low_dtype)

        def hessian_product(direction):
            contrast = xp.astype(direction[:, :-1, :] - direction[:, -1:, :], low_dtype)
            change = xp.matmul(contrast, self.augmented_low_t)
            change = change - xp.sum(leading_low * change, axis=-2, keepdims=True)
            leading = xp.matmul(scaled_low * change, self.augmented_low)
            product = xp.concat([leading, -xp.sum(leading, axis=-2, keepdims=True)], axis=-2)
            return present * xp.astype(product, dtype) + penalised * direction

        def precondition(residual):
            return xp.sum(inverse_blocks * residual[:, None, :, :], axis=-2)

        direction, cg_done, cg_used, cg_run = _conjugate_gradient(
            hessian_product, -gradient, precondition, forcing, self.active, budget, xp
        )
        decrement = -_batch_dot(gradient, direction, xp)
        finished = self.active & cg_done & (0.5 * decrement <= tol * xp.abs(self.value))

        steps = xp.asarray(STEPS, dtype=dtype)[:, None, None, None]
        logit_step = xp.matmul(direction, self.augmented_t)
        trial_data, _ = _data_term(
            self.logits + steps * logit_step,
            self.onehot,
            self.present,
            self.row_weight,
            xp,
            probabilities=False,
        )
        trial_values = trial_data + _penalty(self.theta + steps * direction, xp)
        acceptable = trial_values <= self.value - ARMIJO_SLOPE * steps[..., 0, 0] * decrement
        acceptable = acceptable & self.active
        best = xp.min(xp.where(acceptable, trial_values, math.inf), axis=0)
        chosen = acceptable & (trial_values == best)
        step = xp.max(xp.where(chosen, steps[..., 0, 0], 0.0), axis=0)
        # a problem without an acceptable step stays put (its direction may not be finite)
        moved = (step > 0)[:, None, None]
        self.theta = xp.where(moved, self.theta + step[:, None, None] * direction, self.theta)
        self.logits = xp.where(moved, self.logits + step[:, None, None] * logit_step, self.logits)
        data_term, self.probabilities = _data_term(
            self.logits, self.onehot, self.present, self.row_weight, xp
        )
        self.value = data_term + _penalty(self.theta, xp)
        self.converged = self.converged | finished
        self.active = self.active & ~finished & (step > 0)
        return cg_done, cg_used, cg_run


def _next_cg_budget(
    budget: int, hit: np.ndarray, used: np.ndarray, hit_before: bool, max_cg: int
) -> int:
    """CG iterations for the next Newton iteration, from this one's host summary.

    ``hit``: active problems whose CG stopped at the budget, not at its tolerance; ``used``: the
    iterations each problem ran. The budget doubles (up to ``max_cg``) when more than
    :data:`CG_HIT_SHARE` of the running problems hit it, or when some did in two iterations in a
    row (a straggler cannot be starved: it needs a finished CG to be declared converged); it
    stays while a few hit it; otherwise it becomes 5/4 of the :data:`CG_BUDGET_QUANTILE`
    quantile of the counts used, plus one. Following a quantile rather than the maximum
    keeps the whole batch from running masked iterations for its slowest problem.
    """
    running = used > 0
    if hit.sum() > CG_HIT_SHARE * max(int(running.sum()), 1) or (hit.any() and hit_before):
        return min(2 * budget, max_cg)
    if hit.any() or not running.any():
        return budget
    typical = int(np.quantile(used[running], CG_BUDGET_QUANTILE))
    return max(1, min(max_cg, typical + typical // 4 + 1))


class _Result:
    """Full-size outputs of :func:`fit_logistic`, filled from working batches by position."""

    def __init__(self, batch: _Batch, xp: Any):
        self.xp = xp
        self.size = batch.index.size
        self.weights = xp.zeros_like(batch.theta[..., :-1])
        self.intercepts = xp.zeros_like(batch.theta[..., -1])
        self.objective = xp.zeros_like(batch.value)
        self.converged = xp.zeros(self.size, dtype=xp.bool)
        self.present = batch.present

    def store(self, batch: _Batch) -> None:
        """Copy the current parameters (uncentred), objective and convergence of ``batch``'s
        problems."""
        xp = self.xp
        position = np.zeros(self.size, dtype=np.int64)
        position[batch.index] = np.arange(batch.index.size)
        member = np.zeros(self.size, dtype=bool)
        member[batch.index] = True
        position, member = xp.asarray(position), xp.asarray(member)
        weights = batch.theta[..., :-1]
        intercepts = batch.theta[..., -1] - xp.sum(weights * batch.mean[:, None, :], axis=-1)

        def place(new, old):
            expand = (slice(None),) + (None,) * (old.ndim - 1)
            return xp.where(member[expand], xp.take(new, position, axis=0), old)

        self.weights = place(weights, self.weights)
        self.intercepts = place(intercepts, self.intercepts)
        self.objective = place(batch.value, self.objective)
        self.converged = place(batch.converged, self.converged)

    def fit(self, newton_iterations: int, hessian_products: int) -> LogisticFit:
        intercepts = self.xp.where(self.present, self.intercepts, -math.inf)
        return LogisticFit(
            self.weights,
            intercepts,
            self.objective,
            self.converged,
            newton_iterations,
            hessian_products,
        )


def _check_penalty(C: float) -> None:
    if check_parameter("C", C) == 0:
        raise ValueError("C must be a positive finite number, got 0")


def _training_set(x: Any, labels: Any, n_classes: int, mask: Any | None) -> tuple[Any, Any, Any]:
    """Validate a padded batch; return its namespace, the boolean row mask (B, m) and the masked
    one-hot labels, class-major (B, K, m), in x's dtype (zero outside the mask)."""
    xp = namespace(x, labels)
    if x.ndim != 3 or not xp.isdtype(x.dtype, "real floating"):
        raise ValueError(f"x must be a real floating array of shape (B, m, n), got {x.ndim} axes")
    if labels.shape != x.shape[:2] or not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(f"labels must be integers of shape {x.shape[:2]}, got {labels.shape}")
    n_classes = check_parameter("n_classes", n_classes, low=2, integer=True)
    if mask is None:
        mask = xp.ones(labels.shape, dtype=xp.bool)
    elif getattr(mask, "shape", None) != labels.shape or mask.dtype != xp.bool:
        raise ValueError(f"mask must be a boolean array of shape {labels.shape}")
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError("x holds non-finite values (padded rows too must be finite)")
    inside = (labels >= 0) & (labels < n_classes)
    if not bool(xp.all(inside | ~mask)):
        raise ValueError(f"labels of the masked-in rows must lie in [0, {n_classes})")
    if not bool(xp.all(xp.any(mask, axis=1))):
        raise ValueError("every problem needs at least one training row")
    onehot = (labels[:, None, :] == xp.arange(n_classes)[:, None]) & mask[:, None, :]
    return xp, mask, xp.astype(onehot, x.dtype)


def _on_host(xp: Any) -> bool:
    """Whether arrays of ``xp`` live in host memory (numpy, array_api_strict): reading a flag
    back then costs no device synchronisation."""
    compat = array_api_compat
    return compat.is_numpy_namespace(xp) or compat.is_array_api_strict_namespace(xp)


def _augment(x: Any, xp: Any) -> Any:
    """(x, 1): the intercept as a constant last feature."""
    return xp.concat([x, xp.ones((*x.shape[:2], 1), dtype=x.dtype)], axis=-1)


def _batch_dot(a: Any, b: Any, xp: Any) -> Any:
    """Inner products of matching (B, ...) arrays, one per problem (flattened: numpy reduces
    short trailing axes slowly)."""
    return xp.vecdot(xp.reshape(a, (a.shape[0], -1)), xp.reshape(b, (b.shape[0], -1)))


def _penalty(theta: Any, xp: Any) -> Any:
    """½‖W‖² of parameters (..., K, n + 1) whose last column is the intercept."""
    weights = theta[..., :-1]
    return 0.5 * xp.sum(xp.sum(weights * weights, axis=-1), axis=-1)


def _centred_parameters(init: AffineScores, present: Any, mean: Any, xp: Any) -> Any:
    """``init`` as θ (B, K, n + 1) in the centred coordinates; classes absent now or in ``init``
    (intercept -inf: a warm start from a smaller training set that lacked them) start at 0."""
    batch, n = mean.shape
    expected = (batch, present.shape[1])
    if init.weights.shape != (*expected, n) or init.intercepts.shape != expected:
        raise ValueError(f"init must have weights {(*expected, n)} and intercepts {expected}")
    finite = xp.all(xp.isfinite(init.weights)) & xp.all(
        xp.isfinite(init.intercepts) | (init.intercepts == -math.inf)
    )
    if not bool(finite):
        raise ValueError("init must have finite weights and finite or -inf intercepts")
    intercepts = xp.astype(init.intercepts, mean.dtype)
    usable = present & xp.isfinite(intercepts)
    weights = xp.where(usable[..., None], xp.astype(init.weights, mean.dtype), 0.0)
    intercepts = xp.where(usable, intercepts, 0.0)
    intercepts = intercepts + xp.sum(weights * mean[:, None, :], axis=-1)
    return xp.concat([weights, intercepts[..., None]], axis=-1)


def _data_term(
    logits: Any, onehot: Any, present: Any, row_weight: Any, xp: Any, probabilities: bool = True
) -> tuple[Any, Any]:
    r""":math:`\sum_r c_r [\mathrm{lse}(z_r) - z_{r y_r}]` over the present classes and (if
    asked) the softmax P, for class-major logits (..., B, K, m) with any leading axes (the line
    search evaluates all steps at once and needs no P)."""
    masked = xp.where(present[..., None], logits, -math.inf)
    top = xp.max(masked, axis=-2, keepdims=True)
    exponentials = xp.exp(masked - top)
    total = xp.sum(exponentials, axis=-2, keepdims=True)
    row_losses = top[..., 0, :] + xp.log(total[..., 0, :]) - xp.sum(onehot * logits, axis=-2)
    data_term = xp.sum(row_weight * row_losses, axis=-1)
    return data_term, (exponentials / total if probabilities else None)


def _block_preconditioner(batch: _Batch, penalised: Any, xp: Any) -> Any:
    r"""Inverses (B, K, K, n + 1) of the per-feature class blocks of the Hessian,
    :math:`\sum_r c_r D_r \tilde x_{rj}^2 + \rho_j I` (matrix axes first, feature last).

    The intercept block (ρ = 0) is singular along the present-class sum, the null direction of
    F; adding :math:`s\,uu^\top` (u the normalised indicator of the present classes, s the mean
    diagonal, or 1 where that is 0, e.g. a single present class) makes it invertible without
    changing its action on residuals orthogonal to u, which all are. Absent classes get a unit
    diagonal (their residuals are 0).

    Since the rows and columns of :math:`D_r` sum to 0, only the leading (K - 1) × (K - 1)
    entries are reduced over the rows (one batched product); the last row and column are minus
    the sums of the others."""
    probabilities = batch.probabilities
    n_classes, n_plus_1 = batch.theta.shape[-2:]
    eye = xp.eye(n_classes, dtype=probabilities.dtype)[..., None]
    leading = probabilities[:, :-1, None, :] * (eye[:-1, :-1, :] - probabilities[:, None, :-1, :])
    leading = batch.row_weight[:, None, None, :] * leading
    flat = xp.reshape(leading, (leading.shape[0], (n_classes - 1) ** 2, -1))
    shape = (flat.shape[0], n_classes - 1, n_classes - 1, n_plus_1)
    leading = xp.reshape(xp.matmul(flat, batch.squared), shape)
    column = -xp.sum(leading, axis=2, keepdims=True)
    corner = -xp.sum(column, axis=1, keepdims=True)
    blocks = xp.concat(
        [
            xp.concat([leading, column], axis=2),
            xp.concat([xp.permute_dims(column, (0, 2, 1, 3)), corner], axis=2),
        ],
        axis=1,
    )
    blocks = blocks + penalised * eye
    diagonal = xp.sum(blocks * eye, axis=-2)
    scale = xp.sum(diagonal, axis=-2, keepdims=True)[:, None, ...] / n_classes
    scale = xp.where(scale > 0, scale, 1.0)
    present = xp.astype(batch.present, probabilities.dtype)
    unit = present / xp.sqrt(xp.sum(present, axis=-1, keepdims=True))
    null_fix = scale[..., -1:] * (unit[:, :, None, None] * unit[:, None, :, None])
    null_fix = null_fix + (1.0 - present)[:, :, None, None] * eye
    is_intercept = xp.astype(xp.arange(n_plus_1) == n_plus_1 - 1, probabilities.dtype)
    blocks = blocks + is_intercept * null_fix
    return _spd_inverse(blocks + 1e-12 * scale * eye, xp)


def _spd_inverse(blocks: Any, xp: Any) -> Any:
    """Inverses of symmetric positive definite K × K matrices stored on the axes (1, 2) of
    (B, K, K, p), by Gauss-Jordan elimination without pivoting (positive pivots), vectorised
    over the problems and the last axis."""
    size = blocks.shape[1]
    eye = xp.eye(size, dtype=blocks.dtype)[..., None]
    left = blocks
    right = xp.broadcast_to(eye, blocks.shape)
    for k in range(size):
        pivot = left[:, k : k + 1, k : k + 1, :]
        pivot_left = left[:, k : k + 1, :, :] / pivot
        pivot_right = right[:, k : k + 1, :, :] / pivot
        factors = left[:, :, k : k + 1, :]
        is_pivot = eye[:, k : k + 1, :]
        left = left - factors * pivot_left + is_pivot * pivot_left
        right = right - factors * pivot_right + is_pivot * pivot_right
    return right


def _conjugate_gradient(
    hessian_product, rhs, precondition, forcing, active, iterations, xp
) -> tuple[Any, Any, Any, int]:
    """Up to ``iterations`` steps of preconditioned CG on H d = rhs for every problem at once.

    A problem runs while it is ``active`` and its residual norm exceeds ``forcing`` times the
    norm of ``rhs``; then its α and β are masked to 0 and its iterate stays put. On a host
    namespace (:func:`_on_host`) the loop also ends once no problem runs; on a device it runs
    all ``iterations`` without reading back. Returns the directions, whether each problem
    stopped on its tolerance (inactive ones count as done), the iterations each used, and the
    batched iterations run.
    """
    direction = xp.zeros_like(rhs)
    residual = rhs
    preconditioned = precondition(residual)
    search = preconditioned
    rho = _batch_dot(residual, preconditioned, xp)
    target = (forcing * forcing) * _batch_dot(rhs, rhs, xp)
    running = active & (_batch_dot(residual, residual, xp) > target)
    used = xp.zeros(rhs.shape[0], dtype=xp.int64)
    stop_early = _on_host(xp)
    run = 0
    while run < iterations and not (stop_early and not bool(xp.any(running))):
        run += 1
        product = hessian_product(search)
        curvature = _batch_dot(search, product, xp)
        positive = running & (curvature > 0)
        alpha = xp.where(positive, rho / xp.where(positive, curvature, 1.0), 0.0)
        direction = direction + alpha[:, None, None] * search
        residual = residual - alpha[:, None, None] * product
        used = used + xp.astype(running, xp.int64)
        running = positive & (_batch_dot(residual, residual, xp) > target)
        preconditioned = precondition(residual)
        rho_next = _batch_dot(residual, preconditioned, xp)
        beta = xp.where(running, rho_next / xp.where(rho > 0, rho, 1.0), 0.0)
        search = preconditioned + beta[:, None, None] * search
        rho = rho_next
    return direction, ~running, used, run
