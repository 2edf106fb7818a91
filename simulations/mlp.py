"""K small ReLU networks trained at once, with explicit backpropagation (array API code).

A network of depth L has L hidden Linear -> ReLU layers of equal width and a linear read-out to
one logit; depth 0 is a linear model with intercept. Parameters carry a leading model axis K,
inputs are (K, B, d), so K models (seeds x losses) take one batched matmul per layer.
The optimiser is the repo's: SGD with momentum 0.9, weight decay added to the gradient, and a
cosine learning-rate schedule (PyTorch's ``SGD`` + ``CosineAnnealingLR`` conventions).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from simulations.backend import ArrayRandom


@dataclass
class Network:
    """Weights ``(K, fan_in, fan_out)`` and biases ``(K, fan_out)``, hidden layers first."""

    weights: list[Any]
    biases: list[Any]

    @property
    def depth(self) -> int:
        return len(self.weights) - 1

    def parameters(self) -> list[Any]:
        return [*self.weights, *self.biases]


def initialise(
    rng: ArrayRandom, models: int, inputs: int, depth: int, width: int, dtype: str = "float64"
) -> Network:
    """He-normal hidden layers and a zero read-out (so every model starts at f = 0)."""
    xp = rng.xp
    sizes = [inputs] + [width] * depth
    weights = [
        rng.normal((models, fan_in, fan_out), dtype) * math.sqrt(2.0 / fan_in)
        for fan_in, fan_out in itertools.pairwise(sizes)
    ]
    weights.append(xp.zeros((models, sizes[-1], 1), dtype=getattr(xp, dtype)))
    biases = [xp.zeros((models, size), dtype=getattr(xp, dtype)) for size in sizes[1:]]
    biases.append(xp.zeros((models, 1), dtype=getattr(xp, dtype)))
    return Network(weights, biases)


def forward(network: Network, x: Any, xp: Any) -> tuple[Any, list[Any]]:
    """Logits ``(K, B)`` and the layer inputs kept for the backward pass."""
    inputs = [x]
    h = x
    for layer, (w, b) in enumerate(zip(network.weights, network.biases)):
        h = xp.matmul(h, w) + b[:, None, :]
        if layer < network.depth:
            h = xp.maximum(h, 0.0)
            inputs.append(h)
    return h[..., 0], inputs


def backward(network: Network, inputs: list[Any], output_grad: Any, xp: Any) -> list[Any]:
    """Gradients of Σ_i output_grad[k, i] f_k(x_i) in the order of ``Network.parameters``."""
    delta = output_grad[..., None]
    weight_grads, bias_grads = [], []
    for layer in range(network.depth, -1, -1):
        h = inputs[layer]
        weight_grads.append(xp.matmul(xp.permute_dims(h, (0, 2, 1)), delta))
        bias_grads.append(xp.sum(delta, axis=1))
        if layer > 0:
            back = xp.matmul(delta, xp.permute_dims(network.weights[layer], (0, 2, 1)))
            delta = back * xp.astype(h > 0, back.dtype)
    return [*weight_grads[::-1], *bias_grads[::-1]]


@dataclass
class SGD:
    """Momentum SGD with decoupled-into-the-gradient weight decay and a cosine schedule."""

    learning_rate: float
    total_steps: int
    momentum: float = 0.9
    weight_decay: float = 0.0
    step_count: int = 0
    velocity: list[Any] | None = None

    def rate(self) -> float:
        return (
            0.5 * self.learning_rate * (1 + math.cos(math.pi * self.step_count / self.total_steps))
        )

    def step(self, network: Network, grads: list[Any], xp: Any) -> None:
        params = network.parameters()
        if self.velocity is None:
            self.velocity = [xp.zeros_like(p) for p in params]
        rate = self.rate()
        updated = []
        for k, (p, g) in enumerate(zip(params, grads)):
            g = g + self.weight_decay * p
            self.velocity[k] = self.momentum * self.velocity[k] + g
            updated.append(p - rate * self.velocity[k])
        count = len(network.weights)
        network.weights, network.biases = updated[:count], updated[count:]
        self.step_count += 1


def clip_by_norm(grads: list[Any], limit: Any, xp: Any) -> list[Any]:
    """Scale each model's gradient (over all its parameters) to norm at most ``limit`` (K,)."""
    squares = sum(xp.sum(xp.reshape(g * g, (g.shape[0], -1)), axis=1) for g in grads)
    scale = xp.minimum(1.0, limit / xp.maximum(xp.sqrt(squares), 1e-30))
    return [g * xp.reshape(scale, (-1,) + (1,) * (g.ndim - 1)) for g in grads]
