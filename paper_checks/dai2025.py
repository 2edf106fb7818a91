"""Ben Dai, *EnsLoss: Stochastic Calibrated Loss Ensembles for Preventing Overfitting in
Classification*, ICML 2025 (arXiv 2409.00908), and its background (BJM 2006).

Only the abstract and the official code ``statmlben/ensLoss`` were read (``shared/research/
ensloss.md``): statements taken from the code or its README are ``paper``, the lemma-level
translation of the conditions to loss-derivatives is ``reconstructed`` (the paper body was not
read), and the note's own findings and pilots are ``derived``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import sympy as sp
from scipy import stats

from figures import ensloss as draw
from paper_checks.claims import (
    Claim,
    Context,
    Control,
    Method,
    Outcome,
    Provenance,
    Verdict,
    proof_outcome,
)
from simulations import datasets, mlp
from simulations import ensloss as ens
from simulations.backend import derive, to_numpy
from simulations.sweeps import Cell
from theory import calibration
from theory.proof import Proof, Status

PAPER = "dai2025"
NOTE = "ensloss.md"
Z = calibration.Z
E = sp.E


def _hinge_with_tail(tail: sp.Expr) -> sp.Expr:
    return sp.Piecewise((1 - Z, Z <= 1), (tail, True))


LOGISTIC = sp.log(1 + sp.exp(-Z))
STANDARD = {
    "logistic": (LOGISTIC, sp.Rational(-1, 2)),
    "exponential": (sp.exp(-Z), sp.Integer(-1)),
    "squared": ((1 - Z) ** 2, sp.Integer(-2)),
    "squared hinge": (sp.Max(0, 1 - Z) ** 2, sp.Integer(-2)),
    "hinge": (sp.Max(0, 1 - Z), sp.Integer(-1)),
}
"""Standard losses with their φ'(0) (``ensloss.md`` §1.2, §6 claim 1)."""

NOT_CC = {
    "perceptron": sp.Max(0, -Z),
    "exp(z)": sp.exp(Z),
    "squared perceptron": sp.Max(0, -Z) ** 2,
}
"""Not calibrated: not differentiable at 0; φ'(0) = +1; convex, differentiable and bounded
below with φ'(0) = 0 exactly, so only the strict φ'(0) < 0 (and g(0) < 0) rejects it."""

TAIL_LOSSES = {
    "Inv_Hinge": (_hinge_with_tail(1 / Z - 1), (True, True, True)),
    "Inv_Log_Hinge": (_hinge_with_tail(E / sp.log(Z + E - 1) - E), (True, True, True)),
    "Log_Hinge": (_hinge_with_tail(-sp.log(Z)), (True, True, False)),
    "Exp_Hinge": (_hinge_with_tail(-sp.exp(-(Z - 1))), (False, False, True)),
    "sqrt_Hinge": (_hinge_with_tail(-2 * sp.sqrt(Z - 1)), (False, False, False)),
}
"""The repo's appendix-D losses (hinge for z ≤ 1) and the note's table: (convex, C¹ at 1,
bounded below) (``ensloss.md`` §6 claim 4)."""


def cc_standard_losses(ctx: Context, losses: dict = STANDARD) -> Outcome:
    """Convex, differentiable at 0 with the listed φ'(0) < 0, bounded below: calibrated."""
    proofs, rows = [], []
    for name, (phi, slope) in losses.items():
        report = calibration.check_cc(phi)
        left, right = report.slope_at_zero
        proofs += [
            _named(name, report.convex),
            _named(name, report.differentiable_at_zero),
            Proof(
                f"{name}: phi'(0) == {slope}",
                Status.PROVED if sp.simplify(right - slope) == 0 else Status.REFUTED,
                "exact one-sided slopes",
                f"left {left}, right {right}",
            ),
            _named(name, report.bounded_below),
            _named(name, report.calibrated),
        ]
        rows.append({"loss": name, **report.as_dict()})
    return proof_outcome(proofs, evidence={"reports": rows})


def _named(name: str, proof: Proof) -> Proof:
    return Proof(f"{name}: {proof.statement}", proof.status, proof.rung, proof.detail)


