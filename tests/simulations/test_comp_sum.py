import math

import numpy as np
import pytest

from simulations import comp_sum as mc
from simulations.backend import select, to_numpy
from theory import comp_sum


def _shrunk_gamma(tau: float, n: int, factor: float = 0.9):
    """Negative control: Γ' = 0.9 Γ, i.e. the transform T(t / 0.9), +inf beyond t = 0.9."""
    transform = comp_sum.transform(tau, n)

    def candidate(t, xp):
        inside = xp.clip(t / factor, 0.0, 1.0)
        return xp.where(t <= factor, transform.evaluate(inside, xp), math.inf)

    return candidate


def _mae_without_n(t, xp):
    """Negative control: the MAE transform t in place of t/n (Γ(v) = v, not n v)."""
    return t


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
        tau, n, draws=8_000, backend=backend, seed=seed, candidate=_shrunk_gamma(tau, n)
    )
    assert result.violations > 0


@pytest.mark.parametrize("n", [3, 10, 100])
def test_the_mae_transform_without_its_factor_n_is_refuted(seed, n):
    backend = select("numpy")
    result = mc.check_pointwise(
        2.0, n, draws=4_000, backend=backend, seed=seed, candidate=_mae_without_n
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
        candidate=_shrunk_gamma(tau, 10),
    )
    assert shrunk.violations > 0


@pytest.mark.parametrize("draws", [0, -3, 2.5, True])
def test_check_pointwise_refuses_a_bad_number_of_draws(draws):
    with pytest.raises(ValueError, match="draws must be an integer"):
        mc.check_pointwise(
            1.0, 3, draws=draws, backend=select("numpy"), seed=np.random.SeedSequence(0)
        )
