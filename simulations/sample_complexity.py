r"""Learning curves of naive Bayes and logistic regression, and the sample sizes read off them.

Sources: Zheng et al., ICML 2023 (``zheng2023``) and Ng & Jordan, NIPS 2001 (``ng2001``): the
protocol is [zheng2023, official code ``main_simulation.py`` and ``data/generate_data.py``] [V];
the misspecified design (:func:`theory.gaussian_classes.block_correlated_design`) and the sweep
design are ours [OURS].

One call fits both classifiers on R independent draws at every training size of a grid:
nested prefixes of one draw per repeat (common random numbers: both methods and all sizes see
the same rows), logistic regression warm-started along the grid. Errors are not estimated on a
test set: each fitted rule's 0-1 risk is computed exactly from the law
(:func:`theory.gaussian_risks.zero_one_risk`), so the only noise left is the training draw.

The sample complexity of a method is read off its mean curve
:math:`\bar e(m) = \frac1R\sum_r e_r(m)` as the first size where it reaches a threshold
(:func:`first_passage`), the rule of the official ``main_simulation.py`` (first m whose mean
error is below the Bayes error + ε), interpolated between grid points.

The estimators are pinned to independent references computed in the run
(:func:`pin_estimators`): naive Bayes to a plain loop over classes of the official sample
statistics, logistic regression to scikit-learn's ``LogisticRegression`` in the same penalty
convention, so that a wrong constant in either (a variance divisor, the variance floor, the
penalty scale) is seen even where the learning curves would hold either way.

Inputs are checked on entry (increasing positive integer sizes, at least two repeats, finite
errors and thresholds); a bad one raises ValueError (TypeError for a non-number) naming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulations import generative
from simulations.backend import Backend, check_resolved, derive, select, to_numpy
from theory.gaussian_classes import GaussianClasses
from theory.gaussian_risks import bayes_error, zero_one_risk
from theory.validation import check_parameter


@dataclass(frozen=True)
class LearningCurves:
    """Exact 0-1 risks (R, S) of both methods on R draws at the training ``sizes`` (S,)."""

    sizes: np.ndarray
    naive_bayes: np.ndarray
    logistic: np.ndarray
    bayes_error: float
    C: float
    newton_iterations: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if np.ndim(self.sizes) != 1:
            raise ValueError(f"sizes must be 1-D, got shape {np.shape(self.sizes)}")
        for name in ("naive_bayes", "logistic"):
            shape = np.shape(getattr(self, name))
            if len(shape) != 2 or shape[1] != len(self.sizes):
                raise ValueError(f"{name} must be (draws, {len(self.sizes)} sizes), got {shape}")

    def paired_gap(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard error (S,) of err_NB − err_LR over the draws: paired, since both
        methods are fitted on the same rows (negative: naive Bayes ahead); needs two draws."""
        if self.naive_bayes.shape[0] < 2:
            raise ValueError("a standard error needs at least two draws")
        difference = self.naive_bayes - self.logistic
        return difference.mean(axis=0), difference.std(axis=0, ddof=1) / math.sqrt(
            difference.shape[0]
        )

    def as_result(self) -> dict[str, np.ndarray | float]:
        """The curves as a :data:`simulations.sweeps.Result` (numpy arrays and floats)."""
        return {
            "sizes": np.asarray(self.sizes),
            "naive_bayes": np.asarray(self.naive_bayes),
            "logistic": np.asarray(self.logistic),
            "bayes_error": float(self.bayes_error),
            "C": float(self.C),
            "newton_iterations": np.asarray(self.newton_iterations, dtype=np.int64),
        }

    @classmethod
    def from_result(cls, result) -> LearningCurves:
        """The inverse of :meth:`as_result`."""
        return cls(
            result["sizes"],
            result["naive_bayes"],
            result["logistic"],
            float(result["bayes_error"]),
            float(result["C"]),
            [int(i) for i in result["newton_iterations"]],
        )


