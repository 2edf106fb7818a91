"""Batched naive Bayes and logistic regression (``simulations.generative``) against a naive loop
oracle and scikit-learn, with the designs, nested sampling, masking, warm starts, the rescaling
invariance (and its negative control), and every array namespace."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from simulations import generative as gen
from simulations.backend import derive, select, to_numpy
from theory import gaussian_classes as theory

NUMPY = select("numpy")
TIGHT = {"tol": 1e-10, "max_iter": 100_000}
"""scikit-learn settings of the reference fits (lbfgs, the default solver)."""


def _draw(law, seed, problems, rows, backend=NUMPY):
    return gen.sample_training_sets(law, backend, np.random.SeedSequence(seed), problems, rows)


def _ragged_mask(sizes, rows):
    return np.arange(rows)[None, :] < np.asarray(sizes)[:, None]


def _scramble_padding(x, labels, mask, n_classes, seed):
    """Garbage in the padded rows: large finite values and arbitrary labels."""
    rng = np.random.default_rng(seed)
    x = np.where(mask[..., None], x, rng.normal(scale=1e3, size=x.shape))
    labels = np.where(mask, labels, rng.integers(0, n_classes, size=labels.shape))
    return x, labels


# --------------------------------------------------------------------------------------------
# Designs and sampling
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "design",
    [
        theory.paper_design(n_classes=3, n_features=6, loader_transform=True),
        theory.block_correlated_design(n_classes=2, n_features=8, rng=np.random.SeedSequence(1)),
    ],
    ids=["diagonal", "block"],
)
def test_samples_follow_the_design_law(design):
    rows = 20_000
    x, labels = _draw(design, 11, 2, rows)
    x, labels = to_numpy(x).reshape(-1, design.n_features), to_numpy(labels).reshape(-1)
    total = x.shape[0]
    for k, prior in enumerate(design.priors):
        share = np.mean(labels == k)
        assert abs(share - prior) < 5 * math.sqrt(prior * (1 - prior) / total)  # CLT, 5 s.e.
        members = x[labels == k]
        scale = np.sqrt(np.diag(design.covariance) / members.shape[0])
        assert np.all(np.abs(members.mean(axis=0) - design.means[k]) < 5 * scale)
    residual = x - design.means[labels]
    np.testing.assert_allclose(
        np.cov(residual.T), design.covariance, atol=0.05 * design.covariance.max()
    )


def test_subsamples_are_nested_and_seeded():
    design = theory.paper_design(n_classes=3, n_features=5, loader_transform=True)
    x_small, y_small = _draw(design, 4, 3, 40)
    x_large, y_large = _draw(design, 4, 3, 90)
    np.testing.assert_array_equal(x_large[:, :40], x_small)
    np.testing.assert_array_equal(y_large[:, :40], y_small)
    x_other, _ = _draw(design, 5, 3, 40)
    assert not np.array_equal(x_other, x_small)
    # the size-m training set of a path is exactly the first m rows of the draw
    fits = gen.fit_logistic_path(x_large, y_large, [30, 60], 3, 1.0)
    prefix = gen.fit_logistic(x_large[:, :30], y_large[:, :30], 3, 1.0)
    np.testing.assert_allclose(fits[0].objective, prefix.objective, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Naive Bayes against a loop oracle
# --------------------------------------------------------------------------------------------


def _naive_bayes_oracle(x, labels, sizes, n_classes, var_smoothing):
    """Loops over problems and classes; the official per-class (ddof 0, + ε) variances pooled
    with the priors; predictions from the official quadratic-form score, not the affine one."""
    fits = []
    for b, size in enumerate(sizes):
        rows, classes = x[b, :size], labels[b, :size]
        priors, means, variances = {}, {}, {}
        for k in range(n_classes):
            members = rows[classes == k]
            if len(members):
                priors[k] = len(members) / size
                means[k] = members.mean(axis=0)
                variances[k] = members.var(axis=0) + var_smoothing
        pooled = sum(priors[k] * variances[k] for k in priors)
        fits.append((priors, means, pooled))
    return fits


def _oracle_predict(fit, test, n_classes):
    priors, means, pooled = fit
    scores = np.full((test.shape[0], n_classes), -np.inf)
    for k in priors:
        scores[:, k] = math.log(priors[k]) - 0.5 * np.sum((test - means[k]) ** 2 / pooled, axis=1)
    return np.argmax(scores, axis=1)


def test_naive_bayes_matches_a_loop_oracle():
    n_classes, rows = 4, 60
    design = theory.paper_design(n_classes=n_classes, n_features=7, loader_transform=True)
    x, labels = (to_numpy(a) for a in _draw(design, 21, 5, rows))
    labels[2] = np.where(labels[2] == 3, 0, labels[2])  # problem 2 never sees class 3
    sizes = [60, 9, 45, 4, 30]
    mask = _ragged_mask(sizes, rows)
    x, labels = _scramble_padding(x, labels, mask, n_classes, 0)
    fit = gen.fit_naive_bayes(x, labels, n_classes, mask)
    oracle = _naive_bayes_oracle(x, labels, sizes, n_classes, gen.VAR_SMOOTHING)
    test, _ = (to_numpy(a)[0] for a in _draw(design, 22, 1, 400))
    predicted = to_numpy(gen.predict(test, fit))
    for b, (priors, means, pooled) in enumerate(oracle):
        for k in range(n_classes):
            if k in priors:
                np.testing.assert_allclose(fit.weights[b, k], means[k] / pooled, rtol=1e-10)
                expected = math.log(priors[k]) - 0.5 * np.sum(means[k] ** 2 / pooled)
                assert fit.intercepts[b, k] == pytest.approx(expected, rel=1e-10, abs=1e-10)
            else:
                assert fit.intercepts[b, k] == -np.inf and not np.any(fit.weights[b, k])
        np.testing.assert_array_equal(predicted[b], _oracle_predict(oracle[b], test, n_classes))
    assert 3 not in predicted[2]


# --------------------------------------------------------------------------------------------
# Logistic regression against scikit-learn
# --------------------------------------------------------------------------------------------


def _sklearn_scores(x, labels, sizes, n_classes, C):
    weights, intercepts = [], []
    for b, size in enumerate(sizes):
        rows, classes = x[b, :size], labels[b, :size]
        penalty = gen.scikit_learn_C(C, np.unique(classes).size)
        model = LogisticRegression(C=penalty, **TIGHT).fit(rows, classes)
        w, c = gen.scikit_learn_parameters(model.coef_, model.intercept_, model.classes_, n_classes)
        weights.append(w)
        intercepts.append(c)
    return gen.AffineScores(np.stack(weights), np.stack(intercepts))


CASES = {
    "multiclass": (theory.paper_design(n_classes=3, n_features=12, loader_transform=True), 3, 0.7),
    "binary": (theory.paper_design(n_classes=2, n_features=12, loader_transform=True), 2, 1.0),
    "misspecified": (
        theory.block_correlated_design(n_classes=4, n_features=12, rng=np.random.SeedSequence(8)),
        4,
        5.0,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_logistic_regression_matches_scikit_learn(case):
    design, n_classes, C = CASES[case]
    problems, rows = 16, 120
    x, labels = (to_numpy(a) for a in _draw(design, 31, problems, rows))
    if n_classes > 2:
        labels[0] = np.where(labels[0] == n_classes - 1, 0, labels[0])  # an absent class
    sizes = np.random.default_rng(1).integers(12, rows + 1, problems)
    mask = _ragged_mask(sizes, rows)
    x, labels = _scramble_padding(x, labels, mask, n_classes, 1)
    fit = gen.fit_logistic(x, labels, n_classes, C, mask)
    assert np.all(fit.converged)
    chosen = np.sort(np.random.default_rng(2).choice(problems, 6, replace=False))
    chosen[0] = 0
    subset = (x[chosen], labels[chosen], sizes[chosen])
    reference = _sklearn_scores(*subset, n_classes, C)
    theirs = gen.logistic_objective(subset[0], subset[1], reference, C, mask[chosen])
    ours = fit.objective[chosen]
    np.testing.assert_allclose(
        gen.logistic_objective(
            subset[0],
            subset[1],
            gen.AffineScores(fit.weights[chosen], fit.intercepts[chosen]),
            C,
            mask[chosen],
        ),
        ours,
        rtol=1e-13,
    )
    assert np.all(ours <= theirs * (1 + 1e-8))
    assert np.all(np.abs(ours - theirs) <= 1e-8 * theirs)
    test, _ = (to_numpy(a)[0] for a in _draw(design, 32, 1, 2000))
    ours_scores = gen.AffineScores(fit.weights[chosen], fit.intercepts[chosen])
    np.testing.assert_array_equal(gen.predict(test, ours_scores), gen.predict(test, reference))


def test_scikit_learn_parameters_map_the_binary_fit_to_the_multinomial_one():
    x, labels = (
        to_numpy(a)
        for a in _draw(
            theory.paper_design(n_classes=3, n_features=6, loader_transform=True), 41, 1, 80
        )
    )
    labels = np.where(labels == 0, 2, labels)  # classes 1 and 2 only, of K = 3
    assert gen.scikit_learn_C(1.5, 2) == 3.0 and gen.scikit_learn_C(1.5, 3) == 1.5
    model = LogisticRegression(C=3.0, **TIGHT).fit(x[0], labels[0])
    weights, intercepts = gen.scikit_learn_parameters(
        model.coef_, model.intercept_, model.classes_, 3
    )
    assert intercepts[0] == -np.inf and not np.any(weights[0])
    np.testing.assert_allclose(weights[2] - weights[1], model.coef_[0], rtol=1e-15)
    mapped = gen.logistic_objective(
        x, labels, gen.AffineScores(weights[None], intercepts[None]), 1.5
    )
    ours = gen.fit_logistic(x, labels, 3, 1.5)
    assert abs(ours.objective[0] - mapped[0]) <= 1e-9 * mapped[0]


# --------------------------------------------------------------------------------------------
# Masking, warm starts, invariances
# --------------------------------------------------------------------------------------------


def test_a_padded_problem_fits_like_the_unpadded_one():
    n_classes, rows = 3, 70
    design = theory.paper_design(n_classes=n_classes, n_features=9, loader_transform=True)
    x, labels = (to_numpy(a) for a in _draw(design, 51, 4, rows))
    sizes = [70, 13, 41, 25]
    mask = _ragged_mask(sizes, rows)
    x, labels = _scramble_padding(x, labels, mask, n_classes, 2)
    naive_bayes = gen.fit_naive_bayes(x, labels, n_classes, mask)
    logistic = gen.fit_logistic(x, labels, n_classes, 1.0, mask)
    for b, size in enumerate(sizes):
        alone_nb = gen.fit_naive_bayes(x[b : b + 1, :size], labels[b : b + 1, :size], n_classes)
        np.testing.assert_allclose(naive_bayes.weights[b], alone_nb.weights[0], rtol=1e-12)
        np.testing.assert_allclose(naive_bayes.intercepts[b], alone_nb.intercepts[0], rtol=1e-12)
        alone = gen.fit_logistic(x[b : b + 1, :size], labels[b : b + 1, :size], n_classes, 1.0)
        assert logistic.objective[b] == pytest.approx(alone.objective[0], rel=1e-10)
        np.testing.assert_allclose(logistic.weights[b], alone.weights[0], rtol=1e-4, atol=1e-5)


def test_training_sets_of_one_to_four_rows_converge():
    """One row (a single class: zero weights, that class always predicted) up to four rows of
    four classes; every fit must converge without warnings."""
    x, labels = (
        to_numpy(a)
        for a in _draw(
            theory.paper_design(n_classes=4, n_features=5, loader_transform=True), 55, 24, 4
        )
    )
    sizes = np.tile([1, 2, 3, 4], 6)
    mask = _ragged_mask(sizes, 4)
    fit = gen.fit_logistic(x, labels, 4, 1.0, mask)
    assert np.all(fit.converged)
    single = sizes == 1
    assert not np.any(fit.weights[single]) and np.all(fit.objective[single] == 0)
    predicted = to_numpy(gen.predict(x[0], fit))
    np.testing.assert_array_equal(predicted[single], np.repeat(labels[single, :1], 4, axis=1))


def test_warm_starts_reach_the_cold_optimum():
    design = theory.paper_design(n_classes=3, n_features=10, loader_transform=True)
    x, labels = (to_numpy(a) for a in _draw(design, 61, 8, 150))
    sizes = [20, 60, 150]
    path = gen.fit_logistic_path(x, labels, sizes, 3, 1.0)
    test, _ = (to_numpy(a)[0] for a in _draw(design, 62, 1, 1000))
    for fit, size in zip(path, sizes):
        cold = gen.fit_logistic(x[:, :size], labels[:, :size], 3, 1.0)
        assert np.all(fit.converged) and np.all(cold.converged)
        np.testing.assert_allclose(fit.objective, cold.objective, rtol=1e-10)
        np.testing.assert_array_equal(gen.predict(test, fit), gen.predict(test, cold))


def test_a_warm_start_from_a_set_that_lacked_a_class_stays_finite():
    x, labels = (
        to_numpy(a) for a in _draw(theory.paper_design(n_classes=3, n_features=5), 63, 1, 9)
    )
    labels[0] = [0, 0, 1, 1, 0, 1, 2, 2, 0]  # class 2 first appears in row 7
    path = gen.fit_logistic_path(x, labels, [6, 9], 3, 1.0)
    assert path[0].intercepts[0, 2] == -np.inf
    cold = gen.fit_logistic(x, labels, 3, 1.0)
    assert np.all(np.isfinite(path[1].weights)) and np.all(path[1].converged)
    np.testing.assert_allclose(path[1].objective, cold.objective, rtol=1e-10)


def test_naive_bayes_ignores_feature_rescaling_and_logistic_regression_does_not():
    design = theory.paper_design(n_classes=3, n_features=10, loader_transform=True)
    x, labels = (to_numpy(a) for a in _draw(design, 71, 6, 60))
    test, _ = (to_numpy(a)[0] for a in _draw(design, 72, 1, 3000))
    rng = np.random.default_rng(5)
    scale = np.exp(rng.uniform(np.log(0.05), np.log(20.0), 10))
    shift = rng.normal(scale=5.0, size=10)

    def refit(transform, fitter):
        return to_numpy(gen.predict(transform(test), fitter(transform(x))))

    def naive_bayes(features):
        return gen.fit_naive_bayes(features, labels, 3, var_smoothing=0.0)

    def logistic(features):
        return gen.fit_logistic(features, labels, 3, 1.0)

    plain = refit(lambda a: a, naive_bayes)
    np.testing.assert_array_equal(refit(lambda a: a * scale + shift, naive_bayes), plain)
    plain = refit(lambda a: a, logistic)
    # the unpenalised intercept absorbs a translation exactly ...
    np.testing.assert_array_equal(refit(lambda a: a + shift, logistic), plain)
    # ... but the L2 penalty is not invariant to rescaling (negative control)
    changed = np.mean(refit(lambda a: a * scale, logistic) != plain)
    assert changed > 0.005


# --------------------------------------------------------------------------------------------
# Namespaces, predictions, validation
# --------------------------------------------------------------------------------------------


def test_every_namespace_agrees_with_numpy(backend):
    design = theory.paper_design(n_classes=3, n_features=8, loader_transform=True)
    seed = np.random.SeedSequence(81)
    x, labels = gen.sample_training_sets(design, backend, derive(seed, 0), 5, 50)
    test, test_labels = gen.sample_training_sets(design, backend, derive(seed, 1), 1, 300)
    mask = gen.prefix_mask([50, 12, 30, 44, 7], 50, backend.xp)
    test, test_labels = test[0, ...], test_labels[0, ...]
    host = [to_numpy(a) for a in (x, labels, mask, test, test_labels)]
    for fitter, options in ((gen.fit_naive_bayes, {}), (gen.fit_logistic, {"C": 1.0})):
        theirs = fitter(host[0], host[1], 3, mask=host[2], **options)
        ours = fitter(x, labels, 3, mask=mask, **options)
        assert ours.weights.dtype == x.dtype
        finite = np.isfinite(theirs.intercepts)
        np.testing.assert_array_equal(np.isfinite(to_numpy(ours.intercepts)), finite)
        np.testing.assert_allclose(to_numpy(ours.weights), theirs.weights, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(
            to_numpy(gen.error_rate(test, test_labels, ours)),
            gen.error_rate(host[3], host[4], theirs),
        )
    objective = to_numpy(gen.logistic_objective(x, labels, ours, 1.0, mask))
    np.testing.assert_allclose(objective, theirs.objective, rtol=1e-9)


def test_error_rate_counts_wrong_predictions_for_shared_and_own_test_sets():
    scores = gen.AffineScores(
        np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]),
        np.array([[0.0, 0.0], [0.0, -np.inf]]),
    )
    test = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 3.0]])
    np.testing.assert_array_equal(gen.predict(test, scores), [[0, 1, 1], [0, 0, 0]])
    np.testing.assert_allclose(gen.error_rate(test, np.array([0, 1, 0]), scores), [1 / 3, 1 / 3])
    own = np.stack([test, test[::-1]])
    np.testing.assert_allclose(
        gen.error_rate(own, np.array([[0, 1, 1], [0, 0, 0]]), scores), [0, 0]
    )


def test_invalid_inputs_are_refused():
    x, labels = (
        to_numpy(a)
        for a in _draw(
            theory.paper_design(n_classes=3, n_features=4, loader_transform=True), 91, 2, 10
        )
    )
    with pytest.raises(ValueError, match="C must be"):
        gen.fit_logistic(x, labels, 3, 0.0)
    with pytest.raises(ValueError, match="lie in"):
        gen.fit_naive_bayes(x, labels + 1, 3)
    with pytest.raises(ValueError, match="shape"):
        gen.fit_naive_bayes(x[0], labels[0], 3)
    with pytest.raises(ValueError, match="boolean"):
        gen.fit_logistic(x, labels, 3, 1.0, mask=np.ones((2, 10)))
    with pytest.raises(ValueError, match="at least one"):
        gen.fit_naive_bayes(x, labels, 3, mask=_ragged_mask([10, 0], 10))
    with pytest.raises(ValueError, match="non-finite"):
        gen.fit_logistic(np.where(x > 0, np.nan, x), labels, 3, 1.0)
    with pytest.raises(ValueError, match="increasing"):
        gen.fit_logistic_path(x, labels, [5, 5], 3, 1.0)
    with pytest.raises(ValueError, match="exceeds"):
        gen.fit_logistic_path(x, labels, [5, 11], 3, 1.0)
    with pytest.raises(ValueError, match="init"):
        gen.fit_logistic(
            x, labels, 3, 1.0, init=gen.AffineScores(np.zeros((2, 3, 5)), np.zeros((2, 3)))
        )
    with pytest.raises(TypeError, match="GaussianClasses"):
        gen.sample_training_sets("paper", NUMPY, np.random.SeedSequence(0), 2, 10)
    with pytest.raises(ValueError, match="two classes"):
        gen.scikit_learn_C(1.0, 1)


# --------------------------------------------------------------------------------------------
# Extreme margins
# --------------------------------------------------------------------------------------------


def _naive_objective(x, labels, scores, C):
    """F by its definition over the present classes, log Σ_k e^{z_k} (overflows past 709)."""
    logits = np.einsum("bkn,bmn->bmk", scores.weights, x) + scores.intercepts[:, None, :]
    present = np.stack([np.isin(np.arange(logits.shape[-1]), row) for row in labels])
    exp = np.where(present[:, None, :], np.exp(np.where(present[:, None, :], logits, 0.0)), 0.0)
    chosen = np.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]
    data = np.sum(np.log(exp.sum(-1)) - chosen, axis=-1)
    penalty = 0.5 * np.sum(np.where(present[..., None], scores.weights, 0.0) ** 2, axis=(1, 2))
    return penalty + C * data


@given(st.floats(-2, 4), st.floats(-1e4, 1e4), st.integers(0, 2**32 - 1))
def test_objective_is_stable_for_margins_up_to_1e4(log_scale, shift, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 6, 2))
    labels = rng.integers(0, 3, size=(3, 6))
    labels[0] = np.where(labels[0] == 2, 0, labels[0])  # problem 0 never sees class 2
    weights = rng.normal(size=(3, 3, 2))
    intercepts = 10**log_scale * rng.uniform(-1, 1, size=(3, 3))  # margins up to 2e4
    scores = gen.AffineScores(weights, intercepts)
    moved = gen.AffineScores(weights, intercepts + shift)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is exact
        value = gen.logistic_objective(x, labels, scores, 0.7)
        shifted = gen.logistic_objective(x, labels, moved, 0.7)
    assert np.all(np.isfinite(value)) and np.all(value >= 0)
    # the softmax ignores a common shift; each of the 6 row losses top + log Σ - z_y rounds at a
    # few ulps of |top| <= 3e4 in either evaluation
    np.testing.assert_allclose(shifted, value, rtol=0, atol=2 * 0.7 * 6 * 4 * 3e4 * 2.3e-16)
    if 10**log_scale < 300:  # the definition does not overflow
        np.testing.assert_allclose(value, _naive_objective(x, labels, scores, 0.7), rtol=1e-12)


def test_an_absent_class_does_not_overflow_below_very_negative_present_logits():
    """The absent class's logit (masked to 0) used to go through exp(0 - max) = exp(1e4)."""
    x = np.zeros((1, 2, 1))
    labels = np.array([[0, 1]])
    scores = gen.AffineScores(np.zeros((1, 3, 1)), np.array([[-1e4, -1e4 - 1.0, 0.0]]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = gen.logistic_objective(x, labels, scores, 1.0)
    expected = 2 * np.log1p(np.exp(-1.0)) + 1.0  # lse(-1e4, -1e4 - 1) = -1e4 + log(1 + e^-1)
    np.testing.assert_allclose(value, [expected], rtol=1e-11)  # lse rounds at 1e4 * eps


def test_a_saturated_warm_start_is_frozen_at_finite_values():
    """Margins of thousands leave the data term no curvature along the intercepts: the Newton
    direction is unusable and no step is acceptable. The problem must stay at its start,
    finite, reported as not converged (it used to come back NaN: 0 times an infinite step)."""
    import warnings

    x, labels = (
        to_numpy(a)
        for a in _draw(
            theory.paper_design(n_classes=3, n_features=4, loader_transform=True), 1, 2, 10
        )
    )
    start = gen.AffineScores(1e3 * np.ones((2, 3, 4)) * np.arange(3)[:, None], np.zeros((2, 3)))
    with warnings.catch_warnings():
        # numpy reports the overflow of the CG iterates of the frozen problems
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = gen.fit_logistic(x, labels, 3, 1.0, init=start)
    assert not np.any(fit.converged)
    assert np.all(np.isfinite(fit.weights)) and np.all(np.isfinite(fit.objective))
    np.testing.assert_array_equal(fit.objective, gen.logistic_objective(x, labels, start, 1.0))


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------


def _small_problem():
    design = theory.paper_design(n_classes=3, n_features=4, loader_transform=True)
    return (to_numpy(a) for a in _draw(design, 92, 2, 10))


def _scores(weights=None, intercepts=None):
    return gen.AffineScores(
        np.zeros((2, 3, 4)) if weights is None else weights,
        np.zeros((2, 3)) if intercepts is None else intercepts,
    )


SEED = np.random.SeedSequence(0)
LAW = theory.paper_design(n_classes=3, n_features=4, loader_transform=True)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda x, y: gen.sample_training_sets(LAW, NUMPY, SEED, 2.5, 10),
            ValueError,
            "n_problems must be an integer",
        ),
        (
            lambda x, y: gen.sample_training_sets(LAW, NUMPY, SEED, 2, 0),
            ValueError,
            "max_size must be",
        ),
        (
            lambda x, y: gen.sample_training_sets(LAW, NUMPY, SEED, True, 10),
            TypeError,
            "n_problems must be a real",
        ),
        (
            lambda x, y: gen.prefix_mask([3, 12], 10, np),
            ValueError,
            r"sizes must lie in \[0, max_size = 10\]",
        ),
        (lambda x, y: gen.prefix_mask([-1, 2], 10, np), ValueError, "sizes must lie in"),
        (lambda x, y: gen.prefix_mask([2.5, 2.0], 10, np), ValueError, "1-D integer array"),
        (lambda x, y: gen.prefix_mask([2, 2], 2.5, np), ValueError, "max_size must be an integer"),
        (
            lambda x, y: gen.AffineScores(np.zeros((2, 3)), np.zeros((2, 3))),
            ValueError,
            r"weights must be \(B, K, n\)",
        ),
        (
            lambda x, y: gen.AffineScores(np.zeros((2, 3, 4)), np.zeros((2, 4))),
            ValueError,
            r"intercepts \(B, K\)",
        ),
        (
            lambda x, y: gen.fit_naive_bayes(x, y, 3, var_smoothing=math.inf),
            ValueError,
            "var_smoothing must be",
        ),
        (
            lambda x, y: gen.fit_naive_bayes(x, y, 3, var_smoothing="1e-9"),
            TypeError,
            "var_smoothing must be a real",
        ),
        (
            lambda x, y: gen.fit_naive_bayes(np.zeros_like(x), y, 3, var_smoothing=0.0),
            ValueError,
            "zero pooled variance",
        ),
        (lambda x, y: gen.fit_naive_bayes(x, y, 2.5), ValueError, "n_classes must be an integer"),
        (
            lambda x, y: gen.fit_naive_bayes(x, y, 3, mask=[[True] * 10] * 2),
            ValueError,
            "boolean array",
        ),
        (lambda x, y: gen.logistic_objective(x, y, _scores(), True), TypeError, "C must be a real"),
        (lambda x, y: gen.logistic_objective(x, y, _scores(), math.nan), ValueError, "C must be"),
        (
            lambda x, y: gen.logistic_objective(x, y, _scores(np.zeros((2, 3, 5))), 1.0),
            ValueError,
            r"weights \(B, K, n\) = \(2, K, 4\)",
        ),
        (
            lambda x, y: gen.logistic_objective(
                x, y, _scores(np.zeros((1, 3, 4)), np.zeros((1, 3))), 1.0
            ),
            ValueError,
            r"\(2, K, 4\)",
        ),
        (
            lambda x, y: gen.logistic_objective(x, y, _scores(np.full((2, 3, 4), np.nan)), 1.0),
            ValueError,
            "finite for the classes present",
        ),
        (
            lambda x, y: gen.logistic_objective(
                x, np.minimum(y, 1), _scores(intercepts=np.array([[0.0, -np.inf, 0.0]] * 2)), 1.0
            ),
            ValueError,
            "finite for the classes present",
        ),
        (lambda x, y: gen.fit_logistic(x, y, 3, 1.0, tol=0.0), ValueError, "tol must be > 0"),
        (
            lambda x, y: gen.fit_logistic(x, y, 3, 1.0, max_newton=2.5),
            ValueError,
            "max_newton must be an integer",
        ),
        (lambda x, y: gen.fit_logistic(x, y, 3, 1.0, max_cg=0), ValueError, "max_cg must be"),
        (
            lambda x, y: gen.fit_logistic(x, y, 3, 1.0, init=_scores(np.full((2, 3, 4), np.nan))),
            ValueError,
            "init must have finite weights",
        ),
        (
            lambda x, y: gen.fit_logistic(
                x, y, 3, 1.0, init=_scores(intercepts=np.full((2, 3), np.inf))
            ),
            ValueError,
            "finite or -inf intercepts",
        ),
        (
            lambda x, y: gen.fit_logistic_path(x, y, [2.5, 5], 3, 1.0),
            ValueError,
            "sizes must be integers",
        ),
        (
            lambda x, y: gen.class_scores(np.ones((5, 3)), _scores()),
            ValueError,
            r"x must have shape \(T, 4\) or \(2, T, 4\)",
        ),
        (
            lambda x, y: gen.class_scores(np.ones((3, 5, 4)), _scores()),
            ValueError,
            "x must have shape",
        ),
        (lambda x, y: gen.predict(np.ones(4), _scores()), ValueError, "x must have shape"),
        (
            lambda x, y: gen.error_rate(np.ones((5, 4)), np.zeros(4, dtype=int), _scores()),
            ValueError,
            r"labels must have shape \(5,\) or \(B, 5\)",
        ),
        (lambda x, y: gen.scikit_learn_C(1.0, 2.5), ValueError, "n_present must be an integer"),
        (
            lambda x, y: gen.scikit_learn_parameters(
                np.ones((1, 3)), np.ones(1), np.array([0, 1]), 1
            ),
            ValueError,
            "n_classes must be",
        ),
        (
            lambda x, y: gen.scikit_learn_parameters(
                np.ones((1, 3)), np.ones(1), np.array([0.5, 1.0]), 2
            ),
            ValueError,
            "distinct integers",
        ),
        (
            lambda x, y: gen.scikit_learn_parameters(
                np.ones((3, 3)), np.ones(3), np.array([0, 0, 1]), 3
            ),
            ValueError,
            "distinct integers",
        ),
        (
            lambda x, y: gen.scikit_learn_parameters(
                np.full((1, 3), np.nan), np.ones(1), np.array([0, 1]), 2
            ),
            ValueError,
            "coef and intercept must be finite",
        ),
    ],
)
def test_more_invalid_inputs_are_refused(call, error, message):
    x, labels = _small_problem()
    with pytest.raises(error, match=message):
        call(x, labels)
