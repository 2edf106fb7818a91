import dataclasses

import numpy as np
import pytest

from simulations import contrastive_training as training
from simulations.backend import derive, select
from simulations.contrastive import contrastive, normalise


def test_the_simplex_has_equal_cosines_and_needs_room():
    for n in (2, 4, 7):
        z = training.simplex_configuration(n, n + 1, np)
        gram = z[0] @ z[0].T
        np.testing.assert_allclose(np.diag(gram), 1.0, atol=1e-14)
        np.testing.assert_allclose(gram[~np.eye(n, dtype=bool)], -1 / (n - 1), atol=1e-14)
        np.testing.assert_array_equal(z[0], z[1])
    with pytest.raises(ValueError, match="d >= n - 1"):
        training.simplex_configuration(4, 2, np)


def _mean_loss(u, tau, loss):
    return float(contrastive(normalise(u), tau, loss=loss, gradient=False).mean())


@pytest.mark.parametrize("loss", ["infonce", "dcl"])
def test_hessian_matches_second_differences_of_the_loss_and_kills_the_radial_direction(loss):
    rng = np.random.default_rng(5)
    z = normalise(rng.normal(size=(2, 3, 3)))
    h, asymmetry = training.hessian(z, 0.5, loss)
    assert asymmetry < 1e-8
    step = 1e-4
    for _ in range(3):
        v = rng.normal(size=z.shape)
        second = (
            _mean_loss(z + step * v, 0.5, loss)
            - 2 * _mean_loss(z, 0.5, loss)
            + _mean_loss(z - step * v, 0.5, loss)
        ) / step**2
        assert v.ravel() @ h @ v.ravel() == pytest.approx(second, rel=1e-5, abs=1e-6)
    # f(c u) = f(u): the radial direction u is an eigenvector with eigenvalue 0 at a
    # stationary point (the simplex optimum)
    optimum = training.simplex_configuration(3, 3, np)
    h_opt, _ = training.hessian(optimum, 0.5, loss)
    assert np.max(np.abs(h_opt @ optimum.ravel())) < 1e-8


def test_projected_descent_batches_step_sizes_and_keeps_unit_rows():
    rng = np.random.default_rng(6)
    z = normalise(rng.normal(size=(2, 5, 4)))
    rates = np.array([0.1, 0.5, 2.0])
    together = training.projected_descent(np.stack([z] * 3), 0.3, "dcl", 7, rates)
    assert together.losses.shape == (8, 3)
    np.testing.assert_allclose(np.linalg.norm(together.z, axis=-1), 1.0, atol=1e-12)
    for k, rate in enumerate(rates):
        alone = training.projected_descent(z, 0.3, "dcl", 7, float(rate))
        np.testing.assert_allclose(together.losses[:, k], alone.losses, rtol=1e-12)
        np.testing.assert_allclose(together.z[k], alone.z, atol=1e-12)
    assert together.positive_cosines().shape == (3, 5)
    assert together.instance_cosines().shape == (3, 20)
    with pytest.raises(ValueError, match="learning rates"):
        training.projected_descent(z, 0.3, "dcl", 3, 0.0)


def _train(seeds, losses, taus, rates, **config):
    backend = select("numpy")
    root = np.random.SeedSequence(11)
    return training.train_linear_encoders(
        backend,
        derive(root, 0),
        [derive(root, 1, k) for k in seeds],
        losses,
        taus,
        rates,
        training.EncoderConfig(**{"batch": 6, "steps": 6, "record_every": 3} | config),
    )


@pytest.mark.parametrize("optimiser", ["sgd", "adam"])
def test_the_training_grid_is_batched_without_changing_any_run(optimiser):
    grid = _train([0, 1], ["infonce", "dcl"], [0.1, 0.5], [0.01, 0.1], optimiser=optimiser)
    assert grid.record_steps == [0, 3, 6]
    assert grid.content.shape == (3, 2, 2, 2, 2)
    assert grid.accuracy.shape == grid.uniformity.shape == grid.tolerance.shape == (2, 2, 2, 2)
    assert grid.mean_q_b.shape == (6, 2, 2, 2, 2)
    # common random numbers: every model of a seed starts from the same W
    start = grid.content[0]
    np.testing.assert_array_equal(start, np.broadcast_to(start[:1, :1, :1], start.shape))
    # one cell of the grid run alone gives the same numbers
    alone = _train([1], ["dcl"], [0.5], [0.1], optimiser=optimiser)
    np.testing.assert_allclose(
        alone.content[:, 0, 0, 0, 0], grid.content[:, 1, 1, 1, 1], rtol=1e-12
    )
    np.testing.assert_allclose(
        alone.uniformity[0, 0, 0, 0], grid.uniformity[1, 1, 1, 1], rtol=1e-12
    )
    np.testing.assert_allclose(
        alone.mean_q_b[:, 0, 0, 0, 0], grid.mean_q_b[:, 1, 1, 1, 1], rtol=1e-12
    )
    assert np.all((grid.accuracy >= 0) & (grid.accuracy <= 1))
    n = training.EncoderConfig().eval_instances
    assert np.all(grid.uniformity <= 4 * n / (n - 1))  # the sample Jensen bound at t = 2


def test_training_rejects_bad_configurations():
    with pytest.raises(ValueError, match="optimiser"):
        training.EncoderConfig(optimiser="lars")
    with pytest.raises(ValueError, match="at least 2"):
        training.EncoderConfig(batch=1)
    with pytest.raises(ValueError, match=">= 1"):
        training.EncoderConfig(steps=0)
    with pytest.raises(ValueError, match="non-empty"):
        _train([0], [], [0.1], [0.1])
    with pytest.raises(ValueError, match="> 0"):
        _train([0], ["dcl"], [0.0], [0.1])


def test_the_sweep_task_is_the_direct_training_run_and_round_trips():
    config = training.EncoderConfig(batch=4, steps=3, record_every=1, eval_instances=20)
    backend = select("numpy")
    grid = training.EncoderGrid.of(backend, ["infonce", "dcl"], [0.1, 0.5], [0.05], 2, config)
    seed = np.random.SeedSequence(11)
    direct = training.train_linear_encoders(
        backend,
        derive(seed, 0),
        [derive(seed, 1, k) for k in range(2)],
        ["infonce", "dcl"],
        [0.1, 0.5],
        [0.05],
        config,
    )
    swept = training.EncoderRun.from_result(training.encoders_task(grid, seed), grid, seed)
    for key in ("content", "accuracy", "uniformity", "tolerance", "mean_q_b"):
        np.testing.assert_array_equal(getattr(swept, key), getattr(direct, key))
    assert (swept.losses, swept.taus, swept.learning_rates) == (
        direct.losses,
        direct.taus,
        direct.learning_rates,
    )
    assert swept.record_steps == direct.record_steps and swept.seeds == direct.seeds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backend": "auto"}, "unknown backend 'auto'"),
        ({"taus": ()}, "must be non-empty"),
        ({"seeds": 0}, "must be non-empty"),
        ({"learning_rates": (0.0,)}, "must be > 0"),
        ({"encoder": {"optimiser": "lbfgs"}}, "unknown optimiser"),
    ],
)
def test_an_encoder_grid_refuses_what_its_worker_could_not_run(change, message):
    grid = training.EncoderGrid.of(
        select("numpy"), ["infonce"], [0.1], [0.05], 1, training.EncoderConfig()
    )
    fields = {**dataclasses.asdict(grid), **change}
    with pytest.raises(ValueError, match=message):
        training.EncoderGrid(**fields)
