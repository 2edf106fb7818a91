r"""EnsLoss: random calibrated loss-derivatives and the doubly stochastic SGD they drive.

Source: Ben Dai, *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in
Classification*, ICML 2025 (``dai2025``); the generator follows the official code
``statmlben/ensLoss`` (HEAD ``fd37682``, read in full: ``losses.py::ensLoss.forward`` and
``train.py::Trainer.train``) [dai2025, official code]:

1. margins :math:`s_i = y_i f(x_i)` of a batch of B;
2. :math:`v_j = -\mathrm{BC}^{-1}_\lambda(z_j)`, :math:`z_j \sim N(0, 1)`, with the inverse
   Box-Cox map :math:`\mathrm{BC}^{-1}_\lambda(z) = e^z` (λ = 0) or
   :math:`\max(1 + \lambda z, 0)^{1/\lambda}`;
3. sort ascending and clamp at -1;
4. rank coupling: the i-th smallest margin gets the i-th smallest value, so g is
   non-decreasing in s (convexity);
5. tail: g / s where s > 1 (the code since commit 5589e90; see :data:`TAILS` for the earlier
   tails);
6. shift by -1e-6 (g(0) < 0).

The SGD step uses g as the loss-derivative at each margin: the gradient is
:math:`\frac1B\sum_i g_i y_i \nabla f(x_i)`. Everything here is array code (numpy, CuPy,
array_api_strict); risks under the Gaussian designs are exact up to quadrature.

:func:`train` trains every (seed, loss) pair at once; :func:`train_task` is its sweep task
(:mod:`simulations.sweeps`): a :class:`TrainCell` names the backend, the data set (one of
:data:`DATASETS`, built in the worker) and the training set-up, and the task returns numpy
arrays (:meth:`TrainResult.as_result`).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy import stats
from scipy.special import ndtri

from simulations import datasets, mlp
from simulations.backend import (
    ArrayRandom,
    Backend,
    check_float_dtype,
    check_resolved,
    derive,
    namespace,
    select,
    to_numpy,
)
from theory.validation import check_parameter

SHIFT = 1e-6
TAILS = ("inverse", "log_squared", "none")
"""``inverse``: g/s for s > 1, the official code since commit 5589e90 (HEAD ``fd37682``; the
rule first appeared in f6d35e5, 2023-08-01, and is that of 1d036f4); ``log_squared``:
g/(s log² s) for s > e, the tail rule of commit 419c6fb; ``none``: no rescaling, the rule of
d3532dc. Every commit before 5589e90 also appended a zero-margin anchor to each batch (B + 1
draws, the anchor's value dropped); losslab implements the anchor-free structure of 5589e90
for every tail, so ``log_squared`` and ``none`` are those commits' tail rules on the later
structure, not their exact code: with the same draws the anchor moves values by up to 0.06
(B = 128) and 0.39 (B = 1), an effect that vanishes like 1/B (our cross-check against a numpy
port of each commit [OURS])."""
LOSSES = ("ensloss", "ensloss_expected", "bce", "hinge", "exponential")
"""``ensloss_expected`` is the shape-without-noise ablation (:func:`expected_draws`)."""
EXPONENTIAL_CLIP = 10.0
"""The repo clips the gradient norm at 10 for the exponential loss only (a confounder we keep)."""


def inverse_box_cox(z: Any, lam: float, xp: Any) -> Any:
    r""":math:`\mathrm{BC}^{-1}_\lambda(z)`; +inf where :math:`1 + \lambda z \le 0` and λ < 0.

    ``lam`` is a finite real number."""
    check_parameter("lam", lam, low=-math.inf)
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


def sorted_draws(
    rng: ArrayRandom, shape: tuple[int, ...], lam: float, dtype: str = "float64"
) -> Any:
    """:func:`raw_draws` sorted along the last (batch) axis and clamped at -1: steps 2-3."""
    return rng.xp.maximum(rng.xp.sort(raw_draws(rng, shape, lam, dtype), axis=-1), -1.0)


def plotting_positions(batch: int) -> np.ndarray:
    """Blom's positions (i - 3/8)/(B + 1/4), i = 1..B: the rank quantiles of a batch of B."""
    return (np.arange(1, batch + 1) - 0.375) / (batch + 0.25)


def order_statistics(
    rng: ArrayRandom, batch: int, rows: int, lam: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monte Carlo of the sorted, clamped values of a batch of B (:func:`sorted_draws`) over
    ``rows`` batches: the plotting positions, the mean of each order statistic and its standard
    error, on the host."""
    values = sorted_draws(rng, (rows, batch), lam)
    xp = rng.xp
    spread = to_numpy(xp.std(values, axis=0)) / math.sqrt(rows)
    return plotting_positions(batch), to_numpy(xp.mean(values, axis=0)), spread


def population_gaps(
    rng: ArrayRandom,
    batches: tuple[int, ...],
    total: int,
    quantiles: np.ndarray,
    limit: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """For each batch size B (``total`` draws in total // B batches, :func:`order_statistics`):
    the gap |mean - limit| at the plotting position at or above each rank quantile and its
    standard error (arrays (batches, quantiles)), and the curves {B: (positions, means)}."""
    gaps, errors, curves = [], [], {}
    for batch in batches:
        positions, mean, error = order_statistics(rng, batch, total // batch)
        index = np.searchsorted(positions, quantiles)
        gaps.append(np.abs(mean[index] - limit(positions[index])))
        errors.append(error[index])
        curves[batch] = (positions, mean)
    return np.array(gaps), np.array(errors), curves


def population_derivative(u: Any, lam: float = 0.0) -> np.ndarray:
    r"""The B → ∞ limit of the generated derivative at rank quantile u (before the tail):
    :math:`-\min\{1, \mathrm{BC}^{-1}_\lambda(\Phi^{-1}(1-u))\}` ([ours]:
    :math:`\mathrm{BC}^{-1}_\lambda` is increasing, so the u-quantile of the sorted :math:`v_j`
    is minus its value at the (1 - u)-quantile of z, and the clamp at -1 gives the min)."""
    u = np.asarray(u, dtype=float)
    if np.any((u <= 0) | (u >= 1)):
        raise ValueError("rank quantiles must lie in (0, 1)")
    import array_api_compat.numpy as np_xp

    return -np.minimum(1.0, inverse_box_cox(np_xp.asarray(ndtri(1 - u)), lam, np_xp))


def expected_draws(batch: int, lam: float = 0.0) -> np.ndarray:
    """Sorted, clamped values without noise: the population shape at Blom's plotting positions.

    The i-th smallest of B values is :func:`population_derivative` at u = (i - 3/8)/(B + 1/4),
    the usual approximation to the expected i-th order statistic of a normal sample; ``batch``
    is an integer >= 1.
    """
    batch = check_parameter("batch", batch, low=1, integer=True)
    return population_derivative(plotting_positions(batch), lam)


def apply_tail(g: Any, margins: Any, tail: str, xp: Any) -> Any:
    """Rescale the derivative at large margins (see :data:`TAILS`)."""
    if tail == "inverse":
        return xp.where(margins > 1, g / xp.where(margins > 1, margins, 1.0), g)
    if tail == "log_squared":
        big = margins > math.e
        safe = xp.where(big, margins, math.e)
        square = xp.log(safe) ** 2
        # s log² s overflows above ~3.6e302 (float64; ~4.3e34 in float32): divide twice there
        largest = float(xp.finfo(margins.dtype).max)
        huge = safe > largest / math.log(largest) ** 2
        once = g / (xp.where(huge, 1.0, safe) * square)
        return xp.where(big, xp.where(huge, g / safe / square, once), g)
    if tail == "none":
        return g
    raise ValueError(f"unknown tail {tail!r}; choose one of {', '.join(TAILS)}")


def couple(sorted_values: Any, margins: Any, xp: Any) -> Any:
    """Give the i-th smallest margin of each row the i-th smallest value (rank coupling).

    Tied margins take their values in their order along the row (a stable sort). The official
    code ranks with ``torch.sort``, which is not stable, so its order within a tie is
    unspecified; either way each tie group receives the same multiset of values."""
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

    ``expected=True`` replaces the random draws by :func:`expected_draws` (the ablation);
    otherwise ``rng`` is required. ``margins`` is a real floating array of at least one dimension
    with a non-empty batch axis, ``lam`` finite and ``tail`` one of :data:`TAILS`. This runs
    every training step, so, like the kernels of :mod:`simulations.mlp`, it checks shapes, dtype
    and parameters only, never values (a read back from the device): a NaN margin ranks last.
    """
    if rng is None and not expected:
        raise TypeError("ensloss_derivatives needs an rng unless expected=True")
    xp = rng.xp if rng is not None else namespace(margins)
    if getattr(margins, "ndim", 0) < 1 or margins.shape[-1] < 1:
        shape = getattr(margins, "shape", None)
        raise ValueError(
            f"margins must be an array with a non-empty last (batch) axis, got {shape}"
        )
    if not xp.isdtype(margins.dtype, "real floating"):
        raise TypeError(f"margins must be a real floating array, got {margins.dtype}")
    if tail not in TAILS:
        raise ValueError(f"unknown tail {tail!r}; choose one of {', '.join(TAILS)}")
    check_parameter("lam", lam, low=-math.inf)
    if expected:
        values = xp.asarray(expected_draws(margins.shape[-1], lam), dtype=margins.dtype)
        values = xp.broadcast_to(values, margins.shape)
    else:
        dtype = "float32" if margins.dtype == xp.float32 else "float64"
        values = sorted_draws(rng, margins.shape, lam, dtype)
    g = apply_tail(couple(values, margins, xp), margins, tail, xp)
    return g - SHIFT


def implied_loss(margins: Any, g: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss implied by one draw: the margins sorted along the last axis, the derivative
    values in that order, and the integral of that step derivative from the smallest margin
    (value 0 there): :math:`\\phi(s_{(k)}) = \\sum_{j<k} g_{(j)} (s_{(j+1)} - s_{(j)})`.

    ``margins`` and ``g`` broadcast against each other; the result is on the host (numpy).
    """
    margins, g = np.broadcast_arrays(to_numpy(margins), to_numpy(g))
    order = np.argsort(margins, axis=-1, kind="stable")
    s, slope = np.take_along_axis(margins, order, -1), np.take_along_axis(g, order, -1)
    steps = np.cumsum(slope[..., :-1] * np.diff(s, axis=-1), axis=-1)
    return s, slope, np.concatenate([np.zeros((*steps.shape[:-1], 1)), steps], axis=-1)


def implied_loss_failures(margins: Any, g: Any) -> np.ndarray:
    """Per draw (all axes but the last), whether its implied loss (:func:`implied_loss`) fails
    to be convex (slopes non-decreasing), non-increasing, or to have a negative slope at 0 (the
    slope of the step holding 0; the first step if no margin is negative)."""
    s, slope, loss = implied_loss(margins, g)
    convex = np.all(np.diff(slope, axis=-1) >= 0, axis=-1)
    decreasing = np.all(np.diff(loss, axis=-1) <= 0, axis=-1)
    step = np.clip(np.sum(s < 0, axis=-1) - 1, 0, None)
    at_zero = np.take_along_axis(slope, step[..., None], -1)[..., 0] < 0
    return ~(convex & decreasing & at_zero)


def implied_loss_per_decade(rng: ArrayRandom, tail: str, draws: int) -> np.ndarray:
    """Mean change of the implied loss between margins 10², 10³ and 10⁴ (two decades), over
    ``draws`` batches of 512 log-spaced margins from e⁻² to 10⁴ (λ = 0): about -c log 10 per
    decade for a c/s tail, shrinking like 1/log s for an integrable one."""
    xp = rng.xp
    margins = xp.exp(xp.linspace(-2.0, math.log(1e4), 512, dtype=xp.float64))[None, :]
    drops = []
    for _ in range(draws):
        s, _, loss = implied_loss(margins[0], ensloss_derivatives(margins, rng, tail=tail)[0])
        drops.append(np.diff([loss[np.searchsorted(s, 10.0**k)] for k in (2, 3, 4)]))
    return np.mean(drops, axis=0)


def paired_pvalue(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    """p-value of the one-sample t-test on the paired differences a - b (the repo's
    ``pairwise_ttest``); constant differences (no variance to test) give 0 if they lie on the
    side of ``alternative`` (greater, less, or either for two-sided) and 1 otherwise."""
    difference = np.asarray(a) - np.asarray(b)
    if np.allclose(difference, difference[0]):
        sign = {"greater": 1, "less": -1, "two-sided": 0}[alternative]
        favoured = difference[0] * sign > 0 if sign else difference[0] != 0
        return 0.0 if favoured else 1.0
    return float(stats.ttest_1samp(difference, 0.0, alternative=alternative).pvalue)


def generator_range(
    rng: ArrayRandom, rows: int, batches: tuple[int, ...], lambdas: tuple[float, ...]
) -> tuple[int, float, float, int]:
    """Draw ``rows`` batches of N(0, 9) margins for every batch size, λ and tail of
    :data:`TAILS`: the number of derivatives generated, the smallest and the largest, and how
    many times one decreases along the sorted margins."""
    checked, low, high, drops = 0, 0.0, -math.inf, 0
    for batch in batches:
        for lam in lambdas:
            for tail in TAILS:
                margins = rng.normal((rows, batch)) * 3
                g = ensloss_derivatives(margins, rng, lam=lam, tail=tail)
                values, ordered = to_numpy(g), implied_loss(margins, g)[1]
                checked += values.size
                low, high = min(low, float(values.min())), max(high, float(values.max()))
                drops += int(np.sum(np.diff(ordered, axis=-1) < 0))
    return checked, low, high, drops


def gradient_gap(rng: ArrayRandom, backward: Callable = mlp.backward) -> tuple[float, float]:
    """Step 7 on a small ReLU network (3 inputs, 2 hidden layers of 5, 16 points; read-out and
    biases drawn, so no pre-activation sits exactly on a ReLU kink, as it would for a point
    whose first-layer units are all off under zero biases): the largest relative gap
    |numeric - analytic| / max(1, |numeric|) between ``backward``'s gradient of
    (1/B) Σ sg(g_i) s_i and central differences (h = 1e-6), and the objective's value."""
    xp = rng.xp
    network = mlp.initialise(rng, 1, 3, 2, 5)
    network.weights[-1] = rng.normal(network.weights[-1].shape)
    network.biases = [rng.normal(b.shape) for b in network.biases]
    x = rng.normal((1, 16, 3))
    y = 2 * xp.astype(rng.uniform((1, 16)) < 0.5, xp.float64) - 1
    logits, inputs = mlp.forward(network, x, xp)
    g = ensloss_derivatives(y * logits, rng)
    analytic = [to_numpy(p) for p in backward(network, inputs, g * y / 16, xp)]

    def objective(net: mlp.Network) -> float:
        return float(to_numpy(surrogate_objective(net, x, y, g, xp))[0])

    numeric = mlp.central_differences(network, objective, 1e-6, xp)
    worst = max(
        float(np.max(np.abs(n - a) / np.maximum(1.0, np.abs(n)))) for n, a in zip(numeric, analytic)
    )
    return worst, objective(network)


def example_draws(
    rng: ArrayRandom, margins: Any, lambdas: tuple[float, ...], rows: int = 3
) -> dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``rows`` draws of the derivatives at the sorted margins (1-D) for each λ, with their
    implied losses (:func:`implied_loss`): {λ: (margins, g, loss)}, g and loss (rows, B), on
    the host."""
    batch = rng.xp.concat([margins[None, :]] * rows)
    s = to_numpy(margins)
    drawn = {lam: to_numpy(ensloss_derivatives(batch, rng, lam=lam)) for lam in lambdas}
    return {lam: (s, g, implied_loss(s, g)[2]) for lam, g in drawn.items()}


def detectable_difference(differences: np.ndarray, level: float = 0.05) -> float:
    """The smallest mean paired difference that :func:`paired_pvalue` (one-sided) declares at
    ``level`` for differences with this spread: :math:`t_{1-level, n-1}\\, s / \\sqrt n` (0 for
    constant differences, which need only a positive sign)."""
    differences = np.asarray(differences, dtype=float)
    n = differences.size
    if n < 2 or np.allclose(differences, differences[0]):
        return 0.0
    spread = float(np.std(differences, ddof=1)) / math.sqrt(n)
    return float(stats.t.ppf(1 - level, n - 1)) * spread


def versus_best(accuracy: np.ndarray, level: float = 0.05) -> tuple[np.ndarray, int]:
    """The repo's comparison of a method (column 0 of ``accuracy``, shape (seeds, losses)) with
    the best other loss (highest mean): the paired differences, and 0 (better), 1 (no
    difference) or 2 (worse) by one-sided :func:`paired_pvalue` at ``level``."""
    best = 1 + int(np.argmax(accuracy[:, 1:].mean(0)))
    method, other = accuracy[:, 0], accuracy[:, best]
    better = paired_pvalue(method, other, "greater") < level
    worse = paired_pvalue(method, other, "less") < level
    return method - other, 0 if better else 2 if worse else 1


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


DEPARTURES = {
    "precision": "float64 by default (TrainConfig.dtype); the official code trains in float32",
    "ties": "tied margins are ranked by a stable sort; the official torch.sort is not stable "
    "(each tie group gets the same multiset of values)",
    "lambda": "fixed per run (0 in every reported benchmark); Trainer's redraw of lambda every "
    "`period` epochs (train.py L49-50, used only by main_bc.py) is not reproduced",
}
"""Where :func:`train` departs from the official ``train.py``/``losses.py`` (found by our
cross-check against that code [OURS]), as the training claims report it."""


@dataclass(frozen=True)
class TrainConfig:
    """Training set-up; the defaults are the repo's tabular setting except where noted.

    ``depth`` hidden layers (0: a linear model) of ``width`` units; ``epochs`` passes over the
    training set in mini-batches of ``batch`` (integers: depth >= 0, the others >= 1); momentum
    SGD with a cosine schedule from ``learning_rate`` (0 is allowed: a model that does not
    learn, a negative control), ``weight_decay`` and ``momentum``, all finite and >= 0 (as
    :class:`simulations.mlp.SGD`); the generator's Box-Cox ``lam`` (finite) and ``tail`` (one
    of :data:`TAILS`); ``dtype`` one of :data:`simulations.backend.FLOAT_DTYPES`. Numbers are kept as int and float.

    Departures from the official code are listed in :data:`DEPARTURES`; among them, ``dtype``
    defaults to float64 where the official code trains in float32.
    """

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

    def __post_init__(self) -> None:
        lowest = {"depth": 0, "width": 1, "epochs": 1, "batch": 1}
        checked = {
            **{
                name: check_parameter(name, getattr(self, name), low=low, integer=True)
                for name, low in lowest.items()
            },
            **{
                name: check_parameter(name, getattr(self, name))
                for name in ("learning_rate", "weight_decay", "momentum")
            },
            "lam": check_parameter("lam", self.lam, low=-math.inf),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        if self.tail not in TAILS:
            raise ValueError(f"unknown tail {self.tail!r}; choose one of {', '.join(TAILS)}")
        check_float_dtype(self.dtype)


@dataclass
class TrainResult:
    """Final-epoch accuracies, shape (seeds, losses), and the trained networks."""

    losses: list[str]
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    network: mlp.Network = field(repr=False)
    seeds: list[dict[str, Any]] = field(default_factory=list)

    def as_result(self) -> dict[str, np.ndarray]:
        """The accuracies as a :data:`simulations.sweeps.Result`; for a linear model (depth 0)
        also the rule sign(w·x + b) of every model: ``linear_weights`` w (seeds, losses, d) and
        ``linear_bias`` b (seeds, losses)."""
        result = {"train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy}
        if self.network.depth == 0:
            shape = self.test_accuracy.shape
            weights = to_numpy(self.network.weights[0])[:, :, 0]
            result["linear_weights"] = np.reshape(weights, (*shape, weights.shape[-1]))
            result["linear_bias"] = np.reshape(to_numpy(self.network.biases[0])[:, 0], shape)
        return result


DATA_KEYS = ("x_train", "y_train", "x_test", "y_test")


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
    child of the seed. ``data`` holds :data:`DATA_KEYS` on the backend: finite features
    x (n, d) of ``config.dtype`` with n, d >= 1 (one d for both splits) and labels y (n,) in
    {-1, +1}; ``losses`` is a non-empty list of :data:`LOSSES`, ``seeds`` a non-empty list of
    SeedSequence children.
    """
    xp = backend.xp
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if isinstance(losses, str) or not losses:
        raise ValueError(f"losses must be a non-empty list of loss names, got {losses!r}")
    for loss in losses:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    if not seeds:
        raise ValueError("seeds must be a non-empty list of SeedSequence children")
    _check_data(data, config.dtype, xp)
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


def _check_data(data: dict[str, Any], dtype: str, xp: Any) -> None:
    """Refuse data that :func:`train` cannot use (see its docstring): two reductions a split."""
    missing = [key for key in DATA_KEYS if key not in data]
    if missing:
        raise ValueError(f"data lacks {', '.join(missing)} (it needs {', '.join(DATA_KEYS)})")
    width = data["x_train"].shape[-1]
    for split in ("train", "test"):
        x, y = data[f"x_{split}"], data[f"y_{split}"]
        if x.ndim != 2 or 0 in x.shape or x.shape[1] != width or y.shape != (x.shape[0],):
            raise ValueError(
                f"x_{split} must have shape (n, {width}) with n >= 1 and y_{split} shape (n,), "
                f"got {x.shape} and {y.shape}"
            )
        if x.dtype != getattr(xp, dtype):
            raise TypeError(f"x_{split} has dtype {x.dtype}, but the config trains in {dtype}")
        if not bool(xp.all(xp.isfinite(x))):
            raise ValueError(f"x_{split} must be finite (no NaN or inf)")
        if not bool(xp.all((y == 1) | (y == -1))):
            raise ValueError(f"y_{split} must hold labels -1 and +1 only")


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


def _logistic_design(
    backend: Backend, seed: np.random.SeedSequence, *, n: int, beta: np.ndarray
) -> dict[str, Any]:
    """:func:`simulations.datasets.logistic_design`; its training set is the test set too (the
    risk of a linear rule is exact, :func:`simulations.datasets.linear_rule_risk`)."""
    data = datasets.logistic_design(backend.rng(seed), n, beta)
    return {**data, "x_test": data["x_train"], "y_test": data["y_train"]}


def _random_features_task(
    backend: Backend,
    seed: np.random.SeedSequence,
    *,
    n_train: int,
    n_test: int,
    dim: int = 30,
    features: int = 3000,
) -> dict[str, Any]:
    """:func:`simulations.datasets.random_features_task`."""
    return datasets.random_features_task(
        backend.rng(seed), n_train, n_test, dim=dim, features=features
    )


def _offline_stand_in(
    backend: Backend, seed: None, *, task: str, split_seed: int, digit_pairs: int, features: int
) -> dict[str, Any]:
    """The task called ``task`` of :func:`simulations.datasets.offline_stand_ins`."""
    tasks = datasets.offline_stand_ins(
        backend, split_seed, digit_pairs=digit_pairs, features=features
    )
    if task not in tasks:
        raise ValueError(f"unknown offline task {task!r}; with these arguments: {', '.join(tasks)}")
    return tasks[task]


class Dataset(NamedTuple):
    """A data set of :func:`train_task`: ``make(backend, seed, **arguments)`` builds it, and
    ``draws`` says whether it takes random numbers from ``seed`` (else ``seed`` is None)."""

    make: Callable[..., dict[str, Any]]
    draws: bool


DATASETS = {
    "logistic_design": Dataset(_logistic_design, True),
    "random_features_task": Dataset(_random_features_task, True),
    "offline_stand_in": Dataset(_offline_stand_in, False),
}
"""The data sets a :class:`TrainCell` names, with their keyword arguments: ``logistic_design``
(n, beta), ``random_features_task`` (n_train, n_test, dim, features) and ``offline_stand_in``
(task, split_seed, digit_pairs, features)."""


@dataclass(frozen=True)
class TrainCell:
    """One sweep cell of :func:`train` (:func:`train_task`): the backend by name (selected in
    the worker), the data set (a key of :data:`DATASETS`) and its keyword ``arguments``, the
    losses, the number of training ``seeds`` and the :class:`TrainConfig` fields.

    From the cell's seed s come, in order, the children that a fresh ``s.spawn`` would hand
    out: the data seed ``derive(s, 0)`` if the data set draws, then training seed k
    ``derive(s, o + k)`` with o = 1 if it does and 0 if not (:meth:`run_seeds`).
    """

    backend: str
    dataset: str
    arguments: dict[str, Any]
    losses: tuple[str, ...]
    seeds: int
    training: dict[str, Any]

    def __post_init__(self) -> None:
        check_resolved(self.backend)
        if self.dataset not in DATASETS:
            raise ValueError(
                f"unknown dataset {self.dataset!r}; choose one of {', '.join(DATASETS)}"
            )
        try:
            inspect.signature(DATASETS[self.dataset].make).bind(None, None, **self.arguments)
        except TypeError as error:
            raise TypeError(f"arguments do not fit the dataset {self.dataset!r}: {error}") from None
        if isinstance(self.losses, str) or not self.losses:
            raise ValueError(f"losses must be a non-empty tuple of loss names, got {self.losses!r}")
        for loss in self.losses:
            if loss not in LOSSES:
                raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        object.__setattr__(self, "losses", tuple(self.losses))
        object.__setattr__(self, "seeds", check_parameter("seeds", self.seeds, low=1, integer=True))
        try:
            config = TrainConfig(**self.training)
        except TypeError as error:
            raise TypeError(f"training must hold TrainConfig fields only: {error}") from None
        object.__setattr__(self, "training", dataclasses.asdict(config))

    @classmethod
    def of(
        cls,
        backend: Backend,
        dataset: str,
        arguments: dict[str, Any],
        losses: list[str],
        config: TrainConfig,
        seeds: int = 1,
    ) -> TrainCell:
        """The cell of ``config`` (a :class:`TrainConfig`) on ``backend``."""
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        return cls(
            backend.name, dataset, dict(arguments), tuple(losses), seeds, dataclasses.asdict(config)
        )

    @property
    def config(self) -> TrainConfig:
        return TrainConfig(**self.training)

    def run_seeds(
        self, seed: np.random.SeedSequence
    ) -> tuple[np.random.SeedSequence | None, list[np.random.SeedSequence]]:
        """The data seed (None if the data set does not draw) and the training seeds under
        ``seed``."""
        first = 1 if DATASETS[self.dataset].draws else 0
        data_seed = derive(seed, 0) if first else None
        return data_seed, [derive(seed, first + k) for k in range(self.seeds)]


def train_task(cell: TrainCell, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The sweep task of :func:`train`: build the cell's data set and train every (seed, loss)
    pair on it (:meth:`TrainResult.as_result`)."""
    backend = select(cell.backend)
    data_seed, seeds = cell.run_seeds(seed)
    data = DATASETS[cell.dataset].make(backend, data_seed, **cell.arguments)
    return train(data, list(cell.losses), seeds, cell.config, backend).as_result()
