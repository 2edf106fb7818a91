import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulations import embeddings
from simulations.backend import select, to_numpy
from simulations.contrastive import normalise


def _naive_uniformity(z: np.ndarray, t: float) -> float:
    pairs = [
        math.exp(-t * float(np.sum((z[i] - z[j]) ** 2)))
        for i, j in itertools.combinations(range(len(z)), 2)
    ]
    return math.log(sum(pairs) / len(pairs))


def _naive_tolerance(z: np.ndarray, labels: np.ndarray) -> float:
    values = [
        float(z[i] @ z[j])
        for i, j in itertools.combinations(range(len(z)), 2)
        if labels[i] == labels[j]
    ]
    return sum(values) / len(values)


def test_paired_views_are_unit_with_the_requested_positive_cosine(backend, seed):
    z = to_numpy(embeddings.paired_views(backend.rng(seed), 4000, 64, 0.4))
    assert z.shape == (2, 4000, 64)
    np.testing.assert_allclose(np.linalg.norm(z, axis=-1), 1, atol=1e-12)
    cosine = np.sum(z[0] * z[1], axis=-1)
    # the 1/(1 + σ²d) rule is a large-d approximation: allow 0.02 besides 5 standard errors
    assert abs(cosine.mean() - 0.4) < 0.02 + 5 * cosine.std() / math.sqrt(cosine.size)


@pytest.mark.parametrize("bad", [{"n": 1}, {"d": 1}, {"positive_cosine": 1.0}])
def test_paired_views_rejects_bad_input(seed, bad):
    args = {"n": 8, "d": 4, "positive_cosine": 0.5, **bad}
    with pytest.raises(ValueError, match=r"must lie in|need n"):
        embeddings.paired_views(select("numpy").rng(seed), **args)


def test_metrics_match_naive_loops(backend, seed):
    xp = backend.xp
    rng = backend.rng(seed)
    model = embeddings.latent_class_model(rng, classes=3, content=4, nuisance=6)
    labels, h = embeddings.sample_instances(model, rng, (2, 30))
    views = embeddings.observe(model, rng, h)
    assert views.shape == (2, 2, 30, 10)
    weights = rng.normal((2, 5, 10))
    z = normalise(xp.matmul(views, xp.permute_dims(weights, (0, 2, 1))[:, None, ...]))
    host, tags = to_numpy(z), to_numpy(labels)
    for k in range(2):
        first = host[k, 0]
        assert float(embeddings.uniformity(z[k, 0, ...], xp)) == pytest.approx(
            _naive_uniformity(first, 2.0), rel=1e-12
        )
        assert float(embeddings.tolerance(z[k, 0, ...], labels[k, ...], xp)) == pytest.approx(
            _naive_tolerance(first, tags[k]), rel=1e-12
        )
        gap = host[k, 0] - host[k, 1]
        assert float(embeddings.alignment(z[k, ...], xp)) == pytest.approx(
            np.mean(np.sum(gap**2, -1)), rel=1e-12
        )


def test_content_fraction_is_one_inside_and_zero_outside_the_content_subspace(seed):
    backend = select("numpy")
    model = embeddings.latent_class_model(backend.rng(seed), content=4, nuisance=6)
    basis = to_numpy(model.mixing)
    np.testing.assert_allclose(basis.T @ basis, np.eye(10), atol=1e-12)
    inside = np.random.default_rng(0).normal(size=(3, 4)) @ basis[:, :4].T
    outside = np.random.default_rng(1).normal(size=(3, 6)) @ basis[:, 4:].T
    assert float(embeddings.content_fraction(inside, model, np)) == pytest.approx(1.0)
    assert float(embeddings.content_fraction(outside, model, np)) == pytest.approx(0.0, abs=1e-12)


@given(st.integers(2, 40), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_jensen_bound_holds_on_any_sample_and_is_attained_by_antipodes(n, d, seed):
    z = np.random.default_rng(seed).normal(size=(n, d))
    z /= np.linalg.norm(z, axis=-1, keepdims=True)
    negative = -float(embeddings.uniformity(z, np))
    # Jensen is exact arithmetic; the slack is rounding in a log of a mean of n² terms
    assert negative <= float(embeddings.uniformity_bound(z, np)) + 1e-12 * n * n
    antipodes = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert -float(embeddings.uniformity(antipodes, np)) == pytest.approx(8.0)
    assert float(embeddings.uniformity_bound(antipodes, np)) == pytest.approx(8.0)


def test_a_loosened_population_bound_is_violated_by_the_sample():
    """Negative control: the population bound 2t = 4 fails for a finite sample (two antipodes)."""
    antipodes = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert -float(embeddings.uniformity(antipodes, np)) > 4.0


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda xp: embeddings.alignment(np.ones(3), xp), ValueError, "two views"),
        (lambda xp: embeddings.alignment(np.ones((2, 4, 3)), xp, alpha=0.0), ValueError, "> 0"),
        (lambda xp: embeddings.uniformity(np.ones((4, 3)), xp, t=-2.0), ValueError, ">= 0"),
        (lambda xp: embeddings.uniformity(np.full((4, 3), np.nan), xp), ValueError, "finite"),
        (lambda xp: embeddings.uniformity(np.ones((1, 3)), xp), ValueError, "two rows"),
        (lambda xp: embeddings.uniformity_bound(np.ones((4, 3)), xp, t=0.0), ValueError, "> 0"),
        (
            lambda xp: embeddings.tolerance(np.ones((5, 3)), np.zeros(4, dtype=int), xp),
            ValueError,
            "labels",
        ),
        (lambda xp: embeddings.uniformity(np.ones((4, 3)), xp, t="2"), TypeError, "real"),
    ],
)
def test_metrics_refuse_bad_input_with_a_clear_error(call, error, message):
    import array_api_compat.numpy as xp

    with pytest.raises(error, match=message):
        call(xp)
