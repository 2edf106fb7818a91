r"""InfoNCE, decoupled contrastive learning (DCL, DCLW) and the Wang-Liu identities, per anchor.

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

Every ``prove_*`` returns :class:`theory.proof.Proof` objects with the rung that decided them
(proved symbolically, certified numerically, refuted, inconclusive), never a bare bool. Each
docstring gives the formula, where it comes from and a provenance tag, also collected in
:data:`PROVENANCE`: ``paper`` (confirmed in a source: the project page's Eq. 1-4 or the full
Wang-Liu text), ``reconstructed`` (a quote or a peer implementation, the paper body not read:
not verified) and ``derived`` (our derivation [OURS], carried out or checked by the function
itself).

Identities go through :func:`theory.proof.prove_identity` after a sound rewrite (``expand_log``
without ``force``: every logarithm here has an argument that sympy knows to be positive). Before
that the difference is evaluated at off-diagonal sample points (every symbol a different value)
at 50 digits, so a false identity is refuted early and cheaply (see :func:`_identity`).
Sign statements use :func:`prove_sign` (sympy's assumptions, else a counterexample, else
inconclusive); limits use :func:`theory.proof.prove_limit`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence

import mpmath
import sympy as sp
from mpmath import iv

from theory.proof import (
    DIGITS,
    Proof,
    Status,
    interval_precision,
    prove_identity,
    prove_limit,
    prove_nonnegative,
    time_limited,
    weakest,
)

TAU = sp.Symbol("tau", positive=True)
"""The temperature τ > 0."""
SIGMA = sp.Symbol("sigma", positive=True)
"""The DCLW concentration parameter σ > 0 (κ = 1/σ of a von Mises-Fisher kernel)."""
X = sp.Symbol("x", positive=True)
"""x = 1/τ, the variable of the large-temperature expansions."""
C_P = sp.Symbol("c_p", real=True)
"""The positive cosine :math:`\\langle z_i^{(1)}, z_i^{(2)}\\rangle` of the anchor."""

Loss = Callable[[sp.Expr, Sequence[sp.Expr], sp.Expr], sp.Expr]
"""A per-anchor loss ``loss(c_p, negatives, tau)``."""

PAPER, RECONSTRUCTED, DERIVED = "paper", "reconstructed", "derived"

PROVENANCE: dict[str, str] = {
    "prove_gradient_factorisation": DERIVED,
    "prove_loss_gap": DERIVED,
    "prove_npc_multiplier_range": PAPER,
    "prove_decoupled_gradient": RECONSTRUCTED,
    "prove_vector_gradients": PAPER,
    "prove_wang_liu_gradients": PAPER,
    "prove_entropy_temperature": DERIVED,
    "prove_low_temperature_limits": PAPER,
    "prove_high_temperature_expansions": PAPER,
    "prove_dclw_weight_properties": DERIVED,
    "prove_dclw_negative_weight": DERIVED,
    "prove_simplex_minimum_values": DERIVED,
    "prove_simplex_stationary": DERIVED,
}
"""Provenance of each statement family (the docstrings say which parts are ours)."""


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
    :func:`prove_high_temperature_expansions`).
    """
    m = len(negatives)
    return -sp.Rational(m, m + 1) * c_p / tau + sum(negatives) / ((m + 1) * tau) + sp.log(m + 1)


def dcl_high_temperature(c_p: sp.Expr, negatives: Sequence[sp.Expr], tau: sp.Expr = TAU) -> sp.Expr:
    r""":math:`-c_p/\tau + \log m + \frac{1}{m\tau}\sum_j c_j` (the first-order cumulant
    expansion of :math:`\log U`, as in :func:`prove_high_temperature_expansions`, [ours]).

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
    ([ours], checked by :func:`prove_simplex_minimum_values`; N instances × 2 equal views,
    instance cosines -1/(N-1))."""
    n = sp.sympify(n)
    return -1 / tau + sp.log(sp.exp(1 / tau) + 2 * (n - 1) * sp.exp(-1 / ((n - 1) * tau)))


def dcl_minimum(n: int | sp.Expr, tau: sp.Expr = TAU) -> sp.Expr:
    r"""The per-anchor DCL at the aligned regular simplex,
    :math:`L^*_{DC} = -\frac1\tau - \frac{1}{(N-1)\tau} + \log(2N-2)` ([ours], checked by
    :func:`prove_simplex_minimum_values`)."""
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
# the proof helpers: identities, signs, conjunctions


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


def _conjunction(statement: str, parts: Sequence[Proof], rung: str) -> Proof:
    """One statement established by several proved parts (its status is the weakest part's)."""
    detail = "; ".join(f"{p.statement}: {p.status}" for p in parts)
    return Proof(statement, weakest(parts), rung, detail)