def cc_negative_controls(ctx: Context, losses: dict = NOT_CC) -> Outcome:
    """The perceptron and exp(z) are flagged not calibrated."""
    proofs = []
    for name, phi in losses.items():
        report = calibration.check_cc(phi)
        flagged = report.calibrated.holds is False
        proofs.append(
            Proof(
                f"{name} is flagged not calibrated",
                Status.PROVED if flagged else Status.REFUTED,
                report.calibrated.rung,
                f"{report.calibrated.status}; slopes {report.slope_at_zero}",
            )
        )
    return proof_outcome(proofs)


def _agreement(statement: str, found: bool | None, want: bool | None, rung: str, detail: str):
    """Proved if ``found`` equals ``want``, refuted if not, inconclusive if either is None."""
    status = (
        Status.INCONCLUSIVE
        if None in (found, want)
        else Status.PROVED
        if found == want
        else Status.REFUTED
    )
    return Proof(statement, status, rung, detail)


def tail_losses(ctx: Context, table: dict = TAIL_LOSSES) -> Outcome:
    """The five tail losses: convex? C¹ at 1? bounded below? as in the note's table."""
    proofs, rows = [], []
    for name, (phi, expected) in table.items():
        report = calibration.check_cc(phi)
        c1 = calibration.all_of([p.holds for p in calibration.regularity_at(phi, 1.0)])
        found = (report.convex.holds, c1, report.bounded_below.holds)
        for label, got, want in zip(("convex", "C1 at 1", "bounded below"), found, expected):
            proofs.append(
                _agreement(
                    f"{name}: {label} is {want}", got, want, "theory.calibration", f"found {got}"
                )
            )
        rows.append(
            {
                "loss": name,
                "convex": found[0],
                "C1_at_1": found[1],
                "bounded_below": found[2],
                "infimum_enclosure": list(report.infimum),
            }
        )
    return proof_outcome(proofs, evidence={"rows": rows})


DERIVATIVE_FORM_LOSSES = {
    **{k: v[0] for k, v in STANDARD.items()},
    **NOT_CC,
    **{k: v[0] for k, v in TAIL_LOSSES.items() if k in ("Inv_Hinge", "Log_Hinge")},
}
"""The losses whose two forms of the conditions are compared: the standard ones, the non-CC
ones (the squared perceptron's g(0) = 0 among them), and a bounded and an unbounded tail."""


def derivative_form(
    ctx: Context, derivative=calibration.derivative, losses: dict = DERIVATIVE_FORM_LOSSES
) -> Outcome:
    """The derivative-form conditions agree with the loss-form ones on every test loss.

    ``derivative`` maps φ to φ' (default: piece by piece with sympy).
    """
    proofs = []
    for name, phi in losses.items():
        pairs = calibration.both_forms(
            calibration.check_cc(phi), calibration.check_derivative(derivative(phi))
        )
        proofs += [
            _agreement(
                f"{name}: {label}",
                a,
                b,
                "check_cc vs check_derivative",
                f"loss {a}, derivative {b}",
            )
            for label, a, b in pairs
        ]
    return proof_outcome(proofs)


MIXTURES = (
    (("hinge", "exponential"), (sp.Rational(1, 2), sp.Rational(1, 2))),
    (("logistic", "squared hinge"), (sp.Rational(1, 3), sp.Rational(2, 3))),
    (
        ("hinge", "logistic", "exponential"),
        (sp.Rational(1, 5), sp.Rational(2, 5), sp.Rational(2, 5)),
    ),
)


def mixture_closure(ctx: Context, mixtures=MIXTURES) -> Outcome:
    """Convex combinations of CC losses are CC, and 0 < ψ_mix ≤ Σ w_k ψ_k (certified on a grid).

    The bound is :func:`theory.calibration.mixture_transform_bound` (rigorous enclosures).
    """
    proofs, losses = [], {**{k: v[0] for k, v in STANDARD.items()}, **NOT_CC}
    for names, weights in mixtures:
        phi = calibration.mixture([losses[n] for n in names], list(weights))
        label = " + ".join(f"{w}*{n}" for n, w in zip(names, weights))
        report = calibration.check_cc(phi)
        bound = calibration.mixture_transform_bound([losses[n] for n in names], list(weights))
        proofs += [_named(label, p) for p in (report.convex, report.calibrated, bound)]
    return proof_outcome(proofs)


TAIL_G = {
    "inverse": sp.Piecewise((-1, Z <= 1), (-1 / Z, True)),
    "log_squared": sp.Piecewise((-1, Z <= E), (-1 / (Z * sp.log(Z) ** 2), True)),
}
"""The generator's largest derivative (-1, the clamp) with each tail of
:data:`simulations.ensloss.TAILS` (``inverse``: the code's g/s for s > 1; ``log_squared``:
commit 419c6fb's g/(s log² s) for s > e)."""


