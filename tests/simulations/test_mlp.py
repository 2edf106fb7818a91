import numpy as np

from simulations import mlp
from simulations.backend import select, to_numpy


def _objective(network, x, weights_out, xp):
    logits, _ = mlp.forward(network, x, xp)
    return float(to_numpy(xp.sum(weights_out * logits)))


def test_backprop_matches_finite_differences(backend, seed):
    xp = backend.xp
    rng = backend.rng(seed)
    network = mlp.initialise(rng, 2, 3, 2, 4)
    network.weights[-1] = rng.normal(network.weights[-1].shape)
    x = rng.normal((2, 5, 3))
    upstream = rng.normal((2, 5))
    _, inputs = mlp.forward(network, x, xp)
    grads = [to_numpy(g) for g in mlp.backward(network, inputs, upstream, xp)]
    params = network.parameters()
    step = 1e-6
    for k, array in enumerate(params):
        host = to_numpy(array)
        for index in list(np.ndindex(host.shape))[:12]:
            values = []
            for delta in (step, -step):
                shifted = host.copy()
                shifted[index] += delta
                trial = [xp.asarray(shifted) if j == k else p for j, p in enumerate(params)]
                count = len(network.weights)
                values.append(
                    _objective(mlp.Network(trial[:count], trial[count:]), x, upstream, xp)
                )
            assert abs((values[0] - values[1]) / (2 * step) - grads[k][index]) < 1e-6


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
