import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulations import mlp
from simulations.backend import select, to_numpy


def test_backprop_matches_finite_differences(backend, seed):
    xp = backend.xp
    rng = backend.rng(seed)
    network = mlp.initialise(rng, 2, 3, 2, 4)
    network.weights[-1] = rng.normal(network.weights[-1].shape)
    x = rng.normal((2, 5, 3))
    upstream = rng.normal((2, 5))
    _, inputs = mlp.forward(network, x, xp)
    grads = [to_numpy(g) for g in mlp.backward(network, inputs, upstream, xp)]

    def objective(net):
        return float(to_numpy(xp.sum(upstream * mlp.forward(net, x, xp)[0])))

    numeric = mlp.central_differences(network, objective, 1e-6, xp)
    for n, g in zip(numeric, grads, strict=True):
        assert n.shape == g.shape
        np.testing.assert_allclose(n, g, atol=1e-6)


def test_central_differences_of_a_quadratic_are_exact(seed):
    backend = select("numpy")
    network = mlp.initialise(backend.rng(seed), 1, 2, 1, 3)
    network.weights[-1] = backend.rng(seed).normal(network.weights[-1].shape)

    def objective(net):  # sum of squares of every parameter: gradient 2 p
        return float(sum(np.sum(to_numpy(p) ** 2) for p in net.parameters()))

    numeric = mlp.central_differences(network, objective, 1e-3, backend.xp)
    for n, p in zip(numeric, network.parameters(), strict=True):
        np.testing.assert_allclose(n, 2 * to_numpy(p), atol=1e-9)


def test_depth_zero_is_a_linear_model(seed):
    backend = select("numpy")
    rng = backend.rng(seed)
    network = mlp.initialise(rng, 1, 4, 0, 99)
    assert network.depth == 0 and network.weights[0].shape == (1, 4, 1)
    network.weights[0] = rng.normal((1, 4, 1))
    x = rng.normal((1, 3, 4))
    logits, _ = mlp.forward(network, x, backend.xp)
    np.testing.assert_allclose(logits, (x @ network.weights[0])[..., 0])


def test_sgd_follows_the_pytorch_conventions():
    backend = select("numpy")
    xp = backend.xp
    network = mlp.Network([xp.asarray([[[1.0]]])], [xp.asarray([[0.0]])])
    optimiser = mlp.SGD(learning_rate=0.1, total_steps=2, momentum=0.9, weight_decay=0.5)
    grads = [xp.asarray([[[2.0]]]), xp.asarray([[1.0]])]
    optimiser.step(network, grads, xp)  # rate 0.1 at step 0; gradient 2 + 0.5 * 1
    assert float(network.weights[0][0, 0, 0]) == 1.0 - 0.1 * 2.5
    optimiser.step(network, grads, xp)  # rate 0.05; velocity 0.9 * 2.5 + (2 + 0.5 * 0.75)
    assert np.isclose(float(network.weights[0][0, 0, 0]), 0.75 - 0.05 * (0.9 * 2.5 + 2.375))


def test_clipping_is_per_model():
    backend = select("numpy")
    xp = backend.xp
    grads = [xp.asarray([[3.0, 4.0], [0.3, 0.4]])]
    clipped = mlp.clip_by_norm(grads, xp.asarray([1.0, 1.0]), xp)[0]
    np.testing.assert_allclose(clipped, [[0.6, 0.8], [0.3, 0.4]])


def _plain_clip(grads, limit):
    """The textbook formula: scale = min(1, limit / |g|) with |g| from the sum of squares."""
    norms = np.sqrt(sum(np.sum(g**2, axis=tuple(range(1, g.ndim))) for g in grads))
    scale = np.minimum(1.0, limit / np.maximum(norms, 1e-30))
    return [g * scale.reshape((-1,) + (1,) * (g.ndim - 1)) for g in grads]


finite = st.floats(-1.7e308, 1.7e308)


