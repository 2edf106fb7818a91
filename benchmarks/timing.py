"""What every benchmark script shares: device-synchronised best-of timing and the JSON record."""

from __future__ import annotations

import datetime
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulations.backend import Backend

RESULTS = Path(__file__).parent / "results"


def synchronise(backend: Backend) -> None:
    """Wait for queued device work, so a timing covers the kernels and not just their launch."""
    if backend.name == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def best_of(
    repeats: int, backend: Backend, fn: Callable[[], Any], min_seconds: float = 0.05
) -> float:
    """Seconds per call: the fastest of ``repeats`` timings of back-to-back calls.

    A first, untimed call warms caches and compiled kernels and sets how many calls make one
    timing last at least ``min_seconds`` (so microsecond kernels are not timer noise).
    """
    synchronise(backend)
    start = time.perf_counter()
    fn()
    synchronise(backend)
    inner = max(1, math.ceil(min_seconds / max(time.perf_counter() - start, 1e-9)))
    times = []
    for _ in range(repeats):
        synchronise(backend)
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        synchronise(backend)
        times.append((time.perf_counter() - start) / inner)
    return min(times)


def write_record(
    name: str, backend: Backend, argv: list[str] | None, out: Path, **fields: Any
) -> Path:
    """Write ``out/<name>_<backend>_<date>.json`` with the command, backend, device and versions."""
    stamp = datetime.datetime.now(datetime.UTC)
    record = {
        "benchmark": name,
        "command": "python "
        + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "date": stamp.isoformat(timespec="seconds"),
        **backend.describe(),
        **fields,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}_{backend.name}_{stamp:%Y%m%d}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path
