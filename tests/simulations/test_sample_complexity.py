"""Learning curves, first passage, crossings and the m* slope (``simulations.sample_complexity``)."""

import math

import numpy as np
import pytest

from simulations import generative as gen
from simulations import sample_complexity as sc
from simulations.backend import select, to_numpy
from theory import gaussian_classes as theory
from theory.gaussian_risks import bayes_error, zero_one_risk

NUMPY = select("numpy")
LAW = theory.paper_design(n_classes=3, n_features=4, loader_transform=True)
SEED = np.random.SeedSequence(0)


def test_size_grid_is_geometric_and_covers_the_range():
    sizes = sc.size_grid(4, 100, 2)
    assert sizes[0] == 4 and sizes[-1] >= 100
    assert np.all(np.diff(sizes) > 0)
    ratios = sizes[1:] / sizes[:-1]
    assert np.allclose(ratios, math.sqrt(2), atol=0.15)
    with pytest.raises(ValueError, match="smallest"):
        sc.size_grid(10, 10, 2)


def test_first_passage_interpolates_in_log_size():
    sizes = np.array([10, 20, 40, 80])
    errors = np.array([[0.4, 0.2, 0.1, 0.05]] * 3)
    assert sc.first_passage(sizes, errors, 0.2) == pytest.approx(20)
    # halfway between 0.2 and 0.1 in error is halfway between 20 and 40 in ln m
    assert sc.first_passage(sizes, errors, 0.15) == pytest.approx(math.sqrt(20 * 40))
    assert sc.first_passage(sizes, errors, 0.5) == 10
    assert sc.first_passage(sizes, errors, 0.01) == math.inf


def test_crossing_size_is_the_last_upward_sign_change():
    sizes = np.array([1, 2, 4, 8, 16])
    assert sc.crossing_size(sizes, [0.1, -0.1, -0.1, 0.1, 0.2]) == pytest.approx(math.sqrt(32))
    assert math.isnan(sc.crossing_size(sizes, [-0.3, -0.2, -0.1, -0.1, 0.0]))


def _synthetic(n, power, repeats, rng):
    """Curves whose mean reaches 0.01 at m = 10 n^power, with noise."""
    sizes = sc.size_grid(4, 100_000, 4)
    mean = 0.01 * (10 * n**power / sizes)
    errors = mean * (1 + 0.05 * rng.standard_normal((repeats, sizes.size)))
    return sc.LearningCurves(sizes, errors, errors, 0.0, 1.0)


@pytest.mark.parametrize("power", [0.0, 0.5, 1.0])
def test_sample_complexity_recovers_a_known_slope(power):
    rng = np.random.default_rng(3)
    curves = {n: _synthetic(n, power, 16, rng) for n in (10, 100, 1000)}
    result = sc.sample_complexity(curves, "logistic", 0.01, rng)
    assert result.slope == pytest.approx(power, abs=0.03)
    assert 0 < result.slope_se < 0.05
    with pytest.raises(ValueError, match="method"):
        sc.sample_complexity(curves, "svm", 0.01, rng)


def test_learning_curves_are_the_exact_risks_of_the_fits():
    law = theory.paper_design(n_classes=3, n_features=6, loader_transform=True)
    seed = np.random.SeedSequence(5)
    sizes = [12, 30]
    curves = sc.learning_curves(law, NUMPY, seed, sizes, 4, 1.0)
    assert curves.naive_bayes.shape == curves.logistic.shape == (4, 2)
    x, labels = (to_numpy(a) for a in gen.sample_training_sets(law, NUMPY, seed, 4, 30))
    rule = gen.fit_naive_bayes(x[:, :12], labels[:, :12], 3)
    np.testing.assert_allclose(
        curves.naive_bayes[:, 0], zero_one_risk(rule.weights, rule.intercepts, law)
    )
    fit = gen.fit_logistic(x, labels, 3, 1.0)
    np.testing.assert_allclose(
        curves.logistic[:, 1], zero_one_risk(fit.weights, fit.intercepts, law), atol=1e-6
    )
    mean, se = curves.paired_gap()
    np.testing.assert_allclose(mean, np.mean(curves.naive_bayes - curves.logistic, axis=0))
    assert np.all(se >= 0) and curves.bayes_error == pytest.approx(bayes_error(law))
    with pytest.raises(ValueError, match="increasing"):
        sc.learning_curves(law, NUMPY, seed, [30, 12], 4, 1.0)
    with pytest.raises(ValueError, match="repeats"):
        sc.learning_curves(law, NUMPY, seed, sizes, 1, 1.0)


SIZES = np.array([10, 20, 40, 80])
ERRORS = np.array([[0.4, 0.2, 0.1, 0.05]] * 3)