@dataclass(frozen=True)
class CurvesConfig:
    """One :func:`learning_curves` cell of a sweep: the law by its arrays (keyed by their
    hash), the backend by name (selected in the worker: a backend is never pickled), the sizes,
    the repeats and C."""

    means: np.ndarray
    covariance: np.ndarray
    priors: np.ndarray
    backend: str
    sizes: tuple[int, ...]
    repeats: int
    C: float

    def __post_init__(self) -> None:
        check_resolved(self.backend)

    @classmethod
    def of(cls, law: GaussianClasses, backend: Backend, sizes, repeats: int, C: float):
        """The cell of ``learning_curves(law, backend, seed, sizes, repeats, C)``, checked here so
        that a bad cell fails before it is dispatched."""
        sizes, repeats = _check_grid(sizes, repeats)
        return cls(
            law.means,
            law.covariance,
            law.priors,
            backend.name,
            tuple(int(m) for m in sizes),
            repeats,
            float(C),
        )


def curves_task(config: CurvesConfig, seed: np.random.SeedSequence) -> dict:
    """The sweep task of :func:`learning_curves` (its result is :meth:`LearningCurves.as_result`);
    the law rebuilt from its arrays is the caller's law exactly."""
    law = GaussianClasses(config.means, config.covariance, config.priors)
    curves = learning_curves(
        law, select(config.backend), seed, config.sizes, config.repeats, config.C
    )
    return curves.as_result()


def learning_curves(
    law: GaussianClasses,
    backend: Backend,
    seed: np.random.SeedSequence,
    sizes,
    repeats: int,
    C: float,
) -> LearningCurves:
    """Fit naive Bayes (:func:`~simulations.generative.fit_naive_bayes`) and L2 logistic
    regression (:func:`~simulations.generative.fit_logistic_path`, penalty ``C``) on the first
    m rows of ``repeats`` draws from ``law`` for every m in ``sizes`` (increasing), and return
    the exact 0-1 risk of every fit. Parameters reach the host once per size, for the risk."""
    sizes, repeats = _check_grid(sizes, repeats)
    x, labels = generative.sample_training_sets(law, backend, seed, repeats, int(sizes[-1]))
    classes = law.n_classes
    fits = generative.fit_logistic_path(x, labels, sizes.tolist(), classes, C)
    naive_bayes, logistic = [], []
    for size, fit in zip(sizes, fits):
        rule = generative.fit_naive_bayes(x[:, :size], labels[:, :size], classes)
        naive_bayes.append(_risk(rule, law))
        logistic.append(_risk(fit, law))
    return LearningCurves(
        sizes,
        np.stack(naive_bayes, axis=1),
        np.stack(logistic, axis=1),
        bayes_error(law),
        C,
        [fit.newton_iterations for fit in fits],
    )


def _check_grid(sizes, repeats: int) -> tuple[np.ndarray, int]:
    """``sizes`` as an int array of at least two increasing positive integers; ``repeats`` an
    integer >= 2 (a standard error needs two draws)."""
    array = np.asarray(sizes)
    if (
        array.ndim != 1
        or array.size < 2
        or np.any(array != np.round(array))
        or array[0] < 1
        or np.any(np.diff(array) <= 0)
    ):
        raise ValueError(f"sizes must be at least two increasing positive integers, got {sizes}")
    repeats = check_parameter("repeats", repeats, integer=True)
    if repeats < 2:
        raise ValueError(f"need at least two repeats for a standard error, got {repeats}")
    return array.astype(int), repeats


def _check_sizes(sizes) -> np.ndarray:
    """``sizes`` as floats: a 1-D grid of positive, strictly increasing sizes."""
    sizes = np.asarray(sizes, dtype=float)
    if sizes.ndim != 1 or sizes.size == 0 or not np.all(np.isfinite(sizes)):
        raise ValueError(f"sizes must be a non-empty finite 1-D grid, got shape {sizes.shape}")
    if sizes[0] <= 0 or np.any(np.diff(sizes) <= 0):
        raise ValueError("sizes must be positive and strictly increasing")
    return sizes


def _risk(scores: generative.AffineScores, law: GaussianClasses) -> np.ndarray:
    return zero_one_risk(to_numpy(scores.weights), to_numpy(scores.intercepts), law)


