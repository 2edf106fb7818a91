r"""Embedding laws and representation metrics for the contrastive-loss experiments.

* :func:`paired_views`: N instance centres uniform on the sphere S^{d-1}, two views per instance
  drawn around the centre (a projected-Gaussian, vMF-style law) with a chosen mean positive
  cosine. Used for the distribution of the NPC multiplier q_B against N, d and τ.
* :class:`LatentClassModel`: our toy data model [OURS] for the small-batch claims of
  [yeh2022, abstract] —
  K latent classes, content h = μ_c + 0.6 ε in ``content`` dimensions, nuisance dimensions
  resampled per view (sd 1.5), both views adding noise of sd 0.15 to h, mixed by a random
  orthogonal matrix. A linear encoder learns "the right thing" when its rows lie in the content
  subspace (:func:`content_fraction`).
* Metrics of Wang & Isola (2020) as their code defines them: :func:`alignment`
  (mean ‖z⁽¹⁾ − z⁽²⁾‖^α over positive pairs), :func:`uniformity`
  (log of the mean over distinct pairs i < j of exp(−t‖z_i − z_j‖²)); Wang & Liu's (2021)
  :func:`tolerance` as the mean cosine over distinct *same-class* pairs (the conditional mean,
  the only reading consistent with the values of [wang2021, Table 1], our reading [OURS]); and
  :func:`uniformity_bound`, the Jensen bound on the sample uniformity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulations.backend import ArrayRandom, to_numpy
from simulations.contrastive import normalise
from theory.validation import check_parameter


def paired_views(
    rng: ArrayRandom, n: int, d: int, positive_cosine: float = 0.4, dtype: str = "float64"
) -> Any:
    r"""Two views ``(2, n, d)`` of n instances, unit rows.

    View = normalise(c + σ g) with c uniform on S^{d−1} and g ~ N(0, I_d); two independent
    views of one centre have cosine ≈ 1/(1 + σ² d) for large d, so σ = √((1/ρ − 1)/d) gives
    a mean positive cosine ≈ ρ = ``positive_cosine``.
    """
    if n < 2 or d < 2:
        raise ValueError(f"need n >= 2 instances and d >= 2 dimensions, got n={n}, d={d}")
    if not 0 < positive_cosine < 1:
        raise ValueError(f"positive_cosine must lie in (0, 1), got {positive_cosine}")
    sigma = math.sqrt((1 / positive_cosine - 1) / d)
    centres = normalise(rng.normal((1, n, d), dtype))
    return normalise(centres + sigma * rng.normal((2, n, d), dtype))


@dataclass(frozen=True)
class LatentClassModel:
    """Class means ``(classes, content)`` and an orthogonal mixing matrix ``(dim, dim)``."""

    means: Any
    mixing: Any
    dtype: str = "float64"
    content_noise: float = 0.6
    nuisance_sd: float = 1.5
    view_noise: float = 0.15

    @property
    def content(self) -> int:
        return self.means.shape[1]

    @property
    def dim(self) -> int:
        return self.mixing.shape[0]


def latent_class_model(
    rng: ArrayRandom, classes: int = 10, content: int = 8, nuisance: int = 24, dtype="float64"
) -> LatentClassModel:
    """Class means N(0, I) in the content space; mixing = Q of a Gaussian matrix (QR)."""
    if classes < 2 or content < 1 or nuisance < 0:
        raise ValueError("need classes >= 2, content >= 1 and nuisance >= 0")
    xp = rng.xp
    dim = content + nuisance
    q, r = np.linalg.qr(to_numpy(rng.normal((dim, dim), "float64")))
    mixing = q * np.sign(np.diag(r))
    return LatentClassModel(
        rng.normal((classes, content), dtype), xp.asarray(mixing, dtype=getattr(xp, dtype)), dtype
    )


def sample_instances(
    model: LatentClassModel, rng: ArrayRandom, shape: tuple[int, ...]
) -> tuple[Any, Any]:
    """Labels (integers) and contents h = μ_label + 0.6 ε for instances of the given shape."""
    xp = rng.xp
    classes = model.means.shape[0]
    labels = xp.astype(xp.floor(rng.uniform(shape, "float64") * classes), xp.int64)
    labels = xp.minimum(labels, classes - 1)
    means = xp.take(model.means, xp.reshape(labels, (-1,)), axis=0)
    noise = rng.normal((*shape, model.content), model.dtype)
    return labels, xp.reshape(means, (*shape, model.content)) + model.content_noise * noise


def observe(model: LatentClassModel, rng: ArrayRandom, h: Any, views: int = 2) -> Any:
    """Views ``(..., views, n, dim)`` of contents h ``(..., n, content)``: fresh nuisance per view."""
    xp = rng.xp
    dtype = model.dtype
    h = xp.stack([h] * views, axis=-3)
    content = h + model.view_noise * rng.normal(h.shape, dtype)
    nuisance = model.nuisance_sd * rng.normal((*h.shape[:-1], model.dim - model.content), dtype)
    return xp.matmul(xp.concat([content, nuisance], axis=-1), xp.permute_dims(model.mixing, (1, 0)))


def content_fraction(weights: Any, model: LatentClassModel, xp: Any) -> Any:
    """Share of ‖W‖²_F in the content subspace, per model: W ``(..., out, dim)`` acts on x."""
    basis = model.mixing[:, : model.content]
    inside = xp.matmul(weights, basis)
    total = xp.sum(weights * weights, axis=(-2, -1))
    return xp.sum(inside * inside, axis=(-2, -1)) / total


def alignment(z: Any, xp: Any, alpha: float = 2.0) -> Any:
    """Mean ‖z⁽¹⁾_i − z⁽²⁾_i‖^α over positive pairs; z ``(..., 2, n, d)``, α > 0."""
    _check_rows(z, xp, views=True)
    _check_positive("alpha", alpha)
    gap = z[..., 0, :, :] - z[..., 1, :, :]
    return xp.mean(xp.sum(gap * gap, axis=-1) ** (alpha / 2), axis=-1)


def _check_rows(z: Any, xp: Any, *, views: bool = False) -> None:
    """Embeddings with at least two finite rows ``(..., n, d)`` (``(..., 2, n, d)`` for views)."""
    if views and (z.ndim < 3 or z.shape[-3] != 2):
        raise ValueError(f"z must have shape (..., 2, n, d) (two views), got {z.shape}")
    if z.ndim < 2 or z.shape[-2] < 2:
        raise ValueError(f"z must have at least two rows (..., n >= 2, d), got shape {z.shape}")
    if not bool(xp.all(xp.isfinite(z))):
        raise ValueError("z has non-finite entries")


def _check_positive(name: str, value: float) -> None:
    if check_parameter(name, value) == 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def _distinct_pairs(n: int, xp: Any) -> Any:
    index = xp.arange(n)
    return index[:, None] < index[None, :]


def uniformity(z: Any, xp: Any, t: float = 2.0) -> Any:
    r"""log mean_{i<j} exp(−t‖z_i − z_j‖²) over the rows of z ``(..., n, d)`` (log-sum-exp),
    t > 0."""
    _check_rows(z, xp)
    _check_positive("t", t)
    n = z.shape[-2]
    squared = xp.maximum(
        2.0 - 2.0 * xp.matmul(z, xp.permute_dims(z, (*range(z.ndim - 2), -1, -2))), 0.0
    )
    exponent = xp.where(_distinct_pairs(n, xp), -t * squared, -xp.inf)
    top = xp.max(exponent, axis=(-2, -1), keepdims=True)
    total = xp.sum(xp.exp(exponent - top), axis=(-2, -1))
    return xp.log(total) + top[..., 0, 0] - math.log(n * (n - 1) / 2)


def uniformity_bound(z: Any, xp: Any, t: float = 2.0) -> Any:
    r"""Jensen: −uniformity ≤ 2t (1 − (n‖z̄‖² − 1)/(n − 1)) ≤ 2t n/(n − 1) for unit rows.

    The mean squared distance over distinct pairs is 2 − 2(n‖z̄‖² − 1)/(n − 1), and
    log E e^{−tD} ≥ −t E D (Jensen, [ours]).
    """
    _check_rows(z, xp)
    _check_positive("t", t)
    n = z.shape[-2]
    centre = xp.mean(z, axis=-2)
    return 2 * t * (1 - (n * xp.sum(centre * centre, axis=-1) - 1) / (n - 1))


def tolerance(z: Any, labels: Any, xp: Any) -> Any:
    """Mean cosine over distinct same-class pairs of the rows of z ``(..., n, d)``; ``labels``
    ``(..., n)`` broadcasting against z's batch axes."""
    _check_rows(z, xp)
    if labels.ndim < 1 or labels.shape[-1] != z.shape[-2]:
        raise ValueError(f"labels need one per row of z ({z.shape[-2]}) last, got {labels.shape}")
    n = z.shape[-2]
    same = (labels[..., :, None] == labels[..., None, :]) & _distinct_pairs(n, xp)
    cosines = xp.matmul(z, xp.permute_dims(z, (*range(z.ndim - 2), -1, -2)))
    weight = xp.astype(same, z.dtype)
    return xp.sum(cosines * weight, axis=(-2, -1)) / xp.sum(weight, axis=(-2, -1))
