r"""InfoNCE, DCL and DCLW over two views of N samples: per-anchor losses and their exact gradient.

Setting ([yeh2022, project page Eq. 1-2], the SimCLR/NT-Xent form every peer uses): ``z`` has
shape (2, N, d), view k of sample i is the row :math:`z_i^{(k)}`, and every one of the 2N rows is
an anchor. Anchor (k, i) has the positive :math:`z_i^{(1-k)}` and the M = 2(N - 1) negatives
:math:`z_j^{(l)}`, l ∈ {0, 1}, j ≠ i. Logits are :math:`s = \langle\cdot,\cdot\rangle/\tau`; the
positive logit :math:`s_p(i) = \langle z_i^{(0)}, z_i^{(1)}\rangle/\tau` is the same for both
directions. With :math:`\Lambda` the log-sum-exp over the M negatives of the anchor:

* ``infonce``: :math:`-s_p + \log(e^{s_p} + e^{\Lambda})` ([yeh2022, project page Eq. 1]);
* ``dcl``: :math:`-s_p + \Lambda` ([yeh2022, Eq. (6)], as quoted in lightly PR #1826/#1827);
* ``dclw``: :math:`-w_i s_p + \Lambda`, :math:`w_i = 2 - N\,\mathrm{softmax}_i(\langle z_i^{(0)},
  z_i^{(1)}\rangle/\sigma)` (:func:`theory.contrastive.dclw_weights`), one weight for both
  directions;
* ``dcl_split``: :math:`-s_p + \Lambda_{\rm same} + \Lambda_{\rm cross}`, the log-sum-exps over
  the N - 1 same-view and the N - 1 cross-view negatives taken separately: lightly's ``DCLLoss``
  before v1.5.21 (``lightly/loss/dcl_loss.py``), which is not the paper's loss.

:math:`q_B = 1 - e^{-L_{\rm InfoNCE}}` is the NPC multiplier of [yeh2022, project page Eq. 4]
(:func:`theory.contrastive_proofs.prove_loss_gap`). The gradient is the gradient of
:math:`\sum_{k,i} a_{k,i} L_{k,i}` with respect to ``z`` as free vectors (by default
:math:`a = 1/(2N)`, the mean over the 2N anchors); :func:`project_gradient` pulls it back through
the normalisation. For ``dclw``, ``detach_weight=True`` treats w as a constant (lightly) and
``detach_weight=False`` differentiates through the batch softmax (nidl, raminnakhli).

**Blockwise kernel.** The 2N × 2N logit matrix is never held. Samples are cut into blocks of
``ceil(block / 2)`` samples, so one tile holds both views of a block of rows against both views
of a block of columns (2⌈block/2⌉ anchors a side, as an array of shape (2, rows, 2, cols)). The logit matrix is symmetric, so only tiles with row block ≤ column block
are computed; each off-diagonal tile updates the running log-sum-exp (running max and running
sum, online) of its row anchors *and* of its column anchors, and the diagonal tile masks
i = j (the anchor itself and its positive). A second sweep over the same tiles, with the final
per-anchor normalisers, forms :math:`\partial J/\partial s` of the tile for both its row and its
column anchors and accumulates the gradient of both blocks. ``block >= 2N`` is the dense
computation: one tile. Memory beyond the input: O(block²) for a few tiles, O(N) for the
running sums, and O(N d) for the gradient and one copy of z/sqrt(τ) in block order.
Running sums are kept per partner view, which gives ``dcl_split`` at no cost.

Array code only (numpy, CuPy, array_api_strict); the only host reads are the input checks.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any

import array_api_compat

LOSSES = ("infonce", "dcl", "dclw", "dcl_split")
"""Per-anchor losses the kernel returns; any of them can be the one differentiated."""
DEFAULT_BLOCK = 512
"""Anchors per tile side (256 samples × 2 views): on the 2-core CPU, numpy float32, d = 128,
as fast as 768 or 1024 and faster under load, with half their tile memory
(``benchmarks/contrastive_kernel.py``); a GPU wants larger tiles (pass ``block``)."""
UNIT_TOLERANCE = 1e-3
"""Largest accepted | ||z|| - 1 | when ``check_unit`` is on."""

PEERS = {
    "lightly": (
        (
            "lightly >= 1.5.21 DCLLoss / DCLWLoss / NTXentLoss: 0.5 * (direction-0 mean + "
            "direction-1 mean) = mean over the 2N anchors; DCLW weight detached"
        ),
        ("infonce", "dcl", "dclw"),
    ),
    "lightly_pre_1_5_21": (
        (
            "lightly < 1.5.21 DCLLoss / DCLWLoss: per anchor -w s_p + LSE(same-view negatives)"
            " + LSE(cross-view negatives) (w = 1 for DCL), mean over the 2N anchors"
        ),
        ("dcl", "dclw"),
    ),
    "nidl": (
        "nidl InfoNCE / DCLLoss / DCLWLoss: mean over the 2N anchors; DCLW weight not detached",
        ("infonce", "dcl", "dclw"),
    ),
    "raminnakhli": (
        "raminnakhli DCL(z1, z2) / DCLW(z1, z2): one direction, mean over the N anchors of view 0",
        ("dcl", "dclw"),
    ),
    "raminnakhli_train": (
        (
            "raminnakhli training script: loss(z1, z2) + loss(z2, z1) = sum of the two "
            "direction means = 2 x the mean over the 2N anchors"
        ),
        ("dcl", "dclw"),
    ),
}
"""Reported scalar of each peer library (read in its loss file): description and supported
losses."""


@dataclass(frozen=True)
class ContrastiveResult:
    """Everything one kernel call computes; per-anchor arrays have shape (..., 2, N): batch,
    view, sample.

    ``losses`` holds every kind in :data:`LOSSES` (they share the log-sum-exps, so all are
    computed); ``grad`` is the gradient of the ``kind`` loss (or ``None`` if not asked for).
    """

    kind: str
    tau: Any
    sigma: float
    detach_weight: bool
    losses: dict[str, Any]
    q_b: Any
    weights: Any
    positive: Any
    lse_negatives: Any
    lse_same: Any
    lse_cross: Any
    grad: Any | None
    xp: Any = field(repr=False)

    @property
    def loss(self) -> Any:
        """Per-anchor values (..., 2, N) of the chosen loss."""
        return self.losses[self.kind]

    def mean(self, kind: str | None = None) -> Any:
        """Mean over the 2N anchors, per problem, of ``kind`` (default: the chosen loss)."""
        return self.xp.mean(self.losses[kind or self.kind], axis=(-2, -1))


def contrastive(
    z: Any,
    tau: Any,
    *,
    loss: str = "dcl",
    sigma: float = 0.5,
    detach_weight: bool = True,
    block: int = DEFAULT_BLOCK,
    gradient: bool = True,
    anchor_weights: Any | None = None,
    check_unit: bool = True,
) -> ContrastiveResult:
    """Per-anchor losses, q_B, DCLW weights and the gradient of the weighted anchor sum.

    Args:
        z: (..., 2, N, d) real floating array, rows L2-normalised: two views of N >= 2 samples,
            for every problem of the leading batch shape (independent problems, one call).
        tau: temperature τ > 0 of the logits s = <z, z'>/τ: a number, or an array of the batch
            shape (one τ per problem).
        loss: the loss differentiated, one of :data:`LOSSES`.
        sigma: σ > 0 of the DCLW weight (used by ``dclw``; the weights are always returned).
        detach_weight: DCLW only; True: w is a constant (lightly), False: the gradient flows
            through the batch softmax in w (nidl, raminnakhli).
        block: anchors per tile side (rounded up to an even number: both views of
            ``ceil(block/2)`` samples); ``block >= 2N`` is one dense tile.
        gradient: compute ``grad`` (the second sweep); False returns values only.
        anchor_weights: non-negative a of shape (2, N) or (..., 2, N); the gradient is of
            Σ a_{k,i} L_{k,i} per problem. Default 1/(2N): the gradient of the mean over the
            2N anchors.
        check_unit: reject rows whose norm is off 1 by more than :data:`UNIT_TOLERANCE`;
            switch off to treat z as free vectors (e.g. finite differences).

    Returns:
        A :class:`ContrastiveResult`; per-anchor arrays have shape (..., 2, N), ``weights`` and
        ``positive`` (..., N), and ``grad`` has the shape of ``z``: the gradient with respect to
        z as free vectors (see :func:`project_gradient` for unnormalised inputs).
    """
    xp = array_api_compat.array_namespace(z)
    tau_value, sigma, block = _validate(z, tau, loss, sigma, block, check_unit, xp)
    device = array_api_compat.device(z)
    batch_shape = tuple(z.shape[:-3])
    n, d = z.shape[-2], z.shape[-1]
    problems = math.prod(batch_shape)
    z = xp.reshape(z, (problems, 2, n, d))
    tau = _per_problem(tau_value, batch_shape, z.dtype, device, xp)  # (B, 1)
    if anchor_weights is None:
        anchor_weights = xp.full((problems, 2, n), 1.0 / (2 * n), dtype=z.dtype, device=device)
    else:
        anchor_weights = _validate_weights(anchor_weights, batch_shape, n, z.dtype, xp)

    blocks = _sample_blocks(n, block)
    # u = z / sqrt(τ), both views of a block stacked: a tile's logits are u_I u_J^T
    root = xp.sqrt(tau)[..., None]
    units = [xp.reshape(z[:, :, a:b, :], (problems, 2 * (b - a), d)) / root for a, b in blocks]

    lse = _negative_log_sum_exp(units, blocks, problems, n, z.dtype, device, xp)
    lse_same = xp.stack([lse[:, 0, :, 0], lse[:, 1, :, 1]], axis=1)
    lse_cross = xp.stack([lse[:, 0, :, 1], lse[:, 1, :, 0]], axis=1)
    lse_negatives = xp.logaddexp(lse_same, lse_cross)

    cosine = xp.sum(z[:, 0, ...] * z[:, 1, ...], axis=-1)
    positive = cosine / tau
    softmax = _softmax(cosine / sigma, xp)
    weights = 2.0 - n * softmax
    gap = lse_negatives - positive[:, None, :]
    infonce = xp.maximum(gap, xp.zeros_like(gap)) + xp.log1p(xp.exp(-xp.abs(gap)))
    q_b = -xp.expm1(-infonce)
    losses = {
        "infonce": infonce,
        "dcl": gap,
        "dclw": lse_negatives - (weights * positive)[:, None, :],
        "dcl_split": lse_same + lse_cross - positive[:, None, :],
    }

    grad = None
    if gradient:
        # d_positive[b, i] = ∂J/∂s_p(i) over both directions; normaliser[b, k, i, l] is the log
        # of the denominator that turns exp(s) into ∂L_{k,i}/∂s for a negative of view l.
        if loss == "infonce":
            normaliser = xp.logaddexp(positive[:, None, :], lse_negatives)
            normaliser = xp.stack([normaliser, normaliser], axis=-1)
            d_positive = -xp.sum(anchor_weights * q_b, axis=1)
        elif loss == "dcl_split":
            normaliser = lse
            d_positive = -xp.sum(anchor_weights, axis=1)
        else:
            normaliser = xp.stack([lse_negatives, lse_negatives], axis=-1)
            d_positive = -xp.sum(anchor_weights, axis=1)
        if loss == "dclw":
            total = -d_positive  # b_i = a_{0,i} + a_{1,i}
            d_positive = d_positive * weights
            if not detach_weight:
                # J ⊃ -Σ_i b_i w_i s_p(i) with w = 2 - N softmax(cos/σ): dJ/dcos_i through w is
                # (N π_i / σ) (b_i s_p(i) - Σ_j π_j b_j s_p(j)); times τ to be per unit of s_p.
                moment = total * positive
                centred = moment - xp.sum(softmax * moment, axis=-1, keepdims=True)
                d_positive = d_positive + (tau * (n / sigma)) * softmax * centred
        # log of the per-anchor coefficient folded into the normaliser; a = 0 gives +inf.
        safe = xp.where(anchor_weights > 0, anchor_weights, xp.ones_like(anchor_weights))
        shift = xp.where(anchor_weights > 0, -xp.log(safe), xp.full_like(anchor_weights, math.inf))
        normaliser = normaliser + shift[..., None]
        grad = xp.zeros_like(z)
        _negative_gradient(grad, units, blocks, normaliser, xp)
        grad /= root[..., None]  # ∂s/∂z_i = z_j / τ = u_j / sqrt(τ)
        coefficient = d_positive / tau
        for a, b in blocks:  # the positive pairs, block by block (no (B, 2, N, d) temporary)
            c = coefficient[:, a:b, None]
            grad[:, 0, a:b, :] += c * z[:, 1, a:b, :]
            grad[:, 1, a:b, :] += c * z[:, 0, a:b, :]
        grad = xp.reshape(grad, (*batch_shape, 2, n, d))

    def unbatch(array: Any) -> Any:
        return xp.reshape(array, (*batch_shape, *array.shape[1:]))

    return ContrastiveResult(
        kind=loss,
        tau=tau_value,
        sigma=sigma,
        detach_weight=detach_weight,
        losses={name: unbatch(value) for name, value in losses.items()},
        q_b=unbatch(q_b),
        weights=unbatch(weights),
        positive=unbatch(positive),
        lse_negatives=unbatch(lse_negatives),
        lse_same=unbatch(lse_same),
        lse_cross=unbatch(lse_cross),
        grad=grad,
        xp=xp,
    )


def normalise(u: Any) -> Any:
    """Rows of ``u`` (last axis) scaled to unit L2 norm; zero or non-finite rows are rejected."""
    xp = array_api_compat.array_namespace(u)
    norm = xp.linalg.vector_norm(u, axis=-1, keepdims=True)
    if not bool(xp.all(xp.isfinite(norm) & (norm > 0))):
        raise ValueError("normalise needs finite rows with non-zero norm")
    return u / norm


def project_gradient(grad_z: Any, u: Any) -> Any:
    r"""Pull a gradient with respect to z = u/||u|| back to u: :math:`(I - z z^\top) g / ||u||`."""
    xp = array_api_compat.array_namespace(grad_z, u)
    if grad_z.shape != u.shape:
        raise ValueError(f"grad_z has shape {grad_z.shape} but u has shape {u.shape}")
    norm = xp.linalg.vector_norm(u, axis=-1, keepdims=True)
    z = normalise(u)
    return (grad_z - z * xp.sum(z * grad_z, axis=-1, keepdims=True)) / norm


def peer_value(result: ContrastiveResult, peer: str, loss: str | None = None) -> Any:
    """The scalar a peer library reports for these embeddings, per problem (see :data:`PEERS`).

    ``loss`` defaults to the result's kind; ``dcl_split`` is not a peer loss name (ask
    ``lightly_pre_1_5_21`` for ``dcl``). DCLW weights do not depend on detaching for values.
    """
    if peer not in PEERS:
        raise ValueError(f"unknown peer {peer!r}; choose one of {', '.join(PEERS)}")
    loss = loss or result.kind
    supported = PEERS[peer][1]
    if loss not in supported:
        raise ValueError(f"peer {peer!r} reports {', '.join(supported)}, not {loss!r}")
    xp = result.xp
    if peer == "lightly_pre_1_5_21":
        per_anchor = result.losses["dcl_split"]
        if loss == "dclw":
            per_anchor = per_anchor + ((1.0 - result.weights) * result.positive)[..., None, :]
        return xp.mean(per_anchor, axis=(-2, -1))
    per_anchor = result.losses[loss]
    if peer == "raminnakhli":
        return xp.mean(per_anchor[..., 0, :], axis=-1)
    if peer == "raminnakhli_train":
        return xp.mean(per_anchor[..., 0, :], axis=-1) + xp.mean(per_anchor[..., 1, :], axis=-1)
    return xp.mean(per_anchor, axis=(-2, -1))


def kernel_flops(n: int, d: int, block: int = DEFAULT_BLOCK, gradient: bool = True) -> int:
    """Matmul flops (2 per multiply-add) of one :func:`contrastive` call with these sizes."""
    blocks = _sample_blocks(n, block)
    flops = 0
    for p, (a, b) in enumerate(blocks):
        for q, (c, e) in enumerate(blocks[p:], start=p):
            tile = 2 * (2 * (b - a)) * (2 * (e - c)) * d  # one (rows x d) @ (d x cols) product
            products = 1  # logits, first sweep
            if gradient:
                products += 1 + (1 if p == q else 2)  # logits again; one or two updates
            flops += tile * products
    return flops


def _as_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def _validate(z, tau, loss, sigma, block, check_unit, xp) -> tuple[Any, float, int]:
    """Check the arguments; return tau (a float, or an array of the batch shape), sigma and
    block."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    sigma = _as_float("sigma", sigma)
    if getattr(tau, "ndim", 0) == 0:
        tau = _as_float("tau", tau)
        if not (math.isfinite(tau) and tau > 0):
            raise ValueError(f"tau must be a finite number > 0, got {tau!r}")
    else:
        if array_api_compat.array_namespace(tau) is not xp:
            raise ValueError("an array tau must be of the same namespace as z")
        if tuple(tau.shape) != tuple(z.shape[:-3]):
            raise ValueError(
                f"an array tau must have the batch shape {tuple(z.shape[:-3])}, got {tau.shape}"
            )
        if not bool(xp.all(xp.isfinite(tau) & (tau > 0))):
            raise ValueError("every tau must be a finite number > 0")
    if not sigma > 0:  # +inf is allowed: w = 1 exactly
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    try:
        block = operator.index(block)
    except TypeError:
        raise ValueError(f"block must be a positive integer, got {block!r}") from None
    if block < 1:
        raise ValueError(f"block must be a positive integer, got {block!r}")
    if z.ndim < 3 or z.shape[-3] != 2:
        raise ValueError(f"z must have shape (..., 2, N, d) (two views), got {z.shape}")
    if z.shape[-2] < 2:
        raise ValueError(
            f"need N >= 2 samples (every anchor needs a negative), got N={z.shape[-2]}"
        )
    if math.prod(z.shape[:-3]) < 1:
        raise ValueError(f"the batch shape {tuple(z.shape[:-3])} holds no problem")
    if z.shape[-1] < 1:
        raise ValueError("z must have at least one feature (d >= 1)")
    if not xp.isdtype(z.dtype, "real floating"):
        raise ValueError(f"z must be real floating, got {z.dtype}")
    if not bool(xp.all(xp.isfinite(z))):
        raise ValueError("z has non-finite entries")
    if check_unit:
        norm = xp.linalg.vector_norm(z, axis=-1)
        if not bool(xp.all(xp.abs(norm - 1.0) <= UNIT_TOLERANCE)):
            raise ValueError(
                "rows of z must be L2-normalised (use normalise(u), or check_unit=False "
                "to treat z as free vectors)"
            )
    return tau, sigma, block


