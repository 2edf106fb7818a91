import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulations import ensloss as ens
from simulations import sweeps
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


def test_the_config_keeps_numbers_as_int_and_float():
    config = ens.TrainConfig(epochs=3.0, learning_rate=1, lam=0)
    assert config.epochs == 3 and type(config.epochs) is int
    assert type(config.learning_rate) is float and type(config.lam) is float


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("depth", -1, ValueError, "depth must be a finite number >= 0"),
        ("width", 0, ValueError, "width must be a finite number >= 1"),
        ("epochs", 0, ValueError, "epochs must be a finite number >= 1"),
        ("epochs", 2.5, ValueError, "epochs must be an integer"),
        ("epochs", "3", TypeError, "epochs must be a real number"),
        ("batch", 0, ValueError, "batch must be a finite number >= 1"),
        ("learning_rate", -0.1, ValueError, "learning_rate must be a finite number >= 0"),
        ("learning_rate", math.nan, ValueError, "learning_rate must be a finite"),
        ("weight_decay", -1e-6, ValueError, "weight_decay must be a finite number >= 0"),
        ("momentum", math.inf, ValueError, "momentum must be a finite"),
        ("lam", math.nan, ValueError, "lam must be a finite"),
        ("tail", "cubic", ValueError, "unknown tail 'cubic'"),
        ("dtype", "float16", ValueError, "unknown dtype 'float16'"),
    ],
)
def test_a_bad_training_config_is_refused(field, value, error, message):
    with pytest.raises(error, match=message):
        ens.TrainConfig(**{field: value})


def _tiny_data(backend, dtype="float64"):
    from simulations import datasets

    rng = backend.rng(np.random.SeedSequence(0))
    return datasets.random_features_task(rng, 20, 10, dim=3, features=5, dtype=dtype)


def _with(data, **changes):
    return {**data, **changes}


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda d: {k: v for k, v in d.items() if k != "x_test"}, ValueError, "data lacks x_test"),
        (lambda d: _with(d, y_train=d["y_train"][:-1]), ValueError, "y_train shape"),
        (lambda d: _with(d, x_test=d["x_test"][:, :2]), ValueError, r"x_test must have shape"),
        (lambda d: _with(d, x_train=d["x_train"][:0]), ValueError, "n >= 1"),
        (lambda d: _with(d, y_train=(d["y_train"] + 1) / 2), ValueError, "labels -1 and \\+1"),
        (lambda d: _with(d, x_test=d["x_test"] * np.nan), ValueError, "x_test must be finite"),
        (lambda d: _with(d, x_train=d["x_train"].astype(np.float32)), TypeError, "dtype float32"),
    ],
)
def test_training_refuses_bad_data(change, error, message):
    backend = select("numpy")
    data = change(_tiny_data(backend))
    seeds = [np.random.SeedSequence(1)]
    with pytest.raises(error, match=message):
        ens.train(data, ["bce"], seeds, ens.TrainConfig(epochs=1), backend)


def test_training_refuses_bad_losses_seeds_and_configs():
    backend = select("numpy")
    data, seeds, config = _tiny_data(backend), [np.random.SeedSequence(1)], ens.TrainConfig()
    with pytest.raises(ValueError, match="losses must be a non-empty list"):
        ens.train(data, [], seeds, config, backend)
    with pytest.raises(ValueError, match="losses must be a non-empty list"):
        ens.train(data, "bce", seeds, config, backend)
    with pytest.raises(ValueError, match="seeds must be a non-empty list"):
        ens.train(data, ["bce"], [], config, backend)
    with pytest.raises(TypeError, match=r"seed must be a numpy\.random\.SeedSequence"):
        ens.train(data, ["bce"], [1], config, backend)
    with pytest.raises(TypeError, match="config must be a TrainConfig"):
        ens.train(data, ["bce"], seeds, {"epochs": 1}, backend)


