import math

import numpy as np
import pytest

from simulations import comp_sum as mc
from simulations import restricted, sweeps
from simulations.backend import select, to_numpy
from theory import comp_sum


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("n", [2, 3, 10])
def test_the_bound_holds_on_every_draw(backend, seed, tau, n):
    result = mc.check_pointwise(tau, n, draws=8_000, backend=backend, seed=seed)
    assert result.draws == 8_000
    assert result.violations == 0
    assert result.worst_slack >= -result.max_rounding


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("n", [2, 3, 10])
def test_a_gamma_shrunk_by_ten_percent_is_refuted(seed, tau, n):
    backend = select("numpy")
    result = mc.check_pointwise(
        tau, n, draws=8_000, backend=backend, seed=seed, candidate="shrunk_gamma"
    )
    assert result.violations > 0


@pytest.mark.parametrize("n", [3, 10, 100])
def test_the_mae_transform_without_its_factor_n_is_refuted(seed, n):
    backend = select("numpy")
    result = mc.check_pointwise(
        2.0, n, draws=4_000, backend=backend, seed=seed, candidate="mae_without_n"
    )
    assert result.violations > 0
    assert result.by_family["mae_tie"]["violations"] > 0


def test_the_tight_family_reaches_the_bound_for_tau_up_to_1(seed):
    backend = select("numpy")
    for tau in (0.0, 0.5, 1.0):
        result = mc.check_pointwise(tau, 3, draws=20_000, backend=backend, seed=seed)
        assert result.by_family["binary_tie"]["max_ratio"] > 0.999


def test_regrets_against_the_theory_functions(backend, seed):
    rng = backend.rng(seed)
    p, scores = mc.sample_conditionals(rng, "dirichlet", 4, 300, 0.5)
    zero_one, surrogate, rounding = mc.regrets_with_rounding(p, scores, 0.5, backend.xp)
    p_np, z_np = to_numpy(p), to_numpy(scores)
    np.testing.assert_allclose(to_numpy(zero_one), comp_sum.zero_one_regret(p_np, z_np), atol=1e-15)
    np.testing.assert_allclose(
        to_numpy(surrogate), comp_sum.surrogate_regret(p_np, z_np, 0.5), rtol=1e-12, atol=1e-14
    )
    assert np.all(to_numpy(rounding) > 0)