def _gradient(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> list[sp.Expr]:
    return [sp.diff(expr, v) for v in variables]


def _name(loss: Callable) -> str:
    return getattr(loss, "__name__", "loss")


# --------------------------------------------------------------------------------------------
# 1-2. gradient factorisation, loss gap, the multiplier, Proposition 2 in logit form


def prove_gradient_factorisation(
    m: int, *, decoupled: Loss = dcl_loss, multiplier: Loss = npc_multiplier
) -> list[Proof]:
    r""":math:`\nabla_c L_{\rm InfoNCE} - q_B\,\nabla_c L_{DC} = 0`, all m + 1 partials
    (c = (c_p, c_1, ..., c_m)).

    Our derivation [ours]: :math:`\partial L/\partial c_p = -q_B/\tau` against
    :math:`-1/\tau`, and :math:`\partial L/\partial c_j = e^{c_j/\tau}/(\tau(E + U))
    = q_B\,e^{c_j/\tau}/(\tau U)`; by the chain rule it holds for any parametrisation of the
    cosines. With ``decoupled=coupled_dcl_loss`` (the positive kept in the denominator) and
    either multiplier the check must be refuted. Provenance: derived.
    """
    negatives = negative_cosines(m)
    variables = (C_P, *negatives)
    infonce = infonce_loss(C_P, negatives)
    other = decoupled(C_P, negatives, TAU)
    factor = multiplier(C_P, negatives, TAU)
    return [
        _identity(
            d_infonce,
            factor * d_other,
            f"m={m}: dL_InfoNCE/d{v} == {_name(multiplier)} * d{_name(decoupled)}/d{v}",
        )
        for v, d_infonce, d_other in zip(
            variables, _gradient(infonce, variables), _gradient(other, variables)
        )
    ]


def prove_loss_gap(m: int, *, decoupled: Loss = dcl_loss) -> list[Proof]:
    r""":math:`L_{\rm InfoNCE} - L_{DC} + \log q_B = 0` and :math:`q_B = 1 - e^{-L_{\rm InfoNCE}}`.

    Our derivation [ours]: :math:`L_{\rm InfoNCE} - L_{DC} = \log((E + U)/U) = -\log q_B`.
    Hence :math:`L_{DC} \le L_{\rm InfoNCE}`: the gap
    :math:`-\log q_B` is positive (also proved here, from :math:`0 < q_B < 1`).
    Provenance: derived.
    """
    negatives = negative_cosines(m)
    infonce = infonce_loss(C_P, negatives)
    other = decoupled(C_P, negatives, TAU)
    q = npc_multiplier(C_P, negatives)
    name = _name(decoupled)
    gap = sp.log(1 + sp.exp(C_P / TAU) / sum(_exps(negatives, TAU)))
    as_log = _identity(infonce - other, gap, f"m={m}: L_InfoNCE - {name} == log(1 + e^(c_p/tau)/U)")
    positive = prove_sign(gap, ">", statement=f"m={m}: log(1 + e^(c_p/tau)/U) > 0")
    return [
        _identity(infonce - other + sp.log(q), 0, f"m={m}: L_InfoNCE - {name} + log q_B == 0"),
        _identity(q, 1 - sp.exp(-infonce), f"m={m}: q_B == 1 - exp(-L_InfoNCE)"),
        _conjunction(
            f"m={m}: L_InfoNCE - {name} > 0", [as_log, positive], "the gap as log(1 + E/U) > 0"
        ),
    ]


def prove_npc_multiplier_range(m: int, *, multiplier: Loss = npc_multiplier) -> list[Proof]:
    r""":math:`0 < q_B < 1`, :math:`\partial q_B/\partial c_p < 0` and
    :math:`\partial q_B/\partial c_j > 0`.

    The range is stated on the project page [yeh2022, project page, Proposition 1]; the signs
    are its "easy positive / easy negative" bullets made exact [ours]. ``multiplier`` other than
    :func:`npc_multiplier` is a negative control. Provenance: paper.
    """
    negatives = negative_cosines(m)
    q = multiplier(C_P, negatives)
    proofs = [
        prove_sign(q, ">", statement=f"m={m}: q_B > 0"),
        prove_sign(1 - q, ">", statement=f"m={m}: q_B < 1"),
        prove_sign(sp.diff(q, C_P), "<", statement=f"m={m}: dq_B/dc_p < 0"),
    ]
    proofs += [prove_sign(sp.diff(q, c), ">", statement=f"m={m}: dq_B/d{c} > 0") for c in negatives]
    return proofs


def prove_decoupled_gradient(m: int, *, loss: Loss = dcl_loss) -> list[Proof]:
    r"""Proposition 2 in logit form: the DCL gradient is Eq. (3) with :math:`q_B := 1`,
    :math:`\partial L_{DC}/\partial c_p = -1/\tau`,
    :math:`\partial L_{DC}/\partial c_j = e^{c_j/\tau}/(\tau U)`.

    [yeh2022, Proposition 2; reconstructed from the abstract and the project page]. Refuted for
    :func:`coupled_dcl_loss` (the c_p partial carries q_B) and for
    :func:`two_lse_dcl_loss` (each negative is normalised within its half).
    Provenance: reconstructed (the proposition's wording is not verified).
    """
    negatives = negative_cosines(m)
    value = loss(C_P, negatives, TAU)
    exps = _exps(negatives, TAU)
    total = sum(exps)
    proofs = [
        _identity(sp.diff(value, C_P), -1 / TAU, f"m={m}: d{_name(loss)}/dc_p == -1/tau (no q_B)")
    ]
    proofs += [
        _identity(
            sp.diff(value, c),
            e / (TAU * total),
            f"m={m}: d{_name(loss)}/d{c} == exp({c}/tau)/(tau U)",
        )
        for c, e in zip(negatives, exps)
    ]
    return proofs


# --------------------------------------------------------------------------------------------
# 3. Proposition 1 (and 2) in vector form


def _vector(name: str, dim: int) -> sp.Matrix:
    return sp.Matrix([sp.Symbol(f"{name}_{k}", real=True) for k in range(1, dim + 1)])


def prove_vector_gradients(
    dim: int = 2, m: int = 2, *, loss: Loss = infonce_loss, coupled: bool = True
) -> list[Proof]:
    r"""Eq. (3) with explicit components: raw vectors :math:`z_i^{(1)}, z_i^{(2)}` and m
    negatives :math:`z_j` in :math:`\mathbb R^{dim}` (cosines = dot products, no normalisation):

    .. math::
        -\nabla_{z_i^{(1)}} L = \frac{F}{\tau}\Big(z_i^{(2)} - \sum_j \frac{e^{\langle z_i^{(1)},
        z_j\rangle/\tau}}{U} z_j\Big), \quad -\nabla_{z_i^{(2)}} L = \frac{F}{\tau} z_i^{(1)},
        \quad -\nabla_{z_j} L = -\frac{F}{\tau}\frac{e^{\langle z_i^{(1)}, z_j\rangle/\tau}}{U}
        z_i^{(1)},

    with the common factor :math:`F = q_B` (``coupled=True``: Proposition 1, Eq. 3-4 of the
    project page, provenance paper) or F = 1 (``coupled=False``: Proposition 2 for DCL,
    provenance reconstructed). m = 2(N - 1) = 2 is the paper's batch of N = 2. One proof per
    component, dim · (m + 2) in all.
    """
    anchor, positive = _vector("u", dim), _vector("v", dim)
    negatives = [_vector(f"w{j}", dim) for j in range(1, m + 1)]
    c_p = anchor.dot(positive)
    cosines = [anchor.dot(z) for z in negatives]
    value = loss(c_p, cosines, TAU)
    exps = _exps(cosines, TAU)
    total = sum(exps)
    factor = npc_multiplier(c_p, cosines) if coupled else sp.Integer(1)
    common = factor / TAU
    pull = sum(((e / total) * z for e, z in zip(exps, negatives)), sp.zeros(dim, 1))
    expected = {"z_i^(1)": (anchor, common * (positive - pull))}
    expected["z_i^(2)"] = (positive, common * anchor)
    for j, (z, e) in enumerate(zip(negatives, exps), start=1):
        expected[f"z_{j}^-"] = (z, -common * (e / total) * anchor)
    tag = "q_B" if coupled else "1"
    proofs = []
    for name, (vector, gradient) in expected.items():
        for k in range(dim):
            proofs.append(
                _identity(
                    -sp.diff(value, vector[k]),
                    gradient[k],
                    f"d={dim}, m={m}: -d{_name(loss)}/d{name}[{k + 1}] == Eq.(3) with factor {tag}",
                )
            )
    return proofs


# --------------------------------------------------------------------------------------------
# 4. Wang-Liu


def prove_wang_liu_gradients(m: int, *, loss: Loss = infonce_loss) -> list[Proof]:
    r"""Wang-Liu Eq. (4)-(5) in the similarity s (here the cosine c):

    * :math:`\partial L/\partial s_{ii} = -\frac1\tau\sum_{k\ne i}P_{ik}` (paper) and
      :math:`= -q_B/\tau` (since :math:`\sum_{k\ne i}P_{ik} = 1 - P_{ii} = q_B`, [ours]);
    * :math:`\partial L/\partial s_{ij} = P_{ij}/\tau` (paper), with signs < 0 and > 0;
    * :math:`\sum_j |\partial L/\partial s_{ij}| = |\partial L/\partial s_{ii}|` (paper).

    With ``loss=two_lse_dcl_loss`` the balance must be refuted (its negatives weigh 2/τ).
    Provenance: paper (the q_B link is derived).
    """
    negatives = negative_cosines(m)
    value = loss(C_P, negatives, TAU)
    _, probabilities = softmax_probabilities(C_P, negatives)
    q = npc_multiplier(C_P, negatives)
    d_positive = sp.together(sp.diff(value, C_P))
    d_negatives = [sp.together(sp.diff(value, c)) for c in negatives]
    name = _name(loss)
    proofs = [
        _identity(
            d_positive, -sum(probabilities) / TAU, f"m={m}: d{name}/ds_ii == -(1/tau) sum_k P_ik"
        ),
        _identity(d_positive, -q / TAU, f"m={m}: d{name}/ds_ii == -q_B/tau"),
        prove_sign(d_positive, "<", statement=f"m={m}: d{name}/ds_ii < 0"),
    ]
    for c, p, d in zip(negatives, probabilities, d_negatives):
        proofs.append(_identity(d, p / TAU, f"m={m}: d{name}/ds_i{c.name[2:]} == P_ij/tau"))
        proofs.append(prove_sign(d, ">", statement=f"m={m}: d{name}/ds_i{c.name[2:]} > 0"))
    proofs.append(
        _identity(
            sum(sp.Abs(d) for d in d_negatives),
            sp.Abs(d_positive),
            f"m={m}: sum_j |d{name}/ds_ij| == |d{name}/ds_ii|",
        )
    )
    return proofs


def prove_entropy_temperature(m: int, *, exponent: int = 3) -> list[Proof]:
    r"""The Boltzmann weights sum to 1, :math:`dH(r)/d\tau = \mathrm{Var}_r(c)/\tau^3`, and
    therefore :math:`dH/d\tau \ge 0`.

    Wang-Liu state that H(r) decreases strictly as τ decreases (proof in their supplement); the
    identity is our derivation [ours]. The sign is proved from the Lagrange form
    :math:`\mathrm{Var}_r(c) = \sum_{j<k} r_j r_k (c_j - c_k)^2` (an identity because
    :math:`\sum r = 1`), which sympy's assumptions see as nonnegative. ``exponent`` other than 3
    is a negative control. Provenance: derived (monotonicity: paper).
    """
    negatives = negative_cosines(m)
    r = boltzmann_weights(negatives)
    variance = boltzmann_variance(negatives)
    pairwise = sum(
        r[j] * r[k] * (negatives[j] - negatives[k]) ** 2
        for j, k in itertools.combinations(range(m), 2)
    )
    slope = sp.diff(boltzmann_entropy(negatives), TAU)
    identity = _identity(
        slope, variance / TAU**exponent, f"m={m}: dH(r)/dtau == Var_r(c)/tau^{exponent}"
    )
    lagrange = _identity(variance, pairwise, f"m={m}: Var_r(c) == sum_(j<k) r_j r_k (c_j-c_k)^2")
    sign = prove_sign(
        pairwise / TAU**exponent, ">=", statement=f"m={m}: sum_(j<k) r_j r_k (c_j-c_k)^2 >= 0"
    )
    return [
        _identity(sum(r), 1, f"m={m}: sum_j r_j == 1"),
        identity,
        lagrange,
        _conjunction(
            f"m={m}: dH(r)/dtau >= 0",
            [identity, lagrange, sign],
            "from the two identities and the sign of the Lagrange form",
        ),
    ]


# --------------------------------------------------------------------------------------------
# 5. temperature limits


@functools.cache
def _exp_at_most_one() -> Proof:
    """Lemma: 1 - exp(-y) >= 0 for y >= 0 (so every e^{-b/τ} with b >= 0 lies in (0, 1])."""
    y = sp.Symbol("y", nonnegative=True)
    return prove_nonnegative(
        1 - sp.exp(-y), y, (0.0, math.inf), statement="1 - exp(-y) >= 0 for y >= 0"
    )


def _squeeze(
    statement: str, scaled_loss: sp.Expr, limit_value: sp.Expr, gaps: Sequence[sp.Symbol]
) -> Proof:
    r"""τL → ``limit_value`` as τ → 0+ from the exact decomposition
    :math:`\tau L - \text{limit} = \tau\log(1 + \sum_b e^{-b/\tau})` with gaps b >= 0:
    :math:`1 \le 1 + \sum_b e^{-b/\tau} \le 1 + \#b`, so the remainder lies in
    :math:`[0, \tau\log(1 + \#b)]` and tends to 0 (squeeze)."""
    inner = 1 + sum(sp.exp(-b / TAU) for b in gaps)
    remainder = TAU * sp.log(inner)
    parts = [
        _identity(
            scaled_loss - limit_value, remainder, "tau*L - limit == tau*log(1 + sum_b exp(-b/tau))"
        ),
        prove_sign(remainder, ">=", statement="tau*log(1 + sum_b exp(-b/tau)) >= 0"),
        _exp_at_most_one(),
        prove_limit(TAU * sp.log(1 + len(gaps)), TAU, 0, 0, direction="+"),
    ]
    return _conjunction(
        statement, parts, f"squeeze: 0 <= tau*L - limit <= tau*log({1 + len(gaps)})"
    )


def prove_low_temperature_limits(m: int) -> list[Proof]:
    r"""τ → 0+: :math:`\tau L_{\rm InfoNCE} \to \max(c_{\max} - c_p, 0)` (Wang-Liu Eq. 6, paper)
    and :math:`\tau L_{DC} \to c_{\max} - c_p` (no hinge; our derivation [ours]).

    General symbolic cosines, by cases; L is symmetric in the negatives, so the hardest one is
    c_1 without loss of generality. With M the largest cosine and gaps b >= 0:

    * InfoNCE, c_max <= c_p: c_p = M, c_j = M - b_j (hinge 0);
    * InfoNCE, c_max >= c_p: c_1 = M, c_p = M - b_p, c_j = M - b_j (hinge b_p);
    * DCL: c_1 = M, c_j = M - b_j, c_p free.

    Each case (ties included, b = 0) is proved by :func:`_squeeze`: an exact identity, the sign
    of the remainder, the lemma e^{-y} <= 1 and the limit of τ log(k + 1).
    """
    negatives = negative_cosines(m)
    top = sp.Symbol("M", real=True)
    b_p = sp.Symbol("b_p", nonnegative=True)
    b = [sp.Symbol(f"b_{j}", nonnegative=True) for j in range(1, m + 1)]
    infonce = TAU * infonce_loss(C_P, negatives)
    dcl = TAU * dcl_loss(C_P, negatives)

    below = {C_P: top, **{c: top - g for c, g in zip(negatives, b)}}
    above = {negatives[0]: top, C_P: top - b_p}
    above |= {c: top - g for c, g in zip(negatives[1:], b[1:])}
    hardest = {negatives[0]: top, **{c: top - g for c, g in zip(negatives[1:], b[1:])}}
    hinged = "tau*L_InfoNCE -> max(c_max - c_p, 0)"
    cases = (
        (hinged, "c_max <= c_p: c_p = M, c_j = M - b_j", infonce, True, below, b),
        (
            hinged,
            "c_max >= c_p: c_1 = M, c_p = M - b_p, c_j = M - b_j",
            infonce,
            True,
            above,
            [b_p, *b[1:]],
        ),
        ("tau*L_DC -> c_max - c_p", "c_1 = M, c_j = M - b_j", dcl, False, hardest, b[1:]),
    )
    proofs = []
    for claim, case, scaled, hinge, where, gaps in cases:
        limit_value = low_temperature_limit(C_P, negatives, hinge=hinge).subs(where)
        statement = f"m={m}: {claim} as tau -> 0+ ({case}, b >= 0; limit {limit_value})"
        if limit_value.has(sp.Max):
            proofs.append(Proof(statement, Status.INCONCLUSIVE, "the maximum did not reduce"))
        else:
            proofs.append(_squeeze(statement, scaled.subs(where), limit_value, gaps))
    return proofs


def prove_low_temperature_limit_at(
    c_p: sp.Expr,
    negatives: Sequence[sp.Expr],
    *,
    loss: Loss = infonce_loss,
    expected: sp.Expr | None = None,
) -> Proof:
    """τL → ``expected`` as τ → 0+ at concrete (rational) cosines, by sympy's limit.

    ``expected`` defaults to :func:`low_temperature_limit` with the hinge for InfoNCE and
    without it for any other loss. A cross-check of :func:`prove_low_temperature_limits`, and
    the place for negative controls (a hinge claimed for DCL is refuted when c_max < c_p).
    """
    c_p, negatives = sp.nsimplify(c_p), [sp.nsimplify(c) for c in negatives]
    if expected is None:
        expected = low_temperature_limit(c_p, negatives, hinge=loss is infonce_loss)
    return _limit(
        TAU * loss(c_p, negatives, TAU),
        TAU,
        0,
        sp.sympify(expected),
        direction="+",
        statement=f"tau*{_name(loss)}(c_p={c_p}, c={list(negatives)})",
    )


def prove_high_temperature_remainder(
    loss: sp.Expr, approximation: sp.Expr, leading: sp.Expr, *, statement: str
) -> Proof:
    r""":math:`L - \text{approximation} = O(\tau^{-2})` as τ → ∞, as the exact limit
    :math:`\tau^2 (L - \text{approximation}) \to` ``leading`` (sympy's limit in x = 1/τ → 0+);
    a finite limit means the remainder is :math:`\text{leading}\,\tau^{-2} + o(\tau^{-2})`."""
    remainder = (loss - approximation).subs(TAU, 1 / X)
    return _limit(remainder / X**2, X, 0, leading, direction="+", statement=statement)


def prove_high_temperature_expansions(m: int) -> list[Proof]:
    r"""τ → ∞ with O(τ^-2) remainders, as exact limits of τ² · remainder:

    * InfoNCE (Wang-Liu Eq. 7, N = m + 1 logits, paper):
      :math:`L = -\frac{m}{(m+1)\tau}c_p + \frac{1}{(m+1)\tau}\sum_j c_j + \log(m+1)
      + \frac{\mathrm{Var}(c_p, c_1..c_m)}{2\tau^2} + o(\tau^{-2})`;
    * DCL (our derivation [ours]): :math:`L_{DC} = -c_p/\tau + \log m +
      \frac{1}{m\tau}\sum_j c_j + \frac{\mathrm{Var}(c_1..c_m)}{2\tau^2} + o(\tau^{-2})`,

    with Var the uniform (population) variance: log of a mean of exponentials has the cumulant
    expansion x·mean + x²·Var/2 + O(x³). Provenance: paper (InfoNCE), derived (the remainder
    and DCL).
    """
    negatives = negative_cosines(m)
    return [
        prove_high_temperature_remainder(
            infonce_loss(C_P, negatives),
            infonce_high_temperature(C_P, negatives),
            _uniform_variance([C_P, *negatives]) / 2,
            statement=f"m={m}: tau^2 (L_InfoNCE - Wang-Liu Eq.7) -> Var(c)/2 as tau -> oo",
        ),
        prove_high_temperature_remainder(
            dcl_loss(C_P, negatives),
            dcl_high_temperature(C_P, negatives),
            _uniform_variance(negatives) / 2,
            statement=f"m={m}: tau^2 (L_DC - DCL expansion) -> Var(c_neg)/2 as tau -> oo",
        ),
    ]


# --------------------------------------------------------------------------------------------
# 6. DCLW weights


def prove_dclw_weight_properties(n: int, *, scale: sp.Expr | None = None) -> list[Proof]:
    r"""For :math:`w_i = 2 - N\,\mathrm{softmax}_i(c_{p,i}/\sigma)` over N positive cosines:
    mean exactly 1, :math:`w_i < 2`, :math:`w_i \to 1` as σ → ∞, and
    :math:`\partial w_i/\partial c_{p,i} < 0` ([ours]). Each of the last three
    is a conjunction over i = 1..N. ``scale=1`` (the pre-afdb447 bug) must refute the mean and
    the limit. Provenance: derived.
    """
    positives = positive_cosines(n)
    weights = dclw_weights(positives, scale=scale)
    tag = f"N={n}" + ("" if scale is None else f", scale={scale}")
    below_two = [prove_sign(2 - w, ">", statement=f"2 - w_{i}") for i, w in enumerate(weights, 1)]
    limits = [
        _limit(w, SIGMA, sp.oo, 1, direction="-", statement=f"w_{i} as sigma -> oo")
        for i, w in enumerate(weights, 1)
    ]
    slopes = [
        prove_sign(sp.diff(w, c), "<", statement=f"dw_{i}/dc_p{i} < 0")
        for i, (w, c) in enumerate(zip(weights, positives), 1)
    ]
    return [
        _identity(sum(weights) / n, 1, f"{tag}: mean_i w_i == 1"),
        _conjunction(f"{tag}: w_i < 2 for all i", below_two, "sympy assumptions, each i"),
        _conjunction(f"{tag}: w_i -> 1 as sigma -> oo for all i", limits, "sympy limit, each i"),
        _conjunction(
            f"{tag}: w_i strictly decreasing in c_p,i for all i", slopes, "sign of the partial"
        ),
    ]


HALF = sp.Rational(1, 2)
"""σ = 1/2, the default of lightly, nidl and raminnakhli."""
SPREAD_64 = tuple(sp.Rational(-63 + 2 * k, 63) for k in range(64))
"""64 cosines evenly spread on [-1, 1] (our example of a negative DCLW weight)."""


def _interval_weight(cosines: Sequence[sp.Rational], sigma: sp.Rational, index: int, scale):
    """Rigorous enclosure of w_index (mpmath.iv, outward rounding, 120 bits)."""

    def exact(q):
        q = sp.Rational(q)
        return iv.mpf(int(q.p)) / iv.mpf(int(q.q))

    with interval_precision(120):
        sigma_iv = exact(sigma)
        exps = [iv.exp(exact(c) / sigma_iv) for c in cosines]
        total = sum(exps[1:], exps[0])
        return exact(2) - exact(scale) * exps[index] / total


def prove_dclw_negative_weight(
    cosines: Sequence[sp.Expr] = SPREAD_64,
    sigma: sp.Expr = HALF,
    *,
    index: int | None = None,
    scale: sp.Expr | None = None,
) -> Proof:
    r"""An exact witness that a DCLW weight can be negative: :math:`w_{\rm index} < 0` at the given
    rational cosines and σ (default: 64 cosines spread on [-1, 1], σ = 1/2, the largest cosine;
    [ours]).

    Rungs: sympy's sign of the exact value agreeing with a rigorous 120-bit interval enclosure
    (proved); the enclosure alone (certified); an enclosure above 0 refutes. Provenance: derived.
    """
    cosines = [sp.nsimplify(c) for c in cosines]
    sigma = sp.nsimplify(sigma)
    if index is None:
        index = max(range(len(cosines)), key=lambda i: cosines[i])
    n = len(cosines)
    factor = sp.Integer(n) if scale is None else sp.nsimplify(scale)
    weight = dclw_weights(cosines, sigma, scale=factor)[index]
    statement = f"N={n}, sigma={sigma}: w_{index + 1} < 0 (cosine {cosines[index]})"
    enclosure = _interval_weight(cosines, sigma, index, factor)
    low, high = mpmath.mpf(enclosure.a), mpmath.mpf(enclosure.b)
    width = mpmath.nstr(mpmath.mpf(enclosure.delta), 2)
    bounds = f"w in [{mpmath.nstr(low, 15)}, {mpmath.nstr(high, 15)}], width {width}"
    exact_sign = time_limited(lambda: weight.is_negative)
    if high < 0:
        if exact_sign is True:
            return Proof(statement, Status.PROVED, "sign of the exact value", bounds)
        return Proof(statement, Status.CERTIFIED, "interval arithmetic, 120 bits", bounds)
    if low >= 0:
        return Proof(statement, Status.REFUTED, "interval arithmetic, 120 bits", bounds)
    return Proof(statement, Status.INCONCLUSIVE, "the enclosure straddles 0", bounds)


# --------------------------------------------------------------------------------------------
# 7. the aligned regular simplex


def prove_simplex_minimum_values(
    n_values: Sequence[int] = (2, 3, 4, 5),
    *,
    infonce_value: Callable = infonce_minimum,
    dcl_value: Callable = dcl_minimum,
) -> list[Proof]:
    r"""The per-anchor losses at the aligned regular simplex equal :func:`infonce_minimum` and
    :func:`dcl_minimum` ([ours]).

    (a) Symbolic N: positive cosine 1 and 2(N - 1) negatives at cosine -1/(N - 1), the sum
    built as a sympy ``Sum`` and evaluated. (b) Each N in ``n_values``: the explicit vectors of
    :func:`simplex_embeddings` (views equal), their exact Gram matrix (1 on the diagonal,
    -1/(N-1) off it) and every one of the 2N anchors. Wrong closed forms (e.g. the factor 2
    dropped) must be refuted. Provenance: derived.
    """
    n = sp.Symbol("N", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    off = -1 / ((n - 1) * TAU)
    negatives_sum = sp.Sum(sp.exp(off), (j, 1, 2 * n - 2)).doit()
    # N >= 2 as N = 2 + y with y > 0, so that log(2N - 2) splits soundly
    shift = {n: 2 + sp.Symbol("y", positive=True)}
    symbolic_infonce = (-1 / TAU + sp.log(sp.exp(1 / TAU) + negatives_sum)).subs(shift)
    symbolic_dcl = (-1 / TAU + sp.log(negatives_sum)).subs(shift)
    proofs = [
        _identity(
            symbolic_infonce,
            infonce_value(n, TAU).subs(shift),
            "N symbolic: InfoNCE at (c_p = 1, 2(N-1) x c = -1/(N-1)) == L*_InfoNCE",
        ),
        _identity(
            symbolic_dcl,
            dcl_value(n, TAU).subs(shift),
            "N symbolic: DCL at (c_p = 1, 2(N-1) x c = -1/(N-1)) == L*_DC",
        ),
    ]
    for size in n_values:
        vectors = simplex_embeddings(size)
        gram = [
            _identity(
                vectors[a].dot(vectors[b]),
                1 if a == b else sp.Rational(-1, size - 1),
                f"<v_{a + 1}, v_{b + 1}>",
            )
            for a in range(size)
            for b in range(a, size)
        ]
        proofs.append(
            _conjunction(
                f"N={size}: simplex vectors are unit with pairwise cosine -1/(N-1)",
                gram,
                "exact Gram matrix",
            )
        )
        views = [(v, v) for v in vectors]
        for loss, closed_form, label in (
            (infonce_loss, infonce_value, "L*_InfoNCE"),
            (dcl_loss, dcl_value, "L*_DC"),
        ):
            anchors = [
                _identity(value, closed_form(size, TAU), f"anchor {a + 1}")
                for a, value in enumerate(batch_anchor_losses(views, loss=loss))
            ]
            proofs.append(
                _conjunction(
                    f"N={size}: every anchor's {_name(loss)} at the simplex == {label}",
                    anchors,
                    "evaluated from the explicit vectors",
                )
            )
    return proofs


def prove_simplex_stationary(
    n: int = 3,
    *,
    loss: Loss = infonce_loss,
    views: Sequence[tuple[sp.Matrix, sp.Matrix]] | None = None,
) -> Proof:
    r"""Bonus: the aligned regular simplex is a stationary point of the batch loss (the sum of
    the 2N per-anchor losses) over free unit vectors: the tangential part
    :math:`(I - zz^\top)\nabla_z` of the gradient vanishes at every one of the 2N vectors.

    The gradient is sympy's, with respect to 2N free vectors of :math:`\mathbb R^N`, evaluated
    at ``views`` (default: :func:`simplex_embeddings`, views equal). A non-symmetric
    configuration of unit vectors is a negative control. Provenance: derived.
    """
    if views is None:
        views = [(v, v) for v in simplex_embeddings(n)]
    dim = views[0][0].rows
    step = sp.Symbol("t", real=True)
    parts = []
    for i, k in itertools.product(range(len(views)), range(2)):
        z = views[i][k]
        gradient = []
        for r in range(dim):
            # the partial derivative as d/dt at t = 0 along the coordinate direction e_r
            moved = list(views)
            shifted = list(views[i])
            shifted[k] = z + step * sp.Matrix([1 if q == r else 0 for q in range(dim)])
            moved[i] = (shifted[0], shifted[1])
            total = sum(batch_anchor_losses(moved, loss=loss))
            gradient.append(sp.diff(total, step).subs(step, 0))
        gradient = sp.Matrix(gradient)
        tangential = gradient - z * (z.T * gradient)[0, 0]
        parts += [
            _identity(e, 0, f"tangential gradient at z_{i + 1}^({k + 1})[{r + 1}]")
            for r, e in enumerate(tangential)
        ]
    return _conjunction(
        f"N={len(views)}: {_name(loss)} batch loss is stationary on the sphere there",
        parts,
        "exact tangential gradient, every component",
    )


# --------------------------------------------------------------------------------------------
# summary


def contrastive_identities(
    m_values: Sequence[int] = (1, 2, 3, 4),
    *,
    n_values: Sequence[int] = (2, 3, 4),
    simplex_sizes: Sequence[int] = (2, 3, 4, 5),
) -> list[Proof]:
    """Every statement of this module, for a paper check: per m in ``m_values`` the gradient
    factorisation, loss gap, q_B range and signs, Proposition 2 (logits), Wang-Liu gradients,
    the entropy identity (m >= 2), the low- and high-temperature limits; then Propositions 1-2
    in vector form (d = 2, m = 2), the DCLW facts for N in ``n_values`` with the 64-cosine
    negative witness, the simplex values for ``simplex_sizes`` and the simplex stationarity
    for N = 3 (both losses)."""
    proofs: list[Proof] = []
    for m in m_values:
        proofs += prove_gradient_factorisation(m)
        proofs += prove_loss_gap(m)
        proofs += prove_npc_multiplier_range(m)
        proofs += prove_decoupled_gradient(m)
        proofs += prove_wang_liu_gradients(m)
        if m >= 2:
            proofs += prove_entropy_temperature(m)
        proofs += prove_low_temperature_limits(m)
        proofs += prove_high_temperature_expansions(m)
    proofs += prove_vector_gradients(2, 2)
    proofs += prove_vector_gradients(2, 2, loss=dcl_loss, coupled=False)
    for n in n_values:
        proofs += prove_dclw_weight_properties(n)
    proofs.append(prove_dclw_negative_weight())
    proofs += prove_simplex_minimum_values(simplex_sizes)
    proofs.append(prove_simplex_stationary(3))
    proofs.append(prove_simplex_stationary(3, loss=dcl_loss))
    return proofs