def tail_bounded_below(ctx: Context, tail: str = "inverse") -> Outcome:
    """Do the generated derivatives satisfy the bounded-below (raising-tail) condition?

    Decided symbolically: the clamped derivative -1 with the ``tail`` is integrated to infinity.
    As evidence, the implied loss of random batches (cumulative integral over sorted margins)
    is measured per decade of margin: it keeps falling like c log s for the code's tail and
    slows down (like 1/log s) for the integrable one.
    """
    symbolic = calibration.check_derivative(TAIL_G[tail]).bounded_below
    per_decade = ens.implied_loss_per_decade(ctx.backend.rng(ctx.seed), tail, ctx.pick(20, 200))
    verdict = {True: Verdict.VERIFIED, False: Verdict.REFUTED}.get(
        symbolic.holds, Verdict.INCONCLUSIVE
    )
    return Outcome(
        verdict,
        f"{tail} tail: {symbolic.status} ({symbolic.rung}); implied loss changes by "
        f"{per_decade[-1]:+.3f} per decade of margin at s ~ 1e4",
        {
            "tail": tail,
            "symbolic": symbolic,
            "implied_loss_change_per_decade": per_decade.tolist(),
            "other_tails": {
                name: calibration.check_derivative(g).bounded_below
                for name, g in TAIL_G.items()
                if name != tail
            },
        },
        {
            "value": 0,
            "why": "the verdict is the exact symbolic tail integral; the per-decade changes "
            "of the implied loss are reported, not thresholded",
        },
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
            "tails": ens.TAILS,
        },
        {
            "value": 1e-15,
            "why": "values are exact results of sort/clamp/divide/shift; 1e-15 covers the "
            "float64 representation of -1 - 1e-6. Power: a shift off by more than 1e-15 (1e-9 of "
            "it) moves an end outside the pin; the control (1.01e-6) is refuted",
        },
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
        },
        {
            "value": "5 standard errors",
            "why": "CLT: a Bernoulli mean with n draws has standard error sqrt(p(1-p)/n); "
            "power: a departure of 5 se is detected, and the control (0.505, 10 se) is refuted",
        },
    )


POPULATION_NOTE = np.array([-0.7762, -0.5094, -0.2776])
"""The limit at u = 0.6, 0.75, 0.9 as the note prints it (4 digits, ``ensloss.md`` §2.2)."""


def population_limit(ctx: Context, limit=ens.population_derivative) -> Outcome:
    """Mean derivative at rank quantile u → -min(1, exp(Φ⁻¹(1 - u))), the gap vanishing in B."""
    quantiles = np.array([0.6, 0.75, 0.9])
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
        float(np.max(np.abs(reference - POPULATION_NOTE))),
    )
    ok = resolved and max(slopes) < -0.5 and pins[0] <= 1e-12 and pins[1] <= 5e-5
    u = np.linspace(0.005, 0.995, 400)
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"gap to the limit shrinks like B^{max(slopes):.2f} (u = 0.6, 0.75, 0.9; B = {batches}); "
        f"limit off scipy's normal quantile by {pins[0]:.0e}, off the note by {pins[1]:.0e}",
        {
            "quantiles": quantiles,
            "limit_reference": reference,
            "limit_off_reference_and_note": pins,
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
            "with the note's 4-digit values (5e-5 allowed for their rounding)",
        },
        {
            "curves": curves,
            "u": u,
            "limit": limit(u),
            "draws": ens.example_draws(
                rng, xp.linspace(-3.0, 6.0, 128, dtype=xp.float64), (-0.5, 0.0, 0.5)
            ),
        },
    )


def _uncoupled(margins, rng, lam):
    """Control: generated values reversed along the batch, no longer matched to the ranks."""
    return rng.xp.flip(ens.ensloss_derivatives(margins, rng, lam=lam, tail="none"), axis=-1)


