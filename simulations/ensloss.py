r"""EnsLoss: random calibrated loss-derivatives and the doubly stochastic SGD they drive.

Source: Ben Dai, *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in
Classification*, ICML 2025 (``dai2025``); the generator follows the official code
``statmlben/ensLoss`` as described in ``shared/research/ensloss.md`` §2.2 (read in full there):

1. margins :math:`s_i = y_i f(x_i)` of a batch of B;
2. :math:`v_j = -\mathrm{BC}^{-1}_\lambda(z_j)`, :math:`z_j \sim N(0, 1)`, with the inverse
   Box-Cox map :math:`\mathrm{BC}^{-1}_\lambda(z) = e^z` (λ = 0) or
   :math:`\max(1 + \lambda z, 0)^{1/\lambda}`;
3. sort ascending and clamp at -1;
4. rank coupling: the i-th smallest margin gets the i-th smallest value, so g is
   non-decreasing in s (convexity);
5. tail: g / s where s > 1 (current code; an earlier commit used g / (s log² s) for s > e);
6. shift by -1e-6 (g(0) < 0).

The SGD step uses g as the loss-derivative at each margin: the gradient is
:math:`\frac1B\sum_i g_i y_i \nabla f(x_i)`. Everything here is array code (numpy, CuPy,
array_api_strict); risks under the Gaussian designs are exact up to quadrature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from simulations import mlp
from simulations.backend import ArrayRandom, Backend, derive, to_numpy

SHIFT = 1e-6
TAILS = ("inverse", "log_squared", "none")
"""``inverse``: g/s for s > 1 (the code since commit 1d036f4); ``log_squared``: g/(s log² s)
for s > e (commit 419c6fb); ``none``: no tail rescaling."""
LOSSES = ("ensloss", "ensloss_expected", "bce", "hinge", "exponential")
"""``ensloss_expected`` is the shape-without-noise ablation (:func:`expected_draws`)."""
EXPONENTIAL_CLIP = 10.0
"""The repo clips the gradient norm at 10 for the exponential loss only (a confounder we keep)."""


def inverse_box_cox(z: Any, lam: float, xp: Any) -> Any:
    r""":math:`\mathrm{BC}^{-1}_\lambda(z)`; +inf where :math:`1 + \lambda z \le 0` and λ < 0."""
    if lam == 0:
        return xp.exp(z)
    base = 1 + lam * z
    positive = base > 0
    safe = xp.where(positive, base, xp.ones_like(base))
    value = safe ** (1.0 / lam)
    limit = math.inf if lam < 0 else 0.0
    return xp.where(positive, value, xp.full_like(value, limit))


def raw_draws(rng: ArrayRandom, shape: tuple[int, ...], lam: float, dtype: str = "float64") -> Any:
    """Unclamped values :math:`v = -\\mathrm{BC}^{-1}_\\lambda(z)`, z standard normal."""
    return -inverse_box_cox(rng.normal(shape, dtype), lam, rng.xp)


def population_derivative(u: Any, lam: float = 0.0) -> np.ndarray:
    r"""The B → ∞ limit of the generated derivative at rank quantile u (before the tail):
    :math:`-\min\{1, \mathrm{BC}^{-1}_\lambda(\Phi^{-1}(1-u))\}` (``ensloss.md`` §2.2 [ours])."""
    u = np.asarray(u, dtype=float)
    if np.any((u <= 0) | (u >= 1)):
        raise ValueError("rank quantiles must lie in (0, 1)")
    import array_api_compat.numpy as np_xp

    return -np.minimum(1.0, inverse_box_cox(np_xp.asarray(ndtri(1 - u)), lam, np_xp))


def expected_draws(batch: int, lam: float = 0.0) -> np.ndarray:
    """Sorted, clamped values without noise: the population shape at Blom's plotting positions.

    The i-th smallest of B values is :func:`population_derivative` at u = (i - 3/8)/(B + 1/4),
    the usual approximation to the expected i-th order statistic of a normal sample.
    """
    ranks = np.arange(1, batch + 1)
    return population_derivative((ranks - 0.375) / (batch + 0.25), lam)


def apply_tail(g: Any, margins: Any, tail: str, xp: Any) -> Any:
    """Rescale the derivative at large margins (see :data:`TAILS`)."""
    if tail == "inverse":
        return xp.where(margins > 1, g / xp.where(margins > 1, margins, 1.0), g)
    if tail == "log_squared":
        big = margins > math.e
        safe = xp.where(big, margins, math.e)
        return xp.where(big, g / (safe * xp.log(safe) ** 2), g)
    if tail == "none":
        return g
    raise ValueError(f"unknown tail {tail!r}; choose one of {', '.join(TAILS)}")


def couple(sorted_values: Any, margins: Any, xp: Any) -> Any:
    """Give the i-th smallest margin of each row the i-th smallest value (rank coupling)."""
    ranks = xp.argsort(xp.argsort(margins, axis=-1, stable=True), axis=-1, stable=True)
    return xp.take_along_axis(sorted_values, ranks, axis=-1)


def ensloss_derivatives(
    margins: Any,
    rng: ArrayRandom | None,
    *,
    lam: float = 0.0,
    tail: str = "inverse",
    expected: bool = False,
) -> Any:
    """Random calibrated loss-derivatives for a batch of margins (batch along the last axis).

    ``expected=True`` replaces the random draws by :func:`expected_draws` (the ablation).
    """
    xp = rng.xp if rng is not None else None
    if xp is None:
        import array_api_compat

        xp = array_api_compat.array_namespace(margins)
    if expected:
        values = xp.asarray(expected_draws(margins.shape[-1], lam), dtype=margins.dtype)
        values = xp.broadcast_to(values, margins.shape)
    else:
        dtype = "float32" if margins.dtype == xp.float32 else "float64"
        values = xp.maximum(xp.sort(raw_draws(rng, margins.shape, lam, dtype), axis=-1), -1.0)
    g = apply_tail(couple(values, margins, xp), margins, tail, xp)
    return g - SHIFT


def fixed_derivative(loss: str, margins: Any, xp: Any) -> Any:
    """φ'(s) of the fixed losses: BCE (logistic) −1/(1 + e^s), hinge −[s < 1], exponential
    −e^{−s}.

    BCE is evaluated as −e^{−|s|}/(1 + e^{−|s|}) for s ≥ 0 and −1/(1 + e^{−|s|}) otherwise, exact
    to rounding at every finite margin. The exponential's derivative is not representable below
    s = −709; it saturates at −e^{700} for s < −700, so a step never sees −inf."""
    if loss == "bce":
        decay = xp.exp(-xp.abs(margins))
        return xp.where(margins >= 0, -decay, -1.0) / (1.0 + decay)
    if loss == "hinge":
        return -xp.astype(margins < 1, margins.dtype)
    if loss == "exponential":
        return -xp.exp(-xp.maximum(margins, -700.0))
    raise ValueError(f"unknown fixed loss {loss!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Training set-up; the defaults are the repo's tabular setting except where noted."""

    depth: int = 0
    width: int = 64
    epochs: int = 30
    batch: int = 128
    learning_rate: float = 1e-4
    weight_decay: float = 5e-6
    momentum: float = 0.9
    lam: float = 0.0
    tail: str = "inverse"
    dtype: str = "float64"