@given(
    hnp.arrays(np.float64, (3, 4, 2), elements=finite),
    hnp.arrays(np.float64, (3, 2), elements=finite),
    hnp.arrays(np.float64, 3, elements=st.floats(1e-6, 1e6)),
)
def test_clipping_is_exact_for_gradients_whose_squares_overflow(weights, biases, limit):
    """Exponential-loss derivatives reach e^700: the squares of such gradients overflow, which
    used to zero the update (limit / inf)."""
    import array_api_compat.numpy as xp

    with np.errstate(over="raise", invalid="raise", divide="raise"):
        clipped = mlp.clip_by_norm([weights, biases], limit, xp)
    largest = np.maximum(np.abs(weights).max(axis=(1, 2)), np.abs(biases).max(axis=1))
    plain = largest < 1e150  # no square overflows: the textbook formula, to the bit
    with np.errstate(under="ignore"):
        expected = _plain_clip([weights[plain], biases[plain]], limit[plain])
    np.testing.assert_array_equal(clipped[0][plain], expected[0])
    np.testing.assert_array_equal(clipped[1][plain], expected[1])
    for k in range(3):
        original = np.concatenate([weights[k].ravel(), biases[k]])
        result = np.concatenate([clipped[0][k].ravel(), clipped[1][k]])
        top = np.argmax(np.abs(original))
        if original[top] == 0:
            assert not np.any(result)
            continue
        ratio = result[top] / original[top]
        assert 0 < ratio <= 1
        # same direction: every entry scaled by one factor (to rounding, or flushed below it)
        np.testing.assert_allclose(result, ratio * original, rtol=1e-15, atol=1e-300)
        norm = np.linalg.norm(result / abs(result[top])) * abs(result[top])
        assert norm <= limit[k] * (1 + 1e-13)
        if ratio < 1:
            assert norm == pytest.approx(limit[k], rel=1e-13)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda rng: mlp.initialise(rng, 0, 3, 1, 4), ValueError, "models must be"),
        (lambda rng: mlp.initialise(rng, 1, 0, 1, 4), ValueError, "inputs must be"),
        (lambda rng: mlp.initialise(rng, 1, 3, -1, 4), ValueError, "depth must be"),
        (lambda rng: mlp.initialise(rng, 1, 3, 1, 2.5), ValueError, "width must be an integer"),
        (lambda rng: mlp.initialise(rng, True, 3, 1, 4), TypeError, "models must be a real"),
        (lambda rng: mlp.SGD(0.1, 0), ValueError, "total_steps must be"),
        (lambda rng: mlp.SGD(-0.1, 10), ValueError, "learning_rate must be"),
        (lambda rng: mlp.SGD(0.1, 10, momentum=math.nan), ValueError, "momentum must be"),
        (lambda rng: mlp.SGD(0.1, 10, weight_decay=-1.0), ValueError, "weight_decay must be"),
    ],
)
def test_invalid_settings_are_refused(call, error, message, seed):
    with pytest.raises(error, match=message):
        call(select("numpy").rng(seed))


def test_shapes_that_do_not_fit_the_network_are_refused(seed):
    backend = select("numpy")
    xp = backend.xp
    rng = backend.rng(seed)
    network = mlp.initialise(rng, 2, 3, 1, 4)
    x = rng.normal((2, 5, 3))
    for wrong in (rng.normal((5, 3)), rng.normal((2, 5, 4)), rng.normal((3, 5, 3))):
        with pytest.raises(ValueError, match=r"x must have shape \(2 or 1, B, 3\)"):
            mlp.forward(network, wrong, xp)
    logits, inputs = mlp.forward(network, x[:1], xp)  # one batch shared by both models
    assert logits.shape == (2, 5)
    with pytest.raises(ValueError, match="output_grad must have the logits' shape"):
        mlp.backward(network, inputs, xp.ones(5), xp)
    with pytest.raises(ValueError, match="layer inputs"):
        mlp.backward(network, inputs[:1], xp.ones((2, 5)), xp)
    grads = mlp.backward(network, inputs, xp.ones((2, 5)), xp)
    with pytest.raises(ValueError, match="grads must match"):
        mlp.SGD(0.1, 10).step(network, grads[:-1], xp)
    with pytest.raises(ValueError, match=r"limit must be an array of shape \(2,\)"):
        mlp.clip_by_norm(grads, 1.0, xp)
