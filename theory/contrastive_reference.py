r"""A naive reference for the batched contrastive kernel: per-anchor InfoNCE, DCL, DCLW and q_B of
a two-view batch and the gradients of their means, by a plain loop at 30 digits.

The batch is the SimCLR/NT-Xent setting of [yeh2022, project page Eq. 1-2]: ``z[k][i]`` is view k
of sample i; anchor (k, i) has the positive cosine :math:`c_p = \langle z_i^{(0)},
z_i^{(1)}\rangle` and the 2(N − 1) negative cosines :math:`\langle z_i^{(k)}, z_j^{(l)}\rangle`,
j ≠ i, l ∈ {0, 1}. The losses are the closed forms of :mod:`theory.contrastive` (InfoNCE Eq. 1,
DCL Eq. 6, q_B Eq. 4) and :math:`L_{DCLW} = L_{DC} + (1 - w_i) c_p/\tau` with
:math:`w = 2 - N\,\mathrm{softmax}(c_p/\sigma)` (:func:`theory.contrastive.dclw_weights`).
Cosines are plain dot products: z is
taken as free vectors, as the kernel's gradient is. The gradient is a central difference of the
loop, not a derivation, so it shares nothing with the kernel's hand-derived gradient.
"""

from __future__ import annotations

import functools
import itertools

import mpmath
import numpy as np
import sympy as sp

from theory import contrastive as theory

DIGITS = 30
"""Working precision of the naive reference."""
STEP = mpmath.mpf("1e-12")
"""Central-difference step of the reference gradient: truncation h² max|third derivative|/6
< 1e-20 and rounding 1e-30/h = 1e-18 at 30 digits, both far below float64's 1e-16."""
GRADIENTS = ("infonce", "dcl", "dclw", "dclw detached")
"""The batch means that :func:`batch_reference` differentiates; ``dclw detached`` holds the DCLW
weights at their value at z (lightly's convention), ``dclw`` differentiates through them."""


@functools.cache
def _anchor_forms(m: int) -> dict:
    """The per-anchor InfoNCE, DCL and q_B of :mod:`theory.contrastive` as mpmath functions of
    (c_p, c_1..c_m, τ)."""
    negatives = theory.negative_cosines(m)
    symbols = [theory.C_P, *negatives, theory.TAU]
    forms = {"infonce": theory.infonce_loss, "dcl": theory.dcl_loss, "q_b": theory.npc_multiplier}
    return {k: sp.lambdify(symbols, f(theory.C_P, negatives), "mpmath") for k, f in forms.items()}


@functools.cache
def _weight_forms(n: int):
    """The DCLW weights w_i = 2 − N softmax_i(c_{p,i}/σ) of :mod:`theory.contrastive` as an
    mpmath function of the N positive cosines and σ."""
    positives = theory.positive_cosines(n)
    return sp.lambdify([positives, theory.SIGMA], theory.dclw_weights(positives), "mpmath")


def loop_values(z: list, tau, sigma, fixed_weights=None) -> dict[str, list[list]]:
    """Per anchor (k, i), by a plain loop over the definition [yeh2022, project page Eq. 1-2]:
    the positive cosine <z_i^(k), z_i^(1−k)> and the 2(N − 1) negative cosines
    <z_i^(k), z_j^(l)>, j ≠ i, put into the closed forms; L_DCLW = L_DCL + (1 − w_i) c_p/τ with
    the w of this batch (``dclw``) and with ``fixed_weights`` held constant (``dclw detached``,
    if given). Lists [k][i]."""
    n = len(z[0])

    def dot(a, b):
        return mpmath.fsum(x * y for x, y in zip(a, b))

    positives = [dot(z[0][i], z[1][i]) for i in range(n)]
    weights = {"dclw": _weight_forms(n)(positives, sigma), "dclw detached": fixed_weights}
    forms = _anchor_forms(2 * (n - 1))
    values = {k: [[None] * n, [None] * n] for k in ("infonce", "dcl", "q_b", *weights)}
    for k, i in itertools.product(range(2), range(n)):
        negatives = [dot(z[k][i], z[v][j]) for j in range(n) if j != i for v in range(2)]
        for name, form in forms.items():
            values[name][k][i] = form(positives[i], *negatives, tau)
        for name, w in weights.items():
            if w is not None:
                values[name][k][i] = values["dcl"][k][i] + (1 - w[i]) * positives[i] / tau
    return values


@functools.cache
def batch_reference(z: tuple, tau: float, sigma: float) -> dict[str, np.ndarray]:
    """Per-anchor values (2, N) of InfoNCE, DCL, DCLW and q_B, and ``grad <name>`` (2, N, d) for
    each of :data:`GRADIENTS`: the gradient of the mean over the 2N anchors, by central
    differences of :func:`loop_values` at :data:`DIGITS` digits, returned as float64.

    ``z`` is nested tuples [k][i][r] of floats (hashable: the result is cached, so a check and its
    controls pay once)."""
    with mpmath.workdps(DIGITS):
        point = [[[mpmath.mpf(x) for x in row] for row in view] for view in z]
        tau, sigma = mpmath.mpf(tau), mpmath.mpf(sigma)
        positives = [mpmath.fsum(a * b for a, b in zip(*pair)) for pair in zip(*point)]
        fixed = _weight_forms(len(positives))(positives, sigma)
        values = loop_values(point, tau, sigma, fixed)
        out = {k: np.array(v, dtype=float) for k, v in values.items() if k != "dclw detached"}
        grads = {k: np.empty(np.shape(z)) for k in GRADIENTS}
        for k, i, r in np.ndindex(np.shape(z)):
            sums = []
            for step in (STEP, -STEP):
                moved = [[list(row) for row in view] for view in point]
                moved[k][i][r] += step
                values = loop_values(moved, tau, sigma, fixed)
                sums.append(
                    {name: mpmath.fsum(values[name][0] + values[name][1]) for name in grads}
                )
            for name, grad in grads.items():
                # the mean over 2N anchors, differentiated: (S(+h) − S(−h)) / (2h · 2N)
                grad[k, i, r] = (sums[0][name] - sums[1][name]) / (4 * len(positives) * STEP)
        return out | {f"grad {name}": grad for name, grad in grads.items()}
