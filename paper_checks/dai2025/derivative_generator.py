"""dai2025: the EnsLoss generator of random loss-derivatives and what it implies.

Range and order of the generated values, the clamped mass, the population limit as the batch
grows, convexity of the implied loss, the gradient of the repo's returned scalar, and whether
the generated tail keeps the implied loss bounded below.

[SRC] The generator is the official code's ``losses.py`` (``ensLoss.forward``, read in full, at
HEAD ``fd37682``; :mod:`simulations.ensloss` implements it): for a batch of margins s_i, draw
z_j ~ N(0, 1), set v_j = -BC⁻¹_λ(z_j) (inverse Box-Cox, e^z at λ = 0), sort and clamp at -1,
give the i-th smallest margin the i-th smallest value, divide by s where s > 1, subtract 1e-6;
the module returns mean(sg(g) s).

[OURS] What follows from it:

* BC⁻¹_λ(0) = 1 and BC⁻¹_λ is increasing, so P(v ≤ -1) = P(z ≥ 0) = 1/2 for every λ; at λ = 1/2
  the values with 1 + z/2 ≤ 0 are exactly 0, a mass Φ(-2);
* as B → ∞ the value at rank quantile u tends to -min(1, BC⁻¹_λ(Φ⁻¹(1 - u))): -1 on the lower
  half of the margins, -0.7762, -0.5094, -0.2776 at u = 0.6, 0.75, 0.9 (λ = 0), the finite-B
  bias of order 1/B;
* the values are non-decreasing in the margin, also after the 1/s tail (for s_a < s_b with
  s_b > 1, v_a ≤ v_b ≤ v_b/s_b), so the loss implied by one draw is convex and non-increasing;
* the tail |g| ~ c/s makes the implied loss fall like c log s: not bounded below, while the
  g/(s log² s) tail rule of commit 419c6fb was integrable.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from scipy import stats

from paper_checks.claims import Context, Outcome, Verdict
from simulations import ensloss as ens
from simulations import mlp
from simulations.backend import to_numpy
from theory import calibration
from theory.calibration import Z

TAIL_G = {
    "inverse": sp.Piecewise((-1, Z <= 1), (-1 / Z, True)),
    "log_squared": sp.Piecewise((-1, Z <= sp.E), (-1 / (Z * sp.log(Z) ** 2), True)),
}
"""The generator's most negative derivative (-1, the clamp) with each rescaling tail of
:data:`simulations.ensloss.TAILS` (``inverse``: the code's g/s for s > 1; ``log_squared``: the
g/(s log² s) rule of commit 419c6fb for s > e)."""
TAIL_RULES = {
    "inverse": "g/s for s > 1",
    "log_squared": "g/(s log(s)^2) for s > e",
    "none": "g at every margin",
}
"""Each tail of :data:`simulations.ensloss.TAILS` as a formula, for the evidence."""


def generator_formula(tail: str) -> str:
    """The generated loss-derivative at margin s_i of a batch with rescaling ``tail``, as the
    evidence states it (the Box-Cox lambda is given beside it)."""
    return (
        f"g_i = t(v_(r_i)) - {ens.SHIFT:g}: z_j ~ N(0, 1) iid, v_j = max(-1, -BC^-1_lambda(z_j)) "
        f"sorted, BC^-1_lambda(z) = max(0, 1 + lambda z)^(1/lambda) (e^z at lambda = 0), r_i the "
        f"rank of s_i in the batch, t(g) = {TAIL_RULES[tail]}"
    )


def tail_bounded_below(ctx: Context, tail: str = "inverse") -> Outcome:
    """Do the generated derivatives satisfy the bounded-below (raising-tail) condition?

    Decided symbolically: the clamped derivative -1 with the ``tail`` is integrated to infinity.
    As evidence, the implied loss of random batches (cumulative integral over sorted margins)
    is measured per decade of margin: it keeps falling like c log s for the code's tail and
    slows down (like 1/log s) for the integrable one.
    """
    symbolic = calibration.check_derivative(TAIL_G[tail]).bounded_below
    draws = ctx.pick(20, 200)
    per_decade = ens.implied_loss_per_decade(ctx.backend.rng(ctx.seed), tail, draws)
    verdict = {True: Verdict.VERIFIED, False: Verdict.REFUTED}.get(
        symbolic.holds, Verdict.INCONCLUSIVE
    )
    return Outcome(
        verdict,
        f"{tail} tail: {symbolic.status} ({symbolic.rung}); implied loss changes by "
        f"{per_decade[-1]:+.3f} per decade of margin at s ~ 1e4",
        {
            "tail": tail,
            "g": str(TAIL_G[tail]),
            "generator": generator_formula(tail),
            "lambda": 0.0,
            "symbolic": symbolic,
            "implied_loss_change_per_decade": per_decade.tolist(),
            "other_tails": {
                name: {"g": str(g), "bounded_below": calibration.check_derivative(g).bounded_below}
                for name, g in TAIL_G.items()
                if name != tail
            },
        },
        {
            "value": 0,
            "why": "the verdict is the exact symbolic tail integral; the per-decade changes "
            "of the implied loss are reported, not thresholded",
        },
        checked=f"the clamped derivative -1 with the tail {TAIL_RULES[tail]}, integrated to "
        "infinity (symbolic); the implied loss of "
        f"{draws} random batches (lambda = 0) at margins 1e2, 1e3, 1e4",
    )


LAMBDAS = (-0.9, -0.5, 0.0, 0.5, 0.9)
BATCHES = (1, 2, 3, 7, 128, 1000)


def generator_valid(ctx: Context, shift: float = ens.SHIFT) -> Outcome:
    """Every value in [-1 - 1e-6, -1e-6] and non-decreasing along sorted margins, for any B, λ.

    Both ends are pinned: -1 - ``shift`` (the clamp) and -``shift`` (the values exactly 0
    before the shift, drawn for λ > 0 where 1 + λz ≤ 0) are attained."""
    checked, worst_low, worst_high, drops = ens.generator_range(
        ctx.backend.rng(ctx.seed), ctx.pick(50, 500), BATCHES, LAMBDAS
    )
    ends = (-1 - shift, -shift)
    off = max(abs(worst_low - ends[0]), abs(worst_high - ends[1]))
    ok = off <= 1e-15 and drops == 0
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"{checked:,} derivatives: range [{worst_low:.7f}, {worst_high:.2e}] (ends off by "
        f"{off:.1e} from -1 - shift, -shift), {drops} decreases",
        {
            "values": checked,
            "min": worst_low,
            "max": worst_high,
            "claimed_ends": ends,
            "order_violations": drops,
            "batch_sizes": list(BATCHES),
            "lambdas": LAMBDAS,
            "generator": generator_formula("inverse"),
            "tails": {tail: TAIL_RULES[tail] for tail in ens.TAILS},
        },
        {
            "value": 1e-15,
            "why": "values are exact results of sort/clamp/divide/shift; 1e-15 covers the "
            "float64 representation of -1 - 1e-6. Power: a shift off by more than 1e-15 (1e-9 of "
            "it) moves an end outside the pin; the control (1.01e-6) is refuted",
        },
        checked=f"{checked:,} derivatives from N(0, 9) margins over B in {BATCHES} x lambda in "
        f"{LAMBDAS} x tails {ens.TAILS}",
    )


def clamp_mass(ctx: Context, claimed: float = 0.5) -> Outcome:
    """P(v ≤ -1) = 1/2 for every λ; for λ = 1/2 a mass Φ(-2) sits exactly at 0."""
    draws = ctx.pick(1_000_000, 20_000_000)
    rng = ctx.backend.rng(ctx.seed)
    xp = ctx.backend.xp
    rows, worst = [], 0.0
    for lam in LAMBDAS:
        v = ens.raw_draws(rng, (draws,), lam)
        share = float(to_numpy(xp.mean(xp.astype(v <= -1, xp.float64))))
        z = (share - claimed) / math.sqrt(claimed * (1 - claimed) / draws)
        rows.append({"lambda": lam, "share_at_or_below_-1": share, "z": z})
        worst = max(worst, abs(z))
    v = ens.raw_draws(rng, (draws,), 0.5)
    zero = float(to_numpy(xp.mean(xp.astype(v == 0, xp.float64))))
    expected_zero = float(stats.norm.cdf(-2))
    zero_z = (zero - expected_zero) / math.sqrt(expected_zero * (1 - expected_zero) / draws)
    ok = worst <= 5 and abs(zero_z) <= 5
    detectable = 5 * math.sqrt(claimed * (1 - claimed) / draws)
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"max |z| = {worst:.2f} over lambda in {LAMBDAS} ({draws:,} draws each; a share off by "
        f"{detectable:.4f} is detected); mass at 0 for lambda = 1/2: {zero:.5f} (Phi(-2) = "
        f"{expected_zero:.5f})",
        {
            "rows": rows,
            "zero_mass_lambda_half": zero,
            "zero_mass_z": zero_z,
            "detectable_share_departure": detectable,
            "detectable_zero_mass_departure": 5
            * math.sqrt(expected_zero * (1 - expected_zero) / draws),
            "raw_value": "v = -BC^-1_lambda(z), z ~ N(0, 1), before the clamp at -1",
            "z_convention": "z = (measured share - claimed share) / sqrt(p (1 - p) / draws), p "
            "the claimed share: positive when more raw values than claimed lie at or below -1 "
            "(zero_mass_z: are exactly 0)",
        },
        {
            "value": "5 standard errors",
            "why": "CLT: a Bernoulli mean with n draws has standard error sqrt(p(1-p)/n); "
            "power: a departure of 5 se is detected, and the control (a claimed share of 0.505) "
            "is refuted",
        },
        checked=f"{draws:,} draws for each lambda in {LAMBDAS}, and {draws:,} more at "
        "lambda = 0.5 for the mass at 0",
    )


POPULATION_QUANTILES = np.array([0.6, 0.75, 0.9])
POPULATION_4_DIGITS = np.array([-0.7762, -0.5094, -0.2776])
"""[OURS] The limit at u = 0.6, 0.75, 0.9 to 4 digits, as written down when it was derived (the
module docstring): a pin of :func:`simulations.ensloss.population_derivative`."""


def population_limit(ctx: Context, limit=ens.population_derivative) -> Outcome:
    """Mean derivative at rank quantile u → -min(1, exp(Φ⁻¹(1 - u))), the gap vanishing in B."""
    quantiles = POPULATION_QUANTILES
    batches = ctx.pick((16, 64, 256), (16, 64, 256, 1024))
    total = ctx.pick(4_000_000, 32_000_000)
    rng = ctx.backend.rng(ctx.seed)
    xp = ctx.backend.xp
    gaps, errors, curves = ens.population_gaps(rng, batches, total, quantiles, limit)
    slopes = [
        float(np.polyfit(np.log(batches), np.log(gaps[:, k]), 1)[0]) for k in range(len(quantiles))
    ]
    resolved = bool(np.all(gaps[0] > 5 * errors[0]))
    reference = -np.minimum(1.0, np.exp(stats.norm.isf(quantiles)))
    pins = (
        float(np.max(np.abs(ens.population_derivative(quantiles) - reference))),
        float(np.max(np.abs(reference - POPULATION_4_DIGITS))),
    )
    ok = resolved and max(slopes) < -0.5 and pins[0] <= 1e-12 and pins[1] <= 5e-5
    u = np.linspace(0.005, 0.995, 400)
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"gap to the limit shrinks like B^{max(slopes):.2f} (u = "
        f"{', '.join(f'{q:g}' for q in quantiles)}; B = {batches}); limit off scipy's normal "
        f"quantile by {pins[0]:.0e}, off its 4-digit values by {pins[1]:.0e}",
        {
            "limit": "-min(1, exp(Phi^-1(1 - u)))",
            "values": "the i-th smallest of B values max(-1, -exp(z_j)), z_j ~ N(0, 1) iid "
            "(lambda = 0, before the tail and the shift), at u = (i - 3/8)/(B + 1/4)",
            "quantiles": quantiles,
            "limit_reference": reference,
            "limit_off_reference_and_4_digit_values": pins,
            "batches": batches,
            "gaps": gaps,
            "standard_errors": errors,
            "log_log_slopes": slopes,
        },
        {
            "value": "slope < -0.5; limit pin 1e-12",
            "why": "the finite-B bias is O(1/B) (order statistics); the Monte Carlo standard "
            "errors (printed) are kept below the gaps at the smallest B. Power: a limit 1% too "
            "large flattens the slope above -0.5 (the control). The pin compares "
            "population_derivative with -min(1, exp(norm.isf(u))) (1e-12, rounding) and that "
            "with its 4-digit values (5e-5 allowed for their rounding)",
        },
        {
            "curves": curves,
            "u": u,
            "limit": limit(u),
            "draws": ens.example_draws(
                rng, xp.linspace(-3.0, 6.0, 128, dtype=xp.float64), (-0.5, 0.0, 0.5)
            ),
        },
        checked=f"{total:,} draws for each batch size B in {batches}, in {total:,} // B "
        f"batches; rank quantiles u in {tuple(float(q) for q in quantiles)}",
    )


def uncoupled_derivatives(margins, rng, lam):
    """Control: generated values reversed along the batch, no longer matched to the ranks."""
    return rng.xp.flip(ens.ensloss_derivatives(margins, rng, lam=lam, tail="none"), axis=-1)


IMPLIED_LOSS_BATCHES = (8, 128)


def implied_loss_convex(ctx: Context, derivatives=ens.ensloss_derivatives) -> Outcome:
    """The loss implied by one draw (integral of the step derivative over sorted margins) is
    convex, non-increasing and has a negative slope at 0."""
    rng = ctx.backend.rng(ctx.seed)
    bad, batches, rows = 0, 0, ctx.pick(200, 2000)
    for lam in LAMBDAS:
        for batch in IMPLIED_LOSS_BATCHES:
            margins = rng.normal((rows, batch)) * 2
            bad += int(
                np.sum(ens.implied_loss_failures(margins, derivatives(margins, rng, lam=lam)))
            )
            batches += margins.shape[0]
    return Outcome(
        Verdict.VERIFIED if bad == 0 else Verdict.REFUTED,
        f"{batches:,} draws: {bad} implied losses not convex, not non-increasing or flat at 0",
        {
            "draws": batches,
            "failures": bad,
            "lambdas": LAMBDAS,
            "generator": generator_formula("inverse"),
            "margins": "N(0, 4)",
        },
        {"value": 0, "why": "exact comparisons of the generated slopes and their cumulative sums"},
        checked=f"{batches:,} random batches of N(0, 4) margins: {rows:,} for each B in "
        f"{IMPLIED_LOSS_BATCHES} x lambda in {LAMBDAS}",
    )


def gradient_equivalence(ctx: Context, backward=mlp.backward) -> Outcome:
    """The gradient of (1/B) Σ sg(g_i) s_i is (1/B) Σ g_i y_i ∇f(x_i): explicit backprop vs
    central finite differences on a small ReLU network."""
    worst, value = ens.gradient_gap(ctx.backend.rng(ctx.seed), backward)
    return Outcome(
        Verdict.VERIFIED if worst <= 1e-7 else Verdict.REFUTED,
        f"max relative gap {worst:.1e} over all parameters; objective value {value:+.4f} "
        "(its sign carries no meaning)",
        {
            "max_relative_gap": worst,
            "objective_value": value,
            "objective": "(1/B) sum_i sg(g_i) y_i f(x_i), g the generated derivatives",
            "generator": generator_formula("inverse"),
            "lambda": 0.0,
        },
        {
            "value": 1e-7,
            "why": "central differences with h = 1e-6: truncation O(h^2) and rounding "
            "O(eps/h) ~ 1e-10, far below 1e-7; ReLU kinks are hit with probability ~h",
        },
        checked="every parameter of one random ReLU network and batch "
        f"({ens.gradient_gap.__module__}.{ens.gradient_gap.__name__})",
    )
