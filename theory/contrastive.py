r"""InfoNCE, decoupled contrastive learning (DCL, DCLW) and the Wang-Liu forms, per anchor.

Sources:

* Yeh, Hong, Hsu, Liu, Chen, LeCun, *Decoupled Contrastive Learning*, ECCV 2022, arXiv 2110.06848
  (``yeh2022``). Only the abstract, the project page (https://danielchyeh.github.io/DCL/:
  Eq. 1-4, Proposition 1) and quotes of the PDF in lightly PRs #1302, #1826 and #1827 were
  available; the paper body was not read.
* Wang & Liu, *Understanding the Behaviour of Contrastive Loss*, CVPR 2021, arXiv 2012.09740
  (``wang2021``), read in full (without the supplement).

One anchor with positive cosine :math:`c_p` and m negative cosines :math:`c_1, \dots, c_m`, at
temperature τ > 0 (logits are :math:`c/\tau`), :math:`E = e^{c_p/\tau}`,
:math:`U = \sum_j e^{c_j/\tau}`:

.. math::
    L = -\frac{c_p}{\tau} + \log(E + U), \qquad
    L_{DC} = -\frac{c_p}{\tau} + \log U, \qquad
    q_B = 1 - \frac{E}{E + U}.

InfoNCE (NT-Xent, Eq. 1-2 of the project page; Eq. 1 of Wang-Liu), DCL (Eq. 6 of the paper, the
positive removed from the denominator) and the negative-positive-coupling multiplier (Eq. 4).
In the SimCLR batch of N instances × 2 views an anchor has m = 2(N - 1) negatives.

Each docstring gives the formula, where it comes from and, for the forms the checks rest on, a
provenance tag: ``paper`` (confirmed in a source: the project page's Eq. 1-4 or the full
Wang-Liu text), ``reconstructed`` (a quote or a peer implementation, the paper body not read:
not verified) and ``derived`` (our derivation [OURS]). The statements about these losses, with
their tags collected in a ``PROVENANCE``, are in :mod:`theory.contrastive_proofs`.

The helpers that decide those statements follow the losses. Identities go through
:func:`theory.proof.prove_identity` after a sound rewrite (``expand_log`` without ``force``:
every logarithm here has an argument that sympy knows to be positive). Before that the
difference is evaluated at off-diagonal sample points (every symbol a different value) at 50
digits, so a false identity is refuted early and cheaply (see :func:`_identity`). Sign
statements use :func:`prove_sign` (sympy's assumptions, else a counterexample, else
inconclusive); limits use :func:`theory.proof.prove_limit` (see :func:`_limit`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import mpmath
import sympy as sp

from theory.proof import (
    DIGITS,
    Proof,
    Status,
    prove_identity,
    prove_limit,
    time_limited,
)

TAU = sp.Symbol("tau", positive=True)
"""The temperature τ > 0."""
SIGMA = sp.Symbol("sigma", positive=True)
"""The DCLW concentration parameter σ > 0 (κ = 1/σ of a von Mises-Fisher kernel)."""
C_P = sp.Symbol("c_p", real=True)
"""The positive cosine :math:`\\langle z_i^{(1)}, z_i^{(2)}\\rangle` of the anchor."""

Loss = Callable[[sp.Expr, Sequence[sp.Expr], sp.Expr], sp.Expr]
"""A per-anchor loss ``loss(c_p, negatives, tau)``."""


# --------------------------------------------------------------------------------------------
# symbols and losses


def negative_cosines(m: int) -> tuple[sp.Symbol, ...]:
    """The m negative cosines :math:`c_1, \\dots, c_m` (real symbols)."""
    if m < 1:
        raise ValueError(f"an anchor needs at least one negative, got m = {m}")
    return tuple(sp.Symbol(f"c_{j}", real=True) for j in range(1, m + 1))


def positive_cosines(n: int) -> tuple[sp.Symbol, ...]:
    """The positive cosines :math:`c_{p,1}, \\dots, c_{p,N}` of a batch (real symbols)."""
    if n < 1:
        raise ValueError(f"a batch needs at least one instance, got N = {n}")
    return tuple(sp.Symbol(f"c_p{i}", real=True) for i in range(1, n + 1))


def _exps(cosines: Sequence[sp.Expr], tau: sp.Expr) -> list[sp.Expr]:
    return [sp.exp(c / tau) for c in cosines]


def infonce_loss(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r"""InfoNCE / NT-Xent for one anchor: :math:`-c_p/\tau + \log(e^{c_p/\tau} + U)`.

    Eq. (1)-(2) of the DCL project page, Eq. (1) of Wang-Liu. Provenance: paper.
    """
    return -c_p / tau + sp.log(sp.exp(c_p / tau) + sum(_exps(negatives, tau)))


def dcl_loss(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r"""Decoupled contrastive loss for one anchor: :math:`-c_p/\tau + \log U`.

    [yeh2022, Eq. (6)], as quoted in lightly PR #1826/#1827.
    Provenance: reconstructed (the equation is quoted, the paper body was not read).
    """
    return -c_p / tau + sp.log(sum(_exps(negatives, tau)))


def coupled_dcl_loss(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    """Negative control: a "decoupled" loss that keeps the positive in the denominator.

    It is InfoNCE under another name, so every statement that separates DCL from InfoNCE must be
    refuted for it.
    """
    return -c_p / tau + sp.log(sum(_exps([c_p, *negatives], tau)))


def two_lse_dcl_loss(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r"""Negative control: lightly's DCL before v1.5.21, two separate log-sum-exps.

    :math:`-c_p/\tau + \mathrm{LSE}(a) + \mathrm{LSE}(b)` with the negatives split in halves a
    (same view) and b (cross view) (lightly ``lightly/loss/dcl_loss.py``).
    Not the paper's loss; needs m >= 2.
    """
    if len(negatives) < 2:
        raise ValueError("the two-log-sum-exp variant needs at least two negatives")
    half = (len(negatives) + 1) // 2
    same, cross = negatives[:half], negatives[half:]
    return -c_p / tau + sp.log(sum(_exps(same, tau))) + sp.log(sum(_exps(cross, tau)))


def npc_multiplier(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r"""The NPC multiplier :math:`q_B = 1 - e^{c_p/\tau}/(e^{c_p/\tau} + U)`.

    Eq. (4) of the DCL project page. Provenance: paper.
    """
    positive = sp.exp(c_p / tau)
    return 1 - positive / (positive + sum(_exps(negatives, tau)))


def unit_multiplier(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    """The multiplier 1 (Proposition 2's claim for DCL; a negative control for InfoNCE)."""
    return sp.Integer(1)


def softmax_probabilities(
    c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU
) -> tuple[sp.Expr, list[sp.Expr]]:
    r"""Wang-Liu Eq. (2): :math:`P_{i,i}` and the :math:`P_{i,j}` of the negatives."""
    positive = sp.exp(c_p / tau)
    exps = _exps(negatives, tau)
    total = positive + sum(exps)
    return positive / total, [e / total for e in exps]


def boltzmann_weights(negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> list[sp.Expr]:
    r"""Wang-Liu's relative penalties :math:`r_j = e^{c_j/\tau}/\sum_k e^{c_k/\tau}` (negatives)."""
    exps = _exps(negatives, tau)
    total = sum(exps)
    return [e / total for e in exps]


def boltzmann_entropy(negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r""":math:`H(r) = -\sum_j r_j \log r_j` of the Boltzmann weights."""
    return -sum(r * sp.log(r) for r in boltzmann_weights(negatives, tau))


def boltzmann_variance(negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r""":math:`\mathrm{Var}_r(c) = \sum_j r_j c_j^2 - (\sum_j r_j c_j)^2`."""
    r = boltzmann_weights(negatives, tau)
    mean = sum(w * c for w, c in zip(r, negatives))
    return sum(w * c**2 for w, c in zip(r, negatives)) - mean**2


def _uniform_variance(values: Sequence[sp.Expr]) -> sp.Expr:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def infonce_high_temperature(
    c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU
) -> sp.Expr:
    r"""Wang-Liu Eq. (7) with N = m + 1 logits:
    :math:`-\frac{m}{(m+1)\tau}c_p + \frac{1}{(m+1)\tau}\sum_j c_j + \log(m+1)`.

    Provenance: paper (the O(τ^-2) remainder is derived, see
    :func:`theory.contrastive_proofs.prove_high_temperature_expansions`).
    """
    m = len(negatives)
    return -sp.Rational(m, m + 1) * c_p / tau + sum(negatives) / ((m + 1) * tau) + sp.log(m + 1)


def dcl_high_temperature(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r""":math:`-c_p/\tau + \log m + \frac{1}{m\tau}\sum_j c_j` (the first-order cumulant
    expansion of :math:`\log U`, as in
    :func:`theory.contrastive_proofs.prove_high_temperature_expansions`, [ours]).

    Provenance: derived.
    """
    m = len(negatives)
    return -c_p / tau + sp.log(m) + sum(negatives) / (m * tau)


def low_temperature_limit(
    c_p: sp.Expr, negatives: Sequence[sp.Expr], *, hinge: bool = True
) -> sp.Expr:
    r"""The limit of τL as τ → 0+: :math:`\max(c_{\max} - c_p, 0)` (InfoNCE, Wang-Liu Eq. 6) or
    :math:`c_{\max} - c_p` (DCL, ``hinge=False``, [ours])."""
    gaps = [c - c_p for c in negatives]
    return sp.Max(*gaps, 0) if hinge else sp.Max(*gaps)


def dclw_weights(
    positives: Sequence[sp.Expr], sigma: sp.Expr = SIGMA, *, scale: sp.Expr | None = None
) -> list[sp.Expr]:
    r"""The DCLW weights :math:`w_i = 2 - N\,\mathrm{softmax}_i(c_{p,i}/\sigma)`.

    As in the peer code (nidl ``DCLWLoss``, lightly ``negative_mises_fisher_weights``,
    raminnakhli ``DCLW`` after commit afdb447). ``scale`` replaces the factor N: ``scale=1`` is
    raminnakhli's pre-afdb447 bug, a negative control. Provenance: reconstructed (the DCLW
    equation is not verified in the PDF).
    """
    n = len(positives)
    factor = sp.Integer(n) if scale is None else sp.sympify(scale)
    exps = _exps(positives, sigma)
    total = sum(exps)
    return [2 - factor * e / total for e in exps]


def infonce_minimum(n: int | sp.Expr, tau: sp.Expr = TAU) -> sp.Expr:
    r"""The per-anchor InfoNCE at the aligned regular simplex,
    :math:`L^*_{\rm InfoNCE} = -\frac1\tau + \log\big(e^{1/\tau} + 2(N-1)e^{-1/((N-1)\tau)}\big)`
    ([ours], checked by :func:`theory.contrastive_proofs.prove_simplex_minimum_values`; N
    instances × 2 equal views, instance cosines -1/(N-1))."""
    n = sp.sympify(n)
    return -1 / tau + sp.log(sp.exp(1 / tau) + 2 * (n - 1) * sp.exp(-1 / ((n - 1) * tau)))


def dcl_minimum(n: int | sp.Expr, tau: sp.Expr = TAU) -> sp.Expr:
    r"""The per-anchor DCL at the aligned regular simplex,
    :math:`L^*_{DC} = -\frac1\tau - \frac{1}{(N-1)\tau} + \log(2N-2)` ([ours], checked by
    :func:`theory.contrastive_proofs.prove_simplex_minimum_values`)."""
    n = sp.sympify(n)
    return -1 / tau - 1 / ((n - 1) * tau) + sp.log(2 * n - 2)


def simplex_embeddings(n: int) -> list[sp.Matrix]:
    r"""N unit vectors of :math:`\mathbb R^N` with pairwise cosine :math:`-1/(N-1)` (exact):
    :math:`v_i = (e_i - \mathbf 1/N)/\sqrt{(N-1)/N}`, a regular simplex in the plane Σ = 0."""
    if n < 2:
        raise ValueError(f"a simplex needs N >= 2 vertices, got {n}")
    scale = sp.sqrt(sp.Rational(n, n - 1))
    return [
        sp.Matrix([(1 if r == i else 0) - sp.Rational(1, n) for r in range(n)]) * scale
        for i in range(n)
    ]


def _batch_anchors(views: Sequence[tuple[sp.Matrix, sp.Matrix]]):
    """(anchor, positive, negatives) for every anchor z_i^(k) of a two-view batch."""
    for i, pair in enumerate(views):
        for k in range(2):
            negatives = [other[l] for j, other in enumerate(views) if j != i for l in range(2)]
            yield pair[k], pair[1 - k], negatives


def batch_anchor_losses(
    views: Sequence[tuple[sp.Matrix, sp.Matrix]], *, loss: Loss = infonce_loss, tau=TAU
) -> list[sp.Expr]:
    r"""The 2N per-anchor losses of a batch ``views = [(z_i^(1), z_i^(2)), ...]``, Eq. (1)-(2):
    anchor :math:`z_i^{(k)}`, positive :math:`z_i^{(3-k)}`, negatives :math:`z_j^{(l)}, j \ne i`.
    Cosines are dot products (the vectors are taken as already normalised)."""
    return [
        loss(anchor.dot(positive), [anchor.dot(z) for z in negatives], tau)
        for anchor, positive, negatives in _batch_anchors(views)
    ]


# --------------------------------------------------------------------------------------------
# the helpers that decide statements: identities, limits, signs


def _prepare(expr: sp.Expr) -> sp.Expr:
    """Sound rewrite: exp(a + b) -> exp(a) exp(b), common factors pulled out of logarithm
    arguments, then logarithms of products split where sympy knows the factors to be positive
    (``expand_log`` without ``force``)."""
    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.expand(e.args[0])))
    expr = sp.expand_power_exp(expr)
    expr = expr.replace(
        lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.factor_terms(sp.together(e.args[0])))
    )
    return sp.expand_log(expr, force=False)


def _sample_domain(symbol: sp.Symbol) -> tuple[sp.Rational, sp.Rational]:
    if symbol.is_positive:
        return sp.Rational(1, 10), sp.Integer(2)
    if symbol.is_nonnegative:
        return sp.Integer(0), sp.Integer(2)
    return sp.Integer(-1), sp.Integer(1)


_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)


def _sample_points(symbols: Sequence[sp.Symbol], count: int = 8) -> list[dict]:
    """Deterministic points of a Kronecker sequence: symbol s advances by frac(sqrt(p_s)) for
    the s-th prime p_s, so the symbols take different values and their differences vary (a
    false identity that holds on a diagonal or a shifted line is still caught)."""
    points = []
    for k in range(count):
        point = {}
        for s, symbol in enumerate(symbols):
            lo, hi = _sample_domain(symbol)
            rate = math.sqrt(_PRIMES[s % len(_PRIMES)]) + s // len(_PRIMES) * math.sqrt(0.5)
            fraction = (0.5 + (k + 1) * rate) % 1.0
            point[symbol] = lo + (hi - lo) * sp.Rational(round(fraction * 10**6), 10**6)
        points.append(point)
    return points


def _value(expr: sp.Expr, point: dict) -> mpmath.mpf | None:
    value = time_limited(lambda: sp.N(expr.subs(point), DIGITS))
    if value is None or not value.is_number or not value.is_finite:
        return None
    real, imaginary = value.as_real_imag()
    if abs(imaginary) > 10 ** (-DIGITS + 10):
        return None
    return mpmath.mpf(str(real))


def _describe(point: dict) -> str:
    return ", ".join(f"{s} = {v}" for s, v in sorted(point.items(), key=lambda kv: str(kv[0])))


def _counterexample(difference: sp.Expr, count: int = 8) -> tuple[mpmath.mpf, dict] | None:
    """A point among ``count`` off-diagonal samples where ``difference`` is nonzero.

    The points are screened with a compiled mpmath function at 60 digits; a hit is confirmed by
    sympy's own evaluation at 50 digits (:func:`_value`) before it counts."""
    symbols = sorted(difference.free_symbols, key=str)
    count = count if symbols else 1
    try:
        fn = sp.lambdify(symbols, difference, modules="mpmath")
    except (NameError, TypeError, KeyError, SyntaxError):
        fn = None
    threshold = mpmath.mpf(10) ** (-30)
    for point in _sample_points(symbols, count):
        if fn is not None:
            try:
                with mpmath.workdps(60):
                    screened = fn(*(mpmath.mpf(v.p) / v.q for v in point.values()))
                if abs(screened) <= threshold:
                    continue
            except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
                pass
        value = _value(difference, point)
        if value is not None and abs(value) > threshold:
            return value, point
    return None


def _identity(lhs: sp.Expr, rhs: sp.Expr, statement: str) -> Proof:
    """``lhs == rhs`` identically, through :func:`theory.proof.prove_identity`.

    Both sides are rewritten soundly first (:func:`_prepare`). The difference is evaluated at 8
    off-diagonal points at 50 digits before any simplification: a nonzero value refutes (and
    spares the slow simplifiers a hopeless case). Otherwise prove_identity decides.
    """
    lhs, rhs = _prepare(lhs), _prepare(rhs)
    found = _counterexample(sp.sympify(lhs - rhs))
    if found is not None:
        value, point = found
        return Proof(
            statement,
            Status.REFUTED,
            "nonzero difference at an off-diagonal sample point",
            f"|difference| = {mpmath.nstr(abs(value), 6)} at {_describe(point)} (50 digits)",
        )
    return prove_identity(lhs, rhs, statement=statement)


def _limit(
    expr: sp.Expr, var: sp.Symbol, point, expected: sp.Expr, *, direction: str, statement: str
) -> Proof:
    """:func:`theory.proof.prove_limit`; when it is inconclusive and sympy's limit exists as a
    closed form that sympy cannot reduce against ``expected``, the two are compared at 8
    off-diagonal points (prove_limit's own numeric fallback tries a single point)."""
    proof = prove_limit(expr, var, point, expected, direction=direction, statement=statement)
    if proof.status is not Status.INCONCLUSIVE:
        return proof
    value = time_limited(lambda: sp.limit(expr, var, point, dir=direction))
    if value is None or value.has(sp.Limit, sp.oo, -sp.oo, sp.zoo, sp.nan):
        return proof
    found = _counterexample(sp.sympify(value - expected))
    if found is None:
        return proof
    gap, at = found
    return Proof(
        statement + f" == {expected}",
        Status.REFUTED,
        "sympy limit differs at an off-diagonal sample point",
        f"the limit is {value}; gap {mpmath.nstr(abs(gap), 6)} at {_describe(at)}",
    )


_RELATIONS = {
    ">": "is_positive",
    ">=": "is_nonnegative",
    "<": "is_negative",
    "<=": "is_nonpositive",
}


def _violates(value: mpmath.mpf, relation: str) -> bool:
    return {
        ">": value <= 0,
        ">=": value < 0,
        "<": value >= 0,
        "<=": value > 0,
    }[relation]


def prove_sign(expr: sp.Expr, relation: str, *, statement: str | None = None) -> Proof:
    """Decide ``expr <relation> 0`` (relation one of >, >=, <, <=) for all values of its symbols.

    Rungs: (1) sympy's assumptions on the expression as is, after ``together``, after
    ``factor(together(.))`` and after ``simplify`` (each time-limited); (2) a counterexample
    among 12 off-diagonal sample points (cosines in [-1, 1], positive symbols in [1/10, 2]),
    confirmed at 50 digits, refutes; (3) otherwise inconclusive (points prove nothing).
    """
    if relation not in _RELATIONS:
        raise ValueError(f"relation must be one of {', '.join(_RELATIONS)}, got {relation!r}")
    expr = sp.sympify(expr)
    statement = statement or f"{expr} {relation} 0"
    rewrites = (
        ("as is", lambda e: e),
        ("together", sp.together),
        ("factor", lambda e: sp.factor(sp.together(e))),
        ("simplify", sp.simplify),
    )
    for name, rewrite in rewrites:
        form = time_limited(lambda r=rewrite: r(expr))
        if form is not None and getattr(form, _RELATIONS[relation]) is True:
            return Proof(statement, Status.PROVED, f"sympy assumptions ({name})")
    symbols = sorted(expr.free_symbols, key=str)
    for point in _sample_points(symbols, 12):
        value = _value(expr, point)
        if value is not None and _violates(value, relation):
            return Proof(
                statement,
                Status.REFUTED,
                "counterexample at a sample point",
                f"value {mpmath.nstr(value, 8)} at {_describe(point)} (50 digits)",
            )
    return Proof(statement, Status.INCONCLUSIVE, "no rung decided", "no counterexample found")