def _validate_weights(weights, batch_shape, n, dtype, xp) -> Any:
    """Anchor weights as a (B, 2, N) array of z's dtype."""
    if array_api_compat.array_namespace(weights) is not xp:
        raise ValueError("anchor_weights must be an array of the same namespace as z")
    if tuple(weights.shape) not in {(2, n), (*batch_shape, 2, n)}:
        raise ValueError(
            f"anchor_weights must have shape (2, {n}) or {(*batch_shape, 2, n)}, "
            f"got {weights.shape}"
        )
    weights = xp.astype(weights, dtype)
    if not bool(xp.all(xp.isfinite(weights) & (weights >= 0))):
        raise ValueError("anchor_weights must be finite and non-negative")
    weights = xp.reshape(weights, (-1, 2, n))
    return xp.broadcast_to(weights, (math.prod(batch_shape), 2, n))


def _per_problem(tau, batch_shape, dtype, device, xp) -> Any:
    """τ as a (B, 1) array of z's dtype."""
    if isinstance(tau, float):
        return xp.full((math.prod(batch_shape), 1), tau, dtype=dtype, device=device)
    return xp.reshape(xp.astype(tau, dtype), (-1, 1))


def _sample_blocks(n: int, block: int) -> list[tuple[int, int]]:
    """[a, b) sample ranges of ceil(block / 2) samples (both views: ≤ block + 1 anchors)."""
    step = max(1, -(-block // 2))
    return [(a, min(a + step, n)) for a in range(0, n, step)]


def _softmax(x: Any, xp: Any) -> Any:
    """Softmax along the last axis."""
    shifted = x - xp.max(x, axis=-1, keepdims=True)
    e = xp.exp(shifted)
    return e / xp.sum(e, axis=-1, keepdims=True)


def _finite_or_zero(m: Any, xp: Any) -> Any:
    """Replace -inf (a fully masked row) by 0 so that m can be subtracted without NaNs."""
    return xp.where(xp.isinf(m), xp.zeros_like(m), m)


def _tile(rows: Any, cols: Any, diagonal: bool, xp: Any) -> Any:
    """Logits (B, 2, bi, 2, bj) of a tile; on a diagonal tile the pairs i = j are -inf."""
    problems, bi, bj = rows.shape[0], rows.shape[1] // 2, cols.shape[1] // 2
    if diagonal:
        # numpy routes x @ x.T to a symmetric rank-k update that is ~3x slower than a plain
        # product here (it fills the other triangle serially); a copy of the (bi, d) operand
        # costs O(bi d) and keeps the fast path.
        cols = xp.asarray(cols, copy=True)
    t = xp.reshape(xp.matmul(rows, xp.matrix_transpose(cols)), (problems, 2, bi, 2, bj))
    if diagonal:
        device = array_api_compat.device(rows)
        mask = xp.reshape(xp.eye(bi, dtype=xp.bool, device=device), (1, 1, bi, 1, bi))
        t = xp.where(mask, xp.asarray(-math.inf, dtype=t.dtype, device=device), t)
    return t


def _partial_log_sum_exp(t: Any, axis: int, xp: Any) -> tuple[Any, Any]:
    """Max and Σ exp(t - max) along ``axis`` (max -inf and sum 0 where all of it is masked)."""
    m = xp.max(t, axis=axis, keepdims=True)
    s = xp.sum(xp.exp(t - _finite_or_zero(m, xp)), axis=axis)
    return xp.squeeze(m, axis=axis), s


def _merge(run_max: Any, run_sum: Any, rows: slice, tile_max: Any, tile_sum: Any, xp) -> None:
    """Online log-sum-exp update of the running (max, sum) of the anchors ``rows``."""
    old_max, old_sum = run_max[:, :, rows, :], run_sum[:, :, rows, :]
    new_max = xp.maximum(old_max, tile_max)
    shift = _finite_or_zero(new_max, xp)
    run_sum[:, :, rows, :] = old_sum * xp.exp(old_max - shift) + tile_sum * xp.exp(tile_max - shift)
    run_max[:, :, rows, :] = new_max


def _negative_log_sum_exp(units, blocks, problems, n, dtype, device, xp) -> Any:
    """First sweep: log Σ exp over the negatives of each anchor, per partner view: (B, 2, N, 2)
    indexed [problem, anchor view, sample, partner view]."""
    run_max = xp.full((problems, 2, n, 2), -math.inf, dtype=dtype, device=device)
    run_sum = xp.zeros((problems, 2, n, 2), dtype=dtype, device=device)
    for p, (a, b) in enumerate(blocks):
        for q in range(p, len(blocks)):
            c, e = blocks[q]
            t = _tile(units[p], units[q], p == q, xp)
            # rows of the tile: anchors (k, i), i in [a, b), partner view l -> [k, i, l]
            tile_max, tile_sum = _partial_log_sum_exp(t, 4, xp)
            _merge(run_max, run_sum, slice(a, b), tile_max, tile_sum, xp)
            if p != q:
                # columns: anchors (l, j), j in [c, e), partner view k; [k, l, j] -> [l, j, k]
                tile_max, tile_sum = _partial_log_sum_exp(t, 2, xp)
                order = (0, 2, 3, 1)
                tile_max = xp.permute_dims(tile_max, order)
                tile_sum = xp.permute_dims(tile_sum, order)
                _merge(run_max, run_sum, slice(c, e), tile_max, tile_sum, xp)
    return run_max + xp.log(run_sum)


def _negative_gradient(grad, units, blocks, normaliser, xp) -> None:
    """Second sweep: add Σ over negatives of ∂J/∂s · u_other to ``grad`` (B, 2, N, d) in place,
    with ∂J/∂s_{(k,i),(l,j)} = exp(s - normaliser[b, k, i, l]) (anchor weights folded in); the
    caller scales by 1/sqrt(τ)."""
    problems, d = grad.shape[0], grad.shape[3]
    for p, (a, b) in enumerate(blocks):
        row_norm = xp.reshape(normaliser[:, :, a:b, :], (problems, 2, b - a, 2, 1))
        for q in range(p, len(blocks)):
            c, e = blocks[q]
            t = _tile(units[p], units[q], p == q, xp)
            # the column anchors (l, j) of the same logits, as [b, k, 1, l, j]
            col_norm = xp.permute_dims(normaliser[:, :, c:e, :], (0, 3, 1, 2))
            col_norm = xp.reshape(col_norm, (problems, 2, 1, 2, e - c))
            g = xp.exp(t - row_norm)
            t -= col_norm  # t is this tile's own buffer: reuse it
            g += xp.exp(t)
            g = xp.reshape(g, (problems, 2 * (b - a), 2 * (e - c)))
            grad[:, :, a:b, :] += xp.reshape(xp.matmul(g, units[q]), (problems, 2, b - a, d))
            if p != q:
                update = xp.matmul(xp.matrix_transpose(g), units[p])
                grad[:, :, c:e, :] += xp.reshape(update, (problems, 2, e - c, d))