@pytest.mark.parametrize("family", mc.FAMILIES)
def test_every_family_draws_distributions_and_finite_scores(backend, seed, family):
    p, scores = mc.sample_conditionals(backend.rng(seed), family, 5, 64, 1.5)
    p, scores = to_numpy(p), to_numpy(scores)
    assert p.shape == scores.shape == (64, 5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(p >= 0) and np.all(np.isfinite(scores))


def test_unknown_family():
    backend = select("numpy")
    with pytest.raises(ValueError, match="unknown family"):
        mc.sample_conditionals(backend.rng(np.random.SeedSequence(0)), "uniform", 3, 4, 1.0)


def test_the_search_matches_an_independent_slsqp_brute_force(seed):
    """The batched search against direct SLSQP over (p, scores) at a few points."""
    from scipy.optimize import minimize
    from scipy.special import softmax

    backend = select("numpy")
    rng = np.random.default_rng(0)
    for tau, t in ((0.5, 0.3), (1.5, 0.4), (2.0, 0.2)):
        found = mc.tight_transform(tau, 3, [t], backend=backend, seed=seed)

        def objective(v):
            return float(comp_sum.surrogate_regret(softmax(v[:3]), v[3:], tau))

        constraints = [
            {"type": "eq", "fun": lambda v: softmax(v[:3])[1] - softmax(v[:3])[0] - t},
            {"type": "ineq", "fun": lambda v: softmax(v[:3])[1] - softmax(v[:3])[2]},
            {"type": "ineq", "fun": lambda v: v[3] - v[4]},
            {"type": "ineq", "fun": lambda v: v[3] - v[5]},
        ]
        best = math.inf
        for _ in range(20):
            result = minimize(
                objective,
                rng.normal(size=6) * 2,
                constraints=constraints,
                method="SLSQP",
                options={"maxiter": 500, "ftol": 1e-13},
            )
            if result.success and abs(constraints[0]["fun"](result.x)) < 1e-8:
                best = min(best, result.fun)
        # the search is exact up to its resolution; SLSQP only approaches it from above
        assert found.infimum[0] <= best + 1e-7
        assert best <= found.infimum[0] * 1.01 + 1e-6


def test_looseness_for_gce_is_exactly_the_two_class_formula(seed):
    backend = select("numpy")
    found = mc.tight_transform(1.5, 5, [0.1, 0.6], backend=backend, seed=seed)
    np.testing.assert_allclose(found.ratio, np.sqrt(5 / 2), rtol=1e-9)


def test_search_runs_under_every_namespace(backend, seed):
    found = mc.tight_transform(1.0, 3, [0.3], backend=backend, seed=seed, candidates=256, rounds=5)
    assert found.ratio[0] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("tau", [0.0, 1.0, 1.5, 3.0])
def test_float32_draws_hold_with_a_float32_rounding_budget(backend, seed, tau):
    result = mc.check_pointwise(tau, 10, draws=8_000, backend=backend, seed=seed, dtype="float32")
    assert result.violations == 0
    shrunk = mc.check_pointwise(
        tau,
        10,
        draws=8_000,
        backend=backend,
        seed=seed,
        dtype="float32",
        candidate="shrunk_gamma",
    )
    assert shrunk.violations > 0


@pytest.mark.parametrize(
    ("draws", "error", "message"),
    [
        (0, ValueError, "draws must be a finite number >= 1"),
        (-3, ValueError, "draws must be a finite number >= 1"),
        (2.5, ValueError, "draws must be an integer"),
        (True, TypeError, "draws must be a real number"),
    ],
)
def test_check_pointwise_refuses_a_bad_number_of_draws(draws, error, message):
    with pytest.raises(error, match=message):
        mc.check_pointwise(
            1.0, 3, draws=draws, backend=select("numpy"), seed=np.random.SeedSequence(0)
        )


def test_check_pointwise_refuses_an_unknown_candidate():
    with pytest.raises(ValueError, match="unknown candidate 'gamma'; choose one of exact"):
        mc.check_pointwise(
            1.0,
            3,
            draws=8,
            backend=select("numpy"),
            seed=np.random.SeedSequence(0),
            candidate="gamma",
        )


def test_the_shrunk_gamma_candidate_is_the_transform_at_t_over_0_9():
    xp = select("numpy").xp
    t = np.array([0.0, 0.3, 0.9, 0.95])
    shrunk = mc.CANDIDATES["shrunk_gamma"](0.5, 3)(t, xp)
    exact = mc.CANDIDATES["exact"](0.5, 3)(t[:3] / 0.9, xp)
    np.testing.assert_array_equal(shrunk[:3], exact)
    assert shrunk[3] == math.inf


# Sweep tasks: one (τ, n) per cell, results identical to the direct calls.

POINTWISE = mc.PointwiseConfig(1.5, 3, 1_000, "numpy", "shrunk_gamma", batch_elements=300)
TIGHTNESS = mc.TightnessConfig(1.5, 3, (0.2, 0.6), "numpy", candidates=96, rounds=4)


def test_the_pointwise_task_is_check_pointwise(seed, tmp_path):
    direct = mc.check_pointwise(
        1.5,
        3,
        draws=1_000,
        backend=select("numpy"),
        seed=seed,
        candidate="shrunk_gamma",
        batch_elements=300,
    )
    assert direct.violations > 0 and direct.worst_case  # every field is filled
    assert mc.PointwiseResult.from_result(mc.pointwise_task(POINTWISE, seed)) == direct
    (stored,) = sweeps.run_sweep(
        mc.pointwise_task, [sweeps.Cell(POINTWISE, seed)], sweeps.Store(tmp_path)
    )
    (reread,) = sweeps.run_sweep(
        mc.pointwise_task, [sweeps.Cell(POINTWISE, seed)], sweeps.Store(tmp_path)
    )
    assert mc.PointwiseResult.from_result(reread) == direct
    assert sweeps.first_difference([stored], [reread]) is None


def test_a_pointwise_result_without_a_worst_case_round_trips():
    no_family = {"draws": 0, "violations": 0, "worst_slack": math.inf, "max_ratio": 0.0}
    empty = mc.PointwiseResult(
        tau=0.5,
        n_classes=2,
        draws=0,
        violations=0,
        worst_slack=math.inf,
        max_ratio=0.0,
        max_rounding=0.0,
        mean_rounding=0.0,
        min_enlargement=math.inf,
        by_family={family: dict(no_family) for family in mc.FAMILIES},
    )
    assert mc.PointwiseResult.from_result(empty.as_result()) == empty


def test_the_tightness_task_is_tight_transform(seed):
    direct = mc.tight_transform(
        1.5, 3, [0.2, 0.6], backend=select("numpy"), seed=seed, candidates=96, rounds=4
    )
    assert mc.TightnessResult.from_result(mc.tightness_task(TIGHTNESS, seed)) == direct


def _cells() -> list[tuple[sweeps.Task, list[sweeps.Cell]]]:
    seeds = [np.random.SeedSequence(20231125, spawn_key=(k,)) for k in range(2)]
    return [
        (mc.pointwise_task, [sweeps.Cell(POINTWISE, s) for s in seeds]),
        (mc.tightness_task, [sweeps.Cell(TIGHTNESS, s) for s in seeds]),
    ]


def test_a_process_pool_equals_the_serial_run_bit_for_bit():
    with sweeps.ProcessPool(workers=2) as pool:
        for task, cells in _cells():
            assert (
                sweeps.first_difference(
                    sweeps.run_sweep(task, cells, executor=pool), sweeps.run_sweep(task, cells)
                )
                is None
            )


def test_rerunning_with_a_store_computes_nothing(tmp_path, monkeypatch):
    calls = []

    def counting(name):
        original = getattr(mc, name)

        def counted(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        return counted

    for name in ("check_pointwise", "tight_transform"):
        monkeypatch.setattr(mc, name, counting(name))
    first = [sweeps.run_sweep(task, cells, sweeps.Store(tmp_path)) for task, cells in _cells()]
    assert sorted(calls) == ["check_pointwise"] * 2 + ["tight_transform"] * 2
    calls.clear()
    again = [sweeps.run_sweep(task, cells, sweeps.Store(tmp_path)) for task, cells in _cells()]
    assert calls == []
    for a, b in zip(first, again):
        assert sweeps.first_difference(a, b) is None


VALID = {
    mc.PointwiseConfig: {"tau": 1.0, "n_classes": 3, "draws": 10, "backend": "numpy"},
    mc.TightnessConfig: {"tau": 1.0, "n_classes": 3, "t_values": (0.5,), "backend": "numpy"},
}


@pytest.mark.parametrize(
    ("config", "change", "message"),
    [
        (mc.PointwiseConfig, {"tau": -0.5}, "tau must be a finite number >= 0.0, got -0.5"),
        (mc.PointwiseConfig, {"n_classes": 1}, "n_classes must be a finite number >= 2, got 1"),
        (mc.PointwiseConfig, {"draws": 0}, "draws must be a finite number >= 1, got 0"),
        (mc.PointwiseConfig, {"candidate": "gamma"}, "unknown candidate 'gamma'; choose one of"),
        (mc.PointwiseConfig, {"backend": "auto"}, "unknown backend 'auto'; choose one of numpy"),
        (mc.PointwiseConfig, {"dtype": "float16"}, "unknown dtype 'float16'"),
        (mc.TightnessConfig, {"tau": -1.0}, "tau must be a finite number >= 0"),
        (mc.TightnessConfig, {"n_classes": 1}, "n_classes must be a finite number >= 2"),
        (mc.TightnessConfig, {"backend": "torch"}, "unknown backend 'torch'"),
        (mc.TightnessConfig, {"t_values": (1.5,)}, "t_values must be numbers in \\[0, 1\\]"),
        (mc.TightnessConfig, {"t_values": ()}, "t_values must be numbers in"),
        (mc.TightnessConfig, {"candidates": 0}, "candidates must be a finite number >= 1"),
    ],
    ids=lambda value: None if isinstance(value, dict | str) else value.__name__,
)
def test_configs_refuse_bad_values(config, change, message):
    config(**VALID[config])  # the valid base is accepted
    with pytest.raises(ValueError, match=message):
        config(**{**VALID[config], **change})


def test_the_enlarged_candidate_is_the_transform_times_1_01():
    xp = select("numpy").xp
    t = np.linspace(0.0, 1.0, 11)
    exact = mc.CANDIDATES["exact"](1.5, 3)(t, xp)
    np.testing.assert_array_equal(mc.CANDIDATES["enlarged_1pct"](1.5, 3)(t, xp), 1.01 * exact)


@pytest.mark.parametrize(("tau", "n"), [(0.0, 3), (1.0, 10), (1.5, 2), (2.0, 3)])
def test_the_power_is_the_enlargement_the_draws_would_find(seed, tau, n):
    backend = select("numpy")
    genuine = mc.check_pointwise(tau, n, draws=8_000, backend=backend, seed=seed)
    enlarged = mc.check_pointwise(
        tau, n, draws=8_000, backend=backend, seed=seed, candidate="enlarged_1pct"
    )
    assert genuine.violations == 0 and 0 <= genuine.min_enlargement < mc.ENLARGEMENT
    # the same draws: 1.01 T violates, and what it leaves is (1 + x)/1.01 - 1
    assert enlarged.violations > 0
    assert enlarged.min_enlargement == pytest.approx((1 + genuine.min_enlargement) / 1.01 - 1)


def test_the_power_of_a_loose_pair_is_its_slack(seed):
    # tau = 3: the infimum is about n^(tau-1) times the formula; nothing near T is ever drawn
    loose = mc.check_pointwise(3.0, 2, draws=8_000, backend=select("numpy"), seed=seed)
    assert loose.min_enlargement > 1


def test_the_pointwise_sweep_is_check_pointwise_per_pair(seed):
    seeds = [seed, np.random.SeedSequence(3)]
    found = mc.pointwise_sweep(
        [(1.5, 3), (0.5, 2)], seeds, draws=1_000, backend="numpy", candidate="shrunk_gamma"
    )
    for (tau, n), s, result in zip([(1.5, 3), (0.5, 2)], seeds, found):
        direct = mc.check_pointwise(
            tau, n, draws=1_000, backend=select("numpy"), seed=s, candidate="shrunk_gamma"
        )
        assert result == direct


def test_the_infimum_sweep_is_tight_transform_on_derived_seeds(seed):
    from simulations.backend import derive

    found = mc.infimum_sweep(
        [(1.5, 3), (0.5, 3)], (0.2, 0.6), seed, backend="numpy", candidates=96, rounds=4
    )
    for k, pair in enumerate([(1.5, 3), (0.5, 3)]):
        direct = mc.tight_transform(
            *pair,
            [0.2, 0.6],
            backend=select("numpy"),
            seed=derive(seed, k),
            candidates=96,
            rounds=4,
        )
        assert found[pair] == direct
    assert found[(0.5, 3)].row()["ratio"] == pytest.approx([1.0, 1.0])


def test_the_bound_along_a_run_holds_with_gaps_and_fails_without(seed):
    found = mc.ring_training(
        "numpy",
        (0.0, 1.0, 2.0),
        seed,
        size=300,
        iterations=40,
        weight_bound=1.0,
        search_candidates=64,
        search_rounds=2,
    )
    run = restricted.LinearRun.from_result(found)
    best = min(found["best_zero_one_found"], float(run.zero_one.min()))
    eps = np.finfo(float).eps
    gamma_side, rows, violations = mc.bound_along_run(
        run, 3, best, with_gaps=True, tolerance=64 * eps
    )
    assert violations == 0 and gamma_side.shape == run.regret_tau.shape
    assert [r["tau"] for r in rows] == [0.0, 1.0, 2.0]
    expected = comp_sum.gamma(1.0, 3)(np.maximum(run.regret_tau[:, 1], 0.0))
    np.testing.assert_array_equal(gamma_side[:, 1], expected)
    _, _, gap_free = mc.bound_along_run(run, 3, best, with_gaps=False, tolerance=64 * eps)
    assert gap_free > 0