def implied_loss_convex(ctx: Context, derivatives=ens.ensloss_derivatives) -> Outcome:
    """The loss implied by one draw (integral of the step derivative over sorted margins) is
    convex, non-increasing and has a negative slope at 0."""
    rng = ctx.backend.rng(ctx.seed)
    bad, batches = 0, 0
    for lam in LAMBDAS:
        for batch in (8, 128):
            margins = rng.normal((ctx.pick(200, 2000), batch)) * 2
            bad += int(
                np.sum(ens.implied_loss_failures(margins, derivatives(margins, rng, lam=lam)))
            )
            batches += margins.shape[0]
    return Outcome(
        Verdict.VERIFIED if bad == 0 else Verdict.REFUTED,
        f"{batches:,} draws: {bad} implied losses not convex, not non-increasing or flat at 0",
        {"draws": batches, "failures": bad, "lambdas": LAMBDAS},
        {"value": 0, "why": "exact comparisons of the generated slopes and their cumulative sums"},
    )


def gradient_equivalence(ctx: Context, backward=mlp.backward) -> Outcome:
    """The gradient of (1/B) Σ sg(g_i) s_i is (1/B) Σ g_i y_i ∇f(x_i): explicit backprop vs
    central finite differences on a small ReLU network."""
    worst, value = ens.gradient_gap(ctx.backend.rng(ctx.seed), backward)
    return Outcome(
        Verdict.VERIFIED if worst <= 1e-7 else Verdict.REFUTED,
        f"max relative gap {worst:.1e} over all parameters; objective value {value:+.4f} "
        "(its sign carries no meaning)",
        {"max_relative_gap": worst, "objective_value": value},
        {
            "value": 1e-7,
            "why": "central differences with h = 1e-6: truncation O(h^2) and rounding "
            "O(eps/h) ~ 1e-10, far below 1e-7; ReLU kinks are hit with probability ~h",
        },
    )


BETA = np.full(10, 2 / math.sqrt(10))
"""The well-specified logistic model: |β| = 2 in dimension 10."""
LINEAR = ["ensloss", "bce"]
"""The losses of the linear models of :func:`bayes_consistency`."""


def bayes_consistency(ctx: Context, learning_rate: float = 0.05) -> Outcome:
    """The excess 0-1 risk of EnsLoss-SGD on a well-specified logistic model shrinks with n.

    One sweep cell per (n, repeat) under the claim's child (i, r): its data from child 0 and
    its training seed from child 1 (:class:`simulations.ensloss.TrainCell`); the risks of the
    trained linear rules are exact (quadrature).
    """
    sizes = ctx.pick((250, 1000, 4000), (250, 1000, 4000, 16000, 64000))
    repeats = ctx.pick(4, 10)
    config = ens.TrainConfig(depth=0, epochs=30, learning_rate=learning_rate, weight_decay=0.0)
    bayes = datasets.bayes_risk(BETA)
    runs = [(i, r) for i in range(len(sizes)) for r in range(repeats)]
    cells = [
        Cell(
            ens.TrainCell.of(
                ctx.backend, "logistic_design", {"n": sizes[i], "beta": BETA}, LINEAR, config
            ),
            derive(ctx.seed, i, r),
        )
        for i, r in runs
    ]
    excess = np.empty((len(sizes), repeats, len(LINEAR)))
    for (i, r), result in zip(runs, ctx.sweep(ens.train_task, cells)):
        w, b = result["linear_weights"][0], result["linear_bias"][0]
        excess[i, r] = [
            datasets.linear_rule_risk(w[k], b[k], BETA) - bayes for k in range(len(LINEAR))
        ]
    logs = np.log(np.maximum(excess[:, :, 0], 1e-12))
    x = np.repeat(np.log(sizes), repeats)
    fit = stats.linregress(x, logs.ravel())
    ok = fit.slope + 2 * fit.stderr < 0
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"excess risk {np.mean(excess[0, :, 0]):.4f} -> {np.mean(excess[-1, :, 0]):.5f} for n = "
        f"{sizes[0]} -> {sizes[-1]}; log-log slope {fit.slope:.2f} +- {fit.stderr:.2f} (a "
        f"decrease slower than n^{-2 * fit.stderr:.2f} goes unseen; BCE: "
        f"{np.mean(excess[-1, :, 1]):.5f})",
        {
            "n": sizes,
            "repeats": repeats,
            "bayes_risk": bayes,
            "excess_ensloss_mean": excess[:, :, 0].mean(1),
            "excess_bce_mean": excess[:, :, 1].mean(1),
            "slope": fit.slope,
            "slope_stderr": fit.stderr,
            "detectable_slope": -2 * fit.stderr,
            "config": config.__dict__,
            "departures": ens.DEPARTURES,
        },
        {
            "value": "slope + 2 se < 0",
            "why": "a decreasing trend at 2 standard errors of the fitted slope; risks are exact "
            "(quadrature), so the only noise is the training data. Power: a log-log slope "
            "steeper than -2 se (detectable_slope) is seen; the control (learning rate 0, "
            "slope 0) is refuted",
        },
        {"n": sizes, "excess": excess, "labels": ["EnsLoss", "BCE"]},
    )


