r"""The statements about InfoNCE, DCL and DCLW of :mod:`theory.contrastive`, with their proofs.

Sources:

* Yeh, Hong, Hsu, Liu, Chen, LeCun, *Decoupled Contrastive Learning*, ECCV 2022, arXiv 2110.06848
  (``yeh2022``). Only the abstract, the project page (https://danielchyeh.github.io/DCL/:
  Eq. 1-4, Proposition 1) and quotes of the PDF in lightly PRs #1302, #1826 and #1827 were
  available; the paper body was not read.
* Wang & Liu, *Understanding the Behaviour of Contrastive Loss*, CVPR 2021, arXiv 2012.09740
  (``wang2021``), read in full (without the supplement).

Sections: (1-2) the gradient factorisation through the NPC multiplier :math:`q_B`, the loss gap,
the range and signs of :math:`q_B`, Proposition 2 in logit form; (3) Propositions 1 and 2 in
vector form; (4) the Wang-Liu gradients and the entropy of the Boltzmann weights; (5) the low-
and high-temperature limits; (6) the DCLW weights; (7) the aligned regular simplex. A wrong
loss, multiplier or closed form passed in is a negative control and must be refuted.

Every ``prove_*`` returns :class:`theory.proof.Proof` objects with the rung that decided them
(proved symbolically, certified numerically, refuted, inconclusive), never a bare bool. Each
docstring gives the formula, where it comes from and a provenance tag, also collected in
:data:`PROVENANCE`: ``paper`` (confirmed in a source: the project page's Eq. 1-4 or the full
Wang-Liu text), ``reconstructed`` (a quote or a peer implementation, the paper body not read:
not verified) and ``derived`` (our derivation [OURS], carried out or checked by the function
itself). Identities, limits and signs are decided by the helpers of :mod:`theory.contrastive`
(refuted early at off-diagonal sample points); :func:`contrastive_identities` collects every
statement for a paper check.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence

import mpmath
import sympy as sp
from mpmath import iv

from theory.contrastive import (
    C_P,
    SIGMA,
    TAU,
    Loss,
    _exps,
    _identity,
    _limit,
    _uniform_variance,
    batch_anchor_losses,
    boltzmann_entropy,
    boltzmann_variance,
    boltzmann_weights,
    dcl_high_temperature,
    dcl_loss,
    dcl_minimum,
    dclw_weights,
    infonce_high_temperature,
    infonce_loss,
    infonce_minimum,
    low_temperature_limit,
    negative_cosines,
    npc_multiplier,
    positive_cosines,
    prove_sign,
    simplex_embeddings,
    softmax_probabilities,
)
from theory.proof import (
    Proof,
    Status,
    interval_precision,
    prove_limit,
    prove_nonnegative,
    time_limited,
    weakest,
)

X = sp.Symbol("x", positive=True)
"""x = 1/τ, the variable of the large-temperature expansions."""

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
# helpers of the proofs


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
    :func:`theory.contrastive.npc_multiplier` is a negative control. Provenance: paper.
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
    :func:`theory.contrastive.coupled_dcl_loss` (the c_p partial carries q_B) and for
    :func:`theory.contrastive.two_lse_dcl_loss` (each negative is normalised within its half).
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

    ``expected`` defaults to :func:`theory.contrastive.low_temperature_limit` with the hinge for
    InfoNCE and without it for any other loss. A cross-check of
    :func:`prove_low_temperature_limits`, and the place for negative controls (a hinge claimed
    for DCL is refuted when c_max < c_p).
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
    r"""The per-anchor losses at the aligned regular simplex equal
    :func:`theory.contrastive.infonce_minimum` and :func:`theory.contrastive.dcl_minimum` ([ours]).

    (a) Symbolic N: positive cosine 1 and 2(N - 1) negatives at cosine -1/(N - 1), the sum
    built as a sympy ``Sum`` and evaluated. (b) Each N in ``n_values``: the explicit vectors of
    :func:`theory.contrastive.simplex_embeddings` (views equal), their exact Gram matrix (1 on
    the diagonal, -1/(N-1) off it) and every one of the 2N anchors. Wrong closed forms (e.g.
    the factor 2 dropped) must be refuted. Provenance: derived.
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
    at ``views`` (default: :func:`theory.contrastive.simplex_embeddings`, views equal). A
    non-symmetric configuration of unit vectors is a negative control. Provenance: derived.
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
