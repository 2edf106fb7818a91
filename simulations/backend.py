"""The one module that owns the array namespace, the device and the random numbers.

Every simulation is written once against the Python array API standard. This module decides
which namespace runs it (numpy on the CPU, CuPy on a CUDA device, or ``array_api_strict`` for
conformance tests), builds random generators from a :class:`numpy.random.SeedSequence` child,
describes the device for reports, and is the only place that moves arrays back to the host.

Selection order: the ``request`` argument, else the ``LOSSLAB_BACKEND`` environment variable,
else ``"auto"``. ``auto`` picks CuPy when it imports and sees a device, and otherwise numpy,
recording why it fell back.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Any

import array_api_compat
import array_api_compat.numpy as numpy_namespace
import numpy as np

ENV_VAR = "LOSSLAB_BACKEND"
CHOICES = ("auto", "numpy", "cupy")
"""Backends a user can ask for (``array_api_strict`` is accepted too, for conformance tests)."""
RESOLVED = ("numpy", "cupy", "array_api_strict")
"""The names a resolved :class:`Backend` carries. A sweep cell names one of them, never
``auto``: its key must say what computes it, not leave that to the worker."""
FLOAT_DTYPES = ("float32", "float64")
"""The floating types simulations run in."""


class BackendError(ValueError):
    """An unknown backend, or CuPy asked for where it cannot run."""


@dataclass(frozen=True)
class Backend:
    """A resolved backend: namespace, device and the story of how it was chosen."""

    name: str
    xp: Any = field(repr=False)
    device: str
    requested: str
    fallback_reason: str | None = None

    def rng(self, seed: np.random.SeedSequence) -> ArrayRandom:
        """A random source for this namespace, seeded from one ``SeedSequence`` child."""
        if not isinstance(seed, np.random.SeedSequence):
            raise TypeError(f"seed must be a numpy.random.SeedSequence, got {type(seed).__name__}")
        if self.name == "cupy":
            import cupy

            word = int(seed.generate_state(1, dtype=np.uint64)[0])
            return ArrayRandom(self.xp, cupy.random.Generator(cupy.random.Philox4x3210(word)))
        return ArrayRandom(self.xp, np.random.Generator(np.random.PCG64(seed)))

    def describe(self) -> dict[str, Any]:
        """What a report records about the backend."""
        return {
            "backend": self.name,
            "device": self.device,
            "requested": self.requested,
            "fallback_reason": self.fallback_reason,
            "versions": versions(self.name),
        }


class ArrayRandom:
    """Uniform, normal and gamma draws returned as arrays of one namespace.

    numpy and CuPy draw natively on their device. ``array_api_strict`` has no random numbers,
    so draws are made by numpy and wrapped; that path exists only for conformance tests.
    """

    def __init__(self, xp: Any, generator: Any):
        self.xp = xp
        self._generator = generator
        self._wrap = array_api_compat.is_array_api_strict_namespace(xp)

    def _out(self, sample: Any) -> Any:
        return self.xp.asarray(sample) if self._wrap else sample

    def uniform(self, shape: tuple[int, ...], dtype: str = "float64") -> Any:
        """Draws from U[0, 1)."""
        return self._out(self._generator.random(size=shape, dtype=np.dtype(dtype)))

    def normal(self, shape: tuple[int, ...], dtype: str = "float64") -> Any:
        """Standard normal draws."""
        return self._out(self._generator.standard_normal(size=shape, dtype=np.dtype(dtype)))

    def gamma(self, concentration: float, shape: tuple[int, ...], dtype: str = "float64") -> Any:
        """Gamma(concentration, 1) draws."""
        if not concentration > 0:
            raise ValueError(f"gamma concentration must be positive, got {concentration}")
        sample = self._generator.standard_gamma(concentration, size=shape, dtype=np.dtype(dtype))
        return self._out(sample)


def select(request: str | None = None) -> Backend:
    """Resolve a backend request (``auto``, ``numpy``, ``cupy`` or ``array_api_strict``)."""
    requested = request or os.environ.get(ENV_VAR) or "auto"
    if requested == "numpy":
        return Backend("numpy", numpy_namespace, cpu_name(), requested)
    if requested == "array_api_strict":
        import array_api_strict

        return Backend("array_api_strict", array_api_strict, cpu_name(), requested)
    if requested not in CHOICES:
        raise BackendError(
            f"unknown backend {requested!r}; choose one of {', '.join(CHOICES)}"
            f" (from {'--backend' if request else ENV_VAR})"
        )
    device, reason = cuda_device()
    if device is not None:
        import array_api_compat.cupy as cupy_namespace

        return Backend("cupy", cupy_namespace, device, requested)
    if requested == "cupy":
        raise BackendError(f"--backend cupy cannot run here: {reason}")
    return Backend("numpy", numpy_namespace, cpu_name(), requested, fallback_reason=reason)


def check_resolved(name: str) -> str:
    """``name`` if it is one of :data:`RESOLVED`, else a ValueError naming the choices."""
    if name not in RESOLVED:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(RESOLVED)}")
    return name


def check_float_dtype(dtype: str) -> str:
    """``dtype`` if it is one of :data:`FLOAT_DTYPES`, else a ValueError naming the choices."""
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose one of {', '.join(FLOAT_DTYPES)}")
    return dtype


def cuda_device() -> tuple[str | None, str]:
    """The name of CUDA device 0 through CuPy, or ``None`` and the reason there is none."""
    try:
        import cupy
    except ImportError as error:
        return None, f"CuPy is not importable ({error})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return None, "CuPy imports but sees no CUDA device"
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    except Exception as error:  # noqa: BLE001 - the CUDA runtime raises its own error types
        return None, f"CuPy imports but the CUDA runtime failed ({error})"
    return (name.decode() if isinstance(name, bytes) else str(name)), ""


def cpu_name() -> str:
    """A human-readable CPU description with the number of usable cores."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"CPU: {model} ({len(os.sched_getaffinity(0))} cores usable)"


def versions(backend_name: str = "numpy") -> dict[str, str]:
    """Versions of the packages a result depends on."""
    import scipy
    import sympy

    found = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "array_api_compat": array_api_compat.__version__,
    }
    if backend_name == "cupy":
        import cupy

        found["cupy"] = cupy.__version__
        found["cuda_runtime"] = str(cupy.cuda.runtime.runtimeGetVersion())
    if backend_name == "array_api_strict":
        import array_api_strict

        found["array_api_strict"] = array_api_strict.__version__
    return found


def derive(seed: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    """The child of ``seed`` at ``keys``, without touching ``seed``'s spawn counter.

    ``seed.spawn`` hands out new children on every call; a function that must give the same
    stream for the same seed whenever it is called uses ``derive(seed, k)`` instead.
    """
    if not isinstance(seed, np.random.SeedSequence):
        raise TypeError(f"seed must be a numpy.random.SeedSequence, got {type(seed).__name__}")
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *keys))


def namespace(*arrays: Any) -> Any:
    """The array API namespace of ``arrays`` (numpy for plain Python scalars)."""
    return array_api_compat.array_namespace(*arrays)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any supported namespace to a numpy array on the host."""
    if array_api_compat.is_cupy_array(x):
        return x.get()
    if array_api_compat.is_numpy_array(x):
        return x
    return np.asarray(x)