FIXED = ["bce", "hinge", "exponential"]


def _overfitting_runs(ctx: Context, losses: list[str]):
    """Test and train accuracy (seeds, losses) on fresh p ≫ n random-feature tasks: one sweep
    cell per seed j under the claim's child j (the task from its child 0, the training seed
    from its child 1)."""
    config = ens.TrainConfig(depth=0, epochs=ctx.pick(100, 300), learning_rate=ctx.pick(0.1, 0.01))
    task = {"n_train": 300, "n_test": 3000, "features": ctx.pick(1000, 3000)}
    cell = ens.TrainCell.of(ctx.backend, "random_features_task", task, losses, config)
    results = ctx.sweep(
        ens.train_task, [Cell(cell, derive(ctx.seed, j)) for j in range(ctx.pick(6, 10))]
    )
    test = np.array([result["test_accuracy"][0] for result in results])
    train_acc = np.array([result["train_accuracy"][0] for result in results])
    return test, train_acc, config


def overfitting(ctx: Context, method: str = "ensloss") -> Outcome:
    """With p ≫ n every loss interpolates; EnsLoss generalises better than BCE, hinge and exp."""
    losses = [method, *FIXED]
    test, train_acc, config = _overfitting_runs(ctx, losses)
    pvalues = {
        name: ens.paired_pvalue(test[:, 0], test[:, k], "greater")
        for k, name in enumerate(losses)
        if k >= 1
    }
    interpolates = bool(np.all(train_acc == 1.0))
    ok = interpolates and all(p < 0.05 for p in pvalues.values())
    means = test.mean(0)
    detectable = max(ens.detectable_difference(test[:, 0] - test[:, k]) for k in (1, 2, 3))
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"test accuracy {method} {means[0]:.4f} vs BCE {means[1]:.4f}, hinge {means[2]:.4f}, exp "
        f"{means[3]:.4f}; one-sided p = "
        + ", ".join(f"{v:.4f}" for v in pvalues.values())
        + f" (a mean gain of {detectable:.4f} is detected)",
        {
            "test_accuracy_mean": dict(zip(losses, means)),
            "p_values": pvalues,
            "detectable_gain": detectable,
            "min_train_accuracy": dict(zip(losses, train_acc.min(0))),
            "seeds": test.shape[0],
            "config": config.__dict__,
            "departures": ens.DEPARTURES,
        },
        {
            "value": 0.05,
            "why": "paired one-sided t-test over seeds at the repo's level. Power: the smallest "
            "mean gain it declares with this spread is t(0.95, seeds - 1) sd / sqrt(seeds) "
            "(detectable_gain, worst of the three); the control (BCE against itself, no gain) "
            "is refuted",
        },
        {"test": test, "labels": losses},
    )


def shape_vs_noise(ctx: Context, ablation: str = "ensloss_expected") -> Outcome:
    """Replacing the random draws by their expected order statistics keeps the gain (linear model)."""
    losses = ["ensloss", ablation, *FIXED]
    test, _, _ = _overfitting_runs(ctx, losses)
    same = ens.paired_pvalue(test[:, 0], test[:, 1], "two-sided")
    beats = {
        name: ens.paired_pvalue(test[:, 1], test[:, k], "greater")
        for k, name in enumerate(losses)
        if k >= 2
    }
    gap = float(np.mean(test[:, 0] - test[:, 1]))
    gap_error = float(np.std(test[:, 0] - test[:, 1], ddof=1) / math.sqrt(len(test)))
    ok = abs(gap) < 0.005 and all(p < 0.05 for p in beats.values())
    return Outcome(
        Verdict.VERIFIED if ok else Verdict.REFUTED,
        f"EnsLoss - {ablation} = {gap:+.4f} (two-sided p = {same:.3f}); {ablation} beats the "
        "fixed losses with p = " + ", ".join(f"{v:.4f}" for v in beats.values()),
        {
            "mean_gap_ensloss_minus_ablation": gap,
            "gap_standard_error": gap_error,
            "p_two_sided": same,
            "ablation_vs_fixed": beats,
            "detectable_gain_over_fixed": max(
                ens.detectable_difference(test[:, 1] - test[:, k]) for k in (2, 3, 4)
            ),
        },
        {
            "value": 0.005,
            "why": "a mean gap below half an accuracy point counts as 'the same' (the EnsLoss "
            "gains themselves are 1-2 points); its standard error is printed. Power: the "
            "ablation's gains over the fixed losses are declared from detectable_gain_over_fixed "
            "on; the control (hinge as the ablation: a 1-2 point gap, no gain over itself) is "
            "refuted",
        },
    )