def first_passage(sizes, errors, threshold: float) -> float:
    r"""The first training size at which the mean curve of ``errors`` (R, S) is at or below
    ``threshold``, interpolated linearly in (ln m, error) between the last grid size above it
    and the first below; the first grid size if it starts below, ``inf`` if it never gets
    there. ``sizes`` are positive and increasing, ``errors`` and ``threshold`` finite."""
    sizes = _check_sizes(sizes)
    errors = np.asarray(errors, dtype=float)
    if errors.ndim != 2 or errors.shape[1] != sizes.size:
        raise ValueError(f"errors must have one column per size, got {errors.shape}")
    if not np.all(np.isfinite(errors)):
        raise ValueError("errors must be finite")
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be finite, got {threshold}")
    mean = np.mean(errors, axis=0)
    below = np.flatnonzero(mean <= threshold)
    if below.size == 0:
        return math.inf
    first = int(below[0])
    if first == 0:
        return float(sizes[0])
    upper, lower = mean[first - 1], mean[first]
    share = (upper - threshold) / (upper - lower)
    log_size = math.log(sizes[first - 1]) + share * math.log(sizes[first] / sizes[first - 1])
    return math.exp(log_size)


def size_grid(smallest: int, largest: int, per_octave: int) -> np.ndarray:
    """Integer sizes spaced evenly in ln m, ``per_octave`` per doubling, from ``smallest`` to
    at least ``largest`` (duplicates removed); all three are integers."""
    smallest = check_parameter("smallest", smallest, integer=True)
    largest = check_parameter("largest", largest, integer=True)
    per_octave = check_parameter("per_octave", per_octave, integer=True)
    if not 1 <= smallest < largest or per_octave < 1:
        raise ValueError(
            f"need 1 <= smallest < largest and per_octave >= 1, got "
            f"{smallest}, {largest}, {per_octave}"
        )
    steps = math.ceil(per_octave * math.log2(largest / smallest))
    return np.unique(np.round(smallest * 2.0 ** (np.arange(steps + 1) / per_octave)).astype(int))


def crossing_size(sizes, mean_gap) -> float:
    """Where the mean gap err_NB − err_LR last changes sign from ≤ 0 to > 0 along the grid,
    interpolated linearly in (ln m, gap); ``nan`` if it never does. ``sizes`` are positive and
    increasing, ``mean_gap`` finite with one value per size."""
    sizes, gap = _check_sizes(sizes), np.asarray(mean_gap, dtype=float)
    if gap.shape != sizes.shape or not np.all(np.isfinite(gap)):
        raise ValueError(f"mean_gap must be finite, one value per size, got shape {gap.shape}")
    ups = np.flatnonzero((gap[:-1] <= 0) & (gap[1:] > 0))
    if ups.size == 0:
        return math.nan
    i = int(ups[-1])
    share = -gap[i] / (gap[i + 1] - gap[i])
    return math.exp(math.log(sizes[i]) + share * math.log(sizes[i + 1] / sizes[i]))


@dataclass(frozen=True)
class SampleComplexity:
    """m* of one method at each dimension n, the log-log slope of m* against n, and its
    bootstrap standard error (draws resampled with replacement at each n)."""

    n_values: np.ndarray
    needed: np.ndarray
    slope: float
    slope_se: float