def test_the_generator_refuses_bad_inputs():
    rng = select("numpy").rng(np.random.SeedSequence(0))
    margins = np.zeros((2, 4))
    with pytest.raises(TypeError, match="needs an rng unless expected=True"):
        ens.ensloss_derivatives(margins, None)
    with pytest.raises(ValueError, match="non-empty last \\(batch\\) axis"):
        ens.ensloss_derivatives(np.float64(1.0), rng)
    with pytest.raises(ValueError, match="non-empty last \\(batch\\) axis"):
        ens.ensloss_derivatives(np.zeros((2, 0)), rng)
    with pytest.raises(TypeError, match="real floating"):
        ens.ensloss_derivatives(np.zeros((2, 4), dtype=int), rng)
    with pytest.raises(ValueError, match="lam must be a finite"):
        ens.ensloss_derivatives(margins, rng, lam=math.nan)
    with pytest.raises(ValueError, match="unknown tail 'cubic'"):
        ens.ensloss_derivatives(margins, rng, tail="cubic")
    with pytest.raises(ValueError, match="batch must be a finite number >= 1"):
        ens.expected_draws(0)


TINY = {"n_train": 40, "n_test": 20, "dim": 5, "features": 12}


def _tiny_cell(seeds: int = 2, **training) -> ens.TrainCell:
    config = ens.TrainConfig(**{"epochs": 2, "batch": 16, "learning_rate": 0.05, **training})
    return ens.TrainCell.of(
        select("numpy"), "random_features_task", TINY, ["ensloss", "bce"], config, seeds
    )


def test_the_task_trains_like_train_on_the_children_a_fresh_spawn_hands_out(seed):
    from simulations import datasets

    backend = select("numpy")
    cell = _tiny_cell()
    result = ens.train_task(cell, seed)
    data_seed, *training_seeds = seed.spawn(3)  # the task left seed's spawn counter alone
    data = datasets.random_features_task(backend.rng(data_seed), **TINY)
    direct = ens.train(data, ["ensloss", "bce"], training_seeds, cell.config, backend)
    assert result.keys() == {"train_accuracy", "test_accuracy", "linear_weights", "linear_bias"}
    np.testing.assert_array_equal(result["test_accuracy"], direct.test_accuracy)
    np.testing.assert_array_equal(result["train_accuracy"], direct.train_accuracy)
    weights, biases = direct.network.weights[0], direct.network.biases[0]  # models = (seed, loss)
    np.testing.assert_array_equal(result["linear_weights"][1, 0], weights[2, :, 0])
    np.testing.assert_array_equal(result["linear_bias"][1, 1], biases[3, 0])
    assert ens.train_task(_tiny_cell(depth=1, width=3), seed).keys() == {
        "train_accuracy",
        "test_accuracy",
    }


def test_a_data_set_without_draws_gives_every_child_to_training(seed):
    arguments = {"task": "breast_cancer", "split_seed": 0, "digit_pairs": 0, "features": 60}
    cell = ens.TrainCell.of(
        select("numpy"), "offline_stand_in", arguments, ["bce"], ens.TrainConfig(), seeds=3
    )
    data_seed, seeds = cell.run_seeds(seed)
    assert data_seed is None
    assert [s.spawn_key for s in seeds] == [c.spawn_key for c in seed.spawn(3)]


def _tiny_cells():
    return [sweeps.Cell(_tiny_cell(), np.random.SeedSequence(3, spawn_key=(k,))) for k in (0, 1)]


def test_the_task_is_bit_identical_serially_and_in_a_process_pool():
    serial = sweeps.run_sweep(ens.train_task, _tiny_cells(), executor=sweeps.Serial())
    with sweeps.ProcessPool(workers=2) as pool:
        pooled = sweeps.run_sweep(ens.train_task, _tiny_cells(), executor=pool)
    assert sweeps.first_difference(serial, pooled) is None


