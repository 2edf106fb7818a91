import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulations import ensloss as ens
from simulations.backend import select, to_numpy

margins = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=64),
    elements=st.sampled_from([-3.0, -1.0, 0.0, 0.5, 1.0, 1.0, 2.0, 7.5, 100.0])
    | st.floats(-50, 50, allow_nan=False),
)
lambdas = st.floats(-0.99, 0.99)


@settings(max_examples=80, deadline=None)
@given(values=margins, lam=lambdas, tail=st.sampled_from(ens.TAILS), seed=st.integers(0, 2**32))
def test_every_derivative_is_in_range_and_non_decreasing(values, lam, tail, seed):
    backend = select("numpy")
    g = ens.ensloss_derivatives(
        values, backend.rng(np.random.SeedSequence(seed)), lam=lam, tail=tail
    )
    assert g.shape == values.shape
    assert np.all(g >= -1 - ens.SHIFT - 1e-15) and np.all(g <= -ens.SHIFT)
    order = np.argsort(values, axis=-1, kind="stable")
    assert np.all(np.diff(np.take_along_axis(g, order, -1), axis=-1) >= 0)
    assert np.all(g.mean(axis=-1) < 0)


def test_the_generator_runs_under_every_namespace(backend, seed):
    rng = backend.rng(seed)
    m = rng.normal((5, 33)) * 3
    for lam in (-0.5, 0.0, 0.5):
        g = to_numpy(ens.ensloss_derivatives(m, rng, lam=lam))
        ordered = np.take_along_axis(g, np.argsort(to_numpy(m), axis=-1), -1)
        assert np.all(np.diff(ordered, axis=-1) >= 0) and np.all(g < 0)
    expected = to_numpy(ens.ensloss_derivatives(m, None, expected=True))
    assert np.all(expected < 0)


@pytest.mark.parametrize("lam", [-0.9, -0.3, 0.0, 0.4, 0.9])
def test_half_the_raw_values_are_clamped(lam, seed):
    backend = select("numpy")
    draws = 400_000
    v = ens.raw_draws(backend.rng(seed), (draws,), lam)
    share = np.mean(v <= -1)
    assert abs(share - 0.5) < 5 * math.sqrt(0.25 / draws)  # CLT, 5 standard errors


def test_a_wrong_clamp_mass_is_refuted(ctx):
    from paper_checks import dai2025
    from paper_checks.claims import Verdict

    assert dai2025.clamp_mass(ctx, claimed=0.45).verdict is Verdict.REFUTED


def test_population_limit_values():
    values = ens.population_derivative([0.5, 0.6, 0.75, 0.9, 0.99])
    np.testing.assert_allclose(values, [-1, -0.7762, -0.5094, -0.2776, -0.0977], atol=1e-4)
    with pytest.raises(ValueError, match="quantiles"):
        ens.population_derivative([0.0])


def test_inverse_box_cox_edges():
    import array_api_compat.numpy as xp

    z = np.array([-3.0, 0.0, 3.0])
    np.testing.assert_allclose(ens.inverse_box_cox(z, -0.5, xp), [2.5**-2, 1.0, np.inf])
    np.testing.assert_allclose(ens.inverse_box_cox(z, 0.0, xp), np.exp(z))
    assert ens.inverse_box_cox(np.array([3.0]), -0.5, xp)[0] == np.inf
    assert ens.inverse_box_cox(np.array([-3.0]), 0.5, xp)[0] == 0.0


@given(hnp.arrays(np.float64, 64, elements=st.floats(-1e4, 1e4)))
def test_fixed_derivatives_are_stable_at_extreme_margins(margins):
    import warnings

    import array_api_compat.numpy as xp

    margins = np.sort(margins)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bce = ens.fixed_derivative("bce", margins, xp)
        exponential = ens.fixed_derivative("exponential", margins, xp)
    assert np.all((bce >= -1) & (bce <= 0)) and np.all(np.diff(bce) >= 0)
    assert np.all(np.isfinite(exponential)) and np.all(np.diff(exponential) >= 0)
    moderate = np.abs(margins) < 700
    np.testing.assert_allclose(bce[moderate], -1 / (1 + np.exp(margins[moderate])), rtol=1e-12)
    np.testing.assert_allclose(exponential[moderate], -np.exp(-margins[moderate]), rtol=1e-12)


def test_fixed_derivatives_match_their_losses():
    import array_api_compat.numpy as xp

    s = np.linspace(-5, 5, 101)
    step = 1e-6
    for loss, phi in (
        ("bce", lambda v: np.log1p(np.exp(-v))),
        ("exponential", lambda v: np.exp(-v)),
    ):
        numeric = (phi(s + step) - phi(s - step)) / (2 * step)
        np.testing.assert_allclose(ens.fixed_derivative(loss, s, xp), numeric, atol=1e-8)
    assert np.array_equal(ens.fixed_derivative("hinge", s, xp), -(s < 1).astype(float))
    with pytest.raises(ValueError, match="unknown"):
        ens.fixed_derivative("huber", s, xp)
    with pytest.raises(ValueError, match="unknown tail"):
        ens.apply_tail(s, s, "cubic", xp)


def test_training_in_a_batch_equals_training_alone(seed):
    """Models of different seeds do not interact: batching them changes nothing."""
    from simulations import datasets

    backend = select("numpy")
    data = datasets.random_features_task(backend.rng(seed), 60, 40, features=50)
    config = ens.TrainConfig(depth=1, width=8, epochs=3, batch=16, learning_rate=0.05)
    seeds = seed.spawn(2)
    together = ens.train(data, ["ensloss", "hinge"], seeds, config, backend)
    alone = ens.train(data, ["ensloss", "hinge"], [seeds[1]], config, backend)
    np.testing.assert_array_equal(together.test_accuracy[1], alone.test_accuracy[0])
    np.testing.assert_allclose(
        to_numpy(together.network.weights[0])[2:], to_numpy(alone.network.weights[0]), rtol=1e-12
    )


def test_training_runs_under_every_namespace(backend, seed):
    from simulations import datasets

    data = datasets.random_features_task(backend.rng(seed), 50, 30, features=20)
    config = ens.TrainConfig(depth=2, width=4, epochs=2, batch=16, learning_rate=0.05)
    result = ens.train(
        data, ["ensloss", "ensloss_expected", "bce", "exponential"], [seed], config, backend
    )
    assert result.test_accuracy.shape == (1, 4)
    assert np.all((result.test_accuracy >= 0) & (result.test_accuracy <= 1))


def test_unknown_loss():
    from simulations import datasets

    backend = select("numpy")
    data = datasets.random_features_task(backend.rng(np.random.SeedSequence(0)), 20, 10, features=5)
    with pytest.raises(ValueError, match="unknown loss"):
        ens.train(data, ["huber"], [np.random.SeedSequence(0)], ens.TrainConfig(), backend)