@dataclass
class TrainResult:
    """Final-epoch accuracies, shape (seeds, losses), and the trained networks."""

    losses: list[str]
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    network: mlp.Network = field(repr=False)
    seeds: list[dict[str, Any]] = field(default_factory=list)


def train(
    data: dict[str, Any],
    losses: list[str],
    seeds: list[np.random.SeedSequence],
    config: TrainConfig,
    backend: Backend,
) -> TrainResult:
    """Train one network per (seed, loss) with doubly stochastic or fixed-loss SGD, batched.

    Models of one seed share the initial weights and the mini-batch order (common random
    numbers, so differences between losses are paired); EnsLoss draws come from a separate
    child of the seed. Labels are ±1.
    """
    xp = backend.xp
    for loss in losses:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    x, y = data["x_train"], data["y_train"]
    n, d = x.shape
    per_seed = len(losses)
    models = len(seeds) * per_seed
    inits, orders, draws = [], [], []
    for seed in seeds:
        init_seed, order_seed, draw_seed = (derive(seed, k) for k in range(3))
        inits.append(
            mlp.initialise(backend.rng(init_seed), 1, d, config.depth, config.width, config.dtype)
        )
        orders.append(backend.rng(order_seed))
        draws.append(backend.rng(draw_seed))
    network = mlp.Network(
        [
            xp.concat([xp.concat([w] * per_seed) for w in ws])
            for ws in zip(*(i.weights for i in inits))
        ],
        [
            xp.concat([xp.concat([b] * per_seed) for b in bs])
            for bs in zip(*(i.biases for i in inits))
        ],
    )
    loss_index = xp.asarray(np.tile(np.arange(per_seed), len(seeds)))
    steps_per_epoch = max(1, n // config.batch)
    optimiser = mlp.SGD(
        config.learning_rate, config.epochs * steps_per_epoch, config.momentum, config.weight_decay
    )
    clip = xp.asarray(
        np.tile(
            [EXPONENTIAL_CLIP if name == "exponential" else np.inf for name in losses], len(seeds)
        ),
        dtype=x.dtype,
    )
    for _ in range(config.epochs):
        permutation = xp.concat(
            [xp.argsort(rng.uniform((1, n), config.dtype), axis=-1) for rng in orders]
        )
        for step in range(steps_per_epoch):
            rows = permutation[:, step * config.batch : (step + 1) * config.batch]
            rows = xp.reshape(xp.concat([rows[:, None, :]] * per_seed, axis=1), (models, -1))
            flat = xp.reshape(rows, (-1,))
            batch_x = xp.reshape(xp.take(x, flat, axis=0), (models, -1, d))
            batch_y = xp.reshape(xp.take(y, flat, axis=0), (models, -1))
            logits, inputs = mlp.forward(network, batch_x, xp)
            margins = batch_y * logits
            g = _derivatives(margins, losses, loss_index, draws, config, xp)
            grads = mlp.backward(network, inputs, g * batch_y / margins.shape[-1], xp)
            if any(name == "exponential" for name in losses):
                grads = mlp.clip_by_norm(grads, clip, xp)
            optimiser.step(network, grads, xp)
    shape = (len(seeds), per_seed)
    return TrainResult(
        list(losses),
        np.reshape(to_numpy(accuracy(network, x, y, xp)), shape),
        np.reshape(to_numpy(accuracy(network, data["x_test"], data["y_test"], xp)), shape),
        network,
        [{"entropy": s.entropy, "spawn_key": list(s.spawn_key)} for s in seeds],
    )


def _derivatives(margins, losses, loss_index, draws, config, xp):
    """Per-model loss-derivative: each model's own loss, EnsLoss draws per seed."""
    per_seed = len(losses)
    g = xp.zeros_like(margins)
    for position, loss in enumerate(losses):
        chosen = (loss_index == position)[:, None]
        if loss.startswith("ensloss"):
            rows = margins[position::per_seed, :]
            if loss == "ensloss_expected":
                values = ensloss_derivatives(
                    rows, None, lam=config.lam, tail=config.tail, expected=True
                )
            else:
                values = xp.concat(
                    [
                        ensloss_derivatives(
                            rows[k : k + 1, :], rng, lam=config.lam, tail=config.tail
                        )
                        for k, rng in enumerate(draws)
                    ]
                )
            full = xp.reshape(xp.concat([values[:, None, :]] * per_seed, axis=1), margins.shape)
        else:
            full = fixed_derivative(loss, margins, xp)
        g = xp.where(chosen, full, g)
    return g


def accuracy(network: mlp.Network, x: Any, y: Any, xp: Any) -> Any:
    """Fraction of points with y f(x) > 0, per model (threshold 0, like the repo)."""
    logits, _ = mlp.forward(network, x[None, ...], xp)
    return xp.mean(xp.astype(y[None, :] * logits > 0, logits.dtype), axis=-1)


def surrogate_objective(network: mlp.Network, x: Any, y: Any, g: Any, xp: Any) -> Any:
    """The repo's returned scalar :math:`\\frac1B\\sum_i \\mathrm{sg}(g_i) s_i` per model.

    Its value means nothing as a loss (it can be negative); its gradient is the EnsLoss step.
    """
    logits, _ = mlp.forward(network, x, xp)
    return xp.mean(g * y * logits, axis=-1)