def _curves(errors=ERRORS):
    return sc.LearningCurves(SIZES, errors, errors, 0.0, 1.0)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: sc.first_passage(SIZES[::-1], ERRORS, 0.15), ValueError, "strictly increasing"),
        (lambda: sc.first_passage([0, 20, 40, 80], ERRORS, 0.15), ValueError, "positive"),
        (lambda: sc.first_passage(SIZES, ERRORS, math.nan), ValueError, "threshold must be finite"),
        (
            lambda: sc.first_passage(SIZES, ERRORS * np.nan, 0.15),
            ValueError,
            "errors must be finite",
        ),
        (lambda: sc.first_passage(SIZES, ERRORS[0], 0.15), ValueError, "one column per size"),
        (lambda: sc.crossing_size(SIZES, [0.1, -0.1]), ValueError, "one value per size"),
        (
            lambda: sc.crossing_size(SIZES, [0.1, np.nan, 0.1, 0.2]),
            ValueError,
            "mean_gap must be finite",
        ),
        (lambda: sc.size_grid(2.5, 100, 2), ValueError, "smallest must be an integer"),
        (lambda: sc.size_grid(2, 100, 1.5), ValueError, "per_octave must be an integer"),
        (lambda: sc.size_grid(2, 100, 0), ValueError, "per_octave >= 1"),
        (
            lambda: sc.LearningCurves(SIZES, ERRORS[:, :3], ERRORS, 0.0, 1.0),
            ValueError,
            r"naive_bayes must be \(draws, 4 sizes\)",
        ),
        (
            lambda: sc.LearningCurves(SIZES[:, None], ERRORS, ERRORS, 0.0, 1.0),
            ValueError,
            "sizes must be 1-D",
        ),
        (lambda: _curves(ERRORS[:1]).paired_gap(), ValueError, "at least two draws"),
        (
            lambda: sc.sample_complexity(
                {10: _curves(), 20: _curves()}, "logistic", -0.1, np.random.default_rng(0)
            ),
            ValueError,
            "epsilon must be",
        ),
        (
            lambda: sc.sample_complexity(
                {10: _curves(), 20: _curves()}, "logistic", 0.1, np.random.SeedSequence(0)
            ),
            TypeError,
            "rng must be a numpy.random.Generator",
        ),
        (
            lambda: sc.sample_complexity(
                {10: _curves(), 20: _curves()}, "logistic", 0.1, np.random.default_rng(0), 1
            ),
            ValueError,
            "resamples must be",
        ),
        (
            lambda: sc.sample_complexity(
                {0: _curves(), 20: _curves()}, "logistic", 0.1, np.random.default_rng(0)
            ),
            ValueError,
            "must be positive",
        ),
        (
            lambda: sc.learning_curves(LAW, NUMPY, SEED, [4, 8.5], 2, 1.0),
            ValueError,
            "increasing positive integers",
        ),
        (
            lambda: sc.learning_curves(LAW, NUMPY, SEED, [4, 8], 2.5, 1.0),
            ValueError,
            "repeats must be an integer",
        ),
        (lambda: sc.CurvesConfig.of(LAW, NUMPY, [4, 8], 1, 1.0), ValueError, "two repeats"),
        (lambda: sc.CurvesConfig.of(LAW, NUMPY, [8, 4], 2, 1.0), ValueError, "increasing"),
    ],
)
def test_invalid_inputs_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_valid_cell_keeps_its_integer_grid():
    config = sc.CurvesConfig.of(LAW, NUMPY, np.array([4, 8, 16]), 3, 1.0)
    assert config.sizes == (4, 8, 16) and config.repeats == 3
    assert all(type(m) is int for m in config.sizes) and type(config.repeats) is int


def test_a_curves_config_names_a_resolved_backend():
    with pytest.raises(ValueError, match="unknown backend 'auto'"):
        sc.CurvesConfig(np.zeros((2, 3)), np.eye(3), np.full(2, 0.5), "auto", (4, 8), 2, 1.0)


# --------------------------------------------------------------------------------------------
# Estimator pins
# --------------------------------------------------------------------------------------------


def test_the_loop_reference_is_the_official_naive_bayes_with_an_absent_class():
    x = np.array([[[0.0, 1.0], [2.0, 3.0], [4.0, 9.0], [1.0, 1.0]]])
    labels = np.array([[0, 0, 1, 1]])
    weights, intercepts = sc.naive_bayes_by_loop(x, labels, 3, 0.5)
    means = np.array([[1.0, 2.0], [2.5, 5.0]])
    pooled = np.array([(1 + 2.25) / 2, (1 + 16) / 2]) + 0.5  # class variances, ddof 0
    np.testing.assert_allclose(weights[0, :2], means / pooled)
    expected = math.log(0.5) - 0.5 * np.sum(means**2 / pooled, axis=1)
    np.testing.assert_allclose(intercepts[0, :2], expected)
    assert intercepts[0, 2] == -math.inf and not np.any(weights[0, 2])


def test_a_deviation_counts_an_absent_class_present_in_one_fit_as_infinite():
    reference = (np.ones((1, 2, 3)), np.array([[0.5, -np.inf]]))
    ours = gen.AffineScores(np.ones((1, 2, 3)), np.array([[0.5, 0.0]]))
    assert sc.relative_deviation(ours, reference) == math.inf
    close = gen.AffineScores(np.full((1, 2, 3), 1.01), np.array([[0.5, -np.inf]]))
    assert sc.relative_deviation(close, reference) == pytest.approx(0.01)


def test_pins_hold_for_the_batched_estimators_and_fail_for_a_constant_off():
    law = theory.paper_design(n_classes=2, n_features=6)
    pins = sc.pin_estimators(law, NUMPY, SEED, 3, 12, 0.5)
    assert pins.hold, pins.summary()

    def doubled_penalty(x, labels, n_classes, C, **options):
        return gen.fit_logistic(x, labels, n_classes, C / 2, **options)

    off = sc.pin_estimators(law, NUMPY, SEED, 3, 12, 0.5, fit_logistic=doubled_penalty)
    assert off.naive_bayes == pins.naive_bayes and not off.hold
    assert off.logistic > 1e3 * sc.PIN_TOLERANCE["logistic"]

    def unbiased(x, labels, n_classes):  # divisor m - 1: the pooled variance times m / (m - 1)
        fit = gen.fit_naive_bayes(x, labels, n_classes)
        return gen.AffineScores(fit.weights * (11 / 12), fit.intercepts)

    first = sc.pin_estimators(law, NUMPY, SEED, 3, 12, 0.5, fit_naive_bayes=unbiased)
    assert not first.hold and math.isnan(first.logistic)  # no scikit-learn fit was run
