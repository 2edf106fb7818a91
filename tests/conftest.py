"""Shared fixtures: the array namespaces every kernel test runs under, and Hypothesis profiles."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from simulations import backend as backends

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _cuda_available() -> bool:
    return backends.cuda_device()[0] is not None


NAMESPACES = [
    "numpy",
    "array_api_strict",
    pytest.param(
        "cupy",
        marks=[
            pytest.mark.gpu,
            pytest.mark.skipif(not _cuda_available(), reason="no CuPy or no CUDA device"),
        ],
    ),
]


@pytest.fixture(params=NAMESPACES)
def backend(request) -> backends.Backend:
    """A resolved backend for each namespace the kernels must run under."""
    return backends.select(request.param)


@pytest.fixture
def seed() -> np.random.SeedSequence:
    return np.random.SeedSequence(20231125)


@pytest.fixture
def ctx():
    """A quick-scale checking context on numpy with a fixed seed."""
    from paper_checks.claims import Context

    return Context("quick", backends.select("numpy"), np.random.SeedSequence(7))