def test_a_rerun_on_a_store_trains_nothing(tmp_path, monkeypatch):
    calls = []
    train = ens.train
    monkeypatch.setattr(ens, "train", lambda *args: calls.append(args) or train(*args))
    first = sweeps.run_sweep(ens.train_task, _tiny_cells(), sweeps.Store(tmp_path))
    assert len(calls) == 2
    again = sweeps.run_sweep(ens.train_task, _tiny_cells(), sweeps.Store(tmp_path))
    assert len(calls) == 2
    assert sweeps.first_difference(first, again) is None


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"backend": "auto"}, ValueError, "unknown backend 'auto'"),
        ({"dataset": "mnist"}, ValueError, "unknown dataset 'mnist'"),
        ({"arguments": {"n_train": 10}}, TypeError, "arguments do not fit the dataset"),
        ({"arguments": {**TINY, "noise": 0.1}}, TypeError, "arguments do not fit the dataset"),
        ({"losses": ()}, ValueError, "losses must be a non-empty tuple"),
        ({"losses": ("ensloss", "huber")}, ValueError, "unknown loss 'huber'"),
        ({"seeds": 0}, ValueError, "seeds must be a finite number >= 1"),
        ({"training": {"epochs": 0}}, ValueError, "epochs must be a finite number >= 1"),
        ({"training": {"epoch": 3}}, TypeError, "training must hold TrainConfig fields only"),
    ],
)
def test_a_bad_cell_is_refused(change, error, message):
    from dataclasses import asdict

    fields = {**asdict(_tiny_cell()), **change}
    with pytest.raises(error, match=message):
        ens.TrainCell(**fields)


def test_an_unknown_offline_task_is_refused():
    arguments = {"task": "iris", "split_seed": 0, "digit_pairs": 0, "features": 60}
    cell = ens.TrainCell.of(
        select("numpy"), "offline_stand_in", arguments, ["bce"], ens.TrainConfig()
    )
    with pytest.raises(ValueError, match="unknown offline task 'iris'"):
        ens.train_task(cell, np.random.SeedSequence(0))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_log_squared_tail_is_silent_and_unchanged_below_overflow(dtype):
    import array_api_compat.numpy as xp

    top = np.finfo(dtype).max
    margins = np.array([[0.5, 3.0, 1e6, 1e30, top / 1e6, top / 10, top]], dtype=dtype)
    g = np.full_like(margins, -1.0)
    tail = ens.apply_tail(g, margins, "log_squared", xp)  # an overflow warning is an error here
    with np.errstate(over="ignore"):
        product = margins * np.log(margins) ** 2
    finite = np.isfinite(product)
    assert not finite.all()  # the margins reach the region where s log^2 s overflows
    direct = np.where(margins > math.e, g / np.where(finite, product, 1), g)
    np.testing.assert_array_equal(tail[finite], direct[finite])  # bit for bit as before
    np.testing.assert_array_equal(tail[~finite], (g / margins / np.log(margins) ** 2)[~finite])
    assert np.all(tail <= 0)
    values = ens.ensloss_derivatives(
        margins, select("numpy").rng(np.random.SeedSequence(3)), tail="log_squared"
    )
    assert values.dtype == dtype
    np.testing.assert_array_equal(values[~finite], dtype(-ens.SHIFT))