DEPTHS = (1, 3, 5)


def depth_trend(
    ctx: Context, method: str = "ensloss", tasks: tuple = (), handicap: float = 0.0
) -> Outcome:
    """EnsLoss minus the best fixed loss grows with MLP depth (1, 3, 5 hidden layers).

    One sweep cell per (task, depth), each training the same seeds: the claim's children
    0, 1, ... (the stand-ins draw no random numbers; the worker builds them again from their
    split seed, and only their names are taken from the ones built here). ``tasks`` keeps
    only those stand-ins (default: all); ``handicap`` is subtracted from the method's MLP5
    accuracies after training (a control: the trend reversed by a known amount).
    """
    stand_ins = {"split_seed": 0, "digit_pairs": ctx.pick(2, 45), "features": ctx.pick(1000, 2000)}
    every = datasets.offline_stand_ins(
        ctx.backend,
        stand_ins["split_seed"],
        digit_pairs=stand_ins["digit_pairs"],
        features=stand_ins["features"],
    )
    tasks = [name for name in every if not tasks or name in tasks]
    config = ens.TrainConfig(width=ctx.pick(64, 256), epochs=ctx.pick(80, 300), learning_rate=0.01)
    losses = [method, *FIXED]
    runs = [(name, depth) for depth in DEPTHS for name in tasks]
    cells = [
        Cell(
            ens.TrainCell.of(
                ctx.backend,
                "offline_stand_in",
                {"task": name, **stand_ins},
                losses,
                dataclasses.replace(config, depth=depth),
                seeds=ctx.pick(8, 10),
            ),
            ctx.seed,
        )
        for name, depth in runs
    ]
    accuracy = {
        run: result["test_accuracy"] for run, result in zip(runs, ctx.sweep(ens.train_task, cells))
    }
    for name in tasks:
        accuracy[(name, DEPTHS[-1])][:, 0] -= handicap
    gains, counts = {}, {}
    for depth in DEPTHS:
        compared = [ens.versus_best(accuracy[(name, depth)]) for name in tasks]
        gains[depth] = np.array([gain for gain, _ in compared])
        counts[depth] = [sum(k == c for _, k in compared) for c in range(3)]
    trend = (gains[5] - gains[1]).ravel()
    p_up, p_down = (
        ens.paired_pvalue(trend, np.zeros_like(trend), "greater"),
        ens.paired_pvalue(trend, np.zeros_like(trend), "less"),
    )
    verdict = (
        Verdict.VERIFIED
        if p_up < 0.05
        else Verdict.REFUTED
        if p_down < 0.05
        else Verdict.INCONCLUSIVE
    )
    mean_gain = {d: float(gains[d].mean()) for d in DEPTHS}
    detectable = ens.detectable_difference(trend)
    return Outcome(
        verdict,
        "mean gain over the best fixed loss "
        + ", ".join(f"MLP{d} {mean_gain[d]:+.4f}" for d in DEPTHS)
        + f"; (better, no diff, worse) {[tuple(counts[d]) for d in DEPTHS]}; MLP5 - MLP1 p = "
        f"{p_up:.3f} (a growth of {detectable:.4f} is detected)",
        {
            "tasks": list(tasks),
            "mean_gain": mean_gain,
            "counts_better_nodiff_worse": counts,
            "p_gain_grows": p_up,
            "p_gain_shrinks": p_down,
            "detectable_growth": detectable,
            "handicap": handicap,
            "config": config.__dict__,
            "departures": ens.DEPARTURES,
            "note": "stand-ins for the paper's OpenML tables; width and learning rate differ from "
            "the repo (1024, 1e-4, 300 epochs) so the quick scale runs on a CPU in seconds",
        },
        {
            "value": 0.05,
            "why": "paired one-sided t-test over (task, seed) of the MLP5 and MLP1 gains. Power: "
            "the smallest mean growth it declares with this spread is detectable_growth; the "
            "control (MLP5 accuracies lowered by 5 points on one task) is refuted",
        },
        {"accuracy": accuracy, "tasks": list(tasks), "depths": DEPTHS, "labels": [method, *FIXED]},
    )