def sample_complexity(
    curves: dict[int, LearningCurves],
    method: str,
    epsilon: float,
    rng: np.random.Generator,
    resamples: int = 200,
) -> SampleComplexity:
    r"""m*(n) = :func:`first_passage` of ``method``'s mean curve to the Bayes error + ε, for the
    curves of each n (keys), and the least-squares slope of ln m* on ln n. Its standard error is
    the spread of the slope over ``resamples`` bootstrap replicates of the draws (a replicate
    whose m* is infinite at some n is dropped; ``nan`` if more than a tenth are). The keys n
    are positive, ε finite >= 0, ``rng`` a numpy Generator and ``resamples`` an integer >= 2."""
    if method not in ("naive_bayes", "logistic"):
        raise ValueError(f"method must be 'naive_bayes' or 'logistic', got {method!r}")
    check_parameter("epsilon", epsilon)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    resamples = check_parameter("resamples", resamples, low=2, integer=True)
    n_values = np.array(sorted(curves), dtype=float)
    if n_values.size < 2:
        raise ValueError("need learning curves at two or more n")
    if n_values[0] <= 0:
        raise ValueError(f"the dimensions n (keys of curves) must be positive, got {n_values[0]}")

    def needed(pick) -> np.ndarray:
        return np.array(
            [
                first_passage(c.sizes, pick(getattr(c, method)), c.bayes_error + epsilon)
                for c in (curves[int(n)] for n in n_values)
            ]
        )

    def slope(values: np.ndarray) -> float:
        return float(np.polyfit(np.log(n_values), np.log(values), 1)[0])

    point = needed(lambda errors: errors)
    if not np.all(np.isfinite(point)):
        return SampleComplexity(n_values, point, math.nan, math.nan)
    replicates = []
    for _ in range(resamples):
        values = needed(lambda errors: errors[rng.integers(0, errors.shape[0], errors.shape[0])])
        if np.all(np.isfinite(values)):
            replicates.append(slope(values))
    spread = np.std(replicates, ddof=1) if len(replicates) >= 0.9 * resamples else math.nan
    return SampleComplexity(n_values, point, slope(point), float(spread))


OFFICIAL_VAR_SMOOTHING = 1e-9
"""ε of the official ``GaussianNB(val_epsilon=1e-9)``, restated for the reference so that it does
not read the estimator's own constant (:data:`simulations.generative.VAR_SMOOTHING`)."""
PIN_TOLERANCE = {"naive_bayes": 1e-12, "logistic": 1e-5}
"""Largest relative deviation (max |ours − reference| / max |reference|) each pin accepts."""
PIN_TOLERANCE_WHY = (
    "naive Bayes: float64 two-pass sums over m <= a few hundred rows round to <= m eps ~ 1e-13; "
    "logistic regression: our Newton-CG stops at a Newton decrement <= 1e-9 |F| and "
    "scikit-learn's newton-cholesky at gradient tolerance 1e-10, both far inside 1e-5 (this "
    "run's deviations are in estimator_pins); a penalty 1% off moves the optimum by about 1% of "
    "the penalty's share of the gradient, and the pins' control shows that the run sees it"
)
SCIKIT_LEARN_SETTINGS = {"solver": "newton-cholesky", "tol": 1e-10, "max_iter": 1000}
"""The reference fits: exact Newton steps with a Cholesky solve (not our CG), tight tolerance."""


