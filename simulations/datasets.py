"""Binary classification tasks for the EnsLoss experiments (labels ±1, features standardised).

* :func:`logistic_design`: X ~ N(0, I_d), P(Y = 1 | x) = σ(x·β); the 0-1 risk of any linear
  rule and the Bayes risk are exact up to Gauss-Hermite quadrature (:func:`linear_rule_risk`).
* :func:`random_features_task`: p random ReLU features of a d-dimensional Gaussian input with
  logistic labels perturbed by a sine, n ≪ p (every loss interpolates the training set).
* :func:`offline_stand_ins`: scikit-learn's bundled breast_cancer, pairs of digits classes and
  a p ≫ n ``make_classification`` task, split 70/30 and standardised like the repo's loader
  (stand-ins for the paper's OpenML/CIFAR2 benchmarks, which need a network).

Every draw comes from the ``ArrayRandom`` passed in; data end up on the backend's device once.
Arguments are checked on entry (integer sizes, finite vectors); a bad one raises ValueError, or
TypeError for a non-number, naming it.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from simulations.backend import ArrayRandom, Backend, to_numpy
from theory.validation import check_parameter

_FALL = 40.0
"""σ(-40) ≈ 4e-18: the sigmoid factor of the risk integrals is flat to rounding beyond
|t| = 40/|β|, so the integration range is split at ±40/|β| and 0 when that is inside |t| < 1."""


def _sigmoid(u: float) -> float:
    return 0.5 * (1 + math.tanh(u / 2))


def _sigmoid_array(u: Any, xp: Any) -> Any:
    """σ(u) as 1/(1 + e^{-u}) wherever e^{-u} is finite, and as e^u further left, where both
    agree to rounding (relative gap e^u < 1e-307 in float64): no exponential overflows."""
    edge = 1 - math.log(float(xp.finfo(u.dtype).max))
    return xp.where(u < edge, xp.exp(xp.minimum(u, edge)), 1 / (1 + xp.exp(-xp.maximum(u, edge))))


def _finite_vector(name: str, value: Any) -> np.ndarray:
    """``value`` on the host, refused unless it is a non-empty, finite 1-D vector."""
    vector = np.asarray(to_numpy(value))
    if vector.ndim != 1 or vector.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D vector, got shape {vector.shape}")
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return vector


def logistic_design(rng: ArrayRandom, n: int, beta: np.ndarray, dtype: str = "float64") -> dict:
    """n >= 1 draws of the well-specified logistic model (labels ±1), β a finite vector.

    P(Y = 1 | x) is computed without overflow for any margin x·β.
    """
    n = check_parameter("n", n, low=1, integer=True)
    beta = _finite_vector("beta", beta)
    xp = rng.xp
    x = rng.normal((n, beta.size), dtype)
    eta = _sigmoid_array(x @ xp.asarray(beta, dtype=x.dtype), xp)
    y = 2 * xp.astype(rng.uniform((n,), dtype) < eta, x.dtype) - 1
    return {"x_train": x, "y_train": y}


def linear_rule_risk(w: np.ndarray, b: float, beta: np.ndarray) -> float:
    r"""0-1 risk of sign(w·x + b) under :func:`logistic_design`, by adaptive quadrature.

    With t = β·x/|β| ~ N(0, 1) and v = w·x + b | t ~ N(b + ρ|w| t, |w|²(1 - ρ²)),
    :math:`R = \tfrac12 + E[(1 - 2\sigma(|\beta| t))\,P(v \ge 0 \mid t)]`; the integral is
    split where P(v ≥ 0 | t) crosses 1/2, so a near-step integrand is integrated accurately,
    and for |β| > 40 also where the sigmoid factor falls (see :func:`bayes_risk`).
    ``w`` and ``beta`` are finite vectors of one length (β = 0 gives 1/2), ``b`` finite.
    """
    from scipy import integrate
    from scipy.special import ndtr

    w, beta = _finite_vector("w", w), _finite_vector("beta", beta)
    if w.size != beta.size:
        raise ValueError(f"w and beta must have one length, got {w.size} and {beta.size}")
    if not math.isfinite(b):
        raise ValueError(f"b must be finite, got {b}")
    beta_norm, w_norm = float(np.linalg.norm(beta)), float(np.linalg.norm(w))
    rho = 0.0 if w_norm == 0 or beta_norm == 0 else float(w @ beta) / (beta_norm * w_norm)
    slope, spread = rho * w_norm, w_norm * math.sqrt(max(1 - rho * rho, 0.0))

    def positive(t: float) -> float:
        mean = b + slope * t
        if spread < 1e-300:
            return 1.0 if mean >= 0 else 0.0
        return float(ndtr(mean / spread))

    def integrand(t: float) -> float:
        return (
            math.exp(-t * t / 2)
            / math.sqrt(2 * math.pi)
            * (1 - 2 * _sigmoid(beta_norm * t))
            * positive(t)
        )

    edges = {-b / slope if slope != 0 else 0.0}
    if beta_norm > _FALL:
        edges |= {-_FALL / beta_norm, 0.0, _FALL / beta_norm}
    total = sum(
        integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        for lo, hi in itertools.pairwise((-np.inf, *sorted(edges), np.inf))
    )
    return 0.5 + total


def bayes_risk(beta: np.ndarray) -> float:
    """E[min(σ(u), 1 - σ(u))], u = β·x ~ N(0, |β|²), for a finite vector β.

    σ(-|β||t|) falls from 1/2 to e^-40 by |t| = 40/|β|; quad maps a half-line to a finite range
    and can miss a fall much narrower than the unit scale of the Gaussian, so for |β| > 40 each
    half-line is split there (:data:`_FALL`).
    """
    from scipy import integrate

    beta_norm = float(np.linalg.norm(_finite_vector("beta", beta)))
    integrand = lambda t: (
        math.exp(-t * t / 2) / math.sqrt(2 * math.pi) * _sigmoid(-beta_norm * abs(t))
    )
    edges = (
        (-np.inf, -_FALL / beta_norm, 0.0, _FALL / beta_norm, np.inf)
        if beta_norm > _FALL
        else (-np.inf, 0.0, np.inf)
    )
    return sum(
        integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-12)[0]
        for lo, hi in itertools.pairwise(edges)
    )


def random_features_task(
    rng: ArrayRandom,
    n_train: int,
    n_test: int,
    *,
    dim: int = 30,
    features: int = 3000,
    dtype: str = "float64",
) -> dict:
    """ReLU(x W / √d) features, p ≫ n, labels from σ(3(x·β + ½ sin(3 x·γ))); sizes >= 1."""
    n_train = check_parameter("n_train", n_train, low=1, integer=True)
    n_test = check_parameter("n_test", n_test, low=1, integer=True)
    dim = check_parameter("dim", dim, low=1, integer=True)
    features = check_parameter("features", features, low=1, integer=True)
    xp = rng.xp
    directions = rng.normal((2, dim), dtype)
    directions = directions / xp.sqrt(xp.sum(directions**2, axis=1, keepdims=True))
    projection = rng.normal((dim, features), dtype) / math.sqrt(dim)
    x = rng.normal((n_train + n_test, dim), dtype)
    score = 3 * (x @ directions[0, :] + 0.5 * xp.sin(3 * (x @ directions[1, :])))
    positive = rng.uniform((n_train + n_test,), dtype) < 1 / (1 + xp.exp(-score))
    y = 2 * xp.astype(positive, x.dtype) - 1
    phi = xp.maximum(x @ projection, 0.0)
    mean = xp.mean(phi[:n_train, :], axis=0)
    scale = xp.std(phi[:n_train, :], axis=0) + 1e-12
    phi = (phi - mean) / scale
    return {
        "x_train": phi[:n_train, :],
        "y_train": y[:n_train],
        "x_test": phi[n_train:, :],
        "y_test": y[n_train:],
    }


def _split(x: np.ndarray, y01: np.ndarray, seed: int, backend: Backend, dtype: str) -> dict:
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x_train, x_test, y_train, y_test = train_test_split(
        x, y01, test_size=0.3, random_state=seed, stratify=y01
    )
    scaler = StandardScaler().fit(x_train)
    xp = backend.xp
    as_array = lambda a: xp.asarray(np.asarray(a, dtype=dtype))
    return {
        "x_train": as_array(scaler.transform(x_train)),
        "y_train": as_array(2 * y_train - 1),
        "x_test": as_array(scaler.transform(x_test)),
        "y_test": as_array(2 * y_test - 1),
    }


def offline_stand_ins(
    backend: Backend,
    seed: int,
    *,
    digit_pairs: int,
    features: int = 2000,
    dtype: str = "float64",
) -> dict[str, dict]:
    """breast_cancer, ``digit_pairs`` of the 45 digits class pairs (evenly spaced in the list
    (0, 1), (0, 2), ..., (8, 9); all 45 when asked), and a p ≫ n task
    (600 samples, ``features`` features, 40 informative, 5% label noise).

    ``seed`` fixes the 70/30 splits and the generated task (an integer in [0, 2**32), as
    scikit-learn asks); ``digit_pairs`` lies in [0, 45], ``features`` >= 60 (the informative
    and redundant ones), ``dtype`` is float32 or float64.
    """
    from sklearn.datasets import load_breast_cancer, load_digits, make_classification

    seed = check_parameter("seed", seed, integer=True)
    if seed >= 2**32:
        raise ValueError(f"seed must be < 2**32 (scikit-learn's random_state), got {seed}")
    digit_pairs = check_parameter("digit_pairs", digit_pairs, integer=True)
    if digit_pairs > 45:
        raise ValueError(
            f"digit_pairs must be at most 45 (the digit class pairs), got {digit_pairs}"
        )
    features = check_parameter("features", features, low=60, integer=True)
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    tasks = {}
    cancer = load_breast_cancer()
    tasks["breast_cancer"] = _split(cancer.data, cancer.target, seed, backend, dtype)
    digits = load_digits()
    every = [(a, b) for a in range(10) for b in range(a + 1, 10)]
    pairs = [every[k * len(every) // digit_pairs] for k in range(digit_pairs)]
    for a, b in pairs:
        keep = (digits.target == a) | (digits.target == b)
        x, y01 = digits.data[keep], (digits.target[keep] == b).astype(int)
        tasks[f"digits_{a}v{b}"] = _split(x, y01, seed, backend, dtype)
    x, y01 = make_classification(
        n_samples=600,
        n_features=features,
        n_informative=40,
        n_redundant=20,
        flip_y=0.05,
        random_state=seed,
    )
    tasks["p>>n"] = _split(x, y01, seed, backend, dtype)
    return tasks