def test_the_implied_loss_integrates_the_step_derivative():
    s, slope, loss = ens.implied_loss(np.array([3.0, 0.0, 1.0]), np.array([-0.1, -1.0, -0.5]))
    np.testing.assert_array_equal(s, [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(slope, [-1.0, -0.5, -0.1])
    np.testing.assert_array_equal(loss, [0.0, -1.0, -2.0])


def test_implied_loss_failures_flag_each_broken_property():
    margins = np.array([[-1.0, 0.5, 2.0]] * 4)
    g = np.array(
        [
            [-1.0, -0.5, -0.1],  # convex, non-increasing, negative at 0: fine
            [-0.5, -1.0, -0.1],  # a slope that drops: not convex
            [-1.0, 0.5, 0.6],  # rises: increasing after 0.5
            [0.0, 0.0, 0.0],  # flat: slope 0 on the step that holds 0
        ]
    )
    np.testing.assert_array_equal(ens.implied_loss_failures(margins, g), [False, True, True, True])


def test_the_code_tail_keeps_falling_and_the_integrable_one_levels_off(seed):
    rng = select("numpy").rng(seed)
    inverse = ens.implied_loss_per_decade(rng, "inverse", 5)
    log_squared = ens.implied_loss_per_decade(rng, "log_squared", 5)
    assert np.all(inverse < -0.3)  # about -c log 10 per decade, c ~ 0.3 near the top ranks
    assert np.all(np.abs(log_squared) < np.abs(inverse) / 10)


def test_order_statistics_of_one_draw_have_the_clamped_lognormal_mean(seed):
    rng = select("numpy").rng(seed)
    positions, mean, error = ens.order_statistics(rng, 1, 200_000)
    exact = -(0.5 + math.exp(0.5) * 0.5 * math.erfc(1 / math.sqrt(2)))  # -E min(e^Z, 1)
    np.testing.assert_array_equal(positions, ens.plotting_positions(1))
    assert abs(mean[0] - exact) < 5 * error[0]  # CLT, 5 standard errors
    positions, mean, _ = ens.order_statistics(rng, 16, 1000)
    assert positions.shape == mean.shape == (16,) and np.all(np.diff(mean) >= 0)


def test_example_draws_come_with_their_implied_losses(seed):
    rng = select("numpy").rng(seed)
    margins = np.linspace(-3.0, 6.0, 9)
    drawn = ens.example_draws(rng, margins, (0.0, 0.5), rows=2)
    for s, g, loss in drawn.values():
        np.testing.assert_array_equal(s, margins)
        assert g.shape == loss.shape == (2, 9)
        np.testing.assert_array_equal(loss, ens.implied_loss(s, g)[2])


def test_paired_pvalue_is_the_one_sample_t_test_of_the_differences():
    from scipy import stats

    a, b = np.array([0.9, 0.8, 0.85, 0.95]), np.array([0.85, 0.8, 0.8, 0.9])
    expected = stats.ttest_rel(a, b, alternative="greater").pvalue
    assert ens.paired_pvalue(a, b, "greater") == pytest.approx(expected, rel=1e-12)
    assert ens.paired_pvalue(a + 1, a, "greater") == 0.0  # constant positive differences
    assert ens.paired_pvalue(a, a, "greater") == 1.0
    assert ens.paired_pvalue(a, a + 1, "less") == 0.0  # constant negative differences
    assert ens.paired_pvalue(a, a + 1, "greater") == 1.0
    assert ens.paired_pvalue(a, a, "two-sided") == 1.0


def test_versus_best_compares_with_the_best_other_loss():
    accuracy = np.array([[0.9, 0.7, 0.80], [0.92, 0.7, 0.81], [0.91, 0.7, 0.79]])
    gain, verdict = ens.versus_best(accuracy)
    np.testing.assert_allclose(gain, [0.1, 0.11, 0.12])
    assert verdict == 0
    assert ens.versus_best(accuracy[:, [1, 0, 2]])[1] == 2
    assert ens.versus_best(accuracy[:, [0, 0, 2]])[1] == 1


def test_the_generator_range_counts_values_and_finds_both_ends(seed):
    checked, low, high, drops = ens.generator_range(
        select("numpy").rng(seed), 20, (1, 8), (0.0, 0.5)
    )
    assert checked == 20 * (1 + 8) * 2 * len(ens.TAILS)
    assert low == -1 - ens.SHIFT and high == -ens.SHIFT and drops == 0


def test_the_gradient_gap_is_rounding_and_sees_a_wrong_backward(seed):
    from simulations import mlp

    worst, value = ens.gradient_gap(select("numpy").rng(seed))
    assert worst < 1e-7 and math.isfinite(value)
    halved = lambda *args: [g / 2 for g in mlp.backward(*args)]
    assert ens.gradient_gap(select("numpy").rng(seed), halved)[0] > 0.1


def test_population_gaps_shrink_and_carry_their_errors(seed):
    quantiles = np.array([0.75, 0.9])
    gaps, errors, curves = ens.population_gaps(
        select("numpy").rng(seed), (8, 64), 200_000, quantiles, ens.population_derivative
    )
    assert gaps.shape == errors.shape == (2, 2) and sorted(curves) == [8, 64]
    assert np.all(gaps[1] < gaps[0]) and np.all(errors > 0)


def test_the_detectable_difference_is_the_one_sided_t_threshold():
    from scipy import stats

    differences = np.array([0.01, 0.03, 0.02, 0.0])
    threshold = ens.detectable_difference(differences)
    spread = np.std(differences, ddof=1) / 2
    assert threshold == pytest.approx(stats.t.ppf(0.95, 3) * spread, rel=1e-12)
    shifted = differences - differences.mean() + threshold  # mean exactly at the threshold
    assert ens.paired_pvalue(shifted, np.zeros(4), "greater") == pytest.approx(0.05, rel=1e-9)
    assert ens.detectable_difference(np.full(5, 0.2)) == 0.0