CLAIMS = [
    Claim(
        f"{PAPER}.cc_standard_losses",
        PAPER,
        "Logistic, exponential, squared, squared hinge and hinge are convex and calibrated, with "
        "phi'(0) = -1/2, -1, -2, -2, -1, and bounded below.",
        Provenance.PAPER,
        Method.SYMBOLIC,
        cc_standard_losses,
        f"repo README 'Theorem 1' (BJM) [SRC]; {NOTE} §1.2, claim 1",
        controls=(
            Control("logistic given phi'(0) = -1", {"losses": {"logistic": (LOGISTIC, -1)}}),
            Control(
                "the squared perceptron max(0, -z)^2 (convex, phi'(0) = 0 exactly) listed as "
                "calibrated",
                {"losses": {"squared perceptron": (NOT_CC["squared perceptron"], 0)}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.cc_negative_controls",
        PAPER,
        "The perceptron max(0, -z) (not differentiable at 0), exp(z) (phi'(0) = +1) and the "
        "squared perceptron max(0, -z)^2 (convex, phi'(0) = 0) are not calibrated.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        cc_negative_controls,
        f"{NOTE} §1.2, claim 1 [ours]",
        controls=(
            Control(
                "the logistic loss in place of the non-calibrated ones",
                {"losses": {"logistic": LOGISTIC}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.tail_losses",
        PAPER,
        "Of the repo's tail losses, Inv_Hinge and Inv_Log_Hinge are convex, C^1 at 1 and bounded "
        "below; Log_Hinge is convex but unbounded; Exp_Hinge and sqrt_Hinge are not convex.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        tail_losses,
        f"{NOTE} §1.3(5), claim 4 [ours]",
        controls=(
            Control(
                "Log_Hinge listed as bounded below",
                {"table": {"Log_Hinge": (TAIL_LOSSES["Log_Hinge"][0], (True, True, True))}},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.derivative_form",
        PAPER,
        "Convex <=> phi' non-decreasing; calibrated <=> phi' continuous at 0 with phi'(0) < 0; "
        "bounded below <=> the tail of |phi'| is integrable.",
        Provenance.RECONSTRUCTED,
        Method.SYMBOLIC,
        derivative_form,
        f"repo figure ensLoss_CC.png [SRC]; exact form {NOTE} §1.3 [ours]",
        controls=(
            Control(
                "phi' with its sign flipped, on the logistic loss",
                {
                    "derivative": lambda phi: -calibration.derivative(phi),
                    "losses": {"logistic": LOGISTIC},
                },
            ),
        ),
    ),
    Claim(
        f"{PAPER}.mixture_closure",
        PAPER,
        "A convex combination of calibrated losses is calibrated, with psi_mix <= sum w_k psi_k.",
        Provenance.DERIVED,
        Method.SYMBOLIC,
        mixture_closure,
        f"{NOTE} §3, claim 3 [ours]",
        controls=(
            Control(
                "a mixture with the perceptron (not calibrated)",
                {"mixtures": ((("hinge", "perceptron"), (sp.Rational(1, 2), sp.Rational(1, 2))),)},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.generator_valid",
        PAPER,
        "Every generated loss-derivative lies in [-1 - 1e-6, -1e-6] and is non-decreasing along "
        "the sorted margins, for any batch size and lambda in (-1, 1), with any tail.",
        Provenance.PAPER,
        Method.SIMULATION,
        generator_valid,
        f"repo losses.py (read in full) [SRC]; {NOTE} §2.2, claim 5",
        controls=(Control("the shift claimed 1% too large (1.01e-6)", {"shift": 1.01e-6}),),
    ),
    Claim(
        f"{PAPER}.clamp_mass_half",
        PAPER,
        "Exactly half of the raw values are clamped to -1, for every lambda.",
        Provenance.DERIVED,
        Method.SIMULATION,
        clamp_mass,
        f"{NOTE} §2.2, claim 6 [ours]",
        controls=(Control("a share of 0.505 claimed (1% too large)", {"claimed": 0.505}),),
    ),
    Claim(
        f"{PAPER}.population_limit",
        PAPER,
        "As the batch grows, the derivative at rank quantile u tends to -min(1, exp(Phi^-1(1 - u))).",
        Provenance.DERIVED,
        Method.SIMULATION,
        population_limit,
        f"{NOTE} §2.2, claim 7 [ours]",
        controls=(
            Control(
                "the limit 1% too large", {"limit": lambda u: 1.01 * ens.population_derivative(u)}
            ),
        ),
        figure=draw.generator,
    ),
    Claim(
        f"{PAPER}.implied_loss_convex",
        PAPER,
        "The loss implied by one draw is convex, non-increasing and has a negative slope at 0.",
        Provenance.DERIVED,
        Method.SIMULATION,
        implied_loss_convex,
        f"{NOTE} claim 8 [ours]",
        controls=(
            Control(
                "values not matched to the margins' ranks (the coupling reversed)",
                {"derivatives": _uncoupled},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.gradient_equivalence",
        PAPER,
        "The repo's returned scalar mean(sg(g) s) has gradient mean(g y grad f): the SGD step with "
        "the random derivative.",
        Provenance.PAPER,
        Method.NUMERIC,
        gradient_equivalence,
        f"repo losses.py forward [SRC]; {NOTE} §2.2 step 7, claim 10",
        controls=(
            Control(
                "backpropagation with every gradient doubled",
                {"backward": lambda *args: [2 * g for g in mlp.backward(*args)]},
            ),
        ),
    ),
    Claim(
        f"{PAPER}.tail_bounded_below",
        PAPER,
        "The generated losses satisfy the bounded-below condition (a superlinear raising tail of "
        "the derivative).",
        Provenance.PAPER,
        Method.SYMBOLIC,
        tail_bounded_below,
        f"repo figure ensLoss_CC.png and losses.py [SRC]; {NOTE} §2.2, claim 9",
        controls=(
            Control(
                "commit 419c6fb's integrable g/(s log^2 s) tail in place of the code's g/s",
                {"tail": "log_squared"},
            ),
        ),
        expected=Verdict.REFUTED,
        explanation="the code divides by s for s > 1, so |g| ~ c/s and the implied loss falls "
        "like c log s: unbounded below; commit 419c6fb's g/(s log^2 s) tail was integrable",
    ),
    Claim(
        f"{PAPER}.bayes_consistency",
        PAPER,
        "EnsLoss-SGD is consistent: on a well-specified logistic model its excess 0-1 risk "
        "shrinks as n grows.",
        Provenance.PAPER,
        Method.SIMULATION,
        bayes_consistency,
        f"abstract [SRC]: statistical consistency; {NOTE} claim 11",
        controls=(
            Control("a model that does not learn (learning rate 0)", {"learning_rate": 0.0}),
        ),
        figure=draw.excess_risk,
    ),
    Claim(
        f"{PAPER}.overfitting",
        PAPER,
        "EnsLoss prevents overfitting: with p >> n and every loss interpolating, it has higher "
        "test accuracy than BCE, hinge and exponential.",
        Provenance.PAPER,
        Method.SIMULATION,
        overfitting,
        f"abstract [SRC]; pilot {NOTE} claim 12 [ours]",
        controls=(Control("BCE against itself", {"method": "bce"}),),
        figure=draw.overfitting,
    ),
    Claim(
        f"{PAPER}.shape_vs_noise",
        PAPER,
        "In a linear model the gain comes from the rank-based shape of the derivative, not from "
        "its randomness: the expected-order-statistics ablation matches EnsLoss.",
        Provenance.DERIVED,
        Method.SIMULATION,
        shape_vs_noise,
        f"{NOTE} claim 13 [ours, pilot]",
        controls=(Control("the hinge loss as the ablation", {"ablation": "hinge"}),),
    ),
    Claim(
        f"{PAPER}.depth_trend",
        PAPER,
        "EnsLoss's advantage over the best fixed loss grows with depth (MLP1 < MLP3 < MLP5).",
        Provenance.RECONSTRUCTED,
        Method.SIMULATION,
        depth_trend,
        f"repo out_tab.md, our summary {NOTE} §4 [ours]; claim 14",
        controls=(
            Control(
                "EnsLoss's MLP5 accuracies lowered by 5 points (the trend reversed), on digits 2v8",
                {"tasks": ("digits_2v8",), "handicap": 0.05},
            ),
        ),
        figure=draw.depth,
    ),
]