def naive_bayes_by_loop(
    x: np.ndarray, labels: np.ndarray, n_classes: int, var_smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""The official naive Bayes (``models/gaussnb.py``) by a plain loop over problems and
    classes on the host: priors :math:`m_k/m`, class means, per-class variances (ddof 0) pooled
    with the priors plus ``var_smoothing``; returned as the affine weights
    :math:`\hat\mu_k/\hat\sigma^2` (B, K, n) and intercepts
    :math:`\ln\hat\pi_k - \tfrac12\sum_i \hat\mu_{ki}^2/\hat\sigma_i^2` (B, K), -inf for an
    absent class."""
    x, labels = np.asarray(x, dtype=float), np.asarray(labels)
    weights = np.zeros((x.shape[0], n_classes, x.shape[2]))
    intercepts = np.full((x.shape[0], n_classes), -np.inf)
    for b, (rows, classes) in enumerate(zip(x, labels)):
        present = [k for k in range(n_classes) if np.any(classes == k)]
        priors = {k: np.mean(classes == k) for k in present}
        means = {k: rows[classes == k].mean(axis=0) for k in present}
        pooled = sum(priors[k] * rows[classes == k].var(axis=0) for k in present)
        pooled = pooled + var_smoothing
        for k in present:
            weights[b, k] = means[k] / pooled
            intercepts[b, k] = math.log(priors[k]) - 0.5 * np.sum(means[k] ** 2 / pooled)
    return weights, intercepts


def logistic_by_scikit_learn(
    x: np.ndarray, labels: np.ndarray, n_classes: int, C: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""scikit-learn's ``LogisticRegression`` (:data:`SCIKIT_LEARN_SETTINGS`) fitted to each
    problem on the host, at the C that poses :func:`simulations.generative.fit_logistic`'s
    problem (:func:`simulations.generative.scikit_learn_C`: scikit-learn minimises
    :math:`\tfrac12\|W\|^2/(C m) + \frac1m\sum_r \ell_r`, our F divided by Cm); weights
    (B, K, n) and intercepts (B, K) in this module's parametrisation."""
    from sklearn.linear_model import LogisticRegression

    x, labels = np.asarray(x, dtype=float), np.asarray(labels)
    weights, intercepts = [], []
    for rows, classes in zip(x, labels):
        penalty = generative.scikit_learn_C(C, np.unique(classes).size)
        model = LogisticRegression(C=penalty, **SCIKIT_LEARN_SETTINGS).fit(rows, classes)
        w, b = generative.scikit_learn_parameters(
            model.coef_, model.intercept_, model.classes_, n_classes
        )
        weights.append(w)
        intercepts.append(b)
    return np.stack(weights), np.stack(intercepts)


def relative_deviation(ours: generative.AffineScores, reference: tuple) -> float:
    """max |ours − reference| / max |reference| over the finite weights and intercepts (an
    absent class must be -inf in both, else the deviation is infinite)."""
    weights, intercepts = to_numpy(ours.weights), to_numpy(ours.intercepts)
    reference_weights, reference_intercepts = reference
    if np.any(np.isinf(intercepts) != np.isinf(reference_intercepts)):
        return math.inf
    finite = np.isfinite(reference_intercepts)
    ours_flat = np.concatenate([weights.ravel(), intercepts[finite]])
    theirs = np.concatenate([reference_weights.ravel(), reference_intercepts[finite]])
    return float(np.max(np.abs(ours_flat - theirs)) / np.max(np.abs(theirs)))


@dataclass(frozen=True)
class EstimatorPins:
    """Relative deviations of the batched estimators from their references on ``problems``
    draws of ``size`` rows (K classes, n features); ``logistic`` is nan when the naive Bayes
    pin failed first (the reference fits were not run)."""

    naive_bayes: float
    logistic: float
    problems: int
    size: int
    classes: int
    features: int
    C: float

    @property
    def hold(self) -> bool:
        return (
            self.naive_bayes <= PIN_TOLERANCE["naive_bayes"]
            and self.logistic <= PIN_TOLERANCE["logistic"]
        )

    def summary(self) -> str:
        return (
            f"estimator pins (K = {self.classes}, n = {self.features}, m = {self.size}, "
            f"{self.problems} draws): naive Bayes vs loop {self.naive_bayes:.1e} "
            f"(<= {PIN_TOLERANCE['naive_bayes']:.0e}), logistic vs scikit-learn "
            f"{self.logistic:.1e} (<= {PIN_TOLERANCE['logistic']:.0e})"
        )


def pin_estimators(
    law: GaussianClasses,
    backend: Backend,
    seed: np.random.SeedSequence,
    problems: int,
    size: int,
    C: float,
    fit_naive_bayes=generative.fit_naive_bayes,
    fit_logistic=generative.fit_logistic,
) -> EstimatorPins:
    """Fit ``fit_naive_bayes`` and ``fit_logistic`` (default: this package's batched
    estimators) to ``problems`` draws of ``size`` rows from ``law`` and measure how far they are
    from :func:`naive_bayes_by_loop` (official ε) and :func:`logistic_by_scikit_learn` at C;
    the scikit-learn fits are skipped when naive Bayes already fails its pin."""
    x, labels = generative.sample_training_sets(law, backend, derive(seed, 0), problems, size)
    host_x, host_labels = to_numpy(x), to_numpy(labels)
    classes = law.n_classes
    reference = naive_bayes_by_loop(host_x, host_labels, classes, OFFICIAL_VAR_SMOOTHING)
    naive_bayes = relative_deviation(fit_naive_bayes(x, labels, classes), reference)
    logistic = math.nan
    if naive_bayes <= PIN_TOLERANCE["naive_bayes"]:
        reference = logistic_by_scikit_learn(host_x, host_labels, classes, C)
        logistic = relative_deviation(fit_logistic(x, labels, classes, C), reference)
    return EstimatorPins(naive_bayes, logistic, problems, size, classes, law.n_features, C)
