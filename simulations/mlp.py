"""K small ReLU networks trained at once, with explicit backpropagation (array API code).

A network of depth L has L hidden Linear -> ReLU layers of equal width and a linear read-out to
one logit; depth 0 is a linear model with intercept. Parameters carry a leading model axis K,
inputs are (K, B, d), so K models (seeds x losses) take one batched matmul per layer.
The optimiser is the repo's: SGD with momentum 0.9, weight decay added to the gradient, and a
cosine learning-rate schedule (PyTorch's ``SGD`` + ``CosineAnnealingLR`` conventions).

:func:`forward`, :func:`backward`, :meth:`SGD.step` and :func:`clip_by_norm` run once per training
step, so they check shapes only (free), never values (a read back from the device).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulations.backend import ArrayRandom, to_numpy
from theory.validation import check_parameter


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
    """He-normal hidden layers and a zero read-out (so every model starts at f = 0).

    ``models``, ``inputs`` and ``width`` are integers >= 1, ``depth`` an integer >= 0.
    """
    models = check_parameter("models", models, low=1, integer=True)
    inputs = check_parameter("inputs", inputs, low=1, integer=True)
    depth = check_parameter("depth", depth, integer=True)
    width = check_parameter("width", width, low=1, integer=True)
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
    """Logits ``(K, B)`` of inputs ``x`` (K, B, d), or (1, B, d) shared by the K models, and the
    layer inputs kept for the backward pass."""
    models, fan_in = network.weights[0].shape[:2]
    if x.ndim != 3 or x.shape[0] not in (1, models) or x.shape[2] != fan_in:
        raise ValueError(f"x must have shape ({models} or 1, B, {fan_in}), got {x.shape}")
    inputs = [x]
    h = x
    for layer, (w, b) in enumerate(zip(network.weights, network.biases)):
        h = xp.matmul(h, w) + b[:, None, :]
        if layer < network.depth:
            h = xp.maximum(h, 0.0)
            inputs.append(h)
    return h[..., 0], inputs


def backward(network: Network, inputs: list[Any], output_grad: Any, xp: Any) -> list[Any]:
    """Gradients of Σ_i output_grad[k, i] f_k(x_i) in the order of ``Network.parameters``;
    ``inputs`` are :func:`forward`'s and ``output_grad`` has the shape of its logits (K, B)."""
    if len(inputs) != network.depth + 1:
        raise ValueError(f"inputs must be forward's {network.depth + 1} layer inputs")
    expected = (network.weights[0].shape[0], inputs[0].shape[1])
    if output_grad.shape != expected:
        raise ValueError(
            f"output_grad must have the logits' shape {expected}, got {output_grad.shape}"
        )
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


def central_differences(
    network: Network, objective: Callable[[Network], float], step: float, xp: Any
) -> list[np.ndarray]:
    """(objective(p + h e) - objective(p - h e)) / 2h for every entry e of every parameter, with
    h = ``step``: the numerical gradient, in the order and shapes of ``Network.parameters``, on
    the host. ``objective`` maps a network to a float; one call per entry and sign, so this is
    for small networks (a check of :func:`backward`)."""
    params = network.parameters()
    count = len(network.weights)
    gradients = []
    for k, array in enumerate(params):
        host = to_numpy(array)
        slopes = np.empty(host.shape)
        for index in np.ndindex(host.shape):
            values = []
            for delta in (step, -step):
                shifted = host.copy()
                shifted[index] += delta
                trial = [xp.asarray(shifted) if j == k else p for j, p in enumerate(params)]
                values.append(objective(Network(trial[:count], trial[count:])))
            slopes[index] = (values[0] - values[1]) / (2 * step)
        gradients.append(slopes)
    return gradients


@dataclass
class SGD:
    """Momentum SGD with decoupled-into-the-gradient weight decay and a cosine schedule.

    ``learning_rate``, ``momentum`` and ``weight_decay`` are finite and >= 0 (PyTorch refuses
    negative ones too), ``total_steps`` (the schedule's period) an integer >= 1.
    """

    learning_rate: float
    total_steps: int
    momentum: float = 0.9
    weight_decay: float = 0.0
    step_count: int = 0
    velocity: list[Any] | None = None

    def __post_init__(self) -> None:
        for name in ("learning_rate", "momentum", "weight_decay"):
            check_parameter(name, getattr(self, name))
        check_parameter("total_steps", self.total_steps, low=1, integer=True)

    def rate(self) -> float:
        return (
            0.5 * self.learning_rate * (1 + math.cos(math.pi * self.step_count / self.total_steps))
        )

    def step(self, network: Network, grads: list[Any], xp: Any) -> None:
        """One update with ``grads`` in the order and shapes of ``network.parameters()``."""
        params = network.parameters()
        if [g.shape for g in grads] != [p.shape for p in params]:
            raise ValueError("grads must match network.parameters() in number, order and shapes")
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
    """Scale each model's gradient (over all its parameters) to norm at most ``limit`` (K,).

    ``limit`` holds positive bounds (inf: no clipping; not checked, this runs every step). The
    gradients must be finite. Their squares would overflow past 1e154 (an exponential loss at
    margins below -355): a model whose largest entry exceeds the fourth root of the largest
    float is scaled by a power of two for its norm (exact), others by 1, so their bits are
    those of the plain sum of squares.
    """
    models = grads[0].shape[0]
    if getattr(limit, "shape", None) != (models,):
        raise ValueError(f"limit must be an array of shape ({models},), one bound per model")
    flat = [xp.reshape(g, (models, -1)) for g in grads]
    largest = xp.max(xp.stack([xp.max(xp.abs(f), axis=1) for f in flat]), axis=0)
    huge = largest > float(xp.finfo(largest.dtype).max) ** 0.25
    factor = 2.0 ** -xp.where(huge, xp.ceil(xp.log2(xp.where(huge, largest, 1.0))), 0.0)
    scaled = [f * factor[:, None] for f in flat]
    squares = sum(xp.sum(f * f, axis=1) for f in scaled)
    root = xp.sqrt(squares)
    scale = xp.minimum(1.0, limit * factor / xp.maximum(root, 1e-30 * factor))
    return [g * xp.reshape(scale, (-1,) + (1,) * (g.ndim - 1)) for g in grads]
