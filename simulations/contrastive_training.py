r"""Gradient-based experiments driven by the contrastive kernel (:mod:`simulations.contrastive`).

* :func:`projected_descent`: gradient descent on free unit vectors (2 views × N instances),
  many problems at once, each with its own step size. The step moves along the tangent space
  of the sphere, :math:`u \leftarrow \mathrm{normalise}(u - \eta (I - uu^\top) g)`.
  :func:`particle_descent` runs it from a uniformly random start: where do InfoNCE and DCL go?
* :func:`simplex_configuration` and :func:`hessian`: the aligned regular-simplex optimum and the
  Hessian of u ↦ mean loss(normalise(u)) there (central differences of the analytic gradient,
  all 2Nd directions in one batched kernel call). Near a minimiser, projected descent with step
  η is linearly stable iff η < 2/λ_max.
* :func:`train_linear_encoders`: a linear encoder z = normalise(W x) on the latent-class model of
  :mod:`simulations.embeddings`, trained by SGD or Adam for every (loss, τ, learning rate, seed)
  at once: one kernel call per loss and step, the grid on the kernel's batch axes.

Every model of one seed sees the same initial W and the same mini-batches (common random
numbers), so differences between losses, temperatures and learning rates are paired.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import numpy as np

from simulations import embeddings
from simulations.backend import ArrayRandom, Backend, check_resolved, derive, select, to_numpy
from simulations.contrastive import contrastive, normalise, project_gradient

OPTIMISERS = ("sgd", "adam")


@dataclass
class ParticleRun:
    """Mean-loss trace ``(steps + 1, ...)`` and the final configurations ``(..., 2, N, d)``."""

    losses: np.ndarray
    z: np.ndarray

    def positive_cosines(self) -> np.ndarray:
        return np.sum(self.z[..., 0, :, :] * self.z[..., 1, :, :], axis=-1)

    def instance_cosines(self) -> np.ndarray:
        """Cosines between the view-0 vectors of different instances, ``(..., N(N − 1))``."""
        first = self.z[..., 0, :, :]
        gram = first @ np.swapaxes(first, -1, -2)
        n = gram.shape[-1]
        return gram[..., ~np.eye(n, dtype=bool)]


def projected_descent(
    z: Any, tau: float, loss: str, steps: int, learning_rates: Any
) -> ParticleRun:
    """Projected gradient descent of the mean ``loss`` from unit vectors z ``(..., 2, N, d)``.

    ``learning_rates`` is a number or an array of z's batch shape (one step size per problem).
    """
    xp = array_api_compat.array_namespace(z)
    rates = xp.asarray(learning_rates, dtype=z.dtype)
    if steps < 1 or not bool(xp.all(rates > 0)):
        raise ValueError("need steps >= 1 and learning rates > 0")
    rates = rates[..., None, None, None]
    trace = []
    for _ in range(steps):
        result = contrastive(z, tau, loss=loss)
        trace.append(result.mean())
        z = normalise(z - rates * project_gradient(result.grad, z))
    trace.append(contrastive(z, tau, loss=loss, gradient=False).mean())
    return ParticleRun(to_numpy(xp.stack(trace)), to_numpy(z))


def particle_descent(
    rng: ArrayRandom,
    n: int,
    d: int,
    tau: float,
    loss: str,
    steps: int,
    learning_rate: float,
    dtype: str = "float64",
) -> ParticleRun:
    """:func:`projected_descent` from 2 × n vectors drawn uniformly on S^{d−1}."""
    return projected_descent(
        normalise(rng.normal((2, n, d), dtype)), tau, loss, steps, learning_rate
    )


def simplex_configuration(n: int, d: int, xp: Any, dtype: str = "float64") -> Any:
    """Both views at the n vertices of a regular simplex centred at 0 (cosines −1/(n − 1)),
    embedded in the first n − 1 of d coordinates: the minimiser of both losses."""
    if n < 2 or d < n - 1:
        raise ValueError(f"a regular simplex of n >= 2 points needs d >= n - 1, got n={n}, d={d}")
    vertices = np.eye(n) - 1.0 / n
    basis = np.linalg.svd(vertices)[2][: n - 1]
    points = vertices @ basis.T
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    embedded = np.zeros((n, d))
    embedded[:, : n - 1] = points
    return xp.asarray(np.stack([embedded, embedded]), dtype=getattr(xp, dtype))


def hessian(z: Any, tau: float, loss: str, step: float = 1e-5) -> tuple[np.ndarray, float]:
    """Hessian ``(2Nd, 2Nd)`` of u ↦ mean loss(normalise(u)) at unit vectors u = z, symmetrised,
    and the asymmetry max|H − Hᵀ| of the raw difference quotients.

    Central differences of the analytic gradient: the error is O(step²) from the third
    derivative plus O(ε/step) from rounding; the asymmetry measures both.
    """
    xp = array_api_compat.array_namespace(z)
    size = math.prod(z.shape)
    directions = xp.reshape(xp.eye(size, dtype=z.dtype), (size, *z.shape))
    columns = []
    for sign in (1.0, -1.0):
        u = z[None, ...] + sign * step * directions
        result = contrastive(normalise(u), tau, loss=loss)
        columns.append(project_gradient(result.grad, u))
    difference = xp.reshape((columns[0] - columns[1]) / (2 * step), (size, size))
    matrix = to_numpy(difference)
    return 0.5 * (matrix + matrix.T), float(np.max(np.abs(matrix - matrix.T)))


@dataclass(frozen=True)
class EncoderConfig:
    """Set-up of our toy encoder experiments [OURS] for the small-batch and temperature claims of
    [yeh2022, abstract] and [wang2021, Table 1] (defaults: our toy)."""

    batch: int = 8
    steps: int = 100
    record_every: int = 25
    out_dim: int = 16
    optimiser: str = "sgd"
    init_scale: float = 0.1
    eval_instances: int = 400

    def __post_init__(self) -> None:
        if self.optimiser not in OPTIMISERS:
            raise ValueError(f"unknown optimiser {self.optimiser!r}; choose one of {OPTIMISERS}")
        if self.batch < 2:
            raise ValueError("a contrastive batch needs at least 2 instances")
        if min(self.steps, self.record_every, self.out_dim, self.eval_instances) < 1:
            raise ValueError("steps, record_every, out_dim and eval_instances must be >= 1")


@dataclass
class EncoderRun:
    """Metrics of :func:`train_linear_encoders`: ``content`` has shape (records, losses, taus,
    rates, seeds); the representation metrics, taken on a held-out evaluation set after the
    last step, have shape (losses, taus, rates, seeds); ``mean_q_b`` is per training step."""

    losses: list[str]
    taus: list[float]
    learning_rates: list[float]
    record_steps: list[int]
    content: np.ndarray
    accuracy: np.ndarray
    uniformity: np.ndarray
    tolerance: np.ndarray
    mean_q_b: np.ndarray
    seeds: list[dict[str, Any]] = field(default_factory=list)

    def as_result(self) -> dict[str, np.ndarray]:
        """The metric arrays as a :data:`simulations.sweeps.Result` (the grid axes and seeds
        are the cell's: see :meth:`from_result`)."""
        return {
            "record_steps": np.asarray(self.record_steps, dtype=np.int64),
            **{key: np.asarray(getattr(self, key)) for key in _METRICS},
        }

    @classmethod
    def from_result(
        cls, result: dict[str, Any], grid: EncoderGrid, seed: np.random.SeedSequence
    ) -> EncoderRun:
        """The run of :func:`encoders_task` on ``grid`` and ``seed``, from its result."""
        return cls(
            list(grid.losses),
            list(grid.taus),
            list(grid.learning_rates),
            [int(step) for step in result["record_steps"]],
            *(np.asarray(result[key]) for key in _METRICS),
            [_seed_record(s) for s in grid.run_seeds(seed)[1]],
        )


_METRICS = ("content", "accuracy", "uniformity", "tolerance", "mean_q_b")


def _seed_record(seed: np.random.SeedSequence) -> dict[str, Any]:
    return {"entropy": seed.entropy, "spawn_key": list(seed.spawn_key)}


@dataclass(frozen=True)
class EncoderGrid:
    """One sweep cell of :func:`train_linear_encoders` (:func:`encoders_task`): the backend by
    name (selected in the worker), the grid, the number of seeds and the
    :class:`EncoderConfig` fields. From the cell's seed s the data model comes from
    ``derive(s, 0)`` and seed k of the grid from ``derive(s, 1, k)``."""

    backend: str
    losses: tuple[str, ...]
    taus: tuple[float, ...]
    learning_rates: tuple[float, ...]
    seeds: int
    encoder: dict[str, Any]

    def __post_init__(self) -> None:
        check_resolved(self.backend)
        _check_grid(self.losses, self.taus, self.learning_rates, range(self.seeds))
        EncoderConfig(**self.encoder)

    @classmethod
    def of(cls, backend: Backend, losses, taus, learning_rates, seeds: int, config: EncoderConfig):
        return cls(
            backend.name,
            tuple(losses),
            tuple(float(t) for t in taus),
            tuple(float(r) for r in learning_rates),
            int(seeds),
            dataclasses.asdict(config),
        )

    def run_seeds(
        self, seed: np.random.SeedSequence
    ) -> tuple[np.random.SeedSequence, list[np.random.SeedSequence]]:
        """The data-model seed and the per-run seeds of this cell under ``seed``."""
        return derive(seed, 0), [derive(seed, 1, k) for k in range(self.seeds)]


def encoders_task(grid: EncoderGrid, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """The sweep task of :func:`train_linear_encoders` (:meth:`EncoderRun.as_result`)."""
    model_seed, seeds = grid.run_seeds(seed)
    run = train_linear_encoders(
        select(grid.backend),
        model_seed,
        seeds,
        list(grid.losses),
        list(grid.taus),
        list(grid.learning_rates),
        EncoderConfig(**grid.encoder),
    )
    return run.as_result()


def _check_grid(losses, taus, learning_rates, seeds) -> None:
    """A grid of :func:`train_linear_encoders`: non-empty, with every τ and rate > 0."""
    if not (losses and taus and learning_rates and seeds):
        raise ValueError("losses, taus, learning_rates and seeds must be non-empty")
    if min(taus) <= 0 or min(learning_rates) <= 0:
        raise ValueError("taus and learning rates must be > 0")


def train_linear_encoders(
    backend: Backend,
    model_seed: np.random.SeedSequence,
    seeds: list[np.random.SeedSequence],
    losses: list[str],
    taus: list[float],
    learning_rates: list[float],
    config: EncoderConfig,
) -> EncoderRun:
    """Train z = normalise(W x) for every (loss, τ, learning rate, seed) of the grid.

    The data model comes from ``model_seed`` (shared by every run); seed s fixes its initial W,
    its mini-batches and its evaluation set. The content share of ‖W‖² is recorded every
    ``record_every`` steps; after the last step the evaluation set gives the nearest-class-mean
    accuracy, −L_uniformity (t = 2) and the tolerance (mean same-class cosine).
    """
    _check_grid(losses, taus, learning_rates, seeds)
    xp = backend.xp
    model = embeddings.latent_class_model(backend.rng(model_seed))
    grid = (len(taus), len(learning_rates), len(seeds))
    streams = [backend.rng(derive(s, 1)) for s in seeds]
    initial = xp.stack(
        [
            config.init_scale * backend.rng(derive(s, 0)).normal((config.out_dim, model.dim))
            for s in seeds
        ]
    )
    weights = {name: xp.broadcast_to(initial, (*grid, *initial.shape[1:])) for name in losses}
    moments = {name: (xp.zeros_like(w), xp.zeros_like(w)) for name, w in weights.items()}
    tau = xp.broadcast_to(xp.asarray(np.asarray(taus, dtype=float)[:, None, None]), grid)
    rates = xp.asarray(np.asarray(learning_rates, dtype=float)[:, None, None, None])
    evaluation = _evaluation_set(model, [backend.rng(derive(s, 2)) for s in seeds], config, xp)
    records, content, q_b = [], [], []
    for step in range(config.steps + 1):
        if step % config.record_every == 0 or step == config.steps:
            records.append(step)
            content.append(
                np.stack(
                    [to_numpy(embeddings.content_fraction(weights[k], model, xp)) for k in losses]
                )
            )
        if step == config.steps:
            break
        contents = [embeddings.sample_instances(model, rng, (config.batch,))[1] for rng in streams]
        x = xp.stack([embeddings.observe(model, rng, h) for rng, h in zip(streams, contents)])
        x = xp.reshape(x, (len(seeds), 2 * config.batch, model.dim))  # (seeds, 2N, dim)
        step_q = []
        for name in losses:
            w = weights[name]
            u = xp.matmul(x, xp.matrix_transpose(w))  # (taus, rates, seeds, 2N, out)
            u = xp.reshape(u, (*grid, 2, config.batch, config.out_dim))
            result = contrastive(normalise(u), tau, loss=name)
            grad_u = xp.reshape(project_gradient(result.grad, u), (*grid, -1, config.out_dim))
            grad_w = xp.matmul(xp.matrix_transpose(grad_u), x)
            weights[name], moments[name] = _update(w, grad_w, rates, moments[name], step, config)
            step_q.append(xp.mean(result.q_b, axis=(-2, -1)))
        q_b.append(to_numpy(xp.stack(step_q)))
    final = [_evaluate(weights[name], evaluation, xp) for name in losses]
    return EncoderRun(
        list(losses),
        list(taus),
        list(learning_rates),
        records,
        np.asarray(content),
        *(np.stack([f[key] for f in final]) for key in ("accuracy", "uniformity", "tolerance")),
        np.asarray(q_b),
        [_seed_record(s) for s in seeds],
    )


def _update(w, grad, rates, moments, step, config: EncoderConfig):
    if config.optimiser == "sgd":
        return w - rates * grad, moments
    first, second = moments
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    first = beta1 * first + (1 - beta1) * grad
    second = beta2 * second + (1 - beta2) * grad * grad
    correction = math.sqrt(1 - beta2 ** (step + 1)) / (1 - beta1 ** (step + 1))
    return w - rates * correction * first / (second**0.5 + eps), (first, second)


def _evaluation_set(model, streams: list[ArrayRandom], config: EncoderConfig, xp) -> dict:
    """Per seed, labelled reference and query views (one view each) of fresh instances."""
    parts = []
    for rng in streams:
        labels, h = embeddings.sample_instances(model, rng, (2, config.eval_instances))
        parts.append((labels, embeddings.observe(model, rng, h, views=1)[:, 0, ...]))
    labels = xp.stack([p[0] for p in parts])  # (seeds, 2, E)
    views = xp.stack([p[1] for p in parts])  # (seeds, 2, E, dim)
    classes = model.means.shape[0]
    onehot = xp.astype(labels[:, 0, :, None] == xp.arange(classes)[None, None, :], views.dtype)
    return {
        "reference": views[:, 0],
        "query": views[:, 1],
        "onehot": onehot,
        "labels": labels[:, 1],
    }


def _evaluate(weights: Any, evaluation: dict, xp: Any) -> dict[str, np.ndarray]:
    """Nearest-class-mean accuracy, −uniformity and tolerance per model."""
    transpose = xp.matrix_transpose(weights)
    reference = normalise(xp.matmul(evaluation["reference"], transpose))
    query = normalise(xp.matmul(evaluation["query"], transpose))
    means = xp.matmul(xp.matrix_transpose(evaluation["onehot"]), reference)
    norms = xp.linalg.vector_norm(means, axis=-1, keepdims=True)
    means = means / xp.maximum(norms, xp.asarray(1e-30, dtype=means.dtype))  # empty class: 0
    predicted = xp.argmax(xp.matmul(query, xp.matrix_transpose(means)), axis=-1)
    correct = xp.astype(predicted == evaluation["labels"], query.dtype)
    return {
        "accuracy": to_numpy(xp.mean(correct, axis=-1)),
        "uniformity": to_numpy(-embeddings.uniformity(query, xp)),
        "tolerance": to_numpy(embeddings.tolerance(query, evaluation["labels"], xp)),
    }
