r"""Comp-sum losses on a restricted hypothesis set: linear scores on a Gaussian mixture.

Used to check the bound with minimizability gaps at training iterates [mao2023, main theorem;
reconstructed, body not read] and that the gap is non-increasing in τ for deterministic labels
[mao2023, minimizability gaps; reconstructed, our proof [OURS]: each
:math:`\Phi^\tau(u_h) - \Phi^\tau(u_0) = \int_{u_0}^{u_h}(1+v)^{-\tau}dv` decreases in τ].
Conditional probabilities of the mixture are exact, so every risk is an average of exact
conditional risks over a sample of X (no label noise in the estimates).

Hypotheses: :math:`h(x, y) = w_y \cdot x + b_y` with :math:`\|w_y\| \le W` and either free
biases (the set is then symmetric and complete, the assumption of the comp-sum theorem) or
:math:`|b_y| \le B` (scores at x fill the box :math:`[-\Lambda(x), \Lambda(x)]^n`,
:math:`\Lambda(x) = W\|x\| + B`). K models, one τ each, are trained at once by projected
gradient descent with a per-model backtracking step.

Inputs are checked on entry: x finite (m, d), p rows on the simplex (m, n), τ >= 0, bounds
>= 0, integer counts; a bad one raises ValueError (TypeError for a non-number) naming it.
The risks and gradients are computed from log-softmax scores, so they stay free of NaN at any
margin; for τ < 1 a loss term beyond the float range is +inf, and its gradient weight is capped
at e^700.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulations.backend import ArrayRandom, check_resolved, namespace, select, to_numpy
from theory import comp_sum
from theory.validation import check_parameter, check_probabilities


@dataclass(frozen=True)
class GaussianMixture:
    """Classes y = 0..n-1 with prior π_y and X | y ~ N(μ_y, Σ_y): finite means (n, d), symmetric
    positive definite covariances (n, d, d), positive priors summing to 1."""

    means: tuple[tuple[float, ...], ...]
    covariances: tuple[tuple[tuple[float, ...], ...], ...]
    priors: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.priors)
        if len(self.means) != n or len(self.covariances) != n:
            raise ValueError("means, covariances and priors must describe the same classes")
        if not math.isclose(sum(self.priors), 1.0, rel_tol=1e-12) or min(self.priors) <= 0:
            raise ValueError("priors must be positive and sum to 1")
        means, covariances = np.asarray(self.means, float), np.asarray(self.covariances, float)
        d = means.shape[-1]
        if means.ndim != 2 or covariances.shape != (n, d, d):
            raise ValueError(
                f"means must be (classes, d) and covariances (classes, d, d), got shapes "
                f"{means.shape} and {covariances.shape}"
            )
        if not (np.all(np.isfinite(means)) and np.all(np.isfinite(covariances))):
            raise ValueError("means and covariances must be finite")
        if not np.array_equal(covariances, np.swapaxes(covariances, 1, 2)):
            raise ValueError("covariances must be symmetric")
        try:
            np.linalg.cholesky(covariances)
        except np.linalg.LinAlgError as error:
            raise ValueError("covariances must be positive definite") from error

    @property
    def n_classes(self) -> int:
        return len(self.priors)

    def sample(self, rng: ArrayRandom, size: int, dtype: str = "float64") -> Any:
        """``size`` >= 1 draws of X (labels drawn and discarded: risks use the exact
        conditionals)."""
        size = check_parameter("size", size, low=1, integer=True)
        xp = rng.xp
        cumulative = xp.asarray(np.cumsum(self.priors)[:-1], dtype=getattr(xp, dtype))
        labels = xp.sum(xp.astype(rng.uniform((size, 1), dtype) >= cumulative, xp.int64), axis=1)
        factors = xp.asarray(
            np.linalg.cholesky(np.asarray(self.covariances)), dtype=getattr(xp, dtype)
        )
        means = xp.asarray(np.asarray(self.means), dtype=getattr(xp, dtype))
        noise = rng.normal((size, len(self.means[0])), dtype)
        chosen = xp.take(factors, labels, axis=0)
        return xp.take(means, labels, axis=0) + xp.sum(chosen * noise[:, None, :], axis=-1)

    def conditional(self, x: Any, xp: Any) -> Any:
        """Exact p(y | x) for finite rows of ``x`` (m, d) (log-domain, stable)."""
        _check_points(x, xp, len(self.means[0]))
        covariances = np.asarray(self.covariances)
        precision = xp.asarray(np.linalg.inv(covariances), dtype=x.dtype)
        offset = np.log(self.priors) - 0.5 * np.linalg.slogdet(covariances)[1]
        centred = x[:, None, :] - xp.asarray(np.asarray(self.means), dtype=x.dtype)[None, :, :]
        quadratic = xp.sum(
            xp.sum(centred[..., None] * precision[None, ...], axis=-2) * centred, axis=-1
        )
        log_joint = xp.asarray(offset, dtype=x.dtype) - 0.5 * quadratic
        return xp.exp(comp_sum.log_softmax(log_joint, xp))


RING_MIXTURE = GaussianMixture(
    means=((0.0, 0.0), (0.0, 0.0), (2.5, 0.0)),
    covariances=(
        ((0.25, 0.0), (0.0, 0.25)),
        ((2.25, 0.0), (0.0, 2.25)),
        ((0.49, 0.0), (0.0, 0.49)),
    ),
    priors=(1 / 3, 1 / 3, 1 / 3),
)
"""Three classes in the plane: a tight blob, a wide class around it and a blob to the side.
The Bayes rule is quadratic (the wide class wins far out in every direction), so no linear
rule attains the Bayes risk and the minimizability gaps are strictly positive."""


@dataclass
class LinearRun:
    """Per-iteration records of K linear models, model k trained with ``taus[k]``.

    ``surrogate`` and ``zero_one`` are the risks :math:`R_\\tau(h)`, :math:`R_{0-1}(h)`;
    ``regret_tau`` and ``regret_zero_one`` the means of the conditional regrets against the
    complete class, :math:`E[\\Delta\\mathcal C_\\tau(h, X)]` and
    :math:`E[\\Delta\\mathcal C_{0-1}(h, X)]`, each of shape (iterations + 1, K).
    """

    taus: list[float]
    surrogate: np.ndarray
    zero_one: np.ndarray
    regret_tau: np.ndarray
    regret_zero_one: np.ndarray
    step: np.ndarray
    weights: Any
    biases: Any

    def as_result(self) -> dict[str, np.ndarray]:
        """This run as a :data:`simulations.sweeps.Result` (weights and biases on the host)."""
        records = ("surrogate", "zero_one", "regret_tau", "regret_zero_one", "step")
        return {
            "taus": np.asarray(self.taus, dtype=np.float64),
            **{name: getattr(self, name) for name in records},
            "weights": to_numpy(self.weights),
            "biases": to_numpy(self.biases),
        }

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> LinearRun:
        """The inverse of :meth:`as_result` (weights and biases stay numpy arrays)."""
        fields = {name: result[name] for name in cls.__dataclass_fields__ if name != "taus"}
        return cls(result["taus"].tolist(), **fields)


def _check_points(x: Any, xp: Any, dim: int | None = None) -> None:
    """x a finite real floating (m, d) array, d = ``dim`` if given."""
    if x.ndim != 2 or x.shape[1] != (dim or x.shape[1]) or not xp.isdtype(x.dtype, "real floating"):
        raise ValueError(
            f"x must be a real floating array of shape (m, {dim or 'd'}), got {x.shape}"
        )
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError("x must be finite (no NaN or inf)")


def _check_sample(x: Any, p: Any, xp: Any) -> None:
    """x (m, d) finite and p (m, n) conditional probabilities of its rows."""
    _check_points(x, xp)
    check_probabilities(p, xp)
    if p.ndim != 2 or p.shape[0] != x.shape[0]:
        raise ValueError(f"p must have one row per row of x ({x.shape[0]}), got {p.shape}")


def _check_bound(name: str, value: float) -> float:
    """A bound >= 0; math.inf is allowed (no bound)."""
    return value if value == math.inf else check_parameter(name, value)


def _scores(x, weights, biases, xp):
    return xp.matmul(x[None, :, :], xp.permute_dims(weights, (0, 2, 1))) + biases[:, None, :]


def _risk_and_gradient(x, p, weights, biases, taus, xp):
    """Surrogate risks of K models and their gradients in (weights, biases)."""
    scores = _scores(x, weights, biases, xp)
    log_s = comp_sum.log_softmax(scores, xp)
    risk = xp.mean(comp_sum.risk_from_log_softmax(p[None, ...], log_s, taus, xp), axis=-1)
    # dΨ_τ(S_y)/dz_k = -S_y^(τ-1)(δ_yk - S_k), so dC/dz = -g + S Σ_y g_y with g = p S^(τ-1)
    weight = p[None, ...] * xp.exp(xp.minimum((taus - 1) * log_s, 700.0))
    slope = -weight + xp.exp(log_s) * xp.sum(weight, axis=-1, keepdims=True)
    m = x.shape[0]
    grad_w = xp.matmul(xp.permute_dims(slope, (0, 2, 1)), x[None, ...]) / m
    return risk, scores, grad_w, xp.mean(slope, axis=1)


def _project(weights, biases, weight_bound, bias_bound, xp):
    norms = xp.sqrt(xp.sum(weights * weights, axis=-1, keepdims=True))
    weights = weights * xp.minimum(1.0, weight_bound / xp.maximum(norms, 1e-300))
    if math.isfinite(bias_bound):
        biases = xp.clip(biases, -bias_bound, bias_bound)
    return weights, biases


def train_linear(
    x: Any,
    p: Any,
    taus: list[float],
    *,
    weight_bound: float,
    bias_bound: float = math.inf,
    iterations: int,
) -> LinearRun:
    """Projected gradient descent for K = len(taus) models at once, from zero scores.

    Each model keeps its own step η: a step is accepted when it satisfies the Armijo condition
    :math:`R(h') \\le R(h) - \\|h' - h\\|^2/(4\\eta)` (then η grows by 1.25), else rejected and
    η halves. Records every iterate (see :class:`LinearRun`). ``taus``: at least one τ >= 0;
    bounds >= 0 (inf: no bound), ``iterations`` an integer >= 0.
    """
    xp = namespace(x)
    _check_sample(x, p, xp)
    if not taus:
        raise ValueError("taus must hold at least one tau")
    for tau in taus:
        check_parameter("tau", tau)
    weight_bound = _check_bound("weight_bound", weight_bound)
    bias_bound = _check_bound("bias_bound", bias_bound)
    iterations = check_parameter("iterations", iterations, integer=True)
    k, n, d = len(taus), p.shape[-1], x.shape[-1]
    tau = xp.asarray(np.asarray(taus, dtype=float)[:, None, None], dtype=x.dtype)
    weights = xp.zeros((k, n, d), dtype=x.dtype)
    biases = xp.zeros((k, n), dtype=x.dtype)
    step = xp.ones(k, dtype=x.dtype)
    best = xp.stack([xp.mean(comp_sum.risk_min(p, t, xp)) for t in taus])
    records = {"surrogate": [], "zero_one": [], "regret_tau": [], "regret_zero_one": [], "step": []}
    risk, scores, grad_w, grad_b = _risk_and_gradient(x, p, weights, biases, tau, xp)
    for iteration in range(iterations + 1):
        predicted = xp.argmax(scores, axis=-1, keepdims=True)
        correct = xp.take_along_axis(
            xp.broadcast_to(p[None, ...], scores.shape), predicted, axis=-1
        )
        zero_one = 1 - xp.mean(correct[..., 0], axis=-1)
        records["surrogate"].append(risk)
        records["zero_one"].append(zero_one)
        records["regret_tau"].append(risk - best)
        records["regret_zero_one"].append(zero_one - (1 - xp.mean(xp.max(p, axis=-1))))
        records["step"].append(step)
        if iteration == iterations:
            break
        trial_w, trial_b = _project(
            weights - step[:, None, None] * grad_w,
            biases - step[:, None] * grad_b,
            weight_bound,
            bias_bound,
            xp,
        )
        trial_risk = _risk_and_gradient(x, p, trial_w, trial_b, tau, xp)[0]
        moved = xp.sum((trial_w - weights) ** 2, axis=(1, 2)) + xp.sum(
            (trial_b - biases) ** 2, axis=1
        )
        accept = trial_risk <= risk - moved / (4 * step)
        weights = xp.where(accept[:, None, None], trial_w, weights)
        biases = xp.where(accept[:, None], trial_b, biases)
        step = xp.where(accept, 1.25 * step, 0.5 * step)
        risk, scores, grad_w, grad_b = _risk_and_gradient(x, p, weights, biases, tau, xp)
    stacked = {key: to_numpy(xp.stack(values)) for key, values in records.items()}
    return LinearRun(list(taus), weights=weights, biases=biases, **stacked)


def best_zero_one(
    x: Any, p: Any, rng: ArrayRandom, *, candidates: int, rounds: int, start: Any | None = None
) -> float:
    """An upper estimate of :math:`R^*_{0-1}` over linear rules: random search, then refinement.

    The 0-1 risk ignores the scale of (w, b), so weights are drawn on no bound. Each round
    perturbs the incumbent (or, first, ``start`` rows / fresh Gaussian draws).
    ``candidates`` >= 1 and ``rounds`` >= 0 are integers; ``start`` is (weights (c, n, d),
    biases (c, n)).
    """
    xp = rng.xp
    _check_sample(x, p, xp)
    candidates = check_parameter("candidates", candidates, low=1, integer=True)
    rounds = check_parameter("rounds", rounds, integer=True)
    n, d = p.shape[-1], x.shape[-1]
    if start is not None and (
        len(start) != 2
        or start[0].ndim != 3
        or start[0].shape[1:] != (n, d)
        or start[1].shape != start[0].shape[:2]
    ):
        raise ValueError(f"start must be (weights (c, {n}, {d}), biases (c, {n}))")
    dtype = "float64" if x.dtype == xp.float64 else "float32"

    def risks(weights, biases):
        predicted = xp.argmax(_scores(x, weights, biases, xp), axis=-1, keepdims=True)
        hits = xp.take_along_axis(
            xp.broadcast_to(p[None, ...], (weights.shape[0], *p.shape)), predicted, axis=-1
        )
        return 1 - xp.mean(hits[..., 0], axis=-1)

    weights = rng.normal((candidates, n, d), dtype)
    biases = 2 * rng.normal((candidates, n), dtype)
    if start is not None:
        weights = xp.concat([start[0], weights])
        biases = xp.concat([start[1], biases])
    values = risks(weights, biases)
    index = int(to_numpy(xp.argmin(values)))
    best_value = float(to_numpy(values[index]))
    best_w, best_b = weights[index], biases[index]
    spread = 0.5
    for _ in range(rounds):
        scale = xp.sqrt(xp.sum(best_w * best_w)) + 1e-12
        weights = best_w[None, ...] + spread * scale * rng.normal((candidates, n, d), dtype)
        biases = best_b[None, ...] + spread * scale * rng.normal((candidates, n), dtype)
        values = risks(weights, biases)
        index = int(to_numpy(xp.argmin(values)))
        if float(to_numpy(values[index])) < best_value:
            best_value, best_w, best_b = (
                float(to_numpy(values[index])),
                weights[index],
                biases[index],
            )
        else:
            spread *= 0.7
    return best_value


def box_floor(x: Any, tau: float, *, weight_bound: float, bias_bound: float, n_classes: int):
    r"""Pointwise best risk on a deterministic label with scores in :math:`[-\Lambda, \Lambda]^n`.

    :math:`\mathcal C^*_\tau(\mathcal H, x) = \Phi^\tau((n-1)e^{-2\Lambda(x)})`,
    :math:`\Lambda(x) = W\|x\| + B` (correct class at +Λ, the others at -Λ).
    Provenance: [REC✓ form] [mao2023, minimizability gaps; reconstructed, body not read];
    [OURS] derivation: :math:`\Phi^\tau` is increasing and
    :math:`u = \sum_{y' \ne y} e^{h(x,y') - h(x,y)} \ge (n-1)e^{-2\Lambda(x)}`.
    ``x`` finite (m, d), τ >= 0, ``weight_bound`` finite >= 0, ``bias_bound`` >= 0 (inf: free
    biases, floor 0), an integer ``n_classes`` >= 2.
    """
    xp = namespace(x)
    _check_points(x, xp)
    tau = check_parameter("tau", tau)
    weight_bound = check_parameter("weight_bound", weight_bound)
    bias_bound = _check_bound("bias_bound", bias_bound)
    n_classes = check_parameter("n_classes", n_classes, low=2, integer=True)
    reach = weight_bound * xp.sqrt(xp.sum(x * x, axis=-1)) + bias_bound
    u = (n_classes - 1) * xp.exp(-2 * reach)
    return comp_sum.softmax_loss(-xp.log1p(u), tau, xp)


@dataclass(frozen=True)
class RingTraining:
    """One sweep cell of :func:`train_linear` on :data:`RING_MIXTURE` (:func:`ring_training_task`).

    ``size`` points are drawn from the cell's seed and labelled by their exact conditionals or,
    with ``deterministic``, by their Bayes class (one-hot). K = len(``taus``) models train for
    ``iterations`` steps with ``weight_bound`` and ``bias_bound`` (None: free biases). With
    ``search_candidates`` > 0, :func:`best_zero_one` then searches ``search_rounds`` rounds on the
    same random stream; with ``deterministic``, the mean :func:`box_floor` of every τ (n = 3) is
    returned too. The backend is named and selected in the worker.
    """

    backend: str
    size: int
    taus: tuple[float, ...]
    weight_bound: float
    iterations: int
    bias_bound: float | None = None
    deterministic: bool = False
    search_candidates: int = 0
    search_rounds: int = 0

    def __post_init__(self) -> None:
        check_resolved(self.backend)
        if not self.taus:
            raise ValueError("taus must hold at least one tau")
        checked = {
            "size": check_parameter("size", self.size, low=1, integer=True),
            "taus": tuple(check_parameter("tau", tau) for tau in self.taus),
            "weight_bound": check_parameter("weight_bound", self.weight_bound),
            "iterations": check_parameter("iterations", self.iterations, integer=True),
            "search_candidates": check_parameter(
                "search_candidates", self.search_candidates, integer=True
            ),
            "search_rounds": check_parameter("search_rounds", self.search_rounds, integer=True),
        }
        if self.bias_bound is not None:
            checked["bias_bound"] = check_parameter("bias_bound", self.bias_bound)
        for name, value in checked.items():
            object.__setattr__(self, name, value)


def ring_training_task(cell: RingTraining, seed: np.random.SeedSequence) -> dict[str, Any]:
    """The sweep task of :class:`RingTraining`: :meth:`LinearRun.as_result`, plus
    ``best_zero_one_found`` (a search) and ``box_floor`` (deterministic labels) when asked."""
    backend = select(cell.backend)
    xp = backend.xp
    rng = backend.rng(seed)
    x = RING_MIXTURE.sample(rng, cell.size)
    p = RING_MIXTURE.conditional(x, xp)
    if cell.deterministic:
        p = xp.astype(p == xp.max(p, axis=-1, keepdims=True), p.dtype)
    bias_bound = math.inf if cell.bias_bound is None else cell.bias_bound
    bounds = {"weight_bound": cell.weight_bound, "bias_bound": bias_bound}
    run = train_linear(x, p, list(cell.taus), iterations=cell.iterations, **bounds)
    result = run.as_result()
    if cell.search_candidates > 0:
        result["best_zero_one_found"] = best_zero_one(
            x, p, rng, candidates=cell.search_candidates, rounds=cell.search_rounds
        )
    if cell.deterministic:
        result["box_floor"] = np.asarray(
            [
                float(to_numpy(xp.mean(box_floor(x, tau, n_classes=3, **bounds))))
                for tau in cell.taus
            ]
        )
    return result
