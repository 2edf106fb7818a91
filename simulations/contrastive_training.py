r"""Gradient-based experiments driven by the contrastive kernel (:mod:`simulations.contrastive`).

:func:`particle_descent` runs projected gradient descent on free unit vectors (2 views × N
instances): where do InfoNCE and DCL go, and at what loss value? The step moves along the
tangent space of the sphere, :math:`u \leftarrow \mathrm{normalise}(u - \eta (I - uu^\top) g)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulations.backend import ArrayRandom, to_numpy
from simulations.contrastive import contrastive, normalise, project_gradient


@dataclass
class ParticleRun:
    """Mean-loss trace ``(steps + 1,)`` and the final configuration ``(2, N, d)``."""

    losses: np.ndarray
    z: np.ndarray

    def positive_cosines(self) -> np.ndarray:
        return np.sum(self.z[0] * self.z[1], axis=-1)

    def instance_cosines(self) -> np.ndarray:
        """Cosines between the view-0 vectors of different instances."""
        gram = self.z[0] @ self.z[0].T
        return gram[~np.eye(gram.shape[0], dtype=bool)]


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
    """Projected gradient descent of the mean ``loss`` from a uniformly random start."""
    if steps < 1 or learning_rate <= 0:
        raise ValueError("need steps >= 1 and learning_rate > 0")
    xp = rng.xp
    z = normalise(rng.normal((2, n, d), dtype))
    trace = []
    for _ in range(steps):
        result = contrastive(z, tau, loss=loss)
        trace.append(result.mean())
        z = normalise(z - learning_rate * project_gradient(result.grad, z))
    trace.append(contrastive(z, tau, loss=loss, gradient=False).mean())
    return ParticleRun(to_numpy(xp.stack(trace)), to_numpy(z))
