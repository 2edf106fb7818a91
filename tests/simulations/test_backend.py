import numpy as np
import pytest

from simulations import backend as backends


def test_numpy_is_chosen_on_request_and_described():
    chosen = backends.select("numpy")
    assert chosen.name == "numpy"
    assert chosen.fallback_reason is None
    described = chosen.describe()
    assert described["backend"] == "numpy"
    assert "numpy" in described["versions"]
    assert described["device"].startswith("CPU")


def test_environment_variable_is_read(monkeypatch):
    monkeypatch.setenv(backends.ENV_VAR, "array_api_strict")
    assert backends.select().name == "array_api_strict"
    assert backends.select("numpy").name == "numpy"


def test_unknown_backend_is_a_clear_error(monkeypatch):
    with pytest.raises(backends.BackendError, match="unknown backend 'torch'"):
        backends.select("torch")
    monkeypatch.setenv(backends.ENV_VAR, "jax")
    with pytest.raises(backends.BackendError, match=backends.ENV_VAR):
        backends.select()


@pytest.mark.skipif(backends.cuda_device()[0] is not None, reason="a CUDA device is present")
def test_auto_falls_back_with_a_reason_and_cupy_refuses():
    chosen = backends.select("auto")
    assert chosen.name == "numpy"
    assert chosen.fallback_reason
    with pytest.raises(backends.BackendError, match="cupy cannot run here"):
        backends.select("cupy")


def test_random_streams_are_reproducible_and_independent(backend, seed):
    first = backends.to_numpy(backend.rng(seed).normal((4, 3)))
    again = backends.to_numpy(backend.rng(seed).normal((4, 3)))
    child = backends.to_numpy(backend.rng(seed.spawn(1)[0]).normal((4, 3)))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, child)


def test_random_draws_have_the_requested_dtype_and_range(backend, seed):
    rng = backend.rng(seed)
    uniform = rng.uniform((1000,), "float32")
    assert uniform.dtype == backend.xp.float32
    values = backends.to_numpy(uniform)
    assert values.min() >= 0 and values.max() < 1
    gamma = backends.to_numpy(rng.gamma(0.5, (20000,)))
    assert abs(gamma.mean() - 0.5) < 5 * np.sqrt(0.5 / 20000)
    with pytest.raises(ValueError, match="positive"):
        rng.gamma(0.0, (3,))


def test_rng_needs_a_seed_sequence():
    with pytest.raises(TypeError, match="SeedSequence"):
        backends.select("numpy").rng(123)


def test_to_numpy_returns_host_arrays(backend):
    array = backend.xp.asarray([1.0, 2.0])
    out = backends.to_numpy(array)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [1.0, 2.0])


def test_derive_is_stable_and_refuses_a_plain_integer_seed():
    seed = np.random.SeedSequence(5, spawn_key=(1,))
    child = backends.derive(seed, 2, 3)
    assert child.entropy == 5 and child.spawn_key == (1, 2, 3)
    assert (
        backends.derive(seed, 2, 3).generate_state(2).tolist() == child.generate_state(2).tolist()
    )
    with pytest.raises(TypeError, match="SeedSequence, got int"):
        backends.derive(0, 1)


def test_cell_backend_names_and_dtypes_are_checked():
    assert [backends.check_resolved(name) for name in backends.RESOLVED] == list(backends.RESOLVED)
    with pytest.raises(ValueError, match="unknown backend 'auto'; choose one of numpy"):
        backends.check_resolved("auto")
    assert backends.check_float_dtype("float32") == "float32"
    with pytest.raises(ValueError, match="unknown dtype 'float16'"):
        backends.check_float_dtype("float16")
